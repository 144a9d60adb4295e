//! Conductor's `${...}` parameter expressions, resolved as Conductor's `ParametersUtils` resolves
//! them, plus the two Java renderings they depend on: `Objects.toString` of a JSON value
//! ([`java_to_string`]) and the event handlers' `expandInlineJSON` ([`expand_inline_json`]).
//!
//! This module owns the text side only: finding the expressions, nesting, escapes, whole-string
//! versus embedded results and the special names. The path inside `${...}` is Jayway JsonPath,
//! which the caller evaluates through [`Lookup`].
//!
//! The rules, all from `ParametersUtils#replaceVariables`:
//! - Every string anywhere in the input is scanned; map keys are not (Conductor only resolves
//!   values). Numbers, booleans and null pass through.
//! - Expressions are found exactly as Conductor's regular expression finds them: a `${` not
//!   preceded by `$`, up to the `}` that balances it. A `${` that never closes stays literal
//!   text, and so does everything after it: the regex then finds nothing more in that string
//!   (`"${a ${b}"` and `"${${}"` resolve nothing; kept).
//! - `$${x}` is an escape: it is not resolved, and every `$${` in the result reads `${`.
//!   Conductor applies that rewrite to the whole concatenated text, so it also applies to the
//!   text of a looked-up value spliced into a longer string (kept).
//! - Nested expressions are resolved first and spliced into the path text, rendered with
//!   [`java_to_string`]: `${recordIds[${index}]}` with `index = 1` looks up `recordIds[1]`.
//! - A string that is exactly one expression becomes the raw JSON value (object, array,
//!   number, boolean or null); expressions embedded in longer text are concatenated with
//!   [`java_to_string`], so a missing value reads `null` there.
//! - `${}` and `${   }` (blank in Java's sense after nesting) become the empty string.
//! - `${CPEWF_TASK_ID}` is the id of the task being resolved; without one (event handlers,
//!   workflow output) it stays literally `${CPEWF_TASK_ID}`.
//!
//! Deliberate deviations from Conductor:
//! - Environment variables and JVM system properties are not read. Conductor replaces
//!   `${NAME}` by the server's environment variable or system property `NAME` when one exists
//!   (and leaves `${NETFLIX_ENV}` / `${NETFLIX_STACK}` literal when unset); that leaks server
//!   configuration into workflows. Here every name but `CPEWF_TASK_ID` is a path for
//!   [`Lookup`], so such names normally resolve to null.
//! - `workflow.env.*` and `workflow.secrets.*` (conductor-oss stores) get no special treatment:
//!   they are paths like any other.
//! - Expressions nested more than [`MAX_NESTING`] deep are left as written, and maps and lists
//!   deeper than [`MAX_DEPTH`] are copied unchanged, so no input can exhaust the stack.
//! - [`Lookup`] returns plain JSON, so an embedded indefinite path (`..`, `*`, a filter) renders
//!   as `[a, b]`; Jayway's json-smart array would print itself as JSON text.

use std::ops::Range;

use serde_json::{Map, Number, Value};

/// How deep `${...}` may nest inside one another; deeper expressions stay as written.
pub const MAX_NESTING: usize = 64;

/// How deep maps and lists are walked (by [`Resolver::resolve`], [`java_to_string`] and
/// [`expand_inline_json`]); this matches `serde_json`'s own parsing limit.
pub const MAX_DEPTH: usize = 128;

/// The one special name Conductor replaces before evaluating a path.
const TASK_ID: &str = "CPEWF_TASK_ID";

/// Looks a path up in the document: `path` is the text inside `${...}` after nested expressions
/// were spliced in, e.g. `workflow.input.orderId` or `$.x` or `task_1_ref.output['a.b']` — the
/// caller prepends `$.` when needed and evaluates it. `None` = missing (→ JSON null).
pub trait Lookup {
    /// The value at `path`, or `None` when it is missing or the path cannot be evaluated.
    fn lookup(&self, path: &str) -> Option<Value>;
}

