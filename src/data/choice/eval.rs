//! Evaluating conditions against the values the caller's resolver returns, with AWS's rule
//! that a value of the wrong type makes a test false rather than failing the execution.

use super::{Check, Comparison, Condition, EvalError, Family, Literal, Operator, Test};
use crate::data::jsonpath::{Path, PathError};
use crate::data::timestamp::parse_rfc3339;
use serde_json::Value;
use std::cmp::Ordering;

type Resolve<'r> = &'r mut dyn FnMut(&Path) -> Result<Option<Value>, PathError>;

/// See `Condition::eval`.
pub(super) fn condition(condition: &Condition, resolve: Resolve) -> Result<bool, EvalError> {
    match condition {
        Condition::And(all) => {
            for c in all {
                if !self::condition(c, resolve)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(any) => {
            for c in any {
                if self::condition(c, resolve)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!self::condition(inner, resolve)?),
        Condition::Test(test) => self::test(test, resolve),
    }
}

fn test(test: &Test, resolve: Resolve) -> Result<bool, EvalError> {
    let Some(value) = read_variable(test, resolve)? else {
        // Only `IsPresent` may look at a path that selects nothing.
        return match test.operator {
            Operator::Is(Check::Present, want) => Ok(!want),
            _ => Err(invalid_value(&test.variable)),
        };
    };
    Ok(match &test.operator {
        Operator::Literal(literal) => literal.holds_for(&value),
        Operator::Path(family, path) => family.holds(&value, &read_operand(path, resolve)?),
        Operator::Matches(pattern) => value.as_str().is_some_and(|s| pattern.matches(s)),
        Operator::Is(check, want) => check.holds(&value) == *want,
    })
}

/// The `Variable`'s value. For `IsPresent` a "no such property" failure counts as absent too,
/// so the answer does not depend on how the resolver reports a missing definite path.
fn read_variable(test: &Test, resolve: Resolve) -> Result<Option<Value>, EvalError> {
    match resolve(&test.variable) {
        Ok(value) => Ok(value),
        Err(PathError::NoResults { .. } | PathError::MissingProperty { .. })
            if matches!(test.operator, Operator::Is(Check::Present, _)) =>
        {
            Ok(None)
        }
        Err(e) => Err(path_failed(&test.variable, &e)),
    }
}

/// A `*Path` operand's value: it must exist, whatever its type.
fn read_operand(path: &Path, resolve: Resolve) -> Result<Value, EvalError> {
    match resolve(path) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(invalid_value(path)),
        Err(e) => Err(path_failed(path, &e)),
    }
}

impl Literal {
    fn holds_for(&self, value: &Value) -> bool {
        match self {
            Literal::String(c, want) => value.as_str().is_some_and(|s| c.holds(s.cmp(want))),
            Literal::Numeric(c, want) => value
                .as_f64()
                .and_then(|n| n.partial_cmp(want))
                .is_some_and(|o| c.holds(o)),
            Literal::Timestamp(c, want) => instant(value).is_some_and(|t| c.holds(t.cmp(want))),
            Literal::Boolean(want) => value.as_bool() == Some(*want),
        }
    }
}

impl Family {
    /// Compares `left` with `right`; false unless both have this family's type.
    fn holds(self, left: &Value, right: &Value) -> bool {
        match self {
            Family::String(c) => both(left.as_str(), right.as_str(), |a, b| c.holds(a.cmp(b))),
            Family::Numeric(c) => both(left.as_f64(), right.as_f64(), |a, b| {
                a.partial_cmp(&b).is_some_and(|o| c.holds(o))
            }),
            Family::Timestamp(c) => both(instant(left), instant(right), |a, b| c.holds(a.cmp(&b))),
            Family::Boolean => both(left.as_bool(), right.as_bool(), |a, b| a == b),
        }
    }
}

impl Comparison {
    fn holds(self, order: Ordering) -> bool {
        match self {
            Comparison::Equals => order.is_eq(),
            Comparison::LessThan => order.is_lt(),
            Comparison::GreaterThan => order.is_gt(),
            Comparison::LessThanEquals => order.is_le(),
            Comparison::GreaterThanEquals => order.is_ge(),
        }
    }
}

impl Check {
    fn holds(self, value: &Value) -> bool {
        match self {
            Check::Null => value.is_null(),
            Check::Present => true,
            Check::Numeric => value.is_number(),
            Check::String => value.is_string(),
            Check::Boolean => value.is_boolean(),
            Check::Timestamp => instant(value).is_some(),
        }
    }
}

fn both<T>(left: Option<T>, right: Option<T>, compare: impl FnOnce(T, T) -> bool) -> bool {
    match (left, right) {
        (Some(a), Some(b)) => compare(a, b),
        _ => false,
    }
}

fn instant(value: &Value) -> Option<i128> {
    value.as_str().and_then(parse_rfc3339)
}

fn invalid_value(path: &Path) -> EvalError {
    EvalError {
        message: format!(
            "Invalid path '{}': The choice state's condition path references an invalid value.",
            path.source()
        ),
    }
}

fn path_failed(path: &Path, error: &PathError) -> EvalError {
    EvalError {
        message: format!("Invalid path '{}' : {error}", path.source()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The test resolver: `$.a.b` walks member names of the input, `$$.x` walks `input["$$"]`,
    /// `$name.x` walks `input["$vars"]["name"]`; `$.boom...` fails like a broken path.
    fn walk(input: &Value, source: &str) -> Result<Option<Value>, PathError> {
        if source.starts_with("$.boom") {
            return Err(PathError::Other {
                message: "boom".into(),
            });
        }
        let Some(rest) = source.strip_prefix('$') else {
            return Ok(None);
        };
        let (mut node, rest) = match rest.strip_prefix('$') {
            Some(context) => (input.get("$$"), context),
            None if rest.is_empty() || rest.starts_with('.') => (Some(input), rest),
            None => {
                let (name, tail) = rest.split_once('.').unwrap_or((rest, ""));
                (input.get("$vars").and_then(|v| v.get(name)), tail)
            }
        };
        for name in rest.split('.').filter(|s| !s.is_empty()) {
            node = node.and_then(|n| n.get(name));
        }
        Ok(node.cloned())
    }

    fn check(rule: &str, input: &str) -> Result<bool, String> {
        let rule: Value = serde_json::from_str(rule).expect("rule is JSON");
        let input: Value = serde_json::from_str(input).expect("input is JSON");
        let mut diags = Vec::new();
        let condition = Condition::parse(&rule, "/States/C/Choices/0", false, &mut diags)
            .unwrap_or_else(|| panic!("{rule} did not parse: {diags:?}"));
        condition
            .eval(&mut |path| walk(&input, path.source()))
            .map_err(|e| e.message)
    }

    /// `{"Variable": "$.v", op: operand}` against `{"v": value}`.
    fn op(op: &str, operand: &str, value: &str) -> Result<bool, String> {
        let rule = format!(r#"{{"Variable": "$.v", "{op}": {operand}}}"#);
        check(&rule, &format!(r#"{{"v": {value}, "other": {value}}}"#))
    }

    fn table(cases: &[(&str, &str, &str, bool)]) {
        for &(name, operand, value, want) in cases {
            assert_eq!(
                op(name, operand, value),
                Ok(want),
                "{name}: {operand} on {value}"
            );
        }
    }

    #[test]
    fn string_comparisons() {
        table(&[
            ("StringEquals", r#""HelloWorld""#, r#""HelloWorld""#, true),
            ("StringEquals", r#""HelloWorld""#, r#""helloworld""#, false),
            ("StringEquals", r#"" ""#, r#""     ""#, false),
            ("StringEquals", r#""\t\n""#, r#""\t\r\n""#, false),
            ("StringEquals", r#""HelloWorld""#, "0", false),
            ("StringEquals", r#""HelloWorld""#, "null", false),
            ("StringEquals", r#""HelloWorld""#, "[]", false),
            ("StringEquals", r#""0""#, "0", false),
            ("StringLessThan", r#""AB""#, r#""A""#, true),
            ("StringLessThan", r#""A""#, r#""A""#, false),
            ("StringLessThan", r#""B""#, r#""a""#, false),
            ("StringLessThan", r#""a""#, r#""B""#, true),
            ("StringGreaterThan", r#""A""#, r#""AB""#, true),
            ("StringGreaterThan", r#""é""#, r#""z""#, false),
            ("StringLessThanEquals", r#""A""#, r#""A""#, true),
            ("StringLessThanEquals", r#""A""#, r#""B""#, false),
            ("StringGreaterThanEquals", r#""""#, r#""""#, true),
            ("StringGreaterThanEquals", r#""B""#, r#""A""#, false),
            ("StringGreaterThanEquals", r#""1""#, "2", false),
        ]);
    }

    #[test]
    fn string_matches() {
        table(&[
            (
                "StringMatches",
                r#""log-*.txt""#,
                r#""log-2024-01.txt""#,
                true,
            ),
            (
                "StringMatches",
                r#""log-*.txt""#,
                r#""log-2024-01.csv""#,
                false,
            ),
            ("StringMatches", r#""*.txt""#, r#""a.txt""#, true),
            ("StringMatches", r#""\\*""#, r#""*""#, true),
            ("StringMatches", r#""\\*""#, r#""anything""#, false),
            ("StringMatches", r#""a\\\\b""#, r#""a\\b""#, true),
            ("StringMatches", r#""a?b""#, r#""a?b""#, true),
            ("StringMatches", r#""a?b""#, r#""axb""#, false),
            ("StringMatches", r#""*""#, "1", false),
            ("StringMatches", r#""*""#, "null", false),
        ]);
    }

    #[test]
    fn numeric_comparisons() {
        table(&[
            ("NumericEquals", "0", "0", true),
            ("NumericEquals", "0", "0.0", true),
            ("NumericEquals", "0.0", "0", true),
            ("NumericEquals", "42", "42", true),
            ("NumericEquals", "42", r#""42""#, false),
            ("NumericEquals", "0", r#""""#, false),
            ("NumericEquals", "0", r#"" ""#, false),
            ("NumericEquals", "0", "null", false),
            ("NumericEquals", "0", "[]", false),
            ("NumericEquals", "0", "{}", false),
            ("NumericEquals", "0", "false", false),
            ("NumericLessThan", "10", "9.99", true),
            ("NumericLessThan", "10", "10", false),
            ("NumericLessThan", "0", "-1", true),
            ("NumericGreaterThan", "1e3", "1001", true),
            ("NumericGreaterThan", "1", "1", false),
            ("NumericLessThanEquals", "1", "1.0", true),
            ("NumericLessThanEquals", "1", "1.5", false),
            ("NumericGreaterThanEquals", "-5", "-5", true),
            ("NumericGreaterThanEquals", "-5", "-6", false),
            (
                "NumericEquals",
                "18446744073709551615",
                "18446744073709551615",
                true,
            ),
        ]);
    }

    #[test]
    fn boolean_equals() {
        table(&[
            ("BooleanEquals", "true", "true", true),
            ("BooleanEquals", "true", "false", false),
            ("BooleanEquals", "false", "false", true),
            ("BooleanEquals", "true", "1", false),
            ("BooleanEquals", "true", r#""true""#, false),
            ("BooleanEquals", "false", "null", false),
        ]);
    }

    #[test]
    fn timestamp_comparisons() {
        let t = r#""2016-03-14T01:59:00Z""#;
        table(&[
            ("TimestampEquals", t, r#""2016-03-14T01:59:00Z""#, true),
            ("TimestampEquals", t, r#""2016-03-14T01:59:00.000Z""#, true),
            ("TimestampEquals", t, r#""2016-03-14T03:59:00+02:00""#, true),
            ("TimestampEquals", t, r#""2016-03-14T01:59:00.001Z""#, false),
            ("TimestampEquals", t, r#""2016-03-14t01:59:00z""#, false),
            ("TimestampEquals", t, r#""2016-03-14T01:59:00""#, false),
            ("TimestampEquals", t, "1457920740", false),
            (
                "TimestampLessThan",
                t,
                r#""2016-03-14T01:58:59.999999999Z""#,
                true,
            ),
            ("TimestampLessThan", t, t, false),
            (
                "TimestampGreaterThan",
                t,
                r#""2016-03-14T01:59:00-00:01""#,
                true,
            ),
            ("TimestampGreaterThan", t, t, false),
            ("TimestampLessThanEquals", t, t, true),
            (
                "TimestampLessThanEquals",
                t,
                r#""2017-01-01T00:00:00Z""#,
                false,
            ),
            ("TimestampGreaterThanEquals", t, t, true),
            (
                "TimestampGreaterThanEquals",
                t,
                r#""2015-01-01T00:00:00Z""#,
                false,
            ),
        ]);
    }

    #[test]
    fn type_tests() {
        table(&[
            ("IsNull", "true", "null", true),
            ("IsNull", "true", "0", false),
            ("IsNull", "true", r#""null""#, false),
            ("IsNull", "false", "null", false),
            ("IsNull", "false", "{}", true),
            ("IsPresent", "true", "null", true),
            ("IsPresent", "false", "null", false),
            ("IsNumeric", "true", "0", true),
            ("IsNumeric", "true", "0.0", true),
            ("IsNumeric", "true", "1.1", true),
            ("IsNumeric", "true", r#""1""#, false),
            ("IsNumeric", "false", r#""1""#, true),
            ("IsString", "true", r#""""#, true),
            ("IsString", "true", r#""2016-03-14T01:59:00Z""#, true),
            ("IsString", "true", "1", false),
            ("IsBoolean", "true", "false", true),
            ("IsBoolean", "true", r#""true""#, false),
            ("IsBoolean", "true", "0", false),
            ("IsBoolean", "false", "0", true),
            ("IsTimestamp", "true", r#""2016-03-14T01:59:00Z""#, true),
            (
                "IsTimestamp",
                "true",
                r#""2016-03-14T01:59:00.243167252+05:30""#,
                true,
            ),
            ("IsTimestamp", "true", r#""2016-03-14 01:59:00Z""#, false),
            ("IsTimestamp", "true", r#""2016-02-30T01:59:00Z""#, false),
            ("IsTimestamp", "true", "1457920740", false),
            ("IsTimestamp", "false", r#""yesterday""#, true),
        ]);
    }

    #[test]
    fn path_operators() {
        let rule = |op: &str| format!(r#"{{"Variable": "$.a", "{op}": "$.b"}}"#);
        let cases: &[(&str, &str, bool)] = &[
            ("StringEqualsPath", r#"{"a": "x", "b": "x"}"#, true),
            ("StringEqualsPath", r#"{"a": "x", "b": 1}"#, false),
            ("StringLessThanPath", r#"{"a": "A", "b": "AB"}"#, true),
            ("StringGreaterThanPath", r#"{"a": "b", "b": "a"}"#, true),
            ("StringLessThanEqualsPath", r#"{"a": "a", "b": "a"}"#, true),
            (
                "StringGreaterThanEqualsPath",
                r#"{"a": "a", "b": "b"}"#,
                false,
            ),
            ("NumericEqualsPath", r#"{"a": 1, "b": 1.0}"#, true),
            ("NumericEqualsPath", r#"{"a": 1, "b": "1"}"#, false),
            ("NumericLessThanPath", r#"{"a": 1, "b": 2}"#, true),
            ("NumericGreaterThanPath", r#"{"a": 1, "b": 2}"#, false),
            ("NumericLessThanEqualsPath", r#"{"a": 2, "b": 2}"#, true),
            ("NumericGreaterThanEqualsPath", r#"{"a": 3, "b": 2}"#, true),
            ("BooleanEqualsPath", r#"{"a": true, "b": true}"#, true),
            ("BooleanEqualsPath", r#"{"a": true, "b": "true"}"#, false),
            (
                "TimestampEqualsPath",
                r#"{"a": "2016-03-14T01:59:00Z", "b": "2016-03-14T02:59:00+01:00"}"#,
                true,
            ),
            (
                "TimestampEqualsPath",
                r#"{"a": "2016-03-14T01:59:00Z", "b": "not a time"}"#,
                false,
            ),
            (
                "TimestampLessThanPath",
                r#"{"a": "2016-03-14T01:59:00Z", "b": "2016-03-14T01:59:01Z"}"#,
                true,
            ),
            (
                "TimestampGreaterThanPath",
                r#"{"a": "2016-03-14T01:59:00Z", "b": "2016-03-14T01:59:01Z"}"#,
                false,
            ),
            (
                "TimestampLessThanEqualsPath",
                r#"{"a": "2016-03-14T01:59:00Z", "b": "2016-03-14T01:59:00Z"}"#,
                true,
            ),
            (
                "TimestampGreaterThanEqualsPath",
                r#"{"a": "2016-03-14T01:59:00Z", "b": "2016-03-14T01:59:00Z"}"#,
                true,
            ),
        ];
        for &(name, input, want) in cases {
            assert_eq!(check(&rule(name), input), Ok(want), "{name} on {input}");
        }
    }

    #[test]
    fn variables_and_context_object() {
        let input = r#"{"$vars": {"guess": "the_answer", "answer": "the_answer"},
                        "$$": {"Execution": {"Input": {"input-value": 0}}}}"#;
        let rule = r#"{"Variable": "$guess", "StringEqualsPath": "$answer"}"#;
        assert_eq!(check(rule, input), Ok(true));
        let rule = r#"{"Variable": "$$.Execution.Input.input-value", "NumericLessThanEquals": 0}"#;
        assert_eq!(check(rule, input), Ok(true));
    }

    #[test]
    fn missing_paths() {
        let missing =
            "Invalid path '$.nope': The choice state's condition path references an invalid value.";
        let cases: &[(&str, Result<bool, &str>)] = &[
            (r#"{"Variable": "$.nope", "IsPresent": true}"#, Ok(false)),
            (r#"{"Variable": "$.nope", "IsPresent": false}"#, Ok(true)),
            (r#"{"Variable": "$.nope", "IsNull": false}"#, Err(missing)),
            (
                r#"{"Variable": "$.nope", "StringEquals": "x"}"#,
                Err(missing),
            ),
            (
                r#"{"Variable": "$.nope", "NumericEquals": 0}"#,
                Err(missing),
            ),
            (
                r#"{"Variable": "$.v", "NumericEqualsPath": "$.nope"}"#,
                Err(missing),
            ),
            (
                r#"{"Variable": "$.nope", "NumericEqualsPath": "$.v"}"#,
                Err(missing),
            ),
            (
                r#"{"Variable": "$.boom", "IsPresent": true}"#,
                Err("Invalid path '$.boom' : boom"),
            ),
            (
                r#"{"Variable": "$.v", "StringEqualsPath": "$.boom.x"}"#,
                Err("Invalid path '$.boom.x' : boom"),
            ),
        ];
        for &(rule, want) in cases {
            let want = want.map_err(str::to_string);
            assert_eq!(check(rule, r#"{"v": 1}"#), want, "{rule}");
        }
    }

    #[test]
    fn is_present_treats_no_such_property_as_absent() {
        let rule = json!({"Variable": "$.a", "IsPresent": true});
        let condition = Condition::parse(&rule, "", false, &mut Vec::new()).unwrap();
        let mut resolve = |_: &Path| -> Result<Option<Value>, PathError> {
            Err(PathError::NoResults {
                path: "$['a']".into(),
            })
        };
        assert_eq!(condition.eval(&mut resolve), Ok(false));
    }

    #[test]
    fn boolean_expressions() {
        let twenties = r#"{"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20},
                                   {"Variable": "$.value", "NumericLessThan": 30}]}"#;
        let either = r#"{"Or": [{"Variable": "$.a", "IsNull": true},
                                {"Not": {"Variable": "$.b", "StringEquals": "x"}}]}"#;
        let nested = r#"{"And": [{"IsPresent": true, "Variable": "$"},
                                 {"And": [{"IsNumeric": true, "Variable": "$"},
                                          {"NumericEquals": 3, "Variable": "$"}]}]}"#;
        let cases: &[(&str, &str, bool)] = &[
            (twenties, r#"{"value": 25}"#, true),
            (twenties, r#"{"value": 30}"#, false),
            (twenties, r#"{"value": "25"}"#, false),
            (either, r#"{"a": null, "b": "x"}"#, true),
            (either, r#"{"a": 1, "b": "x"}"#, false),
            (either, r#"{"a": 1, "b": "y"}"#, true),
            (
                r#"{"Not": {"Variable": "$.v", "IsNull": true}}"#,
                r#"{"v": 1}"#,
                true,
            ),
            (nested, "3", true),
            (nested, "4", false),
            (nested, r#""3""#, false),
        ];
        for &(rule, input, want) in cases {
            assert_eq!(check(rule, input), Ok(want), "{rule} on {input}");
        }
    }

    #[test]
    fn and_or_short_circuit_before_missing_paths() {
        let and = r#"{"And": [{"Variable": "$.v", "IsPresent": false},
                              {"Variable": "$.v", "NumericEquals": 1}]}"#;
        assert!(
            check(and, "{}").is_err(),
            "the second test reads the missing $.v"
        );
        let guarded = r#"{"And": [{"Variable": "$.v", "IsPresent": true},
                                  {"Variable": "$.v", "NumericEquals": 1}]}"#;
        assert_eq!(check(guarded, "{}"), Ok(false));
        let or = r#"{"Or": [{"Variable": "$.v", "IsPresent": false},
                            {"Variable": "$.v", "NumericEquals": 1}]}"#;
        assert_eq!(check(or, "{}"), Ok(true));
    }

    #[test]
    fn paths_lists_every_read() {
        let rule = json!({"And": [
            {"Variable": "$.a", "StringEqualsPath": "$.b"},
            {"Not": {"Variable": "$$.State.Name", "IsPresent": true}},
        ]});
        let condition = Condition::parse(&rule, "", false, &mut Vec::new()).unwrap();
        let sources: Vec<&str> = condition.paths().iter().map(|p| p.source()).collect();
        assert_eq!(sources, ["$.a", "$.b", "$$.State.Name"]);
    }
}
