//! `stepwise serve` driven by boto3 and the AWS CLI: the Step Functions API. Each client case
//! runs one script of `tests/clients/` against its own server; the safety cases speak raw HTTP.
#![allow(clippy::disallowed_methods)] // the tests read the clock and the environment

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Server, client_case, python, raw, run_client, wait_until};

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn boto3_smoke() {
    client_case("smoke", &[], "sfn_smoke.py");
}

/// Create (idempotent), describe, list with a paginator, update with revisions and
/// DescribeStateMachineForExecution, delete, InvalidDefinition, InvalidName, Validate.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn state_machines() {
    client_case("machines", &[], "sfn_machines.py");
}

/// Versions (PublishStateMachineVersion, `publish` on create and update, list, describe, delete)
/// and aliases (create, describe, update, list, delete, weighted routing), executions started
/// through a version and an alias, and the errors for the usual mistakes.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn versions_and_aliases() {
    client_case("versions", &[], "sfn_versions.py");
}

/// StartExecution (default names, idempotency, every error), DescribeExecution, ListExecutions
/// with statusFilter and a paginator, StopExecution, GetExecutionHistory pages, reverseOrder and
/// includeExecutionData, StartSyncExecution on Express machines, a Wait of 1 s.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn executions() {
    client_case("executions", &[], "sfn_executions.py");
}

/// TagResource, UntagResource, ListTagsForResource and `tags` on create, through boto3.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn tags() {
    client_case("tags", &[], "sfn_tags.py");
}

/// RedriveExecution through boto3: a Task that fails once (a `--lambda` command that keeps a mark
/// file) is run again from the failed state, the states before it are not.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn redrive() {
    let mark = std::env::temp_dir().join(format!("stepwise-redrive-{}", std::process::id()));
    let _ = std::fs::remove_file(&mark);
    let m = mark.display();
    let flaky = format!("f=if [ -f {m} ]; then cat; else touch {m}; echo boom >&2; exit 1; fi");
    client_case("redrive", &["--lambda", &flaky], "sfn_redrive.py");
    let _ = std::fs::remove_file(&mark);
}

/// `.waitForTaskToken` answered with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, and
/// TaskTimedOut, InvalidToken, TaskDoesNotExist, InvalidOutput and validation errors as boto3's
/// modeled exceptions. The callback state runs a command that hands the token nowhere: the
/// script reads it from the TaskScheduled event.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn callbacks() {
    client_case("callbacks", &["--task", NOTIFY_COMMAND], "sfn_callbacks.py");
}

/// A Task state `Notify` whose command swallows its input: the task waits for its callback.
const NOTIFY_COMMAND: &str = "Notify=cat >/dev/null; echo {}";

/// CreateActivity (idempotent), Describe, List, Delete, ActivityDoesNotExist; worker threads
/// long-polling GetActivityTask get tasks as soon as executions schedule them, one task per
/// worker, and a worker that gave up its poll does not swallow the next task.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn activities() {
    client_case("activities", &[], "sfn_activities.py");
}

/// The AWS CLI: create-state-machine, start-execution, get-execution-history (the token; its
/// own pagination), send-task-success, describe-execution, list-executions; errors print
/// `An error occurred (Code)` and exit 255.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn aws_cli() {
    client_case("cli", &["--task", NOTIFY_COMMAND], "sfn_cli.py");
}

/// SIGKILL while executions wait for callbacks, an activity worker and a timer: after a restart
/// on the same database they are still RUNNING, and the callbacks, the worker and the timer
/// complete them.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn sigkill_loses_nothing() {
    let py = python("sigkill_loses_nothing");
    let mut server = Server::start("sigkill", &["--task", NOTIFY_COMMAND]);
    let state = server.dir.join("waiting.json");
    let state = state.to_str().expect("a UTF-8 path");
    run_client(&py, &server, "sfn_restart.py", &["start", state]);
    server.kill_and_restart();
    run_client(&py, &server, "sfn_restart.py", &["finish", state]);
}

