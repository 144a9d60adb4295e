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
    let seed = ctx.x.rng.next_u64();
    let now = ctx.x.now;
    let context = ctx.context_object(fid);
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
    outcome.map_err(|failed| {
        let here = ctx.here(fid);
        let failure = Failure::in_state(
            QUERY_EVALUATION_ERROR,
            here.name,
            here.entered_id,
            &failed.cause,
        );
        ctx.emit(
            "EvaluationFailed",
            OtherDetails::Evaluation {
                error: QUERY_EVALUATION_ERROR.into(),
                cause: failure.cause.clone().unwrap_or_default(),
                location: failed.location,
                state: here.name.to_string(),
            },
        );
        failure
    })
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
) -> Result<std::sync::Arc<Value>, Failure> {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    let assigned = match assign {
        Some(a) => Some(evaluate(ctx, fid, a, "Assign", &states)?),
        None => None,
    };
    let out = match output {
        Some(o) => std::sync::Arc::new(evaluate(ctx, fid, o, "Output", &states)?),
        None => input.clone(),
    };
    crate::engine::failure::check_size(&out, ctx.here(fid).name)?;
    if let Some(Value::Object(values)) = assigned {
        ctx.x
            .frame_mut(fid)
            .assigned
            .get_or_insert_with(Default::default)
            .extend(values);
    }
    Ok(out)
}
