//! The machinery Parallel and Map share: start children (respecting MaxConcurrency), collect
//! their results in order, and fail fast — aborting the rest — when one fails.

use crate::asl::model::{Kind, Payload, StateId};
use crate::engine::execution::{Doc, FrameId, Join, Waiting};
use crate::engine::failure::Failure;
use crate::engine::history::Details;
use crate::engine::io::eval_template;
use crate::engine::run::{Ctx, Step, Work};
use serde_json::Value;
use std::sync::Arc;

pub const TOLERANCE_EXCEEDED: &str = "States.ExceedToleratedFailureThreshold";

/// Puts the frame into the waiting-for-children state and schedules the first start.
pub fn begin(ctx: &mut Ctx, fid: FrameId, join: Join) -> Step {
    ctx.x.frame_mut(fid).wait = Waiting::Children(Box::new(join));
    ctx.work.push(Work::Pump(fid));
    Step::Suspend
}

fn join_mut<'a>(ctx: &'a mut Ctx, fid: FrameId) -> Option<&'a mut Join> {
    match &mut ctx.x.frames.get_mut(fid)?.as_mut()?.wait {
        Waiting::Children(j) => Some(j),
        _ => None,
    }
}

/// Starts one more child if allowed, or completes the state when all are done.
pub fn pump(ctx: &mut Ctx, fid: FrameId) -> Option<Step> {
    let join = join_mut(ctx, fid)?;
    let can_start = join.next_index < join.inputs.len()
        && (join.max_concurrency == 0 || join.running.len() < join.max_concurrency);
    if can_start {
        let slot = join.next_index;
        join.next_index += 1;
        return start_child(ctx, fid, slot).err().map(|f| {
            abort_children(ctx, fid);
            Step::Fail(f)
        });
    }
    if join.running.is_empty() && join.next_index == join.inputs.len() {
        return Some(complete(ctx, fid));
    }
    None
}

fn start_child(ctx: &mut Ctx, fid: FrameId, slot: usize) -> Result<(), Failure> {
    let state = ctx.state_of(fid);
    let (start, input, map_index) = match &state.kind {
        Kind::Map(m) => (
            ctx.m.blocks[m.processor].start,
            item_input(ctx, fid, slot)?,
            Some(slot),
        ),
        Kind::Parallel(p) => {
            let start = ctx.m.blocks[p.branches[slot]].start;
            let join = join_mut(ctx, fid).expect("pumped frames wait for children");
            (start, join.inputs[slot].clone(), None)
        }
        _ => unreachable!("only Map and Parallel frames have children"),
    };
    if map_index.is_some() {
        let key = "mapIterationStartedEventDetails";
        ctx.emit(
            "MapIterationStarted",
            Details::MapIteration {
                key,
                name: state.name.clone(),
                index: slot,
            },
        );
    }
    let child = spawn_child(ctx, fid, slot, start, input, map_index);
    join_mut(ctx, fid)
        .expect("still waiting")
        .running
        .insert(slot, child);
    ctx.work.push(Work::Pump(fid));
    ctx.work.push(Work::Run(child));
    Ok(())
}

fn spawn_child(
    ctx: &mut Ctx,
    fid: FrameId,
    slot: usize,
    start: StateId,
    input: Doc,
    map_index: Option<usize>,
) -> FrameId {
    let distributed = matches!(&ctx.state_of(fid).kind, Kind::Map(m) if m.distributed);
    let child = ctx.spawn(start, input, Some((fid, slot)), map_index);
    ctx.x.frame_mut(child).isolated = distributed;
    child
}

/// A Map iteration's input: ItemSelector over the Map's effective input, or the item itself.
fn item_input(ctx: &mut Ctx, fid: FrameId, slot: usize) -> Result<Doc, Failure> {
    let Kind::Map(m) = &ctx.state_of(fid).kind else {
        unreachable!("checked by caller")
    };
    let join = join_mut(ctx, fid).expect("pumped frames wait for children");
    let item = join.inputs[slot].clone();
    let effective = join.effective_input.clone();
    if let Some(Payload::Jsonata(selector)) = &m.item_selector {
        let states = crate::engine::jsonata::States {
            input: &effective,
            result: None,
            error_output: None,
        };
        return crate::engine::jsonata::evaluate_for_item(
            ctx,
            fid,
            selector,
            "ItemSelector",
            &states,
            Some((slot, &item)),
        )
        .map(Arc::new);
    }
    let join = join_mut(ctx, fid).expect("pumped frames wait for children");
    let Some(Payload::Template(selector)) = m.item_selector.as_ref().filter(|_| !join.prepared)
    else {
        return Ok(item);
    };
    let effective = join.effective_input.clone();
    let here = ctx.here(fid);
    ctx.with_scope(fid, &effective, Some((slot, &item)), |s| {
        eval_template(selector, s, &effective, here)
    })
    .map(Arc::new)
}

