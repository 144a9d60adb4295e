//! `stepwise serve` benchmarks, measured from clients over HTTP (run: `cargo bench --bench serve`,
//! or `scripts/bench`, which builds the release binary first). Each case spawns the release
//! binary on a fresh SQLite file and talks AWS JSON 1.0 to it over keep-alive connections.
//!
//! (a) StartExecution → SUCCEEDED of a three-Pass machine: from sending StartExecution until a
//!     DescribeExecution shows SUCCEEDED, p50 and p99, one client;
//! (b) executions per second from 8 concurrent connections, 20,000 StartExecutions of that
//!     machine (`STEPWISE_BENCH_EXECUTIONS` changes the count), every execution checked
//!     SUCCEEDED at the end with ListExecutions;
//! (c) SendTaskSuccess → next state entered: an activity task followed by a Pass; from sending
//!     SendTaskSuccess until GetExecutionHistory shows the Pass entered, p50 and p99;
//! (d) server start → first answered request: spawn the process, connect and send
//!     ListStateMachines in a loop until one is answered;
//! (e) on PostgreSQL (`STEPWISE_BENCH_POSTGRES`, default the local server; a schema per case):
//!     executions per second as (b), from one node and from three nodes on one database, the
//!     connections spread over the nodes;
//! (f) on PostgreSQL, across nodes: two activity tasks in a row; from SendTaskSuccess of the
//!     first on node A until a GetActivityTask long poll on node B hands out the second (the
//!     second task's scheduling is committed by whichever node, and B's poll is woken by
//!     LISTEN/NOTIFY), p50 and p99.
//! (g) the web console: an execution's page when its history holds 10,000+ events (an inline
//!     Map of 2,500 items), and the executions list when the database holds 100,000 executions
//!     (`STEPWISE_BENCH_CONSOLE_EXECUTIONS` changes the count) — its first page and one deep in
//!     the list, by position.
//!
//! The binary is `$STEPWISE_BIN`, else `stepwise` next to this bench's `deps/` directory.
//! `cargo bench --bench serve -- b d` runs only (b) and (d). Clients and server share the
//! machine's two cores, so these are figures for the whole system, not the server alone.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Client, Schema, Server, binary, count, percentile};

const CONNECTIONS: usize = 8;
/// Executions (b) starts per run; `STEPWISE_BENCH_EXECUTIONS` overrides (a longer run: a bigger
/// database, more checkpoints).
const EXECUTIONS: usize = 20_000;

fn executions() -> usize {
    std::env::var("STEPWISE_BENCH_EXECUTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(EXECUTIONS)
}

fn three_pass() -> Value {
    json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "Result": {"b": 2}, "ResultPath": "$.b", "Next": "C"},
        "C": {"Type": "Pass", "End": true}
    }})
}

fn create_machine(c: &mut Client, name: &str, definition: &Value) -> String {
    let out = c.call(
        "CreateStateMachine",
        &json!({
            "name": name,
            "definition": definition.to_string(),
            "roleArn": "arn:aws:iam::123456789012:role/bench",
        }),
    );
    out["stateMachineArn"].as_str().expect("an ARN").to_string()
}

