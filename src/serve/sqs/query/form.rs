//! Reading an SQS Query request: its flat parameters (`MessageAttribute.1.Value.DataType=String`)
//! become the JSON body the operation takes in AWS JSON
//! (`{"MessageAttributes": {"k": {"DataType": "String"}}}`).
//!
//! SQS's model gives a flattened parameter the same name and shape in every operation (its
//! `locationName`: `AttributeName`, `Attribute`, `MessageAttribute`...), so one table of the
//! parameters that are lists, maps or integers drives every operation; batch entries are named
//! after the operation (`SendMessageBatchRequestEntry.N`). Anything else is a string, or a
//! structure when it has members (`Value.DataType`).

use crate::serve::protocol::ApiError;
use crate::serve::sqs::errors::{invalid_parameter, invalid_value, missing};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a parameter holds, besides a string.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// `Name.N`: a list of strings (`Name=` alone: an empty list).
    List,
    /// `Name.N.<key>` and `Name.N.<value>`: a map of strings, or of structures.
    Map {
        key: &'static str,
        value: &'static str,
        structures: bool,
    },
    /// `Name.N.Member...`: a list of structures (batch entries).
    Entries,
    Int,
}

const NAME_VALUE: Kind = Kind::Map {
    key: "Name",
    value: "Value",
    structures: false,
};
const NAME_STRUCTURE: Kind = Kind::Map {
    key: "Name",
    value: "Value",
    structures: true,
};

/// Query name, JSON name, kind: SQS's model (botocore's `query` one, 2012-11-05).
const PARAMETERS: &[(&str, &str, Kind)] = &[
    ("AttributeName", "AttributeNames", Kind::List),
    ("MessageAttributeName", "MessageAttributeNames", Kind::List),
    (
        "MessageSystemAttributeName",
        "MessageSystemAttributeNames",
        Kind::List,
    ),
    ("Attribute", "Attributes", NAME_VALUE),
    (
        "Tag",
        "tags",
        Kind::Map {
            key: "Key",
            value: "Value",
            structures: false,
        },
    ),
    ("MessageAttribute", "MessageAttributes", NAME_STRUCTURE),
    (
        "MessageSystemAttribute",
        "MessageSystemAttributes",
        NAME_STRUCTURE,
    ),
    ("MaxNumberOfMessages", "MaxNumberOfMessages", Kind::Int),
    ("VisibilityTimeout", "VisibilityTimeout", Kind::Int),
    ("WaitTimeSeconds", "WaitTimeSeconds", Kind::Int),
    ("DelaySeconds", "DelaySeconds", Kind::Int),
    ("MaxResults", "MaxResults", Kind::Int),
];

/// The most parts a name has (`SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.
/// StringListValue.StringListValue.1` has 8): deeper names are refused, so that nothing a client
/// sends nests without bound.
const MAX_PARTS: usize = 8;

/// The parameters by the parts of their names: `A.1.B=x` is `A → 1 → B` with the value `x`.
#[derive(Default, Debug)]
struct Tree {
    value: Option<String>,
    children: BTreeMap<String, Tree>,
}

impl Tree {
    fn insert(&mut self, name: &str, value: String) -> Result<(), ApiError> {
        if name.split('.').count() > MAX_PARTS {
            let shown: String = name.chars().take(80).collect();
            return Err(invalid_parameter(format!(
                "The parameter name '{shown}' has more than {MAX_PARTS} parts: no SQS parameter does"
            )));
        }
        let node = name.split('.').fold(self, |node, part| {
            node.children.entry(part.into()).or_default()
        });
        node.value = Some(value);
        Ok(())
    }
}

/// The `Action` and the JSON body of a Query request with these parameters (the query string's
/// first, then the form body's: a later one of the same name wins).
pub fn request<K, V>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Result<(String, Map<String, Value>), ApiError>
where
    K: AsRef<str>,
    V: Into<String>,
{
    let mut tree = Tree::default();
    for (name, value) in pairs {
        tree.insert(name.as_ref(), value.into())?;
    }
    let action = tree
        .children
        .remove("Action")
        .and_then(|a| a.value)
        .filter(|a| !a.is_empty())
        .ok_or_else(missing_action)?;
    tree.children.remove("Version");
    let body = structure(&action, &tree, "")?;
    Ok((action, body))
}

