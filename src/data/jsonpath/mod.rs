//! JSONPath with Jayway semantics, as AWS Step Functions evaluates it.
//!
//! A path is compiled once ([`Path::parse`]) into a list of steps and then applied many times.
//! The rules follow Jayway JsonPath, the library behind Step Functions:
//!
//! - A *definite* path (only names and single indexes, see [`Path::is_definite`]) selects one
//!   node, borrowed from the document, and fails with Jayway's wording when data is missing:
//!   `No results for path: $['a']`, `Missing property in path $['a']`.
//! - Any other path gathers its matches into an array, `[]` when nothing matches, and never
//!   fails: Step Functions treats missing data under a wildcard, slice, filter or deep scan as
//!   "no match".
//! - Functions (`.length()`), regular expressions (`=~`) and the word operators (`in`, `size`,
//!   …) are rejected when the path is parsed, because Step Functions does not support them.
//!
//! Choices where Jayway and the Step Functions documentation differ, or where we chose:
//! - A filter on an object tests the object itself (Jayway), not its members (RFC 9535).
//! - A filter that reads a member (`@.price`) skips scalar elements, as the AWS guide says
//!   "`@` does not match scalars"; a bare `@` compares the element itself, so
//!   `$.nums[?(@ > 3)]` keeps the numbers above 3 (Jayway).
//! - Comparisons between different JSON types are false (`1 == '1'` is false); numbers compare
//!   numerically (`1 == 1.0`); strings order by UTF-16 code units, as Java does.
//! - A missing operand makes `==` and the orderings false and `!=` true (Jayway's `UNDEFINED`).
//! - Slices follow Python: negative bounds count from the end, bounds are clamped, a step is
//!   allowed (Jayway itself has no step).
//! - `['a','b']` as the last step merges the named members into one object (Jayway's
//!   "multi-property merge"), so such a path is definite; elsewhere it iterates.
//! - Paths inside a filter: `@` is the element under test, `$` the document passed to
//!   [`Path::select`] (whatever the outer path's root).

mod ast;
mod eval;
mod filter;
mod messages;
mod parse;
mod set;
#[cfg(test)]
mod tests;

use serde_json::Value;
use std::borrow::Cow;

use ast::{Selector, Step};

/// The most steps a path may have. [`Path::set`] creates one level of nesting per step, and a
/// value nested thousands of levels deep overflows the stack when it is dropped or written
/// (`$.a.a.a…` with 34,000 steps as a ResultPath did, found by `scripts/fuzz`).
pub const MAX_STEPS: usize = 64;

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
    steps: Vec<Step>,
    definite: bool,
    reference: bool,
}

/// A path that does not parse. `message` says what is wrong, for a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

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

impl std::error::Error for PathError {}

impl Path {
    /// Compiles `src`. Errors name the offending character and its offset (in characters).
    pub fn parse(src: &str) -> Result<Path, ParseError> {
        let (root, steps) = parse::parse_path(src)?;
        if steps.len() > MAX_STEPS {
            return Err(ParseError {
                message: format!(
                    "the path has {} steps; at most {MAX_STEPS} are allowed",
                    steps.len()
                ),
            });
        }
        Ok(Path {
            source: src.to_string(),
            root,
            definite: ast::is_definite(&steps),
            reference: steps.iter().all(is_reference_step),
            steps,
        })
    }

    /// The text the path was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The document the caller must pass to [`Path::select`].
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// Only names and indexes: the path selects at most one node. (A trailing `['a','b']`
    /// also counts, as in Jayway: it selects one merged object.)
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// A Reference Path: definite, and no filters, wildcards, slices, deep scan, unions or
    /// functions.
    pub fn is_reference(&self) -> bool {
        self.reference
    }

    /// Applies the steps after the root to `doc`, the document [`Path::root`] names.
    /// Definite paths give the node or an error; indefinite paths give an array of matches
    /// (`[]` when nothing matches) and never fail.
    pub fn select<'a>(&self, doc: &'a Value) -> Result<Cow<'a, Value>, PathError> {
        if self.definite {
            eval::walk(&self.steps, doc).map_err(|fail| messages::select_error(&self.steps, fail))
        } else {
            let budget = eval::Budget::new();
            let found = eval::select_many(&self.steps, doc, doc, &budget);
            if budget.spent() {
                return Err(PathError::Other {
                    message: format!(
                        "The path {} visits more than {} nodes of the document; simplify it \
                         (chained '..' scans over a deep document multiply)",
                        self.source,
                        eval::MAX_VISITS
                    ),
                });
            }
            Ok(Cow::Owned(Value::Array(
                found.into_iter().map(Cow::into_owned).collect(),
            )))
        }
    }

    /// The ResultPath setter: places `value` at this (reference) path inside `doc`, creating
    /// missing intermediate objects. `$` replaces the whole document. A new member goes to the
    /// end of its object; an existing one is overwritten in place.
    pub fn set(&self, mut doc: Value, value: Value) -> Result<Value, PathError> {
        self.set_in(&mut doc, value)?;
        Ok(doc)
    }

    /// Whether the path may read anything at or below the member chain `names` of its document
    /// (`["Execution", "Input"]`: `$$.Execution.Input.x`, `$$.Execution`, `$$..Input`, `$$.*`),
    /// or whether it certainly stays elsewhere (`$$.Map.Item.Value`, `$$.Execution.Id`).
    pub fn may_read(&self, names: &[&str]) -> bool {
        let mut names = names.iter();
        for step in &self.steps {
            let Some(name) = names.next() else {
                return true;
            };
            match &step.sel {
                _ if step.scan => return true,
                ast::Selector::Name(n) if n.key == *name => {}
                ast::Selector::Name(_) | ast::Selector::Index(_) | ast::Selector::Indexes(_) => {
                    return false;
                }
                ast::Selector::Names(ns) if ns.iter().all(|n| n.key != *name) => return false,
                _ => return true,
            }
        }
        true
    }

    /// `set` in place; on failure `doc` is unchanged.
    pub fn set_in(&self, doc: &mut Value, value: Value) -> Result<(), PathError> {
        if !self.reference {
            return Err(PathError::Other {
                message: format!(
                    "'{}' is not a reference path: only names and single indexes can be written",
                    self.source
                ),
            });
        }
        set::set(&self.source, &self.steps, doc, value)
    }
}

fn is_reference_step(step: &Step) -> bool {
    !step.scan && matches!(step.sel, Selector::Name(_) | Selector::Index(_))
}
