//! Pass: `Result` (verbatim) or the effective input, placed by ResultPath.

use crate::asl::model::Pass;
use crate::engine::execution::FrameId;
use crate::engine::failure::check_size;
use crate::engine::io::eval_template;
use crate::engine::run::{Ctx, Step};

pub fn execute(ctx: &mut Ctx, fid: FrameId, p: &Pass) -> Step {
    let here = ctx.here(fid);
    let mut input = match ctx.effective_input(fid) {
        Ok(v) => v,
        Err(f) => return Step::Fail(f),
    };
    if let Some(t) = &p.parameters {
        input = match ctx.with_scope(fid, &input, None, |s| eval_template(t, s, &input, here)) {
            Ok(v) => v.into(),
            Err(f) => return Step::Fail(f),
        };
    }
    let result = p.result.clone().unwrap_or(input);
    if let Err(f) = check_size(&result, here.name) {
        return Step::Fail(f);
    }
    ctx.finish_result(fid, result, None, &p.result_path)
}
