//! `stepwise run` with Conductor workflow files: the seeds' scenarios from the command line, on
//! the embedded queue and on moto's SQS server, SIMPLE tasks served by local commands, and the
//! messages a user sees when a definition is refused or a workflow cannot move.
#![allow(clippy::disallowed_methods)] // the tests read the environment

mod support;

use serde_json::{Value, json};
use std::process::Command;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/state-machines/conductor");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .arg("run")
        .args(args)
        .current_dir(DIR)
        .env_remove("STEPWISE_DB")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_SQS")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_run(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    let doc: Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert!(matches!(code, 0 | 1), "{code}: {err}");
    doc
}

fn statuses(doc: &Value) -> Vec<(String, String, String)> {
    doc["tasks"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
                    (s("referenceTaskName"), s("taskType"), s("status"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn event_testing(extra: &[&str]) {
    let mut args = vec![
        "event_testing.json",
        "--event-handlers",
        "event_testing.handlers.json",
        "--skip-waits",
    ];
    args.extend_from_slice(extra);
    let doc = json_run(&args);
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    let expected: Vec<(String, String, String)> = [
        ("fork_ref", "FORK"),
        ("task_1_ref", "WAIT"),
        ("task_2_ref", "WAIT"),
        ("join_ref", "JOIN"),
        ("send_sqs_message_ref", "EVENT"),
    ]
    .iter()
    .map(|(r, t)| (r.to_string(), t.to_string(), "COMPLETED".to_string()))
    .collect();
    assert_eq!(statuses(&doc), expected, "{doc}");
    assert_eq!(
        doc["output"]["event_produced"],
        "sqs:conductor_doug_testing"
    );
    assert_eq!(doc["output"]["workflowInstanceId"], doc["workflowId"]);
}

#[test]
fn event_testing_on_the_embedded_queue() {
    event_testing(&[]);
}

#[test]
#[ignore = "needs moto_server (STEPWISE_MOTO_SERVER): run scripts/test"]
fn event_testing_on_moto() {
    let moto = support::Moto::start("event_testing_on_moto");
    event_testing(&["--sqs-endpoint", &moto.url]);
}

#[test]
fn shipping_is_started_by_its_handler() {
    let doc = json_run(&[
        "order_ready.json",
        "--workflow-def",
        "shipping_workflow.json",
        "--event-handlers",
        "shipping.handlers.json",
        "--input",
        r#"{"orderId": "o-1"}"#,
    ]);
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    let started = &doc["started"][0];
    assert_eq!(started["workflowType"], "shipping_workflow", "{doc}");
    assert_eq!(started["status"], "COMPLETED");
    assert_eq!(started["event"], "sqs:shipping_start");
    assert_eq!(
        started["output"],
        json!({"label": "John Doe, 1 Main Street, New York NY 12001", "carrier": "courier", "triggeredBy": "sqs:shipping_start"})
    );
}

#[test]
fn a_workflow_nothing_can_move_says_what_it_waits_for() {
    let (code, _, err) = run(&[
        "docusign.json",
        "--event-handlers",
        "docusign.handlers.json",
        "--input",
        r#"{"document": "d"}"#,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("HUMAN human_docusign_step_ref (complete it from an event handler"),
        "{err}"
    );
}

#[test]
fn simple_tasks_are_served_by_local_commands() {
    let dir = std::env::temp_dir().join(format!("stepwise-conductor-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wf = dir.join("greet.json");
    std::fs::write(
        &wf,
        json!({"name": "greet", "tasks": [{"name": "hello", "taskReferenceName": "hello_ref", "type": "SIMPLE",
               "inputParameters": {"who": "${workflow.input.who}"}}],
               "outputParameters": {"said": "${hello_ref.output.said}"}})
        .to_string(),
    )
    .unwrap();
    let wf = wf.to_string_lossy().into_owned();
    let command = r#"hello=python3 -c 'import json,sys; print(json.dumps({"said": "hi " + json.load(sys.stdin)["who"]}))'"#;
    let doc = json_run(&[&wf, "--task", command, "--input", r#"{"who": "Ada"}"#]);
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    assert_eq!(doc["output"], json!({"said": "hi Ada"}));
    let (code, _, err) = run(&[&wf, "--input", r#"{"who": "Ada"}"#]);
    assert_eq!(code, 1);
    assert!(
        err.contains("SIMPLE hello_ref (a worker: --task hello=COMMAND"),
        "{err}"
    );
}

#[test]
fn refused_definitions_show_every_diagnostic() {
    let dir = std::env::temp_dir().join(format!("stepwise-conductor-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wf = dir.join("bad.json");
    std::fs::write(
        &wf,
        json!({"name": "bad", "tasks": [
            {"name": "call", "taskReferenceName": "call", "type": "LAMBDA"},
            {"name": "s", "taskReferenceName": "s", "type": "SWITCH", "evaluatorType": "python", "expression": "x", "decisionCases": {"a": []}}]})
        .to_string(),
    )
    .unwrap();
    let wf = wf.to_string_lossy().into_owned();
    let (code, _, err) = run(&[&wf]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("UNSUPPORTED_FEATURE at /tasks/0/type"),
        "{err}"
    );
    assert!(err.contains("/tasks/1/evaluatorType"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["validate", &wf])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("bad.json: UNSUPPORTED_FEATURE at /tasks/0/type"),
        "{text}"
    );
    let ok = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["validate", &format!("{DIR}/event_testing.json")])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
}

/// JSON_JQ_TRANSFORM runs jq (jaq) in a child process: results as Conductor shapes them, errors
/// as the task's reason, and a program that loops or recurses without end fails its task
/// instead of hanging or crashing the run.
#[test]
fn jq_transforms_run_in_a_child_process() {
    let dir = std::env::temp_dir().join(format!("stepwise-conductor-jq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wf = dir.join("jq.json");
    std::fs::write(
        &wf,
        json!({"name": "jq", "tasks": [{"name": "t", "taskReferenceName": "t", "type": "JSON_JQ_TRANSFORM",
            "inputParameters": {"items": "${workflow.input.items}", "queryExpression": "${workflow.input.q}"}}],
            "outputParameters": {"result": "${t.output.result}", "all": "${t.output.resultList}"}})
        .to_string(),
    )
    .unwrap();
    let wf = wf.to_string_lossy().into_owned();
    let input = |q: &str| {
        json!({"q": q, "items": [{"sku": "a", "n": 2}, {"sku": "b", "n": 3}]}).to_string()
    };
    let doc = json_run(&[
        &wf,
        "--input",
        &input("{total: (.items | map(.n) | add), skus: [.items[].sku]}"),
    ]);
    assert_eq!(
        doc["output"]["result"],
        json!({"total": 5, "skus": ["a", "b"]}),
        "{doc}"
    );
    let doc = json_run(&[&wf, "--input", &input(".items[].sku")]);
    assert_eq!(
        doc["output"],
        json!({"result": "a", "all": ["a", "b"]}),
        "{doc}"
    );
    for (q, reason) in [
        (".items | keys | .[0] | keys", "jq error"),
        (".items[", "jq syntax error"),
        ("last(repeat(1))", "the jq program ran longer than 5 s"),
        ("def f: [f]; f", "the jq program stopped without an answer"),
    ] {
        let doc = json_run(&[&wf, "--input", &input(q)]);
        assert_eq!(doc["status"], "FAILED", "{q}: {doc}");
        let got = doc["reasonForIncompletion"].as_str().unwrap_or_default();
        assert!(got.starts_with(reason), "{q}: {got}");
    }
}

/// A WAIT task of a durable run waits for its task token, which the run shows; `stepwise task
/// success` from another process closes it (the same command answers ASL callback tasks), the
/// run completes with the answer in its output, and a second answer gets `TaskTimedOut`.
#[test]
fn a_wait_task_is_answered_with_stepwise_task_success() {
    use std::io::{BufRead, BufReader};
    let dir = std::env::temp_dir().join(format!("stepwise-conductor-token-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let db = dir.join("db");
    let wf = dir.join("approval.json");
    let def = json!({
        "name": "approval", "version": 1, "schemaVersion": 2,
        "tasks": [
            {"name": "approve", "taskReferenceName": "approve_ref", "type": "WAIT"},
            {"name": "note", "taskReferenceName": "note_ref", "type": "SET_VARIABLE",
             "inputParameters": {"by": "${approve_ref.output.by}"}}
        ],
        "outputParameters": {"approvedBy": "${workflow.variables.by}"}
    });
    std::fs::write(&wf, def.to_string()).expect("written");
    let stepwise = env!("CARGO_BIN_EXE_stepwise");
    let mut child = Command::new(stepwise)
        .args(["run", "--format", "json", "--db"])
        .arg(&db)
        .arg(&wf)
        .env_remove("STEPWISE_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the run starts");
    let stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut token = None;
    for line in stderr.lines() {
        let line = line.expect("a line");
        if let Some((_, rest)) = line.split_once("--token ") {
            assert!(line.starts_with("waiting: WAIT approve_ref"), "{line}");
            token = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    let token = token.expect("the run shows the task token");
    let answer = |output: &str| {
        Command::new(stepwise)
            .args([
                "task", "success", "--token", &token, "--output", output, "--db",
            ])
            .arg(&db)
            .env_remove("STEPWISE_DB")
            .output()
            .expect("stepwise task runs")
    };
    let first = answer(r#"{"by": "ops"}"#);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = child.wait_with_output().expect("the run ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    assert_eq!(doc["output"], json!({"approvedBy": "ops"}));
    let again = answer("{}");
    assert_eq!(again.status.code(), Some(1));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("(TaskTimedOut)"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// INLINE tasks and a SWITCH run scripts that need the whole language (arrow functions, array
/// methods, toFixed, Date arithmetic, try/catch, regular expressions).
#[test]
fn inline_tasks_run_full_javascript() {
    let input = json!({
        "orders": [{"id": "a1", "amount": 120.5, "status": "PAID"},
                   {"id": "b2", "amount": 30, "status": "PENDING"},
                   {"id": "c3", "amount": 75.25, "status": "PAID"}],
        "ts": "2024-02-28T10:00:00Z",
        "raw": "{not json"
    })
    .to_string();
    let doc = json_run(&["inline_javascript.json", "--input", &input]);
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    assert_eq!(
        doc["output"],
        json!({
            "summary": {"ids": ["a1", "c3"], "total": 195.75, "label": "2 paid, 195.75 EUR",
                        "byStatus": {"PAID": 2, "PENDING": 1}},
            "due": {"dueAt": "2024-02-29T10:00:00.000Z", "parsed": {"error": "SyntaxError"}},
            "route": "priority"
        }),
        "{doc}"
    );
}
