//! Evaluating a JSONata state's fields: every `{% ... %}` string in a field's value, with
//! `$states` (input, context, result, error output) and the variables the state sees bound.
//! A failure or an undefined result fails the state with `States.QueryEvaluationError`, after an
//! `EvaluationFailed` event that says where.

use crate::data::jsonata::{self, Bindings, QueryEngine, Variables};
use crate::engine::execution::{Frame, FrameId, variable_in};
use crate::engine::failure::Failure;
use crate::engine::history::OtherDetails;
use crate::engine::run::Ctx;
use serde_json::{Map, Value};
use std::sync::Arc;

pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";

/// What `$states` holds for one evaluation.
pub struct States<'v> {
    pub input: &'v Value,
    pub result: Option<&'v Value>,
    pub error_output: Option<&'v Value>,
}

/// The variables as frame `fid` sees them: its own, then its enclosing frames'.
struct FrameVariables<'a> {
    frames: &'a [Option<Frame>],
    fid: FrameId,
}

impl Variables for FrameVariables<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        variable_in(self.frames, self.fid, name)
    }
}

/// Where and why an evaluation failed: the field location (`Output/result`) and the cause.
struct Failed {
    location: String,
    cause: String,
}

/// `value` with its expressions evaluated; `field` names it in errors (`Output`, `Assign`).
pub fn evaluate(
    ctx: &mut Ctx,
    fid: FrameId,
    value: &Value,
    field: &str,
    states: &States,
) -> Result<Value, Failure> {
    evaluate_for_item(ctx, fid, value, field, states, None)
}

/// `evaluate` for a Map's `ItemSelector`: the context object carries `Map.Item`.
pub fn evaluate_for_item(
    ctx: &mut Ctx,
    fid: FrameId,
    value: &Value,
    field: &str,
    states: &States,
    map_item: Option<(usize, &Value)>,
) -> Result<Value, Failure> {
    let seed = ctx.x.rng.next_u64();
    let now = ctx.x.now;
    let context = ctx.context_object(fid, map_item, may_read_input(value));
    let outcome = {
        let variables = FrameVariables {
            frames: &ctx.x.frames,
            fid,
        };
        let mut bindings = Bindings::new(states.input)
            .context(&context)
            .variables(&variables)
            .now_millis(now)
            .random_seed(seed);
        if let Some(r) = states.result {
            bindings = bindings.result(r);
        }
        if let Some(e) = states.error_output {
            bindings = bindings.error_output(e);
        }
        evaluate_value(value, field, &bindings)
    };
    outcome.map_err(|failed| evaluation_failure(ctx, fid, failed.location, &failed.cause))
}

/// Whether an expression in `value` may read `$states.context.Execution.Input`: it names
/// `Input`, or reads `$states` or `$states.context` other than through a named member that
/// cannot hold it (`$states.input`, `$states.context.Map.Item.Value`, `….Execution.Id`). The
/// context object is built without the execution input otherwise: a JSONata Map reading
/// `$states.context.Map.Item.Value` must not copy the input its items came from once per item.
fn may_read_input(value: &Value) -> bool {
    match value {
        Value::String(text) => text_may_read_input(text),
        Value::Array(items) => items.iter().any(may_read_input),
        Value::Object(members) => members.values().any(may_read_input),
        _ => false,
    }
}

fn text_may_read_input(text: &str) -> bool {
    if text.contains("Input") {
        return true;
    }
    let named = |rest: &str| {
        rest.strip_prefix('.')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()))
    };
    text.match_indices("$states").any(|(at, _)| {
        let rest = &text[at + "$states".len()..];
        match rest.strip_prefix(".context") {
            // `$states.context…`: safe only through a member that cannot hold the input.
            Some(rest) => {
                !["Map", "Task", "State", "Execution."]
                    .iter()
                    .any(|m| rest.strip_prefix('.').is_some_and(|r| r.starts_with(m)))
                    || (rest.starts_with(".Execution.") && !named(&rest[".Execution".len()..]))
            }
            // `$states.input`, `.result`, `.errorOutput`: named members other than the context.
            None => !named(rest) || rest.starts_with(".context"),
        }
    })
}

/// `States.QueryEvaluationError` in `location`, after its `EvaluationFailed` event.
pub fn evaluation_failure(ctx: &mut Ctx, fid: FrameId, location: String, detail: &str) -> Failure {
    let here = ctx.here(fid);
    let failure = Failure::in_state(QUERY_EVALUATION_ERROR, here.name, here.entered_id, detail);
    ctx.emit(
        "EvaluationFailed",
        OtherDetails::Evaluation {
            error: QUERY_EVALUATION_ERROR.into(),
            cause: failure.cause.clone().unwrap_or_default(),
            location,
            state: here.name.to_string(),
        },
    );
    failure
}

/// JSONata's name for a value's type, as AWS's type errors say it.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn evaluate_value(value: &Value, location: &str, bindings: &Bindings) -> Result<Value, Failed> {
    match value {
        Value::String(s) => match jsonata::expression(s) {
            Some(expression) => match jsonata::shared().evaluate(expression, bindings) {
                Ok(Some(v)) => Ok(v),
                Ok(None) => Err(Failed {
                    location: location.to_string(),
                    cause: jsonata::undefined_cause(expression, location),
                }),
                Err(e) => Err(Failed {
                    location: location.to_string(),
                    cause: e.cause(expression, location),
                }),
            },
            None => Ok(value.clone()),
        },
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| evaluate_value(v, &format!("{location}/{i}"), bindings))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(
                    k.clone(),
                    evaluate_value(v, &format!("{location}/{k}"), bindings)?,
                );
            }
            Ok(Value::Object(out))
        }
        _ => Ok(value.clone()),
    }
}

