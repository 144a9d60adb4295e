//! The supervisor: splits the duration among the targets, runs each in worker processes, finds
//! the input behind a crash or a hang, and prints the figures.

use crate::harness::TARGETS;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A worker that prints nothing for this long is stuck on one input.
const HANG: Duration = Duration::from_secs(30);
/// How many inputs a careful rerun covers after the last progress line.
const CAREFUL_WINDOW: u64 = 1 << 20;

pub struct WorkerArgs {
    pub target: String,
    pub seed: u64,
    pub start: u64,
    pub count: u64,
    pub until_ms: Option<u64>,
    pub careful: Option<PathBuf>,
    pub crashes: PathBuf,
}

impl WorkerArgs {
    pub fn parse(args: &[String]) -> WorkerArgs {
        let mut w = WorkerArgs {
            target: args.first().cloned().unwrap_or_default(),
            seed: args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0),
            start: args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0),
            count: u64::MAX,
            until_ms: None,
            careful: None,
            crashes: PathBuf::from("fuzz-crashes"),
        };
        let mut rest = args.iter().skip(3);
        while let (Some(flag), Some(value)) = (rest.next(), rest.next()) {
            match flag.as_str() {
                "--count" => w.count = value.parse().unwrap_or(u64::MAX),
                "--until-ms" => w.until_ms = value.parse().ok(),
                "--careful" => w.careful = Some(value.into()),
                "--crashes" => w.crashes = value.into(),
                _ => {}
            }
        }
        w
    }
}

/// Saves a finding's input as `DIR/TARGET-HASH.input` (and the message beside it).
pub fn save(dir: &Path, target: &str, input: &[u8], message: &str) -> PathBuf {
    use sha2::Digest;
    let _ = std::fs::create_dir_all(dir);
    let hash = sha2::Sha256::digest(input);
    let name: String = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("{target}-{name}.input"));
    let _ = std::fs::write(&path, input);
    let _ = std::fs::write(path.with_extension("txt"), format!("{message}\n"));
    path
}

struct Options {
    duration: Duration,
    targets: Vec<String>,
    seed: u64,
    crashes: PathBuf,
}

fn options(args: &[String]) -> Result<Options, String> {
    let duration = parse_duration(&args[0])?;
    let mut o = Options {
        duration,
        targets: Vec::new(),
        seed: 0,
        crashes: PathBuf::from("fuzz-crashes"),
    };
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seed" => {
                o.seed = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seed needs a number")?
            }
            "--crashes" => o.crashes = it.next().ok_or("--crashes needs a directory")?.into(),
            name if TARGETS.contains(&name) => o.targets.push(name.to_string()),
            other => {
                return Err(format!(
                    "unknown target {other:?}; targets: {}",
                    TARGETS.join(" ")
                ));
            }
        }
    }
    if o.targets.is_empty() {
        o.targets = TARGETS.iter().map(|s| s.to_string()).collect();
    }
    Ok(o)
}

/// `90s`, `10m`, `1h`, or plain seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (try 90s, 10m, 1h)"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("not a duration: {s:?} (try 90s, 10m, 1h)")),
    };
    Ok(Duration::from_secs(seconds))
}

/// One target's figures.
struct Tally {
    target: String,
    inputs: u64,
    elapsed: Duration,
    findings: Vec<String>,
}

pub fn run(args: &[String]) -> i32 {
    let o = match options(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("fuzz: {e}");
            return 2;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&o.crashes) {
        eprintln!("fuzz: cannot create {}: {e}", o.crashes.display());
        return 2;
    }
    let share = o.duration / o.targets.len() as u32;
    eprintln!(
        "fuzz: {} target(s), {:?} each, seed {}, crashing inputs go to {}",
        o.targets.len(),
        share,
        o.seed,
        o.crashes.display()
    );
    let tallies: Vec<Tally> = o
        .targets
        .iter()
        .map(|t| fuzz_target(t, share, &o))
        .collect();
    report(&tallies, &o)
}

