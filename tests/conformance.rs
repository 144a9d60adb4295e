//! Runs the executions recorded against real AWS Step Functions (`../shared/conformance/`) and
//! compares status, output, error and cause. Prints figures by area; fails when the JSONPath
//! (no variables) pass rate drops below the floor the README quotes.
//!
//! Ignored by plain `cargo test` (the file is not part of the clone): `scripts/conformance` and
//! `scripts/test` run it. `STEPWISE_CONFORMANCE` points at another copy of `aws-recorded.jsonl`;
//! `-- --include-ignored --nocapture` shows the failures.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

use serde_json::Value;
use std::collections::BTreeMap;
use stepwise::engine::{ExecutionInfo, Status};
use stepwise::integrations::Router;
use stepwise::runtime::clock::VirtualClock;

/// The share of JSONPath, no-variable cases that must pass.
const FLOOR: f64 = 0.97;

/// Where the corpus is and how to get it (shared with the unit tests that read it).
#[path = "../src/data/recorded.rs"]
mod recorded;

#[derive(Default)]
struct Tally {
    total: usize,
    passed: usize,
    cause_checked: usize,
    cause_matched: usize,
    history_matched: usize,
}

struct Verdict {
    pass: bool,
    cause: Option<bool>,
    history: bool,
    detail: String,
}

fn run_case(case: &Value) -> Verdict {
    let definition = case["definition"].clone();
    let machine = match stepwise::asl::load_value(definition) {
        Ok(m) => m,
        Err(diags) => {
            let first = diags
                .first()
                .map(|d| format!("{} at {:?}: {}", d.code, d.pointer, d.message))
                .unwrap_or_default();
            return Verdict {
                pass: false,
                cause: None,
                history: false,
                detail: format!("rejected: {first}"),
            };
        }
    };
    let start_ms = 1_700_000_000_000;
    let info = ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:Conformance:case".into(),
        name: "case".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:Conformance".into(),
        state_machine_name: "Conformance".into(),
        role_arn: "arn:aws:iam::123456789012:role/stepwise-local".into(),
        region: "us-east-1".into(),
        start_ms,
        input: case["input"].clone(),
    };
    let clock = VirtualClock::new(start_ms);
    let done =
        stepwise::runtime::local::run(&machine, info, [7; 32], &mut Router::default(), &clock);
    let ours: Vec<&str> = done
        .history
        .iter()
        .map(|e| e.kind)
        .filter(|k| *k != "ParallelStateSucceeded")
        .collect();
    let theirs: Vec<&str> = case["event_types"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let history = same_events(&ours, &theirs);
    let history_detail = if history {
        String::new()
    } else {
        format!(
            "\n    history ours:   {}\n    history theirs: {}",
            ours.join(" "),
            theirs.join(" ")
        )
    };
    let expected = &case["expected"];
    let (pass, cause, detail) = match (&done.status, expected["status"].as_str()) {
        (Status::Succeeded { output }, Some("SUCCEEDED")) => {
            let ok = equivalent(&expected["output"], output);
            (
                ok,
                None,
                format!("output {output} expected {}", expected["output"]),
            )
        }
        (Status::Failed { error, cause }, Some("FAILED")) => {
            let ok = error.as_deref() == expected["error"].as_str();
            let want_cause = expected
                .get("cause")
                .filter(|c| !c.is_null())
                .and_then(Value::as_str);
            let cause_ok = want_cause.map(|w| cause.as_deref().unwrap_or("") == w);
            (
                ok,
                cause_ok,
                format!(
                    "error {error:?} cause {cause:?} expected {} / {}",
                    expected["error"], expected["cause"]
                ),
            )
        }
        (status, want) => (
            false,
            None,
            format!("status {} expected {want:?}: {status:?}", status.name()),
        ),
    };
    Verdict {
        pass,
        cause,
        history,
        detail: detail + &history_detail,
    }
}