fn missing_action() -> ApiError {
    ApiError::new(
        "MissingAction",
        "The request must contain the parameter Action (SQS's Query protocol: Action=SendMessage&QueueUrl=...)",
    )
    .with_query_code("MissingAction")
}

/// The members of a structure; `path` (`SendMessageBatchRequestEntry.1.`) names them in errors.
fn structure(action: &str, tree: &Tree, path: &str) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (name, node) in &tree.children {
        let full = format!("{path}{name}");
        let (json, value) = match parameter(action, name) {
            Some((json, kind)) => (json, convert(action, kind, node, &full)?),
            None => (name.as_str(), plain(action, node, &full)?),
        };
        out.insert(json.to_string(), value);
    }
    Ok(out)
}

/// The JSON name and kind of a parameter that is not a plain string.
fn parameter<'a>(action: &str, name: &'a str) -> Option<(&'a str, Kind)> {
    let entries = name
        .strip_prefix(action)
        .is_some_and(|rest| rest == "RequestEntry");
    if entries {
        return Some(("Entries", Kind::Entries));
    }
    PARAMETERS
        .iter()
        .find(|(query, _, _)| *query == name)
        .map(|(_, json, kind)| (*json, *kind))
}

/// A string, or a structure when the name has members and no value of its own.
fn plain(action: &str, node: &Tree, path: &str) -> Result<Value, ApiError> {
    match &node.value {
        Some(v) => Ok(Value::String(v.clone())),
        None => Ok(Value::Object(structure(action, node, &format!("{path}."))?)),
    }
}

fn convert(action: &str, kind: Kind, node: &Tree, path: &str) -> Result<Value, ApiError> {
    match kind {
        Kind::Int => {
            let v = node.value.as_deref().unwrap_or("");
            v.trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| invalid_value(path, v, "it must be an integer"))
        }
        Kind::List => Ok(Value::Array(
            numbered(node, path)?
                .into_iter()
                .map(|(_, item)| Value::String(item.value.clone().unwrap_or_default()))
                .collect(),
        )),
        Kind::Entries => numbered(node, path)?
            .into_iter()
            .map(|(n, entry)| structure(action, entry, &format!("{path}.{n}.")).map(Value::Object))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Kind::Map {
            key,
            value,
            structures,
        } => map(action, node, path, (key, value), structures),
    }
}

/// `Name.N.<key>` / `Name.N.<value>` pairs as an object (a later key wins).
fn map(
    action: &str,
    node: &Tree,
    path: &str,
    (key, value): (&str, &str),
    structures: bool,
) -> Result<Value, ApiError> {
    let mut out = Map::new();
    for (n, entry) in numbered(node, path)? {
        let field = |name: &str| entry.children.get(name);
        let k = field(key)
            .and_then(|k| k.value.clone())
            .ok_or_else(|| missing(&format!("{path}.{n}.{key}")))?;
        let v = field(value).ok_or_else(|| missing(&format!("{path}.{n}.{value}")))?;
        let v = if structures {
            plain(action, v, &format!("{path}.{n}.{value}"))?
        } else {
            Value::String(v.value.clone().unwrap_or_default())
        };
        out.insert(k, v);
    }
    Ok(Value::Object(out))
}