/// Resolves `${...}` expressions against one document.
#[derive(Clone, Copy)]
pub struct Resolver<'a> {
    /// Evaluates the path inside each expression.
    pub lookup: &'a dyn Lookup,
    /// `${CPEWF_TASK_ID}` → this id; `None`: left literally.
    pub task_id: Option<&'a str>,
}

/// What one expression becomes.
enum Piece {
    /// Text produced without a lookup: `""` for a blank path, or the task id.
    Text(String),
    /// The looked-up value, `Null` when missing.
    Value(Value),
    /// The expression stays as written (`${CPEWF_TASK_ID}` without a task id).
    Literal,
}

impl Resolver<'_> {
    /// Resolves every string anywhere in `v` (maps and lists recursed; numbers/bools/null
    /// unchanged). Map keys are kept as written.
    pub fn resolve(&self, v: &Value) -> Value {
        self.resolve_tree(v, 0)
    }

    /// One string: whole-string expression → the raw JSON value; embedded ones → concatenation.
    pub fn resolve_str(&self, s: &str) -> Value {
        let mut pieces = self.pieces(s, 0);
        if let [(range, piece)] = pieces.as_mut_slice()
            && *range == (0..s.len())
        {
            match std::mem::replace(piece, Piece::Literal) {
                Piece::Text(text) => return Value::String(text),
                Piece::Value(value) => return value,
                Piece::Literal => {}
            }
        }
        Value::String(splice(s, &pieces))
    }

    fn resolve_tree(&self, v: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return v.clone();
        }
        match v {
            Value::String(s) => self.resolve_str(s),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.resolve_tree(item, depth + 1))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), self.resolve_tree(value, depth + 1)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Every expression of `text` with what it becomes; `depth` counts the enclosing `${`.
    fn pieces(&self, text: &str, depth: usize) -> Vec<(Range<usize>, Piece)> {
        expressions(text)
            .into_iter()
            .map(|range| {
                let inner = text
                    .get(range.start + 2..range.end.saturating_sub(1))
                    .unwrap_or_default();
                let piece = self.evaluate(inner, depth);
                (range, piece)
            })
            .collect()
    }

    /// One expression, given the text between `${` and `}`.
    fn evaluate(&self, inner: &str, depth: usize) -> Piece {
        let path = self.path_text(inner, depth + 1);
        if path.chars().all(is_java_whitespace) {
            Piece::Text(String::new())
        } else if path == TASK_ID {
            self.task_id
                .map_or(Piece::Literal, |id| Piece::Text(id.to_owned()))
        } else {
            Piece::Value(self.lookup.lookup(&path).unwrap_or(Value::Null))
        }
    }

    /// The path text of an expression: its nested expressions resolved and spliced in.
    fn path_text(&self, inner: &str, depth: usize) -> String {
        if depth > MAX_NESTING {
            return inner.to_owned();
        }
        splice(inner, &self.pieces(inner, depth))
    }
}

