//! The JSONPath input/output pipeline: InputPath → Parameters → result → ResultSelector →
//! ResultPath → OutputPath, with AWS's error texts.

use crate::asl::model::{IoPath, ResultPath};
use crate::data::intrinsic::EvalError;
use crate::data::template::{Scope, Template, TemplateError};
use crate::engine::failure::Failure;
use serde_json::{Map, Value};

/// Identifies the state in error causes.
#[derive(Clone, Copy)]
pub struct Here<'a> {
    pub name: &'a str,
    pub entered_id: u64,
}

impl Here<'_> {
    pub fn runtime(&self, detail: impl std::fmt::Display) -> Failure {
        Failure::runtime(self.name, self.entered_id, detail)
    }
}

/// InputPath and OutputPath: a missing path is `States.Runtime` with Jayway's message.
pub fn apply_io_path(path: &IoPath, scope: &mut dyn Scope, here: Here) -> Result<Value, Failure> {
    match path {
        IoPath::Whole => Ok(scope
            .document(&crate::data::jsonpath::Root::Input)
            .cloned()
            .unwrap_or(Value::Null)),
        IoPath::Empty => Ok(Value::Object(Map::new())),
        IoPath::Path(p) => crate::data::template::select(p, scope)
            .map(|v| v.into_owned())
            .map_err(|e| here.runtime(format!("Invalid path '{}' : {e}", p.source()))),
    }
}

/// Evaluates a payload template (Parameters, ResultSelector, ItemSelector) over `scope`, whose
/// input document is `input` (quoted in the error when a path selects nothing).
pub fn eval_template(
    t: &Template,
    scope: &mut dyn Scope,
    input: &Value,
    here: Here,
) -> Result<Value, Failure> {
    t.eval(scope).map_err(|e| template_failure(e, input, here))
}

pub fn template_failure(e: TemplateError, input: &Value, here: Here) -> Failure {
    match e {
        TemplateError::PathNotFound { field, path } => here.runtime(format!(
            "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
        )),
        TemplateError::Intrinsic { field, error: EvalError::Path { path, .. } } => here.runtime(format!(
            "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
        )),
        TemplateError::Intrinsic { field, error: EvalError::Failure(msg) } => {
            Failure::in_state("States.IntrinsicFailure", here.name, here.entered_id, format!("Invalid arguments in the field '{field}': {msg}"))
        }
    }
}

/// Places `result` into `raw_input` as ResultPath says.
pub fn apply_result_path(
    rp: &ResultPath,
    raw_input: Value,
    result: Value,
    here: Here,
) -> Result<Value, Failure> {
    match rp {
        ResultPath::Replace => Ok(result),
        ResultPath::Discard => Ok(raw_input),
        ResultPath::Path(p) => {
            let mut doc = raw_input;
            match p.set_in(&mut doc, result) {
                Ok(()) => Ok(doc),
                // `doc` is still the input: the message shows it (written out only now).
                Err(e) => Err(Failure::in_state(
                    "States.ResultPathMatchFailure",
                    here.name,
                    here.entered_id,
                    format!(
                        "Unable to apply ResultPath '{}' to input '{doc}': {e}",
                        p.source()
                    ),
                )),
            }
        }
    }
}
