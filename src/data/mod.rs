//! The data language: JSONPath, payload templates, intrinsic functions, Choice rules, timestamps,
//! and JSONata.
pub mod choice;
pub mod depth;
pub mod diagnostic;
pub mod intrinsic;
pub mod jsonata;
pub mod jsonpath;
#[cfg(test)]
pub(crate) mod recorded;
pub mod template;
pub mod timestamp;
pub mod xml;

/// A JSON value's type as messages name it: `null`, `a boolean`, `a number`, `a string`,
/// `an array`, `an object`.
pub fn type_name(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
