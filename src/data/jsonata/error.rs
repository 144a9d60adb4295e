//! Why a JSONata expression failed: it does not parse, it threw while evaluating, or it ran
//! into one of AWS's limits. Each becomes `States.QueryEvaluationError` (evaluation) or a
//! definition diagnostic (syntax); the text follows AWS's causes so users can search for it.

use std::fmt;

/// A failed parse or evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// The expression does not parse (`1 +`): a definition error, never a run-time one.
    Syntax {
        /// The JSONata code (`S0201`, `S0203`, ...) when the parser gave one.
        code: Option<String>,
        message: String,
    },
    /// The expression threw (`$eval("1")`, `"a" + 1`, `$hash("x", "MD4")`).
    Evaluation {
        /// The JSONata code (`T1006`, `T2001`, `D3030`, ...) when there is one.
        code: Option<String>,
        message: String,
    },
    /// The expression ran into one of AWS's limits.
    Limit(Limit),
}

/// The limits AWS puts on one evaluation (asl-semantics §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Ran longer than the time limit (1 s on AWS): `($f := function(){ $f() }; $f())`.
    Time,
    /// Nested too deep: a 200-term `1+1+…+1`, a recursive function without a base case.
    Depth,
    /// Built too large a sequence: `[1..1000000]`.
    Memory,
}

impl Limit {
    /// AWS's text for the limit, which follows `threw an error during evaluation:`.
    pub fn message(self) -> &'static str {
        match self {
            Limit::Time => "Expression evaluation timeout: Check for infinite loop",
            Limit::Depth => {
                "Stack overflow error: Check for non-terminating recursive function. \
                 Consider rewriting as tail-recursive."
            }
            Limit::Memory => {
                "Expression evaluation memory limit exceeded: Check for excessive memory usage"
            }
        }
    }
}

impl QueryError {
    /// The JSONata error code (`T1006`), if the error has one.
    pub fn code(&self) -> Option<&str> {
        match self {
            QueryError::Syntax { code, .. } | QueryError::Evaluation { code, .. } => {
                code.as_deref()
            }
            QueryError::Limit(_) => None,
        }
    }

    /// The cause of the `States.QueryEvaluationError` AWS reports for this error, without the
    /// `An error occurred while executing the state '…' (entered at the event id #…). ` prefix
    /// that the engine adds. `field` is the slash path of the field (`Output/result`).
    pub fn cause(&self, expression: &str, field: &str) -> String {
        let head = format!(
            "The JSONata expression '{expression}' specified for the field '{field}' threw an error during evaluation"
        );
        // AWS separates a coded error with ". " and a limit with ": ".
        match self {
            QueryError::Limit(limit) => format!("{head}: {}", limit.message()),
            other => format!("{head}. {other}"),
        }
    }
}

/// The cause AWS gives when an expression returns nothing (`$doesNotExist`).
pub fn undefined_cause(expression: &str, field: &str) -> String {
    format!(
        "The JSONata expression '{expression}' specified for the field '{field}' returned nothing (undefined)."
    )
}

impl fmt::Display for QueryError {
    /// `T1006: Attempted to invoke a non-function`: the JSONata message, which starts with its
    /// code when it has one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Syntax { message, .. } | QueryError::Evaluation { message, .. } => {
                f.write_str(message)
            }
            QueryError::Limit(limit) => f.write_str(limit.message()),
        }
    }
}

impl std::error::Error for QueryError {}
