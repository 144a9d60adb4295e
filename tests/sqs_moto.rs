//! `sqs:sendMessage` against a real SQS server: moto's, through the same `aws-sdk-sqs` the
//! binary uses. The test itself checks the queue with the SDK, as a consumer would.
//!
//! moto comes from `STEPWISE_MOTO_SERVER` (the `moto_server` executable; `scripts/test` installs
//! it) or `PATH`; without it the moto cases fail saying how to get it. Each case starts its own
//! server on a free loopback port and kills it by its PID when done, also when the case panics.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use md5::{Digest, Md5};
use serde_json::{Value, json};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running `moto_server`, killed when dropped.
struct Moto {
    child: Child,
    url: String,
    rt: tokio::runtime::Runtime,
    sqs: Client,
}

impl Moto {
    /// Fails saying what to do when moto is not installed.
    fn start(case: &str) -> Moto {
        let Some(exe) = moto_executable() else {
            panic!(
                "{case} needs moto_server: run scripts/test (it installs moto), or set STEPWISE_MOTO_SERVER to the moto_server of the venv scripts/python-env prints"
            );
        };
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let sqs = client(&url);
        // Nothing may panic between the spawn and the guard that kills it.
        let child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", exe.display()));
        let moto = Moto {
            child,
            url,
            rt,
            sqs,
        };
        moto.wait_until_it_answers(port);
        moto
    }

    fn wait_until_it_answers(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn create_queue(&self, name: &str) -> String {
        let mut request = self.sqs.create_queue().queue_name(name);
        if name.ends_with(".fifo") {
            request = request.attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true");
        }
        let out = self.rt.block_on(request.send()).expect("CreateQueue");
        out.queue_url().expect("a queue URL").to_string()
    }

    /// One message, with its attributes, waiting up to 5 s.
    fn receive(&self, queue_url: &str) -> aws_sdk_sqs::types::Message {
        let request = self
            .sqs
            .receive_message()
            .queue_url(queue_url)
            .wait_time_seconds(5)
            .message_attribute_names("All")
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All);
        let out = self.rt.block_on(request.send()).expect("ReceiveMessage");
        out.messages()
            .first()
            .cloned()
            .expect("a message in the queue")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_executable() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STEPWISE_MOTO_SERVER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    l.local_addr().expect("local address").port()
}

fn client(url: &str) -> Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(url)
        .build();
    Client::from_conf(config)
}

