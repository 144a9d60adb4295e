//! Task: builds the payload, asks the host to invoke the resource, and turns the answer into the
//! state's output (or a failure for Retry/Catch).

use crate::asl::load::MAX_SECONDS;
use crate::asl::model::{Dynamic, Pattern, Payload, ResourceKind, Task};
use crate::data::template::select;
use crate::engine::event::{Effect, Invocation};
use crate::engine::execution::{FrameId, TaskWait, Waiting};
use crate::engine::failure::{Failure, TIMEOUT, check_size};
use crate::engine::history::{Details, OtherDetails};
use crate::engine::io::{Here, eval_template};
use crate::engine::run::{Ctx, Step};
use serde_json::Value;

pub fn execute(ctx: &mut Ctx, fid: FrameId, t: &Task) -> Step {
    match schedule(ctx, fid, t) {
        Ok(()) => Step::Suspend,
        Err(f) => Step::Fail(f),
    }
}

fn schedule(ctx: &mut Ctx, fid: FrameId, t: &Task) -> Result<(), Failure> {
    let here = ctx.here(fid);
    let input = ctx.effective_input(fid)?;
    let needs_token = t.resource.pattern == Pattern::WaitForTaskToken
        || matches!(t.resource.kind, ResourceKind::Activity { .. });
    let token = needs_token.then(|| ctx.x.rng.token());
    ctx.x.frame_mut(fid).token = token.clone();
    let payload = match &t.parameters {
        Some(Payload::Jsonata(arguments)) => {
            crate::engine::jsonata::arguments(ctx, fid, arguments)?
        }
        Some(Payload::Template(p)) => {
            ctx.with_scope(fid, &input, None, |s| eval_template(p, s, &input, here))?
        }
        None => Value::clone(&input),
    };
    ctx.inspect(fid, "afterParameters", || payload.clone());
    check_size(&payload, here.name)?;
    let timeout = seconds(
        ctx,
        fid,
        &input,
        t.timeout_seconds.as_ref(),
        "TimeoutSeconds",
        here,
    )?;
    let heartbeat = seconds(
        ctx,
        fid,
        &input,
        t.heartbeat_seconds.as_ref(),
        "HeartbeatSeconds",
        here,
    )?;
    emit_scheduled(ctx, t, &payload, timeout, heartbeat);
    let task = ctx.x.next_wait_id();
    ctx.x.waits.insert(task, fid);
    let now = ctx.x.now;
    let timeout_timer = timeout.map(|s| ctx.arm_timer(fid, now + s as i64 * 1000));
    let heartbeat_timer = heartbeat.map(|s| ctx.arm_timer(fid, now + s as i64 * 1000));
    let frame = ctx.x.frame_mut(fid);
    let has_token = frame.token.is_some();
    frame.wait = Waiting::Task(TaskWait {
        task,
        timeout_timer,
        heartbeat_timer,
        heartbeat_seconds: heartbeat,
        // An activity's task is submitted as it is scheduled: its answer can only come from a
        // worker that took it, and nothing is recorded in between (no `TaskSubmitted`).
        submitted: !has_token || matches!(t.resource.kind, ResourceKind::Activity { .. }),
        early: None,
    });
    let (retry_count, map_index, invocation) = count_invocation(ctx, fid);
    ctx.effects.push(Effect::Invoke(Box::new(Invocation {
        task,
        state_name: here.name.to_string(),
        resource: t.resource.clone(),
        payload,
        token,
        retry_count,
        map_index,
        invocation,
        timeout_seconds: timeout,
    })));
    Ok(())
}

/// The frame's `$$.State.RetryCount`, Map index, and how many times its state was invoked
/// before (Step Functions Local's mock counter, across retries, loops and Map iterations),
/// counting this invocation.
pub(super) fn count_invocation(ctx: &mut Ctx, fid: FrameId) -> (u32, Option<usize>, u64) {
    let frame = ctx.x.frame(fid);
    let (retry_count, map_index, state) = (frame.retry_count, frame.map_index, frame.state);
    let counter = ctx.x.invocations.entry(state).or_insert(0);
    let invocation = *counter;
    *counter += 1;
    (retry_count, map_index, invocation)
}

