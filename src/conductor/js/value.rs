//! Runtime values: JSON-like data plus `undefined` and the built-in functions, and JavaScript's
//! conversions between them. Strings and the input's arrays and objects are borrowed where they
//! live (the script's literals, the input), so reading `$` copies nothing.

use super::builtins::Builtin;
use super::methods::Method;
use super::parse::Body;
use super::text::{number_to_string, string_to_number};
use super::{JsError, MAX_DEPTH, MAX_STEPS, MAX_WALK};
use serde_json::{Map, Value};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::rc::Rc;

/// A string borrowed from the script or the input, or one the script built.
#[derive(Debug, Clone)]
pub(super) enum JsStr<'a> {
    Borrowed(&'a str),
    Owned(Rc<str>),
}

impl Deref for JsStr<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            JsStr::Borrowed(s) => s,
            JsStr::Owned(s) => s,
        }
    }
}

impl PartialEq for JsStr<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for JsStr<'_> {}

impl Hash for JsStr<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl Borrow<str> for JsStr<'_> {
    fn borrow(&self) -> &str {
        self
    }
}

impl From<String> for JsStr<'_> {
    fn from(s: String) -> Self {
        JsStr::Owned(Rc::from(s))
    }
}

/// A JavaScript value. Arrays and objects never change once built (the subset has no member
/// assignment), so sharing them is the same as JavaScript's references.
#[derive(Debug, Clone)]
pub(super) enum Val<'a> {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(JsStr<'a>),
    /// An array or object of the input, read in place.
    Json(&'a Value),
    /// An array the script built.
    Array(Rc<List<'a>>),
    /// An object the script built.
    Object(Rc<Record<'a>>),
    /// A built-in function or namespace (`Math`, `JSON`, `Array`).
    Builtin(Builtin),
    /// A string or array method bound to its receiver.
    Method(Rc<(Val<'a>, Method)>),
    /// A function declared at the top level of the program.
    Function(&'a Body),
}

/// The items of a script-built array, and how deeply it nests.
#[derive(Debug)]
pub(super) struct List<'a> {
    items: Vec<Val<'a>>,
    depth: u32,
}

/// The properties of a script-built object in insertion order, and how deeply it nests; larger
/// objects keep an index so that a lookup costs the same however many properties there are.
#[derive(Debug)]
pub(super) struct Record<'a> {
    entries: Vec<(JsStr<'a>, Val<'a>)>,
    index: Option<HashMap<JsStr<'a>, usize>>,
    depth: u32,
}

/// Objects with more properties than this get an index.
const INDEXED: usize = 8;

impl<'a> Record<'a> {
    fn get(&self, key: &str) -> Option<&Val<'a>> {
        let i = match &self.index {
            Some(index) => *index.get(key)?,
            None => self.entries.iter().position(|(k, _)| &**k == key)?,
        };
        self.entries.get(i).map(|(_, v)| v)
    }
}

/// The error for values nested past the limits.
pub(super) fn value_too_deep() -> JsError {
    JsError::new("the value is nested too deeply")
}

impl<'a> Val<'a> {
    /// A string value the script built.
    pub fn string(s: String) -> Val<'a> {
        Val::Str(s.into())
    }

    /// A new array; an error if it would nest deeper than [`MAX_DEPTH`].
    pub fn array(items: Vec<Val<'a>>) -> Result<Val<'a>, JsError> {
        let depth = 1 + items.iter().map(Val::depth).max().unwrap_or(0);
        if depth > MAX_DEPTH {
            return Err(value_too_deep());
        }
        Ok(Val::Array(Rc::new(List { items, depth })))
    }

    /// A new object (keys unique, in insertion order); an error if it would nest deeper than
    /// [`MAX_DEPTH`].
    pub fn object(entries: Vec<(JsStr<'a>, Val<'a>)>) -> Result<Val<'a>, JsError> {
        let depth = 1 + entries.iter().map(|(_, v)| v.depth()).max().unwrap_or(0);
        if depth > MAX_DEPTH {
            return Err(value_too_deep());
        }
        let index = (entries.len() > INDEXED).then(|| {
            let keys = entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i));
            keys.collect()
        });
        Ok(Val::Object(Rc::new(Record {
            entries,
            index,
            depth,
        })))
    }

    /// How deeply a script-built value nests (input data counts as one level).
    fn depth(&self) -> u32 {
        match self {
            Val::Array(list) => list.depth,
            Val::Object(record) => record.depth,
            Val::Json(_) => 1,
            _ => 0,
        }
    }

    /// A JSON value of the input, without copying it.
    pub fn from_json(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => Val::Str(JsStr::Borrowed(s)),
            Value::Array(_) | Value::Object(_) => Val::Json(v),
        }
    }

    /// JavaScript's truthiness (`!!v`).
    pub fn truthy(&self) -> bool {
        match self {
            Val::Undefined | Val::Null => false,
            Val::Bool(b) => *b,
            Val::Num(n) => *n != 0.0 && !n.is_nan(),
            Val::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// `typeof v`.
    pub fn type_of(&self) -> &'static str {
        match self {
            Val::Undefined => "undefined",
            Val::Bool(_) => "boolean",
            Val::Num(_) => "number",
            Val::Str(_) => "string",
            Val::Builtin(b) if !b.is_callable() => "object",
            Val::Builtin(_) | Val::Method(_) | Val::Function(_) => "function",
            Val::Null | Val::Json(_) | Val::Array(_) | Val::Object(_) => "object",
        }
    }

    /// `null` or `undefined`.
    pub fn is_nullish(&self) -> bool {
        matches!(self, Val::Undefined | Val::Null)
    }

    /// An object in JavaScript's sense: arrays, objects and functions.
    pub fn is_object(&self) -> bool {
        self.is_function() || matches!(self, Val::Json(_) | Val::Array(_) | Val::Object(_))
    }

    /// A function (what `JSON.stringify` leaves out).
    pub fn is_function(&self) -> bool {
        match self {
            Val::Builtin(b) => b.is_callable(),
            Val::Method(_) | Val::Function(_) => true,
            _ => false,
        }
    }

    /// The items, when this is an array.
    pub fn items(&self) -> Option<Items<'_, 'a>> {
        match self {
            Val::Json(Value::Array(items)) => Some(Items::Json(items)),
            Val::Array(list) => Some(Items::Vals(&list.items)),
            _ => None,
        }
    }

    /// The properties, when this is a (non-array) object.
    pub fn entries(&self) -> Option<Entries<'_, 'a>> {
        match self {
            Val::Json(Value::Object(map)) => Some(Entries::Json(map)),
            Val::Object(record) => Some(Entries::Vals(record)),
            _ => None,
        }
    }
}

