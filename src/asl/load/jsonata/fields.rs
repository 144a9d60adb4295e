//! What JSONata states share: `Output`/`Assign`, `Arguments`, Catchers, the JSONPath-only
//! fields they refuse, and the parse check of every expression.

use crate::asl::load::fields::{Cx, Obj};
use crate::asl::load::states::Targets;
use crate::asl::model::{Catcher, Caught, ErrorHandling, Io, Payload};
use crate::data::jsonata::{QueryEngine, each_expression, shared};
use serde_json::Value;

/// `Arguments`: any JSON, expressions over `$states.input` and `$states.context`.
pub(super) fn arguments(obj: &Obj, cx: &mut Cx) -> Option<Payload> {
    Some(Payload::Jsonata(checked(obj, "Arguments", cx)?))
}

/// Field `key` as given, its expressions checked.
pub(super) fn checked(obj: &Obj, key: &str, cx: &mut Cx) -> Option<Value> {
    let v = obj.get(key)?;
    check(v, &obj.at(key), key, cx);
    Some(v.clone())
}

/// `Retry` and `Catch`; a Catcher has `ErrorEquals`, `Next`, and `Output`/`Assign` over
/// `$states.errorOutput`.
pub(super) fn error_handling(obj: &Obj, t: &Targets, cx: &mut Cx) -> ErrorHandling {
    let catch = crate::asl::load::errors::list(obj, "Catch", cx, |c, cx| {
        c.only(&["ErrorEquals", "Next", "Output", "Assign", "Comment"], cx);
        let error_equals = crate::asl::load::errors::error_equals(c, cx);
        let (output, assign) = output_and_assign(c, &["errorOutput"], cx);
        let next = t.resolve(c, "Next", cx)?;
        Some(Catcher {
            error_equals,
            next,
            caught: Caught::Jsonata { output, assign },
        })
    });
    ErrorHandling {
        retry: crate::asl::load::errors::retriers(obj, cx),
        catch,
    }
}

/// `Output` and `Assign`, checked; `available` are the `$states` fields they may read beyond
/// `input` and `context` (`result` for Task, Map and Parallel, `errorOutput` for Catchers).
pub(super) fn common_with(obj: &Obj, available: &[&str], cx: &mut Cx) -> Io {
    let (output, assign) = output_and_assign(obj, available, cx);
    Io::Jsonata { output, assign }
}

/// `Output` and `Assign` of a state, a Choice rule or a Catcher.
pub(super) fn output_and_assign(
    obj: &Obj,
    available: &[&str],
    cx: &mut Cx,
) -> (Option<Value>, Option<Value>) {
    let output = obj.get("Output").cloned();
    if let Some(v) = &output {
        check_with(v, &obj.at("Output"), "Output", available, cx);
    }
    (output, assign(obj, available, cx))
}

pub(super) fn common(obj: &Obj, cx: &mut Cx) -> Io {
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
