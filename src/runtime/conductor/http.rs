//! HTTP tasks, as Conductor's `HttpTask`: the request is `inputParameters.http_request` (or the
//! inputs themselves, the flat form), the output `response: {body, headers, statusCode,
//! reasonPhrase}` with a JSON body parsed; a status outside 2xx, or no answer, fails the task
//! (the task definition's retries then apply). Plain HTTP in every build, HTTPS with the `aws`
//! feature (its rustls).

use super::Conductor;
use crate::conductor::events::object;
use crate::conductor::ops::{self, TaskUpdate};
use crate::conductor::workflow::{TaskStatus, Workflow};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Conductor's default `connectionTimeOut` and `readTimeOut`, in milliseconds.
const DEFAULT_TIMEOUT_MS: u64 = 3000;

/// The largest answer body read: Conductor fails a task whose output passes its payload limit
/// (`maxTaskOutputPayloadSizeThreshold`, 10 MB by default), and so does an HTTP task here.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The request an HTTP task makes.
#[derive(Debug, Clone, PartialEq)]
struct Request {
    uri: String,
    method: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    connect_timeout: Duration,
    read_timeout: Duration,
}

/// What came back.
struct Response {
    status: u16,
    reason: String,
    headers: Map<String, Value>,
    body: String,
}

impl Conductor {
    /// Makes the HTTP task's request and records the outcome as the task's.
    pub(crate) fn http(&self, wf: &Workflow, task_id: &str) -> Result<(), String> {
        let Some(task) = wf.task(task_id).filter(|t| !t.status.is_terminal()) else {
            return Ok(());
        };
        let update = match request(&task.input_data) {
            Err(reason) => {
                TaskUpdate::new(task_id, TaskStatus::Failed, Map::new()).because(Some(reason))
            }
            Ok(req) => match call(req) {
                Ok(resp) => outcome(task_id, resp),
                Err(e) => {
                    let reason = format!("Failed to invoke HTTP task due to: {e}");
                    TaskUpdate::new(task_id, TaskStatus::Failed, object(json!({"response": e})))
                        .because(Some(reason))
                }
            },
        };
        self.apply_quietly(&wf.workflow_id, &mut |cx, wf| {
            ops::update_task(cx, wf, update.clone()).map(|_| ())
        })
        .map_err(|e| e.message)
    }
}

/// The task's update for an answer: COMPLETED on 2xx, else FAILED with the status, as
/// Conductor's RestTemplate reports it (`404 Not Found: "..."`).
fn outcome(task_id: &str, resp: Response) -> TaskUpdate {
    let ok = (200..300).contains(&resp.status);
    if !ok {
        let e = format!("{} {}: \"{}\"", resp.status, resp.reason, resp.body);
        let reason = format!("Failed to invoke HTTP task due to: {e}");
        return TaskUpdate::new(task_id, TaskStatus::Failed, object(json!({"response": e})))
            .because(Some(reason));
    }
    let body = if resp.body.is_empty() {
        Value::Null
    } else {
        parse_body(&resp.body)
    };
    let response = json!({
        "body": body,
        "headers": resp.headers,
        "statusCode": resp.status,
        "reasonPhrase": resp.reason,
    });
    TaskUpdate::new(
        task_id,
        TaskStatus::Completed,
        object(json!({"response": response})),
    )
}

/// A body as Conductor's `extractBody`: objects and arrays as JSON, numbers as doubles, other
/// JSON as its text, anything else as the string it is.
fn parse_body(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
        Ok(Value::Number(n)) => n.as_f64().map_or(Value::Null, Value::from),
        Ok(Value::String(s)) => Value::String(s),
        Ok(Value::Bool(b)) => Value::String(b.to_string()),
        Ok(Value::Null) => Value::String("null".into()),
        Err(_) => Value::String(text.to_string()),
    }
}

/// The request in a task's inputs, or why there is none (Conductor's messages).
fn request(input: &Map<String, Value>) -> Result<Request, String> {
    let spec = match input.get("http_request") {
        Some(Value::Object(m)) => m,
        Some(v) if !v.is_null() => {
            return Err("http_request must be an object with 'uri' and 'method'".into());
        }
        _ => input,
    };
    let text = |k: &str| spec.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(uri) = text("uri") else {
        return Err(
            "Missing HTTP URI.  See documentation for HttpTask for required input parameters"
                .into(),
        );
    };
    let Some(method) = text("method") else {
        return Err("No HTTP method specified".into());
    };
    let content_type = text("contentType").unwrap_or_else(|| "application/json".into());
    let accept = match spec.get("accept") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::String(s)) => s.clone(),
        _ => "application/json".into(),
    };
    let mut headers = vec![
        ("Content-Type".to_string(), content_type),
        ("Accept".to_string(), accept),
    ];
    if let Some(Value::Object(h)) = spec.get("headers") {
        for (k, v) in h {
            let v = match v {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v));
        }
    }
    let body = match spec.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone().into_bytes()),
        Some(other) => Some(other.to_string().into_bytes()),
    };
    let millis = |k: &str| {
        let ms = spec
            .get(k)
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_TIMEOUT_MS);
        Duration::from_millis(ms.clamp(1, 3_600_000))
    };
    Ok(Request {
        uri,
        method: method.to_ascii_uppercase(),
        headers,
        body,
        connect_timeout: millis("connectionTimeOut"),
        read_timeout: millis("readTimeOut"),
    })
}

