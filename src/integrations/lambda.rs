//! Lambda functions through the Invoke API (`aws-sdk-lambda`): plain function ARNs and
//! `arn:aws:states:::lambda:invoke[.waitForTaskToken]`, against AWS itself or any server that
//! speaks the Invoke API (`sam local start-lambda`, LocalStack, ...).
//!
//! Local command bindings (`--lambda NAME=COMMAND`) come earlier in the router, so they win.

use super::aws;
use super::{Handler, Reply, command};
use crate::asl::model::{Pattern, ResourceKind};
use crate::engine::Invocation;
use crate::engine::failure::TIMEOUT;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::config::{Builder, Region};
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use serde_json::{Value, json};
use std::time::Duration;

/// How long an Invoke call may take when its Task has no `TimeoutSeconds`: Lambda's longest
/// synchronous invocation (15 minutes) and a minute for the network.
const MAX_INVOKE: Duration = Duration::from_secs(16 * 60);

/// Serves Lambda tasks when a Lambda endpoint is configured.
pub struct Lambda {
    /// A URL, or [`aws::AWS`].
    endpoint: String,
    /// Made on the first invocation, so that building a router costs nothing.
    conn: Option<Conn>,
}

struct Conn {
    rt: tokio::runtime::Runtime,
    client: Client,
    region: String,
}

/// One Invoke call, from a Task state.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    function: String,
    qualifier: Option<String>,
    payload: Value,
    invocation_type: Option<String>,
    log_type: Option<String>,
    client_context: Option<String>,
    /// `lambda:invoke` (the result is AWS's envelope), not a plain function ARN.
    optimized: bool,
}

impl Lambda {
    pub fn new(endpoint: &str) -> Self {
        Lambda {
            endpoint: endpoint.to_string(),
            conn: None,
        }
    }

    fn conn(&mut self) -> Result<&Conn, String> {
        match &mut self.conn {
            Some(c) => Ok(c),
            empty => Ok(empty.insert(connect(&self.endpoint)?)),
        }
    }

    /// Invokes the function; a Task's `TimeoutSeconds` (`task_timeout`) bounds the call, which
    /// then ends in `States.Timeout` as the Task would on AWS.
    fn call(&mut self, call: &Call, wait: bool, task_timeout: Option<u64>) -> Reply {
        let endpoint = self.endpoint.clone();
        let conn = match self.conn() {
            Ok(c) => c,
            Err(e) => return failed("Lambda.SdkClientException", e),
        };
        let mut request = conn
            .client
            .invoke()
            .function_name(&call.function)
            .set_qualifier(call.qualifier.clone())
            .payload(Blob::new(call.payload.to_string()))
            .set_invocation_type(call.invocation_type.as_deref().map(InvocationType::from))
            .set_log_type(call.log_type.as_deref().map(LogType::from))
            .set_client_context(call.client_context.clone())
            .customize();
        let mut overrides = None::<aws_sdk_lambda::config::Builder>;
        // On AWS, a function ARN names its region, whatever the default region is.
        let mut region = conn.region.clone();
        if let Some(r) =
            aws::region_in(&call.function).filter(|r| endpoint == aws::AWS && *r != region)
        {
            region = r.to_string();
            overrides = Some(Builder::default().region(Region::new(region.clone())));
        }
        let limit = task_timeout
            .map(Duration::from_secs)
            .filter(|t| *t < MAX_INVOKE);
        if let Some(t) = limit {
            overrides = Some(
                overrides
                    .unwrap_or_default()
                    .timeout_config(aws::sdk::timeouts(t)),
            );
        }
        if let Some(o) = overrides {
            request = request.config_override(o);
        }
        match (conn.rt.block_on(request.send()), limit) {
            (Ok(out), _) => answer(call, &out, wait),
            (Err(SdkError::TimeoutError(_)), Some(t)) => failed(
                TIMEOUT,
                format!(
                    "The Invoke call of function '{}' did not answer within the Task's TimeoutSeconds ({} s).",
                    call.function,
                    t.as_secs()
                ),
            ),
            (Err(e), _) => service_failure(&e, call, &endpoint, &region),
        }
    }
}

impl Handler for Lambda {
    /// Lambda tasks wait on the endpoint; the others are not this handler's.
    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        let lambda = match &inv.resource.kind {
            ResourceKind::LambdaFunction { .. } => true,
            ResourceKind::Service { service, .. } => service == "lambda",
            ResourceKind::Activity { .. } => false,
        };
        lambda.then_some(false)
    }

    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        let call = match parse(inv, self.endpoint != aws::AWS)? {
            Ok(c) => c,
            Err(reply) => return Some(reply),
        };
        let wait = inv.resource.pattern == Pattern::WaitForTaskToken;
        Some(self.call(&call, wait, inv.timeout_seconds))
    }
}

fn connect(endpoint: &str) -> Result<Conn, String> {
    let (client, rt, region) = aws::sdk::connect(endpoint, MAX_INVOKE, |sdk, url| {
        let mut config = aws_sdk_lambda::config::Builder::from(sdk);
        config.set_endpoint_url(url);
        Client::from_conf(config.build())
    })?;
    Ok(Conn { client, rt, region })
}

