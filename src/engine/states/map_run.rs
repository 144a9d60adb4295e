//! A Distributed Map's Map Run: the iterations run as child executions of the item processor,
//! which the host starts and watches. The engine asks for the run with one invocation (the
//! items, or the ItemReader to read them, and the run's settings) and waits for its answer like
//! a task's: submitted (`MapRunStarted` with the Map Run's ARN), then the results in item order
//! (`MapRunSucceeded`, `MapStateSucceeded`) or the run's failure (`MapRunFailed`,
//! `MapStateFailed`), as AWS records them — no `MapIteration*` events in the parent.

use crate::asl::model::{Distributed, Map, Pattern, Payload, Resource, ResourceKind};
use crate::engine::event::{Effect, Invocation};
use crate::engine::execution::{Doc, FrameId, TaskWait, Waiting};
use crate::engine::failure::{Failure, check_size};
use crate::engine::history::{Details, OtherDetails};
use crate::engine::io::eval_template;
use crate::engine::run::{Ctx, Step};
use serde_json::{Map as Object, Value, json};
use std::sync::Arc;

/// The resource of a Map Run invocation (never written in definitions: the runtime serves it).
pub const RESOURCE: &str = "arn:aws:states:::states:mapRun";

/// What the Map computed before its run: the child inputs (`None` with an ItemReader) and the
/// run's limits.
pub struct Plan {
    pub items: Option<Vec<Doc>>,
    pub max_concurrency: u64,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
    /// With an ItemReader, the batcher's limits and `BatchInput`, applied after reading.
    pub batcher: Option<Value>,
    pub effective_input: Doc,
}

/// Asks the host for the Map Run and waits for it.
pub fn begin(ctx: &mut Ctx, fid: FrameId, m: &Map, d: &Distributed, plan: Plan) -> Step {
    match request(ctx, fid, m, d, plan) {
        Ok(()) => Step::Suspend,
        Err(f) => Step::Fail(f),
    }
}

fn request(
    ctx: &mut Ctx,
    fid: FrameId,
    _m: &Map,
    d: &Distributed,
    plan: Plan,
) -> Result<(), Failure> {
    let here = ctx.here(fid);
    let input = plan.effective_input.clone();
    let mut payload = Object::new();
    if let Some(items) = plan.items {
        payload.insert(
            "Items".into(),
            Value::Array(items.into_iter().map(Arc::unwrap_or_clone).collect()),
        );
    }
    if let Some((resource, parameters, config)) = &d.reader {
        let parameters = arguments(ctx, fid, parameters.as_ref(), &input)?;
        payload.insert(
            "ItemReader".into(),
            json!({"Resource": resource, "Parameters": parameters, "ReaderConfig": config}),
        );
    }
    if let Some(b) = plan.batcher {
        payload.insert("ItemBatcher".into(), b);
    }
    if let Some((resource, parameters)) = &d.writer {
        let parameters = arguments(ctx, fid, parameters.as_ref(), &input)?;
        payload.insert(
            "ResultWriter".into(),
            json!({"Resource": resource, "Parameters": parameters}),
        );
    }
    payload.insert("Definition".into(), json!(d.definition));
    payload.insert("Label".into(), json!(d.label));
    payload.insert("ExecutionType".into(), json!(d.execution_type));
    payload.insert("MaxConcurrency".into(), json!(plan.max_concurrency));
    payload.insert("ToleratedFailureCount".into(), json!(plan.tolerated_count));
    payload.insert(
        "ToleratedFailurePercentage".into(),
        json!(plan.tolerated_percentage),
    );
    payload.insert("MapStateName".into(), json!(here.name));
    let task = ctx.x.next_wait_id();
    ctx.x.waits.insert(task, fid);
    let frame = ctx.x.frame_mut(fid);
    frame.wait = Waiting::Task(TaskWait {
        task,
        timeout_timer: None,
        heartbeat_timer: None,
        heartbeat_seconds: None,
        // The run's end may be reported before its start is: it waits for `MapRunStarted`.
        submitted: false,
        early: None,
    });
    let (retry_count, map_index, invocation) = super::task::count_invocation(ctx, fid);
    ctx.effects.push(Effect::Invoke(Box::new(Invocation {
        task,
        state_name: here.name.to_string(),
        resource: Resource {
            arn: RESOURCE.into(),
            kind: ResourceKind::Service {
                service: "states".into(),
                action: "mapRun".into(),
            },
            pattern: Pattern::Sync,
        },
        payload: Value::Object(payload),
        token: None,
        retry_count,
        map_index,
        invocation,
        timeout_seconds: None,
    })));
    Ok(())
}

/// An ItemReader's or ResultWriter's `Parameters` (a template over the effective input) or
/// `Arguments` (JSONata over the state's input).
fn arguments(
    ctx: &mut Ctx,
    fid: FrameId,
    payload: Option<&Payload>,
    input: &Value,
) -> Result<Value, Failure> {
    let here = ctx.here(fid);
    match payload {
        Some(Payload::Template(t)) => {
            ctx.with_scope(fid, input, None, |s| eval_template(t, s, input, here))
        }
        Some(Payload::Jsonata(v)) => crate::engine::jsonata::arguments(ctx, fid, v),
        None => Ok(json!({})),
    }
}

/// The host started the Map Run: `MapRunStarted`.
pub fn submitted(ctx: &mut Ctx, output: &Value) {
    let map_run_arn = output["MapRunArn"].as_str().unwrap_or_default().to_string();
    ctx.emit("MapRunStarted", OtherDetails::MapRunStarted { map_run_arn });
}

/// The run ended well: its results (in item order, or ResultWriter's details) are the Map's.
pub fn succeeded(ctx: &mut Ctx, fid: FrameId, output: Value) -> Step {
    super::task::settle(ctx, fid);
    ctx.emit("MapRunSucceeded", Details::None);
    ctx.emit("MapStateSucceeded", Details::None);
    let state = ctx.state_of(fid);
    if let Err(f) = check_size(&output, &state.name) {
        return Step::Fail(f);
    }
    if state.is_jsonata() {
        return match crate::engine::jsonata::finish_with_result(ctx, fid, output) {
            Ok(out) => Step::Next(out),
            Err(f) => Step::Fail(f),
        };
    }
    let crate::asl::model::Kind::Map(m) = &state.kind else {
        unreachable!("map runs belong to Map states")
    };
    ctx.finish_result(
        fid,
        Arc::new(output),
        m.result_selector.as_ref(),
        &m.result_path,
    )
}

/// The run failed (too many children failed, its items could not be read): `MapRunFailed`,
/// then the Map fails with the same error.
pub fn failed(ctx: &mut Ctx, fid: FrameId, error: Option<String>, cause: Option<String>) -> Step {
    super::task::settle(ctx, fid);
    ctx.emit(
        "MapRunFailed",
        OtherDetails::Error {
            key: "mapRunFailedEventDetails",
            error: error.clone(),
            cause: cause.clone(),
            resource: None,
        },
    );
    Step::ChildFailed(Failure {
        error,
        cause,
        fatal: false,
    })
}
