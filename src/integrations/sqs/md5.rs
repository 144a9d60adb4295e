//! The MD5 digests SQS returns (`MD5OfMessageBody`, `MD5OfMessageAttributes`); clients such as
//! boto3 check them.

use md5::{Digest, Md5};
use serde_json::Value;

pub fn of_body(body: &str) -> String {
    hex(&Md5::digest(body.as_bytes()))
}

/// SQS's digest of message attributes: for each attribute in name order, the length-prefixed
/// name, the length-prefixed data type, then 1 + length-prefixed string value or 2 +
/// length-prefixed binary value. `None` when there are no attributes.
pub fn of_attributes(attributes: &Value) -> Option<String> {
    let map = attributes.as_object().filter(|m| !m.is_empty())?;
    let mut names: Vec<&String> = map.keys().collect();
    names.sort();
    let mut buf = Vec::new();
    for name in names {
        let attr = &map[name.as_str()];
        let data_type = field(attr, "DataType").unwrap_or("String");
        push(&mut buf, name.as_bytes());
        push(&mut buf, data_type.as_bytes());
        if let Some(s) = field(attr, "StringValue") {
            buf.push(1);
            push(&mut buf, s.as_bytes());
        } else if let Some(b) = field(attr, "BinaryValue") {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b)
                .unwrap_or_default();
            buf.push(2);
            push(&mut buf, &bytes);
        }
    }
    Some(hex(&Md5::digest(&buf)))
}

/// Attribute fields in either spelling (`StringValue` as in Step Functions, `stringValue` as in
/// Lambda events).
fn field<'a>(attr: &'a Value, name: &str) -> Option<&'a str> {
    let lower = format!("{}{}", name[..1].to_lowercase(), &name[1..]);
    attr.get(name)
        .or_else(|| attr.get(&lower))
        .and_then(Value::as_str)
}

fn push(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    buf.extend_from_slice(bytes);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_digest() {
        assert_eq!(of_body("hello"), "5d41402abc4b2a76b9719d911017c592");
    }

    #[test]
    fn attribute_digest_matches_the_sqs_algorithm() {
        // The same bytes through Python: md5(len+"color" len+"String" 1 len+"blue").
        let attrs = json!({"color": {"DataType": "String", "StringValue": "blue"}});
        assert_eq!(
            of_attributes(&attrs).as_deref(),
            Some("da1b33cc3cbfe8b1630921e78e6b9880")
        );
        assert_eq!(of_attributes(&json!({})), None);
    }
}
