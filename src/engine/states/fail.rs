//! Fail: ends its branch (or the execution) with `Error` and `Cause`, literal or computed.

use crate::asl::model::{Fail, FailField};
use crate::data::template::{Template, TemplateError};
use crate::engine::execution::FrameId;
use crate::engine::failure::Failure;
use crate::engine::jsonata::{States, evaluate};
use crate::engine::run::{Ctx, Step};
use serde_json::Value;

pub fn execute(ctx: &mut Ctx, fid: FrameId, f: &Fail) -> Step {
    let error = match field(ctx, fid, &f.error, "Error") {
        Ok(v) => v,
        Err(e) => return Step::Fail(e),
    };
    let cause = match field(ctx, fid, &f.cause, "Cause") {
        Ok(v) => v,
        Err(e) => return Step::Fail(e),
    };
    Step::Fail(Failure {
        error,
        cause,
        fatal: false,
    })
}

/// `Error` or `Cause` (`key`): literal, through `ErrorPath`/`CausePath`, or JSONata.
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
        FailField::Jsonata(v) => return jsonata(ctx, fid, v, key),
    };
    let key = format!("{key}Path");
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

/// A JSONata Fail's `Error` or `Cause`: a literal string or an expression giving a string.
fn jsonata(
    ctx: &mut Ctx,
    fid: FrameId,
    value: &Value,
    key: &str,
) -> Result<Option<String>, Failure> {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    match evaluate(ctx, fid, value, key, &states)? {
        Value::String(s) => Ok(Some(s)),
        other => {
            let here = ctx.here(fid);
            Err(here.runtime(format!(
                "The value of the field '{key}' must be a string, but was: {other}"
            )))
        }
    }
}
