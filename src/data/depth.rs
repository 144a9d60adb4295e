//! How deeply JSON may nest. serde_json reads at most 128 levels back, and an execution's
//! stored state wraps its data in a few levels of its own, so data nested close to 128 levels
//! would be written and then could not be read again. Every entry point (an execution's input,
//! a callback's output, a handler's result, a Conductor request) refuses data deeper than
//! `MAX_DEPTH`, leaving room for the wrapping; `text_depth` lets a writer check what it is about
//! to store.

use serde_json::Value;

/// The deepest data accepted from outside: an object or array counts one level each.
pub const MAX_DEPTH: usize = 100;

/// What the store can read back (serde_json's recursion limit).
pub const READABLE_DEPTH: usize = 127;

/// How many levels `value` nests (a scalar is 0, `[]` is 1, `[[1]]` is 2). Iterative: a value
/// as deep as memory allows is measured without exhausting the stack.
pub fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::Array(items) => {
                deepest = deepest.max(d + 1);
                stack.extend(items.iter().map(|i| (i, d + 1)));
            }
            Value::Object(map) => {
                deepest = deepest.max(d + 1);
                stack.extend(map.values().map(|i| (i, d + 1)));
            }
            _ => {}
        }
    }
    deepest
}

/// `Err` with a message naming `what` when `value` nests deeper than `MAX_DEPTH`.
pub fn check(what: &str, value: &Value) -> Result<(), String> {
    let d = depth(value);
    if d > MAX_DEPTH {
        return Err(too_deep(what, d));
    }
    Ok(())
}

/// The message for data `what` nested `d` levels deep.
pub fn too_deep(what: &str, d: usize) -> String {
    format!(
        "{what} is nested {d} levels deep; stepwise accepts JSON nested at most {MAX_DEPTH} levels"
    )
}

/// How many levels the JSON text `text` nests, counting brackets outside strings (a linear
/// scan, cheap beside the serialization that made the text).
pub fn text_depth(text: &str) -> usize {
    let mut scan = Scanner::default();
    scan.feed(text.as_bytes());
    scan.deepest
}

/// Measures the nesting of JSON text fed to it in pieces (as a serializer writes it).
#[derive(Debug, Default)]
pub struct Scanner {
    depth: usize,
    /// The deepest level seen so far.
    pub deepest: usize,
    in_string: bool,
    escaped: bool,
}

impl Scanner {
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.in_string {
                match b {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    self.deepest = self.deepest.max(self.depth);
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Value {
        let mut v = json!(1);
        for i in 0..levels {
            v = if i % 2 == 0 {
                json!([v])
            } else {
                json!({"k": v})
            };
        }
        v
    }

    #[test]
    fn depth_counts_containers() {
        assert_eq!(depth(&json!(1)), 0);
        assert_eq!(depth(&json!([])), 1);
        assert_eq!(depth(&json!({"a": [1, {"b": []}], "c": 2})), 4);
        assert_eq!(depth(&nested(1_000)), 1_000);
    }

    #[test]
    fn text_depth_agrees_and_ignores_brackets_in_strings() {
        for v in [
            json!({"a": "[[[{{{", "b": ["\\\"]", {"c": []}]}),
            nested(7),
            json!("]]]"),
        ] {
            assert_eq!(text_depth(&v.to_string()), depth(&v), "{v}");
        }
    }

    #[test]
    fn check_names_the_data_and_the_limit() {
        assert!(check("The input", &nested(MAX_DEPTH)).is_ok());
        let e = check("The input", &nested(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(
            e,
            "The input is nested 101 levels deep; stepwise accepts JSON nested at most 100 levels"
        );
    }
}
