//! Conductor's REST API under `/api/`, the subset `conductor-python` and Conductor's UI clients
//! use: metadata (`metadata.rs`), workflows (`workflows.rs`), tasks (`tasks.rs`). Answers are
//! Conductor's shapes; errors `{"status", "message", "instance", "retryable"}`.

mod metadata;
mod tasks;
mod workflows;

use crate::conductor::ops::OpError;
use crate::runtime::conductor::Conductor;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A request, read: method, the path after `/api/` split on `/` (percent-decoded), the query,
/// and the body.
pub struct Request {
    pub method: String,
    pub path: Vec<String>,
    pub query: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// An answer: status, content type and body.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(v: &Value) -> Answer {
        Answer {
            status: 200,
            content_type: "application/json",
            body: v.to_string().into_bytes(),
        }
    }

    pub fn text(s: &str) -> Answer {
        Answer {
            status: 200,
            content_type: "text/plain",
            body: s.as_bytes().to_vec(),
        }
    }

    pub fn empty(status: u16) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            body: Vec::new(),
        }
    }

    pub fn error(e: &OpError) -> Answer {
        let body = json!({
            "status": e.status,
            "message": e.message,
            "instance": "stepwise",
            "retryable": false,
        });
        Answer {
            status: e.status,
            ..Answer::json(&body)
        }
    }
}

pub type Result = std::result::Result<Answer, OpError>;

impl Request {
    /// Reads `/api/a/b?x=1` (anything else is `None`).
    pub fn new(method: &str, path_and_query: &str, body: Vec<u8>) -> Option<Request> {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let rest = path
            .strip_prefix("/api/")
            .or_else(|| (path == "/api").then_some(""))?;
        Some(Request {
            method: method.to_string(),
            path: rest
                .split('/')
                .filter(|s| !s.is_empty())
                .map(decode)
                .collect(),
            query: query
                .split('&')
                .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (decode(&k.replace('+', " ")), decode(&v.replace('+', " "))))
                .collect(),
            body,
        })
    }

    pub fn json(&self) -> std::result::Result<Value, OpError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        let body: Value = serde_json::from_slice(&self.body).map_err(|e| {
            OpError::bad_request(format!("The request body is not valid JSON: {e}"))
        })?;
        // The request wraps its data in a level or two of its own.
        if crate::data::depth::depth(&body) > crate::data::depth::MAX_DEPTH + 2 {
            crate::data::depth::check("The request body", &body).map_err(OpError::bad_request)?;
        }
        Ok(body)
    }

    /// A JSON object body (`{}` when empty).
    pub fn object(&self) -> std::result::Result<serde_json::Map<String, Value>, OpError> {
        match self.json()? {
            Value::Object(m) => Ok(m),
            _ => Err(OpError::bad_request(
                "The request body must be a JSON object",
            )),
        }
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A boolean query parameter, case-insensitive (`overwrite=True` from Python).
    pub fn flag(&self, name: &str, default: bool) -> bool {
        self.param(name)
            .map_or(default, |v| v.eq_ignore_ascii_case("true"))
    }

    pub fn int(&self, name: &str) -> std::result::Result<Option<i64>, OpError> {
        self.param(name)
            .map(|v| {
                v.parse().map_err(|_| {
                    OpError::bad_request(format!("{name} must be an integer, not '{v}'"))
                })
            })
            .transpose()
    }
}

/// Routes a request to its operation.
pub fn call(c: &Conductor, r: &Request) -> Answer {
    let p: Vec<&str> = r.path.iter().map(String::as_str).collect();
    let answer = match p.first().copied() {
        Some("metadata") => metadata::call(c, r, &p[1..]),
        Some("workflow") => workflows::call(c, r, &p[1..]),
        Some("tasks") => tasks::call(c, r, &p[1..]),
        Some("event") => metadata::event(c, r, &p[1..]),
        _ => Err(not_supported(r)),
    };
    answer.unwrap_or_else(|e| Answer::error(&e))
}

pub fn not_supported(r: &Request) -> OpError {
    OpError::not_found(format!(
        "{} /api/{} is not part of the Conductor API stepwise serves",
        r.method,
        r.path.join("/")
    ))
}

/// `%3A` → `:`, for the percent-encoded parts of a URL (a query's `+` is a space: replaced before).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&a), Some(&b)) if hex(a).is_some() && hex(b).is_some() => {
                out.push((hex(a).unwrap_or(0) * 16 + hex(b).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_and_queries() {
        let r = Request::new(
            "GET",
            "/api/event/sqs%3Aq?activeOnly=True&x&reason=not+needed%21",
            Vec::new(),
        )
        .unwrap();
        assert_eq!(r.path, ["event", "sqs:q"]);
        assert_eq!(r.param("reason"), Some("not needed!"));
        assert!(r.flag("activeOnly", false));
        assert_eq!(r.param("x"), None);
        assert!(Request::new("GET", "/other", Vec::new()).is_none());
    }
}
