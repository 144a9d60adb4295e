//! AWS's bounds on one evaluation (asl-semantics §4.3) and the translation of the library's
//! errors into [`QueryError`]s, limit errors included.

use super::error::{Limit, QueryError};
use jsonata_core::evaluator::{EvaluatorError, EvaluatorOptions};
use jsonata_core::parser::ParserError;
use std::time::Duration;

/// How far one evaluation may go before it fails with a [`Limit`] error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time (AWS: 1 s). The only input that is not data: a runaway expression
    /// cannot be stopped otherwise, since the library turns tail calls into loops.
    pub time: Option<Duration>,
    /// Nesting of the evaluation. AWS refuses a 200-term `1+1+…+1`; the library allows about
    /// 30,000 levels on heap-allocated stack without this.
    pub depth: Option<usize>,
    /// Items in one sequence or range. AWS accepts `[1..873782]` and refuses `[1..873783]`
    /// (a 6,990,256-byte budget at 8 bytes a number).
    pub sequence: Option<usize>,
}

/// AWS's time limit.
const AWS_TIME: Duration = Duration::from_secs(1);
/// Deep enough for any real expression, shallow enough that a 200-term sum fails as on AWS.
const AWS_DEPTH: usize = 100;
/// The longest range AWS accepts.
const AWS_SEQUENCE: usize = 873_782;

impl Limits {
    /// The limits AWS applies.
    pub const AWS: Limits = Limits {
        time: Some(AWS_TIME),
        depth: Some(AWS_DEPTH),
        sequence: Some(AWS_SEQUENCE),
    };

    /// No limit but the library's own (for differential tests against the reference).
    pub const NONE: Limits = Limits {
        time: None,
        depth: None,
        sequence: None,
    };

    pub(super) fn options(&self) -> EvaluatorOptions {
        EvaluatorOptions {
            timeout_ms: self
                .time
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            max_stack_depth: self.depth,
            max_sequence_length: self.sequence,
            ..EvaluatorOptions::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::AWS
    }
}

/// The library's evaluation error as ours; its limit codes become [`Limit`]s.
pub(super) fn evaluation_error(error: &EvaluatorError) -> QueryError {
    let code = error.code();
    let limit = match code {
        // D1012: the timeout; U1003: cancelled (we only cancel for time).
        Some("D1012" | "U1003") => Some(Limit::Time),
        // D1011: our depth; U1001: the library's own backstop.
        Some("D1011" | "U1001") => Some(Limit::Depth),
        // D2015: our sequence length; D2014: the range operator's 10,000,000 items.
        Some("D2015" | "D2014") => Some(Limit::Memory),
        _ => None,
    };
    match limit {
        Some(limit) => QueryError::Limit(limit),
        None => QueryError::Evaluation {
            code: code.map(str::to_string),
            message: error.message().to_string(),
        },
    }
}

/// The library's parse error as ours.
/// Context bindings (`@$x`) an expression may chain. jsonata-core evaluates a chain as a cross
/// join of every binding's values without checking its time limit on the way, so a long chain
/// never ends (found by fuzzing: 233 bindings over a 3-item array); real expressions use one
/// or two.
pub const MAX_BINDINGS: usize = 8;

/// `Err` when `expression` chains more than `MAX_BINDINGS` context bindings (`@` outside string
/// literals and backquoted names).
pub(super) fn check_bindings(expression: &str) -> Result<(), QueryError> {
    let mut quote = None;
    let mut escaped = false;
    let mut bindings = 0;
    for c in expression.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(q) if c == q => quote = None,
            Some('`') => {}
            Some(_) if c == '\\' => escaped = true,
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => quote = Some(c),
            None if c == '@' => bindings += 1,
            None => {}
        }
    }
    if bindings > MAX_BINDINGS {
        return Err(QueryError::Syntax {
            code: None,
            message: format!(
                "The expression chains {bindings} context bindings (@$name); stepwise evaluates at most {MAX_BINDINGS}"
            ),
        });
    }
    Ok(())
}

pub(super) fn syntax_error(error: &ParserError) -> QueryError {
    let text = error.to_string();
    // Some errors arrive as `Invalid syntax: S0201: …`; the code belongs in front.
    let message = text.strip_prefix("Invalid syntax: ").unwrap_or(&text);
    let code = jsonata_core::evaluator::error_code_prefix(message).map(str::to_string);
    QueryError::Syntax {
        code,
        message: message.to_string(),
    }
}
