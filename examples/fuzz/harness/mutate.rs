//! Mutations of text and of JSON values, driven by [`Rng`]: the generic half of every target's
//! generator. A target supplies its seeds and a dictionary of tokens that mean something to it
//! (`[?(@`, `States.Format(`, `"Type"`...); mutations splice those in, cut, repeat and nest.

use super::Rng;
use serde_json::{Map, Value, json};

/// Nesting depths tried when wrapping: around the limits that matter (serde_json's 128, our
/// parsers' limits) and far beyond them, where only a depth check keeps the stack safe.
const DEPTHS: &[usize] = &[2, 10, 64, 100, 127, 128, 129, 200, 1_000, 5_000, 50_000];

/// Odd characters and numbers that break naive code: boundaries, non-ASCII, surrogates' cousins.
const ODD: &[&str] = &[
    "",
    " ",
    "\\",
    "\"",
    "'",
    "\n",
    "\t",
    "\0",
    "é",
    "😀",
    "\u{feff}",
    "\u{10ffff}",
    "-",
    "-0",
    "0",
    "1",
    "-1",
    "1e309",
    "-1e309",
    "1e-400",
    "0.5",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9007199254740993",
    "18446744073709551616",
    "-9223372036854775809",
    "NaN",
    "Infinity",
    "null",
    "true",
    "[]",
    "{}",
    ",",
    ":",
    ".",
    "..",
    "*",
    "$",
    "$$",
    "@",
    "%",
    "{%",
    "%}",
    "${",
    "}",
    "(",
    ")",
    "[",
    "]",
    "{",
    "?",
];

/// Mutates `text` one to four times.
pub fn text(rng: &mut Rng, text: &str, dict: &[&str], others: &[String]) -> String {
    let mut out = text.to_string();
    for _ in 0..=rng.below(4) {
        if out.len() > MAX_TEXT {
            break;
        }
        out = text_once(rng, &out, dict, others);
    }
    out
}

/// Texts longer than this are not mutated further: long inputs cost time and rarely find more
/// than short ones (deep nesting, made on purpose by [`nest_text`], is the exception).
const MAX_TEXT: usize = 2048;

fn text_once(rng: &mut Rng, s: &str, dict: &[&str], others: &[String]) -> String {
    let a = boundary(rng, s);
    let b = boundary(rng, s);
    let (lo, hi) = (a.min(b), a.max(b));
    match rng.below(10) {
        0 | 1 => format!("{}{}{}", &s[..a], token(rng, dict), &s[a..]),
        2 => format!("{}{}", &s[..lo], &s[hi..]),
        3 => format!("{}{}{}", &s[..hi], &s[lo..hi], &s[hi..]),
        4 => format!("{}{}{}", &s[..lo], token(rng, dict), &s[hi..]),
        5 => match others.get(rng.below(others.len())) {
            Some(other) => {
                let c = boundary(rng, other);
                format!("{}{}", &s[..a], &other[c..])
            }
            None => s.to_string(),
        },
        6 => s[..a].to_string(),
        7 if rng.one_in(8) => format!(
            "{}{}{}",
            &s[..lo],
            nest_text(rng, &s[lo..hi], dict),
            &s[hi..]
        ),
        8 => {
            let times = *rng.pick(&[2, 3, 10, 100]);
            format!("{}{}{}", &s[..hi], s[lo..hi].repeat(times), &s[hi..])
        }
        _ => format!(
            "{}{}{}",
            &s[..a],
            char::from_u32(rng.below(0x3_0000) as u32).unwrap_or('?'),
            &s[a..]
        ),
    }
}

/// `inner` wrapped `depth` times in an opening and closing pair from the dictionary (a token
/// ending in `(`, `[` or `{` is closed by its partner), sometimes left unclosed.
pub fn nest_text(rng: &mut Rng, inner: &str, dict: &[&str]) -> String {
    let openers: Vec<&&str> = dict
        .iter()
        .filter(|t| t.ends_with(['(', '[', '{']))
        .collect();
    let open = openers.get(rng.below(openers.len())).map_or("(", |t| **t);
    let close = match open.chars().last() {
        Some('[') => "]",
        Some('{') => "}",
        _ => ")",
    };
    let depth = *rng.pick(DEPTHS);
    let close = if rng.one_in(4) { "" } else { close };
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

fn boundary(rng: &mut Rng, s: &str) -> usize {
    let mut i = rng.below(s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn token<'a>(rng: &mut Rng, dict: &[&'a str]) -> &'a str {
    if dict.is_empty() || rng.one_in(3) {
        ODD[rng.below(ODD.len())]
    } else {
        dict[rng.below(dict.len())]
    }
}

