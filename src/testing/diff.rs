//! Comparing JSON values for test expectations: the first place where an actual value departs
//! from the expected one, its JSONPath, and the message shown to users.

use serde_json::{Map, Number, Value};

/// How expected and actual are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Structural equality; numbers compare by value (`1 == 1.0`), object key order is ignored.
    Exact,
    /// "The output contains": every key of an expected object must be in the actual object and
    /// match partially; extra actual keys are fine. Partial applies inside array elements but
    /// arrays must still have the same length: no missing or extra elements. Scalars as `Exact`.
    Partial,
}

/// The first place where `actual` does not match `expected`.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// JSONPath of the place, `$` for the root: `$.order.lines[2].sku`; keys that are not plain
    /// identifiers (`[A-Za-z_][A-Za-z0-9_]*`) are written `$['a key']` (`'` and `\` escaped
    /// with a backslash).
    pub path: String,
    /// The expected value at that place (`None` when expected has nothing there, i.e. an
    /// unexpected extra key/element in `Exact` mode, or an extra element in either mode).
    pub expected: Option<Value>,
    /// The actual value at that place (`None` when it is missing).
    pub actual: Option<Value>,
}

impl Difference {
    /// The failure text shown to users, e.g.
    /// ```text
    /// output differs at $.lines[1].total
    ///   expected: 12.5
    ///   actual:   13
    /// ```
    /// `what` names the compared thing ("output"). Missing sides print as `(missing)`; values go
    /// through [`brief`]`(_, 200)`. No trailing newline.
    pub fn describe(&self, what: &str) -> String {
        format!(
            "{what} differs at {}\n  expected: {}\n  actual:   {}",
            self.path,
            side(self.expected.as_ref()),
            side(self.actual.as_ref())
        )
    }
}

fn side(v: Option<&Value>) -> String {
    v.map_or_else(|| "(missing)".to_owned(), |v| brief(v, 200))
}

/// A one-line rendering of a value for messages: compact JSON; when it is longer than `max`
/// chars, its first `max` chars followed by "…" (cut on a char boundary).
pub fn brief(v: &Value, max: usize) -> String {
    let text = v.to_string();
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The first difference in document order (expected's key order, then actual's extra keys;
/// array elements by index), or `None` when they match.
pub fn first_difference(expected: &Value, actual: &Value, mode: Match) -> Option<Difference> {
    walk(expected, actual, mode, &mut "$".to_owned())
}

// `path` is the place being compared; children push a segment and truncate it back, so the
// path is only copied when a difference is found.
fn walk(expected: &Value, actual: &Value, mode: Match, path: &mut String) -> Option<Difference> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => objects(e, a, mode, path),
        (Value::Array(e), Value::Array(a)) => arrays(e, a, mode, path),
        (Value::Number(e), Value::Number(a)) if numbers_equal(e, a) => None,
        // Numbers reaching this arm differ by value, hence by representation: `==` is false.
        (e, a) if e == a => None,
        (e, a) => Some(found(path, Some(e), Some(a))),
    }
}

fn found(path: &str, expected: Option<&Value>, actual: Option<&Value>) -> Difference {
    Difference {
        path: path.to_owned(),
        expected: expected.cloned(),
        actual: actual.cloned(),
    }
}

fn objects(
    e: &Map<String, Value>,
    a: &Map<String, Value>,
    mode: Match,
    path: &mut String,
) -> Option<Difference> {
    let len = path.len();
    for (key, ev) in e {
        push_key(path, key);
        let diff = match a.get(key) {
            Some(av) => walk(ev, av, mode, path),
            None => Some(found(path, Some(ev), None)),
        };
        if diff.is_some() {
            return diff;
        }
        path.truncate(len);
    }
    if mode == Match::Partial {
        return None;
    }
    let (key, av) = a.iter().find(|(k, _)| !e.contains_key(*k))?;
    push_key(path, key);
    Some(found(path, None, Some(av)))
}

fn arrays(e: &[Value], a: &[Value], mode: Match, path: &mut String) -> Option<Difference> {
    let len = path.len();
    for (i, (ev, av)) in e.iter().zip(a).enumerate() {
        path.push_str(&format!("[{i}]"));
        let diff = walk(ev, av, mode, path);
        if diff.is_some() {
            return diff;
        }
        path.truncate(len);
    }
    // The common prefix matched: the first index only one side has is the difference.
    if e.len() == a.len() {
        return None;
    }
    let i = e.len().min(a.len());
    path.push_str(&format!("[{i}]"));
    Some(found(path, e.get(i), a.get(i)))
}

// Integers compare exactly (an integer is an i64, a u64 or both, so equal integers agree on
// both views); as soon as a float is involved, by f64 value so that 1 == 1.0.
fn numbers_equal(e: &Number, a: &Number) -> bool {
    if e.is_f64() || a.is_f64() {
        return e.as_f64() == a.as_f64();
    }
    e.as_i64() == a.as_i64() && e.as_u64() == a.as_u64()
}

