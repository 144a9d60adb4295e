//! Pass: `Result` (verbatim) or the effective input, placed by ResultPath.

use crate::asl::model::Pass;
use crate::engine::execution::FrameId;
use crate::engine::failure::check_size;
use crate::engine::run::{Ctx, Step};

pub fn execute(ctx: &mut Ctx, fid: FrameId, p: &Pass) -> Step {
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
