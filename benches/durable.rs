//! Durable runtime benchmarks on a SQLite file and on PostgreSQL, side by side in one run (run:
//! `cargo bench --bench durable`, or `scripts/bench`). Release build; each rate is the median of
//! several batches. PostgreSQL is `STEPWISE_BENCH_POSTGRES` (default the local server,
//! `postgres://postgres@127.0.0.1:5432/test`), each case in a schema of its own; when it cannot
//! be reached its column says so.
//!
//! (a) a 10-Pass chain started through `Durable`: committed transitions per second (the engine
//!     runs the chain in memory, so the whole execution is one commit);
//! (b) a 10-Task chain answered in-process by a Step Functions Local mock: one commit per step,
//!     plus the outbox claims;
//! (c) the same steps' rows written by the store alone, 1 and 100 steps per transaction: what
//!     group commits in `Durable` could reach;
//! (d) callback → next state entered: `send_task_success` up to the commit that enters the Pass
//!     after the `.waitForTaskToken` task, p50 and p99;
//! (e) 100,000 executions suspended on task tokens: resident memory of the process (measured in a
//!     child process, so earlier cases do not count);
//! (f) resident memory per execution a `Durable` has delivered an effect for (child process);
//! (g) a 256 KiB input through a 20-Task chain (mocked), one commit per step: milliseconds per
//!     state.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use stepwise::engine::ExecutionInfo;
use stepwise::integrations::command::Binding;
use stepwise::runtime::clock::VirtualClock;
use stepwise::runtime::config::HandlerConfig;
use stepwise::runtime::durable::Durable;
use stepwise::status::ExecutionStatus;
use stepwise::store::{
    Commit, ExecutionRecord, HistoryRow, PostgresStore, SqliteStore, Store, postgres,
};

