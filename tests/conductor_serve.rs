//! `stepwise serve`'s Conductor API driven by clients nobody here wrote: `conductor-python` for
//! workflows, workers and metadata, boto3 for the SQS side of the seeds' scenarios — once on the
//! server's embedded queue and once on moto's SQS server (`serve --sqs-endpoint`).
#![allow(clippy::disallowed_methods)] // the tests read the environment

mod support;

use std::time::Duration;
use support::{Moto, Server, client_case, python, rest, run_client, run_client_with, wait_until};

/// Register, start, poll and complete a SIMPLE task, complete a WAIT by reference name, read
/// the workflow and its status, start by request, terminate, and the 404 of an unknown id.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn conductor_python_sdk() {
    client_case("conductor-sdk", &[], "conductor_sdk.py");
}

/// conductor-python's WorkflowClient: retry, skip a task, restart, rerun from a task with a new
/// input, and remove.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn conductor_python_operations() {
    client_case("conductor-operations", &[], "conductor_operations.py");
}

/// conductor-python's worker runtime (`TaskHandler`, batch polls and update-v2) serves the
/// SIMPLE task of three workflows.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn conductor_python_workers() {
    client_case("conductor-worker", &[], "conductor_worker.py");
}

/// The seeds' scenarios (event_testing's FORK/WAIT/EVENT/JOIN completed by its handler, the
/// shipping start_workflow handler, the DocuSign complete_task/fail_task pair) with the queues
/// on the server's embedded queue, driven by boto3 against the server's own SQS API.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn seeds_on_the_embedded_queue() {
    let py = python("conductor seeds (embedded)");
    let server = Server::start("conductor-seeds-embedded", &[]);
    run_client(&py, &server, "conductor_seeds.py", &[SCENARIOS]);
}

/// The same scenarios with the queues on moto's SQS server: EVENT tasks send through
/// `aws-sdk-sqs`, and the event handlers listen on moto.
#[test]
#[ignore = "needs the Python clients and moto_server (STEPWISE_PYTHON, STEPWISE_MOTO_SERVER): run scripts/test"]
fn seeds_on_moto() {
    let py = python("conductor seeds (moto)");
    let moto = Moto::start("conductor seeds (moto)");
    let server = Server::start("conductor-seeds-moto", &["--sqs-endpoint", &moto.url]);
    let env = [("SQS_ENDPOINT", moto.url.as_str())];
    run_client_with(&py, &server, "conductor_seeds.py", &[SCENARIOS], &env);
}

/// A WAIT task's token, read from the task's JSON, closes it through boto3's SendTaskSuccess and
/// SendTaskFailure, as an ASL callback task's does.
#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn a_wait_task_closes_by_its_task_token() {
    client_case("conductor-tokens", &[], "conductor_tokens.py");
}

