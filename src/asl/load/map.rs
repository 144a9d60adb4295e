//! Map states: processor configuration, items, concurrency, tolerance and batching.

use super::fields::{Cx, MAX_SECONDS, Obj};
use super::scan::RawState;
use super::states::{COMMON, Targets};
use crate::asl::model::{Batcher, Dynamic, Items, Kind, Map, Payload};

const ALLOWED: &[&str] = &[
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "ItemSelector",
    "Parameters",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "Label",
    "InputPath",
    "OutputPath",
    "ResultSelector",
    "ResultPath",
    "Retry",
    "Catch",
    "Next",
    "End",
];

pub(super) fn map(obj: &Obj, raw: &RawState, t: &Targets, cx: &mut Cx) -> Kind {
    obj.only(&[COMMON, ALLOWED].concat(), cx);
    let distributed = processor(obj, cx);
    obj.exclusive("ItemSelector", "Parameters", cx);
    let selector_key = if obj.has("ItemSelector") {
        "ItemSelector"
    } else {
        "Parameters"
    };
    Kind::Map(Box::new(Map {
        processor: raw.children.first().copied().unwrap_or(0),
        distributed,
        items: obj.ref_path("ItemsPath", cx).map(Items::Path),
        item_selector: obj.template(selector_key, cx).map(Payload::Template),
        max_concurrency: obj
            .int_or_path("MaxConcurrency", 0, MAX_SECONDS, cx)
            .unwrap_or(Dynamic::Value(0)),
        tolerated_failure_count: obj.int_or_path("ToleratedFailureCount", 0, MAX_SECONDS, cx),
        tolerated_failure_percentage: percentage(obj, cx),
        batcher: obj.opt_obj("ItemBatcher", cx).map(|b| batcher(&b, cx)),
        unsupported: unsupported(obj, cx),
        result_selector: obj.template("ResultSelector", cx),
        result_path: obj.result_path(cx),
        errors: super::errors::error_handling(obj, t, cx),
    }))
}

fn percentage(obj: &Obj, cx: &mut Cx) -> Option<Dynamic<f64>> {
    const KEY: &str = "ToleratedFailurePercentage";
    obj.exclusive(KEY, "ToleratedFailurePercentagePath", cx);
    if obj.has(KEY) {
        obj.opt_num(KEY, 0.0, 100.0, cx).map(Dynamic::Value)
    } else {
        obj.ref_path("ToleratedFailurePercentagePath", cx)
            .map(Dynamic::Path)
    }
}

/// `ItemBatcher`: at least one of the two limits, each literal or from a path.
fn batcher(b: &Obj, cx: &mut Cx) -> Batcher {
    b.only(
        &[
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
            "BatchInput",
        ],
        cx,
    );
    let max_items = b.int_or_path("MaxItemsPerBatch", 1, 100_000_000, cx);
    let max_bytes = b.int_or_path("MaxInputBytesPerBatch", 1, 262_144, cx);
    let limits = [
        "MaxItemsPerBatch",
        "MaxItemsPerBatchPath",
        "MaxInputBytesPerBatch",
        "MaxInputBytesPerBatchPath",
    ];
    if !limits.iter().any(|k| b.has(k)) {
        cx.schema(
            b.ptr.clone(),
            "ItemBatcher needs MaxItemsPerBatch(Path) or MaxInputBytesPerBatch(Path)",
        );
    }
    Batcher {
        max_items,
        max_bytes,
        batch_input: b.template("BatchInput", cx),
    }
}

/// ItemReader and ResultWriter read and write Amazon S3, which a local run does not have: the
/// definition is valid, and the Map fails with this explanation when it runs.
fn unsupported(obj: &Obj, cx: &mut Cx) -> Option<&'static str> {
    for key in ["ItemReader", "ResultWriter"] {
        obj.opt_obj(key, cx);
    }
    if obj.has("ItemReader") {
        Some(
            "ItemReader reads items from Amazon S3, which stepwise does not provide yet; pass the items in the input and select them with ItemsPath.",
        )
    } else if obj.has("ResultWriter") {
        Some(
            "ResultWriter writes results to Amazon S3, which stepwise does not provide yet; remove ResultWriter to get the results as the Map's output.",
        )
    } else {
        None
    }
}

/// `ItemProcessor.ProcessorConfig`: Mode INLINE | DISTRIBUTED, ExecutionType STANDARD | EXPRESS.
fn processor(obj: &Obj, cx: &mut Cx) -> bool {
    obj.exclusive("ItemProcessor", "Iterator", cx);
    if !obj.has("ItemProcessor") && !obj.has("Iterator") {
        cx.schema(
            obj.ptr.clone(),
            "The field 'ItemProcessor' is required but was missing",
        );
    }
    let Some(processor) = obj.opt_obj("ItemProcessor", cx) else {
        return false;
    };
    let Some(config) = processor.opt_obj("ProcessorConfig", cx) else {
        return false;
    };
    config.only(&["Mode", "ExecutionType"], cx);
    one_of(&config, "Mode", &["INLINE", "DISTRIBUTED"], cx);
    one_of(&config, "ExecutionType", &["STANDARD", "EXPRESS"], cx);
    config.get("Mode").and_then(serde_json::Value::as_str) == Some("DISTRIBUTED")
}

fn one_of(obj: &Obj, key: &str, values: &[&str], cx: &mut Cx) {
    if let Some(v) = obj.opt_str(key, cx).filter(|v| !values.contains(v)) {
        cx.schema(
            obj.at(key),
            format!(
                "The field '{key}' should be one of [{}], not '{v}'",
                values.join(", ")
            ),
        );
    }
}
