//! The AWS JSON 1.0 protocol as a server sees it: errors with AWS's names and status codes, and
//! reading the fields of a request body with the errors AWS gives for missing or wrong ones.

use serde_json::{Map, Value, json};

/// An error answer: `{"__type": code, "message": ...}` with `status`. `query_code` is the
/// legacy SQS code sent in `x-amzn-query-error` (SQS is "awsQueryCompatible": boto3 maps it to
/// its modeled exceptions).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub query_code: Option<String>,
}

pub type Reply = Result<Value, ApiError>;

impl ApiError {
    /// A client error (HTTP 400).
    pub fn new(code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            code: code.to_string(),
            message: message.into(),
            query_code: None,
        }
    }

    pub fn internal(message: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: 500,
            code: "InternalFailure".into(),
            message: format!("stepwise could not complete the request: {message}"),
            query_code: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new("ValidationException", message)
    }

    /// A field that must be there.
    pub fn missing(field: &str) -> ApiError {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ))
    }

    pub fn with_query_code(mut self, code: &str) -> ApiError {
        self.query_code = Some(code.to_string());
        self
    }

    pub fn body(&self) -> Value {
        json!({"__type": self.code, "message": self.message})
    }
}

impl From<crate::store::Error> for ApiError {
    fn from(e: crate::store::Error) -> ApiError {
        ApiError::internal(e)
    }
}

/// A request body: a JSON object (an empty body counts as `{}`).
pub struct Body(pub Map<String, Value>);

impl Body {
    pub fn parse(bytes: &[u8]) -> Result<Body, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Map::new()));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(m)) => Ok(Body(m)),
            Ok(_) => Err(ApiError::new(
                "SerializationException",
                "Start of structure or map found where not expected: the request body must be a JSON object",
            )),
            Err(e) => Err(ApiError::new(
                "SerializationException",
                format!("The request body is not valid JSON: {e}"),
            )),
        }
    }

    /// An optional string field; `null` counts as absent, another type is an error.
    pub fn opt_str(&self, field: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::new(
                "SerializationException",
                format!("'{field}' must be a string"),
            )),
        }
    }

    pub fn str(&self, field: &str) -> Result<&str, ApiError> {
        self.opt_str(field)?.ok_or_else(|| ApiError::missing(field))
    }

    pub fn opt_bool(&self, field: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::new(
                "SerializationException",
                format!("'{field}' must be a boolean"),
            )),
        }
    }

    pub fn opt_i64(&self, field: &str) -> Result<Option<i64>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| {
                ApiError::new(
                    "SerializationException",
                    format!("'{field}' must be an integer"),
                )
            }),
        }
    }

    /// An optional field of any JSON type.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    /// A string no longer than `max` characters.
    pub fn bounded(&self, field: &str, max: usize) -> Result<Option<&str>, ApiError> {
        let s = self.opt_str(field)?;
        if let Some(s) = s
            && s.chars().count() > max
        {
            return Err(too_long(field, s, max));
        }
        Ok(s)
    }
}

/// AWS's wording for a string over its length constraint.
pub fn too_long(field: &str, value: &str, max: usize) -> ApiError {
    let shown: String = value.chars().take(40).collect();
    ApiError::validation(format!(
        "1 validation error detected: Value '{shown}...' at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}"
    ))
}

/// Epoch milliseconds as the protocol's timestamps: epoch seconds, a JSON number.
pub fn epoch(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// An opaque pagination token for a position.
pub fn page_token(position: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position)
}

/// The position a `page_token` stands for; `InvalidToken` for anything else, as AWS answers.
pub fn page_position(token: &str) -> Result<String, ApiError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::new("InvalidToken", format!("Invalid Token: '{token}'")))
}

/// One page of `all` (in name order) for a `List*` operation with `maxResults` and `nextToken`:
/// `{key: [item(...)...], "nextToken"?}`. The token is the name of the page's last entry.
pub fn page_by_name<T>(
    body: &Body,
    key: &str,
    all: &[T],
    name: impl Fn(&T) -> &str,
    item: impl Fn(&T) -> Value,
) -> Reply {
    let max = max_results(body, 100, 1000)?;
    let after = body.opt_str("nextToken")?.map(page_position).transpose()?;
    let rest: Vec<&T> = all
        .iter()
        .filter(|r| after.as_deref().is_none_or(|a| name(r) > a))
        .collect();
    let page = &rest[..rest.len().min(max)];
    let mut out = Map::new();
    out.insert(key.into(), page.iter().map(|r| item(r)).collect());
    if rest.len() > page.len()
        && let Some(last) = page.last()
    {
        out.insert("nextToken".into(), json!(page_token(name(last))));
    }
    Ok(Value::Object(out))
}

/// `maxResults`: 0 or absent is `default`; above `max` is a validation error.
pub fn max_results(body: &Body, default: usize, max: usize) -> Result<usize, ApiError> {
    match body.opt_i64("maxResults")? {
        None | Some(0) => Ok(default),
        Some(n) if n < 0 || n as usize > max => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {max}"
        ))),
        Some(n) => Ok(n as usize),
    }
}
