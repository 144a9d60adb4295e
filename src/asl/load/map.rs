//! Map states: processor configuration, items, concurrency, tolerance and batching.

use super::fields::{Cx, MAX_SECONDS, Obj};
use super::scan::RawState;
use super::states::{COMMON, Targets};
use crate::asl::model::{Batcher, Distributed, Dynamic, Items, Kind, Map, Payload};
use serde_json::Value;

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
        unsupported: None,
        run: distributed.then(|| distributed_run(obj, None, cx)),
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

/// A Distributed Map's Map Run: its processor as a machine of its own (in `query_language`
/// when the machine is JSONata), `Label`, `ItemReader` and `ResultWriter`.
pub(super) fn distributed_run(
    obj: &Obj,
    query_language: Option<&str>,
    cx: &mut Cx,
) -> Box<Distributed> {
    let processor = obj.get("ItemProcessor").or_else(|| obj.get("Iterator"));
    let mut definition = serde_json::Map::new();
    if let Some(ql) = query_language {
        definition.insert("QueryLanguage".into(), Value::from(ql));
    }
    for key in ["StartAt", "States"] {
        if let Some(v) = processor.and_then(|p| p.get(key)) {
            definition.insert(key.into(), v.clone());
        }
    }
    let execution_type = processor
        .and_then(|p| p.pointer("/ProcessorConfig/ExecutionType"))
        .and_then(Value::as_str)
        .unwrap_or("STANDARD")
        .to_string();
    let jsonata = query_language == Some("JSONata");
    // JSONPath: `Parameters`, a template; JSONata: `Arguments`, evaluated when the Map runs.
    let arguments = |o: &Obj, cx: &mut Cx| match jsonata {
        true => o.get("Arguments").cloned().map(Payload::Jsonata),
        false => o.template("Parameters", cx).map(Payload::Template),
    };
    let reader = obj.opt_obj("ItemReader", cx).map(|r| {
        r.only(&["Resource", "Parameters", "ReaderConfig", "Arguments"], cx);
        (
            r.opt_str("Resource", cx).unwrap_or_default().to_string(),
            arguments(&r, cx),
            r.get("ReaderConfig").cloned().unwrap_or(Value::Null),
        )
    });
    let writer = obj.opt_obj("ResultWriter", cx).map(|w| {
        w.only(&["Resource", "Parameters", "WriterConfig", "Arguments"], cx);
        (
            w.opt_str("Resource", cx).unwrap_or_default().to_string(),
            arguments(&w, cx),
        )
    });
    Box::new(Distributed {
        definition: Value::Object(definition).to_string(),
        label: obj.opt_str("Label", cx).map(str::to_string),
        execution_type,
        reader,
        writer,
        jsonata_batcher: obj.get("ItemBatcher").filter(|_| jsonata).cloned(),
    })
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