/// `TimeoutSeconds`/`HeartbeatSeconds` (`key`): literal, read through their `*Path`, or a
/// JSONata expression.
fn seconds(
    ctx: &mut Ctx,
    fid: FrameId,
    input: &Value,
    d: Option<&Dynamic<u64>>,
    key: &str,
    here: Here,
) -> Result<Option<u64>, Failure> {
    let p = match d {
        None => return Ok(None),
        Some(Dynamic::Value(n)) => return Ok(Some(*n)),
        Some(Dynamic::Path(p)) => p,
        Some(Dynamic::Jsonata(e)) => {
            let n = jsonata_seconds(ctx, fid, e, key)?;
            return match n <= MAX_SECONDS {
                true => Ok(Some(n)),
                false => Err(here.runtime(format!(
                    "The {key} field evaluated to {n}, more than the maximum of {MAX_SECONDS} seconds"
                ))),
            };
        }
    };
    let v = ctx
        .with_scope(fid, input, None, |s| select(p, s).map(|v| v.into_owned()))
        .map_err(|e| here.runtime(format!("Invalid path '{}' : {e}", p.source())))?;
    // Beyond AWS's maximum, a timer's due time would overflow.
    match v.as_u64().filter(|n| (1..=MAX_SECONDS).contains(n)) {
        Some(n) => Ok(Some(n)),
        None => Err(here.runtime(format!(
            "The {key}Path field refers to value \"{}\" which is not a valid positive integer: {}",
            shown(&v),
            p.source()
        ))),
    }
}

/// `TimeoutSeconds`/`HeartbeatSeconds` as a JSONata expression: a positive whole number.
fn jsonata_seconds(ctx: &mut Ctx, fid: FrameId, e: &Value, key: &str) -> Result<u64, Failure> {
    let input = ctx.x.frame(fid).input.clone();
    let states = crate::engine::jsonata::States {
        input: &input,
        result: None,
        error_output: None,
    };
    let n = crate::engine::jsonata::number(ctx, fid, e, key, &states)?;
    Ok((n.floor() as u64).max(1))
}

