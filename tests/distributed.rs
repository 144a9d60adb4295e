//! Distributed Map: iterations (or batches) as child executions in a Map Run — in memory for
//! `stepwise run`, in process for `stepwise test`'s runner, and under `serve` against moto's S3
//! with ItemReader, ItemBatcher and ResultWriter, seen through boto3.
#![allow(clippy::disallowed_methods)] // an edge: runs the binary

mod support;

use serde_json::{Value, json};
use std::process::Command;
use support::{Moto, Server, python, run_client};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/distributed");

fn run(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .arg("run")
        .args(args)
        .args(["--format", "json", "--history"])
        .env_remove("STEPWISE_DB")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("stepwise runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON from stepwise: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn types(doc: &Value) -> Vec<String> {
    doc["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|e| e["type"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn batches_run_as_child_executions_with_aws_events() {
    let doc = run(&[
        &format!("{EXAMPLE}/orders.asl.json"),
        "--input-file",
        &format!("{EXAMPLE}/orders.input.json"),
    ]);
    assert_eq!(doc["status"], json!("SUCCEEDED"), "{doc}");
    assert_eq!(
        doc["output"]["batches"],
        json!([
            {"lines": 2, "currency": "EUR", "first": "pen"},
            {"lines": 2, "currency": "EUR", "first": "pad"},
            {"lines": 1, "currency": "EUR", "first": "tape"}
        ])
    );
    assert_eq!(
        types(&doc),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    let started = &doc["history"][3]["mapRunStartedEventDetails"]["mapRunArn"];
    assert!(
        started.as_str().is_some_and(
            |a| a.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:orders/Lines:")
        ),
        "{started}"
    );
}

#[test]
fn a_failed_child_beyond_the_tolerance_fails_the_map_run() {
    let dir = std::env::temp_dir().join(format!("stepwise-dmap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let machine = dir.join("m.asl.json");
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ToleratedFailureCount": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Check", "States": {"Check": {"Type": "Choice",
                "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "Bad"}], "Default": "Good"},
                "Bad": {"Type": "Fail", "Error": "TooBig", "Cause": "more than 2"},
                "Good": {"Type": "Pass", "End": true}}},
        "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "Caught"}],
        "End": true},
        "Caught": {"Type": "Pass", "End": true}}});
    std::fs::write(&machine, definition.to_string()).expect("written");
    let path = machine.to_string_lossy().into_owned();
    // One failure is tolerated: its error output takes the item's place.
    let doc = run(&[&path, "--input", "[1, 3, 2]"]);
    assert_eq!(doc["status"], json!("SUCCEEDED"), "{doc}");
    assert_eq!(doc["output"][0], json!(1));
    assert_eq!(doc["output"][1]["Error"], json!("States.TaskFailed"));
    // Two are not.
    let doc = run(&[&path, "--input", "[3, 4, 1]"]);
    assert_eq!(doc["status"], json!("SUCCEEDED"), "{doc}");
    assert_eq!(
        doc["output"]["Error"],
        json!("States.ExceedToleratedFailureThreshold")
    );
    let kinds = types(&doc);
    assert!(kinds.contains(&"MapRunFailed".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"MapStateFailed".to_string()), "{kinds:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_item_reader_that_cannot_read_fails_as_item_reader_failed() {
    let dir = std::env::temp_dir().join(format!("stepwise-dmap-r-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let machine = dir.join("m.asl.json");
    let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map",
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}});
    std::fs::write(&machine, definition.to_string()).expect("written");
    let port = support::free_port();
    let doc = run(&[
        &machine.to_string_lossy(),
        "--endpoint",
        &format!("s3=http://127.0.0.1:{port}"),
    ]);
    assert_eq!(doc["status"], json!("FAILED"), "{doc}");
    assert_eq!(doc["error"], json!("States.ItemReaderFailed"), "{doc}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs moto and boto3 (scripts/test runs it)"]
fn ten_thousand_items_from_s3_in_batches_with_their_map_run_seen_through_boto3() {
    let py = python("distributed_map_runs");
    let moto = Moto::start("distributed_map_runs");
    let server = Server::start(
        "distributed-map-runs",
        &["--endpoint", &format!("s3={}", moto.url)],
    );
    run_client(&py, &server, "sfn_map_runs.py", &[&moto.url]);
}

/// Creates the state machine `name` and starts it with `input`: the execution's ARN.
fn create_and_start(server: &Server, name: &str, definition: &Value, input: &str) -> String {
    let machine = sfn(
        server,
        "CreateStateMachine",
        json!({"name": name, "definition": definition.to_string(),
               "roleArn": "arn:aws:iam::123456789012:role/test"}),
    )["stateMachineArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let started = sfn(
        server,
        "StartExecution",
        json!({"stateMachineArn": machine, "input": input}),
    );
    started["executionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn sfn(server: &Server, op: &str, body: Value) -> Value {
    let (status, answer) = support::raw::call(server, op, &body.to_string());
    assert_eq!(status, 200, "{op}: {answer}");
    answer
}

/// A Map Run survives a SIGKILL of `serve` while its children wait: after the restart each item
/// ran in one child, and the parent ends with all results.
#[test]
fn a_map_run_survives_a_sigkill_and_runs_each_item_once() {
    let mut server = Server::start("distributed-kill", &[]);
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "Label": "Slow", "MaxConcurrency": 2,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Wait", "States": {
                "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
                "Done": {"Type": "Pass", "Parameters": {"item.$": "$"}, "End": true}}},
        "End": true}}});
    let execution = create_and_start(&server, "slowmap", &definition, "[10, 20, 30, 40]");
    let run = support::wait_for("the Map Run", std::time::Duration::from_secs(20), || {
        let runs = sfn(&server, "ListMapRuns", json!({"executionArn": execution}));
        runs["mapRuns"][0]["mapRunArn"].as_str().map(str::to_string)
    });
    support::wait_for(
        "a running child",
        std::time::Duration::from_secs(20),
        || {
            let kids = sfn(&server, "ListExecutions", json!({"mapRunArn": run}));
            (!kids["executions"].as_array()?.is_empty()).then_some(())
        },
    );
    server.kill_and_restart();
    let ended = support::wait_for(
        "the parent to end",
        std::time::Duration::from_secs(60),
        || {
            let d = sfn(
                &server,
                "DescribeExecution",
                json!({"executionArn": execution}),
            );
            (d["status"] != "RUNNING").then_some(d)
        },
    );
    assert_eq!(ended["status"], json!("SUCCEEDED"), "{ended}");
    let output: Value =
        serde_json::from_str(ended["output"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(
        output,
        json!([{"item": 10}, {"item": 20}, {"item": 30}, {"item": 40}])
    );
    let kids = sfn(&server, "ListExecutions", json!({"mapRunArn": run}));
    assert_eq!(
        kids["executions"].as_array().map(Vec::len),
        Some(4),
        "{kids}"
    );
    let described = sfn(&server, "DescribeMapRun", json!({"mapRunArn": run}));
    assert_eq!(described["status"], json!("SUCCEEDED"), "{described}");
    assert_eq!(described["executionCounts"]["succeeded"], json!(4));
    assert_eq!(
        described["maxConcurrency"],
        json!(2),
        "the limit it started with, once ended"
    );
}

/// `stepwise test` mocks an ItemReader by the Map state's name: S3's answer or the items.
#[test]
fn stepwise_test_mocks_an_item_readers_items() {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["test", EXAMPLE])
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("stepwise test runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("4 passed, 0 failed"), "{text}");
}

/// `UpdateMapRun` raises a running Map Run's concurrency: the waiting children start at once.
#[test]
fn update_map_run_starts_more_children() {
    let server = Server::start("distributed-update", &[]);
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "MaxConcurrency": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 30, "End": true}}},
        "End": true}}});
    let execution = create_and_start(&server, "wide", &definition, "[1, 2, 3]");
    let running = |run: &str| {
        let d = sfn(&server, "DescribeMapRun", json!({"mapRunArn": run}));
        d["executionCounts"]["running"].as_u64().unwrap_or(0)
    };
    let run = support::wait_for(
        "one running child",
        std::time::Duration::from_secs(20),
        || {
            let runs = sfn(&server, "ListMapRuns", json!({"executionArn": execution}));
            let run = runs["mapRuns"][0]["mapRunArn"].as_str()?.to_string();
            (running(&run) == 1).then_some(run)
        },
    );
    sfn(
        &server,
        "UpdateMapRun",
        json!({"mapRunArn": run, "maxConcurrency": 3}),
    );
    support::wait_until(
        "three running children",
        std::time::Duration::from_secs(20),
        || running(&run) == 3,
    );
    let d = sfn(&server, "DescribeMapRun", json!({"mapRunArn": run}));
    assert_eq!(d["maxConcurrency"], json!(3), "{d}");
    assert_eq!(d["status"], json!("RUNNING"), "{d}");
    // Stopping the parent aborts the run at once and stops its children after (as on AWS,
    // where they are stopped asynchronously).
    sfn(&server, "StopExecution", json!({"executionArn": execution}));
    let d = sfn(&server, "DescribeMapRun", json!({"mapRunArn": run}));
    assert_eq!(d["status"], json!("ABORTED"), "{d}");
    support::wait_until(
        "three aborted children",
        std::time::Duration::from_secs(20),
        || {
            let d = sfn(&server, "DescribeMapRun", json!({"mapRunArn": run}));
            d["executionCounts"]["aborted"] == json!(3)
        },
    );
}

/// A JSONata Distributed Map batches its `Items` by its evaluated `ItemBatcher`.
#[test]
fn a_jsonata_distributed_map_batches_its_items() {
    let dir = std::env::temp_dir().join(format!("stepwise-dmap-j-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let machine = dir.join("m.asl.json");
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "Label": "Pairs", "Items": "{% $states.input.xs %}",
        "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.n %}", "BatchInput": {"k": "{% $states.input.k %}"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $states.input %}", "End": true}}},
        "End": true}}});
    std::fs::write(&machine, definition.to_string()).expect("written");
    let doc = run(&[
        &machine.to_string_lossy(),
        "--input",
        r#"{"xs": [1, 2, 3], "n": 2, "k": "v"}"#,
    ]);
    assert_eq!(
        doc["output"],
        json!([{"BatchInput": {"k": "v"}, "Items": [1, 2]}, {"BatchInput": {"k": "v"}, "Items": [3]}]),
        "{doc}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