/// `text` with each expression replaced by its piece, then every `$${` read as `${`
/// (Conductor's `replaceAll("\\$\\$\\{", "\\${")` on the whole result).
fn splice(text: &str, pieces: &[(Range<usize>, Piece)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (range, piece) in pieces {
        out.push_str(text.get(copied..range.start).unwrap_or_default());
        match piece {
            Piece::Text(piece_text) => out.push_str(piece_text),
            Piece::Value(value) => write_java(value, 0, &mut out),
            Piece::Literal => out.push_str(text.get(range.clone()).unwrap_or_default()),
        }
        copied = range.end;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out.replace("$${", "${")
}

/// Java's `Character.isWhitespace`, which `StringUtils.isBlank` uses: the Unicode separators
/// except the no-break spaces, plus the ASCII controls tab to carriage return and 0x1C–0x1F.
fn is_java_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1C}'..='\u{1F}'
            | ' '
            | '\u{1680}'
            | '\u{2000}'..='\u{2006}'
            | '\u{2008}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

// ---------------------------------------------------------------------------------------------
// Finding expressions

/// The outermost expressions of `text` as byte ranges (`${` through `}`), in order, exactly
/// as Conductor's repeated `Matcher.find` reports them.
///
/// Conductor's pattern (Java, DOTALL) is a balanced-brace trick:
/// `(?=(?<!\$)\$\{)(?:(?=.*?\{(?!.*?\1)(.*\}(?!.*\2).*))(?=.*?\}(?!.*?\2)(.*)).)+?.*?(?=\1)[^{]*(?=\2$)`.
/// Each loop round moves group 1 past the next `{` and group 2 past the next `}`, and the match
/// ends at the first `}` that balances the `${`, counting every brace. When the `${` never
/// closes, the groups set inside the lookaheads keep their values (Java does not reset them
/// between start positions of one `find`), and group 2 then points past the last `}`, which
/// makes every later start position fail as well. So: the first unescaped `${` either closes
/// and is a match, or nothing more is found in the text. (Checked against `java.util.regex`
/// on millions of random strings.)
fn expressions(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = next_opening(bytes, from) {
        let Some(close) = balancing_close(bytes, start + 1) else {
            break;
        };
        found.push(start..close + 1);
        from = close + 1;
    }
    found
}

/// The first `${` at or after `from` whose `$` does not follow another `$` (`(?<!\$)`).
fn next_opening(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let at = rest.windows(2).enumerate().position(|(offset, pair)| {
        let at = from + offset;
        let escaped = at.checked_sub(1).and_then(|before| bytes.get(before)) == Some(&b'$');
        pair == b"${" && !escaped
    })?;
    Some(from + at)
}

/// The `}` that balances the `{` at `open`, counting every brace after it.
fn balancing_close(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, &byte) in bytes.iter().enumerate().skip(open) {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Java renderings

/// Java's `Objects.toString` of a JSON value as Jackson would have parsed it: null → "null",
/// integers as is, floating numbers as Java's `Double.toString` (2.0 → "2.0", 1.0E7, 1.0E-4 …),
/// strings raw, maps `{k=v, k2=v2}`, lists `[a, b]` (recursively).
///
/// Limits of working from a `serde_json` value: an integer too large for 64 bits is held as a
/// float and prints as one (`1.0E20`, where Java's `BigInteger` prints every digit), and `-0`
/// prints `-0.0` (Jackson reads it as the integer 0). Containers deeper than [`MAX_DEPTH`]
/// print as `...`.
pub fn java_to_string(v: &Value) -> String {
    let mut out = String::new();
    write_java(v, 0, &mut out);
    out
}

fn write_java(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&java_number(n)),
        Value::String(s) => out.push_str(s),
        _ if depth >= MAX_DEPTH => out.push_str("..."),
        Value::Array(items) => write_java_list(items, depth, out),
        Value::Object(map) => write_java_map(map, depth, out),
    }
}

/// `AbstractCollection.toString`: `[a, b]`.
fn write_java_list(items: &[Value], depth: usize, out: &mut String) {
    out.push('[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_java(item, depth + 1, out);
    }
    out.push(']');
}

/// `AbstractMap.toString`: `{k=v, k2=v2}`.
fn write_java_map(map: &Map<String, Value>, depth: usize, out: &mut String) {
    out.push('{');
    for (index, (key, value)) in map.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        out.push_str(key);
        out.push('=');
        write_java(value, depth + 1, out);
    }
    out.push('}');
}

/// Integers as Jackson's `Integer`/`Long` print, floats as `Double.toString`.
fn java_number(n: &Number) -> String {
    match n.as_f64() {
        Some(d) if n.is_f64() => java_double(d),
        _ => n.to_string(),
    }
}

