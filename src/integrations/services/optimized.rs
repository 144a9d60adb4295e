//! The optimized integrations' shapes: `dynamodb:*` and `sns:publish` results carry the HTTP
//! answer's `SdkHttpMetadata` and `SdkResponseMetadata`; `events:putEvents` does not, and fails
//! as `EventBridge.FailedEntry` when an entry failed. Non-string `Message` (SNS) and `Detail`
//! (EventBridge) are serialized, as Step Functions does.

use super::errors::request_id;
use crate::integrations::Reply;
use crate::integrations::aws::signed::Response;
use serde_json::{Map, Value, json};

/// `result` with the answer's `SdkHttpMetadata` and `SdkResponseMetadata` appended.
pub fn with_metadata(result: Value, answer: &Response) -> Value {
    let mut m = match result {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut all = Map::new();
    let mut single = Map::new();
    for (name, value) in &answer.headers {
        let name = header_name(name);
        match all.get_mut(&name) {
            Some(Value::Array(values)) => values.push(json!(value)),
            _ => {
                all.insert(name.clone(), json!([value]));
            }
        }
        // A repeated header: the first value, as a single-valued map keeps it.
        single.entry(name).or_insert_with(|| json!(value));
    }
    m.insert(
        "SdkHttpMetadata".into(),
        json!({"AllHttpHeaders": all, "HttpHeaders": single, "HttpStatusCode": answer.status}),
    );
    m.insert(
        "SdkResponseMetadata".into(),
        json!({"RequestId": request_id(answer)}),
    );
    Value::Object(m)
}

/// A header name as AWS's recorded metadata spells it: `Content-Type`, `Date`,
/// `x-amzn-RequestId`, `x-amz-crc32`, `connection`.
fn header_name(lower: &str) -> String {
    if lower == "x-amzn-requestid" {
        return "x-amzn-RequestId".into();
    }
    if lower.starts_with("x-") || lower == "connection" {
        return lower.to_string();
    }
    lower
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join("-")
}

/// SNS Publish's parameters: a non-string `Message` as its JSON text.
pub fn sns_publish_params(p: &Value) -> Value {
    let mut p = p.clone();
    if let Some(m) = p.get_mut("Message")
        && !m.is_string()
    {
        *m = Value::String(m.to_string());
    }
    p
}

/// PutEvents' parameters: each entry's non-string `Detail` as its JSON text.
pub fn put_events_params(p: &Value) -> Value {
    let mut p = p.clone();
    if let Some(Value::Array(entries)) = p.get_mut("Entries") {
        for e in entries {
            if let Some(d) = e.get_mut("Detail")
                && !d.is_string()
            {
                *d = Value::String(d.to_string());
            }
        }
    }
    p
}

/// PutEvents' result, or `EventBridge.FailedEntry` with the whole answer as the cause when
/// an entry failed.
pub fn put_events_result(result: Value) -> Reply {
    let failed = result
        .get("FailedEntryCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if failed > 0 {
        return Reply::Failed {
            error: Some("EventBridge.FailedEntry".into()),
            cause: Some(result.to_string()),
        };
    }
    Reply::Succeeded(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_spells_headers_as_recorded() {
        let answer = Response {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/x-amz-json-1.0".into()),
                ("x-amzn-requestid".into(), "R1".into()),
                ("content-length".into(), "2".into()),
            ],
            body: b"{}".to_vec(),
        };
        let v = with_metadata(json!({}), &answer);
        assert_eq!(
            v,
            json!({
                "SdkHttpMetadata": {
                    "AllHttpHeaders": {"Content-Type": ["application/x-amz-json-1.0"], "x-amzn-RequestId": ["R1"], "Content-Length": ["2"]},
                    "HttpHeaders": {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "R1", "Content-Length": "2"},
                    "HttpStatusCode": 200
                },
                "SdkResponseMetadata": {"RequestId": "R1"}
            })
        );
    }

    #[test]
    fn messages_and_details_are_serialized() {
        assert_eq!(
            sns_publish_params(&json!({"Message": {"a": 1}}))["Message"],
            json!("{\"a\":1}")
        );
        assert_eq!(
            put_events_params(&json!({"Entries": [{"Detail": {"a": [1]}}, {"Detail": "x"}]})),
            json!({"Entries": [{"Detail": "{\"a\":[1]}"}, {"Detail": "x"}]})
        );
        let failed = json!({"Entries": [{"ErrorCode": "InvalidArgument"}], "FailedEntryCount": 1});
        assert_eq!(
            put_events_result(failed.clone()),
            Reply::Failed {
                error: Some("EventBridge.FailedEntry".into()),
                cause: Some(failed.to_string())
            }
        );
    }
}
