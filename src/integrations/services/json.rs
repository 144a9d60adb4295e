//! Services that speak AWS JSON 1.0/1.1: one generic call. `X-Amz-Target` is the service's
//! target prefix and the operation, the Task's parameters are the body as given (PascalCase),
//! the JSON answer is the result. Timestamps travel as epoch seconds on the wire and as
//! ISO-8601 text in states, as Step Functions gives them.

use super::errors::{Failure, ServiceError, request_id};
use crate::data::timestamp::{format_nanos_rfc3339, parse_rfc3339};
use crate::integrations::aws::catalog::{Protocol, ServiceInfo};
use crate::integrations::aws::signed::{Request, Signed};
use serde_json::{Map, Value};
use std::time::Duration;

/// Calls `operation` of `service` with `params`; the answer's JSON, and its HTTP head.
pub fn call(
    client: &Signed,
    service: &ServiceInfo,
    operation: &str,
    params: &Value,
    limit: Option<Duration>,
) -> Result<(Value, crate::integrations::aws::signed::Response), Failure> {
    let version = if service.protocol == Protocol::Json10 {
        "1.0"
    } else {
        "1.1"
    };
    let mut body = match params {
        Value::Null => Value::Object(Map::new()),
        v => v.clone(),
    };
    stamps_to_wire(service, &mut body);
    let req = Request {
        method: "POST",
        signing_name: service.signing_name,
        endpoint_prefix: service.endpoint_prefix,
        host_label: None,
        path_and_query: "/".into(),
        headers: vec![
            (
                "x-amz-target".into(),
                format!("{}.{operation}", service.target_prefix),
            ),
            (
                "content-type".into(),
                format!("application/x-amz-json-{version}"),
            ),
        ],
        body: body.to_string().into_bytes(),
        s3: false,
    };
    let answer = client.call(&req, limit).map_err(Failure::NoAnswer)?;
    let parsed: Option<Value> = if answer.body.iter().all(u8::is_ascii_whitespace) {
        Some(Value::Object(Map::new()))
    } else {
        serde_json::from_slice(&answer.body).ok()
    };
    if !(200..300).contains(&answer.status) {
        return Err(error(&answer, parsed.as_ref()));
    }
    let Some(mut result) = parsed else {
        return Err(Failure::Unreadable(format!(
            "HTTP {} with a body that is not JSON",
            answer.status
        )));
    };
    stamps_from_wire(service, &mut result);
    Ok((result, answer))
}

/// The error in a JSON answer: `__type` (or `x-amzn-ErrorType`) without its namespace, and
/// `message`/`Message`.
fn error(answer: &crate::integrations::aws::signed::Response, body: Option<&Value>) -> Failure {
    let field = |k: &str| body.and_then(|b| b.get(k)).and_then(Value::as_str);
    let code = field("__type")
        .or_else(|| field("code"))
        .or_else(|| answer.header("x-amzn-errortype"))
        .map(|t| {
            let t = t.rsplit('#').next().unwrap_or(t);
            t.split(':').next().unwrap_or(t).to_string()
        });
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return Failure::Unreadable(format!("HTTP {} without an error code", answer.status));
    };
    let message = field("message")
        .or_else(|| field("Message"))
        .unwrap_or("(no message)")
        .to_string();
    Failure::Service(ServiceError {
        status: answer.status,
        code,
        message,
        request_id: request_id(answer),
        extended_id: None,
    })
}

/// Timestamps given as ISO-8601 text, at the service's timestamp members, as epoch seconds.
fn stamps_to_wire(service: &ServiceInfo, v: &mut Value) {
    walk(service, v, &|s: &Value| {
        let nanos = parse_rfc3339(s.as_str()?)?;
        serde_json::Number::from_f64(nanos as f64 / 1e9).map(Value::Number)
    });
}

/// Timestamps in epoch seconds, at the service's timestamp members, as ISO-8601 text.
fn stamps_from_wire(service: &ServiceInfo, v: &mut Value) {
    walk(service, v, &|n: &Value| {
        let secs = n.as_f64()?;
        // Millisecond precision, as the SDK keeps it.
        let ms = (secs * 1000.0).round() as i128;
        Some(Value::String(format_nanos_rfc3339(ms * 1_000_000)))
    });
}

fn walk(service: &ServiceInfo, v: &mut Value, convert: &dyn Fn(&Value) -> Option<Value>) {
    if service.timestamps.is_empty() {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, item) in m.iter_mut() {
                if service.is_timestamp(k)
                    && let Some(new) = convert(item)
                {
                    *item = new;
                    continue;
                }
                walk(service, item, convert);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(service, item, convert);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::aws::catalog::service;
    use serde_json::json;

    #[test]
    fn timestamps_are_text_in_states_and_seconds_on_the_wire() {
        let sm = service("secretsmanager").expect("secretsmanager");
        let mut v = json!({"CreatedDate": 1700000000.5, "Name": "s", "VersionIdsToStages": {"v": ["AWSCURRENT"]}});
        stamps_from_wire(sm, &mut v);
        assert_eq!(v["CreatedDate"], json!("2023-11-14T22:13:20.500Z"));
        assert_eq!(v["Name"], json!("s"));
        stamps_to_wire(sm, &mut v);
        assert_eq!(v["CreatedDate"], json!(1700000000.5));
    }
}