/// Java's `Double.toString` (JDK 19 and later): the shortest decimal that reads back as `d`,
/// the closest such one on a choice and the even one on a tie, at least two digits when one
/// would do; written plain with at least one fractional digit for magnitudes in [10⁻³, 10⁷),
/// otherwise in computerized scientific notation (`1.0E7`, `1.234E-5`). JDK 17 and older print
/// some doubles with an extra digit (`-2.11504914220821504E17` for `-2.115049142208215E17`).
fn java_double(d: f64) -> String {
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    if !d.is_finite() {
        let name = if d.is_nan() {
            "NaN"
        } else if d > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        return name.to_owned();
    }
    let sign = if d < 0.0 { "-" } else { "" };
    let (digits, exponent) = java_digits(d.abs());
    if (1e-3..1e7).contains(&d.abs()) {
        format!("{sign}{}", plain(&digits, exponent))
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exponent}")
    }
}

/// The significant digits Java prints for a positive finite `d` (no trailing zeros) and the
/// power of ten of the first one.
fn java_digits(d: f64) -> (String, i32) {
    let shortest = format!("{d:e}");
    let length = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.bytes().filter(u8::is_ascii_digit).count());
    // Rust's shortest form can differ from Java's on a tie; the correctly rounded decimal of the
    // same length (ties to even) is Java's pick whenever it still reads back as `d`.
    let precision = length.max(2) - 1;
    let closest = format!("{d:.precision$e}");
    let chosen = if closest.parse::<f64>() == Ok(d) {
        closest
    } else {
        shortest
    };
    let (mantissa, exponent) = chosen.split_once('e').unwrap_or((chosen.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_owned(), exponent.parse().unwrap_or(0))
}

