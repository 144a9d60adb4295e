//! Lambda tasks against a Lambda Invoke API endpoint: a small loopback server in the test
//! (`POST /2015-03-31/functions/{name}/invocations`) answering as Lambda does, called by the
//! binary through `aws-sdk-lambda`.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// One request the fake Lambda got.
#[derive(Debug, Clone)]
struct Request {
    /// The function name from the path, percent-decoded.
    function: String,
    query: String,
    invocation_type: Option<String>,
    body: Value,
}

/// Functions: `greet` answers `{"greeting": "Hello, NAME"}` as version 7; `fail` raises
/// `OrderError`; `crash` fails without an `errorType`; `ack` answers null; `slow` answers
/// `greet`'s way after 20 s; anything else does not exist.
struct FakeLambda {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl FakeLambda {
    fn start() -> FakeLambda {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        // Serves until the test process ends; every answer closes its connection.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &seen);
            }
        });
        FakeLambda { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// Answers one request, recorded in `seen` before the answer goes out: the client may read
/// `requests()` as soon as it has its answer.
fn serve(stream: TcpStream, seen: &Mutex<Vec<Request>>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1)?.to_string();
    let (mut length, mut invocation_type) = (0, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "x-amz-invocation-type" => invocation_type = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let encoded = path
        .strip_prefix("/2015-03-31/functions/")?
        .strip_suffix("/invocations")?;
    let req = Request {
        function: percent_decode(encoded),
        query: query.to_string(),
        invocation_type,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    if req.function == "slow" {
        // The point: a function that answers after the caller's timeout.
        std::thread::sleep(std::time::Duration::from_secs(20));
    }
    let (status, headers, answer) = answer(&req);
    seen.lock().unwrap().push(req);
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nx-amzn-RequestId: req-1\r\nConnection: close\r\n",
        answer.len()
    );
    for (k, v) in headers {
        response.push_str(&format!("{k}: {v}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&answer);
    let mut stream = stream;
    stream.write_all(response.as_bytes()).ok()
}

fn answer(req: &Request) -> (&'static str, Vec<(&'static str, &'static str)>, String) {
    let version = vec![("X-Amz-Executed-Version", "7")];
    match req.function.as_str() {
        "greet" | "slow" => {
            let name = req.body["name"].as_str().unwrap_or("nobody");
            ("200 OK", version, json!({"greeting": format!("Hello, {name}")}).to_string())
        }
        "ack" if req.invocation_type.as_deref() == Some("Event") => ("202 Accepted", vec![], String::new()),
        "ack" => ("200 OK", version, "null".into()),
        "fail" => (
            "200 OK",
            vec![("X-Amz-Function-Error", "Unhandled")],
            r#"{"errorType":"OrderError","errorMessage":"order o-1 is invalid","trace":[]}"#.into(),
        ),
        "crash" => ("200 OK", vec![("X-Amz-Function-Error", "Unhandled")], r#"{"errorMessage":"boom"}"#.into()),
        other => (
            "404 Not Found",
            vec![("X-Amzn-ErrorType", "ResourceNotFoundException")],
            json!({"Type": "User", "message": format!("Function not found: arn:aws:lambda:us-east-1:123456789012:function:{other}")})
                .to_string(),
        ),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = s.get(i + 1..i + 3).filter(|_| bytes[i] == b'%');
        if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A scratch directory for definitions and the database, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("stepwise-lambda-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Scratch(dir)
    }

    fn machine(&self, name: &str, definition: &Value) -> String {
        let path = self.0.join(format!("{name}.asl.json"));
        std::fs::write(&path, definition.to_string()).expect("write the definition");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stepwise(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stepwise"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for var in [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_ENDPOINT_URL_LAMBDA",
        "STEPWISE_DB",
    ] {
        c.env_remove(var);
    }
    c.envs(env.iter().copied());
    c.output().expect("the binary runs")
}

/// `run --format json`: the exit code and the outcome document.
fn run_json(file: &str, input: &Value, extra: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let input = input.to_string();
    let mut args = vec!["run", file, "--format", "json", "--input", &input];
    args.extend_from_slice(extra);
    let out = stepwise(&args, env);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON object ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

fn ok(args: &[&str]) -> String {
    let out = stepwise(args, &[]);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn one_task(resource: &str, parameters: Option<Value>) -> Value {
    let mut task = json!({"Type": "Task", "Resource": resource, "End": true});
    if let Some(p) = parameters {
        task["Parameters"] = p;
    }
    json!({"StartAt": "Call", "States": {"Call": task}})
}

const GREET_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:greet";

#[test]
fn a_plain_function_arn_returns_the_payload() {
    let lambda = FakeLambda::start();
    let scratch = Scratch::new("plain");
    let file = scratch.machine("plain", &one_task(GREET_ARN, None));
    let (code, doc) = run_json(
        &file,
        &json!({"name": "Ada"}),
        &["--lambda-endpoint", &lambda.url],
        &[],
    );
    assert_eq!((code, &doc["status"]), (0, &json!("SUCCEEDED")), "{doc}");
    assert_eq!(doc["output"], json!({"greeting": "Hello, Ada"}));
    let requests = lambda.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].function, "greet",
        "a local endpoint gets the bare function name"
    );
    assert_eq!(
        requests[0].body,
        json!({"name": "Ada"}),
        "the effective input is the payload"
    );
}

#[test]
fn lambda_invoke_returns_the_aws_envelope() {
    let lambda = FakeLambda::start();
    let scratch = Scratch::new("invoke");
    let params =
        json!({"FunctionName": format!("{GREET_ARN}:live"), "Payload": {"name.$": "$.who"}});
    let file = scratch.machine(
        "invoke",
        &one_task("arn:aws:states:::lambda:invoke", Some(params)),
    );
    // The endpoint from the standard variable this time, instead of the flag.
    let (code, doc) = run_json(
        &file,
        &json!({"who": "Grace"}),
        &[],
        &[("AWS_ENDPOINT_URL_LAMBDA", &lambda.url)],
    );
    assert_eq!((code, &doc["status"]), (0, &json!("SUCCEEDED")), "{doc}");
    let out = &doc["output"];
    assert_eq!(out["Payload"], json!({"greeting": "Hello, Grace"}));
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(
        out["ExecutedVersion"], "7",
        "the version the endpoint reports"
    );
    assert_eq!(out["SdkResponseMetadata"]["RequestId"], "req-1");
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(
        out["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Executed-Version"],
        "7"
    );
    let requests = lambda.requests();
    assert_eq!(requests[0].function, "greet");
    assert_eq!(
        requests[0].query, "Qualifier=live",
        "the ARN's qualifier is passed on"
    );
    assert_eq!(requests[0].body, json!({"name": "Grace"}));
}

#[test]
fn a_function_error_fails_the_task_with_its_error_type() {
    let lambda = FakeLambda::start();
    let scratch = Scratch::new("fail");
    let file = scratch.machine(
        "fail",
        &one_task("arn:aws:lambda:us-east-1:123456789012:function:fail", None),
    );
    let (code, doc) = run_json(&file, &json!({}), &["--lambda-endpoint", &lambda.url], &[]);
    assert_eq!((code, &doc["status"]), (1, &json!("FAILED")), "{doc}");
    assert_eq!(doc["error"], "OrderError");
    assert_eq!(
        doc["cause"],
        r#"{"errorType":"OrderError","errorMessage":"order o-1 is invalid","trace":[]}"#
    );

    let mut caught = one_task(
        "arn:aws:states:::lambda:invoke",
        Some(json!({"FunctionName": "crash"})),
    );
    caught["States"]["Call"]["Catch"] =
        json!([{"ErrorEquals": ["Lambda.Unknown"], "Next": "Handled"}]);
    caught["States"]["Handled"] = json!({"Type": "Pass", "End": true});
    let file = scratch.machine("crash", &caught);
    let (code, doc) = run_json(&file, &json!({}), &["--lambda-endpoint", &lambda.url], &[]);
    assert_eq!(
        (code, &doc["status"]),
        (0, &json!("SUCCEEDED")),
        "no errorType: Lambda.Unknown, caught: {doc}"
    );
    assert_eq!(
        doc["output"],
        json!({"Error": "Lambda.Unknown", "Cause": r#"{"errorMessage":"boom"}"#})
    );
}

#[test]
fn a_missing_function_is_resource_not_found_with_a_hint() {
    let lambda = FakeLambda::start();
    let scratch = Scratch::new("missing");
    let file = scratch.machine(
        "missing",
        &one_task(
            "arn:aws:states:::lambda:invoke",
            Some(json!({"FunctionName": "nope", "Payload": {}})),
        ),
    );
    let (code, doc) = run_json(&file, &json!({}), &["--lambda-endpoint", &lambda.url], &[]);
    assert_eq!((code, &doc["status"]), (1, &json!("FAILED")), "{doc}");
    assert_eq!(doc["error"], "Lambda.ResourceNotFoundException");
    let cause = doc["cause"].as_str().unwrap();
    for part in [
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: req-1; Proxy: null)",
        &format!("{} has no function 'nope'", lambda.url),
        "--lambda 'nope=COMMAND'",
    ] {
        assert!(cause.contains(part), "the cause mentions {part:?}: {cause}");
    }
}

#[test]
fn local_commands_take_precedence_over_the_endpoint() {
    let lambda = FakeLambda::start();
    let scratch = Scratch::new("precedence");
    let file = scratch.machine("precedence", &one_task(GREET_ARN, None));
    let (code, doc) = run_json(
        &file,
        &json!({}),
        &[
            "--lambda-endpoint",
            &lambda.url,
            "--lambda",
            r#"greet=echo '{"local": true}'"#,
        ],
        &[],
    );
    assert_eq!((code, &doc["status"]), (0, &json!("SUCCEEDED")), "{doc}");
    assert_eq!(doc["output"], json!({"local": true}));
    assert!(lambda.requests().is_empty(), "the endpoint was not called");
}

#[test]
fn wait_for_task_token_invokes_then_waits_for_the_callback() {
    let lambda = FakeLambda::start();
    let scratch = Scratch::new("callback");
    let params = json!({"FunctionName": "ack", "InvocationType": "Event",
                        "Payload": {"order.$": "$.order", "token.$": "$$.Task.Token"}});
    let file = scratch.machine(
        "callback",
        &one_task(
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            Some(params),
        ),
    );
    let db = scratch.0.join("stepwise.db").to_string_lossy().into_owned();
    let input = json!({"order": "o-5"}).to_string();
    let arn = ok(&[
        "run",
        &file,
        "--detach",
        "--db",
        &db,
        "--input",
        &input,
        "--lambda-endpoint",
        &lambda.url,
    ]);

    let requests = lambda.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].invocation_type.as_deref(), Some("Event"));
    let token = requests[0].body["token"]
        .as_str()
        .expect("the token in the payload")
        .to_string();
    let running: Value =
        serde_json::from_str(&ok(&["executions", "describe", &arn, "--db", &db])).unwrap();
    assert_eq!(running["status"], "RUNNING", "{running}");

    ok(&[
        "task",
        "success",
        "--db",
        &db,
        "--token",
        &token,
        "--output",
        r#"{"shipped": true}"#,
    ]);
    let done: Value =
        serde_json::from_str(&ok(&["executions", "describe", &arn, "--db", &db])).unwrap();
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(
        serde_json::from_str::<Value>(done["output"].as_str().unwrap()).unwrap(),
        json!({"shipped": true})
    );
}

#[test]
fn an_unreachable_endpoint_says_what_to_do() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let scratch = Scratch::new("unreachable");
    let file = scratch.machine("unreachable", &one_task(GREET_ARN, None));
    let (code, doc) = run_json(&file, &json!({}), &["--lambda-endpoint", &url], &[]);
    assert_eq!(
        (code, &doc["error"]),
        (1, &json!("Lambda.SdkClientException")),
        "{doc}"
    );
    let cause = doc["cause"].as_str().unwrap();
    assert!(
        cause.starts_with("Unable to execute HTTP request: "),
        "{cause}"
    );
    assert!(cause.ends_with(&format!("(stepwise: no Lambda endpoint answers at {url}: start it, or pass --lambda-endpoint URL)")), "{cause}");
}

#[test]
fn a_bad_endpoint_value_is_a_usage_error() {
    let out = stepwise(
        &[
            "run",
            "state-machines/order-processing.asl.json",
            "--lambda-endpoint",
            "localhost:3001",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--lambda-endpoint: expected an endpoint URL"),
        "{stderr}"
    );
}

/// The Invoke call gives up at the Task's `TimeoutSeconds` (the SDK's operation timeout), so a
/// function that does not answer ends the task on time with `States.Timeout`.
#[test]
#[allow(clippy::disallowed_methods)] // measures how long the run took
fn a_call_past_the_tasks_timeout_ends_in_states_timeout() {
    let lambda = FakeLambda::start();
    let scratch = Scratch::new("slow");
    let mut machine = one_task("arn:aws:lambda:us-east-1:123456789012:function:slow", None);
    machine["States"]["Call"]["TimeoutSeconds"] = json!(1);
    let file = scratch.machine("slow", &machine);
    let started = std::time::Instant::now();
    let (code, doc) = run_json(
        &file,
        &json!({}),
        &["--lambda-endpoint", &lambda.url, "--history"],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(
        (code, &doc["error"]),
        (1, &json!("States.Timeout")),
        "{doc}"
    );
    assert!(took < std::time::Duration::from_secs(8), "took {took:?}");
    let timed_out = doc["history"]
        .as_array()
        .expect("the history")
        .iter()
        .any(|e| e["type"] == "LambdaFunctionTimedOut");
    assert!(timed_out, "{doc}");
}
