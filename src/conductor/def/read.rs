//! Reading typed fields out of Conductor JSON the way Jackson does: unknown keys are ignored and an
//! explicit `null` means "absent" (default applies); every misuse becomes a diagnostic.

use crate::data::diagnostic::{Diagnostic, escape_token};
use serde_json::{Map, Value};

pub const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";
pub const UNSUPPORTED: &str = "UNSUPPORTED_FEATURE";
pub const DUPLICATE: &str = "DUPLICATE_TASK_REFERENCE";
pub const INVALID_DURATION: &str = "INVALID_DURATION";
pub const MISSING_JOIN: &str = "MISSING_JOIN";

/// Collects diagnostics while a document is read.
#[derive(Default)]
pub struct Cx {
    diags: Vec<Diagnostic>,
}

impl Cx {
    pub fn push(&mut self, code: &'static str, pointer: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            code,
            pointer: Some(pointer.to_string()),
            message: message.into(),
        });
    }

    pub fn schema(&mut self, pointer: &str, message: impl Into<String>) {
        self.push(SCHEMA, pointer, message);
    }

    /// The value read, or every problem found while reading it.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.diags.is_empty() {
            Ok(value)
        } else {
            Err(self.diags)
        }
    }
}

/// `ptr` extended by one object key.
pub fn child(ptr: &str, key: &str) -> String {
    format!("{ptr}/{}", escape_token(key))
}

/// `ptr` extended by one array index.
pub fn index(ptr: &str, i: usize) -> String {
    format!("{ptr}/{i}")
}

/// The whole document must be an object; the diagnostic has no pointer when it is not.
pub fn root<'a>(doc: &'a Value, what: &str) -> Result<Obj<'a>, Vec<Diagnostic>> {
    match doc.as_object() {
        Some(map) => Ok(Obj::new(map, String::new())),
        None => Err(vec![Diagnostic {
            code: SCHEMA,
            pointer: None,
            message: format!("{what} must be a JSON object"),
        }]),
    }
}

/// A short description of a JSON value for messages: short strings quoted, never a whole object.
pub fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() <= 60 => Value::String(s.clone()).to_string(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// One JSON object of the document and the pointer to it.
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub ptr: String,
}

impl<'a> Obj<'a> {
    pub fn new(map: &'a Map<String, Value>, ptr: String) -> Self {
        Obj { map, ptr }
    }

    /// `v` as an object, or a diagnostic saying `what` must be one.
    pub fn of(v: &'a Value, ptr: String, what: &str, cx: &mut Cx) -> Option<Self> {
        match v.as_object() {
            Some(map) => Some(Obj::new(map, ptr)),
            None => {
                cx.schema(
                    &ptr,
                    format!("{what} must be a JSON object, not {}", describe(v)),
                );
                None
            }
        }
    }

    pub fn at(&self, key: &str) -> String {
        child(&self.ptr, key)
    }

