//! Differential test of the JSONata layer against the reference implementation (npm
//! `jsonata@2.2.2`, run by `tests/jsonata/oracle.js`) over the corpus `tests/jsonata/cases.txt`.
//!
//! `STEPWISE_JSONATA_ORACLE` names the folder where `scripts/test` installed the package
//! (`npm install --prefix`); without it, or without `node`, the test fails saying what to do.
//! A case agrees when both give the same JSON (numbers compared as doubles), both give
//! undefined, or both fail with the same JSONata code. Cases marked `differs:` in the corpus are
//! expected to disagree; any other disagreement fails the test.
#![allow(clippy::disallowed_methods)] // an edge: reads the environment

use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use stepwise::data::jsonata::{Bindings, Jsonata, Limits, QueryEngine, QueryError};

const CASES: &str = include_str!("jsonata/cases.txt");

fn input() -> Value {
    json!({
        "name": "Ada", "age": 36, "flag": true, "nothing": null, "empty": [], "single": [7],
        "text": "The quick brown fox", "date": "2024-02-29T13:45:30.123Z",
        "tags": ["x", "y", "z"],
        "items": [
            {"sku": "a", "qty": 2, "price": 1.5},
            {"sku": "b", "qty": 1, "price": 10},
            {"sku": "c", "qty": 5, "price": 0.1}
        ],
        "nested": {"a": {"b": {"c": 42}}}
    })
}

fn context() -> Value {
    json!({"Execution": {"Name": "exec-1", "StartTime": "2024-01-01T00:00:00Z"}, "State": {"Name": "S1"}})
}

fn variables() -> serde_json::Map<String, Value> {
    let vars = json!({"x": 3, "list": [1, 2, 3], "obj": {"k": "v"}, "s": "hello"});
    vars.as_object().cloned().unwrap_or_default()
}

struct Case {
    expression: String,
    /// Why the case is expected to differ, when it is.
    differs: Option<String>,
}

fn cases() -> Vec<Case> {
    let lines = CASES
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    lines
        .map(|line| match line.split_once("\tdiffers: ") {
            Some((expression, why)) => Case {
                expression: expression.to_string(),
                differs: Some(why.to_string()),
            },
            None => Case {
                expression: line.to_string(),
                differs: None,
            },
        })
        .collect()
}

/// One outcome, in the oracle's shape.
fn ours(engine: &Jsonata, expression: &str) -> Value {
    let (input, context, variables) = (input(), context(), variables());
    let bindings = Bindings::new(&input)
        .context(&context)
        .variables(&variables);
    match engine.evaluate(expression, &bindings) {
        Ok(Some(value)) => json!({ "value": value }),
        Ok(None) => json!({ "undefined": true }),
        Err(QueryError::Limit(limit)) => {
            json!({ "error": { "code": null, "message": limit.message() } })
        }
        Err(error) => json!({ "error": { "code": error.code(), "message": error.to_string() } }),
    }
}

/// The reference's outcomes, one per case.
fn reference(cases: &[Case]) -> Vec<Value> {
    let Some(dir) = std::env::var_os("STEPWISE_JSONATA_ORACLE").filter(|d| !d.is_empty()) else {
        panic!(
            "jsonata_oracle needs node and npm jsonata@2.2.2: run scripts/test (it installs them next to the target directory and sets STEPWISE_JSONATA_ORACLE), or set STEPWISE_JSONATA_ORACLE to a folder where `npm install jsonata@2.2.2` ran"
        );
    };
    let modules = PathBuf::from(dir).join("node_modules");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jsonata/oracle.js");
    let child = Command::new("node")
        .arg(&script)
        .env("NODE_PATH", &modules)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = child.unwrap_or_else(|e| {
        panic!("jsonata_oracle needs node (Node.js 20) on PATH to run the reference: {e}")
    });
    let (input, context, vars) = (input(), context(), Value::Object(variables()));
    let mut stdin = child.stdin.take().expect("node's stdin is piped");
    for case in cases {
        let line = json!({"e": case.expression, "input": input, "context": context, "vars": vars});
        writeln!(stdin, "{line}").expect("node reads the cases");
    }
    drop(stdin);
    let output = child.wait_with_output().expect("node runs");
    assert!(output.status.success(), "the oracle failed: {output:?}");
    let text = String::from_utf8(output.stdout).expect("the oracle writes UTF-8");
    let outcomes: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("the oracle writes JSON lines"))
        .collect();
    assert_eq!(outcomes.len(), cases.len(), "one outcome per case");
    outcomes
}

/// Same JSON, numbers compared as doubles (the reference writes `1e+21`, serde `1e21`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            // Key order is part of the result: compare entry by entry.
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_value(va, vb))
        }
        _ => a == b,
    }
}

fn agree(ours: &Value, reference: &Value) -> bool {
    match (ours.get("error"), reference.get("error")) {
        (Some(a), Some(b)) => a["code"] == b["code"],
        (None, None) => match (ours.get("value"), reference.get("value")) {
            (Some(a), Some(b)) => same_value(a, b),
            (None, None) => true,
            _ => false,
        },
        _ => false,
    }
}

#[test]
#[ignore = "needs node and npm jsonata@2.2.2 (STEPWISE_JSONATA_ORACLE): run scripts/test"]
fn jsonata_agrees_with_the_reference_implementation() {
    let cases = cases();
    let outcomes = reference(&cases);
    // The reference has no limits; nothing in the corpus comes near AWS's.
    let engine = Jsonata::new(Limits::NONE);
    let (mut identical, mut expected, mut unexpected, mut fixed) = (0, 0, Vec::new(), Vec::new());
    for (case, theirs) in cases.iter().zip(&outcomes) {
        let ours = ours(&engine, &case.expression);
        match (agree(&ours, theirs), &case.differs) {
            (true, None) => identical += 1,
            (true, Some(_)) => fixed.push(case.expression.clone()),
            (false, Some(why)) => {
                expected += 1;
                eprintln!(
                    "known difference: {}\n  ours:      {ours}\n  reference: {theirs}\n  why: {why}",
                    case.expression
                );
            }
            (false, None) => unexpected.push(format!(
                "{}\n  ours:      {ours}\n  reference: {theirs}",
                case.expression
            )),
        }
    }
    eprintln!(
        "jsonata_oracle: {} expressions, {identical} identical, {expected} known differences, {} unexpected",
        cases.len(),
        unexpected.len()
    );
    for expression in &fixed {
        eprintln!("notice: now agrees with the reference, drop its `differs:` mark: {expression}");
    }
    assert!(
        unexpected.is_empty(),
        "{} expressions differ from the reference; fix the adapter or mark them `differs:` with the reason:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
