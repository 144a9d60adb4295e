//! Pass: `Result` (verbatim) or the effective input, placed by ResultPath.

use crate::asl::model::{JsonataFields, Pass};
use crate::engine::execution::FrameId;
use crate::engine::failure::check_size;
use crate::engine::jsonata::{States, evaluate};
use crate::engine::run::{Ctx, Step};
use serde_json::Value;
use std::sync::Arc;

pub fn execute(ctx: &mut Ctx, fid: FrameId, p: &Pass) -> Step {
    if let Some(fields) = ctx.state_of(fid).jsonata.as_deref() {
        return jsonata(ctx, fid, fields);
    }
    let input = match ctx.parameters(fid, p.parameters.as_ref()) {
        Ok(v) => v,
        Err(f) => return Step::Fail(f),
    };
    let here = ctx.here(fid);
    let result = p.result.clone().unwrap_or(input);
    if let Err(f) = check_size(&result, here.name) {
        return Step::Fail(f);
    }
    ctx.finish_result(fid, result, None, &p.result_path)
}

/// A JSONata Pass: `Assign` and `Output` (default: the input), both over `$states.input`.
fn jsonata(ctx: &mut Ctx, fid: FrameId, fields: &JsonataFields) -> Step {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    let assigned = match &fields.assign {
        Some(a) => match evaluate(ctx, fid, a, "Assign", &states) {
            Ok(v) => Some(v),
            Err(f) => return Step::Fail(f),
        },
        None => None,
    };
    let output = match &fields.output {
        Some(o) => match evaluate(ctx, fid, o, "Output", &states) {
            Ok(v) => Arc::new(v),
            Err(f) => return Step::Fail(f),
        },
        None => input.clone(),
    };
    if let Err(f) = check_size(&output, ctx.here(fid).name) {
        return Step::Fail(f);
    }
    if let Some(Value::Object(values)) = assigned {
        ctx.x.frame_mut(fid).assigned = Some(values);
    }
    Step::Next(output)
}
