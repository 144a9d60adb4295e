//! The built-in globals (`Math`, `JSON`, `Array.isArray`, `parseInt`, `String`, ...) and member
//! access, with ES5 semantics. Any other member is `undefined`, so calling it fails with its
//! name.

use super::JsError;
use super::json;
use super::methods::{self, ARRAY_METHODS, Method, STRING_METHODS};
use super::text::{parse_float, parse_int};
use super::value::{Budget, JsStr, Val, arg, to_number, to_string};

/// A built-in function, or one of the namespaces holding them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Builtin {
    MathNs,
    JsonNs,
    ArrayNs,
    ParseInt,
    ParseFloat,
    StringFn,
    NumberFn,
    BooleanFn,
    IsNaN,
    IsFinite,
    Max,
    Min,
    Floor,
    Ceil,
    Round,
    Abs,
    Stringify,
    Parse,
    IsArray,
}

impl Builtin {
    /// Functions are callable; the namespaces are not.
    pub fn is_callable(self) -> bool {
        !matches!(self, Builtin::MathNs | Builtin::JsonNs | Builtin::ArrayNs)
    }
}

/// The global named `name` other than `$`, if stepwise has it.
pub(super) fn global(name: &str) -> Option<Val<'static>> {
    let builtin = match name {
        "Math" => Builtin::MathNs,
        "JSON" => Builtin::JsonNs,
        "Array" => Builtin::ArrayNs,
        "parseInt" => Builtin::ParseInt,
        "parseFloat" => Builtin::ParseFloat,
        "String" => Builtin::StringFn,
        "Number" => Builtin::NumberFn,
        "Boolean" => Builtin::BooleanFn,
        "isNaN" => Builtin::IsNaN,
        "isFinite" => Builtin::IsFinite,
        "undefined" => return Some(Val::Undefined),
        "NaN" => return Some(Val::Num(f64::NAN)),
        "Infinity" => return Some(Val::Num(f64::INFINITY)),
        _ => return None,
    };
    Some(Val::Builtin(builtin))
}

/// `obj[key]`: a TypeError on `null` and `undefined`, `undefined` for what is not there.
pub(super) fn member<'a>(
    obj: &Val<'a>,
    key: &str,
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    Ok(match obj {
        Val::Undefined | Val::Null => {
            let what = if matches!(obj, Val::Null) {
                "null"
            } else {
                "undefined"
            };
            let message = format!("TypeError: Cannot read property '{key}' of {what}");
            return Err(JsError::new(message));
        }
        Val::Str(s) => {
            budget.charge_text(s.len())?;
            methods::string_member(obj, s, key)
        }
        Val::Builtin(ns) => namespace_member(*ns, key),
        Val::Num(_) | Val::Bool(_) if key == "toString" => methods::bind(obj, Method::ToString),
        Val::Num(_) | Val::Bool(_) | Val::Method(_) | Val::Function(_) => Val::Undefined,
        _ => match (obj.items(), obj.entries()) {
            (Some(items), _) => methods::array_member(obj, items, key),
            (None, Some(entries)) => entries.get(key).unwrap_or(Val::Undefined),
            (None, None) => Val::Undefined,
        },
    })
}

fn namespace_member(ns: Builtin, key: &str) -> Val<'static> {
    let builtin = match (ns, key) {
        (Builtin::MathNs, "max") => Builtin::Max,
        (Builtin::MathNs, "min") => Builtin::Min,
        (Builtin::MathNs, "floor") => Builtin::Floor,
        (Builtin::MathNs, "ceil") => Builtin::Ceil,
        (Builtin::MathNs, "round") => Builtin::Round,
        (Builtin::MathNs, "abs") => Builtin::Abs,
        (Builtin::JsonNs, "stringify") => Builtin::Stringify,
        (Builtin::JsonNs, "parse") => Builtin::Parse,
        (Builtin::ArrayNs, "isArray") => Builtin::IsArray,
        _ => return Val::Undefined,
    };
    Val::Builtin(builtin)
}

/// What to add to "x is not a function" when `receiver` is a built-in kind.
pub(super) fn hint(receiver: &Val<'_>) -> &'static str {
    match receiver {
        Val::Str(_) => STRING_METHODS,
        Val::Builtin(Builtin::MathNs) => {
            " (stepwise supports Math.max, Math.min, Math.floor, Math.ceil, Math.round and Math.abs)"
        }
        Val::Builtin(Builtin::JsonNs) => " (stepwise supports JSON.stringify and JSON.parse)",
        Val::Builtin(Builtin::ArrayNs) => " (stepwise supports Array.isArray)",
        _ if receiver.items().is_some() => ARRAY_METHODS,
        _ => "",
    }
}

/// Calls a built-in function.
pub(super) fn call<'a>(
    f: Builtin,
    args: &[Val<'a>],
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    let first = arg(args, 0);
    Ok(match f {
        Builtin::ParseInt => Val::Num(parse_int(
            &to_string(&first, budget)?,
            to_number(&arg(args, 1), budget)?,
        )),
        Builtin::ParseFloat => Val::Num(parse_float(&to_string(&first, budget)?)),
        Builtin::StringFn if args.is_empty() => Val::Str(JsStr::Borrowed("")),
        Builtin::StringFn => Val::Str(to_string(&first, budget)?),
        Builtin::NumberFn if args.is_empty() => Val::Num(0.0),
        Builtin::NumberFn => Val::Num(to_number(&first, budget)?),
        Builtin::BooleanFn => Val::Bool(first.truthy()),
        Builtin::IsNaN => Val::Bool(to_number(&first, budget)?.is_nan()),
        Builtin::IsFinite => Val::Bool(to_number(&first, budget)?.is_finite()),
        Builtin::Max | Builtin::Min => Val::Num(extreme(f == Builtin::Max, args, budget)?),
        Builtin::Floor => Val::Num(to_number(&first, budget)?.floor()),
        Builtin::Ceil => Val::Num(to_number(&first, budget)?.ceil()),
        Builtin::Round => Val::Num(round(to_number(&first, budget)?)),
        Builtin::Abs => Val::Num(to_number(&first, budget)?.abs()),
        Builtin::Stringify => json::stringify(&first, &arg(args, 1), &arg(args, 2), budget)?,
        Builtin::Parse => json::parse(&to_string(&first, budget)?, &arg(args, 1), budget)?,
        Builtin::IsArray => Val::Bool(first.items().is_some()),
        Builtin::MathNs | Builtin::JsonNs | Builtin::ArrayNs => {
            return Err(JsError::new("TypeError: not a function"));
        }
    })
}

/// `Math.max` / `Math.min`: NaN if any argument is NaN; ∓∞ with no arguments.
fn extreme(max: bool, args: &[Val<'_>], budget: &mut Budget) -> Result<f64, JsError> {
    let mut best = if max {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    for a in args {
        let n = to_number(a, budget)?;
        if n.is_nan() {
            return Ok(f64::NAN);
        }
        if (max && n > best) || (!max && n < best) {
            best = n;
        }
    }
    Ok(best)
}

/// `Math.round`: halves round up (towards +∞), so -2.5 → -2.
fn round(n: f64) -> f64 {
    let floor = n.floor();
    if n - floor >= 0.5 { floor + 1.0 } else { floor }
}