/// Two servers on one database share the work of Conductor workflows with an EVENT and an
/// event handler: every EVENT message is published once (a duplicate would start a second
/// child workflow), whichever server performs it.
#[test]
fn two_servers_publish_each_event_once() {
    const N: usize = 24;
    let one = Server::start("conductor-two-servers", &[]);
    let two = Server::beside(&one, "conductor-two-servers-b", &[]);
    let parent = serde_json::json!({
        "name": "announce", "version": 1, "schemaVersion": 2,
        "tasks": [
            {"name": "publish", "taskReferenceName": "publish_ref", "type": "EVENT",
             "sink": "sqs:announcements", "inputParameters": {"n": "${workflow.input.n}"}},
            {"name": "after", "taskReferenceName": "after_ref", "type": "SET_VARIABLE",
             "inputParameters": {"done": true}}
        ]
    });
    let child = serde_json::json!({
        "name": "heard", "version": 1, "schemaVersion": 2,
        "tasks": [{"name": "note", "taskReferenceName": "note_ref", "type": "SET_VARIABLE",
                   "inputParameters": {"n": "${workflow.input.n}"}}]
    });
    let handler = serde_json::json!({
        "name": "on_announcement", "event": "sqs:announcements", "active": true,
        "actions": [{"action": "start_workflow",
                     "start_workflow": {"name": "heard", "input": {"n": "${n}"}}}]
    });
    for def in [&parent, &child] {
        let path = "/api/metadata/workflow?overwrite=true";
        assert_eq!(rest::call(&one, "POST", path, &def.to_string()).0, 200);
    }
    assert_eq!(
        rest::call(&one, "POST", "/api/event", &handler.to_string()).0,
        200
    );
    let ids: Vec<String> = (0..N)
        .map(|n| {
            let server = if n % 2 == 0 { &one } else { &two };
            let input = serde_json::json!({"n": n}).to_string();
            let (status, id) = rest::call(server, "POST", "/api/workflow/announce", &input);
            assert_eq!(status, 200, "{id}");
            id
        })
        .collect();
    let store = one.store();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let parents_done = ids.iter().all(|id| {
            let (_, body) = rest::call(&two, "GET", &format!("/api/workflow/{id}"), "");
            let wf: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            wf["status"] == "COMPLETED"
        });
        let heard = store.list_workflows(Some("heard"), 0).expect("listed");
        if parents_done && heard.len() >= N {
            // Whatever a second publication would have started has had time to start: a
            // duplicate shows only by appearing, so this waits for something that must not
            // happen (no state outside the servers says none is on its way).
            std::thread::sleep(std::time::Duration::from_millis(1_500));
            let heard = store.list_workflows(Some("heard"), 0).expect("listed");
            let mut ns: Vec<i64> = heard
                .iter()
                .map(|r| {
                    let wf: serde_json::Value = serde_json::from_str(&r.body).expect("json");
                    wf["input"]["n"].as_i64().expect("n")
                })
                .collect();
            ns.sort();
            assert_eq!(ns, (0..N as i64).collect::<Vec<_>>(), "one child per EVENT");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not done after 30 s: {} children",
            heard.len()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/state-machines/conductor");

/// A killed server loses nothing: a workflow waiting on a timed WAIT when the server is killed
/// with SIGKILL goes on after the restart — its timer fires, its EVENT is published, the
/// handler completes the other branch, and the workflow completes.
#[test]
fn sigkill_mid_workflow_loses_nothing() {
    let mut server = Server::start("conductor-kill", &[]);
    let mut def: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{SCENARIOS}/event_testing.json")).unwrap(),
    )
    .unwrap();
    def["tasks"][0]["forkTasks"][1][0]["inputParameters"]["duration"] = "2 seconds".into();
    let handler =
        std::fs::read_to_string(format!("{SCENARIOS}/event_testing.handlers.json")).unwrap();
    assert_eq!(
        rest::call(
            &server,
            "POST",
            "/api/metadata/workflow?overwrite=true",
            &def.to_string()
        )
        .0,
        200
    );
    assert_eq!(rest::call(&server, "POST", "/api/event", &handler).0, 200);
    let (status, id) = rest::call(&server, "POST", "/api/workflow/event_testing", "{}");
    assert_eq!(status, 200, "{id}");
    wait_until(
        "the timed WAIT is in progress",
        Duration::from_secs(10),
        || {
            let (_, body) = rest::call(&server, "GET", &format!("/api/workflow/{id}"), "");
            let wf: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            wf["tasks"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| t["referenceTaskName"] == "task_2_ref" && t["status"] == "IN_PROGRESS")
        },
    );
    server.kill_and_restart();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, body) = rest::call(&server, "GET", &format!("/api/workflow/{id}"), "");
        let wf: serde_json::Value = serde_json::from_str(&body).expect("a workflow");
        if wf["status"] == "COMPLETED" {
            let statuses: Vec<&str> = wf["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["status"].as_str().unwrap())
                .collect();
            assert_eq!(statuses, ["COMPLETED"; 5], "{wf}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {}: {wf}",
            wf["status"]
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, body) = rest::call(&server, "GET", "/api/workflow/no-such-id", "");
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("No such workflow found by id: no-such-id"),
        "{body}"
    );
}

/// Conflicts, missing things and bad input get Conductor's status codes and error body.
#[test]
fn rest_errors_have_conductors_shape() {
    let server = Server::start("conductor-errors", &[]);
    let def =
        r#"{"name": "w", "tasks": [{"name": "a", "taskReferenceName": "a", "type": "WAIT"}]}"#;
    assert_eq!(
        rest::call(&server, "POST", "/api/metadata/workflow", def).0,
        200
    );
    let (status, body) = rest::call(&server, "POST", "/api/metadata/workflow", def);
    assert_eq!(status, 409, "{body}");
    let e: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["message"], "Workflow with w.1 already exists!");
    assert_eq!(
        (e["status"].as_u64(), e["retryable"].as_bool()),
        (Some(409), Some(false))
    );
    assert_eq!(
        rest::call(
            &server,
            "POST",
            "/api/metadata/workflow?overwrite=True",
            def
        )
        .0,
        200
    );
    let (status, body) = rest::call(&server, "GET", "/api/metadata/workflow/nope", "");
    assert_eq!(status, 404, "{body}");
    let (status, body) = rest::call(
        &server,
        "POST",
        "/api/metadata/workflow",
        r#"{"name": "x", "tasks": []}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("SCHEMA_VALIDATION_FAILED at /tasks"),
        "{body}"
    );
    let (status, body) = rest::call(&server, "POST", "/api/workflow/nope", "{}");
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("No such workflow found by name: nope"),
        "{body}"
    );
    let (status, body) = rest::call(&server, "POST", "/api/workflow/w", "not json");
    assert_eq!(status, 400, "{body}");
    let (status, id) = rest::call(&server, "POST", "/api/workflow/w", "{}");
    assert_eq!(status, 200);
    let (status, body) = rest::call(&server, "POST", &format!("/api/tasks/{id}/a/DONE"), "{}");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("'DONE' is not a task status"), "{body}");
    let (status, _) = rest::call(&server, "PUT", &format!("/api/workflow/{id}/resume"), "{}");
    assert_eq!(status, 409, "only a PAUSED workflow resumes");
    let (status, _) = rest::call(
        &server,
        "DELETE",
        &format!("/api/workflow/{id}?reason=done"),
        "",
    );
    assert_eq!(status, 200);
    let (status, _) = rest::call(&server, "DELETE", &format!("/api/workflow/{id}"), "");
    assert_eq!(status, 200, "terminating a TERMINATED workflow is a no-op");
    let (status, body) = rest::call(&server, "GET", "/api/nothing/here", "");
    assert_eq!(status, 404);
    assert!(
        body.contains("is not part of the Conductor API stepwise serves"),
        "{body}"
    );
    let h = r#"{"name": "h", "event": "sqs:q", "active": true, "actions": [{"action": "complete_task", "complete_task": {"workflowId": "${id}", "taskRefName": "a"}}]}"#;
    assert_eq!(rest::call(&server, "POST", "/api/event", h).0, 200);
    assert_eq!(rest::call(&server, "POST", "/api/event", h).0, 409);
    assert_eq!(rest::call(&server, "DELETE", "/api/event/h", "").0, 200);
    assert_eq!(rest::call(&server, "DELETE", "/api/event/h", "").0, 404);
}

