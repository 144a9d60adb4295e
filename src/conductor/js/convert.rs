//! A script's value as JSON, the way Conductor's `ScriptEvaluator.getObject` converts a GraalJS
//! value: `null`/`undefined` → `null`; numbers that fit a 64-bit integer → integers, others →
//! floats (`NaN` and infinities → `null`, which JSON cannot hold); arrays element by element;
//! a `Map` → an object of its entries (GraalJS gives a `Map` hash entries, which `getObject` reads
//! before members), each key written as Jackson writes a Java map key: the `toString` of the
//! converted key; any other object (a `Set`, a `Date` or a function included) → its own
//! enumerable string-keyed properties, so a `Set` or a `Date` becomes `{}` as in Conductor.

use super::MAX_WALK;
use crate::conductor::expr::java_to_string;
use rquickjs::{Array, Ctx, Function, Object, Type, Value as Js};
use serde_json::{Map, Number, Value};

/// A `Map`'s entries as an array of `[key, value]` pairs, or `null` when the object only looks
/// like one (made with `Object.create(Map.prototype)`).
const ENTRIES: &str = "(function (m) { var out = []; try { Map.prototype.forEach.call(m, \
    function (v, k) { out.push([k, v]); }); } catch (e) { return null; } return out; })";

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
pub(super) fn to_json<'js>(ctx: &Ctx<'js>, value: &Js<'js>) -> Result<Value, Error> {
    Walk::new(ctx).walk(value, 0)
}

/// One conversion, and what it needs to tell a `Map` from other objects.
struct Walk<'js> {
    ctx: Ctx<'js>,
    /// `Map.prototype`, unless the script replaced the global `Map`.
    map_prototype: Option<Object<'js>>,
    /// [`ENTRIES`], compiled when the first `Map` is met.
    entries: Option<Function<'js>>,
}

impl<'js> Walk<'js> {
    fn new(ctx: &Ctx<'js>) -> Self {
        let map_prototype = ctx
            .globals()
            .get::<_, Object>("Map")
            .and_then(|map| map.get::<_, Object>("prototype"))
            .ok();
        Walk {
            ctx: ctx.clone(),
            map_prototype,
            entries: None,
        }
    }

    fn walk(&mut self, value: &Js<'js>, depth: usize) -> Result<Value, Error> {
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
                        items.push(self.walk(&item, depth + 1)?);
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
                Some(object) => Value::Object(self.object(object, depth)?),
                None => Value::Null,
            },
            _ => Value::Null,
        })
    }

    /// A `Map`'s entries, or any other object's members.
    fn object(&mut self, object: &Object<'js>, depth: usize) -> Result<Map<String, Value>, Error> {
        if self.is_map(object) {
            let entries: Js = self.entries()?.call((object.clone(),))?;
            if let Some(entries) = entries.as_array() {
                let mut map = Map::new();
                for pair in entries.iter::<Array>() {
                    let pair = pair?;
                    let key = match self.walk(&pair.get(0)?, depth + 1)? {
                        Value::String(s) => s,
                        other => java_to_string(&other),
                    };
                    map.insert(key, self.walk(&pair.get(1)?, depth + 1)?);
                }
                return Ok(map);
            }
        }
        self.members(object, depth)
    }

    /// An object's own enumerable string-keyed properties.
    fn members(&mut self, object: &Object<'js>, depth: usize) -> Result<Map<String, Value>, Error> {
        let mut map = Map::new();
        for key in object.keys::<String>() {
            let key = key?;
            let item: Js = object.get(key.as_str())?;
            map.insert(key, self.walk(&item, depth + 1)?);
        }
        Ok(map)
    }

    /// Whether `Map.prototype` is on `object`'s prototype chain: a `Map`, or an instance of a
    /// subclass.
    fn is_map(&self, object: &Object<'js>) -> bool {
        let Some(map_prototype) = &self.map_prototype else {
            return false;
        };
        let mut next = Some(object.clone());
        for _ in 0..MAX_WALK {
            match next {
                // A proxy's prototype comes from its handler: a script would run.
                Some(o) if o.as_value().type_of() == Type::Proxy => return false,
                Some(o) => next = o.get_prototype(),
                None => return false,
            }
            if next.as_ref() == Some(map_prototype) {
                return true;
            }
        }
        false
    }

    fn entries(&mut self) -> Result<Function<'js>, Error> {
        if let Some(entries) = &self.entries {
            return Ok(entries.clone());
        }
        let entries: Function = self.ctx.eval(ENTRIES)?;
        self.entries = Some(entries.clone());
        Ok(entries)
    }
}

/// A double as Conductor keeps it: an integer when it is integral and fits 64 bits.
fn number(n: f64) -> Value {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.223_372_036_854_775e18 {
        Value::from(n as i64)
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}
