//! `stepwise test` over 1,000 cases (run: `cargo bench --bench testing`, or `scripts/bench`,
//! which builds the release binary first). Target: the whole run under 2 s.
//!
//! The cases are the README's order-processing example (Map, Parallel, Retry, Catch, every Task
//! mocked), four kinds in turn: the mock file's HappyPath test case with an exact output and the
//! states entered, ThrottledThenPriced (a retry), inline mocks with a partial output, and an
//! empty order expecting `Order.Empty`. Each sample is one process: discovery, validation, 1,000
//! runs with their expectations checked, JUnit XML written and `--coverage` reported.
//!
//! The binary is `$STEPWISE_BIN`, else `stepwise` next to this bench's `deps/` directory;
//! `STEPWISE_BENCH_CASES` changes the number of cases.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const SAMPLES: usize = 9;

fn binary() -> PathBuf {
    if let Ok(b) = std::env::var("STEPWISE_BIN") {
        return PathBuf::from(b);
    }
    // target/release/deps/testing-HASH → target/release/stepwise
    let exe = std::env::current_exe().expect("the bench binary");
    let dir = exe.parent().and_then(|d| d.parent()).expect("a target dir");
    dir.join("stepwise")
}

fn cases(n: usize) -> Vec<Value> {
    let order = json!({"orderId": "o-1001", "customer": {"id": "c-42"},
                       "items": [{"sku": "BOOK-1", "qty": 2}, {"sku": "PEN-7", "qty": 10}]});
    (0..n)
        .map(|i| match i % 4 {
            0 => json!({"name": format!("happy {i}"), "input": order, "mockTestCase": "HappyPath",
                "expect": {"output": {"orderId": "o-1001", "reference": "c-42-o-1001", "status": "CONFIRMED",
                    "charged": 37.5, "reservation": "r-77", "message": "Order o-1001 confirmed: 2 line(s), 37.5 charged"},
                    "states": ["Normalize", "HasItems", "PriceItems", "PriceLine", "PriceLine", "Fulfil",
                               "ChargeCard", "ReserveStock", "Confirm"]}}),
            1 => json!({"name": format!("throttled {i}"), "input": order, "mockTestCase": "ThrottledThenPriced",
                "expect": {"outputContains": {"status": "CONFIRMED"}}}),
            2 => json!({"name": format!("inline {i}"), "input": order, "mocks": {
                    "PriceLine": {"Return": {"StatusCode": 200, "Payload": {"sku": "X", "total": 1}}},
                    "ChargeCard": {"Return": {"charged": 2, "currency": "EUR"}},
                    "ReserveStock": "StockReserved"},
                "expect": {"outputContains": {"charged": 2}, "notVisited": ["PaymentDeclined"]}}),
            _ => json!({"name": format!("empty {i}"), "input": {"orderId": "o", "customer": {"id": "c"}, "items": []},
                "expect": {"error": "Order.Empty", "cause": "The order has no items."}}),
        })
        .collect()
}

fn setup(n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stepwise-bench-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("state-machines");
    for f in ["order-processing.asl.json", "MockConfigFile.json"] {
        std::fs::copy(examples.join(f), dir.join(f)).expect("copy an example");
    }
    let file = json!({"definition": "order-processing.asl.json", "mockConfig": "MockConfigFile.json",
                      "cases": cases(n)});
    std::fs::write(dir.join("orders.test.json"), file.to_string()).expect("test file");
    dir
}

fn main() {
    let n: usize = std::env::var("STEPWISE_BENCH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let dir = setup(n);
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let out = Command::new(binary())
            .args(["test", ".", "--coverage", "--junit", "junit.xml"])
            .current_dir(&dir)
            .output()
            .expect("the stepwise binary runs (cargo build --release --bin stepwise)");
        times.push(started.elapsed().as_secs_f64());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let expected = format!("test result: ok. {n} passed, 0 failed");
        assert!(stdout.contains(&expected), "{stdout}");
    }
    times.sort_by(f64::total_cmp);
    let median = times[SAMPLES / 2];
    println!(
        "stepwise test, {n} cases: median {:.3} s (min {:.3} s, max {:.3} s; {:.1} µs per case) — target < 2 s",
        median,
        times[0],
        times[SAMPLES - 1],
        median * 1e6 / n as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}
