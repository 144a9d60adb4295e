//! The JavaScript Conductor users write: SWITCH `expression`s (evaluatorType `javascript`/
//! `graaljs`), DO_WHILE `loopCondition`s, INLINE `expression`s and event-handler `condition`s
//! (conductor-semantics §3.4, §3.5, §3.8, §4.3).
//!
//! Conductor runs these in GraalJS with the input bound as the global `$`, in a fresh context per
//! evaluation. stepwise embeds QuickJS (through `rquickjs`) and does the same: the whole language
//! (loops, arrow functions, regular expressions, `Date`, `try`/`catch`, ...), sandboxed — no file,
//! network, process or module access, a memory limit and a time budget (`engine`). Each thread
//! keeps one context and puts its globals back after every evaluation, so no script sees what
//! another left, without paying for a new context each time (`engine`, `sandbox.js`). The result
//! becomes JSON the way Conductor converts a GraalJS value (`convert`).
//!
//! [`Script::parse`] checks the syntax without running anything, so a definition is rejected at
//! load time with the line, column and reason; [`Script::eval`] runs it against an input.

mod convert;
mod engine;

use serde_json::Value;
use std::fmt;

/// The most memory one evaluation's JavaScript heap may take.
const MEMORY_LIMIT: usize = 32 * 1024 * 1024;
/// The most native stack the engine may use for nested calls (QuickJS checks it and throws a
/// `RangeError`), well within the 2 MiB of a worker thread.
const STACK_LIMIT: usize = 512 * 1024;
/// How long one evaluation may run before it is interrupted.
const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);
/// How deeply the result may nest when converted to JSON (a value that refers to itself never ends).
const MAX_WALK: usize = 256;

/// A checked program, ready to run against any number of inputs.
#[derive(Debug, Clone)]
pub struct Script {
    source: String,
}

/// A problem, with the line and column where it is when the engine knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsError {
    /// What went wrong, e.g. "TypeError: cannot read property 'x' of undefined".
    pub message: String,
    /// The line and column (both from 1) in the source where it went wrong, when known.
    pub at: Option<(u32, u32)>,
}

impl Script {
    /// Checks the syntax of `source` without running it.
    pub fn parse(source: &str) -> Result<Script, JsError> {
        engine::check(source)?;
        Ok(Script {
            source: source.to_string(),
        })
    }

    /// Runs with `$` bound to `input`; the value of the program as JSON: the completion value of
    /// the script, as `eval` gives it (so a single expression's value, or the wrapper's return
    /// value). `undefined`, functions' and symbols' values become `null`, as do `NaN` and
    /// `Infinity`; integral numbers become JSON integers; a `Map` becomes an object of its
    /// entries; other objects (`Set` and `Date` included) become their own enumerable
    /// properties, as Conductor converts them.
    pub fn eval(&self, input: &Value) -> Result<Value, JsError> {
        engine::eval(&self.source, input)
    }
}

/// Conductor's truthiness for conditions: JSON `true`, or a number > 0. Everything else is
/// false (the string `"true"` is false!).
pub fn conductor_truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n > 0.0),
        _ => false,
    }
}

impl JsError {
    /// An error with no place in the source.
    fn new(message: impl Into<String>) -> JsError {
        JsError {
            message: message.into(),
            at: None,
        }
    }
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => write!(f, "{} (at line {line}, column {column})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for JsError {}

#[cfg(test)]
mod tests;
