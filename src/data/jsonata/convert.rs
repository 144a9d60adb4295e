//! Values across the boundary: `serde_json::Value` into the library's `JValue` and back, the
//! way JavaScript's `JSON.stringify` would write the result (the reference implementation's
//! host language).

use super::error::Limit;
use jsonata_core::value::{JArray, JValue};
use serde_json::{Map, Number, Value};

/// A JSON value as the library's value. Arrays come in as plain arrays (not sequences), so
/// `$states.input.items` keeps a one-item array an array.
pub(super) fn to_jvalue(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JValue::string(s.as_str()),
        Value::Array(items) => {
            let flat = !items.iter().any(Value::is_array);
            JValue::Array(JArray::new_flat(
                items.iter().map(to_jvalue).collect(),
                flat,
            ))
        }
        Value::Object(map) => JValue::object(
            map.iter()
                .map(|(key, value)| (key.clone(), to_jvalue(value)))
                .collect(),
        ),
    }
}

/// Results nested deeper than this fail: the conversion recurses, and no JSON document that
/// AWS accepts comes close (serde_json itself reads at most 128 levels).
const MAX_DEPTH: usize = 1000;

/// The result as JSON; `None` for undefined. As in `JSON.stringify`, a function or undefined
/// inside an array becomes `null` and inside an object drops its key; a function as the whole
/// result is undefined. A result nested deeper than [`MAX_DEPTH`] is a [`Limit::Depth`].
pub(super) fn from_jvalue(value: &JValue) -> Result<Option<Value>, Limit> {
    convert(value, 0)
}

fn convert(value: &JValue, depth: usize) -> Result<Option<Value>, Limit> {
    if depth > MAX_DEPTH {
        return Err(Limit::Depth);
    }
    Ok(Some(match value {
        JValue::Null => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => number(*n),
        JValue::String(s) => Value::String(s.to_string()),
        JValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(convert(item, depth + 1)?.unwrap_or(Value::Null));
            }
            Value::Array(out)
        }
        JValue::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map.iter() {
                if let Some(value) = convert(value, depth + 1)? {
                    out.insert(key.clone(), value);
                }
            }
            Value::Object(out)
        }
        _ => return Ok(None),
    }))
}

/// A whole number as an integer (`3`, not `3.0`); a fraction as the shortest decimal that
/// reads back as the same double, as JavaScript prints it. AWS writes a non-finite number
/// inside a value as a string (`[1/0]` → `["Infinity"]`).
fn number(n: f64) -> Value {
    // 2^63 and 2^64: the first doubles past i64::MAX and u64::MAX.
    const I64_END: f64 = 9_223_372_036_854_775_808.0;
    const U64_END: f64 = 18_446_744_073_709_551_616.0;
    if n.fract() == 0.0 && (-I64_END..I64_END).contains(&n) {
        // `-0.0` lands here too and becomes `0`, as `JSON.stringify(-0)` is "0".
        return Value::from(n as i64);
    }
    if n.fract() == 0.0 && (0.0..U64_END).contains(&n) {
        return Value::from(n as u64);
    }
    match Number::from_f64(n) {
        Some(number) => Value::Number(number),
        None if n.is_nan() => Value::String("NaN".to_string()),
        None if n > 0.0 => Value::String("Infinity".to_string()),
        None => Value::String("-Infinity".to_string()),
    }
}