fn shown(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

fn emit_scheduled(
    ctx: &mut Ctx,
    t: &Task,
    payload: &Value,
    timeout: Option<u64>,
    heartbeat: Option<u64>,
) {
    let arn = t.resource.arn.clone();
    match &t.resource.kind {
        ResourceKind::Service { service, action } => {
            let region = ctx.x.info.region.clone();
            let (ty, res) = (service.clone(), action.clone());
            ctx.emit(
                "TaskScheduled",
                OtherDetails::TaskScheduled {
                    resource_type: ty.clone(),
                    resource: res.clone(),
                    region,
                    parameters: payload.clone(),
                    timeout,
                    heartbeat,
                },
            );
            ctx.emit(
                "TaskStarted",
                OtherDetails::TaskResource {
                    key: "taskStartedEventDetails",
                    resource_type: ty,
                    resource: res,
                },
            );
        }
        ResourceKind::LambdaFunction { .. } => {
            let key = "lambdaFunctionScheduledEventDetails";
            ctx.emit(
                "LambdaFunctionScheduled",
                OtherDetails::Scheduled {
                    key,
                    resource: arn,
                    input: payload.clone(),
                    timeout,
                    heartbeat: None,
                },
            );
            ctx.emit("LambdaFunctionStarted", Details::None);
        }
        ResourceKind::Activity { .. } => {
            let key = "activityScheduledEventDetails";
            ctx.emit(
                "ActivityScheduled",
                OtherDetails::Scheduled {
                    key,
                    resource: arn,
                    input: payload.clone(),
                    timeout,
                    heartbeat,
                },
            );
            // `ActivityStarted` comes when a worker takes the task (`Event::ActivityStarted`).
        }
    }
}

/// A worker took the activity task (`GetActivityTask`): `ActivityStarted`, with its name.
pub fn activity_started(ctx: &mut Ctx, fid: FrameId, worker_name: Option<String>) {
    if !matches!(
        task_of(ctx, fid).resource.kind,
        ResourceKind::Activity { .. }
    ) {
        return;
    }
    ctx.emit(
        "ActivityStarted",
        OtherDetails::Worker {
            key: "activityStartedEventDetails",
            worker_name,
        },
    );
}

fn task_of<'m>(ctx: &Ctx<'m, '_>, fid: FrameId) -> &'m Task {
    match &ctx.state_of(fid).kind {
        crate::asl::model::Kind::Task(t) => t,
        _ => unreachable!("task events are only routed to Task frames"),
    }
}

/// Stops waiting: forgets the task id and its timers.
pub(super) fn settle(ctx: &mut Ctx, fid: FrameId) {
    if let Waiting::Task(w) = std::mem::replace(&mut ctx.x.frame_mut(fid).wait, Waiting::Ready) {
        for id in [Some(w.task), w.timeout_timer, w.heartbeat_timer]
            .into_iter()
            .flatten()
        {
            ctx.x.waits.remove(&id);
        }
    }
}

/// The resource accepted a callback or job task: `TaskSubmitted`.
pub fn submitted(ctx: &mut Ctx, fid: FrameId, output: Value) {
    let t = task_of(ctx, fid);
    if let ResourceKind::Service { service, action } = &t.resource.kind {
        let key = "taskSubmittedEventDetails";
        ctx.emit(
            "TaskSubmitted",
            OtherDetails::TaskOutput {
                key,
                resource_type: service.clone(),
                resource: action.clone(),
                output,
            },
        );
    }
}

pub fn succeeded(ctx: &mut Ctx, fid: FrameId, output: Value) -> Step {
    settle(ctx, fid);
    let t = task_of(ctx, fid);
    let (kind, details) = match &t.resource.kind {
        ResourceKind::Service { service, action } => (
            "TaskSucceeded",
            OtherDetails::TaskOutput {
                key: "taskSucceededEventDetails",
                resource_type: service.clone(),
                resource: action.clone(),
                output: output.clone(),
            },
        ),
        ResourceKind::LambdaFunction { .. } => (
            "LambdaFunctionSucceeded",
            OtherDetails::Output {
                key: "lambdaFunctionSucceededEventDetails",
                output: output.clone(),
            },
        ),
        ResourceKind::Activity { .. } => (
            "ActivitySucceeded",
            OtherDetails::Output {
                key: "activitySucceededEventDetails",
                output: output.clone(),
            },
        ),
    };
    ctx.emit(kind, details);
    let name = match &t.resource.kind {
        ResourceKind::Service { service, .. } => service.as_str(),
        _ => t.resource.arn.as_str(),
    };
    // A Map Run's items are read as AWS reads them, past the payload limit of a task's result.
    let items_read = matches!(&t.resource.kind,
        ResourceKind::Service { service, action } if service == "states" && action == "readItems");
    if !items_read && let Err(f) = check_size(&output, name) {
        return Step::Fail(f);
    }
    if ctx.state_of(fid).is_jsonata() {
        return match crate::engine::jsonata::finish_with_result(ctx, fid, output) {
            Ok(out) => Step::Next(out),
            Err(f) => Step::Fail(f),
        };
    }
    ctx.finish_result(
        fid,
        output.into(),
        t.result_selector.as_ref(),
        &t.result_path,
    )
}

pub fn failed(ctx: &mut Ctx, fid: FrameId, error: Option<String>, cause: Option<String>) -> Step {
    settle(ctx, fid);
    let f = Failure {
        error,
        cause,
        fatal: false,
    };
    emit_error(ctx, fid, "Failed", &f);
    Step::Fail(f)
}

pub fn timed_out(ctx: &mut Ctx, fid: FrameId) -> Step {
    if let Waiting::Task(w) = &ctx.x.frame(fid).wait {
        ctx.effects.push(Effect::CancelTask { task: w.task });
    }
    settle(ctx, fid);
    let f = Failure {
        error: Some(TIMEOUT.into()),
        cause: None,
        fatal: false,
    };
    emit_error(ctx, fid, "TimedOut", &f);
    Step::Fail(f)
}

/// A heartbeat arrived: the heartbeat clock starts again.
pub fn heartbeat(ctx: &mut Ctx, fid: FrameId) {
    let Waiting::Task(w) = &ctx.x.frame(fid).wait else {
        return;
    };
    let (old, secs) = (w.heartbeat_timer, w.heartbeat_seconds);
    let Some(secs) = secs else { return };
    if let Some(old) = old {
        ctx.x.waits.remove(&old);
    }
    let due = ctx.x.now + secs as i64 * 1000;
    let timer = ctx.arm_timer(fid, due);
    if let Waiting::Task(w) = &mut ctx.x.frame_mut(fid).wait {
        w.heartbeat_timer = Some(timer);
    }
}

/// `TaskFailed`/`TaskTimedOut` and their Lambda and activity twins.
fn emit_error(ctx: &mut Ctx, fid: FrameId, what: &'static str, f: &Failure) {
    let t = task_of(ctx, fid);
    let (kind, key, resource): (&'static str, &'static str, _) = match (&t.resource.kind, what) {
        (ResourceKind::Service { service, action }, "Failed") => (
            "TaskFailed",
            "taskFailedEventDetails",
            Some((service.clone(), action.clone())),
        ),
        (ResourceKind::Service { service, action }, _) => (
            "TaskTimedOut",
            "taskTimedOutEventDetails",
            Some((service.clone(), action.clone())),
        ),
        (ResourceKind::LambdaFunction { .. }, "Failed") => (
            "LambdaFunctionFailed",
            "lambdaFunctionFailedEventDetails",
            None,
        ),
        (ResourceKind::LambdaFunction { .. }, _) => (
            "LambdaFunctionTimedOut",
            "lambdaFunctionTimedOutEventDetails",
            None,
        ),
        (ResourceKind::Activity { .. }, "Failed") => {
            ("ActivityFailed", "activityFailedEventDetails", None)
        }
        (ResourceKind::Activity { .. }, _) => {
            ("ActivityTimedOut", "activityTimedOutEventDetails", None)
        }
    };
    ctx.emit(
        kind,
        OtherDetails::Error {
            key,
            error: f.error.clone(),
            cause: f.cause.clone(),
            resource,
        },
    );
}
