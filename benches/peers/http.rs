//! `stepwise serve` and moto's `moto_server` side by side over HTTP, from one load generator
//! (run by `scripts/bench peers`, which installs moto; alone:
//! `STEPWISE_MOTO_SERVER=$VENV/bin/moto_server cargo bench --bench peers_http`).
//!
//! The generator is serve's (b): `CONNECTIONS` keep-alive HTTP/1.1 connections, each sending
//! AWS JSON 1.0 StartExecutions of a three-Pass machine one after another, each execution named
//! (moto names an unnamed one `None` and answers a second with the first). For each server:
//! StartExecutions per second, the p50 StartExecution latency, and executions started and
//! finished per second (from the first StartExecution until ListExecutions counts every one
//! SUCCEEDED). The servers:
//! - stepwise serve on a fresh SQLite file (the release binary, as serve.rs spawns it);
//! - moto with `execute_state_machine` on (set through `/moto-api/config`): it runs the states,
//!   in a thread per execution, with its ASL interpreter;
//! - moto as it starts: StartExecution only records the execution, which runs nothing and stays
//!   RUNNING, so there is no "finished" figure.
//!
//! moto answers every request with `Connection: close`; the generator then connects anew for the
//! next one (as any client must), inside that request's latency, and prints how often it did.
//!
//! `STEPWISE_BENCH_PEERS_EXECUTIONS` (default 4,000) executions per server and run; the median of
//! `STEPWISE_BENCH_PEERS_RUNS` (default 3) runs, a fresh server each. moto writes a log line per
//! request to its stderr, which goes to /dev/null: that is its default, and costs it some time.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

#[path = "../support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Client, Server, binary, count, free_port, percentile};

const CONNECTIONS: usize = 8;
/// moto routes a request to a service by the credential scope of its (unchecked) signature.
const MOTO_AUTH: &str = "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/states/aws4_request, \
                         SignedHeaders=host, Signature=0";

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// What one run measured.
struct Figures {
    starts_per_sec: f64,
    p50: Duration,
    finished_per_sec: Option<f64>,
    /// Connections the server closed after an answer (each StartExecution then connects anew).
    reconnects: usize,
}

/// A server under load.
trait Target {
    /// A new keep-alive connection, with the headers this server needs.
    fn connect(&self) -> Client;
}

impl Target for Server {
    fn connect(&self) -> Client {
        self.client()
    }
}

/// A running `moto_server`, killed on drop.
struct Moto {
    child: Child,
    addr: String,
}

