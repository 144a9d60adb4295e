//! JSONata, the query language of `QueryLanguage: "JSONata"` states: recognising `{% … %}`
//! strings, evaluating expressions with `$states` and workflow variables bound, AWS's own
//! functions (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`) and AWS's limits.
//!
//! The engine sees only the [`QueryEngine`] trait; [`Jsonata`] implements it over the
//! `jsonata-core` crate. Evaluation is pure: the time `$now()` reads and the seed behind
//! `$random()`, `$uuid()` and `$shuffle()` come in through [`Bindings`], so the same bindings
//! give the same result. The one exception is the time limit, a wall-clock budget measured by
//! the library, which only a runaway expression ever reaches.
//!
//! ```
//! use serde_json::{json, Map};
//! use stepwise::data::jsonata::{self, Bindings, Jsonata, QueryEngine};
//!
//! let input = json!({"items": [1, 2, 3]});
//! let mut variables = Map::new();
//! variables.insert("factor".to_string(), json!(10));
//! let bindings = Bindings::new(&input).variables(&variables);
//!
//! let expression = jsonata::expression("{% $sum($states.input.items) * $factor %}").unwrap();
//! let engine = Jsonata::default();
//! assert_eq!(engine.evaluate(expression, &bindings).unwrap(), Some(json!(60)));
//! assert_eq!(engine.evaluate("$nothing", &bindings).unwrap(), None);
//! assert_eq!(engine.evaluate("$eval('1')", &bindings).unwrap_err().code(), Some("T1006"));
//! ```

mod analysis;
mod convert;
mod engine;
mod error;
mod functions;
mod limits;
#[cfg(test)]
mod tests;
mod url;

pub use analysis::Analysis;
pub use engine::Jsonata;
pub use error::{Limit, QueryError, undefined_cause};
pub use limits::Limits;

use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Evaluates query-language expressions. `Ok(None)` is JSONata's *undefined* (a path that
/// matched nothing), which AWS turns into an error in most fields; the engine decides.
pub trait QueryEngine {
    /// Evaluates `expression` (the text between `{%` and `%}`) with `bindings`.
    fn evaluate(
        &self,
        expression: &str,
        bindings: &Bindings<'_>,
    ) -> Result<Option<Value>, QueryError>;

    /// Parses `expression` without evaluating it, for the definition validator: the
    /// [`QueryError::Syntax`] says what is wrong, and the [`Analysis`] what it refers to.
    fn check(&self, expression: &str) -> Result<Analysis, QueryError>;
}

/// The engine definitions are checked and states evaluated with: AWS's limits, one parse cache
/// for the process.
pub fn shared() -> &'static Jsonata {
    static ENGINE: std::sync::OnceLock<Jsonata> = std::sync::OnceLock::new();
    ENGINE.get_or_init(Jsonata::default)
}

/// Calls `f` with every expression in `value` (strings that are exactly `{% ... %}`, at any
/// depth) and its location: `field`, then `/key` or `/index` per level (`Output/result`).
pub fn each_expression(value: &Value, field: &str, f: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(s) => {
            if let Some(e) = expression(s) {
                f(e, field);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                each_expression(v, &format!("{field}/{i}"), f);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                each_expression(v, &format!("{field}/{k}"), f);
            }
        }
        _ => {}
    }
}

/// The expression inside a JSONata string, trimmed: the string must start with `{%` and end
/// with `%}` exactly, with no space outside them (asl-semantics §4.1). Anything else is a
/// literal: `" {% 1 %}"` and `"{% 1 %} "` are strings, not expressions.
///
/// ```
/// use stepwise::data::jsonata::expression;
/// assert_eq!(expression("{% $states.input %}"), Some("$states.input"));
/// assert_eq!(expression(" {% $states.input %}"), None);
/// assert_eq!(expression("{%%}"), Some(""));
/// ```
pub fn expression(value: &str) -> Option<&str> {
    let inner = value.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(inner.trim())
}

/// What an expression can read: `$states` and workflow variables, plus the time and the
/// random seed that AWS's impure functions draw on.
#[derive(Clone, Copy)]
pub struct Bindings<'a> {
    input: &'a Value,
    context: Option<&'a Value>,
    result: Option<&'a Value>,
    error_output: Option<&'a Value>,
    variables: &'a dyn Variables,
    now_millis: i64,
    random_seed: u64,
}

impl<'a> Bindings<'a> {
    /// Bindings with `$states.input` only; no variables, the epoch as "now", seed 0.
    pub fn new(input: &'a Value) -> Bindings<'a> {
        Bindings {
            input,
            context: None,
            result: None,
            error_output: None,
            variables: &NO_VARIABLES,
            now_millis: 0,
            random_seed: 0,
        }
    }

    /// `$states.context`, the context object.
    pub fn context(self, context: &'a Value) -> Self {
        Bindings {
            context: Some(context),
            ..self
        }
    }

    /// `$states.result` (Task, Map and Parallel `Output`/`Assign`).
    pub fn result(self, result: &'a Value) -> Self {
        Bindings {
            result: Some(result),
            ..self
        }
    }

    /// `$states.errorOutput` (a Catcher's `Output`/`Assign`).
    pub fn error_output(self, error_output: &'a Value) -> Self {
        Bindings {
            error_output: Some(error_output),
            ..self
        }
    }

    /// The workflow variables in scope, read by name (`$x`).
    pub fn variables(self, variables: &'a dyn Variables) -> Self {
        Bindings { variables, ..self }
    }

    /// What `$now()` and `$millis()` return, in milliseconds since the epoch.
    pub fn now_millis(self, now_millis: i64) -> Self {
        Bindings { now_millis, ..self }
    }

    /// The seed of `$random()`, `$uuid()` and `$shuffle()`: the same seed draws the same
    /// numbers, so give each evaluation its own (from the execution's seed and the event).
    pub fn random_seed(self, random_seed: u64) -> Self {
        Bindings {
            random_seed,
            ..self
        }
    }
}

/// Workflow variables by name, however the engine stores its scopes.
pub trait Variables {
    /// The value of `$name` (without the `$`), if it is set.
    fn get(&self, name: &str) -> Option<&Value>;
}

struct NoVariables;

static NO_VARIABLES: NoVariables = NoVariables;

impl Variables for NoVariables {
    fn get(&self, _name: &str) -> Option<&Value> {
        None
    }
}

impl Variables for Map<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        Map::get(self, name)
    }
}

impl Variables for HashMap<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        HashMap::get(self, name)
    }
}

impl Variables for BTreeMap<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        BTreeMap::get(self, name)
    }
}
