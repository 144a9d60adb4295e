//! A script's value as JSON, the way Conductor's `ScriptEvaluator.getObject` converts a GraalJS
//! value: `null`/`undefined` → `null`; numbers that fit a 64-bit integer → integers, others →
//! floats (`NaN` and infinities → `null`, which JSON cannot hold); arrays element by element;
//! any other object (a `Date` or a function included) → its own enumerable string-keyed
//! properties, so a `Date` becomes `{}` as in Conductor.

use super::MAX_WALK;
use rquickjs::{Object, Type, Value as Js};
use serde_json::{Map, Number, Value};

/// Why a value could not be converted.
pub(super) enum Error {
    /// Reading a property threw (a getter or a proxy); the exception is pending.
    Js(rquickjs::Error),
    /// The value nests more than [`MAX_WALK`] levels.
    TooDeep,
}

impl From<rquickjs::Error> for Error {
    fn from(e: rquickjs::Error) -> Error {
        Error::Js(e)
    }
}

/// `value` as JSON.
pub(super) fn to_json(value: &Js<'_>) -> Result<Value, Error> {
    walk(value, 0)
}

fn walk(value: &Js<'_>, depth: usize) -> Result<Value, Error> {
    if depth > MAX_WALK {
        return Err(Error::TooDeep);
    }
    Ok(match value.type_of() {
        Type::Bool => Value::Bool(value.as_bool().unwrap_or(false)),
        Type::Int => Value::from(value.as_int().unwrap_or(0)),
        Type::Float => number(value.as_float().unwrap_or(f64::NAN)),
        Type::String => Value::String(value.get::<String>()?),
        Type::BigInt => value
            .get::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::Null),
        Type::Array => {
            let array = value.as_array().cloned();
            let mut items = Vec::new();
            if let Some(array) = array {
                for i in 0..array.len() {
                    let item: Js = array.get(i)?;
                    items.push(walk(&item, depth + 1)?);
                }
            }
            Value::Array(items)
        }
        Type::Object
        | Type::Function
        | Type::Constructor
        | Type::Exception
        | Type::Promise
        | Type::Proxy => match value.as_object() {
            Some(object) => Value::Object(members(object, depth)?),
            None => Value::Null,
        },
        _ => Value::Null,
    })
}

/// An object's own enumerable string-keyed properties.
fn members(object: &Object<'_>, depth: usize) -> Result<Map<String, Value>, Error> {
    let mut map = Map::new();
    for key in object.keys::<String>() {
        let key = key?;
        let item: Js = object.get(key.as_str())?;
        map.insert(key, walk(&item, depth + 1)?);
    }
    Ok(map)
}

/// A double as Conductor keeps it: an integer when it is integral and fits 64 bits.
fn number(n: f64) -> Value {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.223_372_036_854_775e18 {
        Value::from(n as i64)
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}
