//! Map (inline; distributed runs the same way locally): one iteration per item of ItemsPath.

use crate::asl::model::{Dynamic, Map};
use crate::data::jsonpath::Path;
use crate::data::template::select;
use crate::engine::execution::{FrameId, Join};
use crate::engine::failure::Failure;
use crate::engine::history::Details;
use crate::engine::io::Here;
use crate::engine::run::{Ctx, Step};
use serde_json::Value;
use std::sync::Arc;

pub fn execute(ctx: &mut Ctx, fid: FrameId, m: &Map) -> Step {
    match prepare(ctx, fid, m) {
        Ok(step) => step,
        Err(f) => Step::Fail(f),
    }
}

fn prepare(ctx: &mut Ctx, fid: FrameId, m: &Map) -> Result<Step, Failure> {
    let here = ctx.here(fid);
    if let Some(why) = m.unsupported {
        return Err(here.runtime(why));
    }
    let input = ctx.effective_input(fid)?;
    let selected;
    let items = match &m.items_path {
        None => &*input,
        Some(p) => {
            selected = read(ctx, fid, &input, p)
                .map_err(|e| here.runtime(format!("Invalid path '{}' : {e}", p.source())))?;
            &selected
        }
    };
    let Value::Array(items) = items else {
        return Err(here.runtime(format!("Map state input must be an array but was: {items}")));
    };
    let (items, prepared) = match &m.batcher {
        None => (items.iter().cloned().map(Arc::new).collect(), false),
        Some(b) => (super::batch::batches(ctx, fid, m, b, &input, items)?, true),
    };
    let max_concurrency = int(
        ctx,
        fid,
        &input,
        &m.max_concurrency,
        "MaxConcurrencyPath",
        here,
    )?;
    ctx.emit(
        "MapStateStarted",
        Details::MapStarted {
            length: items.len(),
        },
    );
    let tolerated_count = match &m.tolerated_failure_count {
        None => None,
        Some(d) => Some(int(ctx, fid, &input, d, "ToleratedFailureCountPath", here)?),
    };
    let tolerated_percentage = match &m.tolerated_failure_percentage {
        None => None,
        Some(d) => Some(percentage(ctx, fid, &input, d, here)?),
    };
    let n = items.len();
    Ok(super::join::begin(
        ctx,
        fid,
        Join {
            inputs: items,
            prepared,
            effective_input: input,
            results: vec![None; n],
            running: Default::default(),
            next_index: 0,
            max_concurrency: max_concurrency.min(usize::MAX as u64) as usize,
            failed: 0,
            tolerated_count,
            tolerated_percentage,
        },
    ))
}

pub(super) fn read(
    ctx: &mut Ctx,
    fid: FrameId,
    input: &Value,
    p: &Path,
) -> Result<Value, crate::data::jsonpath::PathError> {
    ctx.with_scope(fid, input, None, |s| select(p, s).map(|v| v.into_owned()))
}

fn shown(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// MaxConcurrency(Path) and ToleratedFailureCount(Path): non-negative integers.
pub(super) fn int(
    ctx: &mut Ctx,
    fid: FrameId,
    input: &Value,
    d: &Dynamic<u64>,
    key: &str,
    here: Here,
) -> Result<u64, Failure> {
    let p = match d {
        Dynamic::Value(n) => return Ok(*n),
        Dynamic::Path(p) => p,
    };
    let v = read(ctx, fid, input, p)
        .map_err(|e| here.runtime(format!("Invalid path '{}' : {e}", p.source())))?;
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    // AWS reads a string of digits as its number (recorded: MaxConcurrencyPath → "1").
    if let Some(n) = v.as_str().and_then(|s| s.parse::<u64>().ok()) {
        return Ok(n);
    }
    if v.as_i64().is_some() && key == "ToleratedFailureCountPath" {
        return Err(here.runtime("ToleratedFailureCount cannot be negative."));
    }
    Err(here.runtime(format!(
        "The {key} field refers to value \"{}\" which is not a valid integer: {}",
        shown(&v),
        p.source()
    )))
}

fn percentage(
    ctx: &mut Ctx,
    fid: FrameId,
    input: &Value,
    d: &Dynamic<f64>,
    here: Here,
) -> Result<f64, Failure> {
    let (v, src) = match d {
        Dynamic::Value(n) => (*n, None),
        Dynamic::Path(p) => {
            let v = read(ctx, fid, input, p)
                .map_err(|e| here.runtime(format!("Invalid path '{}' : {e}", p.source())))?;
            match v.as_f64() {
                Some(n) => (n, Some(p.source())),
                None => {
                    return Err(here.runtime(format!(
                        "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {}",
                        shown(&v),
                        p.source()
                    )));
                }
            }
        }
    };
    if !(0.0..=100.0).contains(&v) {
        let _ = src;
        return Err(here.runtime("ToleratedFailurePercentage must be between 0 and 100."));
    }
    Ok(v)
}