    /// The value under `key`; `null` counts as absent.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn value(&self, key: &str) -> Option<Value> {
        self.get(key).cloned()
    }

    fn missing(&self, key: &str, cx: &mut Cx) {
        cx.schema(&self.at(key), format!("The field '{key}' is required"));
    }

    fn wrong(&self, key: &str, want: &str, v: &Value, cx: &mut Cx) {
        let got = describe(v);
        cx.schema(
            &self.at(key),
            format!("The field '{key}' must be {want}, not {got}"),
        );
    }

    /// Any non-null value under `key`, required.
    pub fn req_value(&self, key: &str, cx: &mut Cx) -> Value {
        self.value(key).unwrap_or_else(|| {
            self.missing(key, cx);
            Value::Null
        })
    }

    pub fn opt_str(&self, key: &str, cx: &mut Cx) -> Option<&'a str> {
        let v = self.get(key)?;
        let s = v.as_str();
        if s.is_none() {
            self.wrong(key, "a string", v, cx);
        }
        s
    }

    pub fn req_str(&self, key: &str, cx: &mut Cx) -> Option<&'a str> {
        if self.get(key).is_none() {
            self.missing(key, cx);
        }
        self.opt_str(key, cx)
    }

    /// A required, non-empty string ("" when it is missing or wrong).
    pub fn name(&self, key: &str, cx: &mut Cx) -> String {
        let s = self.req_str(key, cx).unwrap_or_default();
        if s.is_empty() && self.get(key).is_some_and(Value::is_string) {
            cx.schema(
                &self.at(key),
                format!("The field '{key}' must not be empty"),
            );
        }
        s.to_string()
    }

    pub fn flag(&self, key: &str, default: bool, cx: &mut Cx) -> bool {
        let Some(v) = self.get(key) else {
            return default;
        };
        v.as_bool().unwrap_or_else(|| {
            self.wrong(key, "true or false", v, cx);
            default
        })
    }

    pub fn int(&self, key: &str, cx: &mut Cx) -> Option<i64> {
        let v = self.get(key)?;
        let n = v.as_i64();
        if n.is_none() {
            self.wrong(key, "an integer", v, cx);
        }
        n
    }

    /// A non-negative integer, `default` when absent.
    pub fn count(&self, key: &str, default: u64, cx: &mut Cx) -> u64 {
        let Some(n) = self.int(key, cx) else {
            return default;
        };
        u64::try_from(n).unwrap_or_else(|_| {
            cx.schema(
                &self.at(key),
                format!("The field '{key}' must be an integer of 0 or more, not {n}"),
            );
            default
        })
    }

    pub fn opt_u32(&self, key: &str, cx: &mut Cx) -> Option<u32> {
        let n = self.int(key, cx)?;
        let small = u32::try_from(n).ok();
        if small.is_none() {
            let max = u32::MAX;
            cx.schema(
                &self.at(key),
                format!("The field '{key}' must be an integer between 0 and {max}, not {n}"),
            );
        }
        small
    }

    pub fn opt_obj(&self, key: &str, cx: &mut Cx) -> Option<Obj<'a>> {
        let v = self.get(key)?;
        match v.as_object() {
            Some(map) => Some(Obj::new(map, self.at(key))),
            None => {
                self.wrong(key, "an object", v, cx);
                None
            }
        }
    }

    pub fn req_obj(&self, key: &str, cx: &mut Cx) -> Option<Obj<'a>> {
        if self.get(key).is_none() {
            self.missing(key, cx);
        }
        self.opt_obj(key, cx)
    }

    /// A copy of the object under `key`, empty when absent.
    pub fn object(&self, key: &str, cx: &mut Cx) -> Map<String, Value> {
        self.opt_obj(key, cx)
            .map(|o| o.map.clone())
            .unwrap_or_default()
    }

    pub fn opt_array(&self, key: &str, cx: &mut Cx) -> Option<&'a [Value]> {
        let v = self.get(key)?;
        let items = v.as_array().map(Vec::as_slice);
        if items.is_none() {
            self.wrong(key, "an array", v, cx);
        }
        items
    }

    /// An array of strings, `None` when absent (each non-string element is reported).
    pub fn opt_strings(&self, key: &str, cx: &mut Cx) -> Option<Vec<String>> {
        let items = self.opt_array(key, cx)?;
        let ptr = self.at(key);
        let strings = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item.as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    cx.schema(
                        &index(&ptr, i),
                        format!(
                            "Each entry of '{key}' must be a string, not {}",
                            describe(item)
                        ),
                    );
                    None
                }
            });
        Some(strings.collect())
    }

    /// An array of strings, empty when absent.
    pub fn strings(&self, key: &str, cx: &mut Cx) -> Vec<String> {
        self.opt_strings(key, cx).unwrap_or_default()
    }

    /// One of Jackson's enum spellings, `default` when absent.
    pub fn choice<T: Copy>(&self, key: &str, options: &[(&str, T)], default: T, cx: &mut Cx) -> T {
        let Some(s) = self.opt_str(key, cx) else {
            return default;
        };
        let found = options.iter().find(|(name, _)| *name == s).map(|(_, v)| *v);
        found.unwrap_or_else(|| {
            let names: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            let names = names.join(", ");
            cx.schema(
                &self.at(key),
                format!("The field '{key}' must be one of {names}, not \"{s}\""),
            );
            default
        })
    }
}
