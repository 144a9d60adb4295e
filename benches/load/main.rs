//! Load and soak of `stepwise serve` (run: `scripts/load [DURATION]`, which builds the release
//! binary and this bench; `--help` lists the workload). Starts a server on a free port and a
//! fresh database, drives it with concurrent keep-alive clients at steady rates for DURATION —
//! executions of a Map of Wait states (thousands of timers pending and firing), callbacks
//! through the embedded SQS queue, callbacks that time out on purpose, activities, plain SQS
//! traffic, history and describe reads — then lets every execution end, checks each one ended
//! as it should, stops the server by its PID and reports. Exit status 1 when anything
//! unintended happened, an execution was stuck, or the server's RSS grew after warm-up.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock, the environment, /proc

#[path = "../support/mod.rs"]
mod support;

mod api;
mod ctx;
mod plain;
mod readers;
mod report;
mod responders;
mod rss;
mod settings;
mod setup;
mod starters;
mod stats;
mod tracker;

use ctx::Ctx;
use settings::Settings;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use support::{Schema, Server};
use tracker::Kind;

/// How long after the last start the run waits for every execution to be seen ended.
const DRAIN: Duration = Duration::from_secs(90);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match settings::parse(&args) {
        Ok(Some(s)) => s,
        Ok(None) => return println!("{}", settings::USAGE),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if !support::binary().exists() {
        eprintln!(
            "error: {} is missing: scripts/load builds it (cargo build --release --bin stepwise)",
            support::binary().display()
        );
        std::process::exit(2);
    }
    std::process::exit(if run(&settings) { 0 } else { 1 });
}

fn run(settings: &Settings) -> bool {
    let schema = match &settings.db {
        Some(url) => match Schema::new("load", Some(url)) {
            Some(s) => Some(s),
            None => std::process::exit(2),
        },
        None => None,
    };
    let args = ["--retention", settings.retention.as_str()];
    let options = support::Options {
        db: schema.as_ref().map(|s| s.url.as_str()),
        args: &args,
        log: true,
    };
    let mut server = Server::spawn_with("load", &options);
    drop(server.client());
    let pid = server.child.id();
    println!(
        "stepwise serve pid {pid} on {} ({}), --retention {}; scratch {}",
        server.addr,
        if schema.is_some() {
            "PostgreSQL schema"
        } else {
            "SQLite file"
        },
        settings.retention,
        server.dir.display()
    );
    println!("workload: {settings}");
    let stats = Arc::new(stats::Stats::default());
    let setup = match setup::Setup::create(&mut api::Api::new(&server.addr, stats.clone())) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: setting up the workload: {e}");
            return false;
        }
    };
    stats.take_interval();
    let ctx = Arc::new(Ctx {
        addr: server.addr.clone(),
        stats: stats.clone(),
        tracker: tracker::Tracker::default(),
        setup,
        waits: settings.waits.max(1),
        starting: true.into(),
        running: true.into(),
        recent: Default::default(),
        late: Default::default(),
        plain: Default::default(),
    });
    let start = Instant::now();
    let sampler = Arc::new(rss::Sampler::new(pid, &server.dir, start));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler_thread = {
        let (sampler, sampling) = (sampler.clone(), sampling.clone());
        std::thread::spawn(move || sampler.run(|| sampling.load(Ordering::SeqCst)))
    };
    spawn_clients(&ctx, settings);
    report_until(&ctx, &sampler, start, settings);
    ctx.starting.store(false, Ordering::SeqCst);
    let length = start.elapsed().as_secs_f64();
    drain(&ctx, &sampler, start, settings.every);
    still_running(&ctx);
    ctx.running.store(false, Ordering::SeqCst);
    stats.quiet();
    sampling.store(false, Ordering::SeqCst);
    let _ = sampler_thread.join();
    let exit = stop(&mut server);
    let log_ok = server_log(&server, exit);
    let samples = sampler.samples.lock().expect("samples").clone();
    let pass = report::finish(&ctx, &stats.totals(), length, &samples) && log_ok;
    if !pass || settings.keep {
        server.remove_dir = false;
        println!("scratch directory kept: {}", server.dir.display());
    }
    pass
}

