//! Map (inline; distributed runs the same way locally): one iteration per item of ItemsPath.

use crate::asl::model::{Dynamic, Items, Map, Payload};
use crate::data::jsonata::expression;
use crate::data::jsonpath::Path;
use crate::data::template::select;
use crate::engine::execution::Doc;
use crate::engine::execution::{FrameId, Join};
use crate::engine::failure::Failure;
use crate::engine::history::Details;
use crate::engine::io::Here;
use crate::engine::io::eval_template;
use crate::engine::jsonata::{States, evaluate, evaluation_failure, number, type_name};
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
    if ctx.state_of(fid).is_jsonata() {
        return prepare_jsonata(ctx, fid, m);
    }
    let here = ctx.here(fid);
    if let Some(why) = m.unsupported {
        return Err(here.runtime(why));
    }
    let input = ctx.effective_input(fid)?;
    if let Some(d) = m.run.as_deref().filter(|d| d.reader.is_some()) {
        return distributed_with_reader(ctx, fid, m, d, input);
    }
    let selected;
    let items = match &m.items {
        None | Some(Items::Jsonata(_)) => &*input,
        Some(Items::Path(p)) => {
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
    let (tolerated_count, tolerated_percentage) = tolerance(ctx, fid, m, &input, max_concurrency)?;
    if let Some(d) = &m.run {
        // A child execution's input: ItemSelector over each item (batches have theirs).
        let items = match (&m.item_selector, prepared) {
            (Some(Payload::Template(t)), false) => {
                let mut selected = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    selected.push(Arc::new(ctx.with_scope(
                        fid,
                        &input,
                        Some((index, item)),
                        |s| eval_template(t, s, &input, here),
                    )?));
                }
                selected
            }
            _ => items,
        };
        let plan = super::map_run::Plan {
            items: Some(items),
            max_concurrency,
            tolerated_count,
            tolerated_percentage,
            batcher: None,
            effective_input: input,
        };
        return Ok(super::map_run::begin(ctx, fid, m, d, plan));
    }
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

/// ToleratedFailureCount(Path) and ToleratedFailurePercentage(Path), inspected with
/// `max_concurrency` (TestState).
fn tolerance(
    ctx: &mut Ctx,
    fid: FrameId,
    m: &Map,
    input: &Value,
    max_concurrency: u64,
) -> Result<(Option<u64>, Option<f64>), Failure> {
    let here = ctx.here(fid);
    let count = match &m.tolerated_failure_count {
        None => None,
        Some(d) => Some(int(ctx, fid, input, d, "ToleratedFailureCountPath", here)?),
    };
    let percentage = match &m.tolerated_failure_percentage {
        None => None,
        Some(d) => Some(percentage(ctx, fid, input, d, here)?),
    };
    inspect_limits(ctx, fid, max_concurrency, count, percentage);
    Ok((count, percentage))
}

/// A Distributed Map whose items an ItemReader reads: the host reads (and batches) them when
/// the run starts, so the Map starts with length 0, as AWS records it.
fn distributed_with_reader(
    ctx: &mut Ctx,
    fid: FrameId,
    m: &Map,
    d: &crate::asl::model::Distributed,
    input: Doc,
) -> Result<Step, Failure> {
    let here = ctx.here(fid);
    let max_concurrency = int(
        ctx,
        fid,
        &input,
        &m.max_concurrency,
        "MaxConcurrencyPath",
        here,
    )?;
    ctx.emit("MapStateStarted", Details::MapStarted { length: 0 });
    let (tolerated_count, tolerated_percentage) = tolerance(ctx, fid, m, &input, max_concurrency)?;
    let batcher = match &m.batcher {
        None => None,
        Some(b) => {
            let limit = |ctx: &mut Ctx, d: &Option<Dynamic<u64>>, key: &str| match d {
                Some(d) => int(ctx, fid, &input, d, key, here).map(Some),
                None => Ok(None),
            };
            let max_items = limit(ctx, &b.max_items, "MaxItemsPerBatchPath")?;
            let max_bytes = limit(ctx, &b.max_bytes, "MaxInputBytesPerBatchPath")?;
            let batch_input = match &b.batch_input {
                Some(t) => {
                    Some(ctx.with_scope(fid, &input, None, |s| eval_template(t, s, &input, here))?)
                }
                None => None,
            };
            Some(serde_json::json!({
                "MaxItemsPerBatch": max_items,
                "MaxInputBytesPerBatch": max_bytes,
                "BatchInput": batch_input,
            }))
        }
    };
    let plan = super::map_run::Plan {
        items: None,
        max_concurrency,
        tolerated_count,
        tolerated_percentage,
        batcher,
        effective_input: input,
    };
    Ok(super::map_run::begin(ctx, fid, m, d, plan))
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
        Dynamic::Jsonata(_) => return Err(here.runtime(format!("{key} is a JSONata field"))),
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
        Dynamic::Jsonata(_) => {
            return Err(here.runtime("ToleratedFailurePercentage is a JSONata field"));
        }
    };
    if !(0.0..=100.0).contains(&v) {
        let _ = src;
        return Err(here.runtime("ToleratedFailurePercentage must be between 0 and 100."));
    }
    Ok(v)
}

