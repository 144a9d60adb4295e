//! The ResultPath setter: writes a value at a reference path, creating missing objects.

use super::PathError;
use super::ast::{Name, Selector, Step};
use super::eval::resolve_index;
use serde_json::{Map, Value};

/// Places `value` at `steps` inside `doc`. `source` is the path text, for messages.
pub(crate) fn set(
    source: &str,
    steps: &[Step],
    doc: Value,
    value: Value,
) -> Result<Value, PathError> {
    let Some((last, init)) = steps.split_last() else {
        return Ok(value);
    };
    let mut doc = doc;
    let mut cur = &mut doc;
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
    Ok(doc)
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
            found.ok_or_else(|| {
                place.fail(&format!(
                    "index {index} is out of bounds for the array at {} (length {len})",
                    place.path()
                ))
            })
        }
        (Selector::Name(_), other) => Err(place.fail(&format!(
            "the value at {} is {}, not an object",
            place.path(),
            kind(other)
        ))),
        (Selector::Index(_), other) => Err(place.fail(&format!(
            "the value at {} is {}, not an array",
            place.path(),
            kind(other)
        ))),
        _ => Err(place.fail("only names and single indexes can be written")),
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
