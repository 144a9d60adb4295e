//! One bad execution fails alone (issue 15): executions that cannot be stepped — a stored state
//! that cannot be read back, a stored definition that no longer validates, data nested too deep
//! to be stored — end FAILED (or ABORTED when stopped) with a cause that says why, while
//! ordinary executions beside them, with Wait states and callbacks, finish on time and the server
//! answers throughout. Data nested too deeply is refused where it enters.

#![allow(clippy::disallowed_methods)] // an edge: measures time

mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Server, raw, wait_until};

const ROLE: &str = "arn:aws:iam::123456789012:role/test";

fn create(server: &Server, name: &str, definition: Value) -> String {
    let (status, body) = raw::call(
        server,
        "CreateStateMachine",
        &json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    body["stateMachineArn"]
        .as_str()
        .expect("an ARN")
        .to_string()
}

fn start(server: &Server, machine: &str, name: &str, input: &str) -> String {
    let (status, body) = raw::call(
        server,
        "StartExecution",
        &json!({"stateMachineArn": machine, "name": name, "input": input}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    body["executionArn"].as_str().expect("an ARN").to_string()
}

/// Every call must be answered, and quickly: the server keeps serving around a bad execution.
fn describe(server: &Server, arn: &str) -> Value {
    let asked = Instant::now();
    let (status, d) = raw::call(
        server,
        "DescribeExecution",
        &json!({"executionArn": arn}).to_string(),
    );
    assert_eq!(status, 200, "{d}");
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "DescribeExecution took {:?}",
        asked.elapsed()
    );
    d
}

/// Polls until `arn` no longer runs; its description, and when it ended (since `since`).
fn finished(server: &Server, arn: &str, since: Instant, within: Duration) -> (Value, Duration) {
    loop {
        let d = describe(server, arn);
        if d["status"] != "RUNNING" {
            return (d, since.elapsed());
        }
        assert!(since.elapsed() < within, "{arn} still running: {d}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn history(server: &Server, arn: &str) -> Vec<Value> {
    let (status, h) = raw::call(
        server,
        "GetExecutionHistory",
        &json!({"executionArn": arn}).to_string(),
    );
    assert_eq!(status, 200, "{h}");
    h["events"].as_array().expect("events").clone()
}

/// A JSON array nested `levels` deep.
fn nested(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

/// Overwrites a stored execution's row through the store, as a database written by another
/// version (or damaged) would hold it.
fn tamper(server: &Server, arn: &str, change: impl Fn(&mut stepwise::store::ExecutionRecord)) {
    let store = server.store();
    let mut record = store
        .execution(arn)
        .expect("the store answers")
        .expect("the execution is stored");
    record.version += 1;
    change(&mut record);
    let commit = stepwise::store::Commit {
        execution: Some(record),
        ..Default::default()
    };
    store.commit(&[commit]).expect("the row is replaced");
}

/// A new execution stored as a copy of `model` (whose row it reads before any tampering: call
/// it first) under `name`, with `definition`, and a timer due at once.
fn copy_with_definition(server: &Server, model: &str, name: &str, definition: &str) -> String {
    use stepwise::store::{Commit, Decider, TimerRecord};
    let store = server.store();
    let mut record = store
        .execution(model)
        .expect("the store answers")
        .expect("the model is stored");
    let (prefix, _) = model.rsplit_once(':').expect("an execution ARN");
    let arn = format!("{prefix}:{name}");
    record.arn = arn.clone();
    record.name = name.to_string();
    record.definition = definition.to_string();
    record.version = 1;
    let timer = TimerRecord {
        execution_arn: arn.clone(),
        timer: 1,
        due_ms: 0,
        decider: Decider::Asl,
    };
    let first = Commit {
        new_timers: vec![timer],
        ..Default::default()
    };
    store.create_execution(&record, &first).expect("stored");
    arn
}

#[test]
fn a_poison_execution_fails_alone_and_the_others_finish_on_time() {
    let server = Server::start("isolation", &["--task", "Notify=cat >/dev/null; echo {}"]);
    let wait = create(
        &server,
        "wait",
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
               "Done": {"Type": "Pass", "End": true}}}),
    );
    let callback = create(
        &server,
        "callback",
        json!({"StartAt": "Notify", "States": {"Notify": {"Type": "Task",
               "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
               "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}},
               "End": true}}}),
    );
    let long_wait = create(
        &server,
        "long",
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}),
    );

    // Three executions made poison in the store, started first.
    let unreadable = start(&server, &wait, "unreadable", "{}");
    let stopped = start(&server, &long_wait, "stopped", "{}");
    // A definition is fixed when its execution is created: this one is stored as a version
    // that accepted it would have, with its Wait's timer due.
    let unloadable = copy_with_definition(
        &server,
        &unreadable,
        "unloadable",
        &json!({"StartAt": "Gone", "States": {}}).to_string(),
    );
    tamper(&server, &unreadable, |r| r.state = nested(200));
    tamper(&server, &stopped, |r| r.state = nested(200));

    // Ordinary executions beside them.
    let t0 = Instant::now();
    let waits: Vec<String> = (0..5)
        .map(|i| start(&server, &wait, &format!("ordinary-{i}"), "{\"n\": 1}"))
        .collect();
    let callbacks: Vec<String> = (0..2)
        .map(|i| start(&server, &callback, &format!("callback-{i}"), "{}"))
        .collect();

    // The callbacks are answered as soon as their tasks are scheduled.
    for arn in &callbacks {
        let token = loop {
            let scheduled = history(&server, arn)
                .into_iter()
                .find(|e| e["type"] == "TaskScheduled");
            if let Some(e) = scheduled {
                let parameters: Value = serde_json::from_str(
                    e["taskScheduledEventDetails"]["parameters"]
                        .as_str()
                        .expect("parameters"),
                )
                .expect("JSON parameters");
                break parameters["Payload"]["token"]
                    .as_str()
                    .expect("a token")
                    .to_string();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(5),
                "{arn} never scheduled"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let (status, body) = raw::call(
            &server,
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": "{\"ok\": true}"}).to_string(),
        );
        assert_eq!(status, 200, "{body}");
    }
    for arn in callbacks.iter().chain(&waits) {
        let (d, took) = finished(&server, arn, t0, Duration::from_secs(10));
        assert_eq!(d["status"], "SUCCEEDED", "{d}");
        assert!(
            took < Duration::from_secs(4),
            "{arn} took {took:?} (a 1 s Wait)"
        );
    }

    // The poison executions ended with causes that say why.
    for (arn, why) in [
        (&unreadable, "cannot be read back"),
        (&unloadable, "no longer validates"),
    ] {
        let (d, _) = finished(&server, arn, t0, Duration::from_secs(10));
        assert_eq!(d["status"], "FAILED", "{d}");
        assert_eq!(d["error"], "States.Runtime", "{d}");
        let cause = d["cause"].as_str().expect("a cause");
        assert!(cause.contains(why), "{cause}");
        let last = history(&server, arn).pop().expect("events");
        assert_eq!(last["type"], "ExecutionFailed", "{last}");
    }
    // One that cannot be stepped can still be stopped.
    let (status, body) = raw::call(
        &server,
        "StopExecution",
        &json!({"executionArn": stopped, "error": "Operator", "cause": "cleaning up"}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let d = describe(&server, &stopped);
    assert_eq!(d["status"], "ABORTED", "{d}");
    assert_eq!(d["error"], "Operator", "{d}");
    assert_eq!(
        history(&server, &stopped).pop().expect("events")["type"],
        "ExecutionAborted"
    );
}

#[test]
fn data_nested_too_deeply_is_refused_or_fails_its_execution() {
    let server = Server::start("depth", &[]);
    let pass = create(
        &server,
        "pass",
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    );
    // At the door: 101 levels is one more than stepwise accepts.
    let (status, body) = raw::call(
        &server,
        "StartExecution",
        &json!({"stateMachineArn": pass, "input": nested(101)}).to_string(),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "InvalidExecutionInput", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("at most 100 levels"),
        "{body}"
    );
    let ok = start(&server, &pass, "hundred", &nested(100));
    assert_eq!(
        finished(&server, &ok, Instant::now(), Duration::from_secs(5)).0["status"],
        "SUCCEEDED"
    );

    // Inside: a loop that wraps its data one level deeper each turn (here without ever waiting,
    // so in one step) ends FAILED when its data passes the limit, instead of growing until it
    // could not be stored or read back, or exhausting the stack.
    let deepen = create(
        &server,
        "deepen",
        json!({"StartAt": "Wrap", "States": {
            "Wrap": {"Type": "Pass", "Parameters": {"v.$": "$"}, "Next": "Again"},
            "Again": {"Type": "Choice", "Default": "Pause",
                      "Choices": [{"Variable": "$.never", "IsPresent": true, "Next": "Done"}]},
            "Pause": {"Type": "Wait", "Seconds": 0, "Next": "Wrap"},
            "Done": {"Type": "Succeed"}}}),
    );
    let arn = start(&server, &deepen, "deepen", &nested(95));
    let (d, _) = finished(&server, &arn, Instant::now(), Duration::from_secs(20));
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(d["error"], "States.DataLimitExceeded", "{d}");
    assert!(
        d["cause"]
            .as_str()
            .unwrap_or("")
            .contains("'Wrap' returned a result nested 101 levels deep"),
        "{d}"
    );
}

/// A Task whose command outlives its `TimeoutSeconds` times out on time, as on AWS, and while
/// the command still runs the server goes on with everything else: the effect workers perform
/// it, not the loop that fires timers.
#[test]
fn a_slow_task_neither_outlives_its_timeout_nor_holds_up_others() {
    let running = std::env::temp_dir().join(format!("stepwise-slow-effect-{}", std::process::id()));
    let _ = std::fs::remove_file(&running);
    let task = format!("Slow=touch {}; sleep 8; echo {{}}", running.display());
    let server = Server::start("slow-effect", &["--task", &task]);
    let slow = create(
        &server,
        "slow",
        json!({"StartAt": "Slow", "States": {"Slow": {"Type": "Task",
               "Resource": "arn:aws:states:::lambda:invoke",
               "Parameters": {"FunctionName": "f"}, "TimeoutSeconds": 2, "End": true}}}),
    );
    let wait = create(
        &server,
        "wait",
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}),
    );
    let t0 = Instant::now();
    let slow_one = start(&server, &slow, "slow", "{}");
    wait_until("the slow command runs", Duration::from_secs(5), || {
        running.exists()
    });
    let quick = start(&server, &wait, "quick", "{}");
    let (d, took) = finished(&server, &quick, t0, Duration::from_secs(10));
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert!(
        took < Duration::from_secs(3),
        "a 1 s Wait took {took:?} beside a slow command"
    );
    let (d, took) = finished(&server, &slow_one, t0, Duration::from_secs(10));
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(d["error"], "States.Timeout", "{d}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(4),
        "TimeoutSeconds 2 took {took:?}"
    );
    let types: Vec<Value> = history(&server, &slow_one)
        .into_iter()
        .map(|e| e["type"].clone())
        .collect();
    assert!(types.contains(&json!("TaskTimedOut")), "{types:?}");
    let _ = std::fs::remove_file(&running);
}
