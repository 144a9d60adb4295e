//! Message attributes: checking what a sender gives (names, types, values; at most 10), what
//! they add to a message's size, and choosing the ones a receiver asked for. Kept as
//! `{"name": {"DataType", "StringValue" | "BinaryValue" (base64)}}`, the shape SQS's MD5 is
//! computed over (`integrations::sqs::md5`).

use super::errors::invalid_parameter;
use crate::serve::protocol::ApiError;
use base64::Engine as _;
use serde_json::{Map, Value, json};

const MAX_ATTRIBUTES: usize = 10;
const MAX_NAME: usize = 256;

/// The checked attributes of a send (an empty map when there are none).
pub fn check(attributes: Option<&Value>) -> Result<Map<String, Value>, ApiError> {
    let map = match attributes {
        None => return Ok(Map::new()),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(invalid_parameter(
                "MessageAttributes must be a map of names to {DataType, StringValue | BinaryValue}",
            ));
        }
    };
    if map.len() > MAX_ATTRIBUTES {
        return Err(invalid_parameter(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MAX_ATTRIBUTES}].",
            map.len()
        )));
    }
    let mut out = Map::new();
    for (name, attr) in map {
        check_name(name)?;
        out.insert(name.clone(), check_value(name, attr)?);
    }
    Ok(out)
}

/// Letters, digits, `_`, `-` and `.`; no leading, trailing or doubled `.`; not `AWS.` or
/// `Amazon.` (SQS reserves them); at most 256 characters.
fn check_name(name: &str) -> Result<(), ApiError> {
    let lower = name.to_ascii_lowercase();
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !lower.starts_with("aws.")
        && !lower.starts_with("amazon.");
    if ok {
        return Ok(());
    }
    Err(invalid_parameter(format!(
        "Message (user) attribute name '{name}' is invalid. The attribute name can contain only letters, digits, '_', '-' and '.', must not start or end with '.' or contain '..', must not start with 'AWS.' or 'Amazon.', and can be up to {MAX_NAME} characters long."
    )))
}

fn check_value(name: &str, attr: &Value) -> Result<Value, ApiError> {
    let data_type = str_field(attr, "DataType").unwrap_or("");
    if data_type.is_empty() {
        return Err(invalid_parameter(format!(
            "The message attribute '{name}' must contain non-empty message attribute type."
        )));
    }
    let base = data_type.split('.').next().unwrap_or("");
    let empty_value = || {
        invalid_parameter(format!(
            "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{base}'."
        ))
    };
    match base {
        "String" | "Number" => {
            let v = str_field(attr, "StringValue")
                .filter(|v| !v.is_empty())
                .ok_or_else(empty_value)?;
            if let Some(c) = invalid_char(v) {
                return Err(invalid_parameter(format!(
                    "The message attribute '{name}' contains the invalid character #x{:X}.",
                    c as u32
                )));
            }
            if base == "Number" && !v.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(invalid_parameter(format!(
                    "Can't cast the value of message (user) attribute '{name}' to a number: '{v}'."
                )));
            }
            Ok(json!({"DataType": data_type, "StringValue": v}))
        }
        "Binary" => {
            let v = str_field(attr, "BinaryValue")
                .filter(|v| !v.is_empty())
                .ok_or_else(empty_value)?;
            if base64::engine::general_purpose::STANDARD.decode(v).is_err() {
                return Err(invalid_parameter(format!(
                    "The message attribute '{name}' has a BinaryValue that is not base64."
                )));
            }
            Ok(json!({"DataType": data_type, "BinaryValue": v}))
        }
        _ => Err(invalid_parameter(format!(
            "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String. Got '{data_type}'."
        ))),
    }
}

/// A field in either spelling: `StringValue` as in the API, `stringValue` as messages sent by
/// state machines may hold it.
fn str_field<'a>(attr: &'a Value, name: &str) -> Option<&'a str> {
    let lower = format!("{}{}", name[..1].to_lowercase(), &name[1..]);
    attr.get(name)
        .or_else(|| attr.get(&lower))
        .and_then(Value::as_str)
}

