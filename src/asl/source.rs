//! A definition as people keep it in their projects, made into the JSON the loader reads: JSON or
//! YAML (SAM's `.asl.yaml`), with `${NAME}` placeholders filled as CloudFormation's
//! `DefinitionSubstitutions` fills them — in the text, before parsing, so that a placeholder may
//! stand for a number (`"Seconds": ${Timeout}`), a string, or part of one.
//!
//! Placeholders nothing fills are errors (`UNRESOLVED_PLACEHOLDER`), or, when allowed, warnings
//! with stand-ins that validate: a number where the placeholder is unquoted, its name inside a
//! string, and a Lambda function of that name where it is a whole `Resource` (so that a mock,
//! `--task` or `--lambda NAME=COMMAND` can serve it at run time).

use crate::data::diagnostic::Diagnostic;
use serde_json::Value;
use std::collections::BTreeMap;

pub const UNRESOLVED: &str = "UNRESOLVED_PLACEHOLDER";

/// How placeholders are filled.
#[derive(Debug, Clone, Default)]
pub struct Substitutions {
    pub values: BTreeMap<String, String>,
    /// Accept placeholders nothing fills (as warnings), with stand-ins.
    pub allow_unresolved: bool,
}

/// A definition ready for the loader.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The definition as JSON text.
    pub json: String,
    /// The text after substitution (where diagnostics' lines are counted).
    pub text: String,
    pub yaml: bool,
    /// Placeholders accepted unresolved.
    pub warnings: Vec<Diagnostic>,
}

impl Prepared {
    /// The definition to keep and show: the JSON text as written (substituted) when it can be,
    /// else the JSON made from YAML or with stand-ins.
    pub fn definition(&self) -> &str {
        if self.yaml || !self.warnings.is_empty() {
            &self.json
        } else {
            &self.text
        }
    }
}

/// Whether a definition is YAML: by its file name, else by its text (JSON starts with `{`).
pub fn is_yaml(name: &str, text: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return true;
    }
    if lower.ends_with(".json") {
        return false;
    }
    !matches!(text.trim_start().chars().next(), Some('{') | None)
}

/// Fills, parses and re-serializes a definition; `Err` with the problems when it cannot be read.
pub fn prepare(name: &str, text: &str, subs: &Substitutions) -> Result<Prepared, Vec<Diagnostic>> {
    let yaml = is_yaml(name, text);
    let (text, unresolved) = substitute(text, subs, yaml);
    if !unresolved.is_empty() && !subs.allow_unresolved {
        return Err(unresolved
            .iter()
            .map(|p| Diagnostic {
                code: UNRESOLVED,
                pointer: None,
                message: format!(
                    "line {}: ${{{}}} is not filled: pass --substitute {}=VALUE or --substitutions FILE (as DefinitionSubstitutions would), or --allow-unresolved to check the rest",
                    p.line, p.name, p.name
                ),
            })
            .collect());
    }
    let mut value: Value = if yaml {
        yaml_serde::from_str(&text).map_err(|e| {
            vec![Diagnostic {
                code: "INVALID_YAML_DESCRIPTION",
                pointer: None,
                message: format!("Invalid YAML: {e}"),
            }]
        })?
    } else {
        match serde_json::from_str(&text) {
            Ok(v) => v,
            // The loader words JSON errors as AWS does.
            Err(_) => {
                return Err(crate::asl::load(&text).err().unwrap_or_default());
            }
        }
    };
    let mut warnings = Vec::new();
    if subs.allow_unresolved && !unresolved.is_empty() {
        let mut found = Vec::new();
        stand_in_resources(&mut value, String::new(), &mut found);
        for p in &unresolved {
            let at = found.iter().find(|(name, _, _)| *name == p.name);
            let stand_in = match (p.stand_in, at) {
                (StandIn::Whole, Some((_, _, true))) => "a Lambda function of that name",
                (StandIn::Whole, _) => "the text as written",
                (other, _) => other.describe(),
            };
            // With a pointer, the caller shows the line; without, the message does.
            let (pointer, line) = match at {
                Some((_, ptr, _)) => (Some(ptr.clone()), String::new()),
                None => (None, format!("line {}: ", p.line)),
            };
            warnings.push(Diagnostic {
                code: UNRESOLVED,
                pointer,
                message: format!(
                    "{line}${{{}}} is not filled; checked with a stand-in ({stand_in})",
                    p.name
                ),
            });
        }
    }
    Ok(Prepared {
        json: value.to_string(),
        text,
        yaml,
        warnings,
    })
}

