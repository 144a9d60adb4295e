//! JSON in and out of a run: `JSON.stringify`, `JSON.parse`, and the program's value as a
//! `serde_json::Value`. Every walk is charged to the budget and bounded in depth, so shared or
//! deeply nested data cannot blow up.

use super::text::number_to_string;
use super::value::{Budget, Entries, Items, JsStr, Val, to_integer, value_too_deep};
use super::{JsError, MAX_WALK, SUBSET};
use serde_json::{Map, Number, Value};

/// The program's value as JSON: `undefined` and functions → `null`, numbers through [`number`].
pub(super) fn to_json(v: &Val<'_>, budget: &mut Budget) -> Result<Value, JsError> {
    to_json_at(v, budget, 0)
}

fn to_json_at(v: &Val<'_>, budget: &mut Budget, depth: usize) -> Result<Value, JsError> {
    budget.charge(1)?;
    Ok(match v {
        Val::Undefined | Val::Null => Value::Null,
        _ if v.is_function() => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => number(*n),
        Val::Str(s) => {
            budget.charge_text(s.len())?;
            Value::String(s.to_string())
        }
        _ if depth >= MAX_WALK => return Err(value_too_deep()),
        _ => return composite_to_json(v, budget, depth),
    })
}

fn composite_to_json(v: &Val<'_>, budget: &mut Budget, depth: usize) -> Result<Value, JsError> {
    if let Some(items) = v.items() {
        let mut out = Vec::with_capacity(items.len());
        for x in items.iter() {
            out.push(to_json_at(&x, budget, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    let mut map = Map::new();
    for (k, x) in v.entries().map(Entries::iter).into_iter().flatten() {
        map.insert(k.to_string(), to_json_at(&x, budget, depth + 1)?);
    }
    Ok(Value::Object(map))
}

/// A number as JSON: integral values within ±2⁵³ as integers, other finite values as floats,
/// NaN and ±∞ as `null`.
pub(super) fn number(n: f64) -> Value {
    const SAFE: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() <= SAFE {
        return Value::from(n as i64);
    }
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// `JSON.stringify(value, replacer, space)`; the replacer must be absent. `undefined` when
/// `value` is `undefined` or a function.
pub(super) fn stringify<'a>(
    value: &Val<'a>,
    replacer: &Val<'a>,
    space: &Val<'a>,
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    if !replacer.is_nullish() {
        let message = format!("{SUBSET}; JSON.stringify with a replacer is not supported here");
        return Err(JsError::new(message));
    }
    let gap = gap(space, budget)?;
    let mut writer = Writer {
        out: String::new(),
        gap: &gap,
        indent: String::new(),
        budget,
    };
    Ok(if writer.value(value, 0)? {
        Val::string(writer.out)
    } else {
        Val::Undefined
    })
}

/// The indentation `space` asks for: up to 10 spaces, or the first 10 characters of a string.
fn gap(space: &Val<'_>, budget: &mut Budget) -> Result<String, JsError> {
    Ok(match space {
        Val::Num(_) => " ".repeat(to_integer(space, budget)?.clamp(0.0, 10.0) as usize),
        Val::Str(s) => s.chars().take(10).collect(),
        _ => String::new(),
    })
}

struct Writer<'g, 'b> {
    out: String,
    gap: &'g str,
    indent: String,
    budget: &'b mut Budget,
}

impl Writer<'_, '_> {
    /// Writes `v`; false, writing nothing, for what JSON leaves out (`undefined`, functions).
    fn value(&mut self, v: &Val<'_>, depth: usize) -> Result<bool, JsError> {
        self.budget.charge(1)?;
        match v {
            Val::Undefined => return Ok(false),
            _ if v.is_function() => return Ok(false),
            Val::Null => self.out.push_str("null"),
            Val::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Val::Num(n) if n.is_finite() => self.out.push_str(&number_to_string(*n)),
            Val::Num(_) => self.out.push_str("null"),
            Val::Str(s) => self.string(s)?,
            _ if depth >= MAX_WALK => return Err(value_too_deep()),
            _ => match (v.items(), v.entries()) {
                (Some(items), _) => self.array(items, depth)?,
                (None, Some(entries)) => self.object(entries, depth)?,
                (None, None) => self.out.push_str("null"),
            },
        }
        Ok(true)
    }

    fn string(&mut self, s: &str) -> Result<(), JsError> {
        self.budget.charge_text(s.len())?;
        quote(&mut self.out, s);
        Ok(())
    }

    fn array(&mut self, items: Items<'_, '_>, depth: usize) -> Result<(), JsError> {
        if items.len() == 0 {
            self.out.push_str("[]");
            return Ok(());
        }
        self.out.push('[');
        self.indent.push_str(self.gap);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.newline();
            if !self.value(&item, depth + 1)? {
                self.out.push_str("null");
            }
        }
        self.dedent();
        self.newline();
        self.out.push(']');
        Ok(())
    }

    fn object(&mut self, entries: Entries<'_, '_>, depth: usize) -> Result<(), JsError> {
        self.out.push('{');
        self.indent.push_str(self.gap);
        let mut empty = true;
        for (key, v) in entries.iter() {
            if matches!(v, Val::Undefined) || v.is_function() {
                continue;
            }
            if !empty {
                self.out.push(',');
            }
            empty = false;
            self.newline();
            self.string(&key)?;
            self.out
                .push_str(if self.gap.is_empty() { ":" } else { ": " });
            self.value(&v, depth + 1)?;
        }
        self.dedent();
        if !empty {
            self.newline();
        }
        self.out.push('}');
        Ok(())
    }

    fn newline(&mut self) {
        if !self.gap.is_empty() {
            self.out.push('\n');
            self.out.push_str(&self.indent);
        }
    }

    fn dedent(&mut self) {
        let keep = self.indent.len().saturating_sub(self.gap.len());
        self.indent.truncate(keep);
    }
}

/// Appends `s` as a JSON string literal, escaped as `JSON.stringify` does.
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `JSON.parse(text, reviver)`; the reviver must be absent.
pub(super) fn parse<'a>(
    text: &str,
    reviver: &Val<'a>,
    budget: &mut Budget,
) -> Result<Val<'a>, JsError> {
    if !matches!(reviver, Val::Undefined) {
        let message = format!("{SUBSET}; JSON.parse with a reviver is not supported here");
        return Err(JsError::new(message));
    }
    budget.charge_text(text.len())?;
    let value: Value = serde_json::from_str(text)
        .map_err(|e| JsError::new(format!("SyntaxError: JSON.parse: {e}")))?;
    owned(value, budget)
}

/// A parsed JSON value as a script value that owns its data.
fn owned<'a>(v: Value, budget: &mut Budget) -> Result<Val<'a>, JsError> {
    budget.charge(1)?;
    Ok(match v {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(b),
        Value::Number(n) => Val::Num(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Val::string(s),
        Value::Array(items) => {
            let items = items.into_iter().map(|x| owned(x, budget));
            Val::array(items.collect::<Result<_, _>>()?)?
        }
        Value::Object(map) => {
            let entries = map
                .into_iter()
                .map(|(k, x)| Ok((JsStr::from(k), owned(x, budget)?)));
            Val::object(entries.collect::<Result<_, JsError>>()?)?
        }
    })
}
