//! Jayway's error texts for a definite path that does not resolve.
//!
//! The wording is Jayway's (`PathToken`, `PropertyPathToken`, `ArrayPathToken`,
//! `EvaluationContextImpl`). Where Jayway names Java classes we use the names its default
//! provider (json-smart) would report; which provider Step Functions runs is not documented.

use super::PathError;
use super::ast::{Selector, Step};
use super::eval::Fail;
use serde_json::Value;

const PROVIDER: &str = "com.jayway.jsonpath.spi.json.JsonSmartJsonProvider";

pub(crate) fn select_error(steps: &[Step], fail: Fail<'_>) -> PathError {
    match fail {
        Fail::NoMember { at } if at + 1 >= steps.len() => no_results(steps),
        Fail::NoMember { at } => PathError::MissingProperty {
            path: eval_path(upto(steps, at + 1)),
        },
        Fail::NotObject { at, node } => other(format!(
            "Expected to find an object with property {} in path {} but found '{}'. \
             This is not a json object according to the JsonProvider: '{PROVIDER}'.",
            fragments(steps.get(at..at + 1).unwrap_or(&[])),
            eval_path(upto(steps, at)),
            java_class(node),
        )),
        Fail::NotArray {
            at,
            node: Value::Null,
        } => other(format!("The path {} is null", eval_path(upto(steps, at)))),
        Fail::NotArray { at, node } => other(format!(
            "Filter: {} can only be applied to arrays. Current context is: {}",
            fragments(steps.get(at..).unwrap_or(&[])),
            java_string(node),
        )),
        Fail::OutOfBounds | Fail::Indefinite => no_results(steps),
    }
}

fn other(message: String) -> PathError {
    PathError::Other { message }
}

fn upto(steps: &[Step], n: usize) -> &[Step] {
    steps.get(..n).unwrap_or(steps)
}

/// The path as Jayway prints it (`$['a'][0]`), quotes as written.
fn no_results(steps: &[Step]) -> PathError {
    PathError::NoResults {
        path: format!("${}", fragments(steps)),
    }
}

fn fragments(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        step.write_fragment(&mut out);
    }
    out
}

/// The path of the node reached so far, as Jayway builds it during evaluation: names in
/// single quotes, unescaped.
fn eval_path(steps: &[Step]) -> String {
    let mut out = String::from("$");
    for step in steps {
        match &step.sel {
            Selector::Name(n) => {
                out.push_str("['");
                out.push_str(&n.key);
                out.push_str("']");
            }
            Selector::Index(i) => out.push_str(&format!("[{i}]")),
            _ => step.write_fragment(&mut out),
        }
    }
    out
}

/// The Java class json-smart would have parsed this value into.
fn java_class(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "net.minidev.json.JSONArray",
        Value::Object(_) => "net.minidev.json.JSONObject",
        Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => {
            "java.lang.Integer"
        }
        Value::Number(n) if n.is_i64() => "java.lang.Long",
        Value::Number(n) if n.is_u64() => "java.math.BigInteger",
        Value::Number(_) => "java.lang.Double",
    }
}

/// Java's `toString` of the value: strings bare, containers as compact JSON.
fn java_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
