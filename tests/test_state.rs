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

/// Runs a request through the core with no handlers but the request's mock.
fn run(request: Value) -> Value {
    let body = request.as_object().cloned().expect("a request object");
    let clock = VirtualClock::new(env().start_ms);
    let req = Request::from_json(&body).expect("an accepted request");
    test_state(&req, &env(), Router::default(), &clock).expect("an answer")
}

fn refusal(request: Value) -> String {
    let body = request.as_object().cloned().expect("a request object");
    let clock = VirtualClock::new(env().start_ms);
    match Request::from_json(&body).and_then(|r| test_state(&r, &env(), Router::default(), &clock))
    {
        Ok(answer) => panic!("accepted: {answer}"),
        Err(r) => r.code.to_string(),
    }
}

#[test]
fn a_caught_error_reports_the_catcher_and_its_next_state() {
    let answer = run(serde_json::json!({
        "definition": r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Parameters":{"FunctionName":"f"},
            "Catch":[{"ErrorEquals":["Other"],"Next":"No"},{"ErrorEquals":["Boom"],"ResultPath":"$.err","Next":"Handle"}],
            "Next":"After"}"#,
        "input": r#"{"a":1}"#,
        "inspectionLevel": "DEBUG",
        "mock": {"errorOutput": {"error": "Boom", "cause": "bad"}},
    }));
    assert_eq!(answer["status"], "CAUGHT_ERROR");
    assert_eq!(answer["nextState"], "Handle");
    assert_eq!(answer["error"], "Boom");
    assert_eq!(answer["cause"], "bad");
    let output: Value =
        serde_json::from_str(answer["output"].as_str().expect("output text")).expect("output JSON");
    assert_eq!(
        output,
        serde_json::json!({"a": 1, "err": {"Error": "Boom", "Cause": "bad"}})
    );
    assert_eq!(answer["inspectionData"]["errorDetails"]["catchIndex"], 1);
}

#[test]
fn an_error_a_retrier_would_retry_is_retriable_until_its_attempts_are_used() {
    let request = |retried: u64| {
        serde_json::json!({
            "definition": r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                "Parameters":{"FunctionName":"f"},
                "Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":2,"IntervalSeconds":3}],
                "End":true}"#,
            "inspectionLevel": "DEBUG",
            "mock": {"errorOutput": {"error": "Boom", "cause": "bad"}},
            "stateConfiguration": {"retrierRetryCount": retried},
        })
    };
    let first = run(request(1));
    assert_eq!(first["status"], "RETRIABLE");
    assert_eq!(first["error"], "Boom");
    let details = &first["inspectionData"]["errorDetails"];
    assert_eq!(details["retryIndex"], 0);
    assert_eq!(details["retryBackoffIntervalSeconds"], 6.0);
    let spent = run(request(2));
    assert_eq!(spent["status"], "FAILED");
    assert_eq!(spent["error"], "Boom");
}

#[test]
fn a_choice_names_the_state_it_chose_and_variables_are_in_scope() {
    let answer = run(serde_json::json!({
        "definition": r#"{"QueryLanguage":"JSONata","StartAt":"Pick","States":{
            "Pick":{"Type":"Choice","Choices":[{"Condition":"{% $limit < $states.input.n %}","Next":"Big"}],"Default":"Small"},
            "Big":{"Type":"Succeed"},"Small":{"Type":"Succeed"}}}"#,
        "stateName": "Pick",
        "input": r#"{"n":5}"#,
        "variables": r#"{"limit":3}"#,
        "inspectionLevel": "DEBUG",
    }));
    assert_eq!(answer["status"], "SUCCEEDED");
    assert_eq!(answer["nextState"], "Big");
    assert_eq!(answer["inspectionData"]["variables"], r#"{"limit":3}"#);
}

#[test]
fn the_context_given_is_the_context_the_state_sees() {
    let answer = run(serde_json::json!({
        "definition": r#"{"Type":"Pass","Parameters":{"who.$":"$$.Execution.Name","state.$":"$$.State.Name"},"End":true}"#,
        "context": r#"{"Execution":{"Name":"given"},"State":{"Name":"Mine"}}"#,
    }));
    assert_eq!(answer["status"], "SUCCEEDED");
    let output: Value =
        serde_json::from_str(answer["output"].as_str().expect("output text")).expect("output JSON");
    assert_eq!(output, serde_json::json!({"state": "Mine", "who": "given"}));
    assert!(
        answer.get("inspectionData").is_none(),
        "INFO shows no inspection data"
    );
}

