//! Parallel: every branch gets the same input; the result is the array of branch outputs.

use crate::asl::model::{Parallel, Payload};
use crate::engine::execution::{FrameId, Join};
use crate::engine::history::Details;
use crate::engine::run::{Ctx, Step};
use serde_json::Value;

pub fn execute(ctx: &mut Ctx, fid: FrameId, p: &Parallel) -> Step {
    let input = match &p.parameters {
        Some(Payload::Jsonata(a)) => {
            crate::engine::jsonata::arguments(ctx, fid, a).map(std::sync::Arc::new)
        }
        Some(Payload::Template(t)) => ctx.parameters(fid, Some(t)),
        None => ctx.parameters(fid, None),
    };
    let input = match input {
        Ok(v) => v,
        Err(f) => return Step::Fail(f),
    };
    ctx.emit("ParallelStateStarted", Details::None);
    let n = p.branches.len();
    super::join::begin(
        ctx,
        fid,
        Join {
            inputs: vec![input; n],
            prepared: true,
            effective_input: Value::Null.into(),
            results: vec![None; n],
            running: Default::default(),
            next_index: 0,
            max_concurrency: 0,
            failed: 0,
            tolerated_count: None,
            tolerated_percentage: None,
        },
    )
}