const T0: i64 = 1_700_000_000_000;
const SUSPENDED: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn arg(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    fn from_args(args: &[String]) -> Backend {
        if args.iter().any(|a| a == "postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

fn postgres_url() -> String {
    std::env::var("STEPWISE_BENCH_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database of one case's own: a file in a fresh directory, or a fresh PostgreSQL schema;
/// removed on drop.
struct Scratch {
    backend: Backend,
    dir: PathBuf,
    schema: String,
}

impl Scratch {
    fn new(name: &str, backend: Backend) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("stepwise-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let schema = format!("stepwise_bench_{name}_{}", std::process::id());
        if backend == Backend::Postgres {
            let _ = postgres::schema::drop(&postgres_url(), &schema);
            postgres::schema::create(&postgres_url(), &schema).expect("a schema");
        }
        Scratch {
            backend,
            dir,
            schema,
        }
    }

    fn store(&self) -> Arc<dyn Store> {
        match self.backend {
            Backend::Sqlite => {
                Arc::new(SqliteStore::open(&self.dir.join("stepwise.db")).expect("the store opens"))
            }
            Backend::Postgres => {
                let url = postgres::schema::url_with_schema(&postgres_url(), &self.schema);
                Arc::new(PostgresStore::open(&url).expect("the store opens"))
            }
        }
    }

    /// The SQLite file's size (PostgreSQL: not measured, 0).
    fn db_bytes(&self) -> u64 {
        ["stepwise.db", "stepwise.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(self.dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if self.backend == Backend::Postgres {
            let _ = postgres::schema::drop(&postgres_url(), &self.schema);
        }
    }
}

fn runtime(store: &Arc<dyn Store>) -> Durable {
    Durable::new(store.clone(), VirtualClock::shared(T0))
}

fn info(machine: &str, name: &str, input: Value) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: arn(machine, name),
        name: name.into(),
        state_machine_arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"),
        state_machine_name: machine.into(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        region: "us-east-1".into(),
        start_ms: T0,
        input,
    }
}

fn arn(machine: &str, name: &str) -> String {
    format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:{name}")
}

/// A definition's text and its loaded machine.
fn machine(def: &Value) -> (String, Arc<stepwise::asl::Machine>) {
    let text = def.to_string();
    let m = stepwise::asl::load(&text).expect("benchmark definitions are valid");
    (text, Arc::new(m))
}

/// `n` states named S0..S{n-1}, each built by `state(next)`.
fn chain(n: usize, state: impl Fn(Option<String>) -> Value) -> Value {
    let states: serde_json::Map<String, Value> = (0..n)
        .map(|i| {
            let next = (i + 1 < n).then(|| format!("S{}", i + 1));
            (format!("S{i}"), state(next))
        })
        .collect();
    json!({"StartAt": "S0", "States": states})
}

fn with_next(mut state: Value, next: Option<String>) -> Value {
    match next {
        Some(n) => state["Next"] = json!(n),
        None => state["End"] = json!(true),
    }
    state
}

fn pass_chain() -> Value {
    chain(10, |next| {
        with_next(
            json!({"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.last"}),
            next,
        )
    })
}

fn task_chain() -> Value {
    task_chain_of(10)
}

fn task_chain_of(n: usize) -> Value {
    chain(n, |next| {
        with_next(
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "work", "Payload.$": "$"},
                   "ResultSelector": {"n.$": "$.Payload.n"}, "ResultPath": "$.last"}),
            next,
        )
    })
}

/// Every task of the 10-Task chain answers `{"n": 1}` (a Step Functions Local mock file).
fn task_mocks() -> HandlerConfig {
    task_mocks_of("Tasks", 10)
}

/// Every task of the `n`-Task chain of machine `name` answers `{"n": 1}`.
fn task_mocks_of(name: &str, n: usize) -> HandlerConfig {
    let case: serde_json::Map<String, Value> =
        (0..n).map(|i| (format!("S{i}"), json!("Work"))).collect();
    HandlerConfig {
        mock_config: Some(json!({
            "StateMachines": {name: {"TestCases": {"Bench": case}}},
            "MockedResponses": {"Work": {"0": {"Return": {"StatusCode": 200, "Payload": {"n": 1}}}}}
        })),
        test_case: Some("Bench".into()),
        mock_state_machine: Some(name.into()),
        ..HandlerConfig::default()
    }
}

/// A `.waitForTaskToken` task whose handler (`true`) accepts the payload, then a Pass.
fn callback_machine() -> Value {
    json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "ask", "Payload": {"id.$": "$.id", "token.$": "$$.Task.Token"}},
                "ResultPath": "$.answer", "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}}})
}

fn pending_handler() -> HandlerConfig {
    HandlerConfig {
        lambdas: vec![Binding {
            name: "ask".into(),
            command: "true".into(),
        }],
        ..HandlerConfig::default()
    }
}

/// Starts `count` executions named `{prefix}{i}`.
fn start_many(
    rt: &mut Durable,
    (text, m): &(String, Arc<stepwise::asl::Machine>),
    machine_name: &str,
    prefix: &str,
    count: usize,
    config: &HandlerConfig,
) {
    for i in 0..count {
        let name = format!("{prefix}{i}");
        rt.start(
            text,
            m.clone(),
            info(machine_name, &name, json!({"id": i})),
            seed(&name),
            config,
        )
        .expect("start");
    }
}

/// A seed per execution name: task tokens come from it, and they must not collide.
fn seed(name: &str) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[..name.len().min(32)].copy_from_slice(&name.as_bytes()[..name.len().min(32)]);
    s
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// (a) Pass transitions per second: 5 batches of 2,000 executions of 10 Pass states.
fn pass_chain_rate(backend: Backend) -> f64 {
    let dir = Scratch::new("pass", backend);
    let store = dir.store();
    let mut rt = runtime(&store);
    let def = machine(&pass_chain());
    let config = HandlerConfig::default();
    let rates = (0..5)
        .map(|b| {
            let started = Instant::now();
            start_many(&mut rt, &def, "Passes", &format!("b{b}-"), 2_000, &config);
            let record = store.execution(&arn("Passes", &format!("b{b}-0"))).unwrap();
            assert_eq!(record.expect("stored").status, ExecutionStatus::Succeeded);
            20_000.0 / started.elapsed().as_secs_f64()
        })
        .collect();
    median(rates)
}

