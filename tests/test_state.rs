//! The TestState API against the 79 calls recorded against AWS
//! (`../shared/conformance/aws-recorded-teststate.jsonl`, reference data beside the clone, not
//! copied into it; `STEPWISE_CONFORMANCE_TESTSTATE` points at another copy): once through the
//! Rust core (`stepwise::testing::test_state`) and once through boto3's `test_state` against
//! `stepwise serve`. Each prints the cases that differ and fails below 76 matches.
//!
//! The three `test_base_lambda_service_task_state` calls invoked a real Lambda function (no
//! mock): their recorded output is that function's response with AWS's HTTP headers, which no
//! local handler reproduces.
#![allow(clippy::disallowed_methods)] // an edge: reads the environment and the clock

#[path = "test_state/compare.rs"]
mod compare;
mod support;

use serde_json::{Map, Value};
use std::path::PathBuf;
use stepwise::integrations::Router;
use stepwise::runtime::clock::VirtualClock;
use stepwise::testing::test_state::{Env, Request, test_state};

/// How many of the 79 must match (issue 18).
const FLOOR: usize = 76;

fn corpus_path() -> PathBuf {
    match std::env::var_os("STEPWISE_CONFORMANCE_TESTSTATE").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/conformance/aws-recorded-teststate.jsonl"),
    }
}

fn corpus() -> Vec<Value> {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} cannot be read ({e}): this test needs the recorded corpus. Put the project's shared/conformance folder beside the clone, or point STEPWISE_CONFORMANCE_TESTSTATE at aws-recorded-teststate.jsonl",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("the corpus holds one JSON object a line"))
        .collect()
}

/// Compares each answer with its recording; prints the differences and the count.
fn tally(cases: &[Value], answers: &[Value], how: &str) -> usize {
    assert_eq!(cases.len(), answers.len(), "one answer per recorded call");
    let mut matched = 0;
    for (case, got) in cases.iter().zip(answers) {
        match compare::difference(&case["expected"], got) {
            None => matched += 1,
            Some(d) => println!("DIFFERS {}: {d}", case["id"].as_str().unwrap_or("?")),
        }
    }
    println!(
        "{how}: {matched} of {} recorded TestState calls match",
        cases.len()
    );
    matched
}

fn env() -> Env {
    Env {
        region: "us-east-1".into(),
        account: "123456789012".into(),
        start_ms: 1_736_937_000_000,
        execution_name: "test-state-execution".into(),
        machine_name: "test-state-machine".into(),
        seed: [7; 32],
    }
}

#[test]
#[ignore = "needs the recorded corpus (../shared/conformance)"]
fn recorded_aws_teststate_core() {
    let cases = corpus();
    assert_eq!(cases.len(), 79, "the corpus holds 79 recorded calls");
    let answers: Vec<Value> = cases
        .iter()
        .map(|case| {
            let body: Map<String, Value> = case["request"]
                .as_object()
                .cloned()
                .expect("a request object");
            let clock = VirtualClock::new(env().start_ms);
            match Request::from_json(&body)
                .and_then(|req| test_state(&req, &env(), Router::default(), &clock))
            {
                Ok(answer) => answer,
                Err(refusal) => serde_json::json!({"refused": refusal.to_string()}),
            }
        })
        .collect();
    let matched = tally(&cases, &answers, "core");
    assert!(
        matched >= FLOOR,
        "only {matched} of 79 match (at least {FLOOR} must)"
    );
}

#[test]
#[ignore = "needs the recorded corpus (../shared/conformance)"]
fn recorded_aws_teststate_boto3() {
    let cases = corpus();
    let py = support::python("recorded_aws_teststate_boto3");
    let server = support::Server::start("recorded_aws_teststate_boto3", &[]);
    let path = corpus_path();
    let out = support::run_client(
        &py,
        &server,
        "sfn_test_state.py",
        &[path.to_str().expect("a UTF-8 path")],
    );
    let answers: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("the client prints one JSON answer a line"))
        .collect();
    let matched = tally(&cases, &answers, "boto3 test_state against serve");
    assert!(
        matched >= FLOOR,
        "only {matched} of 79 match (at least {FLOOR} must)"
    );
}
