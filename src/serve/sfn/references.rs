//! `variableReferences` of DescribeStateMachine: for each state (at any depth), the sorted names
//! of the workflow variables it reads. JSONata states: the variables their expressions read.
//! JSONPath states: `$name` in path fields, `.$` values and intrinsic arguments (not
//! `ResultPath`, which cannot read variables).

use crate::data::jsonata::{QueryEngine, expression, shared};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// The blocks a state contains; their states are listed on their own.
const NESTED: [&str; 3] = ["Branches", "ItemProcessor", "Iterator"];

pub fn variable_references(definition: &Value) -> Value {
    let mut out = Map::new();
    let machine_jsonata =
        definition.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
    states(definition, machine_jsonata, &mut out);
    Value::Object(out)
}

fn states(block: &Value, machine_jsonata: bool, out: &mut Map<String, Value>) {
    let Some(all) = block.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in all {
        let jsonata = match state.get("QueryLanguage").and_then(Value::as_str) {
            Some(q) => q == "JSONata",
            None => machine_jsonata,
        };
        let mut names = BTreeSet::new();
        if let Some(fields) = state.as_object() {
            for (key, value) in fields.iter().filter(|(k, _)| !NESTED.contains(&k.as_str())) {
                if jsonata {
                    jsonata_reads(value, &mut names);
                } else {
                    jsonpath_reads(key, value, &mut names);
                }
            }
        }
        if !names.is_empty() {
            out.insert(name.clone(), json!(names));
        }
        for key in NESTED {
            match state.get(key) {
                Some(Value::Array(branches)) => {
                    for b in branches {
                        states(b, machine_jsonata, out);
                    }
                }
                Some(b @ Value::Object(_)) => states(b, machine_jsonata, out),
                _ => {}
            }
        }
    }
}

fn jsonata_reads(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            if let Some(analysis) = expression(s).and_then(|e| shared().check(e).ok()) {
                names.extend(analysis.variables);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| jsonata_reads(v, names)),
        Value::Object(map) => map.values().for_each(|v| jsonata_reads(v, names)),
        _ => {}
    }
}

/// `key`'s value read as JSONPath when the key is a path field or ends in `.$`.
fn jsonpath_reads(key: &str, value: &Value, names: &mut BTreeSet<String>) {
    let is_path =
        key.ends_with(".$") || (key.ends_with("Path") && key != "ResultPath") || key == "Variable";
    match value {
        Value::String(s) if is_path => variables_in(s, names),
        Value::Array(items) => items.iter().for_each(|v| {
            if let Value::Object(m) = v {
                m.iter().for_each(|(k, v)| jsonpath_reads(k, v, names));
            }
        }),
        Value::Object(map) if key != "Result" => {
            map.iter().for_each(|(k, v)| jsonpath_reads(k, v, names));
        }
        _ => {}
    }
}

/// `$name` references in a path or intrinsic call (`$.x`, `$$` and `$[` are not variables).
fn variables_in(text: &str, names: &mut BTreeSet<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$'
            && chars
                .get(i + 1)
                .is_some_and(|c| c.is_alphabetic() || *c == '_')
        {
            let start = i + 1;
            let mut end = start;
            while chars
                .get(end)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                end += 1;
            }
            names.insert(chars[start..end].iter().collect());
            i = end;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_by_state_in_both_languages() {
        let definition = json!({"StartAt": "Setup", "States": {
            "Setup": {"Type": "Pass", "Assign": {"guess": "g", "answer": "a"}, "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$guess", "StringEqualsPath": "$answer", "Next": "Fork"}], "Default": "Fork"},
            "Fork": {"Type": "Parallel", "End": true, "ResultPath": "$.r", "Branches": [
                {"StartAt": "J", "States": {"J": {"Type": "Pass", "QueryLanguage": "JSONata",
                    "Output": {"s": "{% $sum($items) + $bias %}"}, "End": true}}},
                {"StartAt": "P", "States": {"P": {"Type": "Pass",
                    "Parameters": {"f.$": "States.Format('{}', $answer)", "lit": "$notAPath"}, "End": true}}}]}
        }});
        assert_eq!(
            variable_references(&definition),
            json!({"Check": ["answer", "guess"], "J": ["bias", "items"], "P": ["answer"]})
        );
    }
}