#[test]
fn requests_aws_refuses_are_refused_with_its_error_codes() {
    let pass = r#"{"Type":"Pass","End":true}"#;
    let cases = [
        (
            serde_json::json!({"definition": pass, "inspectionLevel": "LOUD"}),
            "ValidationException",
        ),
        (
            serde_json::json!({"definition": pass, "input": "{oops"}),
            "InvalidExecutionInput",
        ),
        (
            serde_json::json!({"definition": "{oops"}),
            "InvalidDefinition",
        ),
        (
            serde_json::json!({"definition": pass, "mock": {"result": "{}"}}),
            "ValidationException",
        ),
        (
            serde_json::json!({"definition": r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#}),
            "ValidationException",
        ),
        (
            serde_json::json!({"definition": r#"{"Type":"Parallel","Branches":[],"End":true}"#}),
            "ValidationException",
        ),
        (
            serde_json::json!({"definition": r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}"#,
                "mock": {"result": "{}", "errorOutput": {"error": "E"}}}),
            "ValidationException",
        ),
    ];
    for (request, code) in cases {
        assert_eq!(refusal(request.clone()), code, "{request}");
    }
}

#[test]
fn a_task_without_mock_or_handler_fails_saying_how_to_mock_it() {
    let answer = run(serde_json::json!({
        "definition": r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}"#,
    }));
    assert_eq!(answer["status"], "FAILED");
    assert_eq!(answer["error"], "States.Runtime");
    let cause = answer["cause"].as_str().expect("a cause");
    assert!(cause.contains("'mock'"), "{cause}");
}

#[test]
fn the_command_line_prints_the_same_answer() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args([
            "test-state",
            "--definition",
            r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"r.$":"$.Payload"},"ResultPath":"$.out","Next":"After"}"#,
            "--input",
            r#"{"a":1}"#,
            "--inspection-level",
            "DEBUG",
            "--mock",
            r#"{"result":{"Payload":{"x":2}}}"#,
        ])
        .output()
        .expect("stepwise runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).expect("a JSON answer");
    assert_eq!(answer["status"], "SUCCEEDED");
    assert_eq!(answer["nextState"], "After");
    assert_eq!(answer["output"], r#"{"a":1,"out":{"r":{"x":2}}}"#);
    let data = &answer["inspectionData"];
    assert_eq!(
        data["afterParameters"],
        r#"{"FunctionName":"f","Payload":{"a":1}}"#
    );
    assert_eq!(data["result"], r#"{"Payload":{"x":2}}"#);
    assert_eq!(data["afterResultSelector"], r#"{"r":{"x":2}}"#);
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["test-state", "--definition", "{oops"])
        .output()
        .expect("stepwise runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("InvalidDefinition"));
}

#[test]
fn the_comparison_sees_a_wrong_value_and_lets_masks_match() {
    let expected = serde_json::json!({"status": "SUCCEEDED", "output": {"id": "<uuid:1>", "at": "date", "arn": "arn:<partition>:iam::111111111111:role/<resource:2>"}});
    let good = serde_json::json!({"status": "SUCCEEDED", "output": r#"{"id":"abc","at":"2025-01-01","arn":"arn:aws:iam::123456789012:role/r"}"#});
    assert_eq!(compare::difference(&expected, &good), None);
    let wrong = serde_json::json!({"status": "SUCCEEDED", "output": r#"{"id":"abc","at":"x","arn":"arn:aws:sts::123456789012:role/r"}"#});
    assert!(compare::difference(&expected, &wrong).is_some());
    let extra = serde_json::json!({"status": "SUCCEEDED", "nextState": "X", "output": r#"{"id":"abc","at":"x","arn":"arn:aws:iam::1:role/r"}"#});
    assert!(compare::difference(&expected, &extra).is_some());
}
