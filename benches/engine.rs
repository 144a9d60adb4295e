//! Engine throughput, measured in-process (run: `cargo bench --bench engine`, or `scripts/bench`).
//!
//! (a) Pass → Choice → inline Map over 3 items, per execution;
//! (b) an inline Map over 1,000 items, per execution;
//! (c) a Choice loop of 10,000 transitions, transitions per second;
//! (d) one `stepwise run` process, wall time (needs the release binary);
//! (e) the flow of (a) through `Durable` over the in-memory store (what `stepwise run` without
//!     `--db` and `stepwise test` would cost if they used the durable runtime instead of
//!     `runtime::local`), per execution, and its ratio to (a).
//! (a), (b) and (c) run twice: recording the history (as `stepwise test`, `--history` and every
//! store do), and counting it only (`runtime::local::run_counting`, as `stepwise run` without
//! `--history` does).
//! Each figure is the median of several batches; these machines are noisy.
//! `-- --definitions` prints (a)'s and (b)'s machines and inputs as JSON and runs nothing
//! (benches/peers/peers.py runs them in aws-local-stepfunctions for the side-by-side figures).
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use stepwise::asl::Machine;
use stepwise::engine::ExecutionInfo;
use stepwise::integrations::Router;
use stepwise::runtime::clock::VirtualClock;

fn machine(def: Value) -> Machine {
    stepwise::asl::load_value(def).expect("benchmark definitions are valid")
}

fn info(input: Value) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:Bench:run".into(),
        name: "run".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:Bench".into(),
        state_machine_name: "Bench".into(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        region: "us-east-1".into(),
        start_ms: 1_700_000_000_000,
        input,
    }
}

/// Runs one execution to the end, recording its history (`runtime::local::run`), and checks it
/// succeeded; the number of history events.
fn execute(m: &Machine, input: &Value) -> u64 {
    run_one(m, input, stepwise::runtime::local::run)
}

/// `execute`, counting the history only (`runtime::local::run_counting`).
fn execute_counting(m: &Machine, input: &Value) -> u64 {
    run_one(m, input, stepwise::runtime::local::run_counting)
}

type Runner = fn(
    &Machine,
    ExecutionInfo,
    [u8; 32],
    &mut Router,
    &dyn stepwise::runtime::clock::Clock,
) -> stepwise::runtime::local::Finished;

fn run_one(m: &Machine, input: &Value, runner: Runner) -> u64 {
    let clock = VirtualClock::new(1_700_000_000_000);
    let done = runner(
        m,
        info(input.clone()),
        [1; 32],
        &mut Router::default(),
        &clock,
    );
    assert_eq!(done.status.name(), "SUCCEEDED", "{:?}", done.status);
    done.events
}

/// Median time per iteration over `batches` batches of `per_batch` runs.
fn median_per_run(batches: usize, per_batch: usize, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            t.elapsed() / per_batch as u32
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// (e): one execution of `definition` started and driven to its end by `Durable` over a fresh
/// memory store, as a durable `stepwise run` does.
fn execute_durable(definition: &str, m: &std::sync::Arc<Machine>, input: &Value) {
    use stepwise::runtime::durable::Durable;
    use stepwise::store::{ExecutionStore, MemoryStore};
    let store = std::sync::Arc::new(MemoryStore::new());
    let mut rt = Durable::new(store.clone(), VirtualClock::shared(1_700_000_000_000));
    let config = stepwise::runtime::config::HandlerConfig::default();
    let arn = rt
        .start(definition, m.clone(), info(input.clone()), [1; 32], &config)
        .expect("starts");
    rt.drive().expect("drives");
    let record = store.execution(&arn).unwrap().expect("stored");
    assert_eq!(record.status.name(), "SUCCEEDED");
}

fn small_flow_text() -> Value {
    json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Parameters": {"items.$": "$.items", "count.$": "States.ArrayLength($.items)"}, "Next": "Any?"},
            "Any?": {"Type": "Choice", "Choices": [{"Variable": "$.count", "NumericGreaterThan": 0, "Next": "Each"}], "Default": "Done"},
            "Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}, "ResultPath": "$.results", "Next": "Done"},
            "Done": {"Type": "Succeed"}
        }
    })
}

fn small_flow() -> (Machine, Value) {
    (machine(small_flow_text()), json!({"items": [1, 2, 3]}))
}

