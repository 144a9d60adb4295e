//! Choice: the first matching rule's `Next`, else `Default`, else `States.NoChoiceMatched`.

use crate::asl::model::{Choice, Test, Transition};
use crate::data::template::select;
use crate::engine::execution::FrameId;
use crate::engine::failure::Failure;
use crate::engine::jsonata::{
    QUERY_EVALUATION_ERROR, States, evaluate, output_and_assign, output_and_assign_at,
};
use crate::engine::run::{Ctx, Step};
use serde_json::Value;

pub fn execute<'m>(ctx: &mut Ctx<'m, '_>, fid: FrameId, c: &'m Choice) -> Step {
    if let Some(fields) = ctx.state_of(fid).io.jsonata() {
        return jsonata(ctx, fid, c, fields);
    }
    let here = ctx.here(fid);
    let input = match ctx.effective_input(fid) {
        Ok(v) => v,
        Err(f) => return Step::Fail(f),
    };
    let ctx_assign = ctx.state_of(fid).io.jsonpath_assign();
    let picked = ctx.with_scope(fid, &input, None, |scope| {
        for (i, rule) in c.rules.iter().enumerate() {
            let mut resolve = |p: &crate::data::jsonpath::Path| match select(p, scope) {
                Ok(v) => Ok(Some(v.into_owned())),
                Err(
                    crate::data::jsonpath::PathError::NoResults { .. }
                    | crate::data::jsonpath::PathError::MissingProperty { .. },
                ) => Ok(None),
                Err(e) => Err(e),
            };
            let Test::Rule(condition) = &rule.test else {
                continue;
            };
            if condition
                .eval(&mut resolve)
                .map_err(|e| here.runtime(e.message))?
            {
                let assign = rule.assign.as_ref().and_then(|a| a.jsonpath());
                return Ok(Some((rule.next, assign, Some(i))));
            }
        }
        // Falling through to `Default`: the state's own `Assign` applies.
        Ok(c.default.map(|d| (d, ctx_assign, None)))
    });
    let next = match picked {
        Ok(Some((n, assign, rule))) => {
            ctx.trace_choice(fid, rule);
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

/// A JSONata Choice: the first rule whose `Condition` is true; its `Output`/`Assign`, else the
/// state's on `Default`.
fn jsonata<'m>(
    ctx: &mut Ctx<'m, '_>,
    fid: FrameId,
    c: &'m Choice,
    (output, assign): (Option<&'m Value>, Option<&'m Value>),
) -> Step {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    for (i, rule) in c.rules.iter().enumerate() {
        let Test::Jsonata(condition) = &rule.test else {
            continue;
        };
        let location = format!("Choices[{i}]/Condition");
        let holds = match evaluate(ctx, fid, condition, &location, &states) {
            Ok(Value::Bool(b)) => b,
            Ok(other) => {
                let here = ctx.here(fid);
                return Step::Fail(Failure::in_state(
                    QUERY_EVALUATION_ERROR,
                    here.name,
                    here.entered_id,
                    format!(
                        "The 'Condition' of Choices[{i}] must evaluate to a boolean, but was: {other}"
                    ),
                ));
            }
            Err(f) => return Step::Fail(f),
        };
        if holds {
            ctx.trace_choice(fid, Some(i));
            let (output, assign) = (
                rule.output.as_ref(),
                rule.assign.as_ref().and_then(|a| a.jsonata()),
            );
            let prefix = format!("Choices[{i}]/");
            return match output_and_assign_at(ctx, fid, &prefix, output, assign) {
                Ok(out) => Step::Goto(out, Transition::Next(rule.next)),
                Err(f) => Step::Fail(f),
            };
        }
    }
    let Some(default) = c.default else {
        let here = ctx.here(fid);
        return Step::Fail(Failure::in_state(
            "States.NoChoiceMatched",
            here.name,
            here.entered_id,
            "No Choice rule matched the input and the state has no 'Default'.",
        ));
    };
    ctx.trace_choice(fid, None);
    match output_and_assign(ctx, fid, output, assign) {
        Ok(out) => Step::Goto(out, Transition::Next(default)),
        Err(f) => Step::Fail(f),
    }
}
