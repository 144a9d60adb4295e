//! Expectations of a case — final status, output (exact or partial), error and cause, the states
//! entered — and checking them against what the execution did.

use super::diff::{Match, brief, first_difference};
use super::spec::{Fields, SpecError, err};
use crate::engine::Status;
use serde_json::Value;

const STATUSES: [&str; 4] = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

/// What a case expects. With nothing given, the execution must succeed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expect {
    /// Default: `SUCCEEDED`, unless `error` or `cause` is given (then any closed status but
    /// `SUCCEEDED`).
    pub status: Option<String>,
    pub output: Option<Value>,
    /// Every field given must be there with this value; other fields may be there too.
    pub output_contains: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub cause_contains: Option<String>,
    /// Every state entered, in order (states of Map iterations and Parallel branches included).
    pub states: Option<Vec<String>>,
    pub visited: Vec<String>,
    pub not_visited: Vec<String>,
}

/// What an execution did, as the expectations see it.
pub struct Observed<'a> {
    pub status: &'a Status,
    /// The states entered, in order.
    pub states: &'a [String],
}

impl Expect {
    pub fn parse(v: &Value, at: &str) -> Result<Expect, SpecError> {
        let f = Fields::new(v, at)?;
        f.only(&[
            "status",
            "output",
            "outputContains",
            "error",
            "cause",
            "causeContains",
            "states",
            "visited",
            "notVisited",
        ])?;
        let status = f.string("status")?;
        if let Some(s) = status.as_deref().filter(|s| !STATUSES.contains(s)) {
            return Err(err(
                &f.at("status"),
                format!("'{s}' is not a status (one of: {})", STATUSES.join(", ")),
            ));
        }
        Ok(Expect {
            status,
            output: f.get("output").cloned(),
            output_contains: f.get("outputContains").cloned(),
            error: f.string("error")?,
            cause: f.string("cause")?,
            cause_contains: f.string("causeContains")?,
            states: f.strings("states")?,
            visited: f.strings("visited")?.unwrap_or_default(),
            not_visited: f.strings("notVisited")?.unwrap_or_default(),
        })
    }

    /// The state names the expectations mention, so that a misspelt one is reported.
    pub fn state_names(&self) -> impl Iterator<Item = &str> {
        let listed = self.states.iter().flatten();
        listed
            .chain(&self.visited)
            .chain(&self.not_visited)
            .map(String::as_str)
    }

    /// Every expectation that does not hold, as a message for the user (empty: the case passed).
    pub fn check(&self, seen: &Observed) -> Vec<String> {
        let mut problems = Vec::new();
        self.check_status(seen.status, &mut problems);
        if let Status::Succeeded { output } = seen.status {
            self.check_output(output, &mut problems);
        } else if self.output.is_some() || self.output_contains.is_some() {
            problems.push("an output was expected, but the execution did not succeed".into());
        }
        self.check_error(seen.status, &mut problems);
        self.check_states(seen.states, &mut problems);
        problems
    }

    fn check_status(&self, status: &Status, problems: &mut Vec<String>) {
        let actual = status.name();
        let ok = match self.status.as_deref() {
            Some(expected) => expected == actual,
            None if self.error.is_some()
                || self.cause.is_some()
                || self.cause_contains.is_some() =>
            {
                !matches!(status, Status::Succeeded { .. })
            }
            None => matches!(status, Status::Succeeded { .. }),
        };
        if !ok {
            let expected = self.status.as_deref().unwrap_or(if self.error.is_some() {
                "a failure"
            } else {
                "SUCCEEDED"
            });
            problems.push(format!(
                "status\n  expected: {expected}\n  actual:   {actual}{}",
                failure_detail(status)
            ));
        }
    }

    fn check_output(&self, output: &Value, problems: &mut Vec<String>) {
        let checks = [
            (&self.output, Match::Exact, "output"),
            (
                &self.output_contains,
                Match::Partial,
                "output (outputContains)",
            ),
        ];
        for (expected, mode, what) in checks {
            if let Some(d) = expected
                .as_ref()
                .and_then(|e| first_difference(e, output, mode))
            {
                problems.push(d.describe(what));
            }
        }
    }

    fn check_error(&self, status: &Status, problems: &mut Vec<String>) {
        let (error, cause) = match status {
            Status::Failed { error, cause }
            | Status::TimedOut { error, cause }
            | Status::Aborted { error, cause } => (error.as_deref(), cause.as_deref()),
            _ => (None, None),
        };
        let mut compare =
            |what: &str, expected: &Option<String>, actual: Option<&str>, ok: bool| {
                if let Some(e) = expected.as_ref().filter(|_| !ok) {
                    problems.push(format!(
                        "{what}\n  expected: {e:?}\n  actual:   {}",
                        actual.map_or("(none)".to_string(), |a| format!("{a:?}"))
                    ));
                }
            };
        compare("error", &self.error, error, self.error.as_deref() == error);
        compare("cause", &self.cause, cause, self.cause.as_deref() == cause);
        let contains = match (&self.cause_contains, cause) {
            (Some(part), Some(c)) => c.contains(part.as_str()),
            _ => false,
        };
        compare(
            "cause (causeContains)",
            &self.cause_contains,
            cause,
            contains,
        );
    }