/// The Invoke call a task makes; `None` when the task is not a Lambda task. A local endpoint
/// gets the bare function name (local servers know functions by name), AWS the name as given.
fn parse(inv: &Invocation, local: bool) -> Option<Result<Call, Reply>> {
    let (function, optimized) = match &inv.resource.kind {
        ResourceKind::LambdaFunction { .. } => (inv.resource.arn.clone(), false),
        ResourceKind::Service { service, action }
            if service == "lambda" && action.starts_with("invoke") =>
        {
            match inv.payload.get("FunctionName").and_then(Value::as_str) {
                Some(f) => (f.to_string(), true),
                None => {
                    return Some(Err(Reply::NotRunnable(format!(
                        "The Parameters '{}' could not be used to start the Task: [The field \"FunctionName\" is required but was missing]",
                        inv.payload
                    ))));
                }
            }
        }
        _ => return None,
    };
    let p = &inv.payload;
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    let mut qualifier = if optimized { text("Qualifier") } else { None };
    let function = if local {
        let (name, q) = split_function(&function);
        qualifier = qualifier.or(q);
        name
    } else {
        function
    };
    Some(Ok(Call {
        function,
        qualifier,
        payload: if optimized {
            p.get("Payload").cloned().unwrap_or(json!({}))
        } else {
            p.clone()
        },
        invocation_type: if optimized {
            text("InvocationType")
        } else {
            None
        },
        log_type: if optimized { text("LogType") } else { None },
        client_context: if optimized {
            text("ClientContext")
        } else {
            None
        },
        optimized,
    }))
}

/// `arn:aws:lambda:R:A:function:NAME[:Q]`, `A:function:NAME[:Q]`, `NAME[:Q]` → (NAME, Q).
fn split_function(s: &str) -> (String, Option<String>) {
    let rest = s
        .find("function:")
        .map_or(s, |i| &s[i + "function:".len()..]);
    let mut parts = rest.splitn(2, ':');
    let name = parts.next().unwrap_or_default().to_string();
    (
        name,
        parts.next().filter(|q| !q.is_empty()).map(str::to_string),
    )
}

/// The task's outcome from Invoke's response: a function error fails the task with the
/// function's `errorType`; otherwise the payload (plain ARN) or AWS's envelope (`lambda:invoke`).
fn answer(call: &Call, out: &InvokeOutput, wait: bool) -> Reply {
    let text = out
        .payload()
        .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
        .unwrap_or_default();
    if let Some(kind) = out.function_error() {
        let error = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| {
                v.get("errorType")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "Lambda.Unknown".into());
        let cause = if text.trim().is_empty() {
            format!("The function failed ({kind}) and returned no payload.")
        } else {
            text
        };
        return failed(&error, cause);
    }
    let payload = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    match (wait, call.optimized) {
        (true, _) => Reply::Pending(envelope(payload, out)),
        (false, true) => Reply::Succeeded(envelope(payload, out)),
        (false, false) => Reply::Succeeded(payload),
    }
}

/// AWS's `lambda:invoke` result, with what the endpoint really answered.
fn envelope(payload: Value, out: &InvokeOutput) -> Value {
    let mut v = command::envelope(payload);
    let version = out.executed_version().unwrap_or("$LATEST");
    let status = out.status_code();
    v["ExecutedVersion"] = json!(version);
    v["StatusCode"] = json!(status);
    let meta = &mut v["SdkHttpMetadata"];
    meta["HttpStatusCode"] = json!(status);
    meta["AllHttpHeaders"]["X-Amz-Executed-Version"] = json!([version]);
    meta["HttpHeaders"]["X-Amz-Executed-Version"] = json!(version);
    if let Some(id) = out.request_id() {
        meta["AllHttpHeaders"]["x-amzn-RequestId"] = json!([id]);
        meta["HttpHeaders"]["x-amzn-RequestId"] = json!(id);
        v["SdkResponseMetadata"]["RequestId"] = json!(id);
    }
    if let Some(log) = out.log_result() {
        v["LogResult"] = json!(log);
    }
    v
}

/// `Lambda.<Code>` with the Java-SDK-style cause AWS records, or `Lambda.SdkClientException`
/// when no answer came; each with what to do about it.
fn service_failure(
    err: &SdkError<InvokeError>,
    call: &Call,
    endpoint: &str,
    region: &str,
) -> Reply {
    let SdkError::ServiceError(se) = err else {
        let why = aws::sdk::no_answer(err);
        return failed(
            "Lambda.SdkClientException",
            format!(
                "{} {}",
                why.message(),
                why.hint(aws::LAMBDA, endpoint, region)
            ),
        );
    };
    let e = se.err();
    let status = se.raw().status().as_u16();
    let code = e.code().unwrap_or("AWSLambdaException");
    let request_id = e
        .request_id()
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let mut cause = format!(
        "{} (Service: AWSLambda; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; Proxy: null)",
        e.message().unwrap_or("(no message)")
    );
    let place = aws::place(endpoint, region);
    let (name, _) = split_function(&call.function);
    let hint = match e {
        InvokeError::ResourceNotFoundException(_) => Some(format!(
            "(stepwise: {place} has no function '{}': deploy it there, or serve it with a local command: --lambda '{name}=COMMAND')",
            call.function
        )),
        _ if e.code().is_none() => Some(format!(
            "(stepwise: {place} answered HTTP {status} without a Lambda error: is it a Lambda Invoke API endpoint?)"
        )),
        _ => None,
    };
    if let Some(h) = hint {
        cause.push(' ');
        cause.push_str(&h);
    }
    failed(&format!("Lambda.{code}"), cause)
}

fn failed(error: &str, cause: String) -> Reply {
    Reply::Failed {
        error: Some(error.to_string()),
        cause: Some(cause),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_split_into_name_and_qualifier() {
        let cases = [
            (
                "arn:aws:lambda:us-east-1:123456789012:function:greet",
                ("greet", None),
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:greet:live",
                ("greet", Some("live")),
            ),
            ("123456789012:function:greet:7", ("greet", Some("7"))),
            ("greet", ("greet", None)),
            ("greet:$LATEST", ("greet", Some("$LATEST"))),
        ];
        for (s, (name, q)) in cases {
            assert_eq!(
                split_function(s),
                (name.to_string(), q.map(str::to_string)),
                "{s}"
            );
        }
    }
}
