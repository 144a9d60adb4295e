//! The request parsers of `stepwise serve`, driven without a network through the functions the
//! HTTP layer calls (`Body::parse`, `sfn::call`, `sqs::call`, `conductor::call`) over an
//! in-memory store. Each input is an operation and a body; ids the server hands out (execution
//! ARNs, receipt handles, workflow and task ids) are remembered and replace `@EXEC`,
//! `@RECEIPT`, `@ID` and `@TASK` in later inputs, so operations on existing things run too.
//!
//! Left out, because they wait in real time rather than parse: `GetActivityTask` (a 60 s long
//! poll), `StartSyncExecution` (runs the machine on the system clock, Wait states included) and
//! SQS long polls (`WaitTimeSeconds` and `ReceiveMessageWaitTimeSeconds` are set to 0).

use super::{Corpus, Rng, Target, mutate};
use serde_json::{Value, json};
use std::sync::Arc;
use stepwise::runtime::config::HandlerConfig;
use stepwise::serve::protocol::{Body, Reply};
use stepwise::serve::{App, Settings};
use stepwise::store::memory::MemoryStore;

/// Inputs after which the server starts over with an empty store, so memory stays flat.
const INPUTS_PER_APP: u64 = 2_000;

const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:fuzz";
const EXPRESS: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:fuzz-express";
const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:fuzz";
const QUEUE: &str = "http://localhost:4566/123456789012/fuzz";
const FIFO: &str = "http://localhost:4566/123456789012/fuzz.fifo";
const PASS: &str = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#;
const TASK: &str = r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"http://localhost:4566/123456789012/fuzz","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}}"#;

fn app() -> Arc<App> {
    let settings = Settings {
        region: "us-east-1".into(),
        account: "123456789012".into(),
        base_url: "http://localhost:4566".into(),
        handlers: HandlerConfig::default(),
        brokers: Default::default(),
        triggers: Vec::new(),
        helper: None,
        // The targets call the operations below the HTTP layer, where the guard has let the
        // request through.
        guard: stepwise::serve::guard::Policy::new("localhost:4566", &[], None),
        sync_timeout: stepwise::serve::SYNC_TIMEOUT,
    };
    App::new(Arc::new(MemoryStore::new()), settings)
}

/// What the API targets share: the server, a runtime to await its operations, the ids it gave.
struct Server {
    app: Arc<App>,
    tokio: tokio::runtime::Runtime,
    served: u64,
    ids: Vec<(&'static str, String)>,
}

impl Server {
    fn new() -> Server {
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        Server {
            app: app(),
            tokio,
            served: 0,
            ids: Vec::new(),
        }
    }

    /// A fresh server every [`INPUTS_PER_APP`] inputs, set up by `setup`.
    fn next(&mut self, setup: &dyn Fn(&mut Server)) {
        if self.served.is_multiple_of(INPUTS_PER_APP) {
            self.app = app();
            self.ids.clear();
            setup(self);
        }
        self.served += 1;
    }

    /// `text` with each placeholder replaced by the id last remembered for it.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (placeholder, id) in &self.ids {
            out = out.replace(placeholder, id);
        }
        out
    }

    fn remember(&mut self, placeholder: &'static str, id: &str) {
        self.ids.retain(|(p, _)| *p != placeholder);
        self.ids.push((placeholder, id.to_string()));
    }

    /// Calls an AWS JSON operation; a panic the server caught on its blocking pool (answered
    /// as a 500 "the operation failed: task ... panicked") is raised again here.
    fn aws(&self, service: &str, op: &str, body: &[u8]) -> Reply {
        let reply = self.aws_reply(service, op, body);
        if let Err(e) = &reply
            && e.message.starts_with("the operation failed")
            && e.message.contains("panicked")
        {
            let message = crate::harness::take_last_panic().unwrap_or_else(|| e.message.clone());
            panic!("{message}");
        }
        reply
    }

    fn aws_reply(&self, service: &str, op: &str, body: &[u8]) -> Reply {
        let body = Body::parse(body)?;
        let app = self.app.clone();
        match service {
            "sfn" => self
                .tokio
                .block_on(stepwise::serve::sfn::call(app, op, body)),
            _ => self.tokio.block_on(stepwise::serve::sqs::call(
                app,
                op,
                body,
                Some("http://localhost:4566".into()),
            )),
        }
    }
}

