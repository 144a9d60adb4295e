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
