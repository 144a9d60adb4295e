//! JSONata states (`QueryLanguage: "JSONata"`, on the state or the whole machine): which query
//! language a state uses, and the fields of the JSONata state types stepwise runs so far (Pass:
//! `Output`, `Assign`). Every expression is parsed here, so a typo is a definition error with its
//! location, not a failure at run time.

use super::fields::{Cx, Obj};
use super::scan::RawState;
use super::states::{COMMON, Targets};
use crate::asl::model::{
    Catcher, Choice, Dynamic, ErrorHandling, Fail, FailField, JsonataCatch, JsonataFields,
    JsonataRule, Kind, Map, Parallel, Pass, ResultPath, Task, Wait,
};
use crate::data::jsonata::{QueryEngine, each_expression, shared};
use serde_json::Value;

/// The machine's `QueryLanguage`: JSONata or not (JSONPath, the default).
pub(super) fn top_level(obj: &Obj, cx: &mut Cx) -> bool {
    match obj.opt_str("QueryLanguage", cx) {
        None | Some("JSONPath") => false,
        Some("JSONata") => true,
        Some(other) => {
            cx.schema(obj.at("QueryLanguage"), unknown(other));
            false
        }
    }
}

/// A state's query language: its own `QueryLanguage`, else the machine's. A JSONata machine's
/// states cannot go back to JSONPath (AWS's rule).
pub(super) fn of_state(obj: &Obj, machine_jsonata: bool, cx: &mut Cx) -> bool {
    match obj.opt_str("QueryLanguage", cx) {
        None => machine_jsonata,
        Some("JSONata") => true,
        Some("JSONPath") if machine_jsonata => {
            cx.schema(
                obj.at("QueryLanguage"),
                "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata: remove the state's QueryLanguage, or set JSONPath at the top",
            );
            false
        }
        Some("JSONPath") => false,
        Some(other) => {
            cx.schema(obj.at("QueryLanguage"), unknown(other));
            false
        }
    }
}

fn unknown(other: &str) -> String {
    format!(
        "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata], not '{other}'"
    )
}

/// A JSONata state of type `ty`: its kind and JSONata fields, or `None` (reported) when stepwise
/// does not run that type in JSONata yet.
pub(super) fn state(
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
                .map(|arn| super::errors::resource(arn, &obj.at("Resource"), cx))?;
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
                    .opt_int(key, 1, super::fields::MAX_SECONDS, cx)
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
                    super::states::TYPES
                ),
            );
            None
        }
    }
}

/// `Arguments`: any JSON, expressions over `$states.input` and `$states.context`.
fn arguments(obj: &Obj, cx: &mut Cx) -> Option<Value> {
    let v = obj.get("Arguments")?;
    check(v, &obj.at("Arguments"), "Arguments", cx);
    Some(v.clone())
}

/// `Retry` and `Catch`; the Catchers' JSONata fields go to `fields.catchers`.
fn error_handling(
    obj: &Obj,
    t: &Targets,
    fields: &mut JsonataFields,
    cx: &mut Cx,
) -> ErrorHandling {
    let (catch, catchers) = catchers(obj, t, cx);
    fields.catchers = catchers;
    ErrorHandling {
        retry: super::errors::retriers(obj, cx),
        catch,
    }
}

/// JSONata Catchers: `ErrorEquals`, `Next`, and `Output`/`Assign` over `$states.errorOutput`.
fn catchers(obj: &Obj, t: &Targets, cx: &mut Cx) -> (Vec<Catcher>, Vec<JsonataCatch>) {
    let mut jsonata = Vec::new();
    let catch = super::errors::list(obj, "Catch", cx, |c, cx| {
        c.only(&["ErrorEquals", "Next", "Output", "Assign", "Comment"], cx);
        let error_equals = super::errors::error_equals(c, cx);
        let output = c.get("Output").cloned();
        if let Some(v) = &output {
            check_with(v, &c.at("Output"), "Output", &["errorOutput"], cx);
        }
        let assign = c
            .get("Assign")
            .filter(|v| super::assign::names(v, &c.at("Assign"), cx));
        if let Some(v) = assign {
            check_with(v, &c.at("Assign"), "Assign", &["errorOutput"], cx);
        }
        let next = t.resolve(c, "Next", cx)?;
        jsonata.push(JsonataCatch {
            output,
            assign: assign.cloned(),
        });
        Some(Catcher {
            error_equals,
            next,
            result_path: ResultPath::Replace,
            assign: None,
        })
    });
    (catch, jsonata)
}

/// `Output` and `Assign`, checked; `available` are the `$states` fields they may read beyond
/// `input` and `context` (`result` for Task, Map and Parallel).
fn common_with(obj: &Obj, available: &[&str], cx: &mut Cx) -> JsonataFields {
    let output = obj.get("Output").cloned();
    if let Some(v) = &output {
        check_with(v, &obj.at("Output"), "Output", available, cx);
    }
    JsonataFields {
        output,
        assign: assign(obj, available, cx),
        ..JsonataFields::default()
    }
}

fn common(obj: &Obj, cx: &mut Cx) -> JsonataFields {
    common_with(obj, &[], cx)
}

fn no_assign(obj: &Obj, cx: &mut Cx) {
    if obj.has("Assign") {
        cx.schema(
            obj.at("Assign"),
            "Succeed and Fail states cannot assign variables: move 'Assign' to the state before",
        );
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

/// Fields only JSONPath states have, with what JSONata states use instead.
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
];

fn jsonpath_fields(obj: &Obj, cx: &mut Cx) {
    for field in JSONPATH_ONLY.iter().filter(|f| obj.has(f)) {
        let instead = match *field {
            "Parameters" => "use 'Arguments' (Task, Parallel) or 'Output'",
            "Result" => "use 'Output'",
            _ => "use 'Output' with $states.input / $states.result",
        };
        cx.schema(
            obj.at(field),
            format!(
                "The field '{field}' is a JSONPath field and this state uses JSONata: {instead}"
            ),
        );
    }
}

/// `Assign` in JSONata: an object of variables whose values may be expressions.
fn assign(obj: &Obj, available: &[&str], cx: &mut Cx) -> Option<Value> {
    let value = obj.get("Assign")?;
    if !super::assign::names(value, &obj.at("Assign"), cx) {
        return None;
    }
    check_with(value, &obj.at("Assign"), "Assign", available, cx);
    Some(value.clone())
}

/// Parses every expression in `value`; reports syntax errors and reads AWS forbids.
fn check(value: &Value, pointer: &str, field: &str, cx: &mut Cx) {
    check_with(value, pointer, field, &[], cx);
}

/// `check`, where `$states.<available>` may be read too (`result`, `errorOutput`).
fn check_with(value: &Value, pointer: &str, field: &str, available: &[&str], cx: &mut Cx) {
    each_expression(value, field, &mut |expression, location| {
        let at = format!("{pointer}{}", location.strip_prefix(field).unwrap_or(""));
        match shared().check(expression) {
            Err(e) => cx.schema(
                at,
                format!("The JSONata expression '{expression}' is not valid: {e}"),
            ),
            Ok(a) if a.reads_input_document => cx.schema(
                at,
                format!("The JSONata expression '{expression}' reads the input document directly ('$', '$$' or a bare field name); use $states.input"),
            ),
            Ok(a) => {
                for f in ["result", "errorOutput"] {
                    if a.states_fields.contains(f) && !available.contains(&f) {
                        cx.schema(
                            at.clone(),
                            format!("The JSONata expression '{expression}' reads $states.{f}, which this field does not have"),
                        );
                    }
                }
            }
        }
    });
}