/// An input: the operation on the first line, the body after it.
fn split(input: &[u8]) -> (String, Vec<u8>) {
    let at = input
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(input.len());
    let op = String::from_utf8_lossy(&input[..at]).into_owned();
    (op, input.get(at + 1..).unwrap_or_default().to_vec())
}

/// A seed request mutated: the body as JSON most of the time, sometimes as text.
fn request(rng: &mut Rng, seeds: &[(&str, Value)], dict: &[&str]) -> Vec<u8> {
    let (op, body) = rng.pick(seeds);
    let mut body = body.clone();
    let mut op = op.to_string();
    if rng.one_in(32) {
        op = mutate::text(rng, &op, dict, &[]);
    }
    if !rng.one_in(8) {
        mutate::json(rng, &mut body, dict);
    }
    let body = mutate::to_text(rng, &body, dict);
    format!("{op}\n{body}").into_bytes()
}

pub struct Sfn {
    server: Server,
    seeds: Vec<(&'static str, Value)>,
    dict: Vec<&'static str>,
}

const SFN_TOKENS: &[&str] = &[
    "name",
    "definition",
    "roleArn",
    "type",
    "STANDARD",
    "EXPRESS",
    "stateMachineArn",
    "executionArn",
    "input",
    "maxResults",
    "nextToken",
    "statusFilter",
    "RUNNING",
    "reverseOrder",
    "includeExecutionData",
    "taskToken",
    "output",
    "error",
    "cause",
    "activityArn",
    "tags",
    "loggingConfiguration",
    "tracingConfiguration",
    "publish",
    "versionDescription",
    MACHINE,
    EXPRESS,
    ACTIVITY,
    "@EXEC",
    "@TOKEN",
    "arn:aws:states:us-east-1:123456789012:execution:fuzz:",
    "arn:aws:iam::123456789012:role/r",
    PASS,
    TASK,
];

impl Sfn {
    pub fn new(corpus: &Corpus) -> Sfn {
        let role = "arn:aws:iam::123456789012:role/r";
        let mut seeds = vec![
            (
                "CreateStateMachine",
                json!({"name": "m", "definition": PASS, "roleArn": role}),
            ),
            (
                "CreateStateMachine",
                json!({"name": "e", "definition": PASS, "roleArn": role, "type": "EXPRESS"}),
            ),
            (
                "UpdateStateMachine",
                json!({"stateMachineArn": MACHINE, "definition": TASK}),
            ),
            ("DescribeStateMachine", json!({"stateMachineArn": MACHINE})),
            ("ListStateMachines", json!({"maxResults": 1})),
            ("DeleteStateMachine", json!({"stateMachineArn": EXPRESS})),
            (
                "ValidateStateMachineDefinition",
                json!({"definition": PASS}),
            ),
            (
                "DescribeStateMachineForExecution",
                json!({"executionArn": "@EXEC"}),
            ),
            (
                "StartExecution",
                json!({"stateMachineArn": MACHINE, "input": "{\"a\": 1}"}),
            ),
            (
                "StartExecution",
                json!({"stateMachineArn": MACHINE, "name": "n", "input": "[]"}),
            ),
            ("DescribeExecution", json!({"executionArn": "@EXEC"})),
            (
                "ListExecutions",
                json!({"stateMachineArn": MACHINE, "statusFilter": "RUNNING"}),
            ),
            (
                "StopExecution",
                json!({"executionArn": "@EXEC", "error": "E", "cause": "c"}),
            ),
            (
                "GetExecutionHistory",
                json!({"executionArn": "@EXEC", "reverseOrder": true, "maxResults": 2}),
            ),
            (
                "SendTaskSuccess",
                json!({"taskToken": "@TOKEN", "output": "{}"}),
            ),
            (
                "SendTaskFailure",
                json!({"taskToken": "@TOKEN", "error": "E"}),
            ),
            ("SendTaskHeartbeat", json!({"taskToken": "@TOKEN"})),
            ("CreateActivity", json!({"name": "a"})),
            ("DescribeActivity", json!({"activityArn": ACTIVITY})),
            ("ListActivities", json!({})),
            ("DeleteActivity", json!({"activityArn": ACTIVITY})),
        ];
        for definition in &corpus.definitions {
            seeds.push((
                "CreateStateMachine",
                json!({"name": "c", "definition": definition, "roleArn": role}),
            ));
            seeds.push((
                "ValidateStateMachineDefinition",
                json!({"definition": definition}),
            ));
        }
        Sfn {
            server: Server::new(),
            seeds,
            dict: SFN_TOKENS.to_vec(),
        }
    }
}

fn sfn_setup(s: &mut Server) {
    let role = "arn:aws:iam::123456789012:role/r";
    for body in [
        json!({"name": "fuzz", "definition": TASK, "roleArn": role}),
        json!({"name": "fuzz-express", "definition": PASS, "roleArn": role, "type": "EXPRESS"}),
    ] {
        let _ = s.aws("sfn", "CreateStateMachine", body.to_string().as_bytes());
    }
    let _ = s.aws("sfn", "CreateActivity", br#"{"name": "fuzz"}"#);
    let _ = s.aws("sqs", "CreateQueue", br#"{"QueueName": "fuzz"}"#);
}

impl Target for Sfn {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        request(rng, &self.seeds, &self.dict)
    }

    fn run(&mut self, input: &[u8]) {
        self.server.next(&sfn_setup);
        let (op, body) = split(input);
        if op == "GetActivityTask" || op == "StartSyncExecution" {
            return;
        }
        let body = self.server.fill(&String::from_utf8_lossy(&body));
        if let Ok(reply) = self.server.aws("sfn", &op, body.as_bytes())
            && let Some(arn) = reply.get("executionArn").and_then(Value::as_str)
        {
            self.server.remember("@EXEC", arn);
        }
    }
}

pub struct Sqs {
    server: Server,
    seeds: Vec<(&'static str, Value)>,
}

const SQS_TOKENS: &[&str] = &[
    "QueueName",
    "QueueUrl",
    "Attributes",
    "MessageBody",
    "DelaySeconds",
    "MessageAttributes",
    "MessageSystemAttributes",
    "DataType",
    "String",
    "Number",
    "Binary",
    "String.x",
    "StringValue",
    "BinaryValue",
    "StringListValues",
    "MessageGroupId",
    "MessageDeduplicationId",
    "Entries",
    "Id",
    "ReceiptHandle",
    "VisibilityTimeout",
    "MaxNumberOfMessages",
    "AttributeNames",
    "MessageAttributeNames",
    "All",
    ".*",
    "AWSTraceHeader",
    "ReceiveRequestAttemptId",
    "RedrivePolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "MessageRetentionPeriod",
    "MaximumMessageSize",
    "QueueNamePrefix",
    "MaxResults",
    "NextToken",
    "tags",
    QUEUE,
    FIFO,
    "@RECEIPT",
    "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:fuzz\",\"maxReceiveCount\":1}",
    "aGVsbG8=",
    "=",
    "\u{fffe}",
    "\u{1}",
];

impl Sqs {
    pub fn new() -> Sqs {
        let attrs = json!({"a": {"DataType": "String", "StringValue": "v"}, "b": {"DataType": "Binary", "BinaryValue": "aGk="}, "n": {"DataType": "Number.int", "StringValue": "1"}});
        let entry = json!({"Id": "1", "MessageBody": "b", "MessageAttributes": attrs});
        let seeds = vec![
            (
                "CreateQueue",
                json!({"QueueName": "q", "Attributes": {"VisibilityTimeout": "5"}}),
            ),
            (
                "CreateQueue",
                json!({"QueueName": "q.fifo", "Attributes": {"FifoQueue": "true", "ContentBasedDeduplication": "true"}}),
            ),
            ("GetQueueUrl", json!({"QueueName": "fuzz"})),
            (
                "ListQueues",
                json!({"QueueNamePrefix": "f", "MaxResults": 1}),
            ),
            (
                "DeleteQueue",
                json!({"QueueUrl": "http://localhost:4566/123456789012/q"}),
            ),
            ("PurgeQueue", json!({"QueueUrl": QUEUE})),
            (
                "GetQueueAttributes",
                json!({"QueueUrl": QUEUE, "AttributeNames": ["All"]}),
            ),
            (
                "SetQueueAttributes",
                json!({"QueueUrl": QUEUE, "Attributes": {"RedrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:fuzz.fifo\",\"maxReceiveCount\":1}"}}),
            ),
            ("ListDeadLetterSourceQueues", json!({"QueueUrl": FIFO})),
            (
                "SendMessage",
                json!({"QueueUrl": QUEUE, "MessageBody": "hello", "MessageAttributes": attrs, "DelaySeconds": 0}),
            ),
            (
                "SendMessage",
                json!({"QueueUrl": FIFO, "MessageBody": "hello", "MessageGroupId": "g", "MessageDeduplicationId": "d"}),
            ),
            (
                "SendMessageBatch",
                json!({"QueueUrl": QUEUE, "Entries": [entry, {"Id": "2", "MessageBody": "c"}]}),
            ),
            (
                "ReceiveMessage",
                json!({"QueueUrl": QUEUE, "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"], "AttributeNames": ["All"], "VisibilityTimeout": 0}),
            ),
            (
                "ReceiveMessage",
                json!({"QueueUrl": FIFO, "ReceiveRequestAttemptId": "x"}),
            ),
            (
                "DeleteMessage",
                json!({"QueueUrl": QUEUE, "ReceiptHandle": "@RECEIPT"}),
            ),
            (
                "DeleteMessageBatch",
                json!({"QueueUrl": QUEUE, "Entries": [{"Id": "1", "ReceiptHandle": "@RECEIPT"}]}),
            ),
            (
                "ChangeMessageVisibility",
                json!({"QueueUrl": QUEUE, "ReceiptHandle": "@RECEIPT", "VisibilityTimeout": 0}),
            ),
            (
                "ChangeMessageVisibilityBatch",
                json!({"QueueUrl": QUEUE, "Entries": [{"Id": "1", "ReceiptHandle": "@RECEIPT", "VisibilityTimeout": 1}]}),
            ),
        ];
        Sqs {
            server: Server::new(),
            seeds,
        }
    }
}

fn sqs_setup(s: &mut Server) {
    let _ = s.aws("sqs", "CreateQueue", br#"{"QueueName": "fuzz"}"#);
    let _ = s.aws(
        "sqs",
        "CreateQueue",
        br#"{"QueueName": "fuzz.fifo", "Attributes": {"FifoQueue": "true"}}"#,
    );
}

/// No long polls: they wait for real.
fn without_waits(body: &str) -> String {
    let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(body) else {
        return body.to_string();
    };
    if m.contains_key("WaitTimeSeconds") {
        m.insert("WaitTimeSeconds".into(), json!(0));
    }
    if let Some(Value::Object(a)) = m.get_mut("Attributes") {
        a.remove("ReceiveMessageWaitTimeSeconds");
    }
    Value::Object(m).to_string()
}

impl Target for Sqs {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        request(rng, &self.seeds, SQS_TOKENS)
    }

    fn run(&mut self, input: &[u8]) {
        self.server.next(&sqs_setup);
        let (op, body) = split(input);
        let body = without_waits(&self.server.fill(&String::from_utf8_lossy(&body)));
        if let Ok(reply) = self.server.aws("sqs", &op, body.as_bytes())
            && let Some(handle) = reply["Messages"][0]["ReceiptHandle"].as_str()
        {
            self.server.remember("@RECEIPT", handle);
        }
    }
}

pub struct ConductorRest {
    server: Server,
    seeds: Vec<(&'static str, Value)>,
}

const CONDUCTOR_TOKENS: &[&str] = &[
    "name",
    "version",
    "tasks",
    "taskReferenceName",
    "type",
    "SIMPLE",
    "SWITCH",
    "DO_WHILE",
    "INLINE",
    "FORK_JOIN",
    "JOIN",
    "SUB_WORKFLOW",
    "WAIT",
    "TERMINATE",
    "SET_VARIABLE",
    "EVENT",
    "HTTP",
    "JSON_JQ_TRANSFORM",
    "inputParameters",
    "expression",
    "evaluatorType",
    "javascript",
    "value-param",
    "decisionCases",
    "defaultCase",
    "loopCondition",
    "loopOver",
    "forkTasks",
    "joinOn",
    "outputParameters",
    "input",
    "workflowDef",
    "correlationId",
    "workflowInstanceId",
    "taskId",
    "status",
    "COMPLETED",
    "FAILED",
    "IN_PROGRESS",
    "outputData",
    "event",
    "actions",
    "action",
    "start_workflow",
    "complete_task",
    "fail_task",
    "condition",
    "active",
    "@ID",
    "@TASK",
    "${workflow.input.a}",
    "timeoutSeconds",
    "retryCount",
];

impl ConductorRest {
    pub fn new() -> ConductorRest {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("state-machines/conductor");
        let mut definitions = Vec::new();
        let mut handlers = Vec::new();
        for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if name.ends_with(".handlers.json") {
                handlers.push(value)
            } else {
                definitions.push(value)
            }
        }
        let simple = json!({"name": "fuzz", "version": 1, "tasks": [{"name": "t", "taskReferenceName": "t", "type": "SIMPLE", "inputParameters": {"a": "${workflow.input.a}"}}]});
        let mut seeds = vec![
            ("POST /api/metadata/workflow", json!([simple.clone()])),
            ("PUT /api/metadata/workflow", json!([simple.clone()])),
            ("GET /api/metadata/workflow/fuzz?version=1", json!(null)),
            ("DELETE /api/metadata/workflow/fuzz/1", json!(null)),
            (
                "POST /api/metadata/taskdefs",
                json!([{"name": "t", "retryCount": 1}]),
            ),
            ("GET /api/metadata/taskdefs/t", json!(null)),
            (
                "POST /api/workflow/fuzz?version=1&correlationId=c",
                json!({"a": 1}),
            ),
            (
                "POST /api/workflow",
                json!({"name": "inline", "input": {"a": 2}, "workflowDef": simple}),
            ),
            ("GET /api/workflow/@ID?includeTasks=true", json!(null)),
            ("GET /api/workflow/@ID/status", json!(null)),
            ("GET /api/workflow/running/fuzz", json!(null)),
            (
                "GET /api/workflow/search?query=status+IN+(RUNNING)&size=2",
                json!(null),
            ),
            ("PUT /api/workflow/@ID/pause", json!(null)),
            ("PUT /api/workflow/@ID/resume", json!(null)),
            ("POST /api/workflow/@ID/retry", json!(null)),
            (
                "DELETE /api/workflow/@ID?archiveWorkflow=false",
                json!(null),
            ),
            ("GET /api/tasks/poll/t?workerid=w", json!(null)),
            ("GET /api/tasks/poll/batch/t?count=3&timeout=0", json!(null)),
            (
                "POST /api/tasks",
                json!({"workflowInstanceId": "@ID", "taskId": "@TASK", "status": "COMPLETED", "outputData": {"x": 1}}),
            ),
            (
                "POST /api/tasks/update-v2",
                json!({"workflowInstanceId": "@ID", "taskId": "@TASK", "status": "FAILED", "reasonForIncompletion": "r"}),
            ),
            ("POST /api/tasks/@ID/t/COMPLETED", json!({"x": 2})),
            ("GET /api/tasks/@TASK", json!(null)),
            ("GET /api/event", json!(null)),
            ("DELETE /api/event/start_shipping_workflow", json!(null)),
        ];
        for d in definitions {
            seeds.push(("POST /api/metadata/workflow", json!([d.clone()])));
            seeds.push((
                "POST /api/workflow",
                json!({"name": "inline", "input": {"a": 1}, "workflowDef": d}),
            ));
        }
        for h in handlers.into_iter().flat_map(|h| match h {
            Value::Array(a) => a,
            other => vec![other],
        }) {
            seeds.push(("POST /api/event", h));
        }
        ConductorRest {
            server: Server::new(),
            seeds,
        }
    }
}

fn conductor_setup(s: &mut Server) {
    let simple = json!([{"name": "fuzz", "version": 1, "tasks": [{"name": "t", "taskReferenceName": "t", "type": "SIMPLE"}]}]);
    s.rest(
        "POST",
        "/api/metadata/workflow",
        simple.to_string().into_bytes(),
    );
}

impl Server {
    fn rest(&mut self, method: &str, path: &str, body: Vec<u8>) -> Option<Value> {
        let request = stepwise::serve::conductor::Request::new(method, path, body)?;
        let answer = stepwise::serve::conductor::call(&self.app.conductor, &request);
        let text = String::from_utf8_lossy(&answer.body);
        if answer.status == 200 && !text.starts_with(['{', '[']) && !text.is_empty() {
            self.remember("@ID", &text);
        }
        let value: Value = serde_json::from_str(&text).ok()?;
        if let Some(task) = value.get("taskId").and_then(Value::as_str) {
            self.remember("@TASK", task);
        }
        Some(value)
    }
}

impl Target for ConductorRest {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        request(rng, &self.seeds, CONDUCTOR_TOKENS)
    }

    fn run(&mut self, input: &[u8]) {
        self.server.next(&conductor_setup);
        let (line, body) = split(input);
        let line = self.server.fill(&line);
        let (method, path) = line.split_once(' ').unwrap_or((&line, "/api"));
        let body = self.server.fill(&String::from_utf8_lossy(&body));
        let body = if body == "null" {
            Vec::new()
        } else {
            body.into_bytes()
        };
        self.server.rest(method, path, body);
    }
}
