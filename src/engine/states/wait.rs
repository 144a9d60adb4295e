//! Wait: sleeps until a time computed from `Seconds`/`SecondsPath`/`Timestamp`/`TimestampPath`.

use crate::asl::model::Wait;
use crate::data::jsonpath::Path;
use crate::data::template::select;
use crate::data::timestamp::parse_rfc3339;
use crate::engine::execution::{FrameId, Waiting};
use crate::engine::failure::Failure;
use crate::engine::io::Here;
use crate::engine::jsonata::{States, evaluate, number};
use crate::engine::run::{Ctx, Step};
use serde_json::Value;

/// AWS refuses delays of 2^31 seconds or more.
const MAX_DELAY_SECONDS: i128 = (1 << 31) - 1;

pub fn execute(ctx: &mut Ctx, fid: FrameId, w: &Wait) -> Step {
    if let Wait::SecondsJsonata(_) | Wait::TimestampJsonata(_) = w {
        return match jsonata_due(ctx, fid, w) {
            Ok(due) => sleep_until(ctx, fid, due),
            Err(f) => Step::Fail(f),
        };
    }
    let here = ctx.here(fid);
    let input = match ctx.effective_input(fid) {
        Ok(v) => v,
        Err(f) => return Step::Fail(f),
    };
    let now = ctx.x.now;
    let due = ctx.with_scope(fid, &input, None, |scope| {
        due_ms(
            w,
            now,
            |p| select(p, scope).ok().map(|v| v.into_owned()),
            here,
        )
    });
    match due {
        Ok(due) => sleep_until(ctx, fid, due),
        Err(f) => Step::Fail(f),
    }
}

fn sleep_until(ctx: &mut Ctx, fid: FrameId, due: i64) -> Step {
    if due <= ctx.x.now {
        return resume(ctx, fid);
    }
    let timer = ctx.arm_timer(fid, due);
    ctx.x.frame_mut(fid).wait = Waiting::Wait { timer };
    Step::Suspend
}

/// A JSONata Wait's due time: `Seconds` (a number) or `Timestamp` (RFC 3339 text).
fn jsonata_due(ctx: &mut Ctx, fid: FrameId, w: &Wait) -> Result<i64, Failure> {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    let now = ctx.x.now;
    let here = ctx.here(fid);
    let due_ns = match w {
        Wait::SecondsJsonata(s) => {
            let secs = number(ctx, fid, s, "Seconds", &states)?;
            now as i128 * 1_000_000 + (secs.floor() as i128) * 1_000_000_000
        }
        Wait::TimestampJsonata(t) => {
            let t = evaluate(ctx, fid, t, "Timestamp", &states)?;
            t.as_str().and_then(parse_rfc3339).ok_or_else(|| {
                here.runtime(format!("The Timestamp field is not a valid timestamp: {t}"))
            })?
        }
        _ => return Err(here.runtime("not a JSONata Wait")),
    };
    within_limit(due_ns, now, here)
}

/// `due_ns` in epoch milliseconds, unless it is further away than AWS allows.
fn within_limit(due_ns: i128, now: i64, here: Here) -> Result<i64, Failure> {
    let due_ms = due_ns.div_euclid(1_000_000);
    if (due_ms - now as i128) / 1000 > MAX_DELAY_SECONDS {
        return Err(here.runtime("Wait state delay is too long."));
    }
    Ok(due_ms as i64)
}

/// The timer fired (or no wait was needed): the state's output.
pub fn resume(ctx: &mut Ctx, fid: FrameId) -> Step {
    ctx.x.frame_mut(fid).wait = Waiting::Ready;
    if let Some((output, assign)) = ctx.state_of(fid).io.jsonata() {
        return match crate::engine::jsonata::output_and_assign(ctx, fid, output, assign) {
            Ok(v) => Step::Next(v),
            Err(f) => Step::Fail(f),
        };
    }
    let assign = ctx.state_of(fid).io.jsonpath_assign();
    let done = ctx.effective_input(fid).and_then(|v| {
        ctx.assign(fid, assign, &v)?;
        ctx.output(fid, v)
    });
    match done {
        Ok(v) => Step::Next(v),
        Err(f) => Step::Fail(f),
    }
}

fn due_ms(
    w: &Wait,
    now: i64,
    mut read: impl FnMut(&Path) -> Option<Value>,
    here: Here,
) -> Result<i64, Failure> {
    let due_ns: i128 = match w {
        Wait::Seconds(s) => now as i128 * 1_000_000 + *s as i128 * 1_000_000_000,
        Wait::Timestamp(ns) => *ns,
        Wait::SecondsPath(p) => {
            let secs = seconds_from(read(p), p, here)?;
            now as i128 * 1_000_000 + secs as i128 * 1_000_000_000
        }
        Wait::TimestampPath(p) => timestamp_from(read(p), p, here)?,
        Wait::SecondsJsonata(_) | Wait::TimestampJsonata(_) => {
            return Err(here.runtime("a JSONata Wait is evaluated by jsonata_due"));
        }
    };
    within_limit(due_ns, now, here)
}

fn seconds_from(v: Option<Value>, p: &Path, here: Here) -> Result<u64, Failure> {
    let src = p.source();
    let Some(v) = v else {
        return Err(here.runtime(format!(
            "The SecondsPath parameter does not reference an input value: {src}"
        )));
    };
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    if v.as_i64().is_some() {
        return Err(here.runtime(format!(
            "The SecondsPath parameter references a negative value: {src} == {v}"
        )));
    }
    let shown = match &v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Err(here.runtime(format!(
        "The SecondsPath parameter cannot be parsed as a long value: {src} == {shown}"
    )))
}

fn timestamp_from(v: Option<Value>, p: &Path, here: Here) -> Result<i128, Failure> {
    let src = p.source();
    let Some(v) = v else {
        return Err(here.runtime(format!(
            "The TimestampPath parameter does not reference an input value: {src}"
        )));
    };
    match v.as_str().and_then(parse_rfc3339) {
        Some(ns) => Ok(ns),
        None => {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            Err(here.runtime(format!(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {src} == {shown}"
            )))
        }
    }
}
