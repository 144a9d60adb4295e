//! AWS service tasks against moto: the optimized DynamoDB, SNS and EventBridge integrations and
//! `aws-sdk:*` (JSON services, S3, SNS) through `stepwise run`, the endpoint from
//! `AWS_ENDPOINT_URL` in the binary's environment. Resources are created with boto3 from
//! `scripts/test`'s venv (`STEPWISE_PYTHON`); each case starts its own moto on a free port.
//! The expected shapes and error names are AWS's, as recorded (docs/design/issue-17-research.md).
#![allow(clippy::disallowed_methods)] // an edge: reads the environment

mod support;

use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use support::Moto;

/// Runs the stepwise binary from the crate's root, with no endpoint settings but `env`.
fn stepwise(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stepwise"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (var, _) in std::env::vars() {
        if var.starts_with("AWS_ENDPOINT_URL") || var == "STEPWISE_DB" {
            c.env_remove(var);
        }
    }
    c.env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1");
    c.envs(env.iter().copied());
    c.output().expect("the binary runs")
}

/// `run --format json` of `file` with `input` against moto: the outcome document.
fn run(moto: &Moto, file: &str, input: &Value) -> Value {
    run_with(moto, file, input, &[])
}

/// `run` with more arguments.
fn run_with(moto: &Moto, file: &str, input: &Value, more: &[&str]) -> Value {
    let input = input.to_string();
    let mut args = vec!["run", file, "--format", "json", "--input", &input];
    args.extend_from_slice(more);
    let out = stepwise(&args, &[("AWS_ENDPOINT_URL", &moto.url)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON object ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A scratch directory for definitions, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("stepwise-services-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    fn machine(&self, name: &str, definition: &Value) -> String {
        let path = self.0.join(format!("{name}.asl.json"));
        std::fs::write(&path, definition.to_string()).expect("write definition");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a boto3 script against moto (`AWS_ENDPOINT_URL`); its stdout.
fn boto3(case: &str, moto: &Moto, script: &str) -> String {
    let out = Command::new(support::python(case))
        .arg("-c")
        .arg(script)
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "the boto3 setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A machine of one Task state with `parameters`.
fn one_task(resource: &str, parameters: Value) -> Value {
    json!({"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": resource, "Parameters": parameters, "End": true}}})
}

/// Runs one task; the outcome document.
fn task(moto: &Moto, scratch: &Scratch, resource: &str, parameters: Value) -> Value {
    let name = format!("t{}", uuid::Uuid::new_v4().simple());
    let file = scratch.machine(&name, &one_task(resource, parameters));
    run(moto, &file, &json!({}))
}

/// A task's result, failing with the outcome when it did not succeed.
fn ok(doc: &Value) -> &Value {
    assert_eq!(doc["status"], "SUCCEEDED", "{doc:#}");
    &doc["output"]
}

/// A task's error and cause, failing with the outcome when it did not fail.
fn failed(doc: &Value) -> (String, String) {
    assert_eq!(doc["status"], "FAILED", "{doc:#}");
    (
        doc["error"].as_str().unwrap_or_default().to_string(),
        doc["cause"].as_str().unwrap_or_default().to_string(),
    )
}

/// `SdkHttpMetadata` as AWS records it: headers as lists and as strings, and the status.
fn assert_http_metadata(result: &Value) {
    let meta = &result["SdkHttpMetadata"];
    assert_eq!(meta["HttpStatusCode"], 200, "{result:#}");
    let all = meta["AllHttpHeaders"].as_object().expect("AllHttpHeaders");
    let single = meta["HttpHeaders"].as_object().expect("HttpHeaders");
    assert!(!all.is_empty() && all.len() == single.len(), "{meta:#}");
    assert!(all.values().all(Value::is_array), "{meta:#}");
    assert!(single.values().all(Value::is_string), "{meta:#}");
    assert!(
        result["SdkResponseMetadata"]["RequestId"].is_string(),
        "{result:#}"
    );
}

#[test]
#[ignore = "needs moto (scripts/test runs it)"]
fn the_orders_chain_runs_through_every_service() {
    let moto = Moto::start("the_orders_chain_runs_through_every_service");
    let setup = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/services/setup.py"),
    )
    .expect("the example's setup script");
    boto3("the_orders_chain_runs_through_every_service", &moto, &setup);
    let input: Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/services/input.json"),
        )
        .expect("the example's input"),
    )
    .expect("JSON input");
    let doc = run_with(
        &moto,
        "examples/services/orders-chain.asl.json",
        &input,
        &[
            "--state-machine-file",
            "fulfil=examples/services/fulfil.asl.json",
        ],
    );
    let out = ok(&doc);

    // dynamodb:putItem: no attributes, the HTTP metadata.
    assert_http_metadata(&out["saved"]);
    assert_eq!(
        out["saved"].as_object().map(|m| m.len()),
        Some(2),
        "{:#}",
        out["saved"]
    );
    // The conditional put of the same id failed, caught by its name.
    assert_eq!(
        out["duplicate"]["Error"], "DynamoDB.ConditionalCheckFailedException",
        "{out:#}"
    );
    let cause = out["duplicate"]["Cause"].as_str().expect("a cause");
    assert!(
        cause.contains("(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: ")
            && cause.ends_with("; Proxy: null)"),
        "{cause}"
    );
    assert!(out.get("savedAgain").is_none(), "{out:#}");
    // dynamodb:getItem: the item as stored.
    let item = json!({"id": {"S": "o-1001"}, "item": {"S": "widget"}, "quantity": {"N": "3"}});
    // (Maps compare without regard to order.)
    assert_eq!(out["loaded"]["Item"], item, "{out:#}");
    assert_http_metadata(&out["loaded"]);
    // sns:publish: a message id, the HTTP metadata.
    assert!(
        out["notified"]["MessageId"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_http_metadata(&out["notified"]);
    // events:putEvents: entries and no HTTP metadata.
    assert_eq!(out["announced"]["FailedEntryCount"], 0, "{out:#}");
    assert!(
        out["announced"]["Entries"][0]["EventId"].is_string(),
        "{out:#}"
    );
    assert!(out["announced"].get("SdkHttpMetadata").is_none());
    // aws-sdk:s3:putObject of a JSON value stores its compact text; getObject reads it back.
    let etag = out["archived"]["ETag"].as_str().expect("an ETag");
    let text = out["loaded"]["Item"].to_string();
    assert_eq!(etag, format!("\"{}\"", md5(&text)), "{out:#}");
    assert!(out["archived"].get("SdkHttpMetadata").is_none());
    let read = &out["readBack"];
    assert_eq!(read["Body"], json!(text), "{read:#}");
    assert_eq!(read["ContentLength"], json!(text.len()), "{read:#}");
    assert_eq!(read["ETag"], json!(etag));
    assert!(
        read["LastModified"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.contains('T')),
        "{read:#}"
    );
    let keys: Vec<&String> = read.as_object().expect("an object").keys().collect();
    assert_eq!(keys.last().map(|k| k.as_str()), Some("Body"), "{keys:?}");
    // aws-sdk:secretsmanager:getSecretValue.
    assert_eq!(
        out["apiKey"],
        json!({"Name": "stepwise/orders-api-key", "SecretString": "s3cr3t"})
    );
    // states:startExecution.sync:2: the child's description, its output as JSON.
    assert_eq!(
        out["fulfilled"],
        json!({"status": "SUCCEEDED", "output": {"shipped": "o-1001", "parcels": 3}}),
        "{out:#}"
    );
}

/// The hex MD5 of `text` (S3's ETag of a single-part object).
fn md5(text: &str) -> String {
    use md5::{Digest, Md5};
    format!("{:x}", Md5::digest(text.as_bytes()))
}

#[test]
#[ignore = "needs moto (scripts/test runs it)"]
fn aws_sdk_results_have_the_sdks_shapes() {
    let case = "aws_sdk_results_have_the_sdks_shapes";
    let moto = Moto::start(case);
    let scratch = Scratch::new("shapes");
    boto3(
        case,
        &moto,
        "import boto3\nboto3.client('dynamodb').create_table(TableName='T', KeySchema=[{'AttributeName':'id','KeyType':'HASH'}], AttributeDefinitions=[{'AttributeName':'id','AttributeType':'S'}], BillingMode='PAY_PER_REQUEST')\nboto3.client('s3').create_bucket(Bucket='box')",
    );
    // DynamoDB (JSON 1.0): putItem answers {}, getItem the item, with no HTTP metadata.
    let put = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:dynamodb:putItem",
        json!({"TableName": "T", "Item": {"id": {"S": "a"}, "n": {"N": "1"}}}),
    );
    assert_eq!(ok(&put), &json!({}));
    let got = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:dynamodb:getItem",
        json!({"TableName": "T", "Key": {"id": {"S": "a"}}}),
    );
    assert_eq!(
        ok(&got),
        &json!({"Item": {"id": {"S": "a"}, "n": {"N": "1"}}})
    );
    // A timestamp of a JSON service is ISO-8601 text.
    let table = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:dynamodb:describeTable",
        json!({"TableName": "T"}),
    );
    let created = ok(&table)["Table"]["CreationDateTime"]
        .as_str()
        .map(str::to_string);
    assert!(created.is_some_and(|t| t.ends_with('Z')), "{table:#}");
    // S3: put, head, list, copy, delete, list buckets.
    let put = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:s3:putObject",
        json!({"Bucket": "box", "Key": "dir/a.txt", "Body": "text data", "ContentType": "text/plain"}),
    );
    assert!(ok(&put)["ETag"].is_string(), "{put:#}");
    let head = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:s3:headObject",
        json!({"Bucket": "box", "Key": "dir/a.txt"}),
    );
    let head = ok(&head);
    assert_eq!(
        (&head["ContentLength"], &head["ContentType"]),
        (&json!(9), &json!("text/plain")),
        "{head:#}"
    );
    assert_eq!(head["Metadata"], json!({}), "{head:#}");
    let copy = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:s3:copyObject",
        json!({"Bucket": "box", "Key": "dir/b.txt", "CopySource": "box/dir/a.txt"}),
    );
    assert!(
        ok(&copy)["CopyObjectResult"]["ETag"].is_string(),
        "{copy:#}"
    );
    let list = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:s3:listObjectsV2",
        json!({"Bucket": "box", "Prefix": "dir/"}),
    );
    let list = ok(&list);
    assert_eq!(
        (&list["KeyCount"], &list["IsTruncated"]),
        (&json!(2), &json!(false)),
        "{list:#}"
    );
    let first = &list["Contents"][0];
    assert_eq!(
        (&first["Key"], &first["Size"]),
        (&json!("dir/a.txt"), &json!(9)),
        "{list:#}"
    );
    assert!(
        first["LastModified"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{list:#}"
    );
    let del = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:s3:deleteObject",
        json!({"Bucket": "box", "Key": "dir/b.txt"}),
    );
    ok(&del);
    let buckets = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:s3:listBuckets",
        json!({}),
    );
    assert_eq!(ok(&buckets)["Buckets"][0]["Name"], "box", "{buckets:#}");
    let created = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:s3:createBucket",
        json!({"Bucket": "crate"}),
    );
    assert!(ok(&created)["Location"].is_string(), "{created:#}");
    // SNS (Query): create a topic, list it, subscribe, publish.
    let topic = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:sns:createTopic",
        json!({"Name": "t"}),
    );
    let arn = ok(&topic)["TopicArn"]
        .as_str()
        .expect("a topic ARN")
        .to_string();
    let topics = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:sns:listTopics",
        json!({}),
    );
    assert_eq!(
        ok(&topics)["Topics"],
        json!([{"TopicArn": arn}]),
        "{topics:#}"
    );
    let sub = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:sns:subscribe",
        json!({"TopicArn": arn, "Protocol": "email", "Endpoint": "orders@example.com"}),
    );
    assert!(ok(&sub)["SubscriptionArn"].is_string(), "{sub:#}");
    let published = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:sns:publish",
        json!({"TopicArn": arn, "Message": "hi", "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "x"}}}),
    );
    assert!(ok(&published)["MessageId"].is_string(), "{published:#}");
    // SQS speaks JSON 1.0 too; Secrets Manager and SSM JSON 1.1.
    let queue = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:sqs:createQueue",
        json!({"QueueName": "q"}),
    );
    assert!(
        ok(&queue)["QueueUrl"]
            .as_str()
            .is_some_and(|u| u.ends_with("/q")),
        "{queue:#}"
    );
    let param = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:ssm:putParameter",
        json!({"Name": "/p", "Value": "v", "Type": "String"}),
    );
    assert_eq!(ok(&param)["Version"], 1, "{param:#}");
    let param = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:ssm:getParameter",
        json!({"Name": "/p"}),
    );
    assert_eq!(ok(&param)["Parameter"]["Value"], "v", "{param:#}");
    let secrets = task(
        &moto,
        &scratch,
        "arn:aws:states:::aws-sdk:secretsmanager:listSecrets",
        json!({}),
    );
    assert_eq!(ok(&secrets)["SecretList"], json!([]), "{secrets:#}");
}