    fn check_states(&self, entered: &[String], problems: &mut Vec<String>) {
        if let Some(p) = self
            .states
            .as_ref()
            .and_then(|expected| sequence_difference(expected, entered))
        {
            problems.push(p);
        }
        for s in &self.visited {
            if !entered.contains(s) {
                problems.push(format!(
                    "state '{s}' was expected to be entered, but was not"
                ));
            }
        }
        for s in &self.not_visited {
            if let Some(i) = entered.iter().position(|e| e == s) {
                problems.push(format!(
                    "state '{s}' was expected not to be entered, but was (state {} of {})",
                    i + 1,
                    entered.len()
                ));
            }
        }
    }
}

/// Where two sequences of states part, with both sequences.
fn sequence_difference(expected: &[String], actual: &[String]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let i = expected
        .iter()
        .zip(actual)
        .take_while(|(e, a)| e == a)
        .count();
    let at = |s: &[String]| s.get(i).map_or("(end)".to_string(), |n| format!("'{n}'"));
    Some(format!(
        "states entered differ at position {} (states[{i}]): expected {}, actual {}\n  expected: {}\n  actual:   {}",
        i + 1,
        at(expected),
        at(actual),
        brief(&Value::from(expected.to_vec()), 300),
        brief(&Value::from(actual.to_vec()), 300),
    ))
}

/// The error and cause of a closed execution, for a status message.
fn failure_detail(status: &Status) -> String {
    match status {
        Status::Failed { error, cause }
        | Status::TimedOut { error, cause }
        | Status::Aborted { error, cause } => format!(
            " ({}{})",
            error.as_deref().unwrap_or("no error name"),
            cause
                .as_deref()
                .map(|c| format!(": {}", brief(&Value::from(c), 2000)))
                .unwrap_or_default()
        ),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(expect: Value, status: Status, states: &[&str]) -> Vec<String> {
        let e = Expect::parse(&expect, "expect").unwrap();
        let states: Vec<String> = states.iter().map(|s| s.to_string()).collect();
        e.check(&Observed {
            status: &status,
            states: &states,
        })
    }

    fn ok(output: Value) -> Status {
        Status::Succeeded { output }
    }

    fn failed(error: &str, cause: &str) -> Status {
        Status::Failed {
            error: Some(error.into()),
            cause: Some(cause.into()),
        }
    }

    #[test]
    fn holds() {
        for (expect, status, states) in [
            (json!({}), ok(json!(1)), vec!["A"]),
            (json!({"output": {"a": 1.0}}), ok(json!({"a": 1})), vec![]),
            (
                json!({"outputContains": {"a": 1}}),
                ok(json!({"a": 1, "b": 2})),
                vec![],
            ),
            (json!({"error": "E"}), failed("E", "c"), vec![]),
            (
                json!({"status": "FAILED", "causeContains": "oo"}),
                failed("E", "foo"),
                vec![],
            ),
            (
                json!({"states": ["A", "B"], "visited": ["B"], "notVisited": ["C"]}),
                ok(json!(1)),
                vec!["A", "B"],
            ),
        ] {
            assert_eq!(
                problems(expect.clone(), status, &states),
                Vec::<String>::new(),
                "{expect}"
            );
        }
    }

    #[test]
    fn fails_with_a_message() {
        for (expect, status, states, message) in [
            (
                json!({}),
                failed("E", "boom"),
                vec![],
                "status\n  expected: SUCCEEDED\n  actual:   FAILED (E: \"boom\")",
            ),
            (
                json!({"output": {"a": 1}}),
                ok(json!({"a": 2})),
                vec![],
                "output differs at $.a",
            ),
            (
                json!({"error": "X"}),
                failed("E", "c"),
                vec![],
                "error\n  expected: \"X\"\n  actual:   \"E\"",
            ),
            (
                json!({"states": ["A", "B"]}),
                ok(json!(1)),
                vec!["A", "C"],
                "states entered differ at position 2 (states[1]): expected 'B', actual 'C'",
            ),
            (
                json!({"visited": ["Z"]}),
                ok(json!(1)),
                vec!["A"],
                "state 'Z' was expected to be entered",
            ),
            (
                json!({"output": 1}),
                failed("E", "c"),
                vec![],
                "an output was expected",
            ),
        ] {
            let got = problems(expect.clone(), status, &states);
            assert!(
                got.iter().any(|p| p.starts_with(message)),
                "{expect}: {got:?}"
            );
        }
    }

    #[test]
    fn rejects_unknown_statuses() {
        let e = Expect::parse(&json!({"status": "OK"}), "expect").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("expect.status: 'OK' is not a status")
        );
    }
}
