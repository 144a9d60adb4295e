//! Rule objects → `Condition`s. Every problem is reported at the JSON Pointer of the field that
//! has it, and parsing carries on past it so one load shows the user all of them.

use super::{Check, Comparison, Condition, Family, Literal, OPERATORS, Operator, Pattern, Test};
use crate::data::diagnostic::{Diagnostic, escape_token};
use crate::data::jsonpath::Path;
use crate::data::timestamp::parse_rfc3339;
use serde_json::{Map, Value};

const CODE: &str = "SCHEMA_VALIDATION_FAILED";

/// The fields a rule may have besides the operators; used to suggest a spelling.
const OTHER_FIELDS: [&str; 7] = ["Variable", "And", "Or", "Not", "Next", "Assign", "Comment"];

/// What an operator's name says about its operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// A comparison; `true` for the `*Path` form.
    Compare(Family, bool),
    Matches,
    Is(Check),
}

/// A rule's fields, sorted by role before any of them is checked.
#[derive(Default)]
struct Fields<'a> {
    variable: Option<&'a Value>,
    /// `And`, `Or`, `Not`: more than one is an error, reported when building.
    connectives: Vec<(&'a str, &'a Value)>,
    operators: Vec<(&'static str, Spec, &'a Value)>,
    has_next: bool,
    /// An unknown field that was evidently meant as the test (`stringEquals`, `Condition`):
    /// its own diagnostic says what to do, so "no operator" would only repeat it.
    stand_in: bool,
}

/// See `Condition::parse`.
pub(super) fn rule(
    value: &Value,
    pointer: &str,
    top_level: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    let before = diags.len();
    let Some(map) = value.as_object() else {
        let message = format!(
            "A Choice rule must be a JSON object, but this is {}; write it like {{\"Variable\": \"$.status\", \"StringEquals\": \"done\"}}",
            describe(value)
        );
        report(diags, pointer.to_string(), message);
        return None;
    };
    let fields = Fields::sort(map, pointer, top_level, diags);
    let condition = fields.build(pointer, top_level, diags);
    if diags.len() == before {
        condition
    } else {
        None
    }
}

impl<'a> Fields<'a> {
    fn sort(
        map: &'a Map<String, Value>,
        pointer: &str,
        top_level: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Fields<'a> {
        let mut fields = Fields::default();
        for (key, value) in map {
            match key.as_str() {
                "Variable" => fields.variable = Some(value),
                "And" | "Or" | "Not" => fields.connectives.push((key, value)),
                "Next" if top_level => fields.has_next = true,
                // The loader reads these on top-level rules and reports their problems.
                "Assign" | "Comment" if top_level => {}
                "Comment" => check_comment(value, pointer, diags),
                _ => match lookup(key) {
                    Some((name, spec)) => fields.operators.push((name, spec, value)),
                    None => {
                        fields.stand_in |= meant_as_test(key);
                        report(diags, field(pointer, key), unsupported(key, top_level));
                    }
                },
            }
        }
        fields
    }

