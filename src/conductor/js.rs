//! A small, safe evaluator for the JavaScript Conductor users write: SWITCH `expression`s
//! (evaluatorType `javascript`/`graaljs`), DO_WHILE `loopCondition`s, INLINE `expression`s and
//! event-handler `condition`s (conductor-semantics §3.4, §3.5, §3.8, §4.3).
//!
//! Conductor runs these in Nashorn or GraalJS with the input bound as the global `$`. We embed
//! no engine: [`Script::parse`] accepts the subset people write — ES5 expressions, `var`/`let`/
//! `const`, assignment to variables, `if`/`else`, blocks, and the two wrappers Conductor's
//! documentation uses, `(function(){ ... return x; })()` and `function e() { ... } e();` — and
//! rejects everything else at load time, naming the construct and its offset. [`Script::eval`]
//! runs the script with bounded nesting and a step budget, so no source and no input can
//! overflow the stack or run for long.
//!
//! The stages: `lex` (text → tokens), `parse` (tokens → syntax tree), `eval` (tree → value);
//! `value`, `ops`, `builtins`, `methods`, `json` and `text` hold JavaScript's value rules.

mod builtins;
mod eval;
mod json;
mod lex;
mod methods;
mod ops;
mod parse;
mod text;
mod value;

use serde_json::Value;
use std::fmt;

/// How deeply the syntax tree, the evaluation and the values a script builds may nest.
const MAX_DEPTH: u32 = 100;
/// How many evaluation steps a run may take; builtins charge one step per element they visit and
/// per 64 bytes of text they read or build.
const MAX_STEPS: u64 = 1_000_000;
/// How deeply conversions (`JSON.stringify`, the result) may walk into data, input included.
const MAX_WALK: usize = 256;

/// The opening of every "not supported" message.
const SUBSET: &str =
    "stepwise evaluates a subset of JavaScript (expressions, if/else, var, an IIFE with return)";

/// A parsed program, ready to run against any number of inputs.
#[derive(Debug, Clone)]
pub struct Script {
    body: parse::Body,
}

/// A problem, with the byte offset where it is when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsError {
    /// What went wrong, e.g. "TypeError: Cannot read property 'x' of undefined".
    pub message: String,
    /// The byte offset in the source where it went wrong, when known.
    pub offset: Option<usize>,
}

impl Script {
    /// Parses `source`, rejecting what stepwise does not evaluate (loops, functions other than
    /// the two wrappers, `new`, `this`, assignment to members, regular expressions, ...).
    pub fn parse(source: &str) -> Result<Script, JsError> {
        parse::program(source).map(|body| Script { body })
    }

    /// Runs with `$` bound to `input`; the value of the program as JSON: the completion value
    /// of the last expression statement evaluated, as `eval` gives it (so a single expression's
    /// value, or the wrapper's return value). `undefined`, `NaN` and `Infinity` become `null`;
    /// integral numbers within ±2⁵³ become JSON integers.
    pub fn eval(&self, input: &Value) -> Result<Value, JsError> {
        eval::run(&self.body, input)
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
    /// An error at `offset` in the source.
    fn at(message: impl Into<String>, offset: usize) -> JsError {
        JsError {
            message: message.into(),
            offset: Some(offset),
        }
    }

    /// An error whose place the caller fills in with [`JsError::or_at`].
    fn new(message: impl Into<String>) -> JsError {
        JsError {
            message: message.into(),
            offset: None,
        }
    }

    /// This error, placed at `offset` unless it already has a place.
    fn or_at(self, offset: usize) -> JsError {
        JsError {
            offset: self.offset.or(Some(offset)),
            ..self
        }
    }
}

/// "stepwise evaluates a subset ...; `what` is not supported here", at `offset`.
fn unsupported(what: &str, offset: usize) -> JsError {
    JsError::at(format!("{SUBSET}; {what} is not supported here"), offset)
}

/// The error for nesting past [`MAX_DEPTH`].
fn too_deep(offset: usize) -> JsError {
    JsError::at(
        format!("the script is nested too deeply (more than {MAX_DEPTH} levels)"),
        offset,
    )
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at byte {offset})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for JsError {}

#[cfg(test)]
mod tests;
