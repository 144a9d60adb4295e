//! Conductor's HTTP, FORK_JOIN_DYNAMIC, DYNAMIC, EXCLUSIVE_JOIN and START_WORKFLOW tasks, through
//! `stepwise run` and through `serve`'s REST API, against an HTTP server started here (no
//! network beyond this machine).
#![allow(clippy::disallowed_methods)] // the tests read the environment

mod support;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/conductor");

/// A tiny HTTP/1.1 server on a free port: `/greet` answers JSON, `/echo` sends the request body
/// back with the `X-Caller` header, `/fail` answers 500 (and counts its calls).
struct Web {
    base: String,
    failures: Arc<AtomicUsize>,
}

impl Web {
    fn start() -> Web {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let failures = Arc::new(AtomicUsize::new(0));
        let count = failures.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let count = count.clone();
                std::thread::spawn(move || answer(stream, &count));
            }
        });
        Web { base, failures }
    }
}

fn answer(mut stream: std::net::TcpStream, failures: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (mut length, mut caller) = (0, String::new());
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((h, ""));
        match k.to_ascii_lowercase().as_str() {
            "content-length" => length = v.trim().parse().unwrap_or(0),
            "x-caller" => caller = v.trim().to_string(),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let (status, content_type, text) = match path.as_str() {
        "/greet" => (
            "200 OK",
            "application/json",
            json!({"greeting": "hello", "caller": caller}).to_string(),
        ),
        // Past the 10 MiB an HTTP task's answer may hold.
        "/huge" => ("200 OK", "text/plain", "x".repeat(10 * 1024 * 1024 + 1)),
        "/echo" => (
            "201 Created",
            "application/json",
            String::from_utf8_lossy(&body).into_owned(),
        ),
        _ => {
            failures.fetch_add(1, Ordering::SeqCst);
            (
                "500 Internal Server Error",
                "text/plain",
                "boom".to_string(),
            )
        }
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn run(workflow: &str, input: &Value) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["run", "--format", "json", workflow, "--input"])
        .arg(input.to_string())
        .env_remove("STEPWISE_DB")
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "{e}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr).into_owned()
        )
    })
}

fn example(name: &str) -> String {
    format!("{EXAMPLES}/{name}")
}

/// Both request forms, the response shaped as Conductor's (`statusCode`, `reasonPhrase`,
/// headers as lists, a JSON body parsed).
#[test]
fn http_tasks_call_a_local_server() {
    let web = Web::start();
    let doc = run(&example("http.json"), &json!({"base": web.base, "n": 3}));
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    let mut output = doc["output"].clone();
    let headers = output["headers"].take();
    assert_eq!(
        headers["content-type"],
        json!(["application/json"]),
        "{doc}"
    );
    assert_eq!(
        output,
        json!({"greeting": "hello", "status": 200, "reason": "OK", "caller": "stepwise",
               "headers": null, "echoed": {"n": 3, "greeting": "hello"}}),
        "{doc}"
    );
    assert_eq!(doc["tasks"][0]["taskType"], "HTTP", "{doc}");
}

/// An answer larger than a task's output may hold fails the task, saying so, without the
/// process reading it all into memory.
#[test]
fn an_answer_too_large_fails_the_task() {
    let web = Web::start();
    let workflow = json!({"name": "huge", "version": 1, "tasks": [{
        "name": "get", "taskReferenceName": "get", "type": "HTTP",
        "inputParameters": {"http_request": {"uri": format!("{}/huge", web.base), "method": "GET"}}}]});
    let file = std::env::temp_dir().join(format!("stepwise-huge-{}.json", std::process::id()));
    std::fs::write(&file, workflow.to_string()).unwrap();
    let doc = run(file.to_str().unwrap(), &json!({}));
    let _ = std::fs::remove_file(&file);
    assert_eq!(doc["status"], "FAILED", "{doc}");
    let reason = doc["reasonForIncompletion"].as_str().unwrap_or_default();
    assert!(reason.contains("larger than 10 MiB"), "{doc}");
}

/// A 500 fails the task with the status in its reason, after the task definition's retries.
#[test]
fn an_http_error_fails_the_task_after_its_retries() {
    let web = Web::start();
    let dir = std::env::temp_dir().join(format!("stepwise-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wf = dir.join("fail.json");
    let def = json!({"name": "fail", "tasks": [{"name": "call", "taskReferenceName": "call", "type": "HTTP",
        "taskDefinition": {"name": "call", "retryCount": 2, "retryLogic": "FIXED", "retryDelaySeconds": 0},
        "inputParameters": {"http_request": {"uri": format!("{}/fail", web.base), "method": "GET"}}}]});
    std::fs::write(&wf, def.to_string()).unwrap();
    let doc = run(&wf.to_string_lossy(), &json!({}));
    assert_eq!(doc["status"], "FAILED", "{doc}");
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 3, "{doc}");
    assert_eq!(
        doc["reasonForIncompletion"],
        "Failed to invoke HTTP task due to: 500 Internal Server Error: \"boom\"",
        "{doc}"
    );
    assert_eq!(web.failures.load(Ordering::SeqCst), 3);
}

/// A SWITCH closed by an EXCLUSIVE_JOIN (its output is the branch's last task's, the default
/// join task's when no case matched), a DYNAMIC worker task named by the input (served here by
/// `cat`, which answers with the task's input), and a START_WORKFLOW that starts `announce`.
#[test]
fn exclusive_join_dynamic_and_start_workflow_run_as_conductors() {
    for (kind, took) in [("a", "took a"), ("b", "took b"), ("z", "took the default")] {
        let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
            .args(["run", "--format", "json", "dispatch.json"])
            .args(["--workflow-def", "announce.json", "--task", "shout=cat"])
            .args([
                "--input",
                &json!({"kind": kind, "worker": "shout"}).to_string(),
            ])
            .current_dir(EXAMPLES)
            .env_remove("STEPWISE_DB")
            .output()
            .expect("the binary runs");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out.stderr).into_owned())
        });
        assert_eq!(doc["status"], "COMPLETED", "{doc}");
        let started = doc["started"][0]["workflowId"].clone();
        assert_eq!(
            doc["output"],
            json!({"joined": {"result": took}, "worked": {"taskToExecute": "shout", "said": took},
                   "announced": started}),
            "{doc}"
        );
        assert_eq!(doc["tasks"][3]["taskType"], "shout", "{doc}");
        assert_eq!(
            doc["started"][0]["output"],
            json!({"text": format!("announced: {took}")})
        );
    }
}

