//! Succeed: ends its branch (or the execution) with InputPath → OutputPath of its input.

use crate::engine::execution::FrameId;
use crate::engine::run::{Ctx, Step};

pub fn execute(ctx: &mut Ctx, fid: FrameId) -> Step {
    let step = match ctx.state_of(fid).io.jsonata() {
        Some((output, _)) => crate::engine::jsonata::output_and_assign(ctx, fid, output, None),
        None => ctx.effective_input(fid).and_then(|v| ctx.output(fid, v)),
    };
    match step {
        Ok(v) => Step::Goto(v, crate::asl::model::Transition::End),
        Err(f) => Step::Fail(f),
    }
}