#[test]
#[ignore = "needs moto (scripts/test runs it)"]
fn errors_are_named_as_step_functions_names_them() {
    let case = "errors_are_named_as_step_functions_names_them";
    let moto = Moto::start(case);
    let scratch = Scratch::new("errors");
    boto3(
        case,
        &moto,
        "import boto3\nboto3.client('s3').create_bucket(Bucket='box')",
    );
    let cases = [
        (
            "arn:aws:states:::aws-sdk:s3:getObject",
            json!({"Bucket": "box", "Key": "missing"}),
            "S3.NoSuchKeyException",
            "(Service: S3, Status Code: 404, Request ID: ",
        ),
        (
            "arn:aws:states:::aws-sdk:s3:listObjectsV2",
            json!({"Bucket": "nobucket"}),
            "S3.NoSuchBucketException",
            "(Service: S3, Status Code: 404, Request ID: ",
        ),
        (
            "arn:aws:states:::aws-sdk:s3:headObject",
            json!({"Bucket": "box", "Key": "missing"}),
            "S3.NoSuchKeyException",
            "(Service: S3, Status Code: 404, Request ID: ",
        ),
        (
            "arn:aws:states:::aws-sdk:dynamodb:putItem",
            json!({"TableName": "none", "Item": {"id": {"S": "a"}}}),
            "DynamoDb.ResourceNotFoundException",
            "(Service: DynamoDb, Status Code: 400, Request ID: ",
        ),
        (
            "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
            json!({"SecretId": "none"}),
            "SecretsManager.ResourceNotFoundException",
            // (AWS answers 400, moto 404: the status is the endpoint's.)
            "(Service: SecretsManager, Status Code: ",
        ),
        (
            "arn:aws:states:::dynamodb:getItem",
            json!({"TableName": "none", "Key": {"id": {"S": "a"}}}),
            "DynamoDB.ResourceNotFoundException",
            "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: ",
        ),
        (
            "arn:aws:states:::sns:publish",
            json!({"TopicArn": "arn:aws:sns:us-east-1:123456789012:none", "Message": "m"}),
            "SNS.NotFoundException",
            "(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: ",
        ),
    ];
    for (resource, params, error, cause_part) in cases {
        let doc = task(&moto, &scratch, resource, params);
        let (e, cause) = failed(&doc);
        assert_eq!(e, error, "{resource}: {doc:#}");
        assert!(cause.contains(cause_part), "{resource}: {cause}");
    }
    // An entry EventBridge refuses fails the task with the whole answer as the cause.
    let doc = task(
        &moto,
        &scratch,
        "arn:aws:states:::events:putEvents",
        json!({"Entries": [{"DetailType": "x", "Detail": {"a": 1}}]}),
    );
    let (e, cause) = failed(&doc);
    assert_eq!(e, "EventBridge.FailedEntry", "{doc:#}");
    let answer: Value = serde_json::from_str(&cause).expect("the cause is the answer's JSON");
    assert_eq!(answer["FailedEntryCount"], 1, "{answer:#}");
}

