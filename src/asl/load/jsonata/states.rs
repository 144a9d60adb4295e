//! Each JSONata state type: its allowed fields, and the model it becomes (one function per
//! type).

use super::fields::{
    JSONPATH_ONLY, arguments, check, checked, common, common_with, error_handling, jsonpath_fields,
    no_assign, output_and_assign,
};
use crate::asl::load::fields::{Cx, MAX_SECONDS, Obj};
use crate::asl::load::scan::RawState;
use crate::asl::load::states::{COMMON, TYPES, Targets};
use crate::asl::model::{
    Assign, Choice, ChoiceRule, Dynamic, Fail, FailField, Io, Items, Kind, Map, Parallel, Pass,
    Payload, ResultPath, Task, Test, Wait,
};
use serde_json::Value;

/// A JSONata state of type `ty`: its kind and its `Output`/`Assign`, or `None` (reported) when
/// the type is unknown or the state cannot be read.
pub(in crate::asl::load) fn state(
    ty: &str,
    obj: &Obj,
    raw: &RawState,
    t: &Targets,
    cx: &mut Cx,
) -> Option<(Kind, Io)> {
    match ty {
        "Pass" => Some(pass(obj, cx)),
        "Succeed" => Some(succeed(obj, cx)),
        "Fail" => Some(fail(obj, cx)),
        "Choice" => Some(choice(obj, t, cx)),
        "Map" => Some(map(obj, raw, t, cx)),
        "Task" => task(obj, t, cx),
        "Parallel" => Some(parallel(obj, raw, t, cx)),
        "Wait" => Some(wait(obj, cx)),
        _ => {
            cx.schema(
                obj.at("Type"),
                format!("The field 'Type' should have one of these values: {TYPES}"),
            );
            None
        }
    }
}

/// The fields a state of a type may have: the common ones, the JSONPath-only ones (reported
/// by `jsonpath_fields` with what to use instead), and `own`.
fn allow(obj: &Obj, own: &[&str], cx: &mut Cx) {
    jsonpath_fields(obj, cx);
    obj.only(&[COMMON, JSONPATH_ONLY, own].concat(), cx);
}

fn pass(obj: &Obj, cx: &mut Cx) -> (Kind, Io) {
    allow(obj, &["Output", "Next", "End"], cx);
    // `Output` does what `Parameters`, `Result` and `ResultPath` do in JSONPath.
    let pass = Pass {
        parameters: None,
        result: None,
        result_path: ResultPath::Replace,
    };
    (Kind::Pass(pass), common(obj, cx))
}

fn succeed(obj: &Obj, cx: &mut Cx) -> (Kind, Io) {
    allow(obj, &["Output"], cx);
    no_assign(obj, cx);
    (Kind::Succeed, common(obj, cx))
}

fn fail(obj: &Obj, cx: &mut Cx) -> (Kind, Io) {
    allow(obj, &["Error", "Cause"], cx);
    no_assign(obj, cx);
    let mut field = |key: &str| match obj.get(key) {
        Some(v) => {
            if !v.is_string() {
                cx.schema(
                    obj.at(key),
                    format!("The field '{key}' must be a string or a JSONata expression"),
                );
            }
            check(v, &obj.at(key), key, cx);
            FailField::Jsonata(v.clone())
        }
        None => FailField::Absent,
    };
    let fail = Fail {
        error: field("Error"),
        cause: field("Cause"),
    };
    let io = Io::Jsonata {
        output: None,
        assign: None,
    };
    (Kind::Fail(fail), io)
}

fn choice(obj: &Obj, t: &Targets, cx: &mut Cx) -> (Kind, Io) {
    allow(obj, &["Choices", "Default", "Output"], cx);
    let io = common(obj, cx);
    let default = obj
        .has("Default")
        .then(|| t.resolve(obj, "Default", cx))
        .flatten();
    let mut rules = Vec::new();
    match obj.required("Choices", cx) {
        Some(Value::Array(items)) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                let ptr = format!("{}/{i}", obj.at("Choices"));
                rules.extend(rule(item, ptr, t, cx));
            }
        }
        Some(_) => cx.schema(
            obj.at("Choices"),
            "The field 'Choices' must be a non-empty array of rules",
        ),
        None => {}
    }
    (Kind::Choice(Choice { rules, default }), io)
}

/// A JSONata Choice rule: `Condition` (an expression or a boolean), `Next`, `Output`, `Assign`.
fn rule(item: &Value, ptr: String, t: &Targets, cx: &mut Cx) -> Option<ChoiceRule> {
    let Some(map) = item.as_object() else {
        cx.schema(ptr, "A Choice rule must be an object");
        return None;
    };
    let obj = Obj::new(map, ptr);
    obj.only(&["Condition", "Next", "Output", "Assign", "Comment"], cx);
    let condition = obj.required("Condition", cx).cloned();
    if let Some(c) = &condition {
        let ok = c.is_boolean()
            || c.as_str()
                .is_some_and(|s| crate::data::jsonata::expression(s).is_some());
        if !ok {
            cx.schema(
                obj.at("Condition"),
                "The field 'Condition' must be a JSONata expression ({% ... %}) or a boolean",
            );
        }
        check(c, &obj.at("Condition"), "Condition", cx);
    }
    let next = t.resolve(&obj, "Next", cx);
    let (output, assign) = output_and_assign(&obj, &[], cx);
    Some(ChoiceRule {
        test: Test::Jsonata(condition?),
        next: next?,
        assign: assign.map(Assign::Jsonata),
        output,
    })
}

