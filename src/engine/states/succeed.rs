//! Succeed: ends its branch (or the execution) with InputPath → OutputPath of its input.

use crate::engine::execution::FrameId;
use crate::engine::run::{Ctx, Step};

pub fn execute(ctx: &mut Ctx, fid: FrameId) -> Step {
    let step = match ctx.state_of(fid).jsonata.as_deref() {
        Some(j) => crate::engine::jsonata::output_and_assign(ctx, fid, j.output.as_ref(), None),
        None => ctx.effective_input(fid).and_then(|v| ctx.output(fid, v)),
    };
    match step {
        Ok(v) => Step::Goto(v, crate::asl::model::Transition::End),
        Err(f) => Step::Fail(f),
    }
}
