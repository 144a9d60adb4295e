//! The string and array methods (and `length`, indexing and `toString`), with ES5 semantics.
//! Positions count UTF-16 code units, as JavaScript's do.

use super::JsError;
use super::ops::charge_comparison;
use super::text::{byte_offset, is_js_space, to_uint32, utf16_len, utf16_offset, utf16_slice};
use super::value::{
    Budget, Items, JsStr, Val, arg, join, same_value_zero, strict_eq, to_integer, to_number,
    to_string,
};
use std::rc::Rc;

/// A string or array method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    IndexOf,
    Includes,
    StartsWith,
    EndsWith,
    ToUpperCase,
    ToLowerCase,
    Trim,
    Substring,
    Split,
    CharAt,
    Concat,
    Join,
    Slice,
    ToString,
}

/// What "x is not a function" adds when the receiver is a string or an array.
pub(super) const STRING_METHODS: &str = " (stepwise supports the string methods indexOf, \
    includes, startsWith, endsWith, toUpperCase, toLowerCase, trim, substring, slice, split, \
    charAt, concat and toString)";
/// See [`STRING_METHODS`].
pub(super) const ARRAY_METHODS: &str =
    " (stepwise supports the array methods indexOf, includes, join, slice, concat and toString)";

/// `s[key]`: `length`, a code unit, a method, or `undefined`.
pub(super) fn string_member<'a>(obj: &Val<'a>, s: &str, key: &str) -> Val<'a> {
    if key == "length" {
        return Val::Num(utf16_len(s) as f64);
    }
    if let Some(i) = array_index(key) {
        return match s.encode_utf16().nth(i) {
            Some(unit) => Val::string(String::from_utf16_lossy(&[unit])),
            None => Val::Undefined,
        };
    }
    let method = match key {
        "indexOf" => Method::IndexOf,
        "includes" => Method::Includes,
        "startsWith" => Method::StartsWith,
        "endsWith" => Method::EndsWith,
        "toUpperCase" => Method::ToUpperCase,
        "toLowerCase" => Method::ToLowerCase,
        "trim" => Method::Trim,
        "substring" => Method::Substring,
        "split" => Method::Split,
        "charAt" => Method::CharAt,
        "concat" => Method::Concat,
        "slice" => Method::Slice,
        "toString" => Method::ToString,
        _ => return Val::Undefined,
    };
    bind(obj, method)
}

/// `array[key]`: `length`, an item, a method, or `undefined`.
pub(super) fn array_member<'a>(obj: &Val<'a>, items: Items<'_, 'a>, key: &str) -> Val<'a> {
    if key == "length" {
        return Val::Num(items.len() as f64);
    }
    if let Some(i) = array_index(key) {
        return items.get(i).unwrap_or(Val::Undefined);
    }
    let method = match key {
        "indexOf" => Method::IndexOf,
        "includes" => Method::Includes,
        "join" => Method::Join,
        "slice" => Method::Slice,
        "concat" => Method::Concat,
        "toString" => Method::ToString,
        _ => return Val::Undefined,
    };
    bind(obj, method)
}

/// `method` bound to `receiver`, ready to call.
pub(super) fn bind<'a>(receiver: &Val<'a>, method: Method) -> Val<'a> {
    Val::Method(Rc::new((receiver.clone(), method)))
}

/// A canonical array index: digits without a leading zero, below 2³² − 1.
fn array_index(key: &str) -> Option<usize> {
    let digits = !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit());
    if !digits || (key.starts_with('0') && key != "0") {
        return None;
    }
    let index: u64 = key.parse().ok()?;
    if index < u64::from(u32::MAX) {
        usize::try_from(index).ok()
    } else {
        None
    }
}

/// Calls a method bound to `receiver`.
pub(super) fn call_method<'a>(
    receiver: &Val<'a>,
    method: Method,
    args: &[Val<'a>],
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    if let Val::Str(s) = receiver {
        budget.charge_text(s.len())?;
        return string_method(s, method, args, budget);
    }
    if let Some(items) = receiver.items() {
        return array_method(items, method, args, budget);
    }
    Ok(Val::Str(to_string(receiver, budget)?))
}

