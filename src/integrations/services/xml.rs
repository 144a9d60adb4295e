//! XML answers (S3, SNS) as the SDK's JSON shapes: each element is a member named after it,
//! read by the kind the service model gives it (lists, maps, booleans, numbers, timestamps as
//! ISO-8601 text); XML request bodies (S3's `CreateBucketConfiguration`) from JSON.

use crate::data::timestamp::{format_nanos_rfc3339, parse_rfc3339};
use crate::integrations::aws::catalog::{Kind, xml_hint};
use serde_json::{Map, Value};

/// How the answers of one service read: wire name → (member name, kind).
pub type Hints = &'static [(&'static str, &'static str, Kind)];

/// An element: its local name, text and child elements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct El {
    pub name: String,
    pub text: String,
    pub children: Vec<El>,
}

impl El {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child named `name`.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Parses an XML document into its root element.
pub fn parse(bytes: &[u8]) -> Result<El, String> {
    use xmlparser::{ElementEnd, Token, Tokenizer};
    let text = std::str::from_utf8(bytes).map_err(|e| format!("the XML is not UTF-8: {e}"))?;
    let mut stack: Vec<El> = Vec::new();
    let mut root = None;
    for token in Tokenizer::from(text) {
        match token.map_err(|e| format!("invalid XML: {e}"))? {
            Token::ElementStart { local, .. } => stack.push(El {
                name: local.to_string(),
                ..El::default()
            }),
            Token::ElementEnd { end, .. } => {
                if matches!(end, ElementEnd::Open) {
                    continue;
                }
                let Some(done) = stack.pop() else {
                    return Err("invalid XML: an end tag without a start".into());
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Token::Text { text } => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&unescape(text.as_str()));
                }
            }
            Token::Cdata { text, .. } => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(text.as_str());
                }
            }
            _ => {}
        }
    }
    root.ok_or_else(|| "the answer has no XML element".into())
}

/// `&amp;`, `&lt;`, `&#10;`... as their characters.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else {
            break;
        };
        let entity = &rest[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// An element read as a structure: its children become members.
pub fn structure(el: &El, hints: Hints) -> Map<String, Value> {
    let mut m = Map::new();
    for child in &el.children {
        let (member, kind): (&str, Kind) = match xml_hint(hints, &child.name) {
            Some(hint) => hint,
            None if child.children.is_empty() => (child.name.as_str(), Kind::Str),
            None => (child.name.as_str(), Kind::Struct),
        };
        if kind == Kind::FlatList {
            let item = item(child, hints);
            match m.get_mut(member) {
                Some(Value::Array(items)) => items.push(item),
                _ => {
                    m.insert(member.to_string(), Value::Array(vec![item]));
                }
            }
            continue;
        }
        m.insert(member.to_string(), value(child, kind, hints));
    }
    m
}

/// An element read as `kind`.
pub fn value(el: &El, kind: Kind, hints: Hints) -> Value {
    match kind {
        Kind::Struct => Value::Object(structure(el, hints)),
        Kind::List => Value::Array(el.children.iter().map(|c| item(c, hints)).collect()),
        Kind::FlatList => Value::Array(vec![item(el, hints)]),
        Kind::Map => {
            let mut m = Map::new();
            for entry in &el.children {
                let mut parts = entry.children.iter();
                if let (Some(k), Some(v)) = (parts.next(), parts.next()) {
                    m.insert(k.text.clone(), item(v, hints));
                }
            }
            Value::Object(m)
        }
        _ => scalar(&el.text, kind),
    }
}

/// A list item or map value: a structure when it has children, else text.
fn item(el: &El, hints: Hints) -> Value {
    if el.children.is_empty() {
        Value::String(el.text.clone())
    } else {
        Value::Object(structure(el, hints))
    }
}

/// Text read as `kind` (text that does not read as it stays text).
pub fn scalar(text: &str, kind: Kind) -> Value {
    let t = text.trim();
    let read = match kind {
        Kind::Bool => match t {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::Int => t.parse::<i64>().ok().map(Value::from),
        Kind::Float => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Kind::Time => iso(t).map(Value::String),
        _ => None,
    };
    read.unwrap_or_else(|| Value::String(text.to_string()))
}

/// A timestamp (ISO-8601, an HTTP date, or epoch seconds) as Java's `Instant.toString` gives
/// it: `2023-01-02T03:04:05Z`.
pub fn iso(t: &str) -> Option<String> {
    if let Some(n) = parse_rfc3339(t) {
        return Some(format_nanos_rfc3339(n));
    }
    if let Some(secs) = http_date(t) {
        return Some(format_nanos_rfc3339(i128::from(secs) * 1_000_000_000));
    }
    let secs: f64 = t.parse().ok()?;
    Some(format_nanos_rfc3339(
        (secs * 1000.0).round() as i128 * 1_000_000,
    ))
}

/// `Wed, 21 Oct 2015 07:28:00 GMT` → seconds since the epoch.
fn http_date(t: &str) -> Option<i64> {
    let mut parts = t.split_whitespace();
    let _weekday = parts.next()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" {
        return None;
    }
    let days = crate::data::timestamp::days_from_civil(year.into(), month, day.into());
    i64::try_from(days)
        .ok()
        .map(|d| d * 86_400 + h * 3600 + m * 60 + s)
}

/// A JSON object as an XML element named `name` (with `xmlns`): members as child elements.
pub fn write(name: &str, namespace: &str, v: &Value) -> String {
    let mut out = format!("<{name} xmlns=\"{namespace}\">");
    write_members(v, &mut out);
    out.push_str(&format!("</{name}>"));
    out
}

fn write_members(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                match item {
                    // A list repeats its element (S3's request lists are flattened).
                    Value::Array(items) => {
                        for i in items {
                            out.push_str(&format!("<{k}>"));
                            write_members(i, out);
                            out.push_str(&format!("</{k}>"));
                        }
                    }
                    _ => {
                        out.push_str(&format!("<{k}>"));
                        write_members(item, out);
                        out.push_str(&format!("</{k}>"));
                    }
                }
            }
        }
        Value::String(s) => out.push_str(&escape(s)),
        Value::Null => {}
        other => out.push_str(&other.to_string()),
    }
}