    fn build(
        self,
        pointer: &str,
        top_level: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Condition> {
        if top_level && !self.has_next {
            let message = "The field 'Next' is required but was missing; every rule in 'Choices' must name the state to go to when it matches";
            report(diags, field(pointer, "Next"), message.to_string());
        }
        if self.connectives.is_empty() {
            self.build_test(pointer, diags)
        } else {
            self.build_connective(pointer, diags)
        }
    }

    fn build_connective(self, pointer: &str, diags: &mut Vec<Diagnostic>) -> Option<Condition> {
        let (&(first, value), others) = self.connectives.split_first()?;
        let built = connective(first, value, &field(pointer, first), diags);
        for &(key, value) in others {
            connective(key, value, &field(pointer, key), diags);
            let message = format!(
                "Fields '{first}' and '{key}' cannot be used in the same rule; nest one inside the other, e.g. {}",
                nesting_example(first, key)
            );
            report(diags, field(pointer, key), message);
        }
        if self.variable.is_some() {
            let message = format!(
                "Field 'Variable' is not supported together with '{first}'; move 'Variable' and its operator into a rule inside '{first}'"
            );
            report(diags, field(pointer, "Variable"), message);
        }
        for &(name, spec, value) in &self.operators {
            let message = format!(
                "Field '{name}' is not supported together with '{first}'; move 'Variable' and '{name}' into a rule inside '{first}'"
            );
            report(diags, field(pointer, name), message);
            operand(name, spec, value, pointer, diags);
        }
        built
    }

    fn build_test(self, pointer: &str, diags: &mut Vec<Diagnostic>) -> Option<Condition> {
        if self.operators.is_empty() && self.stand_in {
            return None;
        }
        if self.variable.is_none() && self.operators.is_empty() {
            let message = "The rule has no condition; give it 'Variable' and one comparison operator (e.g. {\"Variable\": \"$.status\", \"StringEquals\": \"done\"}), or one of 'And', 'Or', 'Not'";
            report(diags, pointer.to_string(), message.to_string());
            return None;
        }
        let variable = self.variable_path(pointer, diags);
        let (name, operator) = self.single_operator(pointer, diags)?;
        Some(Condition::Test(Test {
            variable: variable?,
            operator,
            name,
        }))
    }

    fn variable_path(&self, pointer: &str, diags: &mut Vec<Diagnostic>) -> Option<Path> {
        match (self.variable, self.operators.first()) {
            (Some(value), _) => path_operand("Variable", value, pointer, diags),
            (None, Some((name, ..))) => {
                let message = format!(
                    "The field 'Variable' is required but was missing; give the path of the value '{name}' tests, e.g. \"Variable\": \"$.status\""
                );
                report(diags, field(pointer, "Variable"), message);
                None
            }
            (None, None) => None,
        }
    }

    /// The rule's one operator, parsed. Operands of any extra operators are checked too, so
    /// their own problems show up in the same load.
    fn single_operator(
        &self,
        pointer: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(&'static str, Operator)> {
        let Some((&(name, spec, value), others)) = self.operators.split_first() else {
            let message = "The rule has 'Variable' but no comparison operator; add exactly one, such as 'StringEquals', 'NumericLessThan' or 'IsPresent'";
            report(diags, pointer.to_string(), message.to_string());
            return None;
        };
        let operator = operand(name, spec, value, pointer, diags);
        for &(other, spec, value) in others {
            let message = format!(
                "Fields '{name}' and '{other}' cannot be used in the same rule; a rule takes exactly one comparison operator, so combine tests with \"And\": [{{...}}, {{...}}]"
            );
            report(diags, field(pointer, other), message);
            operand(other, spec, value, pointer, diags);
        }
        Some((name, operator?))
    }
}

/// `And`/`Or` (an array of rules) or `Not` (one rule), at `here`.
fn connective(
    key: &str,
    value: &Value,
    here: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    if key == "Not" {
        if value.is_array() {
            let message = "The value for the field 'Not' must be a single Choice rule object, not an array; to negate several tests, write {\"Not\": {\"And\": [...]}}";
            report(diags, here.to_string(), message.to_string());
            return None;
        }
        return rule(value, here, false, diags).map(|c| Condition::Not(Box::new(c)));
    }
    let rules = rule_list(key, value, here, diags)?;
    Some(if key == "And" {
        Condition::And(rules)
    } else {
        Condition::Or(rules)
    })
}

fn rule_list(
    key: &str,
    value: &Value,
    here: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Condition>> {
    let Some(items) = value.as_array() else {
        let message = format!(
            "The value for the field '{key}' must be an array of Choice rules, but it is {}; write it like \"{key}\": [{{\"Variable\": \"$.a\", \"IsPresent\": true}}, ...]",
            describe(value)
        );
        report(diags, here.to_string(), message);
        return None;
    };
    if items.is_empty() {
        let message =
            format!("Value cannot be empty; give '{key}' at least one rule, or remove it");
        report(diags, here.to_string(), message);
        return None;
    }
    // Parse every item before combining, so each one's problems are reported.
    let parsed: Vec<Option<Condition>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| rule(item, &format!("{here}/{i}"), false, diags))
        .collect();
    parsed.into_iter().collect()
}

/// Parses the operand of operator `name` (found in the rule at `pointer`).
fn operand(
    name: &'static str,
    spec: Spec,
    value: &Value,
    pointer: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Operator> {
    match spec {
        Spec::Compare(family, true) => {
            path_operand(name, value, pointer, diags).map(|path| Operator::Path(family, path))
        }
        Spec::Compare(family, false) => {
            literal(name, family, value, &field(pointer, name), diags).map(Operator::Literal)
        }
        Spec::Matches => pattern(value, &field(pointer, name), diags).map(Operator::Matches),
        Spec::Is(check) => {
            let flag = value.as_bool();
            if flag.is_none() {
                let message = wrong_type(name, "true or false", value, quoted_bool_hint(value));
                report(diags, field(pointer, name), message);
            }
            flag.map(|want| Operator::Is(check, want))
        }
    }
}

/// `Variable` or a `*Path` operand: a string holding a path.
fn path_operand(
    name: &str,
    value: &Value,
    pointer: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Path> {
    let parsed = match value.as_str() {
        Some(text) => Path::parse(text).map_err(|e| e.message),
        None => Err(format!("it is {}", describe(value))),
    };
    parsed
        .map_err(|why| {
            let message = format!(
                "The value for the field '{name}' must be a valid JSONPath such as \"$.status\", \"$$.Execution.Input\" or \"$myVariable\" ({why})"
            );
            report(diags, field(pointer, name), message);
        })
        .ok()
}

fn literal(
    name: &str,
    family: Family,
    value: &Value,
    here: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Literal> {
    let (parsed, expected) = match family {
        Family::String(c) => (
            value.as_str().map(|s| Literal::String(c, s.to_string())),
            "a string",
        ),
        Family::Numeric(c) => (value.as_f64().map(|n| Literal::Numeric(c, n)), "a number"),
        Family::Boolean => (value.as_bool().map(Literal::Boolean), "true or false"),
        Family::Timestamp(c) => return timestamp(name, c, value, here, diags),
    };
    if parsed.is_none() {
        let hint = path_hint(name, value).or_else(|| match family {
            Family::Numeric(_) => quoted_number_hint(value),
            _ => quoted_bool_hint(value),
        });
        report(
            diags,
            here.to_string(),
            wrong_type(name, expected, value, hint),
        );
    }
    parsed
}

fn timestamp(
    name: &str,
    c: Comparison,
    value: &Value,
    here: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Literal> {
    let Some(text) = value.as_str() else {
        let expected = "a string with an RFC3339 timestamp";
        report(
            diags,
            here.to_string(),
            wrong_type(name, expected, value, None),
        );
        return None;
    };
    let instant = parse_rfc3339(text);
    if instant.is_none() {
        let hint = path_hint(name, value).unwrap_or_else(|| {
            "write it like \"2016-03-14T01:59:00Z\": uppercase 'T', seconds, optional fraction, and 'Z' or an offset such as \"+02:00\"".to_string()
        });
        let message = format!("String does not match RFC3339 timestamp; {hint}");
        report(diags, here.to_string(), message);
    }
    instant.map(|t| Literal::Timestamp(c, t))
}

fn pattern(value: &Value, here: &str, diags: &mut Vec<Diagnostic>) -> Option<Pattern> {
    let compiled = match value.as_str() {
        Some(text) => Pattern::compile(text).map_err(|why| {
            format!(
                "The value for the field 'StringMatches' is not a valid pattern: {why}; only '*' is a wildcard, and a backslash may only escape '*' or '\\' (in JSON source, \"\\\\*\" is a literal star and \"\\\\\\\\\" a literal backslash)"
            )
        }),
        None => Err(wrong_type("StringMatches", "a string", value, None)),
    };
    compiled
        .map_err(|message| report(diags, here.to_string(), message))
        .ok()
}

fn check_comment(value: &Value, pointer: &str, diags: &mut Vec<Diagnostic>) {
    if !value.is_string() {
        let message = wrong_type("Comment", "a string", value, None);
        report(diags, field(pointer, "Comment"), message);
    }
}

/// The operator named `key`, with its `'static` name and what it takes.
fn lookup(key: &str) -> Option<(&'static str, Spec)> {
    let name = *OPERATORS.iter().find(|name| **name == key)?;
    Some((name, spec_of(name)?))
}

/// Reads an operator's meaning off its name: `[String|Numeric|Timestamp]<Comparison>[Path]`,
/// `BooleanEquals[Path]`, `StringMatches`, `Is<Check>`.
fn spec_of(name: &str) -> Option<Spec> {
    if let Some(check) = name.strip_prefix("Is") {
        return check_of(check).map(Spec::Is);
    }
    if name == "StringMatches" {
        return Some(Spec::Matches);
    }
    let (base, is_path) = match name.strip_suffix("Path") {
        Some(base) => (base, true),
        None => (name, false),
    };
    let family = if base == "BooleanEquals" {
        Family::Boolean
    } else if let Some(rest) = base.strip_prefix("String") {
        Family::String(comparison_of(rest)?)
    } else if let Some(rest) = base.strip_prefix("Numeric") {
        Family::Numeric(comparison_of(rest)?)
    } else {
        Family::Timestamp(comparison_of(base.strip_prefix("Timestamp")?)?)
    };
    Some(Spec::Compare(family, is_path))
}

fn comparison_of(name: &str) -> Option<Comparison> {
    Some(match name {
        "Equals" => Comparison::Equals,
        "LessThan" => Comparison::LessThan,
        "GreaterThan" => Comparison::GreaterThan,
        "LessThanEquals" => Comparison::LessThanEquals,
        "GreaterThanEquals" => Comparison::GreaterThanEquals,
        _ => return None,
    })
}

fn check_of(name: &str) -> Option<Check> {
    Some(match name {
        "Null" => Check::Null,
        "Present" => Check::Present,
        "Numeric" => Check::Numeric,
        "String" => Check::String,
        "Boolean" => Check::Boolean,
        "Timestamp" => Check::Timestamp,
        _ => return None,
    })
}

/// `{"And": [{"Or": [...]}, ...]}`, shaped for the two connectives named.
fn nesting_example(outer: &str, inner: &str) -> String {
    let inner = match inner {
        "Not" => "{\"Not\": {...}}".to_string(),
        _ => format!("{{\"{inner}\": [...]}}"),
    };
    match outer {
        "Not" => format!("{{\"Not\": {inner}}}"),
        _ => format!("{{\"{outer}\": [{inner}, ...]}}"),
    }
}

fn meant_as_test(key: &str) -> bool {
    key == "Condition" || OPERATORS.iter().any(|name| name.eq_ignore_ascii_case(key))
}

fn unsupported(key: &str, top_level: bool) -> String {
    let mut known = OPERATORS.iter().chain(OTHER_FIELDS.iter());
    if let Some(name) = known.find(|name| name.eq_ignore_ascii_case(key) && **name != key) {
        return format!(
            "Field '{key}' is not supported; did you mean '{name}'? Field names are case-sensitive"
        );
    }
    match key {
        "Next" | "Assign" => format!(
            "Field '{key}' is not supported in a nested rule; only a rule directly in 'Choices' may carry '{key}', so move it to the enclosing top-level rule"
        ),
        "Condition" | "Output" => format!(
            "Field '{key}' is not supported in a JSONPath Choice rule; it belongs to JSONata rules, so set \"QueryLanguage\": \"JSONata\", or test with 'Variable' and an operator such as 'StringEquals'"
        ),
        _ if top_level => format!(
            "Field '{key}' is not supported; a top-level Choice rule holds 'Next', optional 'Assign' and 'Comment', and either 'Variable' with one comparison operator (such as 'StringEquals') or one of 'And', 'Or', 'Not'"
        ),
        _ => format!(
            "Field '{key}' is not supported; a nested Choice rule holds either 'Variable' with one comparison operator (such as 'StringEquals') or one of 'And', 'Or', 'Not', and optionally 'Comment'"
        ),
    }
}

fn wrong_type(name: &str, expected: &str, value: &Value, hint: Option<String>) -> String {
    let hint = hint.map(|h| format!("; {h}")).unwrap_or_default();
    format!(
        "The value for the field '{name}' must be {expected}, but it is {}{hint}",
        describe(value)
    )
}

/// `"NumericEquals": "$.limit"` means the `*Path` form.
fn path_hint(name: &str, value: &Value) -> Option<String> {
    let text = value.as_str()?;
    text.starts_with('$').then(|| {
        format!("to compare with the value at '{text}', use '{name}Path' instead of '{name}'")
    })
}

fn quoted_number_hint(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    text.trim().parse::<f64>().ok().map(|_| {
        format!(
            "write the number without quotes ({text}), or use a String operator to compare strings"
        )
    })
}

fn quoted_bool_hint(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    matches!(text, "true" | "false").then(|| format!("write {text} without quotes"))
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn field(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_token(key))
}

fn report(diags: &mut Vec<Diagnostic>, pointer: String, message: String) {
    diags.push(Diagnostic {
        code: CODE,
        pointer: Some(pointer),
        message,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AT: &str = "/States/C/Choices/0";

    /// Parses `rule` at `AT` and gives (pointer below `AT`, message) for every diagnostic.
    fn problems(rule: Value, top_level: bool) -> Vec<(String, String)> {
        let mut diags = Vec::new();
        let parsed = Condition::parse(&rule, AT, top_level, &mut diags);
        assert_eq!(parsed.is_some(), diags.is_empty(), "{rule}: {diags:?}");
        diags
            .into_iter()
            .map(|d| {
                assert_eq!(d.code, CODE);
                let pointer = d.pointer.unwrap_or_default();
                (
                    pointer.strip_prefix(AT).unwrap_or(&pointer).to_string(),
                    d.message,
                )
            })
            .collect()
    }

    /// Each expected problem is (pointer below `AT`, a piece of the message).
    fn expect(rule: Value, top_level: bool, want: &[(&str, &str)]) {
        let got = problems(rule.clone(), top_level);
        assert_eq!(got.len(), want.len(), "{rule}: {got:#?}");
        for ((pointer, message), (want_pointer, want_text)) in got.iter().zip(want) {
            assert_eq!(pointer, want_pointer, "{rule}: {message}");
            assert!(
                message.contains(want_text),
                "{rule}: {message:?} lacks {want_text:?}"
            );
        }
    }

    #[test]
    fn every_operator_name_has_a_meaning() {
        for name in OPERATORS {
            assert!(lookup(name).is_some(), "{name}");
        }
        let mut names = OPERATORS.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 39);
        for bogus in [
            "StringMatchesPath",
            "IsNullPath",
            "BooleanLessThan",
            "NumericMatches",
        ] {
            assert_eq!(lookup(bogus), None, "{bogus}");
        }
    }

    #[test]
    fn valid_rules_have_no_problems() {
        let rules = [
            json!({"Variable": "$.a", "StringEquals": "x", "Next": "N"}),
            json!({"Variable": "$.a", "StringMatches": "log-\\*-*.txt", "Next": "N"}),
            json!({"Variable": "$.a", "NumericEquals": 1.5, "Next": "N", "Comment": "c"}),
            json!({"Variable": "$.a", "BooleanEquals": false, "Next": "N", "Assign": {"x": 1}}),
            json!({"Variable": "$.a", "TimestampLessThan": "2016-03-14T01:59:00+01:00", "Next": "N"}),
            json!({"Variable": "$$.State.Name", "IsString": true, "Next": "N"}),
            json!({"Variable": "$count", "NumericLessThanPath": "$.limit", "Next": "N"}),
            json!({"Not": {"Variable": "$.a", "IsNull": true, "Comment": "why"}, "Next": "N"}),
            json!({"Or": [{"And": [{"Variable": "$.a", "IsPresent": true}]}], "Next": "N"}),
        ];
        for rule in rules {
            expect(rule, true, &[]);
        }
    }

    #[test]
    fn field_problems() {
        expect(
            json!({"Variable": "$.a", "StringEquals": "x", "Foo": 1, "Next": "N"}),
            true,
            &[("/Foo", "Field 'Foo' is not supported")],
        );
        expect(
            json!({"Variable": "$.a", "stringEquals": "x", "Next": "N"}),
            true,
            &[("/stringEquals", "did you mean 'StringEquals'?")],
        );
        expect(
            json!({"Variable": "$.a", "StringEquals": "x"}),
            true,
            &[("/Next", "The field 'Next' is required but was missing")],
        );
        expect(
            json!({"Condition": "{% true %}", "Next": "N"}),
            true,
            &[("/Condition", "\"QueryLanguage\": \"JSONata\"")],
        );
        expect(
            json!({"And": [{"Variable": "$.a", "IsNull": true, "Next": "N", "Assign": {}}], "Next": "N"}),
            true,
            &[
                (
                    "/And/0/Next",
                    "Field 'Next' is not supported in a nested rule",
                ),
                (
                    "/And/0/Assign",
                    "Field 'Assign' is not supported in a nested rule",
                ),
            ],
        );
        expect(
            json!({"Not": {"Variable": "$.a", "IsNull": true, "Comment": 3}}),
            false,
            &[("/Not/Comment", "must be a string, but it is a number")],
        );
        expect(
            json!({"Variable": "$.a", "IsNull": true, "a/b~": 1}),
            false,
            &[("/a~1b~0", "Field 'a/b~' is not supported")],
        );
    }

    #[test]
    fn shape_problems() {
        expect(
            json!({"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1}),
            false,
            &[(
                "/NumericEquals",
                "Fields 'StringEquals' and 'NumericEquals' cannot be used",
            )],
        );
        expect(
            json!({"Variable": "$.a"}),
            false,
            &[("", "has 'Variable' but no comparison operator")],
        );
        expect(
            json!({"StringEquals": "x"}),
            false,
            &[(
                "/Variable",
                "The field 'Variable' is required but was missing",
            )],
        );
        expect(
            json!({"Not": {"Variable": "$.a", "IsNull": true}, "And": [{"Variable": "$.a", "IsNull": true}]}),
            false,
            &[("/And", "e.g. {\"Not\": {\"And\": [...]}}")],
        );
        expect(
            json!({"Or": [{"Variable": "$.a", "IsNull": true}], "Not": {"Variable": "$.a", "IsNull": true}}),
            false,
            &[("/Not", "e.g. {\"Or\": [{\"Not\": {...}}, ...]}")],
        );
        expect(json!({}), false, &[("", "The rule has no condition")]);
        expect(
            json!("$.a"),
            false,
            &[("", "must be a JSON object, but this is a string")],
        );
        expect(
            json!({"And": [], "Next": "N"}),
            true,
            &[("/And", "Value cannot be empty")],
        );
        expect(
            json!({"Or": {"Variable": "$.a", "IsNull": true}}),
            false,
            &[(
                "/Or",
                "must be an array of Choice rules, but it is an object",
            )],
        );
        expect(
            json!({"Not": [{"Variable": "$.a", "IsNull": true}]}),
            false,
            &[("/Not", "not an array")],
        );
        expect(
            json!({"And": [{"Variable": "$.a", "IsNull": true}], "Or": [], "Variable": "$.b", "IsNull": true}),
            false,
            &[
                ("/Or", "Value cannot be empty"),
                (
                    "/Or",
                    "Fields 'And' and 'Or' cannot be used in the same rule",
                ),
                ("/Variable", "not supported together with 'And'"),
                ("/IsNull", "not supported together with 'And'"),
            ],
        );
    }

    #[test]
    fn every_nested_problem_is_reported() {
        expect(
            json!({"And": [
                {"Variable": "$.a", "NumericEquals": "1"},
                {"Or": [{"Variable": 5, "IsNull": "yes"}, 7]},
                {"Not": {"Variable": "$.c", "StringMatches": "\\d"}},
            ], "Next": "N"}),
            true,
            &[
                ("/And/0/NumericEquals", "write the number without quotes"),
                ("/And/1/Or/0/Variable", "must be a valid JSONPath"),
                (
                    "/And/1/Or/0/IsNull",
                    "must be true or false, but it is a string",
                ),
                ("/And/1/Or/1", "must be a JSON object, but this is a number"),
                ("/And/2/Not/StringMatches", "'\\d' is not a valid escape"),
            ],
        );
    }

    #[test]
    fn operand_types() {
        let cases: &[(&str, Value, &str)] = &[
            (
                "StringEquals",
                json!(1),
                "must be a string, but it is a number",
            ),
            (
                "StringLessThanEquals",
                json!(null),
                "must be a string, but it is null",
            ),
            (
                "StringMatches",
                json!(["*"]),
                "must be a string, but it is an array",
            ),
            ("StringMatches", json!("abc\\"), "lone backslash"),
            (
                "NumericEquals",
                json!("$.b"),
                "use 'NumericEqualsPath' instead",
            ),
            (
                "NumericGreaterThan",
                json!(true),
                "must be a number, but it is a boolean",
            ),
            ("BooleanEquals", json!("true"), "write true without quotes"),
            (
                "BooleanEquals",
                json!(0),
                "must be true or false, but it is a number",
            ),
            (
                "TimestampEquals",
                json!("2016-03-14 01:59:00Z"),
                "String does not match RFC3339 timestamp",
            ),
            (
                "TimestampEquals",
                json!("2016-02-30T01:59:00Z"),
                "String does not match RFC3339 timestamp",
            ),
            (
                "TimestampGreaterThanEquals",
                json!(1457920740),
                "must be a string with an RFC3339",
            ),
            (
                "TimestampLessThan",
                json!("$.when"),
                "use 'TimestampLessThanPath'",
            ),
            ("IsPresent", json!("false"), "write false without quotes"),
            ("IsTimestamp", json!(1), "must be true or false"),
            ("StringEqualsPath", json!("x"), "must be a valid JSONPath"),
            ("NumericLessThanPath", json!(3), "must be a valid JSONPath"),
            (
                "TimestampEqualsPath",
                json!(null),
                "must be a valid JSONPath",
            ),
        ];
        for (name, operand, want) in cases {
            let mut rule = json!({"Variable": "$.a"});
            rule[*name] = operand.clone();
            expect(rule, false, &[(&format!("/{name}"), want)]);
        }
    }

    #[test]
    fn string_operands_that_look_like_paths_are_literals() {
        expect(
            json!({"Variable": "$.a", "StringEquals": "$.b"}),
            false,
            &[],
        );
    }

    #[test]
    fn any_json_is_handled_without_panicking() {
        let values = [
            json!(null),
            json!(true),
            json!(0),
            json!(""),
            json!("$"),
            json!([]),
            json!({}),
            json!([{}]),
        ];
        let keys = [
            "Variable",
            "And",
            "Or",
            "Not",
            "Next",
            "StringMatches",
            "IsNull",
            "X",
        ];
        for key in keys {
            for value in &values {
                for top_level in [true, false] {
                    let rule = json!({ key: value });
                    problems(rule.clone(), top_level);
                    problems(json!({"Not": rule.clone()}), top_level);
                    problems(json!({"And": [rule.clone(), rule]}), top_level);
                }
            }
        }
    }

    /// The Choice rules in the AWS-recorded conformance cases must load cleanly.
    #[test]
    #[ignore = "needs the recorded AWS corpus: ../shared/conformance beside the clone, or STEPWISE_CONFORMANCE=FILE"]
    fn recorded_aws_choice_rules_parse() {
        let text = crate::data::recorded::text();
        let mut seen = 0;
        for line in text.lines() {
            let case: Value = serde_json::from_str(line).expect("the file is JSON lines");
            for rule in choice_rules(&case["definition"]) {
                let got = problems(rule.clone(), true);
                assert!(got.is_empty(), "{rule}: {got:?}");
                seen += 1;
            }
        }
        assert!(seen >= 10, "only {seen} JSONPath Choice rules found");
    }

    /// Every JSONPath Choice rule in a definition, at any depth.
    fn choice_rules(node: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        match node {
            Value::Object(map) => {
                if map.get("Type") == Some(&json!("Choice")) {
                    let rules = map.get("Choices").and_then(Value::as_array);
                    let jsonpath = rules
                        .into_iter()
                        .flatten()
                        .filter(|r| r.get("Condition").is_none());
                    out.extend(jsonpath.cloned());
                }
                map.values().for_each(|v| out.extend(choice_rules(v)));
            }
            Value::Array(items) => items.iter().for_each(|v| out.extend(choice_rules(v))),
            _ => {}
        }
        out
    }
}
