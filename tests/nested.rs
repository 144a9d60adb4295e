//! Nested executions: Task states that start other state machines (`states:startExecution`
//! with `.sync`, `.sync:2`, `.waitForTaskToken`) and call Step Functions itself (`aws-sdk:sfn`),
//! in `stepwise run` (in memory and durably) and under `serve`, where they must survive a
//! SIGKILL and finish once.
#![allow(clippy::disallowed_methods)] // an edge: runs the binary

mod support;

use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;
use support::{Server, raw, wait_for};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/nested");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/nested");

fn run(args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .arg("run")
        .args(args)
        .args(["--format", "json"])
        .env_remove("STEPWISE_DB")
        .output()
        .expect("stepwise runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), doc, stderr)
}

fn events<'a>(doc: &'a Value, kind: &str) -> Vec<&'a Value> {
    doc["history"]
        .as_array()
        .map(|h| h.iter().filter(|e| e["type"] == kind).collect())
        .unwrap_or_default()
}

#[test]
fn a_parent_waits_for_its_children_in_memory() {
    let (ok, doc, err) = run(&[
        &format!("{EXAMPLES}/parent.asl.json"),
        "--state-machines",
        EXAMPLES,
        "--input",
        r#"{"item":"book","quantity":3}"#,
        "--history",
    ]);
    assert!(ok, "{err}\n{doc}");
    let out = &doc["output"];
    assert_eq!(out["priced"], json!({"total": 6, "status": "SUCCEEDED"}));
    assert_eq!(out["text"]["output"], json!(r#"{"item":"book","total":2}"#));
    let started = out["async"]["started"].as_str().unwrap_or_default();
    assert!(
        started.starts_with("arn:aws:states:us-east-1:123456789012:execution:child:"),
        "{started}"
    );
    assert_eq!(out["refused"]["Error"], json!("States.TaskFailed"));
    let cause: Value = serde_json::from_str(out["refused"]["Cause"].as_str().unwrap_or_default())
        .unwrap_or_default();
    assert_eq!(cause["Status"], json!("FAILED"));
    assert_eq!(cause["Error"], json!("TooMany"));
    assert!(cause.get("Output").is_none(), "{cause}");
    // AWS's events: TaskSubmitted (the start's answer), then the outcome, for each waiting task.
    let kinds: Vec<&str> = doc["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    let first = kinds
        .iter()
        .position(|k| *k == "TaskScheduled")
        .unwrap_or(0);
    assert_eq!(
        kinds[first..first + 4],
        [
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded"
        ]
    );
    let submitted = events(&doc, "TaskSubmitted");
    assert_eq!(submitted.len(), 3, "the three waiting tasks");
    let details = &submitted[0]["taskSubmittedEventDetails"];
    assert_eq!(details["resourceType"], json!("states"));
    assert_eq!(details["resource"], json!("startExecution.sync:2"));
    let output: Value =
        serde_json::from_str(details["output"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(output["SdkHttpMetadata"]["HttpStatusCode"], json!(200));
    assert!(output["StartDate"].is_i64(), "{output}");
    let failed = events(&doc, "TaskFailed");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0]["taskFailedEventDetails"]["error"],
        json!("States.TaskFailed")
    );
}

#[test]
fn step_functions_calls_answer_in_the_sdk_shape_with_aws_error_names() {
    let (ok, doc, err) = run(&[&format!("{DIR}/sdk.asl.json"), "--state-machines", DIR]);
    assert!(ok, "{err}\n{doc}");
    let out = &doc["output"];
    assert_eq!(
        out["started"]["ExecutionArn"],
        json!("arn:aws:states:us-east-1:123456789012:execution:slow:quick")
    );
    assert!(
        out["started"]["StartDate"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z'))
    );
    assert_eq!(out["described"]["name"], json!("quick"));
    assert_eq!(
        out["missing"]["Error"],
        json!("StepFunctions.StateMachineDoesNotExistException")
    );
    let cause = out["missing"]["Cause"].as_str().unwrap_or_default();
    assert!(
        cause.starts_with("State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:nowhere' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: "),
        "{cause}"
    );
    assert_eq!(
        out["token"]["Error"],
        json!("Sfn.TaskDoesNotExistException")
    );
}

#[test]
fn children_run_durably_with_a_database() {
    let dir = std::env::temp_dir().join(format!("stepwise-nested-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let db = dir.join("db").to_string_lossy().into_owned();
    let (ok, doc, err) = run(&[
        &format!("{DIR}/family.asl.json"),
        "--state-machine-file",
        &format!("slow={DIR}/slow.asl.json"),
        "--state-machine-file",
        &format!("answers={DIR}/answers.asl.json"),
        "--db",
        &db,
        "--skip-waits",
    ]);
    assert!(ok, "{err}\n{doc}");
    assert_eq!(
        doc["output"],
        json!([{"output": "{\"doubled\":2}"}, {"output": {"doubled": 4}}, {"answered": 3}])
    );
    let store = stepwise::store::SqliteStore::open(std::path::Path::new(&db)).expect("opens");
    use stepwise::store::ExecutionStore;
    let children = store
        .list_executions(&stepwise::store::ExecutionFilter::default())
        .expect("lists");
    assert_eq!(children.len(), 4, "the parent and its three children");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_child_that_is_not_given_is_a_clear_error() {
    let input = r#"{"item":"book","quantity":3}"#;
    let (ok, doc, err) = run(&[&format!("{EXAMPLES}/parent.asl.json"), "--input", input]);
    assert!(!ok);
    assert_eq!(
        doc["error"],
        json!("StepFunctions.StateMachineDoesNotExistException"),
        "{doc}"
    );
    assert!(err.contains("--state-machines DIR"), "{err}");
    let (ok, _, err) = run(&[
        &format!("{EXAMPLES}/parent.asl.json"),
        "--state-machine-file",
        "child",
    ]);
    assert!(!ok);
    assert!(err.contains("expected NAME=FILE"), "{err}");
}

fn sfn(server: &Server, op: &str, body: Value) -> Value {
    let (status, answer) = raw::call(server, op, &body.to_string());
    assert_eq!(status, 200, "{op}: {answer}");
    answer
}

fn executions_of(server: &Server, machine: &str) -> Vec<Value> {
    let arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}");
    sfn(server, "ListExecutions", json!({"stateMachineArn": arn}))["executions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn start(server: &Server, machine: &str) -> String {
    let arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}");
    sfn(server, "StartExecution", json!({"stateMachineArn": arn}))["executionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn describe(server: &Server, arn: &str) -> Value {
    sfn(server, "DescribeExecution", json!({"executionArn": arn}))
}

/// `.sync`, `.sync:2` and `.waitForTaskToken` children under serve: the server is killed while
/// all three run; after the restart each finishes once and the parent with them.
#[test]
fn children_survive_a_sigkill_and_finish_once() {
    let mut server = Server::start("nested-kill", &["--state-machines", DIR]);
    let parent = start(&server, "family");
    wait_for("three running children", Duration::from_secs(20), || {
        let n = executions_of(&server, "slow").len() + executions_of(&server, "answers").len();
        (n == 3).then_some(())
    });
    server.kill_and_restart();
    let ended = wait_for("the parent to end", Duration::from_secs(60), || {
        let d = describe(&server, &parent);
        (d["status"] != "RUNNING").then_some(d)
    });
    assert_eq!(ended["status"], json!("SUCCEEDED"), "{ended}");
    let output: Value =
        serde_json::from_str(ended["output"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(
        output,
        json!([{"output": "{\"doubled\":2}"}, {"output": {"doubled": 4}}, {"answered": 3}])
    );
    // The token child answers its parent before it ends itself: the parent may end first.
    let children = wait_for("the children to end", Duration::from_secs(20), || {
        let children: Vec<Value> = [
            executions_of(&server, "slow"),
            executions_of(&server, "answers"),
        ]
        .concat();
        children
            .iter()
            .all(|c| c["status"] != "RUNNING")
            .then_some(children)
    });
    assert_eq!(children.len(), 3, "one child per task: {children:?}");
    assert!(
        children.iter().all(|c| c["status"] == "SUCCEEDED"),
        "{children:?}"
    );
    let history = sfn(
        &server,
        "GetExecutionHistory",
        json!({"executionArn": parent, "maxResults": 1000}),
    );
    let succeeded = history["events"]
        .as_array()
        .map(|e| e.iter().filter(|e| e["type"] == "TaskSucceeded").count());
    assert_eq!(succeeded, Some(3), "each task answered once");
}

#[test]
fn stopping_a_parent_stops_its_sync_child() {
    let server = Server::start("nested-stop", &["--state-machines", DIR]);
    let parent = start(&server, "waits-long");
    let child = wait_for("the child to run", Duration::from_secs(20), || {
        executions_of(&server, "slow")
            .first()
            .and_then(|c| c["executionArn"].as_str().map(str::to_string))
    });
    sfn(
        &server,
        "StopExecution",
        json!({"executionArn": parent, "error": "Enough", "cause": "stopped by the test"}),
    );
    assert_eq!(describe(&server, &parent)["status"], json!("ABORTED"));
    // The child is stopped by the parent's effect, performed after StopExecution answers.
    let d = wait_for("the child to be stopped", Duration::from_secs(20), || {
        let d = describe(&server, &child);
        (d["status"] != json!("RUNNING")).then_some(d)
    });
    assert_eq!(d["status"], json!("ABORTED"), "{d}");
    assert_eq!(d["error"], json!("Enough"));
}
