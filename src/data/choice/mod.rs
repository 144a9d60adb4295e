//! Choice rules (JSONPath mode): parsing with diagnostics, and evaluation.
//!
//! A rule is parsed once, at load time, into a `Condition` whose operands are already typed,
//! so evaluation only reads values and compares them: it never allocates unless it fails.
//! `parse.rs` turns rule objects into conditions, `eval.rs` runs them against the values a
//! caller's resolver returns, and `pattern.rs` holds the `StringMatches` wildcard matcher.

mod eval;
mod parse;
mod pattern;

use crate::data::diagnostic::Diagnostic;
use crate::data::jsonpath::{Path, PathError};
use pattern::Pattern;
use serde_json::Value;

/// Every data-test operator AWS accepts, in the order the developer guide lists them.
pub const OPERATORS: [&str; 39] = [
    "StringEquals",
    "StringEqualsPath",
    "StringLessThan",
    "StringLessThanPath",
    "StringGreaterThan",
    "StringGreaterThanPath",
    "StringLessThanEquals",
    "StringLessThanEqualsPath",
    "StringGreaterThanEquals",
    "StringGreaterThanEqualsPath",
    "StringMatches",
    "NumericEquals",
    "NumericEqualsPath",
    "NumericLessThan",
    "NumericLessThanPath",
    "NumericGreaterThan",
    "NumericGreaterThanPath",
    "NumericLessThanEquals",
    "NumericLessThanEqualsPath",
    "NumericGreaterThanEquals",
    "NumericGreaterThanEqualsPath",
    "BooleanEquals",
    "BooleanEqualsPath",
    "TimestampEquals",
    "TimestampEqualsPath",
    "TimestampLessThan",
    "TimestampLessThanPath",
    "TimestampGreaterThan",
    "TimestampGreaterThanPath",
    "TimestampLessThanEquals",
    "TimestampLessThanEqualsPath",
    "TimestampGreaterThanEquals",
    "TimestampGreaterThanEqualsPath",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
];

/// A Boolean expression or a data test (no `Next`; the top-level rule's `Next`/`Assign` are
/// read by the loader).
#[derive(Debug, Clone)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Test(Test),
}

/// `Variable` + one comparison operator.
#[derive(Debug, Clone)]
pub struct Test {
    variable: Path,
    operator: Operator,
    /// The operator's field name (`NumericEquals`, ...), kept for tooling and `Debug`.
    name: &'static str,
}

/// Why evaluation failed (becomes `States.Runtime`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub message: String,
}

/// What a data test compares the variable's value with.
#[derive(Debug, Clone)]
enum Operator {
    /// A typed literal from the definition.
    Literal(Literal),
    /// A `*Path` operator: the other value is read at evaluation time.
    Path(Family, Path),
    Matches(Pattern),
    /// `Is*`: whether the value has the property, and the expected answer.
    Is(Check, bool),
}

/// A literal operand, converted at parse time so evaluation never re-reads the definition.
#[derive(Debug, Clone)]
enum Literal {
    String(Comparison, String),
    Numeric(Comparison, f64),
    /// Nanoseconds since the epoch.
    Timestamp(Comparison, i128),
    Boolean(bool),
}

/// The type a comparison works on; both sides must have it or the test is false.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String(Comparison),
    Numeric(Comparison),
    Timestamp(Comparison),
    Boolean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Equals,
    LessThan,
    GreaterThan,
    LessThanEquals,
    GreaterThanEquals,
}

/// The property an `Is*` operator tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Null,
    Present,
    Numeric,
    String,
    Boolean,
    Timestamp,
}

impl Condition {
    /// Parses a rule object found at JSON Pointer `pointer`. `top_level` rules carry `Next`
    /// (and may carry `Assign`, `Comment`); nested ones must not carry `Next`. All problems go to
    /// `diags`; returns `None` when the rule (or a rule inside it) has any problem.
    pub fn parse(
        rule: &Value,
        pointer: &str,
        top_level: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Condition> {
        parse::rule(rule, pointer, top_level, diags)
    }

    /// Evaluates the condition. `resolve` returns `Ok(None)` when the path selects nothing.
    /// `And`/`Or` stop at the first operand that decides them, as AWS does, so a later operand
    /// reading a missing path does not fail the state.
    pub fn eval(
        &self,
        resolve: &mut dyn FnMut(&Path) -> Result<Option<Value>, PathError>,
    ) -> Result<bool, EvalError> {
        eval::condition(self, resolve)
    }

    /// Every path the condition reads: each `Variable` and each `*Path` operand.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        match self {
            Condition::And(all) | Condition::Or(all) => {
                all.iter().for_each(|c| c.collect_paths(out));
            }
            Condition::Not(inner) => inner.collect_paths(out),
            Condition::Test(test) => {
                out.push(&test.variable);
                if let Operator::Path(_, path) = &test.operator {
                    out.push(path);
                }
            }
        }
    }
}

impl Test {
    /// The path in `Variable`.
    pub fn variable(&self) -> &Path {
        &self.variable
    }

    /// The operator's field name, e.g. `NumericLessThanEqualsPath`.
    pub fn operator_name(&self) -> &'static str {
        self.name
    }
}
