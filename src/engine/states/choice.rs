//! Choice: the first matching rule's `Next`, else `Default`, else `States.NoChoiceMatched`.

use crate::asl::model::{Choice, Transition};
use crate::data::template::select;
use crate::engine::execution::FrameId;
use crate::engine::failure::Failure;
use crate::engine::run::{Ctx, Step};

pub fn execute<'m>(ctx: &mut Ctx<'m, '_>, fid: FrameId, c: &'m Choice) -> Step {
    let here = ctx.here(fid);
    let input = match ctx.effective_input(fid) {
        Ok(v) => v,
        Err(f) => return Step::Fail(f),
    };
    let ctx_assign = ctx.state_of(fid).assign.as_ref();
    let picked = ctx.with_scope(fid, &input, None, |scope| {
        for rule in &c.rules {
            let mut resolve = |p: &crate::data::jsonpath::Path| match select(p, scope) {
                Ok(v) => Ok(Some(v.into_owned())),
                Err(
                    crate::data::jsonpath::PathError::NoResults { .. }
                    | crate::data::jsonpath::PathError::MissingProperty { .. },
                ) => Ok(None),
                Err(e) => Err(e),
            };
            if rule
                .condition
                .eval(&mut resolve)
                .map_err(|e| here.runtime(e.message))?
            {
                return Ok(Some((rule.next, rule.assign.as_ref())));
            }
        }
        // Falling through to `Default`: the state's own `Assign` applies.
        Ok(c.default.map(|d| (d, ctx_assign)))
    });
    let next = match picked {
        Ok(Some((n, assign))) => {
            if let Err(f) = ctx.assign(fid, assign, &input) {
                return Step::Fail(f);
            }
            n
        }
        Ok(None) => {
            return Step::Fail(Failure::in_state(
                "States.NoChoiceMatched",
                here.name,
                here.entered_id,
                "No Choice rule matched the input and the state has no 'Default'.",
            ));
        }
        Err(f) => return Step::Fail(f),
    };
    match ctx.output(fid, input) {
        Ok(out) => Step::Goto(out, Transition::Next(next)),
        Err(f) => Step::Fail(f),
    }
}