fn complete(ctx: &mut Ctx, fid: FrameId) -> Step {
    let Waiting::Children(join) = std::mem::replace(&mut ctx.x.frame_mut(fid).wait, Waiting::Ready)
    else {
        unreachable!("checked by pump")
    };
    let results: Vec<Value> = join
        .results
        .into_iter()
        .map(|r| r.map(Arc::unwrap_or_clone).unwrap_or_default())
        .collect();
    let result = Value::Array(results);
    let state = ctx.state_of(fid);
    let (kind, selector, result_path) = match &state.kind {
        Kind::Map(m) => (
            "MapStateSucceeded",
            m.result_selector.as_ref(),
            &m.result_path,
        ),
        Kind::Parallel(p) => (
            "ParallelStateSucceeded",
            p.result_selector.as_ref(),
            &p.result_path,
        ),
        _ => unreachable!("only Map and Parallel frames have children"),
    };
    ctx.emit(kind, Details::None);
    if let Err(f) = crate::engine::failure::check_size(&result, &state.name) {
        return Step::Fail(f);
    }
    if state.is_jsonata() {
        return match crate::engine::jsonata::finish_with_result(ctx, fid, result) {
            Ok(out) => Step::Next(out),
            Err(f) => Step::Fail(f),
        };
    }
    ctx.finish_result(fid, Arc::new(result), selector, result_path)
}

/// A child finished: record its result, or fail the whole state when tolerance is exceeded.
pub fn child_done(ctx: &mut Ctx, pid: FrameId, slot: usize, result: Result<Doc, Failure>) {
    let Some(join) = join_mut(ctx, pid) else {
        return;
    };
    join.running.remove(&slot);
    let state = ctx.state_of(pid);
    let is_map = matches!(state.kind, Kind::Map(_));
    if is_map {
        let (kind, key) = match result {
            Ok(_) => ("MapIterationSucceeded", "mapIterationSucceededEventDetails"),
            Err(_) => ("MapIterationFailed", "mapIterationFailedEventDetails"),
        };
        ctx.emit(
            kind,
            Details::MapIteration {
                key,
                name: state.name.clone(),
                index: slot,
            },
        );
    }
    let join = join_mut(ctx, pid).expect("checked above");
    match result {
        Ok(v) => join.results[slot] = Some(v),
        Err(f) => match tolerate(join, f) {
            Ok(output) => join.results[slot] = Some(Arc::new(output)),
            Err(f) => {
                abort_children(ctx, pid);
                ctx.x.frame_mut(pid).wait = Waiting::Ready;
                ctx.work.push(Work::Step(pid, Step::ChildFailed(f)));
                return;
            }
        },
    }
    ctx.work.push(Work::Pump(pid));
}

/// Within the tolerated failures: the slot's result. Beyond them: the Map's failure.
fn tolerate(join: &mut Join, f: Failure) -> Result<Value, Failure> {
    if f.fatal || (join.tolerated_count.is_none() && join.tolerated_percentage.is_none()) {
        return Err(f);
    }
    join.failed += 1;
    let over_count = join.tolerated_count.is_some_and(|n| join.failed as u64 > n);
    let pct = join.failed as f64 * 100.0 / join.inputs.len().max(1) as f64;
    let over_pct = join.tolerated_percentage.is_some_and(|p| pct > p);
    // With both limits given, exceeding either one fails the Map (AWS's documented rule).
    if over_count || over_pct {
        return Err(Failure::new(
            TOLERANCE_EXCEEDED,
            "The specified tolerated failure threshold was exceeded",
        ));
    }
    Ok(f.output())
}

/// Stops every running child, logging `MapIterationAborted` for Map iterations.
pub fn abort_children(ctx: &mut Ctx, fid: FrameId) {
    let Some(join) = join_mut(ctx, fid) else {
        return;
    };
    let running: Vec<(usize, FrameId)> = std::mem::take(&mut join.running).into_iter().collect();
    let state = ctx.state_of(fid);
    for (slot, child) in running {
        ctx.release(child);
        if matches!(state.kind, Kind::Map(_)) {
            let key = "mapIterationAbortedEventDetails";
            ctx.emit(
                "MapIterationAborted",
                Details::MapIteration {
                    key,
                    name: state.name.clone(),
                    index: slot,
                },
            );
        }
    }
}