/// (b) Task steps per second, one commit each: 5 batches of 300 executions of 10 mocked tasks.
/// Returns the rate and one finished execution's row and history (for (c)).
fn task_chain_rate(backend: Backend) -> (f64, ExecutionRecord, Vec<HistoryRow>) {
    let dir = Scratch::new("tasks", backend);
    let store = dir.store();
    let mut rt = runtime(&store);
    let def = machine(&task_chain());
    let config = task_mocks();
    let rates = (0..5)
        .map(|b| {
            let started = Instant::now();
            start_many(&mut rt, &def, "Tasks", &format!("b{b}-"), 300, &config);
            rt.drive().expect("drive");
            3_000.0 / started.elapsed().as_secs_f64()
        })
        .collect();
    let sample = arn("Tasks", "b0-0");
    let record = store.execution(&sample).unwrap().expect("stored");
    assert_eq!(
        record.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        record.error
    );
    let history = store.history(&sample, 0, 0).unwrap();
    (median(rates), record, history)
}

/// (g) A 256 KiB input through a 20-Task chain (mocked; each task's small result goes to
/// `$.last`, so every state carries the whole document): milliseconds per state, one commit each.
fn big_input_per_state(backend: Backend) -> f64 {
    const STATES: usize = 20;
    let dir = Scratch::new("big", backend);
    let store = dir.store();
    let mut rt = runtime(&store);
    let (text, m) = machine(&task_chain_of(STATES));
    let config = task_mocks_of("Big", STATES);
    // Just under AWS's 262,144-byte payload limit, with room for each task's `$.last`.
    let item = |i: usize| json!({"id": i, "sku": format!("SKU-{i:08}"), "note": "x".repeat(80)});
    let mut items = Vec::new();
    let mut size = 0;
    while size < 255 * 1024 {
        size += item(items.len()).to_string().len() + 1;
        items.push(item(items.len()));
    }
    let input = json!({ "items": items });
    assert!((255 * 1024..256 * 1024 - 64).contains(&input.to_string().len()));
    let per_state = (0..5)
        .map(|b| {
            let name = format!("big{b}");
            let started = Instant::now();
            let i = info("Big", &name, input.clone());
            rt.start(&text, m.clone(), i, seed(&name), &config)
                .expect("start");
            rt.drive().expect("drive");
            let took = started.elapsed().as_secs_f64() * 1e3 / STATES as f64;
            let record = store
                .execution(&arn("Big", &name))
                .unwrap()
                .expect("stored");
            assert_eq!(
                record.status,
                ExecutionStatus::Succeeded,
                "{:?}",
                record.cause
            );
            took
        })
        .collect();
    median(per_state)
}

/// (c) The rows of one Task step (the execution row, 5 history events, an outbox entry in and
/// one out) written by the store alone, `batch` steps per transaction: steps per second.
fn store_step_rate(
    backend: Backend,
    template: &ExecutionRecord,
    history: &[HistoryRow],
    batch: usize,
) -> f64 {
    let dir = Scratch::new("group", backend);
    let store = dir.store();
    let mut rows: Vec<ExecutionRecord> = (0..1_000)
        .map(|i| {
            let x = ExecutionRecord {
                arn: format!("{}-{i}", template.arn),
                name: format!("g{i}"),
                version: 1,
                ..template.clone()
            };
            store.create_execution(&x, &Commit::default()).unwrap();
            x
        })
        .collect();
    let payload = "p".repeat(400);
    let rates = (0..5)
        .map(|_| {
            let steps = 10_000;
            let started = Instant::now();
            for chunk in 0..steps / batch {
                let commits: Vec<Commit> = (0..batch)
                    .map(|i| {
                        let slot = (chunk * batch + i) % rows.len();
                        rows[slot].version += 1;
                        step_commit(&rows[slot], history, &payload)
                    })
                    .collect();
                store.commit(&commits).unwrap();
            }
            steps as f64 / started.elapsed().as_secs_f64()
        })
        .collect();
    median(rates)
}

