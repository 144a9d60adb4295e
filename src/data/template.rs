//! Payload templates: JSON where keys ending in `.$` are evaluated (Parameters, ResultSelector,
//! ItemSelector, Credentials), and the `Scope` every path evaluation reads from.

use crate::data::diagnostic::Diagnostic;
use crate::data::intrinsic::{self, Call};
use crate::data::jsonpath::{Path, PathError, Root};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The documents a path may read, chosen by its root. The context object is built on demand.
pub trait Scope {
    /// The document for `$` (Input), `$$` (Context) or `$name` (Variable); `None` for an
    /// unknown variable.
    fn document(&mut self, root: &Root) -> Option<&Value>;
    /// The document `path` reads: `document` of its root, unless the scope can build less of it
    /// for this path (the context object leaves out the execution's input when the path cannot
    /// read it).
    fn document_for(&mut self, path: &Path) -> Option<&Value> {
        self.document(path.root())
    }
    /// 64 random bits for `States.UUID` / `States.MathRandom`.
    fn random_u64(&mut self) -> u64;
}

/// Evaluates `path` against the document its root names.
pub fn select<'s>(path: &Path, scope: &'s mut dyn Scope) -> Result<Cow<'s, Value>, PathError> {
    match scope.document_for(path) {
        Some(doc) => path.select(doc),
        None => Err(PathError::Other {
            message: format!(
                "The variable referenced by '{}' is not defined",
                path.source()
            ),
        }),
    }
}

/// A compiled payload template.
#[derive(Debug, Clone)]
pub enum Template {
    /// A subtree without any `.$` key: copied as is.
    Literal(Value),
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
    /// The value of a `key.$` that is a path; `field` is the key with its `.$`.
    Path {
        field: String,
        path: Path,
    },
    /// The value of a `key.$` that is an intrinsic function call.
    Call {
        field: String,
        call: Box<Call>,
    },
}

/// Why a template could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A path selected nothing: AWS reports this as `States.Runtime`.
    PathNotFound { field: String, path: String },
    /// An intrinsic function failed: `States.IntrinsicFailure` (or `States.Runtime` for paths).
    Intrinsic {
        field: String,
        error: intrinsic::EvalError,
    },
}

impl Template {
    /// Compiles `value`, reporting every bad `.$` value at its JSON Pointer.
    pub fn compile(value: &Value, pointer: &str, diags: &mut Vec<Diagnostic>) -> Template {
        match value {
            Value::Object(map) => compile_object(map, pointer, diags),
            Value::Array(items) => {
                let parts: Vec<Template> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Template::compile(v, &format!("{pointer}/{i}"), diags))
                    .collect();
                if parts.iter().all(|t| matches!(t, Template::Literal(_))) {
                    Template::Literal(value.clone())
                } else {
                    Template::Array(parts)
                }
            }
            _ => Template::Literal(value.clone()),
        }
    }

    /// Every path this template reads, at any depth.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        match self {
            Template::Literal(_) => {}
            Template::Object(fields) => fields.iter().for_each(|(_, t)| t.collect_paths(out)),
            Template::Array(items) => items.iter().for_each(|t| t.collect_paths(out)),
            Template::Path { path, .. } => out.push(path),
            Template::Call { call, .. } => out.extend(call.paths()),
        }
    }

    /// Evaluates the template against `scope`.
    pub fn eval(&self, scope: &mut dyn Scope) -> Result<Value, TemplateError> {
        match self {
            Template::Literal(v) => Ok(v.clone()),
            Template::Object(fields) => {
                let mut map = Map::with_capacity(fields.len());
                for (key, t) in fields {
                    map.insert(key.clone(), t.eval(scope)?);
                }
                Ok(Value::Object(map))
            }
            Template::Array(items) => items
                .iter()
                .map(|t| t.eval(scope))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Template::Path { field, path } => match select(path, scope) {
                Ok(v) => Ok(v.into_owned()),
                Err(_) => Err(TemplateError::PathNotFound {
                    field: field.clone(),
                    path: path.source().to_string(),
                }),
            },
            Template::Call { field, call } => {
                call.eval(&mut IntrinsicEnv(scope))
                    .map_err(|error| TemplateError::Intrinsic {
                        field: field.clone(),
                        error,
                    })
            }
        }
    }
}

fn compile_object(
    map: &Map<String, Value>,
    pointer: &str,
    diags: &mut Vec<Diagnostic>,
) -> Template {
    let mut fields = Vec::with_capacity(map.len());
    let mut dynamic = false;
    for (key, value) in map {
        let here = format!("{pointer}/{}", crate::data::diagnostic::escape_token(key));
        match key.strip_suffix(".$") {
            Some(name) => {
                dynamic = true;
                if map.contains_key(name) {
                    diags.push(Diagnostic {
                        code: "SCHEMA_VALIDATION_FAILED",
                        pointer: Some(here.clone()),
                        message: format!("The fields '{key}' and '{name}' both produce the field '{name}': keep one of them"),
                    });
                }
                fields.push((name.to_string(), compile_dynamic(key, value, &here, diags)));
            }
            None => {
                let t = Template::compile(value, &here, diags);
                dynamic |= !matches!(t, Template::Literal(_));
                fields.push((key.clone(), t));
            }
        }
    }
    if dynamic {
        Template::Object(fields)
    } else {
        Template::Literal(Value::Object(map.clone()))
    }
}

/// Compiles the value of a `key.$` field: a path (`$...`) or an intrinsic call.
pub fn compile_dynamic(
    key: &str,
    value: &Value,
    pointer: &str,
    diags: &mut Vec<Diagnostic>,
) -> Template {
    let invalid = |detail: String, diags: &mut Vec<Diagnostic>| {
        diags.push(Diagnostic {
            code: "SCHEMA_VALIDATION_FAILED",
            pointer: Some(pointer.to_string()),
            message: format!(
                "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call ({detail})"
            ),
        });
        Template::Literal(Value::Null)
    };
    let Some(src) = value.as_str() else {
        return invalid("it is not a string".into(), diags);
    };
    if intrinsic::looks_like_call(src) {
        match Call::parse(src) {
            Ok(call) => Template::Call {
                field: key.to_string(),
                call: Box::new(call),
            },
            Err(e) => invalid(e, diags),
        }
    } else {
        match Path::parse(src) {
            Ok(path) => Template::Path {
                field: key.to_string(),
                path,
            },
            Err(e) => invalid(e.message, diags),
        }
    }
}

/// Adapts a `Scope` to what the intrinsic evaluator asks for.
pub struct IntrinsicEnv<'a>(pub &'a mut dyn Scope);

impl intrinsic::Env for IntrinsicEnv<'_> {
    fn resolve(&mut self, path: &Path) -> Result<Value, PathError> {
        select(path, self.0).map(Cow::into_owned)
    }
    fn random_u64(&mut self) -> u64 {
        self.0.random_u64()
    }
}