/// Text escaped for XML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::aws::catalog::{S3_XML, SNS_XML};
    use serde_json::json;

    #[test]
    fn s3_listings_read_as_the_sdk_gives_them() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>
<Contents><Key>a.txt</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>&quot;x&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>b &amp; c</Key><LastModified>2024-01-02T03:04:05.120Z</LastModified><ETag>"y"</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>"#;
        let el = parse(xml).expect("parses");
        let v = Value::Object(structure(&el, S3_XML));
        assert_eq!(
            v,
            json!({"Name": "b", "Prefix": "", "KeyCount": 2, "MaxKeys": 1000, "IsTruncated": false,
            "Contents": [
                {"Key": "a.txt", "LastModified": "2024-01-02T03:04:05Z", "ETag": "\"x\"", "Size": 12, "StorageClass": "STANDARD"},
                {"Key": "b & c", "LastModified": "2024-01-02T03:04:05.120Z", "ETag": "\"y\"", "Size": 3, "StorageClass": "STANDARD"}
            ]})
        );
    }

    #[test]
    fn sns_lists_and_maps() {
        let xml = br#"<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics><member><TopicArn>arn:1</TopicArn></member></Topics></ListTopicsResult></ListTopicsResponse>"#;
        let el = parse(xml).expect("parses");
        let result = el.child("ListTopicsResult").expect("result");
        assert_eq!(
            Value::Object(structure(result, SNS_XML)),
            json!({"Topics": [{"TopicArn": "arn:1"}]})
        );
        let xml = br#"<R><GetTopicAttributesResult><Attributes><entry><key>Owner</key><value>1</value></entry></Attributes></GetTopicAttributesResult></R>"#;
        let el = parse(xml).expect("parses");
        let result = el.child("GetTopicAttributesResult").expect("result");
        assert_eq!(
            Value::Object(structure(result, SNS_XML)),
            json!({"Attributes": {"Owner": "1"}})
        );
    }

    #[test]
    fn http_dates_become_iso_text() {
        assert_eq!(
            iso("Wed, 21 Oct 2015 07:28:00 GMT").as_deref(),
            Some("2015-10-21T07:28:00Z")
        );
        assert_eq!(
            write(
                "CreateBucketConfiguration",
                "ns",
                &json!({"LocationConstraint": "eu-west-1"})
            ),
            "<CreateBucketConfiguration xmlns=\"ns\"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
        );
    }
}