/// A JSONata Map: `Items` (default: the input) and its numbers, literal or evaluated.
fn prepare_jsonata(ctx: &mut Ctx, fid: FrameId, m: &Map) -> Result<Step, Failure> {
    let input = ctx.x.frame(fid).input.clone();
    let states = States {
        input: &input,
        result: None,
        error_output: None,
    };
    let reading = m.run.as_deref().is_some_and(|d| d.reader.is_some());
    let given = match &m.items {
        Some(Items::Jsonata(v)) => Some(v),
        Some(Items::Path(_)) | None => None,
    };
    let items = match given {
        // An ItemReader reads the items when the Map Run starts.
        _ if reading => Value::Array(Vec::new()),
        Some(v) => evaluate(ctx, fid, v, "Items", &states)?,
        None => Value::clone(&input),
    };
    let Value::Array(items) = items else {
        // AWS's wording, and the Map state fails (MapStateFailed) rather than the step.
        let detail = match given.and_then(|v| v.as_str()).and_then(expression) {
            Some(e) => format!(
                "The JSONata expression '{e}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {items}",
                type_name(&items)
            ),
            None => format!("Map state input must be an array but was: {items}"),
        };
        return Ok(Step::ChildFailed(evaluation_failure(
            ctx,
            fid,
            "Items".into(),
            &detail,
        )));
    };
    // JSONata literals or expressions; absent: no limit.
    let whole = |ctx: &mut Ctx, v: Option<&Value>, key: &str| -> Result<Option<f64>, Failure> {
        v.map(|v| number(ctx, fid, v, key, &states)).transpose()
    };
    let max_concurrency = m.max_concurrency.jsonata();
    let max_concurrency = whole(ctx, max_concurrency, "MaxConcurrency")?.unwrap_or(0.0);
    let count = m
        .tolerated_failure_count
        .as_ref()
        .and_then(Dynamic::jsonata);
    let tolerated_count = whole(ctx, count, "ToleratedFailureCount")?;
    let percentage = m
        .tolerated_failure_percentage
        .as_ref()
        .and_then(Dynamic::jsonata);
    let tolerated_percentage = whole(ctx, percentage, "ToleratedFailurePercentage")?;
    inspect_limits(
        ctx,
        fid,
        max_concurrency as u64,
        tolerated_count.map(|c| c as u64),
        tolerated_percentage,
    );
    ctx.emit(
        "MapStateStarted",
        Details::MapStarted {
            length: items.len(),
        },
    );
    if let Some(d) = &m.run {
        let batcher = match &d.jsonata_batcher {
            Some(b) => Some(evaluate(ctx, fid, b, "ItemBatcher", &states)?),
            None => None,
        };
        if reading {
            let plan = super::map_run::Plan {
                items: None,
                max_concurrency: max_concurrency as u64,
                tolerated_count: tolerated_count.map(|c| c as u64),
                tolerated_percentage,
                batcher,
                effective_input: input.clone(),
            };
            return Ok(super::map_run::begin(ctx, fid, m, d, plan));
        }
        let mut inputs = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            inputs.push(match &m.item_selector {
                Some(Payload::Jsonata(selector)) => {
                    Arc::new(crate::engine::jsonata::evaluate_for_item(
                        ctx,
                        fid,
                        selector,
                        "ItemSelector",
                        &states,
                        Some((index, item)),
                    )?)
                }
                _ => Arc::new(item.clone()),
            });
        }
        if let Some(b) = &batcher {
            inputs = super::batch::jsonata_batches(inputs, b);
        }
        let plan = super::map_run::Plan {
            items: Some(inputs),
            max_concurrency: max_concurrency as u64,
            tolerated_count: tolerated_count.map(|c| c as u64),
            tolerated_percentage,
            batcher: None,
            effective_input: input.clone(),
        };
        return Ok(super::map_run::begin(ctx, fid, m, d, plan));
    }
    let n = items.len();
    Ok(super::join::begin(
        ctx,
        fid,
        Join {
            inputs: items.into_iter().map(Arc::new).collect(),
            prepared: false,
            effective_input: input,
            results: vec![None; n],
            running: Default::default(),
            next_index: 0,
            max_concurrency: max_concurrency as usize,
            failed: 0,
            tolerated_count: tolerated_count.map(|c| c as u64),
            tolerated_percentage,
        },
    ))
}

/// The Map's limits as evaluated, for TestState's `inspectionData`.
fn inspect_limits(
    ctx: &mut Ctx,
    fid: FrameId,
    max_concurrency: u64,
    count: Option<u64>,
    percentage: Option<f64>,
) {
    ctx.inspect(fid, "maxConcurrency", || serde_json::json!(max_concurrency));
    if let Some(n) = count {
        ctx.inspect(fid, "toleratedFailureCount", || serde_json::json!(n));
    }
    if let Some(p) = percentage {
        ctx.inspect(fid, "toleratedFailurePercentage", || serde_json::json!(p));
    }
}