/// The client threads; those blocked in a long poll at the end are left to the process exit.
fn spawn_clients(ctx: &Arc<Ctx>, s: &Settings) {
    let spawn = |f: Box<dyn FnOnce(&Ctx) + Send>| {
        let ctx = ctx.clone();
        std::thread::spawn(move || f(&ctx));
    };
    let rates = [
        (Kind::Wait, s.wait_rate),
        (Kind::Callback, s.callback_rate),
        (Kind::Timeout, s.timeout_rate),
        (Kind::Activity, s.activity_rate),
    ];
    for (i, (kind, rate)) in rates.into_iter().enumerate() {
        // Two connections per kind, each at half the rate: a slow answer delays half the starts.
        for j in 0..2 {
            if rate > 0.0 {
                let seed = (i * 2 + j) as u64;
                spawn(Box::new(move |c| starters::run(c, kind, rate / 2.0, seed)));
            }
        }
    }
    for _ in 0..2 {
        spawn(Box::new(responders::callbacks));
        spawn(Box::new(readers::checker));
    }
    spawn(Box::new(responders::late));
    if s.activity_rate > 0.0 {
        for w in 0..2 {
            spawn(Box::new(move |c| responders::activities(c, w)));
        }
    }
    if s.sqs_rate > 0.0 {
        let rate = s.sqs_rate;
        spawn(Box::new(move |c| plain::sender(c, rate)));
        spawn(Box::new(plain::consumer));
    }
    if s.read_rate > 0.0 {
        for j in 0..2 {
            let rate = s.read_rate / 2.0;
            spawn(Box::new(move |c| readers::reader(c, rate, 100 + j)));
        }
    }
}

/// Prints a block every interval until the run's duration is over.
fn report_until(ctx: &Ctx, sampler: &rss::Sampler, start: Instant, s: &Settings) {
    let mut cpu_before = 0.0;
    let mut last = start;
    while start.elapsed() < s.duration {
        let next = (last + s.every).min(start + s.duration);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        let secs = last.elapsed().as_secs_f64();
        last = Instant::now();
        let sample = sampler.last();
        report::interval(ctx, start.elapsed().as_secs_f64(), secs, sample, cpu_before);
        cpu_before = sample.map_or(cpu_before, |x| x.cpu);
    }
}

/// After the last start: waits until every execution was seen ended, every late answer sent
/// and every plain message received, or `DRAIN` has passed.
fn drain(ctx: &Ctx, sampler: &rss::Sampler, start: Instant, every: Duration) {
    println!(
        "-- starts stopped; waiting for every execution to end (at most {} s)",
        DRAIN.as_secs()
    );
    let deadline = Instant::now() + DRAIN;
    let mut last = Instant::now();
    let mut cpu_before = sampler.last().map_or(0.0, |s| s.cpu);
    let done = || {
        let plain = ctx.plain.lock().expect("plain");
        ctx.tracker.open() == 0
            && ctx.late.lock().expect("late").is_empty()
            && plain.seen.len() as u64 >= plain.sent
    };
    while !done() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        if last.elapsed() >= every {
            let sample = sampler.last();
            let secs = last.elapsed().as_secs_f64();
            report::interval(ctx, start.elapsed().as_secs_f64(), secs, sample, cpu_before);
            cpu_before = sample.map_or(cpu_before, |x| x.cpu);
            last = Instant::now();
        }
    }
}

/// ListExecutions RUNNING of every machine: none may be left, even one the clients lost track
/// of (a start whose answer was lost).
fn still_running(ctx: &Ctx) {
    let mut api = ctx.api();
    for kind in Kind::ALL {
        let body = serde_json::json!({
            "stateMachineArn": ctx.setup.machine(kind),
            "statusFilter": "RUNNING",
            "maxResults": 100,
        });
        if let Some(out) = api.sfn_ok("ListExecutions", "ListExecutions", &body) {
            let running = out["executions"].as_array().map_or(0, Vec::len);
            if running > 0 {
                ctx.stats.unintended(
                    &format!("{} executions RUNNING after the drain", kind.name()),
                    format!(
                        "{running} (or more): {}",
                        out["executions"][0]["executionArn"]
                    ),
                );
            }
        }
    }
}

/// SIGTERM by PID, then SIGKILL after 15 s; how the server exited.
fn stop(server: &mut Server) -> String {
    let pid = server.child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = server.child.try_wait() {
            return status.to_string();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = server.child.kill();
    "did not stop within 15 s of SIGTERM; killed".into()
}

/// What the server logged: panics are unintended errors; purges are reported.
fn server_log(server: &Server, exit: String) -> bool {
    let log = std::fs::read_to_string(server.dir.join("serve.log")).unwrap_or_default();
    let purged: u64 = log
        .lines()
        .filter_map(|l| l.split("retention: deleted ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    let panics: Vec<&str> = log.lines().filter(|l| l.contains("panicked")).collect();
    println!(
        "\n== server == exit after SIGTERM: {exit}; log {} lines; retention deleted {purged} \
         executions; panics {}",
        log.lines().count(),
        panics.len()
    );
    let noteworthy: Vec<&str> = log
        .lines()
        .filter(|l| !l.contains("retention: deleted") && !l.contains("listening"))
        .take(10)
        .collect();
    for line in &noteworthy {
        println!("    {line}");
    }
    for p in &panics {
        println!("    PANIC: {p}");
    }
    panics.is_empty()
}