fn step_commit(x: &ExecutionRecord, history: &[HistoryRow], payload: &str) -> Commit {
    let first = (x.version as u64) * 5;
    Commit {
        history: (0..5)
            .map(|k| HistoryRow {
                id: first + k,
                timestamp_ms: T0,
                json: history[(k as usize + 4) % history.len()].json.clone(),
            })
            .collect(),
        new_outbox: vec![stepwise::store::OutboxRecord {
            id: 0,
            execution_arn: x.arn.clone(),
            payload: payload.to_string(),
            lease_until_ms: 0,
            attempts: 0,
            lease_owner: None,
            decider: stepwise::store::Decider::Asl,
        }],
        execution: Some(x.clone()),
        ..Commit::default()
    }
}

/// (d) Callback latencies over 2,000 executions suspended on `.waitForTaskToken`.
fn callback_latency(backend: Backend) -> (Duration, Duration) {
    let dir = Scratch::new("callback", backend);
    let store = dir.store();
    let mut rt = runtime(&store);
    let def = machine(&callback_machine());
    let n = 2_000;
    start_many(&mut rt, &def, "Callbacks", "c", n, &pending_handler());
    rt.drive().expect("the handler accepts every payload");
    let tokens: Vec<String> = (0..n)
        .map(|i| {
            let open = store
                .open_tokens(&arn("Callbacks", &format!("c{i}")))
                .unwrap();
            open[0].token.clone()
        })
        .collect();
    let mut latencies: Vec<Duration> = tokens
        .iter()
        .map(|token| {
            let started = Instant::now();
            rt.send_task_success(token, r#"{"approved": true}"#)
                .expect("the callback applies");
            started.elapsed()
        })
        .collect();
    let done = store.execution(&arn("Callbacks", "c0")).unwrap().unwrap();
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    latencies.sort();
    (latencies[n / 2], latencies[n * 99 / 100])
}

/// Resident and peak resident memory of this process, in bytes.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// (e), in a child process: starts 100,000 executions that wait for their tokens and reports
/// `rss peak seconds db_bytes` on stdout.
fn suspended_child(backend: Backend) {
    let dir = Scratch::new("suspended", backend);
    let store = dir.store();
    let mut rt = runtime(&store);
    let def = machine(&callback_machine());
    let config = pending_handler();
    let started = Instant::now();
    for batch in 0..SUSPENDED / 10_000 {
        start_many(
            &mut rt,
            &def,
            "Waiting",
            &format!("w{batch}-"),
            10_000,
            &config,
        );
    }
    let secs = started.elapsed().as_secs_f64();
    let sample = store.open_tokens(&arn("Waiting", "w9-9999")).unwrap();
    assert_eq!(sample.len(), 1, "the last execution waits for its token");
    let (rss, peak) = memory();
    println!("{rss} {peak} {secs} {}", dir.db_bytes());
}

/// (f), in a child process: delivers the invocation of 3,000 waiting executions (the handler
/// accepts it) and reports the growth of resident memory per delivered execution, in bytes. The
/// first 1,000 deliveries warm SQLite's page cache (2 MB) and the allocator up.
fn delivered_child(backend: Backend) {
    let dir = Scratch::new("delivered", backend);
    let store = dir.store();
    let mut rt = runtime(&store);
    let def = machine(&callback_machine());
    let n = 3_000;
    start_many(
        &mut rt,
        &def,
        "Delivered",
        "warm",
        1_000,
        &pending_handler(),
    );
    rt.drive().expect("drive");
    start_many(&mut rt, &def, "Delivered", "d", n, &pending_handler());
    let (before, _) = memory();
    rt.drive().expect("drive");
    let (after, _) = memory();
    println!("{}", after.saturating_sub(before) / n as u64);
}

/// Runs this benchmark binary again with `mode` and returns its stdout.
fn child(mode: &str, backend: Backend) -> String {
    let exe = std::env::current_exe().expect("the bench binary");
    let out = std::process::Command::new(exe)
        .args([mode, backend.arg()])
        .output()
        .expect("the child runs");
    assert!(
        out.status.success(),
        "{mode}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn mb(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

/// Every case on one backend, as the cells of its column.
/// `quick`: without the 100,000-execution cases (e) and (f).
fn cases(backend: Backend, quick: bool) -> Vec<String> {
    let a = pass_chain_rate(backend);
    let (b, record, history) = task_chain_rate(backend);
    let c: Vec<f64> = [1, 10, 100]
        .iter()
        .map(|&batch| store_step_rate(backend, &record, &history, batch))
        .collect();
    let (p50, p99) = callback_latency(backend);
    let g = big_input_per_state(backend);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut cells = vec![
        format!("{a:.0} transitions/s"),
        format!("{b:.0} transitions/s"),
    ];
    cells.extend(c.iter().map(|rate| format!("{rate:.0} steps/s")));
    cells.push(format!("{:.3} / {:.3} ms", ms(p50), ms(p99)));
    cells.push(format!("{g:.2} ms per state"));
    if quick {
        return cells;
    }
    let suspended = child("suspended-child", backend);
    let f: Vec<f64> = suspended
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let per_delivered: f64 = child("delivered-child", backend).parse().unwrap_or(0.0);
    cells.extend([
        format!("{:.1} MB ({:.1})", mb(f[0]), mb(f[1])),
        format!("{:.0}/s, {:.0} MB", SUSPENDED as f64 / f[2], mb(f[3])),
        format!(
            "{per_delivered:.0} B (100,000: {:.0} MB)",
            mb(per_delivered * SUSPENDED as f64)
        ),
    ]);
    cells
}

const LABELS: [(&str, &str); 11] = [
    ("(a) 10-Pass chain, one commit per execution", "≥ 10,000/s"),
    (
        "(b) 10-Task chain (mocked), one commit per step",
        "≥ 25,000/s (PostgreSQL ≥ 3,000/s)",
    ),
    ("(c) store alone, Task-step rows, 1 per transaction", ""),
    ("(c) store alone, Task-step rows, 10 per transaction", ""),
    ("(c) store alone, Task-step rows, 100 per transaction", ""),
    ("(d) callback → next state entered, p50 / p99", "p50 ≤ 1 ms"),
    (
        "(g) 256 KiB input through a 20-Task chain",
        "≤ 2 ms per state",
    ),
    (
        "(e) 100,000 executions waiting for tokens: RSS (peak)",
        "≤ 100 MB",
    ),
    ("    started at / database file size", ""),
    ("(f) RSS kept per execution a Durable delivered", ""),
    ("", ""),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let backend = Backend::from_args(&args);
    if args.iter().any(|a| a == "suspended-child") {
        return suspended_child(backend);
    }
    if args.iter().any(|a| a == "delivered-child") {
        return delivered_child(backend);
    }
    // `cargo bench --bench durable -- quick`: without (e) and (f).
    let quick = args.iter().any(|a| a == "quick");
    let sqlite = cases(Backend::Sqlite, quick);
    let pg = match postgres::schema::create(&postgres_url(), "stepwise_bench_probe") {
        Ok(_) => {
            let _ = postgres::schema::drop(&postgres_url(), "stepwise_bench_probe");
            cases(Backend::Postgres, quick)
        }
        Err(e) => {
            eprintln!("PostgreSQL column skipped: {e} (set STEPWISE_BENCH_POSTGRES)");
            vec!["(no server)".to_string(); sqlite.len()]
        }
    };
    row(
        "benchmark (release build), median",
        "SQLite file",
        "PostgreSQL (local)",
        "target",
    );
    for (i, (label, target)) in LABELS.iter().take(sqlite.len()).enumerate() {
        row(label, &sqlite[i], &pg[i], target);
    }
}

fn row(label: &str, sqlite: &str, postgres: &str, target: &str) {
    println!("{label:<56} {sqlite:>26} {postgres:>26}   {target}");
}