fn push_key(path: &mut String, key: &str) {
    if is_identifier(key) {
        path.push('.');
        path.push_str(key);
        return;
    }
    path.push_str("['");
    for c in key.chars() {
        if c == '\'' || c == '\\' {
            path.push('\\');
        }
        path.push(c);
    }
    path.push_str("']");
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type Want = Option<(&'static str, Option<Value>, Option<Value>)>;

    fn check(mode: Match, cases: Vec<(Value, Value, Want)>) {
        for (expected, actual, want) in cases {
            let got = first_difference(&expected, &actual, mode);
            let want = want.map(|(path, expected, actual)| Difference {
                path: path.into(),
                expected,
                actual,
            });
            assert_eq!(got, want, "{mode:?}: {expected} vs {actual}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn exact() {
        check(Match::Exact, vec![
            (json!(1), json!(1.0), None),
            (json!(-3), json!(-3.0), None),
            (json!(0), json!(-0.0), None),
            (json!(u64::MAX), json!(u64::MAX), None),
            (json!(-1), json!(u64::MAX), Some(("$", Some(json!(-1)), Some(json!(u64::MAX))))),
            (json!(12.5), json!(13), Some(("$", Some(json!(12.5)), Some(json!(13))))),
            (json!({"a": 1, "b": [1, 2]}), json!({"b": [1, 2.0], "a": 1}), None),
            (json!({"a": 1, "b": 2}), json!({"b": 2}), Some(("$.a", Some(json!(1)), None))),
            (json!({"a": 1}), json!({"z": 0, "a": 1, "y": 0}), Some(("$.z", None, Some(json!(0))))),
            (json!({"a": 2}), json!({"z": 0, "a": 1}), Some(("$.a", Some(json!(2)), Some(json!(1))))),
            (json!({"a": {"x": 1}}), json!({"a": {"x": 1}, "b": 2}), Some(("$.b", None, Some(json!(2))))),
            (json!({"o": {"l": [{}, {"s": "A"}]}}), json!({"o": {"l": [{}, {"s": "B"}]}}), Some(("$.o.l[1].s", Some(json!("A")), Some(json!("B"))))),
            (json!([1, 2]), json!([1, 2, 3]), Some(("$[2]", None, Some(json!(3))))),
            (json!([1, 2, 3]), json!([1]), Some(("$[1]", Some(json!(2)), None))),
            (json!([1, 9]), json!([1, 2, 3]), Some(("$[1]", Some(json!(9)), Some(json!(2))))),
            (json!({"a": [1]}), json!({"a": {"0": 1}}), Some(("$.a", Some(json!([1])), Some(json!({"0": 1}))))),
            (json!("1"), json!(1), Some(("$", Some(json!("1")), Some(json!(1))))),
            (json!(null), json!(false), Some(("$", Some(json!(null)), Some(json!(false))))),
            (json!({"a key": 1}), json!({}), Some(("$['a key']", Some(json!(1)), None))),
            (json!({}), json!({"it's\\": 1}), Some(("$['it\\'s\\\\']", None, Some(json!(1))))),
            (json!({"_a1": 1}), json!({}), Some(("$._a1", Some(json!(1)), None))),
            (json!({"1a": 1}), json!({}), Some(("$['1a']", Some(json!(1)), None))),
            (json!({"": 1}), json!({}), Some(("$['']", Some(json!(1)), None))),
            (json!({"é": 1}), json!({}), Some(("$['é']", Some(json!(1)), None))),
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn partial() {
        check(Match::Partial, vec![
            (json!({"a": 1}), json!({"z": 0, "a": 1.0}), None),
            (json!({}), json!({"z": 0}), None),
            (json!({"a": {"b": 1}}), json!({"a": {"b": 1, "c": 2}}), None),
            (json!({"a": 1, "b": 2}), json!({"a": 1}), Some(("$.b", Some(json!(2)), None))),
            (json!([{"a": 1}]), json!([{"a": 1, "b": 2}]), None),
            (json!([{"a": 1}]), json!([{"a": 1}, {}]), Some(("$[1]", None, Some(json!({}))))),
            (json!([{"a": 1}, {}]), json!([{"a": 1}]), Some(("$[1]", Some(json!({})), None))),
            (json!([{"a": 2}]), json!([{"a": 1}, {}]), Some(("$[0].a", Some(json!(2)), Some(json!(1))))),
            (json!({"a": 1}), json!([1]), Some(("$", Some(json!({"a": 1})), Some(json!([1]))))),
            (json!("x"), json!("x"), None),
        ]);
    }

    #[test]
    fn brief_cuts_on_char_boundaries() {
        let cases = [
            (json!({"a": [1, 2]}), 100, r#"{"a":[1,2]}"#),
            (json!("héllo"), 7, r#""héllo""#),
            (json!("héllo"), 3, r#""hé…"#),
            (json!("日本語"), 2, "\"日…"),
            (json!(null), 0, "…"),
            (json!([]), 2, "[]"),
        ];
        for (v, max, want) in cases {
            assert_eq!(brief(&v, max), want, "{v} {max}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn describe() {
        let at = |expected, actual| Difference { path: "$.lines[1].total".into(), expected, actual };
        let cases = [
            (at(Some(json!(12.5)), Some(json!(13))), "output differs at $.lines[1].total\n  expected: 12.5\n  actual:   13"),
            (at(None, Some(json!("x"))), "output differs at $.lines[1].total\n  expected: (missing)\n  actual:   \"x\""),
            (at(Some(json!([1])), None), "output differs at $.lines[1].total\n  expected: [1]\n  actual:   (missing)"),
        ];
        for (diff, want) in cases {
            assert_eq!(diff.describe("output"), want);
        }
        let long = at(Some(json!("a".repeat(300))), None).describe("output");
        assert!(long.contains(&format!("expected: \"{}…\n", "a".repeat(199))), "{long}");
    }
}
