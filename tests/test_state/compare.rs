//! Compares a TestState answer with one AWS recorded (`aws-recorded-teststate.jsonl`), as the
//! corpus's README says: JSON texts compared as the values they hold, and the values the
//! recording masked (`date`, `<resource:1>`, `<uuid:1>`, the account `111111111111`, ...)
//! matching any text in their place.

use serde_json::Value;

/// The first difference between `expected` (recorded) and `got` (a TestState answer), if any.
pub fn difference(expected: &Value, got: &Value) -> Option<String> {
    for key in ["status", "error", "cause", "nextState", "output"] {
        let (e, g) = (expected.get(key), got.get(key));
        match (e, g) {
            (None, None) => {}
            (Some(e), Some(g)) if same(&parsed(e), &parsed(g)) => {}
            _ => return Some(format!("{key}: expected {e:?}, got {g:?}")),
        }
    }
    let (e, g) = (expected.get("inspectionData"), got.get("inspectionData"));
    match (e, g) {
        (None, None) => None,
        (Some(Value::Object(e)), Some(Value::Object(g))) => {
            let mut keys: Vec<&String> = e.keys().chain(g.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                match (e.get(k), g.get(k)) {
                    (Some(a), Some(b)) if same(&parsed(a), &parsed(b)) => {}
                    (a, b) => {
                        return Some(format!("inspectionData.{k}: expected {a:?}, got {b:?}"));
                    }
                }
            }
            None
        }
        _ => Some(format!("inspectionData: expected {e:?}, got {g:?}")),
    }
}

/// A JSON text as the value it holds; anything else as it is.
fn parsed(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        _ => v.clone(),
    }
}

fn same(e: &Value, g: &Value) -> bool {
    match (e, g) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| same(&parsed(v), &parsed(w))))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| same(v, w))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b)) => masked_match(a, b),
        _ => e == g,
    }
}

/// `expected` with its masks (`date`, `<...>`, `111111111111`) as wildcards matches `got`.
fn masked_match(expected: &str, got: &str) -> bool {
    if expected == got || expected == "date" {
        return true;
    }
    let mut rest = expected;
    let mut parts: Vec<Option<String>> = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<')
            && let Some(end) = after.find('>')
        {
            parts.push(None);
            rest = &after[end + 1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("111111111111") {
            parts.push(None);
            rest = after;
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        match parts.last_mut() {
            Some(Some(lit)) => lit.push(c),
            _ => parts.push(Some(c.to_string())),
        }
        rest = &rest[c.len_utf8()..];
    }
    glob(&parts, got)
}

fn glob(parts: &[Option<String>], got: &str) -> bool {
    match parts.split_first() {
        None => got.is_empty(),
        Some((Some(lit), more)) => got
            .strip_prefix(lit.as_str())
            .is_some_and(|g| glob(more, g)),
        Some((None, more)) => (1..=got.len())
            .filter(|&i| got.is_char_boundary(i))
            .any(|i| glob(more, &got[i..])),
    }
}
