//! What JSONata states share: `Output`/`Assign`, `Arguments`, Catchers, the JSONPath-only
//! fields they refuse, and the parse check of every expression.

use crate::asl::load::fields::{Cx, Obj};
use crate::asl::load::states::Targets;
use crate::asl::model::{Catcher, ErrorHandling, JsonataCatch, JsonataFields, ResultPath};
use crate::data::jsonata::{QueryEngine, each_expression, shared};
use serde_json::Value;

/// `Arguments`: any JSON, expressions over `$states.input` and `$states.context`.
pub(super) fn arguments(obj: &Obj, cx: &mut Cx) -> Option<Value> {
    let v = obj.get("Arguments")?;
    check(v, &obj.at("Arguments"), "Arguments", cx);
    Some(v.clone())
}

/// `Retry` and `Catch`; the Catchers' JSONata fields go to `fields.catchers`.
pub(super) fn error_handling(
    obj: &Obj,
    t: &Targets,
    fields: &mut JsonataFields,
    cx: &mut Cx,
) -> ErrorHandling {
    let (catch, catchers) = catchers(obj, t, cx);
    fields.catchers = catchers;
    ErrorHandling {
        retry: crate::asl::load::errors::retriers(obj, cx),
        catch,
    }
}

/// JSONata Catchers: `ErrorEquals`, `Next`, and `Output`/`Assign` over `$states.errorOutput`.
fn catchers(obj: &Obj, t: &Targets, cx: &mut Cx) -> (Vec<Catcher>, Vec<JsonataCatch>) {
    let mut jsonata = Vec::new();
    let catch = crate::asl::load::errors::list(obj, "Catch", cx, |c, cx| {
        c.only(&["ErrorEquals", "Next", "Output", "Assign", "Comment"], cx);
        let error_equals = crate::asl::load::errors::error_equals(c, cx);
        let output = c.get("Output").cloned();
        if let Some(v) = &output {
            check_with(v, &c.at("Output"), "Output", &["errorOutput"], cx);
        }
        let assign = c
            .get("Assign")
            .filter(|v| crate::asl::load::assign::names(v, &c.at("Assign"), cx));
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
pub(super) fn common_with(obj: &Obj, available: &[&str], cx: &mut Cx) -> JsonataFields {
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

pub(super) fn common(obj: &Obj, cx: &mut Cx) -> JsonataFields {
    common_with(obj, &[], cx)
}

pub(super) fn no_assign(obj: &Obj, cx: &mut Cx) {
    if obj.has("Assign") {
        cx.schema(
            obj.at("Assign"),
            "Succeed and Fail states cannot assign variables: move 'Assign' to the state before",
        );
    }
}

/// Fields only JSONPath states have, with what JSONata states use instead.
pub(super) const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
];

pub(super) fn jsonpath_fields(obj: &Obj, cx: &mut Cx) {
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
    if !crate::asl::load::assign::names(value, &obj.at("Assign"), cx) {
        return None;
    }
    check_with(value, &obj.at("Assign"), "Assign", available, cx);
    Some(value.clone())
}

/// Parses every expression in `value`; reports syntax errors and reads AWS forbids.
pub(super) fn check(value: &Value, pointer: &str, field: &str, cx: &mut Cx) {
    check_with(value, pointer, field, &[], cx);
}

/// `check`, where `$states.<available>` may be read too (`result`, `errorOutput`).
pub(super) fn check_with(
    value: &Value,
    pointer: &str,
    field: &str,
    available: &[&str],
    cx: &mut Cx,
) {
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