/// The HTTP workflow through `serve`'s REST API.
#[test]
fn http_tasks_run_under_serve() {
    use support::{Server, rest, wait_for};
    let web = Web::start();
    let server = Server::start("conductor-http", &[]);
    let def = std::fs::read_to_string(example("http.json")).unwrap();
    assert_eq!(
        rest::call(&server, "POST", "/api/metadata/workflow", &def).0,
        200
    );
    let input = json!({"base": web.base, "n": 5}).to_string();
    let (status, id) = rest::call(&server, "POST", "/api/workflow/http_greeting", &input);
    assert_eq!(status, 200, "{id}");
    let doc = wait_for(
        "the HTTP workflow",
        std::time::Duration::from_secs(60),
        || {
            let (_, body) = rest::call(&server, "GET", &format!("/api/workflow/{id}"), "");
            let doc: Value = serde_json::from_str(&body).ok()?;
            (doc["status"] != "RUNNING").then_some(doc)
        },
    );
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    assert_eq!(
        doc["output"]["echoed"],
        json!({"n": 5, "greeting": "hello"})
    );
    let response = &doc["tasks"][0]["outputData"]["response"];
    assert_eq!(response["statusCode"], 200, "{doc}");
    assert_eq!(response["reasonPhrase"], "OK", "{doc}");
    assert_eq!(response["body"]["greeting"], "hello", "{doc}");
}

/// FORK_JOIN_DYNAMIC over a list (`forkTaskName`/`forkTaskInputs`) and over listed tasks
/// (`dynamicForkTasksParam`): each JOIN outputs a map of reference name to output.
#[test]
fn dynamic_forks_join_their_outputs_by_reference() {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["run", "--format", "json", "fan_out.json"])
        .args(["--task", "echo=cat", "--task", "shout=cat"])
        .args(["--input", r#"{"items": [1, {"n": 2}]}"#])
        .current_dir(EXAMPLES)
        .env_remove("STEPWISE_DB")
        .output()
        .expect("the binary runs");
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    assert_eq!(
        doc["output"],
        json!({"echoed": {"_echo_0": {"input": 1, "__index": 0}, "_echo_1": {"n": 2, "__index": 1}},
               "shouted": {"shout_a": {"word": "a"}, "shout_b": {"word": "b"}}}),
        "{doc}"
    );
    assert_eq!(doc["tasks"][0]["taskType"], "FORK", "{doc}");
}

/// The fan-out through `serve`'s REST API, its forked worker tasks polled and completed there.
#[test]
fn dynamic_forks_run_under_serve() {
    use support::{Server, rest, wait_for};
    let server = Server::start("conductor-fan-out", &[]);
    let def = std::fs::read_to_string(example("fan_out.json")).unwrap();
    assert_eq!(
        rest::call(&server, "POST", "/api/metadata/workflow", &def).0,
        200
    );
    let (status, id) = rest::call(
        &server,
        "POST",
        "/api/workflow/fan_out",
        r#"{"items": [7]}"#,
    );
    assert_eq!(status, 200, "{id}");
    let doc = wait_for("the fan-out", std::time::Duration::from_secs(60), || {
        for name in ["echo", "shout"] {
            let (status, body) = rest::call(&server, "GET", &format!("/api/tasks/poll/{name}"), "");
            if status != 200 || body.trim().is_empty() {
                continue;
            }
            let task: Value = serde_json::from_str(&body).unwrap();
            let result = json!({"workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
                                "status": "COMPLETED", "outputData": {"got": task["inputData"]}});
            assert_eq!(
                rest::call(&server, "POST", "/api/tasks", &result.to_string()).0,
                200
            );
        }
        let (_, body) = rest::call(&server, "GET", &format!("/api/workflow/{id}"), "");
        let doc: Value = serde_json::from_str(&body).ok()?;
        (doc["status"] != "RUNNING").then_some(doc)
    });
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    assert_eq!(
        doc["output"],
        json!({"echoed": {"_echo_0": {"got": {"input": 7, "__index": 0}}},
               "shouted": {"shout_a": {"got": {"word": "a"}}, "shout_b": {"got": {"word": "b"}}}}),
        "{doc}"
    );
}
