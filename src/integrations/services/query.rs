//! SNS through its Query protocol: the Task's parameters as a form (`Action`, `Version`,
//! `Name.member.N` for lists, `Name.entry.N.key/value` for maps), the XML answer's `*Result`
//! element as the SDK's JSON shape.

use super::errors::{Failure, ServiceError};
use super::xml;
use crate::integrations::aws::catalog::{SNS_QUERY_MAPS, SNS_XML, ServiceInfo};
use crate::integrations::aws::signed::{Request, Response, Signed};
use serde_json::{Map, Value};
use std::time::Duration;

/// Calls `operation` with `params`: the result, and the answer's HTTP head.
pub fn call(
    client: &Signed,
    service: &ServiceInfo,
    operation: &str,
    params: &Value,
    limit: Option<Duration>,
) -> Result<(Value, Response), Failure> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", operation);
    form.append_pair("Version", service.api_version);
    let mut pairs = Vec::new();
    if let Value::Object(m) = params {
        for (k, v) in m {
            flatten(k, v, &mut pairs);
        }
    }
    for (k, v) in &pairs {
        form.append_pair(k, v);
    }
    let req = Request {
        method: "POST",
        signing_name: service.signing_name,
        endpoint_prefix: service.endpoint_prefix,
        host_label: None,
        path_and_query: "/".into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        )],
        body: form.finish().into_bytes(),
        s3: false,
    };
    let answer = client.call(&req, limit).map_err(Failure::NoAnswer)?;
    let doc = xml::parse(&answer.body);
    if !(200..300).contains(&answer.status) {
        return Err(error(&answer, doc.ok().as_ref()));
    }
    let doc = doc.map_err(Failure::Unreadable)?;
    let wrapper = format!("{operation}Result");
    let result = doc
        .child(&wrapper)
        .map_or_else(Map::new, |r| xml::structure(r, SNS_XML));
    Ok((Value::Object(result), answer))
}

/// A parameter as form fields (maps are known by their member's name).
fn flatten(name: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let last = name.rsplit('.').next();
    let map = SNS_QUERY_MAPS
        .iter()
        .find(|(member, _, _)| last == Some(*member));
    match v {
        Value::Null => {}
        Value::Object(m) => match map {
            Some((_, key, value)) => {
                for (i, (k, item)) in m.iter().enumerate() {
                    let at = format!("{name}.entry.{}", i + 1);
                    out.push((format!("{at}.{key}"), k.clone()));
                    flatten(&format!("{at}.{value}"), item, out);
                }
            }
            None => {
                for (k, item) in m {
                    flatten(&format!("{name}.{k}"), item, out);
                }
            }
        },
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{name}.member.{}", i + 1), item, out);
            }
        }
        Value::String(s) => out.push((name.to_string(), s.clone())),
        other => out.push((name.to_string(), other.to_string())),
    }
}

/// `<ErrorResponse><Error><Code>NotFound</Code><Message>…</Message></Error><RequestId>…`.
fn error(answer: &Response, doc: Option<&xml::El>) -> Failure {
    let err = doc.and_then(|d| {
        if d.name == "Error" {
            Some(d)
        } else {
            d.child("Error")
        }
    });
    let Some(code) = err
        .and_then(|e| e.text_of("Code"))
        .filter(|c| !c.is_empty())
    else {
        return Failure::Unreadable(format!("HTTP {} without an error code", answer.status));
    };
    let request_id = doc
        .and_then(|d| d.text_of("RequestId"))
        .map(str::to_string)
        .unwrap_or_else(|| super::errors::request_id(answer));
    Failure::Service(ServiceError {
        status: answer.status,
        code: code.to_string(),
        message: err
            .and_then(|e| e.text_of("Message"))
            .unwrap_or("(no message)")
            .to_string(),
        request_id,
        extended_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_become_query_fields() {
        let mut out = Vec::new();
        let p = json!({
            "TopicArn": "arn:t",
            "Message": "hi",
            "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}},
            "Attributes": {"DisplayName": "d"},
            "Tags": [{"Key": "k", "Value": "v"}]
        });
        for (k, v) in p.as_object().expect("object") {
            flatten(k, v, &mut out);
        }
        let fields: Vec<String> = out.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            fields,
            [
                "TopicArn=arn:t",
                "Message=hi",
                "MessageAttributes.entry.1.Name=kind",
                "MessageAttributes.entry.1.Value.DataType=String",
                "MessageAttributes.entry.1.Value.StringValue=order",
                "Attributes.entry.1.key=DisplayName",
                "Attributes.entry.1.value=d",
                "Tags.member.1.Key=k",
                "Tags.member.1.Value=v",
            ]
        );
    }
}