/// SIGTERM stops the server promptly with exit code 0, even with a long poll, an idle
/// keep-alive connection and a slow task command running (it is performed again after the next
/// start, as after a crash).
#[test]
fn sigterm_exits_zero() {
    let running = std::env::temp_dir().join(format!("stepwise-sigterm-{}", std::process::id()));
    let _ = std::fs::remove_file(&running);
    let task = format!("Slow=touch {}; sleep 10; echo {{}}", running.display());
    let mut server = Server::start("sigterm", &["--task", &task]);
    let (status, body) = raw::call(&server, "CreateActivity", r#"{"name": "idle"}"#);
    assert_eq!(status, 200, "{body}");
    let arn = body["activityArn"]
        .as_str()
        .expect("an activity ARN")
        .to_string();
    let poll = raw::send(
        &server,
        Some("AWSStepFunctions.GetActivityTask"),
        format!(r#"{{"activityArn": "{arn}"}}"#).as_bytes(),
    );
    let idle = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    let slow = r#"{\"StartAt\": \"Slow\", \"States\": {\"Slow\": {\"Type\": \"Task\", \"Resource\": \"arn:aws:states:::lambda:invoke\", \"Parameters\": {\"FunctionName\": \"f\"}, \"End\": true}}}"#;
    let (status, body) = raw::call(
        &server,
        "CreateStateMachine",
        &format!(r#"{{"name": "slow", "definition": "{slow}", "roleArn": "{ROLE}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let machine = body["stateMachineArn"].as_str().unwrap_or_default();
    let (status, body) = raw::call(
        &server,
        "StartExecution",
        &format!(r#"{{"stateMachineArn": "{machine}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    wait_until(
        "the slow task command runs",
        Duration::from_secs(10),
        || running.exists(),
    );
    let started = Instant::now();
    let exit = server.terminate();
    assert!(exit.success(), "serve exited with {exit}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "serve took {:?} to stop",
        started.elapsed()
    );
    let log = std::fs::read_to_string(server.dir.join("serve.log")).unwrap_or_default();
    assert!(
        log.contains("performed again after the next start"),
        "{log}"
    );
    drop((poll, idle));
    let _ = std::fs::remove_file(&running);
}

/// SIGKILL while the server performs a Task (a slow local command): after a restart the task is
/// performed again at once — the dead process's outbox lease is freed — instead of after the
/// 15 s lease, and the execution completes.
#[test]
fn sigkill_mid_task_redelivers_at_once() {
    let marker_dir =
        std::env::temp_dir().join(format!("stepwise-redeliver-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&marker_dir);
    std::fs::create_dir_all(&marker_dir).expect("a scratch directory");
    let marker = marker_dir.join("first-attempt");
    // The first attempt records itself and hangs; the next one answers.
    let task = format!(
        "Slow=cat >/dev/null; if [ -e {m} ]; then echo '{{\"done\": true}}'; else touch {m}; sleep 60; fi",
        m = marker.display()
    );
    let mut server = Server::start("redeliver", &["--task", &task]);
    let slow = r#"{\"StartAt\": \"Slow\", \"States\": {\"Slow\": {\"Type\": \"Task\", \"Resource\": \"arn:aws:states:::lambda:invoke\", \"Parameters\": {\"FunctionName\": \"f\"}, \"End\": true}}}"#;
    let (status, body) = raw::call(
        &server,
        "CreateStateMachine",
        &format!(r#"{{"name": "slow", "definition": "{slow}", "roleArn": "{ROLE}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let machine = body["stateMachineArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (status, body) = raw::call(
        &server,
        "StartExecution",
        &format!(r#"{{"stateMachineArn": "{machine}", "name": "once"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let arn = body["executionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the task command never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill_and_restart();
    let restarted = Instant::now();
    let deadline = restarted + Duration::from_secs(10);
    let described = loop {
        let (_, d) = raw::call(
            &server,
            "DescribeExecution",
            &format!(r#"{{"executionArn": "{arn}"}}"#),
        );
        if d["status"] != "RUNNING" || Instant::now() > deadline {
            break d;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert!(
        restarted.elapsed() < Duration::from_secs(10),
        "redelivered only after {:?}: the dead server's lease was not freed",
        restarted.elapsed()
    );
    let _ = std::fs::remove_dir_all(&marker_dir);
}

/// Requests no AWS client would send: too large, not JSON, unknown operation, missing field.
#[test]
fn malformed_requests() {
    let server = Server::start("malformed", &[]);
    let big = vec![b'x'; 5 * 1024 * 1024];
    let (status, body) = raw::answer(raw::send(
        &server,
        Some("AWSStepFunctions.StartExecution"),
        &big,
    ));
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["__type"], "RequestEntityTooLargeException", "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

    let (status, body) = raw::call(&server, "StartExecution", "{\"stateMachineArn\": ");
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("SerializationException")),
        "{body}"
    );
    let (status, body) = raw::call(&server, "StartExecution", "[1, 2]");
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("SerializationException")),
        "{body}"
    );

    let (status, body) = raw::call(&server, "LaunchRocket", "{}");
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("UnknownOperationException")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("LaunchRocket"),
        "{body}"
    );
    let (status, body) = raw::answer(raw::send(&server, Some("Nonsense"), b"{}"));
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("UnknownOperationException")),
        "{body}"
    );

    for (op, field) in [
        ("StartExecution", "stateMachineArn"),
        ("CreateStateMachine", "name"),
        ("DescribeExecution", "executionArn"),
        ("SendTaskSuccess", "taskToken"),
        ("GetActivityTask", "activityArn"),
    ] {
        let (status, body) = raw::call(&server, op, "{}");
        assert_eq!(
            (status, body["__type"].as_str()),
            (400, Some("ValidationException")),
            "{op}: {body}"
        );
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("'{field}'")),
            "{op}: {body}"
        );
    }
    let (status, body) = raw::call(
        &server,
        "CreateStateMachine",
        r#"{"name": "x", "definition": 5}"#,
    );
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("SerializationException")),
        "{body}"
    );
    // Still serving, and an empty body counts as {}.
    let (status, body) = raw::call(&server, "ListStateMachines", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stateMachines"], serde_json::json!([]));
}

/// Clients that hang up halfway through a request body leave the server working.
#[test]
fn disconnects_mid_body() {
    let server = Server::start("disconnects", &[]);
    for _ in 0..20 {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        let head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSStepFunctions.CreateStateMachine\r\n\
                    Content-Type: application/x-amz-json-1.0\r\nContent-Length: 100000\r\n\r\n";
        s.write_all(head.as_bytes()).expect("write");
        s.write_all(br#"{"name": "half", "definition": "#)
            .expect("write");
        drop(s);
    }
    let (status, body) = raw::call(&server, "ListStateMachines", "{}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["stateMachines"],
        serde_json::json!([]),
        "no half request took effect"
    );
    let definition =
        r#"{\"StartAt\": \"P\", \"States\": {\"P\": {\"Type\": \"Pass\", \"End\": true}}}"#;
    let (status, body) = raw::call(
        &server,
        "CreateStateMachine",
        &format!(r#"{{"name": "whole", "definition": "{definition}", "roleArn": "{ROLE}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
}

/// `--state-machines DIR` makes a machine of each definition, named after its file, so
/// StartExecution works at once; a changed file becomes a new revision on the next start.
#[test]
fn state_machines_dir() {
    let dir = std::env::temp_dir().join(format!("stepwise-serve-defs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a definitions directory");
    let pass = |v: &str| {
        format!(
            r#"{{"StartAt": "P", "States": {{"P": {{"Type": "Pass", "Result": "{v}", "End": true}}}}}}"#
        )
    };
    std::fs::write(dir.join("orders.asl.json"), pass("v1")).expect("write");
    std::fs::write(dir.join("orders.input.json"), r#"{"not": "a definition"}"#).expect("write");
    std::fs::write(dir.join("refunds.json"), pass("refund")).expect("write");
    let mut server = Server::start("dir", &["--state-machines", dir.to_str().expect("UTF-8")]);

    let (_, listed) = raw::call(&server, "ListStateMachines", "{}");
    let names: Vec<&str> = listed["stateMachines"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(names, ["orders", "refunds"], "{listed}");
    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";
    let first = raw::run(&server, machine, "first");
    assert_eq!(first["output"], "\"v1\"", "{first}");

    // Restarted with the file changed: the machine gets the new definition as a new revision.
    std::fs::write(dir.join("orders.asl.json"), pass("v2")).expect("write");
    server.kill_and_restart();
    let second = raw::run(&server, machine, "second");
    assert_eq!(second["output"], "\"v2\"", "{second}");
    let (_, described) = raw::call(
        &server,
        "DescribeStateMachine",
        &format!(r#"{{"stateMachineArn": "{machine}"}}"#),
    );
    assert!(described["revisionId"].is_string(), "{described}");
    let (_, old) = raw::call(
        &server,
        "DescribeStateMachineForExecution",
        &format!(
            r#"{{"executionArn": "{}"}}"#,
            first["executionArn"].as_str().unwrap_or_default()
        ),
    );
    assert_eq!(old["definition"], pass("v1"), "{old}");
    // Restarted with the file unchanged: no new revision.
    server.kill_and_restart();
    let (_, again) = raw::call(
        &server,
        "DescribeStateMachine",
        &format!(r#"{{"stateMachineArn": "{machine}"}}"#),
    );
    assert_eq!(again["revisionId"], described["revisionId"], "{again}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--retention 1s` deletes an execution that ended over a second ago, history and all, and
/// leaves a running one alone.
#[test]
fn retention_deletes_ended_executions_and_keeps_running_ones() {
    let dir = std::env::temp_dir().join(format!("stepwise-retention-defs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a definitions directory");
    let quick = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
    let slow =
        r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}"#;
    std::fs::write(dir.join("quick.asl.json"), quick).expect("write");
    std::fs::write(dir.join("slow.asl.json"), slow).expect("write");
    let defs = dir.to_str().expect("UTF-8");
    let server = Server::start("retain", &["--state-machines", defs, "--retention", "1s"]);
    let machine = |name: &str| format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}");
    let ended = raw::run(&server, &machine("quick"), "ended");
    assert_eq!(ended["status"], "SUCCEEDED", "{ended}");
    let ended_arn = ended["executionArn"].as_str().expect("an ARN").to_string();
    let (status, started) = raw::call(
        &server,
        "StartExecution",
        &format!(
            r#"{{"stateMachineArn": "{}", "name": "waiting"}}"#,
            machine("slow")
        ),
    );
    assert_eq!(status, 200, "{started}");
    let waiting_arn = started["executionArn"]
        .as_str()
        .expect("an ARN")
        .to_string();
    let describe = |arn: &str| {
        raw::call(
            &server,
            "DescribeExecution",
            &format!(r#"{{"executionArn": "{arn}"}}"#),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, d) = describe(&ended_arn);
        if status == 400 {
            assert_eq!(d["__type"], "ExecutionDoesNotExist", "{d}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{ended_arn} was not deleted: {d}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, h) = raw::call(
        &server,
        "GetExecutionHistory",
        &format!(r#"{{"executionArn": "{ended_arn}"}}"#),
    );
    assert_eq!(
        (status, h["__type"].as_str()),
        (400, Some("ExecutionDoesNotExist")),
        "{h}"
    );
    let (status, d) = describe(&waiting_arn);
    assert_eq!(
        (status, d["status"].as_str()),
        (200, Some("RUNNING")),
        "{d}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without --bind the server listens on loopback only (the API has no authentication).
#[test]
fn default_bind_is_loopback() {
    let dir = std::env::temp_dir().join(format!("stepwise-serve-bind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .arg("serve")
        .arg("--db")
        .arg(dir.join("db"))
        .env_remove("STEPWISE_BIND")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stepwise serve starts");
    let mut line = String::new();
    let stderr = child.stderr.take().expect("stderr");
    BufReader::new(stderr).read_line(&mut line).expect("a line");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    // Either it listens there, or the port is taken: both name the default address.
    assert!(
        line.contains("listening on http://127.0.0.1:8083")
            || line.contains("cannot listen on 127.0.0.1:8083"),
        "{line}"
    );
}

/// `--node-id` names the server in its start-up line (and its outbox leases); an id with spaces
/// is a usage error.
#[test]
fn a_node_id_names_the_server() {
    let dir = std::env::temp_dir().join(format!("stepwise-serve-node-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let serve = |id: &str| {
        Command::new(env!("CARGO_BIN_EXE_stepwise"))
            .args(["serve", "--bind", "127.0.0.1:0", "--node-id", id, "--db"])
            .arg(dir.join("db"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("stepwise serve starts")
    };
    let mut child = serve("node-a");
    let mut line = String::new();
    let stderr = child.stderr.take().expect("stderr");
    BufReader::new(stderr).read_line(&mut line).expect("a line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.contains("node node-a listening on http://127.0.0.1:"),
        "{line}"
    );
    let out = serve("two words").wait_with_output().expect("it ends");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--node-id"));
}

const ROLE: &str = "arn:aws:iam::123456789012:role/test";

/// Whether process `pid` still runs (a zombie no one reaped does not).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| !r.starts_with(" Z")))
}

/// Waits (a little) until these processes are gone: the command is killed shortly after its
/// Task's timeout, which the engine's own timer may have ended a moment before.
fn gone(pids: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while pids.iter().any(|p| alive(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    for pid in pids {
        assert!(!alive(pid), "process {pid} of the command still runs");
    }
}

/// The pids a `SLOW_COMMAND` wrote to `file` (the shell and its `sleep`), once it wrote them.
fn pids_in(file: &std::path::Path) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let pids: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        if pids.len() == 2 {
            return pids;
        }
        assert!(
            Instant::now() < deadline,
            "the command wrote no pids: {text:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh file for a command to write its pids to.
fn pids_file(case: &str) -> std::path::PathBuf {
    let file = std::env::temp_dir().join(format!("stepwise-pids-{case}-{}", std::process::id()));
    let _ = std::fs::remove_file(&file);
    file
}

/// `slow`: a command that sleeps 30 s in a child process, after writing its pids to `pids`.
fn slow_command(pids: &std::path::Path) -> String {
    format!(
        "slow=sleep 30 & echo $$ $! > {}; wait; echo {{}}",
        pids.display()
    )
}

/// A machine `name` of `kind` calling the Lambda function `slow`, with `TimeoutSeconds` if given.
fn slow_machine(server: &Server, name: &str, kind: &str, timeout: Option<u64>) -> String {
    let mut task = serde_json::json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "slow"}, "End": true});
    if let Some(t) = timeout {
        task["TimeoutSeconds"] = t.into();
    }
    let definition = serde_json::json!({"StartAt": "Slow", "States": {"Slow": task}}).to_string();
    let body =
        serde_json::json!({"name": name, "definition": definition, "roleArn": ROLE, "type": kind});
    let (status, body) = raw::call(server, "CreateStateMachine", &body.to_string());
    assert_eq!(status, 200, "{body}");
    body["stateMachineArn"]
        .as_str()
        .expect("a machine ARN")
        .to_string()
}

/// `--lambda slow='sleep 30'` behind a Task with `TimeoutSeconds: 2` fails the execution with
/// `States.Timeout` after about 2 s, as AWS does, and the command and its child are gone.
#[test]
fn a_command_past_its_timeout_fails_the_execution_on_time() {
    let pids = pids_file("timeout");
    let server = Server::start("timeout", &["--lambda", &slow_command(&pids)]);
    let machine = slow_machine(&server, "slow", "STANDARD", Some(2));
    let started = Instant::now();
    let d = raw::run(&server, &machine, "late");
    let took = started.elapsed();
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(d["error"], "States.Timeout", "{d}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    gone(&pids_in(&pids));
}

/// The same, recorded as AWS records it: the engine's timer ends the task (`TaskTimedOut`) while
/// the command still runs on an effect worker; the kill follows a moment later.
#[test]
fn a_command_past_its_timeout_is_recorded_as_task_timed_out() {
    let pids = pids_file("timed-out");
    let server = Server::start("timed-out", &["--lambda", &slow_command(&pids)]);
    let machine = slow_machine(&server, "slow", "STANDARD", Some(2));
    let d = raw::run(&server, &machine, "late");
    assert_eq!(d["error"], "States.Timeout", "{d}");
    let arn = d["executionArn"].as_str().expect("an execution ARN");
    let (status, h) = raw::call(
        &server,
        "GetExecutionHistory",
        &format!(r#"{{"executionArn": "{arn}"}}"#),
    );
    assert_eq!(status, 200, "{h}");
    let kinds: Vec<&str> = h["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(kinds.contains(&"TaskTimedOut"), "{kinds:?}");
    assert!(!kinds.contains(&"TaskFailed"), "{kinds:?}");
}

/// StartSyncExecution stops at its limit (five minutes on AWS; 2 s here) with `TIMED_OUT`, and
/// the command still running is killed.
#[test]
fn a_sync_execution_past_its_limit_times_out() {
    let pids = pids_file("sync-timeout");
    let server = Server::start(
        "sync-timeout",
        &[
            "--lambda",
            &slow_command(&pids),
            "--sync-execution-timeout",
            "2s",
        ],
    );
    let machine = slow_machine(&server, "slow-express", "EXPRESS", None);
    let started = Instant::now();
    let (status, out) = raw::call(
        &server,
        "StartSyncExecution",
        &format!(r#"{{"stateMachineArn": "{machine}"}}"#),
    );
    let took = started.elapsed();
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "TIMED_OUT", "{out}");
    assert_eq!(out["error"], "States.Timeout", "{out}");
    assert!(
        out["cause"].as_str().is_some_and(|c| c.contains("2 s")),
        "{out}"
    );
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(5),
        "took {took:?}"
    );
    gone(&pids_in(&pids));
}

/// `--log-level debug --log-format json`: one JSON object per line on stderr — a line per
/// request with its operation, status and duration, and an execution's life (started, waiting
/// for a token, ended).
#[test]
fn logs_requests_and_executions_as_json_lines() {
    let server = Server::start(
        "logs",
        &[
            "--log-level",
            "debug",
            "--log-format",
            "json",
            "--task",
            NOTIFY_COMMAND,
        ],
    );
    let definition =
        r#"{\"StartAt\": \"P\", \"States\": {\"P\": {\"Type\": \"Pass\", \"End\": true}}}"#;
    let (status, body) = raw::call(
        &server,
        "CreateStateMachine",
        &format!(r#"{{"name": "logged", "definition": "{definition}", "roleArn": "{ROLE}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let machine = body["stateMachineArn"]
        .as_str()
        .expect("an ARN")
        .to_string();
    let done = raw::run(&server, &machine, "logged-1");
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let arn = done["executionArn"].as_str().expect("an ARN");
    let log = std::fs::read_to_string(server.dir.join("serve.log")).expect("the log");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["fields"]["operation"] == "AWSStepFunctions.StartExecution")
        .unwrap_or_else(|| panic!("no StartExecution line in {log}"));
    assert_eq!(request["fields"]["status"], 200, "{request}");
    assert!(request["fields"]["ms"].is_number(), "{request}");
    for message in ["execution started", "execution ended"] {
        assert!(
            lines
                .iter()
                .any(|l| l["fields"]["message"] == message && l["fields"]["execution"] == arn),
            "no '{message}' for {arn} in {log}"
        );
    }
}