fn start(c: &mut Client, machine: &str) -> String {
    let out = c.call(
        "StartExecution",
        &json!({"stateMachineArn": machine, "input": r#"{"n":1}"#}),
    );
    out["executionArn"].as_str().expect("an ARN").to_string()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// (a): p50 and p99 over `n` executions, after a warm-up.
fn start_to_succeeded(n: usize) -> (Duration, Duration) {
    let server = Server::spawn("a");
    let mut c = server.client();
    let machine = create_machine(&mut c, "ThreePass", &three_pass());
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 100 {
        let t = Instant::now();
        let arn = start(&mut c, &machine);
        loop {
            let d = c.call("DescribeExecution", &json!({"executionArn": arn}));
            match d["status"].as_str() {
                Some("SUCCEEDED") => break,
                Some("RUNNING") => continue,
                other => panic!("execution ended {other:?}"),
            }
        }
        if i >= 100 {
            samples.push(t.elapsed());
        }
    }
    samples.sort();
    (percentile(&samples, 0.5), percentile(&samples, 0.99))
}

/// (b): executions per second from `CONNECTIONS` clients, all checked SUCCEEDED.
fn concurrent_rate() -> f64 {
    let per_connection = executions() / CONNECTIONS;
    let server = Server::spawn("b");
    let mut c = server.client();
    let machine = create_machine(&mut c, "ThreePass", &three_pass());
    for _ in 0..200 {
        start(&mut c, &machine);
    }
    let elapsed = start_concurrently(std::slice::from_ref(&server.addr), &machine, per_connection);
    let total = 200 + CONNECTIONS * per_connection;
    let succeeded = count(&mut c, &machine, "SUCCEEDED");
    assert_eq!(succeeded, total, "every execution SUCCEEDED");
    (CONNECTIONS * per_connection) as f64 / elapsed.as_secs_f64()
}

/// `CONNECTIONS` clients, spread over `addrs`, each starting `per_connection` executions of
/// `machine`; how long they took.
fn start_concurrently(addrs: &[String], machine: &str, per_connection: usize) -> Duration {
    let t = Instant::now();
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|k| {
            let addr = addrs[k % addrs.len()].clone();
            let machine = machine.to_string();
            std::thread::spawn(move || {
                let mut c = Client::connect(&addr).expect("connects");
                for _ in 0..per_connection {
                    start(&mut c, &machine);
                }
            })
        })
        .collect();
    for th in threads {
        th.join().expect("a client thread");
    }
    t.elapsed()
}

/// (c): p50 and p99 of SendTaskSuccess → Pass entered, over `n` activity tasks.
fn callback_to_next_state(n: usize) -> (Duration, Duration) {
    let server = Server::spawn("c");
    let mut c = server.client();
    let activity = c.call("CreateActivity", &json!({"name": "bench"}))["activityArn"]
        .as_str()
        .expect("an ARN")
        .to_string();
    let definition = json!({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": activity, "Next": "After"},
        "After": {"Type": "Pass", "End": true}
    }});
    let machine = create_machine(&mut c, "Activity", &definition);
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let arn = start(&mut c, &machine);
        let task = c.call("GetActivityTask", &json!({"activityArn": activity}));
        let token = task["taskToken"].as_str().expect("a task").to_string();
        let t = Instant::now();
        c.call(
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": r#"{"done":true}"#}),
        );
        while !entered(&mut c, &arn, "After") {}
        if i >= 20 {
            samples.push(t.elapsed());
        }
    }
    samples.sort();
    (percentile(&samples, 0.5), percentile(&samples, 0.99))
}

/// Whether the execution's history shows `state` entered (the latest events first).
fn entered(c: &mut Client, arn: &str, state: &str) -> bool {
    let h = c.call(
        "GetExecutionHistory",
        &json!({"executionArn": arn, "reverseOrder": true, "maxResults": 10}),
    );
    h["events"].as_array().is_some_and(|events| {
        events.iter().any(|e| {
            e["type"] == "PassStateEntered" && e["stateEnteredEventDetails"]["name"] == state
        })
    })
}