/// What stands in for a placeholder nothing fills.
#[derive(Debug, Clone, Copy, PartialEq)]
enum StandIn {
    /// Unquoted: a number.
    Number,
    /// A whole string: kept (a `Resource` becomes a Lambda function of that name).
    Whole,
    /// Inside a string: its name.
    Name,
}

impl StandIn {
    fn describe(self) -> &'static str {
        match self {
            StandIn::Number => "the number 1",
            StandIn::Whole => "the text as written",
            StandIn::Name => "its name",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Unresolved {
    name: String,
    line: usize,
    stand_in: StandIn,
}

/// Fills `${NAME}` from `subs` (`${!Literal}` is written `${Literal}`, as in `Fn::Sub`);
/// placeholders nothing fills get their stand-in when unresolved ones are allowed.
/// In YAML, comments are left as they are.
fn substitute(text: &str, subs: &Substitutions, yaml: bool) -> (String, Vec<Unresolved>) {
    let mut out = String::with_capacity(text.len());
    let mut unresolved = Vec::new();
    let mut quote: Option<char> = None;
    let mut line = 1;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '$'
            && rest[1..].starts_with('{')
            && let Some(end) = rest.find('}')
        {
            {
                let name = &rest[2..end];
                let valid = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '!' || c == '_')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.:-!".contains(c));
                if valid {
                    let after = &rest[end + 1..];
                    if let Some(literal) = name.strip_prefix('!') {
                        out.push_str("${");
                        out.push_str(literal);
                        out.push('}');
                    } else if let Some(v) = subs.values.get(name) {
                        out.push_str(v);
                    } else {
                        let stand_in = match quote {
                            None => StandIn::Number,
                            Some(q) if out.ends_with(q) && after.starts_with(q) => StandIn::Whole,
                            Some(_) => StandIn::Name,
                        };
                        unresolved.push(Unresolved {
                            name: name.to_string(),
                            line,
                            stand_in,
                        });
                        match (subs.allow_unresolved, stand_in) {
                            (false, _) | (true, StandIn::Whole) => out.push_str(&rest[..=end]),
                            (true, StandIn::Number) => out.push('1'),
                            (true, StandIn::Name) => out.push_str(&name.replace(['.', ':'], "_")),
                        }
                    }
                    rest = after;
                    continue;
                }
            }
        }
        if yaml
            && c == '#'
            && quote.is_none()
            && (out.is_empty() || out.ends_with([' ', '\t', '\n']))
        {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        match (c, quote) {
            ('\n', _) => {
                line += 1;
                // YAML plain scalars and single-quoted strings end with the line.
                if quote == Some('\'') {
                    quote = None;
                }
            }
            ('\\', Some('"')) => {
                out.push(c);
                rest = &rest[1..];
                if let Some(next) = rest.chars().next() {
                    out.push(next);
                    rest = &rest[next.len_utf8()..];
                }
                continue;
            }
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    (out, unresolved)
}

/// `"Resource": "${Name}"` → a Lambda function named after the placeholder; records where each
/// whole-string placeholder is, and whether it was a `Resource`.
fn stand_in_resources(v: &mut Value, at: String, found: &mut Vec<(String, String, bool)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let ptr = format!("{at}/{}", crate::data::diagnostic::escape_token(k));
                if let Some(name) = child.as_str().and_then(whole_placeholder) {
                    found.push((name.to_string(), ptr.clone(), k == "Resource"));
                    if k == "Resource" {
                        *child = Value::String(format!(
                            "arn:aws:lambda:us-east-1:123456789012:function:{}",
                            name.replace(['.', ':'], "_")
                        ));
                    }
                    continue;
                }
                stand_in_resources(child, ptr, found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                stand_in_resources(child, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

fn whole_placeholder(s: &str) -> Option<&str> {
    s.strip_prefix("${")?.strip_suffix('}')
}

/// The line (1-based) of the value a JSON pointer names in a definition's text, found by
/// following its keys in order; `None` when it cannot be told (array items are counted as
/// the lines of their `- ` or `{` markers, best effort).
pub fn line_of(text: &str, pointer: &str) -> Option<usize> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut from = 0;
    let mut found = None;
    for token in &tokens {
        if token.parse::<usize>().is_ok() {
            continue;
        }
        let quoted = format!("\"{token}\"");
        let candidates = [quoted.clone() + ":", quoted + " :", format!("{token}:")];
        let hit = candidates
            .iter()
            .filter_map(|c| text[from..].find(c.as_str()).map(|i| from + i))
            .filter(|&i| {
                // A key starts a line's content, or follows `{`, `,` or `- `.
                let before = text[..i].trim_end_matches([' ', '\t']);
                before.is_empty()
                    || before.ends_with(['\n', '{', ',', '-', '"'])
                    || text[..i].ends_with('"')
            })
            .min()?;
        from = hit + token.len();
        found = Some(text[..hit].matches('\n').count() + 1);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(pairs: &[(&str, &str)], allow: bool) -> Substitutions {
        Substitutions {
            values: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            allow_unresolved: allow,
        }
    }

    #[test]
    fn placeholders_are_filled_in_the_text() {
        let text = r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": ${Timeout}, "Next": "T"},
            "T": {"Type": "Task", "Resource": "${FnArn}", "End": true}}}"#;
        let p = prepare(
            "m.asl.json",
            text,
            &subs(
                &[
                    ("Timeout", "5"),
                    ("FnArn", "arn:aws:lambda:us-east-1:1:function:f"),
                ],
                false,
            ),
        )
        .expect("prepared");
        assert!(crate::asl::load(&p.json).is_ok(), "{}", p.json);
        assert!(p.json.contains("\"Seconds\":5"));
    }

    #[test]
    fn unresolved_placeholders_are_errors_or_warned_stand_ins() {
        let yaml = "StartAt: W\nStates:\n  W:\n    Type: Wait\n    Seconds: ${Timeout}\n    Next: T\n  T:\n    Type: Task\n    Resource: \"${FnArn}\"\n    Parameters:\n      Path: \"$.${Field}\"\n    End: true\n";
        let errors = prepare("m.asl.yaml", yaml, &subs(&[], false)).unwrap_err();
        assert_eq!(errors.len(), 3);
        assert!(
            errors[0]
                .message
                .starts_with("line 5: ${Timeout} is not filled")
        );
        let p = prepare("m.asl.yaml", yaml, &subs(&[], true)).expect("prepared");
        assert!(crate::asl::load(&p.json).is_ok(), "{}", p.json);
        assert_eq!(p.warnings.len(), 3);
        assert_eq!(p.warnings[1].pointer.as_deref(), Some("/States/T/Resource"));
        assert!(p.json.contains("function:FnArn"), "{}", p.json);
    }

    #[test]
    fn yaml_is_told_by_name_or_text() {
        assert!(is_yaml("a.asl.yaml", "{}"));
        assert!(is_yaml("a", "StartAt: A"));
        assert!(!is_yaml("a.asl.json", "StartAt: A"));
        assert!(!is_yaml("-", " {\"StartAt\": 1}"));
    }

    #[test]
    fn pointers_have_lines() {
        let json = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Pass\",\n      \"Next\": \"B\"\n    }\n  }\n}";
        assert_eq!(line_of(json, "/States/A/Next"), Some(6));
        let yaml = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: B\n";
        assert_eq!(line_of(yaml, "/States/A/Next"), Some(5));
        assert_eq!(line_of(yaml, "/States/Nope"), None);
    }
}
