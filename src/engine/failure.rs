//! Catchable ASL errors (`{Error, Cause}`) and the uncatchable `States.Runtime`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// An error travelling up from a state. `fatal` marks `States.Runtime`: AWS never retries or
/// catches it, not even with `"ErrorEquals": ["States.Runtime"]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub error: Option<String>,
    pub cause: Option<String>,
    pub fatal: bool,
}

pub const RUNTIME: &str = "States.Runtime";
pub const TIMEOUT: &str = "States.Timeout";
pub const TASK_FAILED: &str = "States.TaskFailed";
pub const DATA_LIMIT: &str = "States.DataLimitExceeded";

/// Standard workflows' payload limit, in bytes of UTF-8 JSON.
pub const MAX_PAYLOAD_BYTES: usize = 262_144;

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure {
            error: Some(error.into()),
            cause: Some(cause.into()),
            fatal: false,
        }
    }

    /// `States.Runtime` with AWS's prefix naming the state and its `*StateEntered` event.
    pub fn runtime(state: &str, entered_id: u64, detail: impl std::fmt::Display) -> Self {
        Failure {
            fatal: true,
            ..Failure::new(RUNTIME, in_state(state, entered_id, detail))
        }
    }

    /// A catchable error whose cause carries the same prefix as runtime errors.
    pub fn in_state(
        error: &str,
        state: &str,
        entered_id: u64,
        detail: impl std::fmt::Display,
    ) -> Self {
        Failure::new(error, in_state(state, entered_id, detail))
    }

    pub fn data_limit(state: &str) -> Self {
        Failure::new(
            DATA_LIMIT,
            format!(
                "The state/task '{state}' returned a result with a size exceeding the maximum number of bytes service limit."
            ),
        )
    }

    /// The error output a Catcher passes on: `{"Error": ..., "Cause": ...}`.
    pub fn output(&self) -> Value {
        json!({ "Error": self.error, "Cause": self.cause })
    }

    /// Whether a Retrier's or Catcher's `ErrorEquals` covers this error.
    pub fn matches(&self, names: &[String]) -> bool {
        if self.fatal {
            return false;
        }
        names.iter().any(|n| match n.as_str() {
            "States.ALL" => true,
            "States.TaskFailed" => self.error.as_deref() != Some(TIMEOUT),
            name => self.error.as_deref() == Some(name),
        })
    }
}

fn in_state(state: &str, entered_id: u64, detail: impl std::fmt::Display) -> String {
    format!(
        "An error occurred while executing the state '{state}' (entered at the event id #{entered_id}). {detail}"
    )
}

/// Size of `v` serialized as compact JSON, without building the text.
pub fn json_size(v: &Value) -> usize {
    measure(v).bytes
}

/// What serializing a value shows: its size and how deeply it nests.
#[derive(Default)]
struct Measure {
    bytes: usize,
    nesting: crate::data::depth::Scanner,
}

impl std::io::Write for Measure {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len();
        self.nesting.feed(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn measure(v: &Value) -> Measure {
    let mut m = Measure::default();
    let _ = serde_json::to_writer(&mut m, v);
    m
}

/// `States.DataLimitExceeded` when `v` is over the payload limit, or nested deeper than
/// stepwise accepts (`data::depth`: deeper data could not be stored and read back, and a loop
/// that wraps its data once per turn must end before the stack does).
pub fn check_size(v: &Value, state: &str) -> Result<(), Failure> {
    let m = measure(v);
    if m.bytes > MAX_PAYLOAD_BYTES {
        return Err(Failure::data_limit(state));
    }
    if m.nesting.deepest > crate::data::depth::MAX_DEPTH {
        return Err(Failure::new(
            DATA_LIMIT,
            format!(
                "The state/task '{state}' returned a result nested {} levels deep; stepwise accepts JSON nested at most {} levels.",
                m.nesting.deepest,
                crate::data::depth::MAX_DEPTH
            ),
        ));
    }
    Ok(())
}

/// AWS's limits on `Assign`: 256 KiB for one variable and for one state's assignments.
pub fn check_assigned(values: &serde_json::Map<String, Value>, state: &str) -> Result<(), Failure> {
    let mut total = 0;
    for (name, v) in values {
        let size = json_size(v);
        total += size;
        if size > MAX_PAYLOAD_BYTES {
            return Err(Failure::new(
                DATA_LIMIT,
                format!(
                    "The state '{state}' assigned the variable '{name}' a value of {size} bytes, over the limit of {MAX_PAYLOAD_BYTES} bytes."
                ),
            ));
        }
    }
    if total > MAX_PAYLOAD_BYTES {
        return Err(Failure::new(
            DATA_LIMIT,
            format!(
                "The state '{state}' assigned {total} bytes of variables at once, over the limit of {MAX_PAYLOAD_BYTES} bytes."
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(error: &str) -> Failure {
        Failure::new(error, "c")
    }

    #[test]
    fn matching_follows_aws_wildcards() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(f("X").matches(&names(&["States.ALL"])));
        assert!(f("X").matches(&names(&["States.TaskFailed"])));
        assert!(!f(TIMEOUT).matches(&names(&["States.TaskFailed"])));
        assert!(f(TIMEOUT).matches(&names(&["States.ALL"])));
        assert!(!Failure::runtime("s", 2, "x").matches(&names(&["States.ALL", "States.Runtime"])));
        let none = Failure {
            error: None,
            cause: None,
            fatal: false,
        };
        assert!(none.matches(&names(&["States.ALL"])));
        assert!(!none.matches(&names(&["X"])));
    }

    #[test]
    fn json_size_counts_utf8_bytes() {
        assert_eq!(json_size(&json!({"a": "é"})), r#"{"a":"é"}"#.len());
    }
}
