//! Reading typed fields out of a definition object, with a diagnostic for every misuse.

use crate::asl::model::{Dynamic, IoPath, ResultPath};
use crate::data::diagnostic::{Diagnostic, escape_token};
use crate::data::jsonpath::{Path, Root};
use crate::data::template::Template;
use serde_json::{Map, Value};

pub const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";

/// The largest number AWS accepts in second and count fields.
pub const MAX_SECONDS: u64 = 99_999_999;

/// Collects diagnostics while a definition is read.
#[derive(Default)]
pub struct Cx {
    pub diags: Vec<Diagnostic>,
}

impl Cx {
    pub fn push(
        &mut self,
        code: &'static str,
        pointer: Option<String>,
        message: impl Into<String>,
    ) {
        self.diags.push(Diagnostic {
            code,
            pointer,
            message: message.into(),
        });
    }
    pub fn schema(&mut self, pointer: String, message: impl Into<String>) {
        self.push(SCHEMA, Some(pointer), message);
    }
}

/// One JSON object of the definition and the pointer to it.
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub ptr: String,
}

impl<'a> Obj<'a> {
    pub fn new(map: &'a Map<String, Value>, ptr: String) -> Self {
        Obj { map, ptr }
    }

    pub fn at(&self, key: &str) -> String {
        format!("{}/{}", self.ptr, escape_token(key))
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Reports every key not in `allowed`.
    pub fn only(&self, allowed: &[&str], cx: &mut Cx) {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                cx.schema(self.at(key), format!("Field '{key}' is not supported"));
            }
        }
    }

    pub fn required(&self, key: &str, cx: &mut Cx) -> Option<&'a Value> {
        let v = self.get(key);
        if v.is_none() {
            cx.schema(
                self.ptr.clone(),
                format!("The field '{key}' is required but was missing"),
            );
        }
        v
    }

    pub fn req_str(&self, key: &str, cx: &mut Cx) -> Option<&'a str> {
        let v = self.required(key, cx)?;
        self.as_str(key, v, cx)
    }

    pub fn opt_str(&self, key: &str, cx: &mut Cx) -> Option<&'a str> {
        let v = self.get(key)?;
        self.as_str(key, v, cx)
    }

    fn as_str(&self, key: &str, v: &'a Value, cx: &mut Cx) -> Option<&'a str> {
        let s = v.as_str();
        if s.is_none() {
            cx.schema(self.at(key), format!("The field '{key}' must be a string"));
        }
        s
    }

    pub fn opt_bool(&self, key: &str, cx: &mut Cx) -> Option<bool> {
        let v = self.get(key)?;
        let b = v.as_bool();
        if b.is_none() {
            cx.schema(
                self.at(key),
                format!("The field '{key}' must be true or false"),
            );
        }
        b
    }

    pub fn opt_obj(&self, key: &str, cx: &mut Cx) -> Option<Obj<'a>> {
        let v = self.get(key)?;
        match v.as_object() {
            Some(map) => Some(Obj::new(map, self.at(key))),
            None => {
                cx.schema(self.at(key), format!("The field '{key}' must be an object"));
                None
            }
        }
    }

    /// An integer in `min..=max`.
    pub fn opt_int(&self, key: &str, min: u64, max: u64, cx: &mut Cx) -> Option<u64> {
        let v = self.get(key)?;
        match v.as_u64().filter(|n| (min..=max).contains(n)) {
            Some(n) => Some(n),
            None => {
                cx.schema(
                    self.at(key),
                    format!(
                        "The field '{key}' must be an integer between {min} and {max}, not {v}"
                    ),
                );
                None
            }
        }
    }

    /// A number in `min..=max`.
    pub fn opt_num(&self, key: &str, min: f64, max: f64, cx: &mut Cx) -> Option<f64> {
        let v = self.get(key)?;
        match v.as_f64().filter(|n| *n >= min && *n <= max) {
            Some(n) => Some(n),
            None => {
                cx.schema(
                    self.at(key),
                    format!("The field '{key}' must be a number between {min} and {max}, not {v}"),
                );
                None
            }
        }
    }

    /// Reports `a` and `b` given together.
    pub fn exclusive(&self, a: &str, b: &str, cx: &mut Cx) -> bool {
        let both = self.has(a) && self.has(b);
        if both {
            cx.schema(
                self.ptr.clone(),
                format!("The fields '{a}' and '{b}' cannot both be given: keep one"),
            );
        }
        both
    }

    /// Any JSONPath (InputPath, OutputPath, ...).
    pub fn path(&self, key: &str, cx: &mut Cx) -> Option<Path> {
        let src = self.opt_str(key, cx)?;
        parse_path(src, &self.at(key), key, cx)
    }

    /// A Reference Path: names and indexes only.
    pub fn ref_path(&self, key: &str, cx: &mut Cx) -> Option<Path> {
        let path = self.path(key, cx)?;
        if !path.is_reference() {
            cx.schema(
                self.at(key),
                format!("The value for the field '{key}' must be a valid Reference Path (names and indexes only, no wildcards, filters or slices): '{}'", path.source()),
            );
            return None;
        }
        Some(path)
    }

    /// `InputPath` / `OutputPath`.
    pub fn io_path(&self, key: &str, cx: &mut Cx) -> IoPath {
        match self.get(key) {
            None => IoPath::Whole,
            Some(Value::Null) => IoPath::Empty,
            Some(_) => match self.path(key, cx) {
                Some(p) if p.source() == "$" => IoPath::Whole,
                Some(p) => IoPath::Path(p),
                None => IoPath::Whole,
            },
        }
    }

    /// `ResultPath` (also on catchers): a reference path into the input, never `$$` or a variable.
    pub fn result_path(&self, cx: &mut Cx) -> ResultPath {
        const KEY: &str = "ResultPath";
        match self.get(KEY) {
            None => ResultPath::Replace,
            Some(Value::Null) => ResultPath::Discard,
            Some(_) => match self.ref_path(KEY, cx) {
                Some(p) if !matches!(p.root(), Root::Input) => {
                    cx.schema(self.at(KEY), "The field 'ResultPath' must start with '$.' (it cannot write to the context object or a variable)");
                    ResultPath::Replace
                }
                Some(p) if p.source() == "$" => ResultPath::Replace,
                Some(p) => ResultPath::Path(p),
                None => ResultPath::Replace,
            },
        }
    }

    pub fn template(&self, key: &str, cx: &mut Cx) -> Option<Template> {
        let v = self.get(key)?;
        if !v.is_object() {
            cx.schema(self.at(key), format!("The field '{key}' must be an object"));
        }
        Some(Template::compile(v, &self.at(key), &mut cx.diags))
    }

    /// `X` (a literal integer) or `XPath` (a reference path), never both.
    pub fn int_or_path(&self, key: &str, min: u64, max: u64, cx: &mut Cx) -> Option<Dynamic<u64>> {
        let path_key = format!("{key}Path");
        self.exclusive(key, &path_key, cx);
        if self.has(key) {
            return self.opt_int(key, min, max, cx).map(Dynamic::Value);
        }
        self.ref_path(&path_key, cx).map(Dynamic::Path)
    }
}

pub fn parse_path(src: &str, pointer: &str, key: &str, cx: &mut Cx) -> Option<Path> {
    match Path::parse(src) {
        Ok(p) => Some(p),
        Err(e) => {
            cx.schema(
                pointer.to_string(),
                format!(
                    "The value for the field '{key}' must be a valid JSONPath: {}",
                    e.message
                ),
            );
            None
        }
    }
}