fn map(obj: &Obj, raw: &RawState, t: &Targets, cx: &mut Cx) -> (Kind, Io) {
    let own = [
        "ItemProcessor",
        "Items",
        "ItemSelector",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "Label",
        "MaxConcurrency",
        "ToleratedFailureCount",
        "ToleratedFailurePercentage",
        "Output",
        "Retry",
        "Catch",
        "Next",
        "End",
    ];
    allow(obj, &own, cx);
    let io = common_with(obj, &["result"], cx);
    let errors = error_handling(obj, t, cx);
    let items = checked(obj, "Items", cx).map(Items::Jsonata);
    let item_selector = checked(obj, "ItemSelector", cx).map(Payload::Jsonata);
    let max_concurrency =
        checked(obj, "MaxConcurrency", cx).map_or(Dynamic::Value(0), Dynamic::Jsonata);
    let tolerated_failure_count = checked(obj, "ToleratedFailureCount", cx).map(Dynamic::Jsonata);
    let tolerated_failure_percentage =
        checked(obj, "ToleratedFailurePercentage", cx).map(Dynamic::Jsonata);
    let distributed = obj
        .get("ItemProcessor")
        .and_then(|p| p.pointer("/ProcessorConfig/Mode"))
        .and_then(Value::as_str)
        == Some("DISTRIBUTED");
    let run = distributed.then(|| crate::asl::load::map::distributed_run(obj, Some("JSONata"), cx));
    let map = Map {
        processor: raw.children.first().copied().unwrap_or(0),
        distributed: obj
            .get("ItemProcessor")
            .and_then(|p| p.pointer("/ProcessorConfig/Mode"))
            .and_then(Value::as_str)
            == Some("DISTRIBUTED"),
        items,
        item_selector,
        max_concurrency,
        tolerated_failure_count,
        tolerated_failure_percentage,
        batcher: None,
        unsupported: None,
        run,
        result_selector: None,
        result_path: ResultPath::Replace,
        errors,
    };
    (Kind::Map(Box::new(map)), io)
}

fn task(obj: &Obj, t: &Targets, cx: &mut Cx) -> Option<(Kind, Io)> {
    let own = [
        "Resource",
        "Arguments",
        "Output",
        "TimeoutSeconds",
        "HeartbeatSeconds",
        "Retry",
        "Catch",
        "Next",
        "End",
    ];
    allow(obj, &own, cx);
    let resource = obj
        .req_str("Resource", cx)
        .map(|arn| crate::asl::load::errors::resource(arn, &obj.at("Resource"), cx))?;
    let io = common_with(obj, &["result"], cx);
    let parameters = arguments(obj, cx);
    let errors = error_handling(obj, t, cx);
    // A number, or an expression evaluated when the task is scheduled.
    let mut seconds = |key: &str| match obj.get(key) {
        Some(Value::String(_)) => checked(obj, key, cx).map(Dynamic::Jsonata),
        _ => obj.opt_int(key, 1, MAX_SECONDS, cx).map(Dynamic::Value),
    };
    let timeout_seconds = seconds("TimeoutSeconds");
    let heartbeat_seconds = seconds("HeartbeatSeconds");
    let task = Task {
        resource,
        parameters,
        result_selector: None,
        result_path: ResultPath::Replace,
        timeout_seconds,
        heartbeat_seconds,
        credentials: None,
        errors,
    };
    Some((Kind::Task(Box::new(task)), io))
}

fn parallel(obj: &Obj, raw: &RawState, t: &Targets, cx: &mut Cx) -> (Kind, Io) {
    allow(
        obj,
        &[
            "Branches",
            "Arguments",
            "Output",
            "Retry",
            "Catch",
            "Next",
            "End",
        ],
        cx,
    );
    obj.required("Branches", cx);
    let io = common_with(obj, &["result"], cx);
    let parameters = arguments(obj, cx);
    let errors = error_handling(obj, t, cx);
    let parallel = Parallel {
        branches: raw.children.clone(),
        parameters,
        result_selector: None,
        result_path: ResultPath::Replace,
        errors,
    };
    (Kind::Parallel(Box::new(parallel)), io)
}

fn wait(obj: &Obj, cx: &mut Cx) -> (Kind, Io) {
    allow(obj, &["Seconds", "Timestamp", "Output", "Next", "End"], cx);
    let io = common(obj, cx);
    let seconds = checked(obj, "Seconds", cx);
    let timestamp = checked(obj, "Timestamp", cx);
    let wait = match (seconds, timestamp) {
        (Some(s), None) => Wait::SecondsJsonata(s),
        (None, Some(t)) => Wait::TimestampJsonata(t),
        _ => {
            cx.schema(
                obj.ptr.clone(),
                "A Wait state needs exactly one of 'Seconds' and 'Timestamp'",
            );
            Wait::Seconds(0) // reported: no machine is built
        }
    };
    (Kind::Wait(wait), io)
}
