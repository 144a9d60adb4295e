//! A TestState request as AWS's API takes it (`definition`, `input`, `inspectionLevel`,
//! `mock`, ...), read from its JSON body, with AWS's errors for what it refuses. The command
//! line builds the same body from its flags.

use serde_json::{Map, Value};

/// How much of the run the answer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Debug,
    Trace,
}

/// What the mock answers for the tested state.
#[derive(Debug, Clone, PartialEq)]
pub enum MockAnswer {
    Result(Value),
    Error {
        error: Option<String>,
        cause: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mock {
    pub answer: MockAnswer,
    /// `STRICT` (the default), `PRESENT` or `NONE`. stepwise has no service response models
    /// to check a mocked result against, so every mode accepts any JSON result.
    pub validation: String,
}

/// `stateConfiguration`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Configuration {
    /// How many times the state has been retried already (`RETRIABLE` needs attempts left).
    pub retrier_retry_count: u64,
    pub error_caused_by_state: Option<String>,
    pub map_iteration_failure_count: Option<u64>,
    pub map_item_reader_data: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub definition: String,
    pub role_arn: Option<String>,
    pub input: Value,
    pub level: Level,
    pub reveal_secrets: bool,
    pub variables: Map<String, Value>,
    pub state_name: Option<String>,
    pub mock: Option<Mock>,
    pub context: Option<Map<String, Value>>,
    pub config: Configuration,
}

/// A request AWS would refuse: its error code (`ValidationException`, `InvalidDefinition`,
/// `InvalidExecutionInput`) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn validation(message: impl Into<String>) -> Refusal {
        Refusal {
            code: "ValidationException",
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl Request {
    /// Reads a TestState request body.
    pub fn from_json(body: &Map<String, Value>) -> Result<Request, Refusal> {
        let text = |field: &str| -> Result<Option<String>, Refusal> {
            match body.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Refusal {
                    code: "SerializationException",
                    message: format!("'{field}' must be a string"),
                }),
            }
        };
        let definition = text("definition")?.ok_or_else(|| {
            Refusal::validation(
                "1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null",
            )
        })?;
        let input = match text("input")? {
            None => Value::Object(Map::new()),
            Some(t) => serde_json::from_str(&t).map_err(|e| Refusal {
                code: "InvalidExecutionInput",
                message: format!("Invalid State Machine Execution Input: '{e}'"),
            })?,
        };
        let level = match text("inspectionLevel")?.as_deref() {
            None | Some("INFO") => Level::Info,
            Some("DEBUG") => Level::Debug,
            Some("TRACE") => Level::Trace,
            Some(other) => {
                return Err(enum_refusal(
                    other,
                    "inspectionLevel",
                    "[INFO, DEBUG, TRACE]",
                ));
            }
        };
        let variables = match text("variables")? {
            None => Map::new(),
            Some(t) => match serde_json::from_str(&t) {
                Ok(Value::Object(m)) => m,
                _ => {
                    return Err(Refusal::validation(
                        "Invalid variables: 'variables' must be a JSON object whose keys are variable names",
                    ));
                }
            },
        };
        let context = match text("context")? {
            None => None,
            Some(t) => match serde_json::from_str(&t) {
                Ok(Value::Object(m)) => Some(m),
                _ => {
                    return Err(Refusal::validation(
                        "Invalid context: 'context' must be a JSON object (the context object, e.g. {\"Execution\": {...}})",
                    ));
                }
            },
        };
        let reveal_secrets = match body.get("revealSecrets") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Refusal::validation("'revealSecrets' must be a boolean")),
        };
        Ok(Request {
            definition,
            role_arn: text("roleArn")?,
            input,
            level,
            reveal_secrets,
            variables,
            state_name: text("stateName")?,
            mock: body.get("mock").map(mock).transpose()?,
            context,
            config: body
                .get("stateConfiguration")
                .map(configuration)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

fn enum_refusal(value: &str, field: &str, set: &str) -> Refusal {
    Refusal::validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: {set}"
    ))
}

fn mock(v: &Value) -> Result<Mock, Refusal> {
    let str_of = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let result = v.get("result").filter(|r| !r.is_null());
    let error = v.get("errorOutput").filter(|e| !e.is_null());
    let answer = match (result, error) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Refusal::validation(
                "A mock must have exactly one of 'result' and 'errorOutput'",
            ));
        }
        (Some(r), None) => {
            let text = r
                .as_str()
                .ok_or_else(|| Refusal::validation("'mock.result' must be JSON text"))?;
            MockAnswer::Result(serde_json::from_str(text).map_err(|e| {
                Refusal::validation(format!("'mock.result' is not valid JSON: {e}"))
            })?)
        }
        (None, Some(e)) => MockAnswer::Error {
            error: str_of(e.get("error")),
            cause: str_of(e.get("cause")),
        },
    };
    let validation = match v.get("fieldValidationMode").and_then(Value::as_str) {
        None => "STRICT".to_string(),
        Some(m @ ("STRICT" | "PRESENT" | "NONE")) => m.to_string(),
        Some(other) => {
            return Err(enum_refusal(
                other,
                "mock.fieldValidationMode",
                "[STRICT, PRESENT, NONE]",
            ));
        }
    };
    Ok(Mock { answer, validation })
}

fn configuration(v: &Value) -> Result<Configuration, Refusal> {
    let count = |field: &str| -> Result<Option<u64>, Refusal> {
        match v.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(n) => n.as_u64().map(Some).ok_or_else(|| {
                Refusal::validation(format!(
                    "'stateConfiguration.{field}' must be a non-negative integer"
                ))
            }),
        }
    };
    let reader = match v.get("mapItemReaderData").and_then(Value::as_str) {
        None => None,
        Some(t) => Some(serde_json::from_str(t).map_err(|e| {
            Refusal::validation(format!(
                "'stateConfiguration.mapItemReaderData' is not valid JSON: {e}"
            ))
        })?),
    };
    Ok(Configuration {
        retrier_retry_count: count("retrierRetryCount")?.unwrap_or(0),
        error_caused_by_state: v
            .get("errorCausedByState")
            .and_then(Value::as_str)
            .map(str::to_string),
        map_iteration_failure_count: count("mapIterationFailureCount")?,
        map_item_reader_data: reader,
    })
}