impl Moto {
    fn spawn(program: &PathBuf, execute: bool) -> Moto {
        let port = free_port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
        let moto = Moto {
            child,
            addr: format!("127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut c = loop {
            if let Ok(mut c) =
                Client::connect(&moto.addr).map(|c| c.with_header("Authorization", MOTO_AUTH))
                && matches!(c.try_call("ListStateMachines", "{}"), Ok((200, _)))
            {
                break c;
            }
            assert!(Instant::now() < deadline, "moto did not answer in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        };
        if execute {
            let config = json!({"stepfunctions": {"execute_state_machine": true}}).to_string();
            let (status, body) = c
                .post("/moto-api/config", &config)
                .expect("moto's config API answers");
            assert_eq!(status, 201, "moto's config: {body}");
        }
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Target for Moto {
    fn connect(&self) -> Client {
        Client::connect(&self.addr)
            .expect("connects")
            .with_header("Authorization", MOTO_AUTH)
    }
}

fn three_pass() -> Value {
    json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "Result": {"b": 2}, "ResultPath": "$.b", "Next": "C"},
        "C": {"Type": "Pass", "End": true}
    }})
}

fn create_machine(c: &mut Client) -> String {
    let out = c.call(
        "CreateStateMachine",
        &json!({
            "name": "ThreePass",
            "definition": three_pass().to_string(),
            "roleArn": "arn:aws:iam::123456789012:role/bench",
        }),
    );
    out["stateMachineArn"].as_str().expect("an ARN").to_string()
}

/// One run against `target`: `executions` StartExecutions from `CONNECTIONS` connections, then
/// (when `finishes`) ListExecutions until every one is SUCCEEDED.
fn run(target: &dyn Target, executions: usize, finishes: bool) -> Figures {
    let mut c = target.connect();
    let machine = create_machine(&mut c);
    let per_connection = executions / CONNECTIONS;
    let t = Instant::now();
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|k| {
            let mut c = target.connect();
            let machine = machine.clone();
            std::thread::spawn(move || {
                let latencies: Vec<Duration> = (0..per_connection)
                    .map(|i| {
                        let name = format!("c{k}-{i}");
                        let body = json!({"stateMachineArn": machine, "name": name, "input": r#"{"n":1}"#});
                        let t = Instant::now();
                        c.call("StartExecution", &body);
                        t.elapsed()
                    })
                    .collect();
                (latencies, c.reconnects)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(executions);
    let mut reconnects = 0;
    for th in threads {
        let (l, r) = th.join().expect("a client thread");
        latencies.extend(l);
        reconnects += r;
    }
    let started = t.elapsed();
    let total = CONNECTIONS * per_connection;
    let finished = finishes.then(|| {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let n = count(&mut c, &machine, "SUCCEEDED");
            if n == total {
                return t.elapsed();
            }
            assert!(
                Instant::now() < deadline,
                "{n} of {total} SUCCEEDED after 120 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    latencies.sort();
    Figures {
        starts_per_sec: total as f64 / started.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        finished_per_sec: finished.map(|d| total as f64 / d.as_secs_f64()),
        reconnects,
    }
}

/// The median of each figure over `runs` runs, a fresh server from `spawn` each.
fn median_of<T: Target>(
    runs: usize,
    spawn: impl Fn() -> T,
    executions: usize,
    finishes: bool,
) -> Figures {
    let mut all: Vec<Figures> = (0..runs)
        .map(|_| run(&spawn(), executions, finishes))
        .collect();
    let mid = runs / 2;
    let mut pick = |key: fn(&Figures) -> f64| {
        all.sort_by(|a, b| key(a).total_cmp(&key(b)));
        key(&all[mid])
    };
    let starts_per_sec = pick(|f| f.starts_per_sec);
    let p50 = Duration::from_secs_f64(pick(|f| f.p50.as_secs_f64()));
    let finished_per_sec = finishes.then(|| pick(|f| f.finished_per_sec.unwrap_or(0.0)));
    let reconnects = pick(|f| f.reconnects as f64) as usize;
    Figures {
        starts_per_sec,
        p50,
        finished_per_sec,
        reconnects,
    }
}

/// One line of the side-by-side table (the layout of benches/peers/peers.py's).
fn row(figure: &str, stepwise: String, peer: String, ratio: String) {
    println!("{figure:<56} {stepwise:>12} {peer:>12} {ratio:>8}");
}

fn ratio(x: f64) -> String {
    format!("{x:.1}×")
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let moto = PathBuf::from(
        std::env::var("STEPWISE_MOTO_SERVER")
            .expect("STEPWISE_MOTO_SERVER names moto_server (scripts/bench peers sets it)"),
    );
    assert!(
        binary().exists(),
        "{} is missing: cargo build --release --bin stepwise first (scripts/bench does)",
        binary().display()
    );
    let executions = env_count("STEPWISE_BENCH_PEERS_EXECUTIONS", 4_000);
    let runs = env_count("STEPWISE_BENCH_PEERS_RUNS", 3);
    let ours = median_of(runs, || Server::spawn("peers"), executions, true);
    let running = median_of(runs, || Moto::spawn(&moto, true), executions, true);
    let recording = median_of(runs, || Moto::spawn(&moto, false), executions, false);
    let n = CONNECTIONS * (executions / CONNECTIONS);
    println!(
        "HTTP API: {n} StartExecutions (3 Pass) from {CONNECTIONS} keep-alive connections, median of {runs} runs"
    );
    row("", "stepwise".into(), "moto".into(), "ratio".into());
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3);
    let per_sec = |x: f64| format!("{x:.0}/s");
    let finished = ours.finished_per_sec.unwrap_or(0.0);
    for (label, moto) in [
        ("moto running the states", &running),
        ("moto recording only (its default)", &recording),
    ] {
        println!(
            "vs {label} (connections closed by the server: stepwise {}, moto {}):",
            ours.reconnects, moto.reconnects
        );
        row(
            "  StartExecutions per second",
            per_sec(ours.starts_per_sec),
            per_sec(moto.starts_per_sec),
            ratio(ours.starts_per_sec / moto.starts_per_sec),
        );
        row(
            "  p50 StartExecution latency",
            ms(ours.p50),
            ms(moto.p50),
            ratio(moto.p50.as_secs_f64() / ours.p50.as_secs_f64()),
        );
        match moto.finished_per_sec {
            Some(theirs) => row(
                "  executions started and finished (SUCCEEDED) per s",
                per_sec(finished),
                per_sec(theirs),
                ratio(finished / theirs),
            ),
            None => row(
                "  executions started and finished (SUCCEEDED) per s",
                per_sec(finished),
                "runs none".into(),
                "-".into(),
            ),
        }
    }
}