fn fuzz_target(target: &str, share: Duration, o: &Options) -> Tally {
    let started = Instant::now();
    let mut tally = Tally {
        target: target.to_string(),
        inputs: 0,
        elapsed: Duration::ZERO,
        findings: Vec::new(),
    };
    let mut start = 0;
    while started.elapsed() < share {
        let left = share - started.elapsed();
        let run = worker(
            target,
            o,
            start,
            &["--until-ms", &left.as_millis().to_string()],
        );
        tally.inputs += run.ran;
        tally.findings.extend(run.findings);
        if run.completed {
            break;
        }
        // Crashed or hung: find the input by running the rest of the batch carefully.
        let culprit = o.crashes.join(format!("{target}-crash-{}.input", run.last));
        let careful = worker(
            target,
            o,
            run.last,
            &[
                "--count",
                &CAREFUL_WINDOW.to_string(),
                "--careful",
                &culprit.to_string_lossy(),
            ],
        );
        let why = if run.hung {
            "hung"
        } else {
            "crashed (stack overflow or abort)"
        };
        if careful.completed {
            tally.findings.push(format!(
                "{why} near input {} of seed {}; the careful rerun passed",
                run.last, o.seed
            ));
        } else {
            tally.findings.push(format!(
                "{why}: {} (reproduce: fuzz --replay {target} {})",
                culprit.display(),
                culprit.display()
            ));
        }
        start = careful.last + 1;
    }
    tally.elapsed = started.elapsed();
    tally
}

struct WorkerRun {
    ran: u64,
    last: u64,
    completed: bool,
    hung: bool,
    findings: Vec<String>,
}

fn worker(target: &str, o: &Options, start: u64, extra: &[&str]) -> WorkerRun {
    let exe = std::env::current_exe().expect("the fuzz binary's path");
    let mut child = Command::new(exe)
        .args(["--worker", target, &o.seed.to_string(), &start.to_string()])
        .args(extra)
        .args(["--crashes", &o.crashes.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("a worker process");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut run = WorkerRun {
        ran: 0,
        last: start,
        completed: false,
        hung: false,
        findings: Vec::new(),
    };
    loop {
        match rx.recv_timeout(HANG) {
            Ok(line) => {
                if let Some(i) = line.strip_prefix("progress ") {
                    run.last = i.parse().unwrap_or(run.last);
                } else if let Some(f) = line.strip_prefix("finding ") {
                    eprintln!("fuzz: {target}: panic: {f}");
                    let file = f.split(' ').next().unwrap_or(f);
                    run.findings.push(format!(
                        "panic: {f} (reproduce: fuzz --replay {target} {file})"
                    ));
                } else if let Some(n) = line.strip_prefix("done ") {
                    run.ran = n.parse().unwrap_or(0);
                    run.completed = true;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                run.hung = true;
                let _ = child.kill();
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = child.wait();
    if !run.completed {
        run.ran = run.last - start;
        eprintln!(
            "fuzz: {target}: the worker {} at input {} ({status:?})",
            if run.hung { "hung" } else { "died" },
            run.last
        );
    }
    run
}

fn report(tallies: &[Tally], o: &Options) -> i32 {
    println!(
        "{:<16} {:>12} {:>9} {:>10} {:>8}",
        "target", "inputs", "seconds", "inputs/s", "findings"
    );
    let (mut inputs, mut secs, mut findings) = (0, 0.0, 0);
    for t in tallies {
        let s = t.elapsed.as_secs_f64();
        println!(
            "{:<16} {:>12} {:>9.1} {:>10.0} {:>8}",
            t.target,
            t.inputs,
            s,
            t.inputs as f64 / s.max(1e-9),
            t.findings.len()
        );
        inputs += t.inputs;
        secs += s;
        findings += t.findings.len();
    }
    println!(
        "{:<16} {:>12} {:>9.1} {:>10.0} {:>8}",
        "total",
        inputs,
        secs,
        inputs as f64 / secs.max(1e-9),
        findings
    );
    for t in tallies {
        for f in &t.findings {
            println!("{}: {f}", t.target);
        }
    }
    if findings > 0 {
        println!(
            "inputs saved under {}; rerun one with: scripts/fuzz --replay TARGET FILE",
            o.crashes.display()
        );
        1
    } else {
        0
    }
}