fn string_method<'a>(
    s: &JsStr<'a>,
    method: Method,
    args: &[Val<'a>],
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    Ok(match method {
        Method::IndexOf | Method::Includes | Method::StartsWith | Method::EndsWith => {
            search(s, method, args, budget)?
        }
        Method::Substring | Method::Slice | Method::CharAt => {
            Val::string(cut(s, method, args, budget)?)
        }
        Method::Split => split(s, &arg(args, 0), &arg(args, 1), budget)?,
        Method::Concat => concat_strings(s, args, budget)?,
        Method::ToUpperCase => Val::string(s.to_uppercase()),
        Method::ToLowerCase => Val::string(s.to_lowercase()),
        Method::Trim => Val::string(s.trim_matches(is_js_space).to_string()),
        Method::ToString | Method::Join => Val::Str(s.clone()),
    })
}

/// `indexOf`, `includes`, `startsWith`, `endsWith`.
fn search<'a>(
    s: &str,
    method: Method,
    args: &[Val<'a>],
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    let needle = to_string(&arg(args, 0), budget)?;
    let len = utf16_len(s);
    let default = if method == Method::EndsWith { len } else { 0 };
    let at = position(&arg(args, 1), len, default, budget)?;
    Ok(match method {
        Method::IndexOf => Val::Num(index_of(s, &needle, at)),
        Method::Includes => Val::Bool(index_of(s, &needle, at) >= 0.0),
        Method::StartsWith => {
            let rest = s.get(byte_offset(s, at)..);
            Val::Bool(rest.is_some_and(|rest| rest.starts_with(&*needle)))
        }
        _ => {
            let head = s.get(..byte_offset(s, at));
            Val::Bool(head.is_some_and(|head| head.ends_with(&*needle)))
        }
    })
}

/// The UTF-16 position of `needle` in `s` at or after UTF-16 position `from`, or -1.
fn index_of(s: &str, needle: &str, from: usize) -> f64 {
    let start = byte_offset(s, from);
    match s.get(start..).and_then(|rest| rest.find(needle)) {
        Some(i) => utf16_offset(s, start + i) as f64,
        None => -1.0,
    }
}

/// `substring` (clamped, swapped if reversed), `slice` (negative from the end), `charAt`.
fn cut(s: &str, method: Method, args: &[Val<'_>], budget: &mut Budget) -> Result<String, JsError> {
    let len = utf16_len(s);
    let (first, second) = (arg(args, 0), arg(args, 1));
    Ok(match method {
        Method::Substring => {
            let a = position(&first, len, 0, budget)?;
            let b = position(&second, len, len, budget)?;
            utf16_slice(s, a.min(b), a.max(b))
        }
        Method::Slice => {
            let a = relative(&first, len, 0, budget)?;
            let b = relative(&second, len, len, budget)?;
            utf16_slice(s, a, b)
        }
        _ => {
            let i = to_integer(&first, budget)?;
            let inside = i >= 0.0 && i < len as f64;
            let i = i as usize;
            if inside {
                utf16_slice(s, i, i + 1)
            } else {
                String::new()
            }
        }
    })
}

/// `s.split(separator, limit)`; an empty separator splits into UTF-16 code units.
fn split<'a>(
    s: &str,
    separator: &Val<'a>,
    limit: &Val<'a>,
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    let limit = match limit {
        Val::Undefined => usize::MAX,
        v => usize::try_from(to_uint32(to_number(v, budget)?)).unwrap_or(usize::MAX),
    };
    let parts: Vec<String> = match separator {
        Val::Undefined => vec![s.to_string()].into_iter().take(limit).collect(),
        _ => {
            let separator = to_string(separator, budget)?;
            if separator.is_empty() {
                let units = s.encode_utf16().take(limit);
                units.map(|u| String::from_utf16_lossy(&[u])).collect()
            } else {
                s.split(&*separator)
                    .take(limit)
                    .map(str::to_string)
                    .collect()
            }
        }
    };
    budget.charge(u64::try_from(parts.len()).unwrap_or(u64::MAX))?;
    Val::array(parts.into_iter().map(Val::string).collect())
}

