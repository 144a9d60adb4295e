//! JSONPath with Jayway semantics, as AWS Step Functions evaluates it.
//!
//! INTERFACE STUB — the signatures below are the contract other modules compile against.

use serde_json::Value;
use std::borrow::Cow;

/// Which document a path reads: `$...` the state input, `$$...` the context object,
/// `$name...` a workflow variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    Input,
    Context,
    Variable(String),
}

/// A compiled path.
#[derive(Debug, Clone)]
pub struct Path {
    source: String,
    root: Root,
}

/// A path that does not parse. `message` says what is wrong, for a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
}

/// A path that parsed but could not be applied to a document. `Display` gives Jayway's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// `No results for path: $['a']['b']`
    NoResults { path: String },
    /// `Missing property in path $['a']`
    MissingProperty { path: String },
    /// Any other Jayway failure, already worded.
    Other { message: String },
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathError::NoResults { path } => write!(f, "No results for path: {path}"),
            PathError::MissingProperty { path } => write!(f, "Missing property in path {path}"),
            PathError::Other { message } => f.write_str(message),
        }
    }
}

impl Path {
    pub fn parse(src: &str) -> Result<Path, ParseError> {
        let root = if src.starts_with("$$") {
            Root::Context
        } else if src == "$" || src.starts_with("$.") || src.starts_with("$[") {
            Root::Input
        } else if let Some(rest) = src.strip_prefix('$') {
            Root::Variable(rest.split(['.', '[']).next().unwrap_or("").to_string())
        } else {
            return Err(ParseError {
                message: "a path must start with '$'".into(),
            });
        };
        Ok(Path {
            source: src.to_string(),
            root,
        })
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn root(&self) -> &Root {
        &self.root
    }
    /// Only names and indexes: the path selects at most one node.
    pub fn is_definite(&self) -> bool {
        unimplemented!()
    }
    /// A Reference Path: definite, and no filters, wildcards, slices, deep scan or functions.
    pub fn is_reference(&self) -> bool {
        unimplemented!()
    }
    /// Applies the path to the document its root names. Definite paths give the node or an
    /// error; indefinite paths give an array of matches (`[]` when nothing matches).
    pub fn select<'a>(&self, _doc: &'a Value) -> Result<Cow<'a, Value>, PathError> {
        unimplemented!()
    }
    /// The ResultPath setter: places `value` at this (reference) path inside `doc`, creating
    /// missing intermediate objects. `$` replaces the whole document.
    pub fn set(&self, _doc: Value, _value: Value) -> Result<Value, PathError> {
        unimplemented!()
    }
}
