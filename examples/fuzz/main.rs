//! `scripts/fuzz DURATION [TARGET...]`: runs every fuzz target (or the ones named) for a share
//! of DURATION each, reports inputs/s per target, and saves each input that panics or crashes.
//!
//! The supervisor runs each target in a worker process (this binary with `--worker`), so a
//! stack overflow, an abort or a hang costs one worker, not the run: the supervisor then runs
//! the last batch again with `--careful`, which writes each input to a file before running it,
//! and that file holds the culprit when the careful worker dies too.
//!
//! ```text
//! fuzz 10m                              all targets, 10 minutes in all
//! fuzz 30s jsonpath asl --seed 7        two targets
//! fuzz --replay jsonpath FILE           one saved input, with the panic printed
//! ```
#![allow(clippy::disallowed_methods)] // an edge: measures time, reads arguments

#[allow(dead_code)] // the bounded run in tests/fuzz.rs uses the rest
mod harness;
mod supervise;

use std::io::Write;
use std::time::{Duration, Instant};

/// The stack a worker runs inputs on: what tokio gives the server's blocking threads.
const STACK_BYTES: usize = 2 * 1024 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("--worker") => worker(&args[1..]),
        Some("--replay") => replay(&args[1..]),
        Some("-h" | "--help") | None => {
            eprintln!(
                "usage: fuzz DURATION [TARGET...] [--seed N] [--crashes DIR] [--jobs N]\n       fuzz --replay TARGET FILE\ntargets: {}",
                harness::TARGETS.join(" ")
            );
            2
        }
        _ => supervise::run(&args),
    };
    std::process::exit(code);
}

/// `--worker TARGET SEED START (--until-ms MS | --count N) [--careful FILE] [--crashes DIR]`:
/// runs inputs from START, printing `progress I` about once a second and `finding FILE MESSAGE`
/// for each new panic, then `done RAN`.
fn worker(args: &[String]) -> i32 {
    let opts = supervise::WorkerArgs::parse(args);
    if !harness::TARGETS.contains(&opts.target.as_str()) {
        eprintln!("unknown target {}", opts.target);
        return 2;
    }
    harness::quiet_panics();
    let handle = std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let mut target = harness::target(&opts.target).expect("a known target");
            run_worker(&mut *target, &opts)
        })
        .expect("a worker thread");
    handle.join().unwrap_or(1)
}

fn run_worker(target: &mut dyn harness::Target, opts: &supervise::WorkerArgs) -> i32 {
    let deadline = opts
        .until_ms
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    let mut last_print = Instant::now();
    let mut seen = std::collections::HashSet::new();
    let mut out = std::io::stdout().lock();
    let mut ran = 0;
    for i in opts.start..opts.start.saturating_add(opts.count) {
        let mut rng = harness::Rng::for_input(opts.seed, i);
        let input = target.generate(&mut rng);
        if let Some(file) = &opts.careful {
            let _ = std::fs::write(file, &input);
            let _ = writeln!(out, "progress {i}");
            let _ = out.flush();
        }
        if let Some(f) = harness::run_one(target, &input) {
            let key = f.message.clone();
            if seen.insert(key) {
                let saved = supervise::save(&opts.crashes, &opts.target, &f.input, &f.message);
                let _ = writeln!(
                    out,
                    "finding {} {}",
                    saved.display(),
                    f.message.replace('\n', " ")
                );
            }
        }
        ran += 1;
        if last_print.elapsed() > Duration::from_millis(500) {
            let _ = writeln!(out, "progress {i}");
            let _ = out.flush();
            last_print = Instant::now();
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
        }
    }
    let _ = writeln!(out, "done {ran}");
    0
}

/// Runs one saved input with the default panic hook, so the panic and its backtrace show.
fn replay(args: &[String]) -> i32 {
    let [name, file] = args else {
        eprintln!("usage: fuzz --replay TARGET FILE");
        return 2;
    };
    if !harness::TARGETS.contains(&name.as_str()) {
        eprintln!("unknown target {name}");
        return 2;
    }
    let input = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{file}: {e}");
            return 2;
        }
    };
    let handle = std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn({
            let name = name.clone();
            move || harness::target(&name).expect("a known target").run(&input)
        })
        .expect("a thread");
    match handle.join() {
        Ok(()) => {
            println!("no panic: {name} ran {file} to the end");
            0
        }
        Err(_) => 1,
    }
}
