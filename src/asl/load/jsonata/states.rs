//! Each JSONata state type: its allowed fields, and the model it becomes.

use super::fields::{
    JSONPATH_ONLY, arguments, check, common, common_with, error_handling, jsonpath_fields,
    no_assign,
};
use crate::asl::load::fields::{Cx, Obj};
use crate::asl::load::scan::RawState;
use crate::asl::load::states::{COMMON, Targets};
use crate::asl::model::{
    Choice, Dynamic, Fail, FailField, JsonataFields, JsonataRule, Kind, Map, Parallel, Pass,
    ResultPath, Task, Wait,
};
use serde_json::Value;

/// A JSONata state of type `ty`: its kind and JSONata fields, or `None` (reported) when stepwise
/// does not run that type in JSONata yet.
pub(in crate::asl::load) fn state(
    ty: &str,
    obj: &Obj,
    raw: &RawState,
    t: &Targets,
    cx: &mut Cx,
) -> Option<(Kind, JsonataFields)> {
    match ty {
        "Pass" => {
            jsonpath_fields(obj, cx);
            obj.only(
                &[COMMON, JSONPATH_ONLY, &["Output", "Next", "End"]].concat(),
                cx,
            );
            let pass = Pass {
                parameters: None,
                result: None,
                result_path: ResultPath::Replace,
            };
            Some((Kind::Pass(pass), common(obj, cx)))
        }
        "Succeed" => {
            jsonpath_fields(obj, cx);
            obj.only(&[COMMON, JSONPATH_ONLY, &["Output"]].concat(), cx);
            no_assign(obj, cx);
            Some((Kind::Succeed, common(obj, cx)))
        }
        "Fail" => {
            jsonpath_fields(obj, cx);
            obj.only(&[COMMON, JSONPATH_ONLY, &["Error", "Cause"]].concat(), cx);
            no_assign(obj, cx);
            let mut fields = JsonataFields::default();
            for (key, slot) in [("Error", &mut fields.error), ("Cause", &mut fields.cause)] {
                if let Some(v) = obj.get(key) {
                    if !v.is_string() {
                        cx.schema(
                            obj.at(key),
                            format!("The field '{key}' must be a string or a JSONata expression"),
                        );
                    }
                    check(v, &obj.at(key), key, cx);
                    *slot = Some(v.clone());
                }
            }
            let fail = Fail {
                error: FailField::Absent,
                cause: FailField::Absent,
            };
            Some((Kind::Fail(fail), fields))
        }
        "Choice" => {
            jsonpath_fields(obj, cx);
            obj.only(
                &[COMMON, JSONPATH_ONLY, &["Choices", "Default", "Output"]].concat(),
                cx,
            );
            let mut fields = common(obj, cx);
            let default = obj
                .has("Default")
                .then(|| t.resolve(obj, "Default", cx))
                .flatten();
            match obj.required("Choices", cx) {
                Some(Value::Array(items)) if !items.is_empty() => {
                    for (i, item) in items.iter().enumerate() {
                        let ptr = format!("{}/{i}", obj.at("Choices"));
                        if let Some(rule) = rule(item, ptr, t, cx) {
                            fields.rules.push(rule);
                        }
                    }
                }
                Some(_) => cx.schema(
                    obj.at("Choices"),
                    "The field 'Choices' must be a non-empty array of rules",
                ),
                None => {}
            }
            let choice = Choice {
                rules: Vec::new(),
                default,
            };
            Some((Kind::Choice(choice), fields))
        }
        "Map" => {
            jsonpath_fields(obj, cx);
            let allowed = [
                "ItemProcessor",
                "Items",
                "ItemSelector",
                "MaxConcurrency",
                "ToleratedFailureCount",
                "ToleratedFailurePercentage",
                "Output",
                "Retry",
                "Catch",
                "Next",
                "End",
            ];
            obj.only(&[COMMON, JSONPATH_ONLY, &allowed].concat(), cx);
            let mut fields = common_with(obj, &["result"], cx);
            let errors = error_handling(obj, t, &mut fields, cx);
            for (key, slot) in [
                ("Items", &mut fields.items),
                ("ItemSelector", &mut fields.item_selector),
                ("MaxConcurrency", &mut fields.max_concurrency),
                ("ToleratedFailureCount", &mut fields.tolerated_count),
                (
                    "ToleratedFailurePercentage",
                    &mut fields.tolerated_percentage,
                ),
            ] {
                if let Some(v) = obj.get(key) {
                    check(v, &obj.at(key), key, cx);
                    *slot = Some(v.clone());
                }
            }
            let map = Map {
                processor: raw.children.first().copied().unwrap_or(0),
                distributed: obj
                    .get("ItemProcessor")
                    .and_then(|p| p.pointer("/ProcessorConfig/Mode"))
                    .and_then(Value::as_str)
                    == Some("DISTRIBUTED"),
                items_path: None,
                item_selector: None,
                max_concurrency: Dynamic::Value(0),
                tolerated_failure_count: None,
                tolerated_failure_percentage: None,
                batcher: None,
                unsupported: None,
                result_selector: None,
                result_path: ResultPath::Replace,
                errors,
            };
            Some((Kind::Map(Box::new(map)), fields))
        }
        "Task" => {
            jsonpath_fields(obj, cx);
            let allowed = [
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
            obj.only(&[COMMON, JSONPATH_ONLY, &allowed].concat(), cx);
            let resource = obj
                .req_str("Resource", cx)
                .map(|arn| crate::asl::load::errors::resource(arn, &obj.at("Resource"), cx))?;
            let mut fields = common_with(obj, &["result"], cx);
            fields.arguments = arguments(obj, cx);
            let errors = error_handling(obj, t, &mut fields, cx);
            // A number, or an expression evaluated when the task is scheduled.
            let seconds = |key: &str, slot: &mut Option<Value>, cx: &mut Cx| match obj.get(key) {
                Some(v @ Value::String(_)) => {
                    check(v, &obj.at(key), key, cx);
                    *slot = Some(v.clone());
                    None
                }
                _ => obj
                    .opt_int(key, 1, crate::asl::load::fields::MAX_SECONDS, cx)
                    .map(Dynamic::Value),
            };
            let timeout_seconds = seconds("TimeoutSeconds", &mut fields.timeout_seconds, cx);
            let heartbeat_seconds = seconds("HeartbeatSeconds", &mut fields.heartbeat_seconds, cx);
            let task = Task {
                resource,
                parameters: None,
                result_selector: None,
                result_path: ResultPath::Replace,
                timeout_seconds,
                heartbeat_seconds,
                credentials: None,
                errors,
            };
            Some((Kind::Task(Box::new(task)), fields))
        }
        "Parallel" => {
            jsonpath_fields(obj, cx);
            let allowed = [
                "Branches",
                "Arguments",
                "Output",
                "Retry",
                "Catch",
                "Next",
                "End",
            ];
            obj.only(&[COMMON, JSONPATH_ONLY, &allowed].concat(), cx);
            obj.required("Branches", cx);
            let mut fields = common_with(obj, &["result"], cx);
            fields.arguments = arguments(obj, cx);
            let errors = error_handling(obj, t, &mut fields, cx);
            let parallel = Parallel {
                branches: raw.children.clone(),
                parameters: None,
                result_selector: None,
                result_path: ResultPath::Replace,
                errors,
            };
            Some((Kind::Parallel(Box::new(parallel)), fields))
        }
        "Wait" => {
            jsonpath_fields(obj, cx);
            obj.only(
                &[
                    COMMON,
                    JSONPATH_ONLY,
                    &["Seconds", "Timestamp", "Output", "Next", "End"],
                ]
                .concat(),
                cx,
            );
            let mut fields = common(obj, cx);
            for (key, slot) in [
                ("Seconds", &mut fields.seconds),
                ("Timestamp", &mut fields.timestamp),
            ] {
                if let Some(v) = obj.get(key) {
                    check(v, &obj.at(key), key, cx);
                    *slot = Some(v.clone());
                }
            }
            if fields.seconds.is_some() == fields.timestamp.is_some() {
                cx.schema(
                    obj.ptr.clone(),
                    "A Wait state needs exactly one of 'Seconds' and 'Timestamp'",
                );
            }
            Some((Kind::Wait(Wait::Seconds(0)), fields))
        }
        _ => {
            cx.schema(
                obj.at("Type"),
                format!(
                    "The field 'Type' should have one of these values: {}",
                    crate::asl::load::states::TYPES
                ),
            );
            None
        }
    }
}

/// A JSONata Choice rule: `Condition` (an expression or a boolean), `Next`, `Output`, `Assign`.
fn rule(item: &Value, ptr: String, t: &Targets, cx: &mut Cx) -> Option<JsonataRule> {
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
    let fields = common(&obj, cx);
    Some(JsonataRule {
        condition: condition?,
        next: next?,
        output: fields.output,
        assign: fields.assign,
    })
}