/// `digits` × 10^`exponent` (first digit's place) written out, for `-3 <= exponent < 7`.
fn plain(digits: &str, exponent: i32) -> String {
    match usize::try_from(exponent) {
        Ok(exponent) => {
            let whole = exponent + 1;
            let (int, frac) = digits.split_at(whole.min(digits.len()));
            let frac = if frac.is_empty() { "0" } else { frac };
            format!(
                "{int}{}.{frac}",
                "0".repeat(whole.saturating_sub(digits.len()))
            )
        }
        Err(_) => {
            let zeros = usize::try_from(-exponent - 1).unwrap_or(0);
            format!("0.{}{digits}", "0".repeat(zeros))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// expandInlineJSON

/// `expandInlineJSON`: string values inside maps that look like JSON objects/arrays (after trim
/// start with `{` or `[`) and parse, are replaced by the parsed value, recursively; strings
/// directly inside lists are NOT expanded (Conductor's `JsonUtils.expandList` bug — kept).
///
/// As in `JsonUtils`: maps are walked inside maps and lists, a parsed value is not expanded
/// again (stringified JSON inside stringified JSON stays a string), a string given as `v`
/// itself is parsed whatever JSON it holds (`"12"` becomes 12), and text after the first JSON
/// value is ignored, as Jackson's `readValue` ignores it (`{"a":1} trailing` parses). Strings
/// nested deeper than `serde_json` parses (128 levels; Jackson allows 1000) stay strings.
pub fn expand_inline_json(v: &Value) -> Value {
    match v {
        Value::String(s) => parse_first_value(s).unwrap_or_else(|| v.clone()),
        other => expand_container(other, 0),
    }
}

fn expand_container(v: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return v.clone();
    }
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), expand_member(value, depth)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| expand_container(item, depth + 1))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A map's value: a JSON-looking string is parsed, containers are walked.
fn expand_member(v: &Value, depth: usize) -> Value {
    match v {
        Value::String(s) if looks_like_json(s) => parse_first_value(s).unwrap_or_else(|| v.clone()),
        other => expand_container(other, depth + 1),
    }
}

/// `JsonUtils.isJsonString`: after Java's `trim` (which drops every char up to U+0020) the
/// text starts with `{` or `[`.
fn looks_like_json(s: &str) -> bool {
    s.trim_start_matches(|c| c <= ' ').starts_with(['{', '['])
}

/// Jackson's `readValue(text, Object.class)`: the first JSON value, text after it ignored; a
/// number or literal at the top must be followed by whitespace or the end.
fn parse_first_value(text: &str) -> Option<Value> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let value = values.next()?.ok()?;
    let rest = text.get(values.byte_offset()..).unwrap_or_default();
    let delimited = matches!(value, Value::Object(_) | Value::Array(_) | Value::String(_));
    (delimited || rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r'])).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A document with a tiny path walker: `a.b`, `a[1]`, `a[-1]`, `a['b.c']`, optional `$`.
    struct Doc(Value);

    impl Lookup for Doc {
        fn lookup(&self, path: &str) -> Option<Value> {
            walk(&self.0, path.strip_prefix('$').unwrap_or(path)).cloned()
        }
    }

    fn walk<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
        if path.is_empty() {
            return Some(value);
        }
        if let Some(rest) = path.strip_prefix("['") {
            let (key, rest) = rest.split_once("']")?;
            return walk(value.get(key)?, rest);
        }
        if let Some(rest) = path.strip_prefix('[') {
            let (index, rest) = rest.split_once(']')?;
            let items = value.as_array()?;
            let index: i64 = index.parse().ok()?;
            let index = if index < 0 {
                index + i64::try_from(items.len()).ok()?
            } else {
                index
            };
            return walk(items.get(usize::try_from(index).ok()?)?, rest);
        }
        let path = path.strip_prefix('.').unwrap_or(path);
        let end = path.find(['.', '[']).unwrap_or(path.len());
        if end == 0 {
            return None;
        }
        walk(value.get(&path[..end])?, &path[end..])
    }

    /// The §2.1 document for the seed scenario.
    fn seed() -> Value {
        json!({
            "workflow": {
                "input": {"n": 2}, "output": {}, "status": "RUNNING", "workflowId": "wf-1",
                "workflowType": "event_testing", "version": 1, "correlationId": null,
            },
            "task_2_ref": {"input": {}, "output": {}, "taskType": "WAIT", "taskId": "t-2"},
            "send_sqs_message_ref": {
                "output": {"event_produced": "sqs:conductor_doug_testing"}, "taskType": "EVENT",
            },
        })
    }

    /// A document exercising the renderings and the syntax.
    fn sample() -> Value {
        json!({
            "a": "A", "b": "B", "i": 2, "neg": -7, "f": 2.0, "half": 0.5, "big": 1e7, "tiny": 1e-4,
            "t": true, "nil": null, "empty": "", "space": " ", "esc": "$${q}",
            "key": "a", "index": 1, "mapValue": "A", "map": {"A": [5, 6]},
            "m": {"k": "v", "l": [1, 2.5, {"x": null}], "e": {}}, "l": ["a", 1, []],
            "id": "CPEWF_TASK_ID", "a.b": "dotted",
        })
    }

    fn resolve(doc: &Value, task_id: Option<&str>, input: &str) -> Value {
        let doc = Doc(doc.clone());
        Resolver {
            lookup: &doc,
            task_id,
        }
        .resolve_str(input)
    }

    #[test]
    fn appendix_a_vectors() {
        let wf_a = json!({"workflow": {"input": {"a": 1}}});
        let payload = json!({"recordIds": [1, 2, 3], "index": 1, "workflowInstanceId": "wf-1"});
        let array = json!([{"name": "first"}, {"name": "second"}]);
        let task = Some("task-42");
        let cases = [
            (seed(), task, "${workflow.input.n}", json!(2)),
            (wf_a, task, "${workflow.input}", json!({"a": 1})),
            (seed(), task, "id-${workflow.input.n}", json!("id-2")),
            (
                seed(),
                task,
                "id-${workflow.input.missing}",
                json!("id-null"),
            ),
            (seed(), task, "${workflow.input.missing}", Value::Null),
            (seed(), task, "${}", json!("")),
            (seed(), task, "${   }", json!("")),
            (
                seed(),
                task,
                "$${workflow.input.n}",
                json!("${workflow.input.n}"),
            ),
            (payload.clone(), None, "${recordIds[${index}]}", json!(2)),
            (seed(), task, "${CPEWF_TASK_ID}", json!("task-42")),
            (
                payload.clone(),
                None,
                "${CPEWF_TASK_ID}",
                json!("${CPEWF_TASK_ID}"),
            ),
            (seed(), task, "${task_2_ref.output}", json!({})),
            (
                seed(),
                task,
                "${send_sqs_message_ref.output.event_produced}",
                json!("sqs:conductor_doug_testing"),
            ),
            (
                seed(),
                task,
                "${workflow.workflowType}",
                json!("event_testing"),
            ),
            (seed(), task, "${workflow.version}", json!(1)),
            (payload, None, "${workflowInstanceId}", json!("wf-1")),
            (array, None, "${$[0].name}", json!("first")),
        ];
        for (doc, task_id, input, want) in cases {
            assert_eq!(resolve(&doc, task_id, input), want, "{input:?}");
        }
    }

    #[test]
    fn whole_string_and_embedded_values() {
        let cases = [
            ("${i}", json!(2)),
            ("${f}", json!(2.0)),
            ("${t}", json!(true)),
            ("${nil}", Value::Null),
            ("${m}", sample()["m"].clone()),
            ("${l}", json!(["a", 1, []])),
            ("${esc}", json!("$${q}")),
            ("${$.a}", json!("A")),
            ("${['a.b']}", json!("dotted")),
            ("${l[-1]}", json!([])),
            (" ${i}", json!(" 2")),
            ("${i} ", json!("2 ")),
            ("x${i}", json!("x2")),
            ("x${neg}", json!("x-7")),
            ("x${f}", json!("x2.0")),
            ("x${half}", json!("x0.5")),
            ("x${big}", json!("x1.0E7")),
            ("x${tiny}", json!("x1.0E-4")),
            ("x${t}", json!("xtrue")),
            ("x${nil}", json!("xnull")),
            ("x${missing}", json!("xnull")),
            ("x${empty}y", json!("xy")),
            ("x${m}", json!("x{k=v, l=[1, 2.5, {x=null}], e={}}")),
            ("x${l}", json!("x[a, 1, []]")),
            // Conductor rewrites `$${` in the whole concatenated text, spliced values included.
            ("v=${esc}", json!("v=${q}")),
        ];
        for (input, want) in cases {
            assert_eq!(resolve(&sample(), None, input), want, "{input:?}");
        }
    }

    #[test]
    fn syntax_escapes_nesting_and_special_names() {
        let task = Some("task-42");
        let cases = [
            ("$${a}-${b}", None, json!("${a}-B")),
            ("${a}-$${b}", None, json!("A-${b}")),
            ("${a}${b}", None, json!("AB")),
            ("${a} and ${b}", None, json!("A and B")),
            ("$$${a}", None, json!("$${a}")),
            ("$${", None, json!("${")),
            ("$", None, json!("$")),
            ("", None, json!("")),
            (
                "no expressions {here}",
                None,
                json!("no expressions {here}"),
            ),
            ("${a}}", None, json!("A}")),
            ("{${a}}", None, json!("{A}")),
            ("é${a}ü€", None, json!("éAü€")),
            // Unclosed: left as written, and the regex finds nothing after it.
            ("${a", None, json!("${a")),
            ("${a ${b}", None, json!("${a ${b}")),
            ("${${}", None, json!("${${}")),
            ("${b} ${a ${b}", None, json!("B ${a ${b}")),
            // Braces inside an expression belong to its path.
            ("${a{b}c}", None, json!(null)),
            ("x${a{b}c}", None, json!("xnull")),
            // Nested expressions are spliced into the path text first.
            ("${${key}}", None, json!("A")),
            ("${map.${mapValue}[${index}]}", None, json!(6)),
            ("${l[${index}]}", None, json!(1)),
            ("x${${key}}y", None, json!("xAy")),
            ("${${missing}}", None, json!(null)),
            ("${$${a}}", None, json!(null)),
            // Blank paths, also after splicing.
            ("x${ }y", None, json!("xy")),
            ("${\t\n}", None, json!("")),
            ("${${empty}}", None, json!("")),
            ("${${space}}", None, json!("")),
            ("${\u{a0}}", None, json!(null)),
            // The task id, whole or embedded, and left literal without one.
            ("${CPEWF_TASK_ID}", task, json!("task-42")),
            ("id-${CPEWF_TASK_ID}", task, json!("id-task-42")),
            ("id-${CPEWF_TASK_ID}", None, json!("id-${CPEWF_TASK_ID}")),
            ("${${id}}", task, json!("task-42")),
            ("${${id}}", None, json!("${${id}}")),
            ("${ CPEWF_TASK_ID }", task, json!(null)),
            // Deviation: no environment variables or system properties.
            ("${NETFLIX_ENV}", task, json!(null)),
            ("${PATH}", task, json!(null)),
            ("home=${HOME}", task, json!("home=null")),
        ];
        for (input, task_id, want) in cases {
            assert_eq!(resolve(&sample(), task_id, input), want, "{input:?}");
        }
    }

    #[test]
    fn trees_are_resolved_and_keys_kept() {
        let input = json!({
            "top": {
                "list": ["${a}", {"deep": ["x-${b}", 3, true, null, 1.5, ["${i}"]]}],
                "gone": "${missing}",
            },
            "${a}": "${b}",
            "n": 7,
        });
        let want = json!({
            "top": {
                "list": ["A", {"deep": ["x-B", 3, true, null, 1.5, [2]]}],
                "gone": null,
            },
            "${a}": "B",
            "n": 7,
        });
        let doc = Doc(sample());
        let resolver = Resolver {
            lookup: &doc,
            task_id: None,
        };
        assert_eq!(resolver.resolve(&input), want);
        for scalar in [json!(1), json!(2.5), json!(true), Value::Null] {
            assert_eq!(resolver.resolve(&scalar), scalar);
        }
    }

    #[test]
    fn long_and_pathological_input_is_safe() {
        let doc = Doc(sample());
        let resolver = Resolver {
            lookup: &doc,
            task_id: None,
        };
        let long = "ab{c}$d ".repeat(1_250);
        assert_eq!(long.len(), 10_000);
        assert_eq!(resolver.resolve_str(&long), json!(long));
        let cases = [
            "${${${${".to_owned(),
            "${".repeat(5_000),
            "$".repeat(5_000) + "{",
            "}{".repeat(5_000),
            "${".repeat(500) + &"}".repeat(10),
        ];
        for input in cases {
            let got = resolver.resolve_str(&input);
            assert!(got == json!(input.replace("$${", "${")), "{:.40}", input);
        }
        let before_unclosed = "${a}".repeat(2_500) + "${";
        assert_eq!(
            resolver.resolve_str(&before_unclosed),
            json!("A".repeat(2_500) + "${")
        );
        // Nesting past the limit: the innermost text is looked up as written, so null.
        let deep = "${".repeat(200) + "a" + &"}".repeat(200);
        assert_eq!(resolver.resolve_str(&deep), Value::Null);
        let mut tree = json!("${a}");
        for _ in 0..300 {
            tree = json!([tree]);
        }
        assert!(resolver.resolve(&tree).is_array());
        assert!(java_to_string(&tree).contains("..."));
        assert!(expand_inline_json(&tree).is_array());
    }

    #[test]
    fn java_to_string_renders_like_objects_to_string() {
        let cases = [
            (Value::Null, "null"),
            (json!(true), "true"),
            (json!("raw \"text\""), "raw \"text\""),
            (json!(2), "2"),
            (json!(-9_007_199_254_740_993_i64), "-9007199254740993"),
            (json!(u64::MAX), "18446744073709551615"),
            (json!(2.0), "2.0"),
            (json!([]), "[]"),
            (json!({}), "{}"),
            (json!(["a", null, [1, 2.5]]), "[a, null, [1, 2.5]]"),
            (json!({"k": "v", "n": {"x": [true]}}), "{k=v, n={x=[true]}}"),
        ];
        for (value, want) in cases {
            assert_eq!(java_to_string(&value), want, "{value}");
        }
    }

    #[test]
    fn doubles_print_as_java_double_to_string() {
        let cases = [
            (0.1, "0.1"),
            (2.5, "2.5"),
            (100.0, "100.0"),
            (-2.0, "-2.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.001, "0.001"),
            (0.0015, "0.0015"),
            (0.000_999_9, "9.999E-4"),
            (1e-4, "1.0E-4"),
            (1.234e-5, "1.234E-5"),
            (9_999_999.0, "9999999.0"),
            (1_234_567.125, "1234567.125"),
            (1e7, "1.0E7"),
            (-4.5e10, "-4.5E10"),
            (123_456_789.0, "1.23456789E8"),
            (1e21, "1.0E21"),
            (1e23, "1.0E23"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            // Ties between two shortest decimals go to the even digit, as in Java.
            (-1_638_979_385_880_414.2, "-1.6389793858804142E15"),
            // Java keeps two digits where one would do but two are closer.
            (f64::from_bits(1), "4.9E-324"),
            (f64::from_bits(2), "9.9E-324"),
            (f64::from_bits(3), "1.5E-323"),
        ];
        for (d, want) in cases {
            assert_eq!(java_to_string(&json!(d)), want, "{d:e}");
        }
    }

    #[test]
    fn inline_json_is_expanded_in_maps_only() {
        let cases = [
            (
                json!({"Message": "{\"a\":1}"}),
                json!({"Message": {"a": 1}}),
            ),
            (json!({"m": " \n[1, 2.5]"}), json!({"m": [1, 2.5]})),
            (json!({"m": "{\"a\":1} trailing"}), json!({"m": {"a": 1}})),
            (json!({"m": "{bad"}), json!({"m": "{bad"})),
            (
                json!({"m": "\u{1}{\"a\":1}"}),
                json!({"m": "\u{1}{\"a\":1}"}),
            ),
            (json!({"m": "123"}), json!({"m": "123"})),
            (json!({"m": "true"}), json!({"m": "true"})),
            (json!({"m": "\"[1]\""}), json!({"m": "\"[1]\""})),
            (
                json!({"outer": {"inner": "[3]"}}),
                json!({"outer": {"inner": [3]}}),
            ),
            // A parsed value is not expanded again.
            (
                json!({"m": "{\"x\":\"{\\\"y\\\":1}\"}"}),
                json!({"m": {"x": "{\"y\":1}"}}),
            ),
            // JsonUtils.expandList bug: strings directly inside lists stay strings,
            // maps inside lists are expanded.
            (
                json!({"list": ["{\"a\":1}", {"m": "{\"b\":2}"}, [{"n": "[]"}]]}),
                json!({"list": ["{\"a\":1}", {"m": {"b": 2}}, [{"n": []}]]}),
            ),
            (json!(["{\"a\":1}"]), json!(["{\"a\":1}"])),
            // A string given itself is parsed whatever JSON it holds.
            (json!("{\"a\":1}"), json!({"a": 1})),
            (json!("12"), json!(12)),
            (json!("12 trailing"), json!(12)),
            (json!("12trailing"), json!("12trailing")),
            (json!("hello"), json!("hello")),
            (json!(""), json!("")),
            (json!(4), json!(4)),
        ];
        for (input, want) in cases {
            assert_eq!(expand_inline_json(&input), want, "{input}");
        }
    }
}