/// An array's items, wherever they live.
#[derive(Clone, Copy)]
pub(super) enum Items<'v, 'a> {
    Json(&'a [Value]),
    Vals(&'v [Val<'a>]),
}

impl<'v, 'a> Items<'v, 'a> {
    pub fn len(self) -> usize {
        match self {
            Items::Json(items) => items.len(),
            Items::Vals(items) => items.len(),
        }
    }

    pub fn get(self, i: usize) -> Option<Val<'a>> {
        match self {
            Items::Json(items) => items.get(i).map(Val::from_json),
            Items::Vals(items) => items.get(i).cloned(),
        }
    }

    pub fn iter(self) -> impl Iterator<Item = Val<'a>> + 'v {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

/// An object's properties, wherever they live.
#[derive(Clone, Copy)]
pub(super) enum Entries<'v, 'a> {
    Json(&'a Map<String, Value>),
    Vals(&'v Record<'a>),
}

impl<'v, 'a> Entries<'v, 'a> {
    pub fn get(self, key: &str) -> Option<Val<'a>> {
        match self {
            Entries::Json(map) => map.get(key).map(Val::from_json),
            Entries::Vals(record) => record.get(key).cloned(),
        }
    }

    pub fn iter(self) -> Box<dyn Iterator<Item = (JsStr<'a>, Val<'a>)> + 'v> {
        match self {
            Entries::Json(map) => Box::new(
                map.iter()
                    .map(|(k, v)| (JsStr::Borrowed(k.as_str()), Val::from_json(v))),
            ),
            Entries::Vals(record) => Box::new(record.entries.iter().cloned()),
        }
    }
}

/// The steps a run may still take.
pub(super) struct Budget {
    left: u64,
}

impl Budget {
    /// A full budget of [`MAX_STEPS`].
    pub fn new() -> Budget {
        Budget { left: MAX_STEPS }
    }

    /// Spends `steps`, or fails with "the script ran too long".
    pub fn charge(&mut self, steps: u64) -> Result<(), JsError> {
        match self.left.checked_sub(steps) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => {
                self.left = 0;
                Err(JsError::new(format!(
                    "the script ran too long (more than {MAX_STEPS} steps)"
                )))
            }
        }
    }

    /// Spends a step per 64 bytes of text read or built.
    pub fn charge_text(&mut self, bytes: usize) -> Result<(), JsError> {
        self.charge(1 + u64::try_from(bytes / 64).unwrap_or(u64::MAX))
    }
}