/// (d): milliseconds from spawning the process to its first answer, one sample.
fn first_answer() -> Duration {
    let t = Instant::now();
    let server = Server::spawn("d");
    loop {
        if let Ok(mut c) = Client::connect(&server.addr)
            && c.try_call("ListStateMachines", "{}").is_ok()
        {
            return t.elapsed();
        }
        assert!(t.elapsed() < Duration::from_secs(10), "no answer in 10 s");
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// (e): executions per second from `CONNECTIONS` clients spread over `nodes` servers on one
/// PostgreSQL schema, all checked SUCCEEDED.
fn nodes_rate(nodes: usize) -> Option<f64> {
    let schema = Schema::new(&format!("e{nodes}"), None)?;
    let servers: Vec<Server> = (0..nodes)
        .map(|i| Server::spawn_on(&format!("e{nodes}-{i}"), Some(&schema.url)))
        .collect();
    let mut c = servers[0].client();
    let machine = create_machine(&mut c, "ThreePass", &three_pass());
    let per_connection = executions() / 4 / CONNECTIONS;
    let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();
    let elapsed = start_concurrently(&addrs, &machine, per_connection);
    let total = CONNECTIONS * per_connection;
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&mut c, &machine, "SUCCEEDED") < total {
        assert!(Instant::now() < deadline, "not every execution SUCCEEDED");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(total as f64 / elapsed.as_secs_f64())
}

/// (f): SendTaskSuccess on node A → the next activity task handed out on node B, `n` samples.
fn callback_across_nodes(n: usize) -> Option<(Duration, Duration)> {
    let schema = Schema::new("f", None)?;
    let (a, b) = (
        Server::spawn_on("f-a", Some(&schema.url)),
        Server::spawn_on("f-b", Some(&schema.url)),
    );
    let (mut ca, mut cb) = (a.client(), b.client());
    let first = ca.call("CreateActivity", &json!({"name": "first"}))["activityArn"]
        .as_str()
        .expect("an ARN")
        .to_string();
    let second = ca.call("CreateActivity", &json!({"name": "second"}))["activityArn"]
        .as_str()
        .expect("an ARN")
        .to_string();
    let definition = json!({"StartAt": "One", "States": {
        "One": {"Type": "Task", "Resource": first, "Next": "Two"},
        "Two": {"Type": "Task", "Resource": second, "End": true}
    }});
    let machine = create_machine(&mut ca, "TwoActivities", &definition);
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 20 {
        start(&mut ca, &machine);
        let task = ca.call("GetActivityTask", &json!({"activityArn": first}));
        let token = task["taskToken"].as_str().expect("a task").to_string();
        let t = Instant::now();
        ca.call(
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": r#"{"done":true}"#}),
        );
        let next = cb.call("GetActivityTask", &json!({"activityArn": second}));
        let elapsed = t.elapsed();
        let token = next["taskToken"]
            .as_str()
            .expect("the second task")
            .to_string();
        cb.call(
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": "{}"}),
        );
        if i >= 20 {
            samples.push(elapsed);
        }
    }
    samples.sort();
    Some((percentile(&samples, 0.5), percentile(&samples, 0.99)))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    // `cargo bench --bench serve -- b d` runs only (b) and (d).
    let cases: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["a", "b", "c", "d", "e", "f", "g"].contains(a))
        .collect();
    let run = |case: &str| cases.is_empty() || cases.contains(&case);
    assert!(
        binary().exists(),
        "{} is missing: cargo build --release --bin stepwise first (scripts/bench does)",
        binary().display()
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    row(
        "benchmark (stepwise serve, SQLite file)",
        "median",
        "target",
    );
    if run("a") {
        let (p50, p99) = start_to_succeeded(2_000);
        row(
            "(a) StartExecution → SUCCEEDED (3 Pass), p50 / p99",
            &format!("{:.3} / {:.3} ms", ms(p50), ms(p99)),
            "p50 ≤ 2 ms",
        );
    }
    if run("b") {
        let rates: Vec<f64> = (0..3).map(|_| concurrent_rate()).collect();
        row(
            &format!(
                "(b) {} StartExecutions from {CONNECTIONS} connections",
                executions()
            ),
            &format!("{:.0} executions/s", median(rates)),
            "≥ 2,000/s",
        );
    }
    if run("c") {
        let (p50, p99) = callback_to_next_state(1_000);
        row(
            "(c) SendTaskSuccess → next state entered, p50 / p99",
            &format!("{:.3} / {:.3} ms", ms(p50), ms(p99)),
            "p50 ≤ 2 ms",
        );
    }
    if run("d") {
        let samples: Vec<f64> = (0..15).map(|_| ms(first_answer())).collect();
        row(
            "(d) server start → first answered request",
            &format!("{:.1} ms", median(samples)),
            "≤ 50 ms",
        );
    }
    if run("e") {
        let one: Vec<f64> = (0..3).filter_map(|_| nodes_rate(1)).collect();
        let three: Vec<f64> = (0..3).filter_map(|_| nodes_rate(3)).collect();
        if !one.is_empty() && !three.is_empty() {
            let (one, three) = (median(one), median(three));
            row(
                &format!(
                    "(e) PostgreSQL: {} StartExecutions, 1 node / 3 nodes",
                    CONNECTIONS * (executions() / 4 / CONNECTIONS)
                ),
                &format!("{one:.0} / {three:.0} executions/s ({:.2}×)", three / one),
                "3 nodes ≥ 1 node",
            );
        }
    }
    if run("f")
        && let Some((p50, p99)) = callback_across_nodes(1_000)
    {
        row(
            "(f) PostgreSQL: SendTaskSuccess on A → next task on B, p50 / p99",
            &format!("{:.3} / {:.3} ms", ms(p50), ms(p99)),
            "p50 ≤ 5 ms, p99 ≤ 50 ms",
        );
    }
    if run("g") {
        let (page, events) = console_execution_page();
        row(
            &format!("(g) console: execution page, {events} events"),
            &format!("{:.1} ms", ms(page)),
            "< 1 s",
        );
        let (first, deep, n) = console_executions_list();
        row(
            &format!("(g) console: executions list of {n}, first / deep page"),
            &format!("{:.1} / {:.1} ms", ms(first), ms(deep)),
            "< 1 s, not growing with the list",
        );
    }
}

/// The median time to open the console page of an execution with a 10,000-event history.
fn console_execution_page() -> (Duration, usize) {
    let server = Server::spawn("console-page");
    let mut c = server.client();
    let items: Vec<u32> = (0..2_500).collect();
    let machine = create_machine(
        &mut c,
        "big-map",
        &json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "ResultSelector": {"n.$": "States.ArrayLength($)"}, "End": true}}}),
    );
    let arn = c.call(
        "StartExecution",
        &json!({"stateMachineArn": machine, "input": json!({"items": items}).to_string()}),
    )["executionArn"]
        .as_str()
        .expect("an execution ARN")
        .to_string();
    while c.call("DescribeExecution", &json!({"executionArn": arn}))["status"] == "RUNNING" {
        std::thread::sleep(Duration::from_millis(20));
    }
    let events = c.call(
        "GetExecutionHistory",
        &json!({"executionArn": arn, "reverseOrder": true, "maxResults": 1}),
    )["events"][0]["id"]
        .as_u64()
        .unwrap_or(0) as usize;
    let path = format!("/console/execution?arn={}", urlencoded(&arn));
    let times: Vec<f64> = (0..10)
        .map(|_| {
            let t = Instant::now();
            let (status, body) = c.get(&path).expect("the page");
            assert_eq!(status, 200, "{body}");
            t.elapsed().as_secs_f64()
        })
        .collect();
    (Duration::from_secs_f64(median(times)), events)
}

