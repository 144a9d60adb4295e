//! The ResultPath setter: writes a value at a reference path, creating missing objects.

use super::PathError;
use super::ast::{Name, Selector, Step};
use super::eval::resolve_index;
use serde_json::{Map, Value};

/// Places `value` at `steps` inside `doc`. `source` is the path text, for messages. On failure
/// `doc` is left as it was: the path is checked before anything is created.
pub(crate) fn set(
    source: &str,
    steps: &[Step],
    doc: &mut Value,
    value: Value,
) -> Result<(), PathError> {
    check(source, steps, doc)?;
    let Some((last, init)) = steps.split_last() else {
        *doc = value;
        return Ok(());
    };
    let mut cur = doc;
    for (at, step) in init.iter().enumerate() {
        cur = descend(cur, step, Place { source, steps, at })?;
    }
    *descend(
        cur,
        last,
        Place {
            source,
            steps,
            at: init.len(),
        },
    )? = value;
    Ok(())
}

/// Whether `set` can write at `steps` inside `doc`, without changing it: the same walk, where a
/// missing member stands for the `{}` that `set` would create.
fn check(source: &str, steps: &[Step], doc: &Value) -> Result<(), PathError> {
    let created = Value::Object(Map::new());
    let mut cur = doc;
    for (at, step) in steps.iter().enumerate() {
        let place = Place { source, steps, at };
        cur = match (&step.sel, cur) {
            (Selector::Name(name), Value::Object(map)) => map.get(&name.key).unwrap_or(&created),
            (Selector::Index(index), Value::Array(items)) => {
                let len = items.len();
                let found = resolve_index(*index, len).and_then(|i| items.get(i));
                found.ok_or_else(|| place.out_of_bounds(*index, len))?
            }
            (sel, other) => return Err(place.mismatch(sel, other)),
        };
    }
    Ok(())
}

/// Where a step is, for error messages.
#[derive(Clone, Copy)]
struct Place<'p> {
    source: &'p str,
    steps: &'p [Step],
    at: usize,
}

fn descend<'v>(
    node: &'v mut Value,
    step: &Step,
    place: Place<'_>,
) -> Result<&'v mut Value, PathError> {
    match (&step.sel, node) {
        (Selector::Name(name), Value::Object(map)) => Ok(entry(map, name)),
        (Selector::Index(index), Value::Array(items)) => {
            let len = items.len();
            let found = resolve_index(*index, len).and_then(|i| items.get_mut(i));
            found.ok_or_else(|| place.out_of_bounds(*index, len))
        }
        (sel, other) => Err(place.mismatch(sel, other)),
    }
}

/// The member, created as `{}` when missing: the next step (or the value) fills it.
fn entry<'v>(map: &'v mut Map<String, Value>, name: &Name) -> &'v mut Value {
    map.entry(name.key.clone())
        .or_insert_with(|| Value::Object(Map::new()))
}

impl Place<'_> {
    /// The node the failing step applies to, in Jayway's `$['a'][0]` form.
    fn path(&self) -> String {
        let mut out = String::from("$");
        for step in self.steps.iter().take(self.at) {
            step.write_fragment(&mut out);
        }
        out
    }

    fn out_of_bounds(&self, index: i64, len: usize) -> PathError {
        self.fail(&format!(
            "index {index} is out of bounds for the array at {} (length {len})",
            self.path()
        ))
    }

    /// The step cannot apply to `other`.
    fn mismatch(&self, sel: &Selector, other: &Value) -> PathError {
        match sel {
            Selector::Name(_) => self.fail(&format!(
                "the value at {} is {}, not an object",
                self.path(),
                kind(other)
            )),
            Selector::Index(_) => self.fail(&format!(
                "the value at {} is {}, not an array",
                self.path(),
                kind(other)
            )),
            _ => self.fail("only names and single indexes can be written"),
        }
    }

    fn fail(&self, why: &str) -> PathError {
        PathError::Other {
            message: format!("Unable to apply ResultPath '{}': {why}", self.source),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