/// Same event types; Parallel branches interleave freely, so compare them as multisets.
fn same_events(ours: &[&str], theirs: &[&str]) -> bool {
    if ours == theirs {
        return true;
    }
    if !theirs.contains(&"ParallelStateStarted") {
        return false;
    }
    let mut a = ours.to_vec();
    let mut b = theirs.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// Deep equality where a JSON string holding a document equals that document (the recording
/// tool parsed such strings), and numbers compare by value.
fn equivalent(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| equivalent(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equivalent(x, y))
        }
        (Value::String(s), other) if !other.is_string() => {
            serde_json::from_str::<Value>(s).is_ok_and(|p| equivalent(&p, other))
        }
        (other, Value::String(s)) if !other.is_string() => {
            serde_json::from_str::<Value>(s).is_ok_and(|p| equivalent(other, &p))
        }
        // A string output was recorded as its JSON text: "\"text\"".
        (Value::String(e), Value::String(a)) if e != a => {
            serde_json::from_str::<Value>(e).is_ok_and(|p| p.as_str() == Some(a))
        }
        (a, b) => a == b,
    }
}

#[test]
#[ignore = "needs the recorded AWS corpus: ../shared/conformance beside the clone, or STEPWISE_CONFORMANCE=FILE"]
fn recorded_aws_executions() {
    let text = recorded::text();
    let mut by_area: BTreeMap<String, Tally> = BTreeMap::new();
    let mut core = Tally::default();
    let mut variables = Tally::default();
    let mut jsonata = Tally::default();
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("each line is a JSON case");
        let v = run_case(&case);
        let jsonpath = case["query_language"] == "JSONPath";
        let is_core = jsonpath && case["uses_variables"] == false;
        let is_variables = jsonpath && case["uses_variables"] == true;
        let area = format!(
            "{}{}",
            case["area"].as_str().unwrap_or("?"),
            if is_core { "" } else { " (JSONata/variables)" }
        );
        for t in [by_area.entry(area).or_default()]
            .into_iter()
            .chain(is_core.then_some(&mut core))
            .chain(is_variables.then_some(&mut variables))
            .chain((!jsonpath).then_some(&mut jsonata))
        {
            t.total += 1;
            t.passed += v.pass as usize;
            t.history_matched += v.history as usize;
            if let Some(c) = v.cause {
                t.cause_checked += 1;
                t.cause_matched += c as usize;
            }
        }
        if !v.pass || v.cause == Some(false) || (is_core && !v.history) {
            failures.push(format!(
                "{}: {}",
                case["id"].as_str().unwrap_or("?"),
                v.detail
            ));
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    println!(
        "\n{:<48} {:>8} {:>8} {:>10} {:>9}",
        "area", "passed", "failed", "causes", "history"
    );
    for (area, t) in &by_area {
        print_row(area, t);
    }
    print_row("JSONPath without variables (the target set)", &core);
    print_row("JSONPath with variables (Assign)", &variables);
    print_row("JSONata", &jsonata);
    let rate = core.passed as f64 / core.total.max(1) as f64;
    println!(
        "\n{} passed, {} failed (target set: {:.1}%)",
        core.passed,
        core.total - core.passed,
        rate * 100.0
    );
    assert!(
        rate >= FLOOR,
        "conformance fell below {:.0}%: {}/{}",
        FLOOR * 100.0,
        core.passed,
        core.total
    );
    for (set, t) in [("with variables", &variables), ("in JSONata", &jsonata)] {
        let rate = t.passed as f64 / t.total.max(1) as f64;
        assert!(
            rate >= FLOOR,
            "conformance {set} fell below {:.0}%: {}/{}",
            FLOOR * 100.0,
            t.passed,
            t.total
        );
    }
}

fn print_row(area: &str, t: &Tally) {
    println!(
        "{:<48} {:>8} {:>8} {:>10} {:>9}",
        area,
        t.passed,
        t.total - t.passed,
        format!("{}/{}", t.cause_matched, t.cause_checked),
        format!("{}/{}", t.history_matched, t.total)
    );
}