/// A random JSON value at most `depth` levels deep, with keys and strings from `dict`.
pub fn value(rng: &mut Rng, depth: usize, dict: &[&str]) -> Value {
    let top = if depth == 0 { 6 } else { 9 };
    match rng.below(top) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => json!(rng.next() as i64 >> rng.below(64)),
        3 => serde_json::Number::from_f64(f64::from_bits(rng.next()))
            .map_or(json!(0.5), Value::Number),
        4 | 5 => Value::String(token(rng, dict).to_string()),
        6 | 7 => {
            let mut m = Map::new();
            for _ in 0..rng.below(4) {
                m.insert(token(rng, dict).to_string(), value(rng, depth - 1, dict));
            }
            Value::Object(m)
        }
        _ => Value::Array(
            (0..rng.below(4))
                .map(|_| value(rng, depth - 1, dict))
                .collect(),
        ),
    }
}

/// Mutates one node of `v` (chosen by a random walk down from the root) one to three times.
pub fn json(rng: &mut Rng, v: &mut Value, dict: &[&str]) {
    for _ in 0..=rng.below(3) {
        json_once(rng, v, dict);
    }
}

fn json_once(rng: &mut Rng, v: &mut Value, dict: &[&str]) {
    let node = pick_node(rng, v);
    match rng.below(8) {
        0 => *node = value(rng, 3, dict),
        1 => *node = Value::String(text(rng, &text_of(node), dict, &[])),
        2 => *node = nest_value(rng, node.take()),
        3 => match node {
            Value::Object(m) if !m.is_empty() => {
                let key = m
                    .keys()
                    .nth(rng.below(m.len()))
                    .cloned()
                    .unwrap_or_default();
                m.remove(&key);
            }
            Value::Array(a) if !a.is_empty() => {
                a.remove(rng.below(a.len()));
            }
            _ => *node = Value::Null,
        },
        4 => match node {
            Value::Object(m) => {
                m.insert(token(rng, dict).to_string(), value(rng, 2, dict));
            }
            Value::Array(a) => a.push(value(rng, 2, dict)),
            _ => *node = value(rng, 1, dict),
        },
        5 => match node {
            Value::Object(m) if !m.is_empty() => {
                let i = rng.below(m.len());
                let (k, v) = m
                    .iter()
                    .nth(i)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .unwrap_or_default();
                m.insert(text(rng, &k, dict, &[]), v);
            }
            Value::Array(a) if !a.is_empty() => {
                let item = a[rng.below(a.len())].clone();
                a.push(item);
            }
            _ => *node = Value::Array(vec![node.take()]),
        },
        6 => *node = Value::String(token(rng, dict).to_string()),
        _ => *node = Value::Number(serde_json::Number::from(rng.next() as i64 >> rng.below(64))),
    }
}

/// A node of `v`: descends into a random child with probability 2/3 at each level.
fn pick_node<'a>(rng: &mut Rng, v: &'a mut Value) -> &'a mut Value {
    let len = match &*v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    if len == 0 || rng.one_in(3) {
        return v;
    }
    let i = rng.below(len);
    match v {
        Value::Object(m) => pick_node(rng, m.values_mut().nth(i).expect("index below the length")),
        Value::Array(a) => pick_node(rng, &mut a[i]),
        other => other,
    }
}

/// `v` inside arrays or single-key objects, many levels deep.
pub fn nest_value(rng: &mut Rng, mut v: Value) -> Value {
    // serde_json drops and writes values recursively, so values (unlike text) stay shallow
    // enough for the harness's own stack; 200 is past every parser's limit.
    let depth = *rng.pick(&DEPTHS[..8]);
    let in_array = rng.one_in(2);
    for _ in 0..depth {
        // Not `json!`: it would copy `v` by serializing it, once per level.
        v = if in_array {
            Value::Array(vec![v])
        } else {
            Value::Object(Map::from_iter([("a".to_string(), v)]))
        };
    }
    v
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// JSON text of `v` when serde_json can write it (deep values are written iteratively by
/// serde_json, so this never fails in practice), sometimes mutated as text afterwards.
pub fn to_text(rng: &mut Rng, v: &Value, dict: &[&str]) -> String {
    let s = v.to_string();
    if rng.one_in(8) {
        text(rng, &s, dict, &[])
    } else {
        s
    }
}