#[test]
#[ignore = "needs moto (scripts/test runs it)"]
fn endpoints_come_from_the_flag_before_the_environment() {
    let case = "endpoints_come_from_the_flag_before_the_environment";
    let moto = Moto::start(case);
    let scratch = Scratch::new("flag");
    boto3(
        case,
        &moto,
        "import boto3\nboto3.client('secretsmanager').create_secret(Name='s', SecretString='v')",
    );
    let file = scratch.machine(
        "secret",
        &one_task(
            "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
            json!({"SecretId": "s"}),
        ),
    );
    let dead = format!("http://127.0.0.1:{}", free_port());
    let flag = format!("secretsmanager={}", moto.url);
    // The service's variable beats the global one; the flag beats both.
    let out = stepwise(
        &["run", &file, "--format", "json", "--endpoint", &flag],
        &[
            ("AWS_ENDPOINT_URL", &dead),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &dead),
        ],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON outcome");
    assert_eq!(ok(&doc)["SecretString"], "v", "{doc:#}");
    let out = stepwise(
        &["run", &file, "--format", "json"],
        &[
            ("AWS_ENDPOINT_URL", &dead),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &moto.url),
        ],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON outcome");
    assert_eq!(ok(&doc)["SecretString"], "v", "{doc:#}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn an_unreachable_endpoint_says_what_to_do() {
    let scratch = Scratch::new("unreachable");
    let file = scratch.machine(
        "ddb",
        &one_task(
            "arn:aws:states:::dynamodb:getItem",
            json!({"TableName": "T", "Key": {"id": {"S": "a"}}}),
        ),
    );
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = stepwise(
        &[
            "run",
            &file,
            "--format",
            "json",
            "--endpoint",
            &format!("dynamodb={url}"),
        ],
        &[],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON outcome");
    let (error, cause) = failed(&doc);
    assert_eq!(error, "DynamoDB.SdkClientException", "{doc:#}");
    assert!(
        cause.starts_with("Unable to execute HTTP request: "),
        "{cause}"
    );
    assert!(
        cause.ends_with(&format!("(stepwise: no dynamodb endpoint answers at {url}: start it, or pass --endpoint dynamodb=URL)")),
        "{cause}"
    );
}

#[test]
fn a_service_stepwise_cannot_call_is_a_warning_then_a_cause_naming_the_flags() {
    let scratch = Scratch::new("cannot");
    let file = scratch.machine(
        "lambda-sdk",
        &one_task(
            "arn:aws:states:::aws-sdk:lambda:invoke",
            json!({"FunctionName": "f"}),
        ),
    );
    let out = stepwise(&["validate", &file], &[]);
    assert!(out.status.success(), "still valid");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {file} at /States/Call/Resource: stepwise cannot call aws-sdk:lambda"
        )),
        "{stderr}"
    );
    let out = stepwise(&["run", &file, "--format", "json"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: "), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON outcome");
    let (_, cause) = failed(&doc);
    assert!(
        cause.contains("--mock-config FILE --test-case NAME")
            && cause.contains("--task STATE=COMMAND"),
        "{cause}"
    );
    // A local command serves it.
    let out = stepwise(
        &[
            "run",
            &file,
            "--format",
            "json",
            "--task",
            "Call=echo '{\"ok\": true}'",
        ],
        &[],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON outcome");
    assert_eq!(ok(&doc), &json!({"ok": true}));
}

#[test]
fn a_bad_endpoint_flag_is_a_usage_error() {
    let out = stepwise(
        &[
            "run",
            "state-machines/order-processing.asl.json",
            "--endpoint",
            "nosuch=http://x",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown service 'nosuch'"), "{stderr}");
}

#[test]
#[ignore = "needs moto (scripts/test runs it)"]
fn sns_publish_wait_for_task_token_publishes_then_waits_for_the_callback() {
    let case = "sns_publish_wait_for_task_token_publishes_then_waits_for_the_callback";
    let moto = Moto::start(case);
    let scratch = Scratch::new("callback");
    // A queue subscribed to the topic gets the message with the token, as a worker would.
    let topic = boto3(
        case,
        &moto,
        "import boto3\nsqs = boto3.client('sqs')\nq = sqs.create_queue(QueueName='work')['QueueUrl']\narn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=['QueueArn'])['Attributes']['QueueArn']\nsns = boto3.client('sns')\nt = sns.create_topic(Name='work')['TopicArn']\nsns.subscribe(TopicArn=t, Protocol='sqs', Endpoint=arn, Attributes={'RawMessageDelivery': 'true'})\nprint(t)",
    );
    let file = scratch.machine(
        "callback",
        &one_task(
            "arn:aws:states:::sns:publish.waitForTaskToken",
            json!({"TopicArn": topic.trim(), "Message": {"order": "o-7", "token.$": "$$.Task.Token"}}),
        ),
    );
    let db = scratch.0.join("stepwise.db").to_string_lossy().into_owned();
    let env = [("AWS_ENDPOINT_URL", moto.url.as_str())];
    let started = stepwise(&["run", &file, "--detach", "--db", &db], &env);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let arn = String::from_utf8_lossy(&started.stdout).trim().to_string();

    let message = boto3(
        case,
        &moto,
        "import boto3\nsqs = boto3.client('sqs')\nq = sqs.get_queue_url(QueueName='work')['QueueUrl']\nprint(sqs.receive_message(QueueUrl=q, WaitTimeSeconds=5)['Messages'][0]['Body'])",
    );
    let message: Value = serde_json::from_str(message.trim()).expect("the message is JSON");
    assert_eq!(message["order"], "o-7", "{message}");
    let token = message["token"].as_str().expect("the token in the message");
    let describe = |arn: &str| -> Value {
        let out = stepwise(&["executions", "describe", arn, "--db", &db], &env);
        serde_json::from_slice(&out.stdout).expect("DescribeExecution JSON")
    };
    assert_eq!(describe(&arn)["status"], "RUNNING");
    let done = stepwise(
        &[
            "task",
            "success",
            "--db",
            &db,
            "--token",
            token,
            "--output",
            r#"{"shipped": true}"#,
        ],
        &env,
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let d = describe(&arn);
    assert_eq!(d["status"], "SUCCEEDED", "{d:#}");
    assert_eq!(
        serde_json::from_str::<Value>(d["output"].as_str().unwrap_or("null")).ok(),
        Some(json!({"shipped": true}))
    );
}
