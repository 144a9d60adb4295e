//! `arn:aws:states:::sqs:sendMessage` (and `.waitForTaskToken`): AWS's parameters and result
//! shape, over a backend — the embedded queue in the store, or an SQS endpoint.

pub mod embedded;
pub mod md5;
#[cfg(feature = "aws")]
pub mod remote;
#[cfg(not(feature = "aws"))]
#[path = "remote_without_sdk.rs"]
pub mod remote;

use super::{Handler, Reply};
use crate::asl::model::{Pattern, ResourceKind};
use crate::engine::Invocation;
use serde_json::{Map, Value, json};

/// A SendMessage request, from a Task's effective parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SendRequest {
    pub queue_url: String,
    pub body: String,
    /// `{"name": {"DataType", "StringValue" | "BinaryValue"}}`.
    pub attributes: Value,
    pub delay_seconds: Option<i64>,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
    /// The message's id on the embedded queue (a new UUID when `None`); SQS assigns its own.
    pub message_id: Option<String>,
}

impl SendRequest {
    /// `body` to the queue at `queue_url` (a URL, or a name for the embedded queue), with no
    /// attributes, delay or FIFO fields.
    pub fn body(queue_url: &str, body: &str) -> SendRequest {
        SendRequest {
            queue_url: queue_url.to_string(),
            body: body.to_string(),
            attributes: Value::Object(Map::new()),
            delay_seconds: None,
            group_id: None,
            deduplication_id: None,
            message_id: None,
        }
    }
}

impl std::fmt::Display for SqsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SQS.{}: {}", self.code, self.message)?;
        match &self.hint {
            Some(h) => write!(f, " {h}"),
            None => Ok(()),
        }
    }
}

/// What SQS answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub message_id: String,
    pub md5_of_body: String,
    pub md5_of_attributes: Option<String>,
}

/// An SQS error: `code` becomes the task error `SQS.<code>`.
#[derive(Debug, Clone, PartialEq)]
pub struct SqsError {
    pub code: String,
    pub error_code: String,
    /// The HTTP status; 0 when no response came (`SdkClientException`).
    pub status: u16,
    pub message: String,
    /// What the user can do about it (appended to the cause).
    pub hint: Option<String>,
}

pub trait Backend: Send {
    fn send(&self, request: &SendRequest) -> Result<Sent, SqsError>;
    /// Whether sends stay on this machine (the embedded queue): quick, performed in the loop.
    fn local(&self) -> bool {
        false
    }
}

/// Serves `sqs:sendMessage` Task states.
pub struct Sqs {
    backend: Box<dyn Backend>,
}

impl Sqs {
    pub fn new(backend: Box<dyn Backend>) -> Self {
        Sqs { backend }
    }
}

impl Handler for Sqs {
    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        let ResourceKind::Service { service, action } = &inv.resource.kind else {
            return None;
        };
        (service == "sqs" && action.starts_with("sendMessage")).then(|| self.backend.local())
    }

    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        let ResourceKind::Service { service, action } = &inv.resource.kind else {
            return None;
        };
        if service != "sqs" || !action.starts_with("sendMessage") {
            return None;
        }
        let request = match parse(&inv.payload) {
            Ok(r) => r,
            Err(reply) => return Some(reply),
        };
        Some(match self.backend.send(&request) {
            Ok(sent) if inv.resource.pattern == Pattern::WaitForTaskToken => {
                Reply::Pending(result(&sent))
            }
            Ok(sent) => Reply::Succeeded(result(&sent)),
            Err(e) => failure(&e),
        })
    }
}

/// Queue URL → queue name (its last path segment).
pub fn queue_name(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

fn parse(p: &Value) -> Result<SendRequest, Reply> {
    let invalid = |why: &str| {
        Reply::NotRunnable(format!(
            "The Parameters '{p}' could not be used to start the Task: [{why}]"
        ))
    };
    let queue_url = p
        .get("QueueUrl")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("The field \"QueueUrl\" is required but was missing"))?;
    let body = match p.get("MessageBody") {
        None | Some(Value::Null) => {
            return Err(failure(&SqsError {
                code: "AmazonSQSException".into(),
                error_code: "MissingParameter".into(),
                status: 400,
                message: "The request must contain the parameter MessageBody.".into(),
                hint: None,
            }));
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    Ok(SendRequest {
        queue_url: queue_url.to_string(),
        message_id: None,
        body,
        attributes: p
            .get("MessageAttributes")
            .cloned()
            .unwrap_or(Value::Object(Map::new())),
        delay_seconds: p.get("DelaySeconds").and_then(Value::as_i64),
        group_id: p
            .get("MessageGroupId")
            .and_then(Value::as_str)
            .map(str::to_string),
        deduplication_id: p
            .get("MessageDeduplicationId")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// The task result, shaped as Step Functions returns SendMessage's response.
fn result(sent: &Sent) -> Value {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut m = Map::new();
    m.insert("MD5OfMessageBody".into(), json!(sent.md5_of_body));
    if let Some(a) = &sent.md5_of_attributes {
        m.insert("MD5OfMessageAttributes".into(), json!(a));
    }
    m.insert("MessageId".into(), json!(sent.message_id));
    m.insert(
        "SdkHttpMetadata".into(),
        json!({
            "AllHttpHeaders": {"x-amzn-RequestId": [request_id], "connection": ["keep-alive"], "Content-Type": ["application/x-amz-json-1.0"]},
            "HttpHeaders": {"connection": "keep-alive", "Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id},
            "HttpStatusCode": 200
        }),
    );
    m.insert(
        "SdkResponseMetadata".into(),
        json!({"RequestId": request_id}),
    );
    Value::Object(m)
}

/// `SQS.<Code>` with the Java-SDK-style cause AWS records, plus what to do about it.
fn failure(e: &SqsError) -> Reply {
    let request_id = uuid::Uuid::new_v4();
    // No response (status 0): the SDK's client-side message alone, as AWS records it.
    let mut cause = if e.status == 0 {
        e.message.clone()
    } else {
        format!(
            "{} (Service: AmazonSQS; Status Code: {}; Error Code: {}; Request ID: {request_id}; Proxy: null)",
            e.message, e.status, e.error_code
        )
    };
    if let Some(h) = &e.hint {
        cause.push(' ');
        cause.push_str(h);
    }
    Reply::Failed {
        error: Some(format!("SQS.{}", e.code)),
        cause: Some(cause),
    }
}
