//! The JavaScript in a definition, compiled (never run) when it is read, so a script with a syntax
//! error is refused when the definition is registered, with the field's pointer and the engine's
//! line, column and reason, instead of failing a workflow when the task runs.
//!
//! Conductor checks a SWITCH `expression` (evaluatorType `javascript`) and a DECISION
//! `caseExpression` this way (`WorkflowTaskTypeConstraint`, "Expression is not well formatted");
//! stepwise checks every script it would run: also `graaljs` SWITCHes, DO_WHILE `loopCondition`s,
//! INLINE `expression`s and event-handler `condition`s.

use super::read::{Cx, Obj, child};
use crate::conductor::js::Script;
use serde_json::Value;

/// Reports `source` at `ptr` when it does not compile; `what` names it ("The SWITCH expression").
pub fn check(source: &str, ptr: &str, what: &str, cx: &mut Cx) {
    if let Err(e) = Script::parse(source) {
        cx.schema(ptr, format!("{what} is not valid JavaScript: {e}"));
    }
}

/// An INLINE task's `inputParameters.expression`, when it is JavaScript and known now: a literal
/// string (one holding `${…}` is only known once the inputs are resolved, when the task runs) with
/// evaluatorType absent, `javascript` or `graaljs`.
pub fn inline(obj: &Obj, cx: &mut Cx) {
    let Some(params) = obj.get("inputParameters").and_then(Value::as_object) else {
        return;
    };
    let javascript = match params.get("evaluatorType") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => matches!(s.as_str(), "javascript" | "graaljs"),
        Some(_) => false,
    };
    match params.get("expression") {
        Some(Value::String(source)) if javascript && !source.contains("${") => {
            let ptr = child(&obj.at("inputParameters"), "expression");
            check(source, &ptr, "The INLINE expression", cx);
        }
        _ => {}
    }
}