/// A scratch directory for definitions and the database, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("stepwise-sqs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Scratch(dir)
    }

    fn machine(&self, name: &str, definition: &Value) -> String {
        let path = self.0.join(format!("{name}.asl.json"));
        std::fs::write(&path, definition.to_string()).expect("write the definition");
        path.to_string_lossy().into_owned()
    }

    fn db(&self) -> String {
        self.0.join("stepwise.db").to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary, with no endpoint or credentials from the developer's environment.
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

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn send_task(queue_url: &str, body: Value) -> Value {
    json!({"StartAt": "Send", "States": {"Send": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": queue_url, "MessageBody": body}, "End": true}}})
}

#[test]
#[ignore = "needs moto_server (STEPWISE_MOTO_SERVER): run scripts/test"]
fn send_message_returns_aws_result_shape_and_the_message_arrives() {
    let moto = Moto::start("send_message_returns_aws_result_shape_and_the_message_arrives");
    let scratch = Scratch::new("send");
    let queue = moto.create_queue("orders");
    let file = scratch.machine(
        "send",
        &send_task(&queue, json!({"order.$": "$.order", "qty": 2})),
    );

    let (code, doc) = run_json(
        &file,
        &json!({"order": "o-1"}),
        &["--sqs-endpoint", &moto.url],
        &[],
    );
    assert_eq!((code, &doc["status"]), (0, &json!("SUCCEEDED")), "{doc}");
    let out = &doc["output"];
    let body = r#"{"order":"o-1","qty":2}"#;
    assert_eq!(out["MD5OfMessageBody"], md5_hex(body), "{out}");
    assert!(
        out.get("MD5OfMessageAttributes").is_none(),
        "no attributes, no digest: {out}"
    );
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(
        out["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"],
        "application/x-amz-json-1.0"
    );
    assert!(out["SdkResponseMetadata"]["RequestId"].is_string(), "{out}");

    let message = moto.receive(&queue);
    assert_eq!(
        message.body(),
        Some(body),
        "the object body is sent as JSON text"
    );
    assert_eq!(message.message_id(), out["MessageId"].as_str(), "{out}");
    assert_eq!(message.md5_of_body(), out["MD5OfMessageBody"].as_str());
}

#[test]
#[ignore = "needs moto_server (STEPWISE_MOTO_SERVER): run scripts/test"]
fn message_attributes_digest_is_the_one_sqs_computes() {
    let moto = Moto::start("message_attributes_digest_is_the_one_sqs_computes");
    let scratch = Scratch::new("attributes");
    let queue = moto.create_queue("tagged");
    let attributes = json!({
        "kind": {"DataType": "String", "StringValue": "order"},
        "priority": {"DataType": "Number", "StringValue": "3"},
        "blob": {"DataType": "Binary", "BinaryValue": "AAECAw=="}
    });
    let mut machine = send_task(&queue, json!("plain text"));
    machine["States"]["Send"]["Parameters"]["MessageAttributes"] = attributes.clone();
    machine["States"]["Send"]["Parameters"]["DelaySeconds"] = json!(0);
    let file = scratch.machine("attributes", &machine);

    // The endpoint from the standard variable this time, instead of the flag.
    let (code, doc) = run_json(
        &file,
        &json!({}),
        &[],
        &[("AWS_ENDPOINT_URL_SQS", &moto.url)],
    );
    assert_eq!((code, &doc["status"]), (0, &json!("SUCCEEDED")), "{doc}");
    let out = &doc["output"];
    let message = moto.receive(&queue);
    assert_eq!(
        message.body(),
        Some("plain text"),
        "a string body is sent as is"
    );
    assert_eq!(
        out["MD5OfMessageAttributes"].as_str(),
        message.md5_of_message_attributes(),
        "the task result carries SQS's digest: {out}"
    );
    assert_eq!(
        stepwise::integrations::sqs::md5::of_attributes(&attributes).as_deref(),
        message.md5_of_message_attributes(),
        "the embedded queue computes the same digest"
    );
    let got = message.message_attributes().expect("attributes arrive");
    assert_eq!(got["kind"].string_value(), Some("order"));
    assert_eq!(got["priority"].data_type(), "Number");
    assert_eq!(
        got["blob"].binary_value().map(|b| b.as_ref().to_vec()),
        Some(vec![0, 1, 2, 3])
    );
}

#[test]
#[ignore = "needs moto_server (STEPWISE_MOTO_SERVER): run scripts/test"]
fn fifo_group_and_deduplication_ids_reach_sqs() {
    let moto = Moto::start("fifo_group_and_deduplication_ids_reach_sqs");
    let scratch = Scratch::new("fifo");
    let queue = moto.create_queue("orders.fifo");
    let mut machine = send_task(&queue, json!({"n": 1}));
    let params = &mut machine["States"]["Send"]["Parameters"];
    params["MessageGroupId"] = json!("customer-7");
    params["MessageDeduplicationId"] = json!("order-1");
    let file = scratch.machine("fifo", &machine);

    let (code, doc) = run_json(&file, &json!({}), &["--sqs-endpoint", &moto.url], &[]);
    assert_eq!((code, &doc["status"]), (0, &json!("SUCCEEDED")), "{doc}");
    let message = moto.receive(&queue);
    let system = message.attributes().expect("system attributes");
    let group = system.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId);
    assert_eq!(group.map(String::as_str), Some("customer-7"));
    let dedup = system.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageDeduplicationId);
    assert_eq!(dedup.map(String::as_str), Some("order-1"));
}

#[test]
#[ignore = "needs moto_server (STEPWISE_MOTO_SERVER): run scripts/test"]
fn callback_round_trip_through_a_real_queue() {
    let moto = Moto::start("callback_round_trip_through_a_real_queue");
    let scratch = Scratch::new("callback");
    let queue = moto.create_queue("inventory-requests");
    let machine = json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody": {"order.$": "$.order", "token.$": "$$.Task.Token"}},
                "ResultPath": "$.inventory", "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}}});
    let file = scratch.machine("callback", &machine);
    let db = scratch.db();
    let input = json!({"order": "o-9"}).to_string();

    let arn = ok(&[
        "run",
        &file,
        "--detach",
        "--db",
        &db,
        "--input",
        &input,
        "--sqs-endpoint",
        &moto.url,
    ]);
    let running: Value =
        serde_json::from_str(&ok(&["executions", "describe", &arn, "--db", &db])).unwrap();
    assert_eq!(running["status"], "RUNNING", "{running}");

    // The consumer: receive the request with the SDK, answer with the token it carries.
    let message = moto.receive(&queue);
    let request: Value =
        serde_json::from_str(message.body().expect("a body")).expect("a JSON body");
    assert_eq!(request["order"], "o-9");
    let token = request["token"]
        .as_str()
        .expect("the task token in the message");
    ok(&[
        "task",
        "success",
        "--db",
        &db,
        "--token",
        token,
        "--output",
        r#"{"inStock": true}"#,
    ]);

    let done: Value =
        serde_json::from_str(&ok(&["executions", "describe", &arn, "--db", &db])).unwrap();
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let output: Value =
        serde_json::from_str(done["output"].as_str().expect("output text")).unwrap();
    assert_eq!(
        output,
        json!({"order": "o-9", "inventory": {"inStock": true}})
    );

    let history: Value =
        serde_json::from_str(&ok(&["executions", "history", &arn, "--db", &db])).unwrap();
    let submitted = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "TaskSubmitted")
        .expect("a TaskSubmitted event");
    let sent: Value = serde_json::from_str(
        submitted["taskSubmittedEventDetails"]["output"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        sent["MessageId"].as_str(),
        message.message_id(),
        "TaskSubmitted carries SendMessage's response"
    );
}

#[test]
#[ignore = "needs moto_server (STEPWISE_MOTO_SERVER): run scripts/test"]
fn a_missing_queue_is_a_catchable_task_failure() {
    let moto = Moto::start("a_missing_queue_is_a_catchable_task_failure");
    let scratch = Scratch::new("missing");
    let queue = format!("{}/123456789012/no-such-queue", moto.url);

    let failing = scratch.machine("missing", &send_task(&queue, json!("hello")));
    let (code, doc) = run_json(&failing, &json!({}), &["--sqs-endpoint", &moto.url], &[]);
    assert_eq!((code, &doc["status"]), (1, &json!("FAILED")), "{doc}");
    assert_eq!(doc["error"], "SQS.QueueDoesNotExistException", "{doc}");
    let cause = doc["cause"].as_str().expect("a cause");
    for part in [
        "(Service: AmazonSQS; Status Code: 400; Error Code: AWS.SimpleQueueService.NonExistentQueue;",
        &format!("has no queue at QueueUrl {queue}"),
        &format!(
            "aws sqs create-queue --queue-name no-such-queue --endpoint-url {}`",
            moto.url
        ),
    ] {
        assert!(cause.contains(part), "the cause mentions {part:?}: {cause}");
    }

    let mut caught = send_task(&queue, json!("hello"));
    caught["States"]["Send"]["Catch"] = json!([{"ErrorEquals": ["SQS.QueueDoesNotExistException"], "ResultPath": "$.error", "Next": "Fallback"}]);
    caught["States"]["Fallback"] = json!({"Type": "Pass", "End": true});
    let caught = scratch.machine("caught", &caught);
    let (code, doc) = run_json(&caught, &json!({}), &["--sqs-endpoint", &moto.url], &[]);
    assert_eq!((code, &doc["status"]), (0, &json!("SUCCEEDED")), "{doc}");
    assert_eq!(
        doc["output"]["error"]["Error"], "SQS.QueueDoesNotExistException",
        "{doc}"
    );
}

#[test]
fn an_unreachable_endpoint_says_what_to_do() {
    let scratch = Scratch::new("unreachable");
    let url = format!("http://127.0.0.1:{}", free_port());
    let file = scratch.machine(
        "unreachable",
        &send_task(&format!("{url}/123456789012/orders"), json!("hi")),
    );
    let out = stepwise(&["run", &file, "--sqs-endpoint", &url], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one error line and one cause line: {stderr}"
    );
    assert_eq!(lines[0], "FAILED: SQS.SdkClientException");
    assert!(
        lines[1].starts_with("cause: Unable to execute HTTP request: "),
        "{stderr}"
    );
    let hint = format!(
        "(stepwise: no SQS endpoint answers at {url}: start it, or pass --sqs-endpoint URL)"
    );
    assert!(lines[1].ends_with(&hint), "{stderr}");
}

#[test]
fn no_credentials_for_aws_says_which_to_set() {
    let scratch = Scratch::new("nocreds");
    let file = scratch.machine(
        "nocreds",
        &send_task(
            "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
            json!("hi"),
        ),
    );
    let nowhere = scratch.0.join("none");
    let mut c = Command::new(env!("CARGO_BIN_EXE_stepwise"));
    c.args(["run", &file, "--format", "json", "--sqs-endpoint", "aws"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    // No credentials anywhere, and no instance metadata lookup: this never reaches the network.
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SQS",
    ] {
        c.env_remove(var);
    }
    c.env("HOME", &nowhere)
        .env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1");
    let out = c.output().expect("the binary runs");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(doc["error"], "SQS.SdkClientException", "{doc}");
    let cause = doc["cause"].as_str().unwrap();
    assert!(
        cause.starts_with("Unable to load AWS credentials from any provider in the chain"),
        "{cause}"
    );
    assert!(
        cause.contains("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"),
        "{cause}"
    );
}

/// Step Functions Local's documented mock file (`LambdaSQSIntegration`: HappyPath, RetryPath,
/// HybridPath) through `stepwise test`, unchanged: HybridPath mocks only the Lambda state, so
/// its SQS state sends for real — to moto — as Step Functions Local sends to its SQS endpoint.
#[test]
#[ignore = "needs moto_server (STEPWISE_MOTO_SERVER): run scripts/test"]
fn step_functions_local_hybrid_test_case_sends_to_the_real_queue() {
    let moto = Moto::start("step_functions_local_hybrid_test_case_sends_to_the_real_queue");
    let scratch = Scratch::new("sfn-local-hybrid");
    let queue = moto.create_queue("myQueue");
    scratch.machine(
        "LambdaSQSIntegration",
        &json!({"StartAt": "LambdaState", "States": {
            "LambdaState": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
                "Next": "SQSState"},
            "SQSState": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": queue, "MessageBody.$": "$"}, "End": true}}}),
    );
    let lambda_ok = json!({"0": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}});
    let config = json!({
        "StateMachines": {"LambdaSQSIntegration": {"TestCases": {
            "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
            "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
            "HybridPath": {"LambdaState": "MockedLambdaSuccess"}}}},
        "MockedResponses": {
            "MockedLambdaSuccess": lambda_ok,
            "LambdaMockedResourceNotReady": {"0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}}},
            "MockedSQSSuccess": {"0": {"Return": {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51", "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}},
            "MockedLambdaRetry": {
                "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
                "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
                "3": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}}
        }
    });
    let mock = scratch.0.join("MockConfigFile.json");
    std::fs::write(&mock, config.to_string()).expect("write the mock file");
    let mock = mock.to_string_lossy().into_owned();
    let out = stepwise(
        &["test", "--mock-config", &mock, "--sqs-endpoint", &moto.url],
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for case in ["HappyPath", "RetryPath", "HybridPath"] {
        let line = format!("PASS {mock} › LambdaSQSIntegration › {case}");
        assert!(text.contains(&line), "{line}\n{text}");
    }
    // Only HybridPath reached the queue; the body is the Lambda's mocked result.
    let message = moto.receive(&queue);
    let body: Value =
        serde_json::from_str(message.body().unwrap_or_default()).expect("a JSON body");
    assert_eq!(body["Payload"]["body"], "Hello from Lambda!", "{body}");
}
