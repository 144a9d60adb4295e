//! One file per state type: what executing it does.

pub mod batch;
mod choice;
mod fail;
mod join;
mod map;
pub mod map_run;
mod parallel;
mod pass;
mod succeed;
pub mod task;
pub mod wait;

use crate::asl::model::Kind;
use crate::engine::execution::FrameId;
use crate::engine::failure::Failure;
use crate::engine::run::{Ctx, Step};

/// Executes the frame's current state from its start.
pub fn execute(ctx: &mut Ctx, fid: FrameId) -> Step {
    match &ctx.state_of(fid).kind {
        Kind::Pass(p) => pass::execute(ctx, fid, p),
        Kind::Task(t) => task::execute(ctx, fid, t),
        Kind::Choice(c) => choice::execute(ctx, fid, c),
        Kind::Wait(w) => wait::execute(ctx, fid, w),
        Kind::Succeed => succeed::execute(ctx, fid),
        Kind::Fail(f) => fail::execute(ctx, fid, f),
        Kind::Parallel(p) => parallel::execute(ctx, fid, p),
        Kind::Map(m) => map::execute(ctx, fid, m),
    }
}

/// The error of a Map whose failures passed its tolerated threshold.
pub fn join_tolerance_exceeded() -> &'static str {
    join::TOLERANCE_EXCEEDED
}

/// Starts more branches or iterations of a Parallel/Map frame, or completes it.
pub fn pump(ctx: &mut Ctx, fid: FrameId) -> Option<Step> {
    join::pump(ctx, fid)
}

/// A branch or iteration of `pid` has finished.
pub fn child_done(
    ctx: &mut Ctx,
    pid: FrameId,
    slot: usize,
    result: Result<crate::engine::execution::Doc, Failure>,
) {
    join::child_done(ctx, pid, slot, result)
}
