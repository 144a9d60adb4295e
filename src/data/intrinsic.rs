//! Intrinsic functions (`States.Format(...)` and the other 17): parser and evaluator.
//!
//! INTERFACE STUB — the signatures below are the contract other modules compile against.

use crate::data::jsonpath::{Path, PathError};
use serde_json::Value;

/// A parsed intrinsic call, validated at load time.
#[derive(Debug, Clone)]
pub struct Call {
    _private: (),
}

/// What the evaluator needs from its host: path resolution and randomness.
pub trait Env {
    /// Resolves a path argument (`$.x`, `$$.Execution.Name`, `$var`).
    fn resolve(&mut self, path: &Path) -> Result<Value, PathError>;
    /// 64 random bits (the engine supplies them deterministically from the execution's seed).
    fn random_u64(&mut self) -> u64;
}

/// Why a call failed at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A path argument could not be resolved.
    Path { path: String, error: PathError },
    /// The function rejected its arguments: becomes `States.IntrinsicFailure` with this cause.
    Failure(String),
}

/// True when `src` should be read as an intrinsic call rather than a path
/// (it does not start with `$`).
pub fn looks_like_call(src: &str) -> bool {
    !src.starts_with('$')
}

impl Call {
    /// Parses and validates a call: known function name, argument syntax, string escapes,
    /// nesting depth ≤ 10. The error message is for a diagnostic.
    pub fn parse(_src: &str) -> Result<Call, String> {
        unimplemented!()
    }
    pub fn eval(&self, _env: &mut dyn Env) -> Result<Value, EvalError> {
        unimplemented!()
    }
    /// Every path argument, at any depth (for variable-reference analysis and validation).
    pub fn paths(&self) -> Vec<&Path> {
        unimplemented!()
    }
}
