//! Choice rules (JSONPath mode): parsing with diagnostics, and evaluation.
//!
//! INTERFACE STUB — the signatures below are the contract other modules compile against.

use crate::asl::diagnostic::Diagnostic;
use crate::data::jsonpath::{Path, PathError};
use serde_json::Value;

/// A Boolean expression or a data test (no `Next`; the top-level rule's `Next`/`Assign` are
/// read by the loader).
#[derive(Debug, Clone)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Test(Test),
}

/// `Variable` + one comparison operator.
#[derive(Debug, Clone)]
pub struct Test {
    _private: (),
}

/// Why evaluation failed (becomes `States.Runtime`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub message: String,
}

impl Condition {
    /// Parses a rule object found at JSON Pointer `pointer`. `top_level` rules carry `Next`
    /// (and may carry `Assign`, `Comment`); nested ones must not carry `Next`. All problems go to
    /// `diags`; returns `None` when the rule is unusable.
    pub fn parse(
        _rule: &Value,
        _pointer: &str,
        _top_level: bool,
        _diags: &mut Vec<Diagnostic>,
    ) -> Option<Condition> {
        unimplemented!()
    }

    /// Evaluates the condition. `resolve` returns `Ok(None)` when the path selects nothing.
    pub fn eval(
        &self,
        _resolve: &mut dyn FnMut(&Path) -> Result<Option<Value>, PathError>,
    ) -> Result<bool, EvalError> {
        unimplemented!()
    }

    /// Every path the condition reads.
    pub fn paths(&self) -> Vec<&Path> {
        unimplemented!()
    }
}