/// The `i`th argument of a call, `undefined` when missing.
pub(super) fn arg<'a>(args: &[Val<'a>], i: usize) -> Val<'a> {
    args.get(i).cloned().unwrap_or(Val::Undefined)
}

/// ECMA-262 ToString.
pub(super) fn to_string<'a>(v: &Val<'a>, budget: &mut Budget) -> Result<JsStr<'a>, JsError> {
    string_at(v, budget, 0)
}

fn string_at<'a>(v: &Val<'a>, budget: &mut Budget, depth: usize) -> Result<JsStr<'a>, JsError> {
    Ok(match v {
        Val::Undefined => JsStr::Borrowed("undefined"),
        Val::Null => JsStr::Borrowed("null"),
        Val::Bool(b) => JsStr::Borrowed(if *b { "true" } else { "false" }),
        Val::Num(n) => number_to_string(*n).into(),
        Val::Str(s) => s.clone(),
        Val::Builtin(b) if !b.is_callable() => JsStr::Borrowed("[object Object]"),
        Val::Builtin(_) | Val::Method(_) | Val::Function(_) => {
            JsStr::Borrowed("function () { [native code] }")
        }
        _ => match v.items() {
            Some(items) => join_at(items, ",", budget, depth)?.into(),
            None => JsStr::Borrowed("[object Object]"),
        },
    })
}

/// `items.join(sep)`: `null` and `undefined` items as empty strings.
pub(super) fn join(
    items: Items<'_, '_>,
    sep: &str,
    budget: &mut Budget,
) -> Result<String, JsError> {
    join_at(items, sep, budget, 0)
}

fn join_at(
    items: Items<'_, '_>,
    sep: &str,
    budget: &mut Budget,
    depth: usize,
) -> Result<String, JsError> {
    if depth >= MAX_WALK {
        return Err(value_too_deep());
    }
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            budget.charge_text(sep.len())?;
            out.push_str(sep);
        }
        if item.is_nullish() {
            budget.charge(1)?;
            continue;
        }
        let s = string_at(&item, budget, depth + 1)?;
        budget.charge_text(s.len())?;
        out.push_str(&s);
    }
    Ok(out)
}

/// ECMA-262 ToNumber.
pub(super) fn to_number(v: &Val<'_>, budget: &mut Budget) -> Result<f64, JsError> {
    Ok(match v {
        Val::Undefined | Val::Builtin(_) | Val::Method(_) | Val::Function(_) => f64::NAN,
        Val::Null => 0.0,
        Val::Bool(b) => f64::from(u8::from(*b)),
        Val::Num(n) => *n,
        Val::Str(s) => string_to_number(s),
        Val::Json(_) | Val::Array(_) | Val::Object(_) => string_to_number(&to_string(v, budget)?),
    })
}

/// ECMA-262 ToInteger: NaN → 0, else truncated (infinities kept).
pub(super) fn to_integer(v: &Val<'_>, budget: &mut Budget) -> Result<f64, JsError> {
    let n = to_number(v, budget)?;
    Ok(if n.is_nan() { 0.0 } else { n.trunc() })
}

/// ECMA-262 ToPrimitive: objects become their string form, primitives stay.
pub(super) fn to_primitive<'a>(v: &Val<'a>, budget: &mut Budget) -> Result<Val<'a>, JsError> {
    if v.is_object() {
        Ok(Val::Str(to_string(v, budget)?))
    } else {
        Ok(v.clone())
    }
}

/// `a === b`: same type and value; objects by identity; NaN is not equal to itself.
pub(super) fn strict_eq(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Undefined, Val::Undefined) | (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => **x == **y,
        (Val::Json(x), Val::Json(y)) => std::ptr::eq(*x, *y),
        (Val::Array(x), Val::Array(y)) => Rc::ptr_eq(x, y),
        (Val::Object(x), Val::Object(y)) => Rc::ptr_eq(x, y),
        (Val::Builtin(x), Val::Builtin(y)) => x == y,
        (Val::Method(x), Val::Method(y)) => Rc::ptr_eq(x, y),
        (Val::Function(x), Val::Function(y)) => std::ptr::eq(*x, *y),
        _ => false,
    }
}

/// SameValueZero (`includes`): `===`, except that NaN equals NaN.
pub(super) fn same_value_zero(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) if x.is_nan() && y.is_nan() => true,
        _ => strict_eq(a, b),
    }
}