/// Makes `req` on a thread of its own (the caller may be on an async runtime or not).
fn call(req: Request) -> Result<Response, String> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("could not start the HTTP client: {e}"))?;
        rt.block_on(send(req))
    })
    .join()
    .unwrap_or_else(|_| Err("the HTTP client stopped unexpectedly".into()))
}

async fn send(req: Request) -> Result<Response, String> {
    let uri: hyper::Uri = req
        .uri
        .parse()
        .map_err(|e| format!("the URI {} is not valid: {e}", req.uri))?;
    let method = hyper::Method::from_bytes(req.method.as_bytes())
        .map_err(|_| format!("the HTTP method {} is not valid", req.method))?;
    let mut builder = hyper::Request::builder().method(method).uri(uri.clone());
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let request = builder
        .body(Full::new(Bytes::from(req.body.clone().unwrap_or_default())))
        .map_err(|e| format!("could not build the request to {}: {e}", req.uri))?;
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(req.connect_timeout));
    http.enforce_http(false);
    let answer = async {
        let resp = connect_and_send(http, uri, request).await?;
        let status = resp.status();
        let mut headers = Map::new();
        for (name, value) in resp.headers() {
            let entry = headers
                .entry(name.as_str().to_string())
                .or_insert_with(|| json!([]));
            if let Value::Array(a) = entry {
                a.push(Value::from(String::from_utf8_lossy(value.as_bytes())));
            }
        }
        let bytes = http_body_util::Limited::new(resp.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| match e.downcast_ref::<http_body_util::LengthLimitError>() {
                Some(_) => format!(
                    "the answer from {} is larger than {} MiB, the most a task's output may hold",
                    req.uri,
                    MAX_BODY_BYTES / (1024 * 1024)
                ),
                None => format!("could not read the answer from {}: {e}", req.uri),
            })?
            .to_bytes();
        Ok(Response {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    };
    tokio::time::timeout(req.connect_timeout + req.read_timeout, answer)
        .await
        .map_err(|_| {
            format!(
                "I/O error on {} request for \"{}\": Read timed out",
                req.method, req.uri
            )
        })?
}

type Answer = hyper::Response<hyper::body::Incoming>;

#[cfg(feature = "aws")]
async fn connect_and_send(
    http: HttpConnector,
    uri: hyper::Uri,
    request: hyper::Request<Full<Bytes>>,
) -> Result<Answer, String> {
    let https = crate::integrations::aws::signed::https(http)?;
    let client = Client::builder(TokioExecutor::new()).build(https);
    client
        .request(request)
        .await
        .map_err(|e| no_answer(&uri, &e))
}

#[cfg(not(feature = "aws"))]
async fn connect_and_send(
    http: HttpConnector,
    uri: hyper::Uri,
    request: hyper::Request<Full<Bytes>>,
) -> Result<Answer, String> {
    if uri.scheme_str() == Some("https") {
        return Err(format!(
            "{uri}: this stepwise was built without TLS (--no-default-features); build it with the default features for HTTPS"
        ));
    }
    let client = Client::builder(TokioExecutor::new()).build(http);
    client
        .request(request)
        .await
        .map_err(|e| no_answer(&uri, &e))
}

/// A failed call, with the cause hyper-util keeps underneath ("connection refused", ...).
fn no_answer(uri: &hyper::Uri, e: &hyper_util::client::legacy::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    format!("I/O error on request for \"{uri}\": {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nested_and_the_flat_form_give_the_same_request() {
        let nested = object(
            json!({"http_request": {"uri": "http://h/x", "method": "post", "body": {"a": 1}}}),
        );
        let flat = object(json!({"uri": "http://h/x", "method": "post", "body": {"a": 1}}));
        let r = request(&nested).unwrap();
        assert_eq!(r, request(&flat).unwrap());
        assert_eq!(r.method, "POST");
        assert_eq!(r.body.as_deref(), Some(&b"{\"a\":1}"[..]));
    }

    #[test]
    fn a_request_without_uri_or_method_is_refused_with_conductors_words() {
        let e = request(&object(json!({"http_request": {"method": "GET"}}))).unwrap_err();
        assert!(e.starts_with("Missing HTTP URI"), "{e}");
        let e = request(&object(json!({"http_request": {"uri": "http://h"}}))).unwrap_err();
        assert_eq!(e, "No HTTP method specified");
    }

    #[test]
    fn bodies_are_read_as_conductor_reads_them() {
        assert_eq!(parse_body(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(parse_body("[1]"), json!([1]));
        assert_eq!(parse_body("3"), json!(3.0));
        assert_eq!(parse_body("\"hi\""), json!("hi"));
        assert_eq!(parse_body("plain text"), json!("plain text"));
    }
}
