//! Fail: ends its branch (or the execution) with `Error` and `Cause`, literal or computed.

use crate::asl::model::{Fail, FailField, JsonataFields};
use crate::data::template::{Template, TemplateError};
use crate::engine::execution::FrameId;
use crate::engine::failure::Failure;
use crate::engine::jsonata::{States, evaluate};
use crate::engine::run::{Ctx, Step};
use serde_json::Value;

pub fn execute(ctx: &mut Ctx, fid: FrameId, f: &Fail) -> Step {
    if let Some(j) = ctx.state_of(fid).jsonata.as_deref() {
        return jsonata(ctx, fid, j);
    }
    let error = match field(ctx, fid, &f.error, "ErrorPath") {
        Ok(v) => v,
        Err(e) => return Step::Fail(e),
    };
    let cause = match field(ctx, fid, &f.cause, "CausePath") {
        Ok(v) => v,
        Err(e) => return Step::Fail(e),
    };
    Step::Fail(Failure {
        error,
        cause,
        fatal: false,
    })
}

fn field(
    ctx: &mut Ctx,
    fid: FrameId,
    field: &FailField,
    key: &str,
) -> Result<Option<String>, Failure> {
    let t: &Template = match field {
        FailField::Absent => return Ok(None),
        FailField::Literal(s) => return Ok(Some(s.clone())),
        FailField::Dynamic(t) => t,
    };
    let here = ctx.here(fid);
    let input = ctx.x.frame(fid).input.clone();
    let value = ctx.with_scope(fid, &input, None, |s| t.eval(s));
    match value {
        Ok(Value::String(s)) => Ok(Some(s)),
        Ok(other) => Err(here.runtime(format!("The value of the field '{key}' must be a string, but was: {other}"))),
        Err(TemplateError::PathNotFound { path, .. }) => Err(here.runtime(format!(
            "The JSONPath '{path}' specified for the field '{key}' could not be found in the input '{input}'"
        ))),
        Err(e) => Err(crate::engine::io::template_failure(e, &input, here)),
    }
}

/// A JSONata Fail: `Error` and `Cause`, literal strings or expressions giving strings.
fn jsonata(ctx: &mut Ctx, fid: FrameId, j: &JsonataFields) -> Step {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    let mut texts = [None, None];
    for (slot, (key, value)) in texts
        .iter_mut()
        .zip([("Error", &j.error), ("Cause", &j.cause)])
    {
        let Some(value) = value else { continue };
        match evaluate(ctx, fid, value, key, &states) {
            Ok(Value::String(s)) => *slot = Some(s),
            Ok(other) => {
                let here = ctx.here(fid);
                return Step::Fail(here.runtime(format!(
                    "The value of the field '{key}' must be a string, but was: {other}"
                )));
            }
            Err(f) => return Step::Fail(f),
        }
    }
    let [error, cause] = texts;
    Step::Fail(Failure {
        error,
        cause,
        fatal: false,
    })
}
