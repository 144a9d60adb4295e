//! S3 through its REST-XML API, for the operations in the catalog: the Task's parameters go
//! to the path, query, headers and body as the model binds them; the answer's headers and XML
//! become the SDK's output members (sorted, `Body` last, as Step Functions gives them). A local
//! endpoint gets path-style URLs (`http://HOST:PORT/bucket/key`), AWS virtual-hosted ones.

use super::errors::{Failure, ServiceError, request_id};
use super::xml;
use crate::integrations::aws::AWS;
use crate::integrations::aws::catalog::{At, Kind, RestOp, S3_XML};
use crate::integrations::aws::signed::{Request, Response, Signed};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};
use std::time::Duration;

/// What SigV4 and S3 leave unencoded in a path segment or query value.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

const NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Calls `op` with `params`: the result, and the answer's HTTP head.
pub fn call(
    client: &Signed,
    op: &RestOp,
    params: &Value,
    limit: Option<Duration>,
) -> Result<(Value, Response), Failure> {
    let req = request(op, params, client.endpoint() == AWS)?;
    let answer = client.call(&req, limit).map_err(Failure::NoAnswer)?;
    if !(200..300).contains(&answer.status) {
        return Err(error(op, &answer));
    }
    Ok((result(op, &answer)?, answer))
}

/// The HTTP request for `op`; `aws`: virtual-hosted addressing for a DNS-safe bucket.
fn request(op: &RestOp, params: &Value, aws: bool) -> Result<Request, Failure> {
    let get = |member: &str| params.get(member).filter(|v| !v.is_null());
    let (template, fixed_query) = op.uri.split_once('?').unwrap_or((op.uri, ""));
    let mut path = template.to_string();
    let mut host_label = None;
    let mut query: Vec<(String, String)> = fixed_query
        .split('&')
        .filter(|q| !q.is_empty())
        .map(|q| match q.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (q.to_string(), String::new()),
        })
        .collect();
    let mut headers = Vec::new();
    let mut body = Vec::new();
    for b in op.input {
        let Some(v) = get(b.member) else {
            if b.at == At::Uri {
                return Err(Failure::Service(ServiceError {
                    status: 400,
                    code: "InvalidRequest".into(),
                    message: format!("The field \"{}\" is required but was missing", b.member),
                    request_id: uuid::Uuid::new_v4().to_string(),
                    extended_id: None,
                }));
            }
            continue;
        };
        match b.at {
            At::Uri => {
                let text = text(v);
                let greedy = format!("{{{}+}}", b.wire);
                let encoded = if path.contains(&greedy) {
                    text.split('/')
                        .map(|s| utf8_percent_encode(s, UNRESERVED).to_string())
                        .collect::<Vec<_>>()
                        .join("/")
                } else {
                    utf8_percent_encode(&text, UNRESERVED).to_string()
                };
                if b.wire == "Bucket" && aws && dns_safe(&text) {
                    host_label = Some(format!("{text}."));
                    path = path.replacen("/{Bucket}", "", 1);
                } else {
                    path = path
                        .replace(&greedy, &encoded)
                        .replace(&format!("{{{}}}", b.wire), &encoded);
                }
            }
            At::Query => query.push((b.wire.to_string(), text(v))),
            At::Header => headers.push((b.wire.to_ascii_lowercase(), text(v))),
            At::HeaderPrefix => {
                if let Value::Object(m) = v {
                    for (k, item) in m {
                        headers.push((format!("{}{}", b.wire, k.to_ascii_lowercase()), text(item)));
                    }
                }
            }
            At::Payload => {
                body = match (b.kind, v) {
                    (Kind::Blob | Kind::Str, Value::String(s)) => s.clone().into_bytes(),
                    // A non-string object body is stored as its compact JSON, as AWS does.
                    (Kind::Blob | Kind::Str, other) => other.to_string().into_bytes(),
                    (_, other) => xml::write(b.wire, NAMESPACE, other).into_bytes(),
                };
            }
            At::Status => {}
        }
    }
    if path.is_empty() {
        path.push('/');
    }
    if !query.is_empty() {
        let q: Vec<String> = query
            .iter()
            .map(|(k, v)| {
                if v.is_empty() && fixed_query.split('&').any(|f| f == k) {
                    k.clone()
                } else {
                    format!(
                        "{}={}",
                        utf8_percent_encode(k, UNRESERVED),
                        utf8_percent_encode(v, UNRESERVED)
                    )
                }
            })
            .collect();
        path = format!("{path}?{}", q.join("&"));
    }
    Ok(Request {
        method: op.method,
        signing_name: "s3",
        endpoint_prefix: "s3",
        host_label,
        path_and_query: path,
        headers,
        body,
        s3: true,
    })
}