/// The first character SQS does not allow in a message (`#x9 | #xA | #xD | #x20-#xD7FF |
/// #xE000-#xFFFD | #x10000-#x10FFFF`; Rust strings hold no surrogates).
pub fn invalid_char(s: &str) -> Option<char> {
    s.chars()
        .find(|&c| !matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
}

/// What the attributes add to the message's size: names, types and values, in bytes.
pub fn size(attributes: &Map<String, Value>) -> usize {
    attributes
        .iter()
        .map(|(name, a)| {
            let value = match (str_field(a, "StringValue"), str_field(a, "BinaryValue")) {
                (Some(s), _) => s.len(),
                (None, Some(b)) => base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_or(b.len(), |d| d.len()),
                (None, None) => 0,
            };
            name.len() + str_field(a, "DataType").map_or(0, str::len) + value
        })
        .sum()
}

/// A stored message's attributes in the API's shape.
pub fn stored(attributes: &str) -> Map<String, Value> {
    let map: Map<String, Value> = serde_json::from_str(attributes).unwrap_or_default();
    map.into_iter()
        .map(|(name, a)| {
            let mut v = Map::new();
            v.insert(
                "DataType".into(),
                json!(str_field(&a, "DataType").unwrap_or("String")),
            );
            if let Some(s) = str_field(&a, "StringValue") {
                v.insert("StringValue".into(), json!(s));
            } else if let Some(b) = str_field(&a, "BinaryValue") {
                v.insert("BinaryValue".into(), json!(b));
            }
            (name, Value::Object(v))
        })
        .collect()
}

/// The attributes a receiver asked for: `All` or `.*` for every one, `prefix.*` for those
/// whose name starts with `prefix.`, else by name.
pub fn select(attributes: Map<String, Value>, names: &[String]) -> Map<String, Value> {
    let wanted = |name: &str| {
        names.iter().any(|n| {
            n == "All"
                || n == ".*"
                || n == name
                || n.strip_suffix('*')
                    .is_some_and(|prefix| prefix.ends_with('.') && name.starts_with(prefix))
        })
    };
    attributes
        .into_iter()
        .filter(|(name, _)| wanted(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_names_types_and_values() {
        let ok = json!({
            "s": {"DataType": "String", "StringValue": "x"},
            "n": {"DataType": "Number.int", "StringValue": "-1.5e3"},
            "b": {"DataType": "Binary", "BinaryValue": "AAEC"}
        });
        assert_eq!(check(Some(&ok)).unwrap().len(), 3);
        for bad in [
            json!({"AWS.x": {"DataType": "String", "StringValue": "x"}}),
            json!({"a..b": {"DataType": "String", "StringValue": "x"}}),
            json!({"n": {"DataType": "Number", "StringValue": "ten"}}),
            json!({"s": {"DataType": "String", "StringValue": ""}}),
            json!({"s": {"DataType": "Text", "StringValue": "x"}}),
            json!({"b": {"DataType": "Binary", "BinaryValue": "%%"}}),
        ] {
            assert!(check(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn size_counts_decoded_binary() {
        let a = check(Some(
            &json!({"ab": {"DataType": "Binary", "BinaryValue": "AAEC"}}),
        ))
        .unwrap();
        assert_eq!(size(&a), 2 + 6 + 3);
    }

    #[test]
    fn selection_by_name_prefix_and_all() {
        let a: Map<String, Value> = ["a.x", "a.y", "b"]
            .iter()
            .map(|n| (n.to_string(), json!({})))
            .collect();
        let names = |ns: &[&str]| ns.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(select(a.clone(), &names(&["All"])).len(), 3);
        assert_eq!(select(a.clone(), &names(&[".*"])).len(), 3);
        assert_eq!(select(a.clone(), &names(&["a.*"])).len(), 2);
        assert_eq!(select(a.clone(), &names(&["b"])).len(), 1);
        assert!(select(a, &[]).is_empty());
    }

    #[test]
    fn message_characters() {
        assert_eq!(invalid_char("ok\t\n\r é 😀"), None);
        assert_eq!(invalid_char("a\u{1}b"), Some('\u{1}'));
        assert_eq!(invalid_char("\u{FFFE}"), Some('\u{FFFE}'));
    }
}