fn big_map_text() -> (Value, Value) {
    let def = json!({
        "StartAt": "Each",
        "States": {"Each": {"Type": "Map", "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}, "End": true}}
    });
    (def, Value::Array((0..1000).map(|i| json!(i)).collect()))
}

fn big_map() -> (Machine, Value) {
    let (def, input) = big_map_text();
    (machine(def), input)
}

fn choice_loop() -> (Machine, Value) {
    let def = json!({
        "StartAt": "Increment",
        "States": {
            "Increment": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "More?"},
            "More?": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 5000, "Next": "Increment"}], "Default": "Done"},
            "Done": {"Type": "Succeed"}
        }
    });
    (machine(def), json!({"i": 0}))
}

fn process_wall_time() -> Option<Duration> {
    let bin = std::env::var("STEPWISE_BIN").ok().unwrap_or_else(|| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        format!("{target}/release/stepwise")
    });
    if !std::path::Path::new(&bin).exists() {
        return None;
    }
    let def = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/state-machines/wait-and-retry.asl.json"
    );
    let run = || {
        let out = std::process::Command::new(&bin)
            .args([
                "run",
                def,
                "--skip-waits",
                "--format",
                "json",
                "--input",
                r#"{"jobId":"j"}"#,
            ])
            .output()
            .expect("the binary runs");
        assert!(out.status.success());
    };
    Some(median_per_run(15, 5, run))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `-- --definitions`: (a)'s and (b)'s machines and inputs, for the peers' side of the same
    // figures (benches/peers/peers.py).
    if std::env::args().any(|a| a == "--definitions") {
        let (b, b_input) = big_map_text();
        let a = json!({"definition": small_flow_text(), "input": small_flow().1});
        println!(
            "{}",
            json!({"a": a, "b": {"definition": b, "input": b_input}})
        );
        return;
    }
    let (small, small_input) = small_flow();
    let (big, big_input) = big_map();
    let (choices, choices_input) = choice_loop();
    let events = execute(&choices, &choices_input);
    assert_eq!(events, execute_counting(&choices, &choices_input));
    let transitions = 10_000.0;
    println!("benchmark                                      recorded      counted only   target");
    let a = median_per_run(15, 2000, || {
        execute(&small, &small_input);
    });
    let a2 = median_per_run(15, 2000, || {
        execute_counting(&small, &small_input);
    });
    println!(
        "(a) Pass→Choice→Map(3 items), per execution    {:>9.2} µs  {:>9.2} µs   ≤ 10 µs",
        a.as_secs_f64() * 1e6,
        a2.as_secs_f64() * 1e6
    );
    let b = median_per_run(15, 20, || {
        execute(&big, &big_input);
    });
    let b2 = median_per_run(15, 20, || {
        execute_counting(&big, &big_input);
    });
    println!(
        "(b) inline Map over 1,000 items, per execution {:>9.3} ms  {:>9.3} ms   ≤ 0.2 ms",
        b.as_secs_f64() * 1e3,
        b2.as_secs_f64() * 1e3
    );
    let c = median_per_run(9, 3, || {
        execute(&choices, &choices_input);
    });
    let c2 = median_per_run(9, 3, || {
        execute_counting(&choices, &choices_input);
    });
    println!(
        "(c) Choice loop, 10,000 transitions ({events} events) {:>6.2} M/s  {:>9.2} M/s   ≥ 5 M transitions/s",
        transitions / c.as_secs_f64() / 1e6,
        transitions / c2.as_secs_f64() / 1e6
    );
    let text = small_flow_text().to_string();
    let (m, input) = (std::sync::Arc::new(small), small_input);
    let e = median_per_run(15, 500, || execute_durable(&text, &m, &input));
    println!(
        "(e) (a) through Durable on the memory store   {:>9.2} µs   ({:.1}× (a))",
        e.as_secs_f64() * 1e6,
        e.as_secs_f64() / a.as_secs_f64()
    );
    match process_wall_time() {
        Some(d) => println!(
            "(d) one `stepwise run` process (wait-and-retry) {:>9.2} ms   ≤ 10 ms",
            d.as_secs_f64() * 1e3
        ),
        None => println!("(d) skipped: build the release binary first (cargo build --release)"),
    }
}