/// Whether a bucket can be a host label (no dots: TLS certificates cover one label).
fn dns_safe(bucket: &str) -> bool {
    !bucket.is_empty()
        && bucket.len() <= 63
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The output members: headers and status as bound, then the body (an object's text, or the
/// XML answer's members).
fn result(op: &RestOp, answer: &Response) -> Result<Value, Failure> {
    let mut m = Map::new();
    let mut payload = None;
    for b in op.output {
        match b.at {
            At::Header => {
                if let Some(v) = answer.header(b.wire) {
                    m.insert(b.member.to_string(), xml::scalar(v, b.kind));
                }
            }
            At::HeaderPrefix => {
                let prefix = b.wire.to_ascii_lowercase();
                let meta: Map<String, Value> = answer
                    .headers
                    .iter()
                    .filter_map(|(n, v)| {
                        n.strip_prefix(&prefix)
                            .map(|k| (k.to_string(), Value::String(v.clone())))
                    })
                    .collect();
                m.insert(b.member.to_string(), Value::Object(meta));
            }
            At::Status => {
                m.insert(b.member.to_string(), Value::from(answer.status));
            }
            At::Payload => payload = Some(b),
            At::Uri | At::Query => {}
        }
    }
    match payload {
        Some(b) if matches!(b.kind, Kind::Blob | Kind::Str) => {
            let body = String::from_utf8_lossy(&answer.body).into_owned();
            let mut sorted = sorted(m);
            sorted.insert(b.member.to_string(), Value::String(body));
            return Ok(Value::Object(sorted));
        }
        Some(b) if !answer.body.is_empty() => {
            let el = xml::parse(&answer.body).map_err(Failure::Unreadable)?;
            m.insert(b.member.to_string(), xml::value(&el, b.kind, S3_XML));
        }
        _ if !answer.body.iter().all(u8::is_ascii_whitespace) && op.method != "HEAD" => {
            let el = xml::parse(&answer.body).map_err(Failure::Unreadable)?;
            m.extend(xml::structure(&el, S3_XML));
        }
        _ => {}
    }
    Ok(Value::Object(sorted(m)))
}

fn sorted(m: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// `<Error><Code>NoSuchKey</Code><Message>…</Message><RequestId>…</RequestId><HostId>…`; a
/// HEAD answer has no body: its status names the operation's modeled error.
fn error(op: &RestOp, answer: &Response) -> Failure {
    let doc = xml::parse(&answer.body).ok();
    let err = doc.as_ref().filter(|d| d.name == "Error");
    let code = err
        .and_then(|e| e.text_of("Code"))
        .map(str::to_string)
        .or_else(|| match answer.status {
            404 => op
                .errors
                .iter()
                .find(|e| e.starts_with("NoSuch"))
                .map(|e| e.to_string())
                .or(Some("NotFound".into())),
            403 => Some("AccessDenied".into()),
            _ => None,
        });
    let Some(code) = code else {
        return Failure::Unreadable(format!("HTTP {} without an error code", answer.status));
    };
    Failure::Service(ServiceError {
        status: answer.status,
        message: err
            .and_then(|e| e.text_of("Message"))
            .map_or_else(|| reason(answer.status).to_string(), str::to_string),
        code,
        request_id: err
            .and_then(|e| e.text_of("RequestId"))
            .map_or_else(|| request_id(answer), str::to_string),
        extended_id: err
            .and_then(|e| e.text_of("HostId"))
            .or_else(|| answer.header("x-amz-id-2"))
            .map(str::to_string),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        _ => "(no message)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::aws::catalog::s3_operation;
    use serde_json::json;

    #[test]
    fn requests_bind_parameters_to_path_query_and_headers() {
        let op = s3_operation("PutObject").expect("PutObject");
        let r = request(
            op,
            &json!({"Bucket": "b", "Key": "dir/a b.json", "Body": {"Dict": "Value"}, "ContentType": "application/json", "Metadata": {"Who": "me"}}),
            false,
        )
        .expect("a request");
        assert_eq!(
            (r.method, r.path_and_query.as_str()),
            ("PUT", "/b/dir/a%20b.json")
        );
        assert_eq!(r.body, br#"{"Dict":"Value"}"#);
        assert!(
            r.headers
                .contains(&("content-type".into(), "application/json".into()))
        );
        assert!(r.headers.contains(&("x-amz-meta-who".into(), "me".into())));
        let op = s3_operation("ListObjectsV2").expect("ListObjectsV2");
        let r = request(op, &json!({"Bucket": "b", "Prefix": "a/"}), true).expect("a request");
        assert_eq!(r.host_label.as_deref(), Some("b."));
        assert_eq!(r.path_and_query, "/?list-type=2&prefix=a%2F");
        let op = s3_operation("GetObject").expect("GetObject");
        assert!(request(op, &json!({"Key": "k"}), false).is_err());
    }
}
