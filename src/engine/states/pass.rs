//! Pass: `Result` (verbatim) or the effective input, placed by ResultPath.

use crate::asl::model::Pass;
use crate::engine::execution::FrameId;
use crate::engine::failure::check_size;
use crate::engine::jsonata::output_and_assign;
use crate::engine::run::{Ctx, Step};
use serde_json::Value;

pub fn execute(ctx: &mut Ctx, fid: FrameId, p: &Pass) -> Step {
    if let Some(fields) = ctx.state_of(fid).io.jsonata() {
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
fn jsonata(
    ctx: &mut Ctx,
    fid: FrameId,
    (output, assign): (Option<&Value>, Option<&Value>),
) -> Step {
    match output_and_assign(ctx, fid, output, assign) {
        Ok(out) => Step::Next(out),
        Err(f) => Step::Fail(f),
    }
}
