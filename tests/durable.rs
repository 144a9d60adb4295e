//! The callback pattern across processes, on a real SQLite file: `run --detach`, answer the
//! token from another process (`task success|failure|heartbeat`), read the result back
//! (`executions describe|history|list`).

mod support;

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;
use support::wait_for;

struct Db {
    dir: PathBuf,
}

impl Db {
    fn new(name: &str) -> Db {
        let dir =
            std::env::temp_dir().join(format!("stepwise-durable-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Db { dir }
    }

    fn stepwise(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_stepwise"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("STEPWISE_DB", self.dir.join("stepwise.db"))
            .output()
            .expect("the binary runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.stepwise(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON on stdout")
    }

    /// Starts the approval example detached; the approver command saves its request.
    fn start_approval(&self, order: &str) -> String {
        let request = self.dir.join(format!("{order}.request.json"));
        let approver = format!("approver=cat > '{}'", request.display());
        let input = json!({ "order": order }).to_string();
        self.ok(&[
            "run",
            "fixtures/callbacks/approval.asl.json",
            "--detach",
            "--input",
            &input,
            "--lambda",
            &approver,
        ])
    }

    fn token(&self, arn: &str) -> String {
        let d = self.json(&["executions", "describe", arn]);
        d["waitingTasks"][0]["taskToken"]
            .as_str()
            .expect("a waiting task with its token")
            .to_string()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn aws_error(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[test]
fn detached_run_waits_for_task_success_from_another_process() {
    let db = Db::new("success");
    let arn = db.start_approval("o-1");
    assert!(
        arn.starts_with("arn:aws:states:us-east-1:123456789012:execution:approval:"),
        "{arn}"
    );
    let running = db.json(&["executions", "describe", &arn]);
    assert_eq!(running["status"], "RUNNING");
    let token = db.token(&arn);
    let request: Value = serde_json::from_str(
        &std::fs::read_to_string(db.dir.join("o-1.request.json")).expect("the approver ran"),
    )
    .expect("the payload is JSON");
    assert_eq!(
        request,
        json!({"order": "o-1", "token": token}),
        "the payload carries $$.Task.Token"
    );

    db.ok(&[
        "task",
        "success",
        "--token",
        &token,
        "--output",
        r#"{"approved": true}"#,
    ]);
    let done = db.json(&["executions", "describe", &arn]);
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(
        serde_json::from_str::<Value>(done["output"].as_str().unwrap()).unwrap(),
        json!({"order": "o-1", "approval": {"approved": true}})
    );
    assert!(done["stopDate"].is_string());
    assert_eq!(done["waitingTasks"], json!([]));

    let history = db.json(&["executions", "history", &arn]);
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let scheduled = &history["events"][2]["taskScheduledEventDetails"];
    assert!(
        scheduled["parameters"].as_str().unwrap().contains(&token),
        "the token is in TaskScheduled parameters"
    );
}

#[test]
fn task_failure_goes_through_catch() {
    let db = Db::new("failure");
    let arn = db.start_approval("o-2");
    let token = db.token(&arn);
    db.ok(&[
        "task",
        "failure",
        "--token",
        &token,
        "--error",
        "Rejected",
        "--cause",
        "out of stock",
    ]);
    let done = db.json(&["executions", "describe", &arn]);
    assert_eq!(done["status"], "FAILED");
    assert_eq!(done["error"], "Order.Rejected");
    assert_eq!(done["cause"], "out of stock");
}

#[test]
fn wrong_reused_and_late_tokens_get_aws_errors() {
    let db = Db::new("errors");
    let arn = db.start_approval("o-3");
    let token = db.token(&arn);
    let e = aws_error(&db.stepwise(&[
        "task",
        "success",
        "--token",
        "not a token!",
        "--output",
        "{}",
    ]));
    assert!(
        e.contains("(InvalidToken)") && e.contains("Invalid Token: 'Invalid token'"),
        "{e}"
    );
    let e = aws_error(&db.stepwise(&[
        "task",
        "success",
        "--token",
        &"A".repeat(43),
        "--output",
        "{}",
    ]));
    assert!(e.contains("(TaskDoesNotExist)"), "{e}");
    let e = aws_error(&db.stepwise(&[
        "task",
        "success",
        "--token",
        &token,
        "--output",
        "{not json",
    ]));
    assert!(e.contains("(InvalidOutput)"), "{e}");
    let e = aws_error(&db.stepwise(&[
        "task",
        "failure",
        "--token",
        &token,
        "--error",
        &"E".repeat(257),
    ]));
    assert!(e.contains("256"), "{e}");
    assert_eq!(
        db.json(&["executions", "describe", &arn])["status"],
        "RUNNING",
        "rejected calls change nothing"
    );

    db.ok(&["task", "success", "--token", &token, "--output", "{}"]);
    for again in [
        vec![
            "task",
            "success",
            "--token",
            token.as_str(),
            "--output",
            "{}",
        ],
        vec!["task", "failure", "--token", token.as_str()],
        vec!["task", "heartbeat", "--token", token.as_str()],
    ] {
        let e = aws_error(&db.stepwise(&again));
        assert!(
            e.contains("(TaskTimedOut)") && e.contains("Provided task does not exist anymore"),
            "{e}"
        );
    }
}

#[test]
fn concurrent_callbacks_for_one_token_have_exactly_one_winner() {
    let db = Db::new("race");
    let arn = db.start_approval("o-4");
    let token = db.token(&arn);
    let bin = env!("CARGO_BIN_EXE_stepwise");
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let token = token.clone();
            let db_path = db.dir.join("stepwise.db");
            std::thread::spawn(move || {
                Command::new(bin)
                    .args([
                        "task",
                        "success",
                        "--token",
                        &token,
                        "--output",
                        &format!(r#"{{"winner": {i}}}"#),
                    ])
                    .env("STEPWISE_DB", db_path)
                    .output()
                    .expect("runs")
            })
        })
        .collect();
    let outs: Vec<Output> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let winners = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(winners, 1, "exactly one of the racing callbacks wins");
    for o in outs.iter().filter(|o| !o.status.success()) {
        assert!(String::from_utf8_lossy(&o.stderr).contains("(TaskTimedOut)"));
    }
    let done = db.json(&["executions", "describe", &arn]);
    assert_eq!(done["status"], "SUCCEEDED");
    let history = db.json(&["executions", "history", &arn]);
    let succeeded = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "TaskSucceeded")
        .count();
    assert_eq!(succeeded, 1, "exactly one callback moved the execution");
}

#[test]
fn a_handler_may_answer_its_own_token_before_the_submission_is_recorded() {
    let db = Db::new("early");
    let bin = env!("CARGO_BIN_EXE_stepwise");
    // The approver answers at once, from inside the invocation: the callback beats TaskSubmitted.
    let approver = format!(
        r#"approver=python3 -c "import json,subprocess,sys; t=json.load(sys.stdin)['token']; subprocess.run(['{bin}','task','success','--token',t,'--output','{{\"fast\": true}}'], check=True)""#
    );
    let arn = db.ok(&[
        "run",
        "fixtures/callbacks/approval.asl.json",
        "--detach",
        "--input",
        r#"{"order":"o-5"}"#,
        "--lambda",
        &approver,
    ]);
    let done = db.json(&["executions", "describe", &arn]);
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(
        serde_json::from_str::<Value>(done["output"].as_str().unwrap()).unwrap()["approval"],
        json!({"fast": true})
    );
}

#[test]
fn heartbeat_timeout_fails_with_states_timeout() {
    let db = Db::new("heartbeat");
    let out = db.stepwise(&[
        "run",
        "fixtures/callbacks/heartbeat.asl.json",
        "--format",
        "json",
        "--task",
        "Work=cat >/dev/null",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        doc,
        json!({"status": "FAILED", "error": "States.Timeout", "cause": null})
    );
}

#[test]
fn a_waiting_run_picks_up_a_callback_from_another_process() {
    let db = Db::new("waiting");
    let bin = env!("CARGO_BIN_EXE_stepwise");
    let db_path = db.dir.join("stepwise.db");
    let request = db.dir.join("req.json");
    let approver = format!("approver=cat > '{}'", request.display());
    let waiting = std::thread::spawn({
        let db_path = db_path.clone();
        move || {
            Command::new(bin)
                .args([
                    "run",
                    "fixtures/callbacks/approval.asl.json",
                    "--format",
                    "json",
                    "--input",
                    r#"{"order":"o-6"}"#,
                    "--lambda",
                    &approver,
                ])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("STEPWISE_DB", db_path)
                .output()
                .expect("runs")
        }
    });
    let token = wait_for(
        "the approver writes its request",
        Duration::from_secs(20),
        || {
            std::fs::read_to_string(&request)
                .ok()
                .and_then(|s| serde_json::from_str::<Value>(&s).ok())
                .and_then(|v| v["token"].as_str().map(str::to_string))
        },
    );
    db.ok(&["task", "success", "--token", &token, "--output", r#""yes""#]);
    let out = waiting.join().expect("thread");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["output"], json!({"order": "o-6", "approval": "yes"}));
}

#[test]
fn stop_aborts_a_waiting_execution_and_closes_its_token() {
    let db = Db::new("stop");
    let arn = db.start_approval("o-7");
    let token = db.token(&arn);
    db.ok(&[
        "executions",
        "stop",
        &arn,
        "--error",
        "Cancelled",
        "--cause",
        "by the customer",
    ]);
    let d = db.json(&["executions", "describe", &arn]);
    assert_eq!(
        (d["status"].as_str(), d["error"].as_str()),
        (Some("ABORTED"), Some("Cancelled"))
    );
    let e = aws_error(&db.stepwise(&["task", "success", "--token", &token, "--output", "{}"]));
    assert!(e.contains("(TaskTimedOut)"), "{e}");
    let list = db.json(&["executions", "list", "--status", "ABORTED"]);
    assert_eq!(list["executions"].as_array().unwrap().len(), 1);
    let bad = db.stepwise(&["executions", "list", "--status", "aborted"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn purge_deletes_ended_executions_only_and_tells_how_many() {
    let db = Db::new("purge");
    let running = db.start_approval("o-1");
    let ended = db.start_approval("o-2");
    db.ok(&["executions", "stop", &ended]);
    let purged = db.json(&["executions", "purge", "--older-than", "1h"]);
    assert_eq!(
        purged,
        json!({"deleted": 0}),
        "it ended less than an hour ago"
    );
    // The point: the execution must become older than `--older-than 1s`.
    std::thread::sleep(Duration::from_millis(1_100));
    let purged = db.json(&["executions", "purge", "--older-than", "1s"]);
    assert_eq!(purged, json!({"deleted": 1}));
    let e = aws_error(&db.stepwise(&["executions", "describe", &ended]));
    assert!(e.contains("(ExecutionDoesNotExist)"), "{e}");
    let e = aws_error(&db.stepwise(&["executions", "history", &ended]));
    assert!(e.contains("(ExecutionDoesNotExist)"), "{e}");
    let token = db.token(&running);
    db.ok(&[
        "task",
        "success",
        "--token",
        &token,
        "--output",
        r#"{"approved":true}"#,
    ]);
    let list = db.json(&["executions", "list"]);
    assert_eq!(list["executions"].as_array().unwrap().len(), 1, "{list}");
    let bad = db.stepwise(&["executions", "purge", "--older-than", "7w"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("e.g. 30m, 12h or 7d"), "{stderr}");
}