/// `serve --conductor DIR` registers the directory's workflows and event handlers at start-up.
#[test]
fn a_conductor_directory_is_registered_at_start() {
    let server = Server::start(
        "conductor-dir",
        &["--conductor", "state-machines/conductor"],
    );
    let (_, body) = rest::call(&server, "GET", "/api/metadata/workflow", "");
    let defs: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut names: Vec<&str> = defs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "docusign_signing",
            "event_testing",
            "inline_javascript",
            "order_ready",
            "shipping_workflow"
        ]
    );
    let (_, body) = rest::call(&server, "GET", "/api/event", "");
    let handlers: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(handlers.as_array().unwrap().len(), 4, "{handlers}");
}

/// Task domains: a workflow started with `taskToDomain` queues its worker tasks on
/// `DOMAIN:TYPE`, which a poll without `domain` (or with another) does not read; a child
/// inherits the map, a restart keeps it, and `NO_DOMAIN` last in a list whose domains have no
/// worker polling means the plain queue.
#[test]
fn task_domains_route_worker_tasks() {
    let server = Server::start("conductor-domains", &[]);
    let call = |method: &str, path: &str, body: &str| {
        let (status, body) = rest::call(&server, method, path, body);
        assert!(status < 300, "{method} {path}: {status} {body}");
        (status, body)
    };
    let json = |body: &str| serde_json::from_str::<serde_json::Value>(body).expect("JSON");
    // A worker task reaches its queue once the start's effects are performed, which another
    // thread of the server may be doing as the start answers: polls that expect a task retry.
    let poll_until = |path: &str| {
        support::wait_for(path, std::time::Duration::from_secs(10), || {
            let (status, body) = call("GET", path, "");
            let got = (status == 200).then(|| json(&body));
            got.filter(|v| v.as_array().is_none_or(|a| !a.is_empty()))
        })
    };
    let child =
        r#"{"name": "dw", "tasks": [{"name": "enc", "taskReferenceName": "e", "type": "SIMPLE"}]}"#;
    let parent = r#"{"name": "dp", "tasks": [{"name": "dw", "taskReferenceName": "c", "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "dw"}}]}"#;
    call("POST", "/api/metadata/workflow", child);
    call("POST", "/api/metadata/workflow", parent);
    let start = r#"{"name": "dw", "taskToDomain": {"*": "eu"}}"#;
    let (_, id) = call("POST", "/api/workflow", start);

    assert_eq!(call("GET", "/api/tasks/poll/enc?workerid=w", "").0, 204);
    assert_eq!(call("GET", "/api/tasks/poll/enc?domain=us", "").0, 204);
    let tasks = poll_until("/api/tasks/poll/batch/enc?domain=eu&count=5");
    assert_eq!(tasks.as_array().map(Vec::len), Some(1), "{tasks}");
    assert_eq!(tasks[0]["domain"], "eu");
    let result = serde_json::json!({
        "workflowInstanceId": id, "taskId": tasks[0]["taskId"], "status": "COMPLETED",
        "outputData": {"done": true},
    });
    call("POST", "/api/tasks", &result.to_string());
    let wf = json(&call("GET", &format!("/api/workflow/{id}"), "").1);
    assert_eq!(wf["status"], "COMPLETED", "{wf}");
    assert_eq!(wf["taskToDomain"], serde_json::json!({"*": "eu"}));
    assert_eq!(wf["tasks"][0]["domain"], "eu");

    // A restart keeps the workflow's domains.
    call("POST", &format!("/api/workflow/{id}/restart"), "");
    assert_eq!(call("GET", "/api/tasks/poll/enc", "").0, 204);
    let task = poll_until("/api/tasks/poll/enc?domain=eu&workerid=w");
    assert_eq!(task["workflowInstanceId"].as_str(), Some(&*id));

    // A child runs its worker tasks in its parent's domains.
    let (_, pid) = call(
        "POST",
        "/api/workflow",
        r#"{"name": "dp", "taskToDomain": {"enc": "eu"}}"#,
    );
    assert_eq!(call("GET", "/api/tasks/poll/enc", "").0, 204);
    let task = poll_until("/api/tasks/poll/enc?domain=eu");
    let parent_wf = json(&call("GET", &format!("/api/workflow/{pid}"), "").1);
    assert_eq!(
        task["workflowInstanceId"],
        parent_wf["tasks"][0]["subWorkflowId"]
    );

    // No worker polls domain "gone": NO_DOMAIN, last, sends the task to the plain queue.
    let start = r#"{"name": "dw", "taskToDomain": {"enc": "gone,NO_DOMAIN"}}"#;
    let (_, id) = call("POST", "/api/workflow", start);
    let task = poll_until("/api/tasks/poll/enc");
    assert_eq!(task["workflowInstanceId"].as_str(), Some(&*id));
    assert_eq!(task["domain"], serde_json::Value::Null);

    let (_, body) = call("GET", "/api/tasks/queue/polldata?taskType=enc", "");
    let domains: Vec<serde_json::Value> = json(&body)
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["domain"].clone())
        .collect();
    assert_eq!(domains, [serde_json::Value::Null, "eu".into(), "us".into()]);
    let (status, body) = rest::call(
        &server,
        "POST",
        "/api/workflow",
        r#"{"name": "dw", "taskToDomain": {"*": 1}}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("taskToDomain.* must be a string"), "{body}");
}