/// A state's `Output` (the input when absent) and `Assign` over `$states.input` (and `result`);
/// the assignments wait in the frame for the state's exit. For states without a result.
pub fn output_and_assign(
    ctx: &mut Ctx,
    fid: FrameId,
    output: Option<&Value>,
    assign: Option<&Value>,
) -> Result<Arc<Value>, Failure> {
    output_and_assign_at(ctx, fid, "", output, assign)
}

/// `output_and_assign` for a part of the state (`Choices[1]/`): where errors say they are.
pub fn output_and_assign_at(
    ctx: &mut Ctx,
    fid: FrameId,
    prefix: &str,
    output: Option<&Value>,
    assign: Option<&Value>,
) -> Result<Arc<Value>, Failure> {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    assign_and_output(ctx, fid, prefix, (output, assign), &states, &input)
}

/// A Task's, Map's or Parallel's result: `Assign` and `Output` (default: the result) over
/// `$states.input` and `$states.result`.
pub fn finish_with_result(
    ctx: &mut Ctx,
    fid: FrameId,
    result: Value,
) -> Result<Arc<Value>, Failure> {
    let fields = ctx.state_of(fid).io.jsonata().unwrap_or_default();
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: Some(&result),
        error_output: None,
    };
    assign_and_output(ctx, fid, "", fields, &states, &result)
}

/// Evaluates `Assign` and `Output` (given as `(output, assign)`) over `states`; the output is
/// `default` when there is none. The assignments wait in the frame for the state's exit.
fn assign_and_output(
    ctx: &mut Ctx,
    fid: FrameId,
    prefix: &str,
    (output, assign): (Option<&Value>, Option<&Value>),
    states: &States,
    default: &Value,
) -> Result<Arc<Value>, Failure> {
    let assigned = match assign {
        Some(a) => Some(evaluate(ctx, fid, a, &format!("{prefix}Assign"), states)?),
        None => None,
    };
    let out = match output {
        Some(o) => evaluate(ctx, fid, o, &format!("{prefix}Output"), states)?,
        None => default.clone(),
    };
    crate::engine::failure::check_size(&out, ctx.here(fid).name)?;
    if let Some(Value::Object(values)) = assigned {
        crate::engine::failure::check_assigned(&values, ctx.here(fid).name)?;
        ctx.x
            .frame_mut(fid)
            .assigned
            .get_or_insert_with(Default::default)
            .extend(values);
    }
    Ok(Arc::new(out))
}

/// A number field (`MaxConcurrency`, `Seconds`, ...): a literal or an expression giving a
/// non-negative number.
pub fn number(
    ctx: &mut Ctx,
    fid: FrameId,
    value: &Value,
    field: &str,
    states: &States,
) -> Result<f64, Failure> {
    let v = evaluate(ctx, fid, value, field, states)?;
    match v.as_f64().filter(|n| *n >= 0.0) {
        Some(n) => Ok(n),
        None => {
            let here = ctx.here(fid);
            Err(Failure::in_state(
                QUERY_EVALUATION_ERROR,
                here.name,
                here.entered_id,
                format!("The field '{field}' must be a non-negative number, but was: {v}"),
            ))
        }
    }
}

/// A Task's or Parallel's `Arguments` over `$states.input` (the raw state input).
pub fn arguments(ctx: &mut Ctx, fid: FrameId, arguments: &Value) -> Result<Value, Failure> {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    evaluate(ctx, fid, arguments, "Arguments", &states)
}

/// A JSONata Catcher: `Assign` and `Output` (default: the error output) over
/// `$states.errorOutput`; the assignments apply in the scope of the state that failed.
pub fn caught(
    ctx: &mut Ctx,
    fid: FrameId,
    index: usize,
    fields: (Option<&Value>, Option<&Value>),
    error_output: &Value,
) -> Result<Arc<Value>, Failure> {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: Some(error_output),
    };
    let prefix = format!("Catch[{index}]/");
    assign_and_output(ctx, fid, &prefix, fields, &states, error_output)
}

#[cfg(test)]
mod input_reads {
    use super::text_may_read_input;

    #[test]
    fn only_expressions_that_may_reach_the_execution_input_get_it() {
        for text in [
            "{% $states.context.Execution.Input.tag %}",
            "{% $states.context %}",
            "{% $states.context.Execution %}",
            "{% $states.context.Execution.* %}",
            "{% $states.context.* %}",
            "{% $states %}",
            "{% $states['context'] %}",
            "{% ($c := $states.context; $c.Execution) %}",
            "{% $lookup($states.context.Execution, 'In' & 'put') %}",
        ] {
            assert!(text_may_read_input(text), "{text}");
        }
        for text in [
            "{% $states.context.Map.Item.Value %}",
            "{% $states.context.Map.Item.Index + 1 %}",
            "{% $states.context.Task.Token %}",
            "{% $states.context.Execution.Id & $states.context.State.Name %}",
            "{% $states.context.StateMachine.Name %}",
            "{% $states.input.items[0] %}",
            "{% $states.result.Payload %}",
            "{% $states.errorOutput.Cause %}",
            "plain text",
        ] {
            assert!(!text_may_read_input(text), "{text}");
        }
    }
}
