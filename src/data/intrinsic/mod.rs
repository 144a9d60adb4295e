//! Intrinsic functions (`States.Format(...)` and the other 17): parser and evaluator.
//!
//! A call is parsed once, when the definition loads ([`Call::parse`]), into a tree whose string
//! literals are unescaped, whose paths are compiled and whose `States.Format` literal template
//! is already split at its placeholders; [`Call::eval`] then only resolves paths and computes.
//! Evaluation touches nothing outside its [`Env`]: paths and randomness come from the host.
//!
//! ```
//! use stepwise::data::intrinsic::Call;
//! let call = Call::parse("States.MathAdd(States.ArrayLength($.items), 1)").unwrap();
//! assert_eq!(call.name(), "States.MathAdd");
//! assert_eq!(call.paths()[0].source(), "$.items");
//! assert!(Call::parse("States.Hash('x')").is_err());
//! ```

pub(crate) mod functions;
pub(crate) mod java;
mod parse;
#[cfg(test)]
mod tests;

use crate::data::jsonpath::{Path, PathError};
use serde_json::Value;

/// A parsed intrinsic call, validated at load time.
#[derive(Debug, Clone)]
pub struct Call {
    func: Func,
    args: Vec<Arg>,
    /// `States.Format` with a string-literal template: the template split at its `{}`, so
    /// escaped braces (`\{`) stay literal and nothing is re-scanned per evaluation.
    template: Option<Template>,
}

/// One argument of a call.
#[derive(Debug, Clone)]
enum Arg {
    /// A string, number, `null`, `true` or `false` written in the call.
    Literal(Value),
    Path(Path),
    Call(Box<Call>),
}

/// A `States.Format` template: the text between placeholders (one more piece than there are
/// placeholders).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Template {
    pieces: Vec<String>,
}

/// What the evaluator needs from its host: path resolution and randomness.
pub trait Env {
    /// Resolves a path argument (`$.x`, `$$.Execution.Name`, `$var`).
    fn resolve(&mut self, path: &Path) -> Result<Value, PathError>;
    /// 64 random bits (the engine supplies them deterministically from the execution's seed).
    fn random_u64(&mut self) -> u64;
}

/// Why a call failed at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A path argument could not be resolved.
    Path { path: String, error: PathError },
    /// The function rejected its arguments: becomes `States.IntrinsicFailure` with this cause.
    Failure(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Path { error, .. } => write!(f, "{error}"),
            EvalError::Failure(message) => f.write_str(message),
        }
    }
}

/// True when `src` should be read as an intrinsic call rather than a path
/// (it does not start with `$`).
pub fn looks_like_call(src: &str) -> bool {
    !src.starts_with('$')
}

impl Call {
    /// Parses and validates a call: known function name, argument count, argument syntax,
    /// string escapes, nesting depth ≤ 10. The error message is for a diagnostic.
    pub fn parse(src: &str) -> Result<Call, String> {
        parse::parse(src)
    }

    /// Evaluates the call: arguments left to right (nested calls first), then the function.
    pub fn eval(&self, env: &mut dyn Env) -> Result<Value, EvalError> {
        let mut values = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            values.push(arg.eval(env)?);
        }
        functions::apply(self, values, env).map_err(EvalError::Failure)
    }

    /// Every path argument, at any depth (for variable-reference analysis and validation).
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    /// The function's name, e.g. `States.Format`.
    pub fn name(&self) -> &'static str {
        self.func.name()
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        for arg in &self.args {
            match arg {
                Arg::Path(path) => out.push(path),
                Arg::Call(call) => call.collect_paths(out),
                Arg::Literal(_) => {}
            }
        }
    }
}

impl Arg {
    fn eval(&self, env: &mut dyn Env) -> Result<Value, EvalError> {
        match self {
            Arg::Literal(value) => Ok(value.clone()),
            Arg::Path(path) => env.resolve(path).map_err(|error| EvalError::Path {
                path: path.source().to_string(),
                error,
            }),
            Arg::Call(call) => call.eval(env),
        }
    }
}

impl Template {
    /// A template that came from a path or a nested call: every `{}` is a placeholder, as
    /// there is no escape syntax outside a string literal.
    fn from_runtime(text: &str) -> Template {
        Template {
            pieces: text.split("{}").map(str::to_string).collect(),
        }
    }

    fn placeholders(&self) -> usize {
        self.pieces.len().saturating_sub(1)
    }
}

macro_rules! functions {
    ($($variant:ident = $name:literal, $min:literal ..= $max:expr;)*) => {
        /// The 18 intrinsic functions.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Func {
            $($variant,)*
        }

        impl Func {
            fn from_name(name: &str) -> Option<Func> {
                match name {
                    $($name => Some(Func::$variant),)*
                    _ => None,
                }
            }

            fn name(self) -> &'static str {
                match self {
                    $(Func::$variant => $name,)*
                }
            }

            /// Fewest and most arguments (`None`: no upper bound).
            fn arity(self) -> (usize, Option<usize>) {
                match self {
                    $(Func::$variant => ($min, $max),)*
                }
            }
        }
    };
}

functions! {
    Format = "States.Format", 1..=None;
    StringToJson = "States.StringToJson", 1..=Some(1);
    JsonToString = "States.JsonToString", 1..=Some(1);
    Array = "States.Array", 0..=None;
    ArrayPartition = "States.ArrayPartition", 2..=Some(2);
    ArrayContains = "States.ArrayContains", 2..=Some(2);
    ArrayRange = "States.ArrayRange", 3..=Some(3);
    ArrayGetItem = "States.ArrayGetItem", 2..=Some(2);
    ArrayLength = "States.ArrayLength", 1..=Some(1);
    ArrayUnique = "States.ArrayUnique", 1..=Some(1);
    Base64Encode = "States.Base64Encode", 1..=Some(1);
    Base64Decode = "States.Base64Decode", 1..=Some(1);
    Hash = "States.Hash", 2..=Some(2);
    JsonMerge = "States.JsonMerge", 3..=Some(3);
    MathRandom = "States.MathRandom", 2..=Some(3);
    MathAdd = "States.MathAdd", 2..=Some(2);
    StringSplit = "States.StringSplit", 2..=Some(2);
    Uuid = "States.UUID", 0..=Some(0);
}