/// The executions list's first page and a page deep in it, when the database holds many.
fn console_executions_list() -> (Duration, Duration, usize) {
    let n: usize = std::env::var("STEPWISE_BENCH_CONSOLE_EXECUTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let server = Server::spawn("console-list");
    let machine = create_machine(&mut server.client(), "three-pass", &three_pass());
    start_concurrently(
        std::slice::from_ref(&server.addr),
        &machine,
        n.div_ceil(CONNECTIONS),
    );
    // A fresh connection: one left idle while the executions start is closed by the server.
    let mut c = server.client();
    let n = n.div_ceil(CONNECTIONS) * CONNECTIONS;
    let time = |c: &mut Client, path: &str| -> f64 {
        let t = Instant::now();
        let (status, body) = c.get(path).expect("the page");
        assert_eq!(status, 200, "{body}");
        t.elapsed().as_secs_f64()
    };
    let first: Vec<f64> = (0..10)
        .map(|_| time(&mut c, "/console/executions"))
        .collect();
    // A position half-way down the list: what the "next page" link of page 1,000 carries.
    let middle = c.call(
        "ListExecutions",
        &json!({"stateMachineArn": machine, "maxResults": 1000}),
    );
    let last = &middle["executions"][999];
    let start_ms = (last["startDate"].as_f64().unwrap_or(0.0) * 1000.0).round() as i64;
    let deep_path = format!(
        "/console/executions?after={}",
        urlencoded(&format!(
            "{start_ms}|{}",
            last["executionArn"].as_str().unwrap_or_default()
        ))
    );
    let deep: Vec<f64> = (0..10).map(|_| time(&mut c, &deep_path)).collect();
    (
        Duration::from_secs_f64(median(first)),
        Duration::from_secs_f64(median(deep)),
        n,
    )
}

fn urlencoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn row(label: &str, median: &str, target: &str) {
    println!("{label:<56} {median:>26}   {target}");
}