/// `s.concat(args...)`.
fn concat_strings<'a>(s: &str, args: &[Val<'a>], budget: &mut Budget) -> Result<Val<'a>, JsError> {
    let mut out = s.to_string();
    for a in args {
        let part = to_string(a, budget)?;
        budget.charge_text(part.len())?;
        out.push_str(&part);
    }
    Ok(Val::string(out))
}

fn array_method<'a>(
    items: Items<'_, 'a>,
    method: Method,
    args: &[Val<'a>],
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    let first = arg(args, 0);
    Ok(match method {
        Method::IndexOf => match find(items, &first, &arg(args, 1), strict_eq, budget)? {
            Some(i) => Val::Num(i as f64),
            None => Val::Num(-1.0),
        },
        Method::Includes => {
            Val::Bool(find(items, &first, &arg(args, 1), same_value_zero, budget)?.is_some())
        }
        Method::Join if !matches!(first, Val::Undefined) => {
            let separator = to_string(&first, budget)?;
            Val::string(join(items, &separator, budget)?)
        }
        Method::Join | Method::ToString => Val::string(join(items, ",", budget)?),
        Method::Slice => slice(items, &first, &arg(args, 1), budget)?,
        Method::Concat => concat(items, args, budget)?,
        _ => Val::Undefined,
    })
}

/// The first index at or after `from` whose item is `same` as `target`.
fn find<'a>(
    items: Items<'_, 'a>,
    target: &Val<'a>,
    from: &Val<'a>,
    same: fn(&Val<'a>, &Val<'a>) -> bool,
    budget: &mut Budget,
) -> Result<Option<usize>, JsError> {
    let from = relative(from, items.len(), 0, budget)?;
    for (i, item) in items.iter().enumerate().skip(from) {
        charge_comparison(&item, target, budget)?;
        if same(&item, target) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// `items.slice(start, end)`, negative positions counted from the end.
fn slice<'a>(
    items: Items<'_, 'a>,
    start: &Val<'a>,
    end: &Val<'a>,
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    let len = items.len();
    let start = relative(start, len, 0, budget)?;
    let count = relative(end, len, len, budget)?.saturating_sub(start);
    budget.charge(u64::try_from(count).unwrap_or(u64::MAX))?;
    Val::array(items.iter().skip(start).take(count).collect())
}

/// `items.concat(args...)`: array arguments are spread one level, others appended.
fn concat<'a>(
    items: Items<'_, 'a>,
    args: &[Val<'a>],
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    let mut out: Vec<Val<'a>> = items.iter().collect();
    for a in args {
        match a.items() {
            Some(more) => out.extend(more.iter()),
            None => out.push(a.clone()),
        }
    }
    budget.charge(u64::try_from(out.len()).unwrap_or(u64::MAX))?;
    Val::array(out)
}

/// A position argument clamped to `0..=len`; `default` when it is missing.
fn position(
    v: &Val<'_>,
    len: usize,
    default: usize,
    budget: &mut Budget,
) -> Result<usize, JsError> {
    if matches!(v, Val::Undefined) {
        return Ok(default);
    }
    Ok(clamp(to_integer(v, budget)?, len))
}

/// A position argument counted from the end when negative; `default` when it is missing.
fn relative(
    v: &Val<'_>,
    len: usize,
    default: usize,
    budget: &mut Budget,
) -> Result<usize, JsError> {
    if matches!(v, Val::Undefined) {
        return Ok(default);
    }
    let n = to_integer(v, budget)?;
    Ok(if n < 0.0 {
        clamp(len as f64 + n, len)
    } else {
        clamp(n, len)
    })
}

fn clamp(n: f64, len: usize) -> usize {
    if n <= 0.0 {
        0
    } else if n >= len as f64 {
        len
    } else {
        n as usize
    }
}