/// A list's members in the order of their numbers; `Name=` alone is an empty list, as botocore
/// sends one.
fn numbered<'t>(node: &'t Tree, path: &str) -> Result<Vec<(u32, &'t Tree)>, ApiError> {
    let mut items = node
        .children
        .iter()
        .map(|(n, item)| match n.parse::<u32>() {
            Ok(i) if i > 0 => Ok((i, item)),
            _ => Err(invalid_parameter(format!(
                "The parameter {path}.{n} is not numbered: {path} is a list, sent as {path}.1, {path}.2, ..."
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    items.sort_by_key(|(i, _)| *i);
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(pairs: &[(&str, &str)]) -> Result<(String, Value), ApiError> {
        request(pairs.iter().map(|(k, v)| (*k, *v)))
            .map(|(action, body)| (action, Value::Object(body)))
    }

    #[test]
    fn send_message_with_attributes() {
        let (action, body) = parse(&[
            ("Action", "SendMessage"),
            ("Version", "2012-11-05"),
            ("QueueUrl", "http://h/1/q"),
            ("MessageBody", "hi"),
            ("DelaySeconds", "5"),
            ("MessageAttribute.2.Name", "n"),
            ("MessageAttribute.2.Value.DataType", "Number"),
            ("MessageAttribute.2.Value.StringValue", "3"),
            ("MessageAttribute.1.Name", "k"),
            ("MessageAttribute.1.Value.DataType", "String"),
            ("MessageAttribute.1.Value.StringValue", "v"),
        ])
        .unwrap();
        assert_eq!(action, "SendMessage");
        assert_eq!(
            body,
            json!({
                "DelaySeconds": 5,
                "MessageAttributes": {
                    "k": {"DataType": "String", "StringValue": "v"},
                    "n": {"DataType": "Number", "StringValue": "3"},
                },
                "MessageBody": "hi",
                "QueueUrl": "http://h/1/q",
            })
        );
    }

    #[test]
    fn lists_maps_and_entries() {
        let (_, body) = parse(&[
            ("Action", "SendMessageBatch"),
            ("SendMessageBatchRequestEntry.10.Id", "b"),
            ("SendMessageBatchRequestEntry.2.Id", "a"),
            ("SendMessageBatchRequestEntry.2.MessageBody", "x"),
            ("SendMessageBatchRequestEntry.2.DelaySeconds", "1"),
            ("DeleteMessageBatchRequestEntry.1.Id", "not an entry here"),
        ])
        .unwrap();
        assert_eq!(
            body["Entries"],
            json!([{"DelaySeconds": 1, "Id": "a", "MessageBody": "x"}, {"Id": "b"}])
        );
        assert_eq!(
            body["DeleteMessageBatchRequestEntry"],
            json!({"1": {"Id": "not an entry here"}})
        );
        let (_, body) = parse(&[
            ("Action", "CreateQueue"),
            ("Attribute.1.Name", "DelaySeconds"),
            ("Attribute.1.Value", "0"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "a"),
        ])
        .unwrap();
        assert_eq!(body["Attributes"], json!({"DelaySeconds": "0"}));
        assert_eq!(body["tags"], json!({"team": "a"}));
        let (_, body) = parse(&[
            ("Action", "ReceiveMessage"),
            ("AttributeName.2", "SentTimestamp"),
            ("AttributeName.1", "All"),
            ("MessageAttributeName", ""),
        ])
        .unwrap();
        assert_eq!(body["AttributeNames"], json!(["All", "SentTimestamp"]));
        assert_eq!(body["MessageAttributeNames"], json!([]));
    }

    #[test]
    fn refusals() {
        let code = |pairs: &[(&str, &str)]| parse(pairs).unwrap_err().query_code.unwrap();
        assert_eq!(code(&[("QueueUrl", "q")]), "MissingAction");
        assert_eq!(code(&[("Action", "")]), "MissingAction");
        assert_eq!(
            code(&[("Action", "ReceiveMessage"), ("WaitTimeSeconds", "soon")]),
            "InvalidParameterValue"
        );
        assert_eq!(
            code(&[("Action", "ReceiveMessage"), ("AttributeName.x", "All")]),
            "InvalidParameterValue"
        );
        assert_eq!(
            code(&[("Action", "ReceiveMessage"), ("AttributeName.0", "All")]),
            "InvalidParameterValue"
        );
        assert_eq!(
            code(&[("Action", "SetQueueAttributes"), ("Attribute.1.Value", "1")]),
            "MissingParameter"
        );
        let deep = "a.".repeat(100_000);
        assert_eq!(
            code(&[("Action", "ListQueues"), (&deep, "x")]),
            "InvalidParameterValue"
        );
    }
}
