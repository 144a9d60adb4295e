//! Writing an SQS Query answer: the operation's JSON answer as `<{Action}Response>` with its
//! `<{Action}Result>` and `<ResponseMetadata>`, and errors as `<ErrorResponse>`.
//!
//! AWS's XML for SQS is regular: a result's members are elements of the same names, except the
//! flattened lists and maps of the model (its `locationName`s), which one table names: a list is
//! its member element repeated (`<QueueUrl>`), a map is `<Attribute><Name/><Value/></Attribute>`
//! repeated (the value a structure for message attributes). Batch results are named after the
//! operation (`<SendMessageBatchResultEntry>`). Escaping is aws-smithy-xml's (the SDK's own).

use crate::serve::protocol::ApiError;
use crate::serve::sqs::message_attributes::invalid_char;
use aws_smithy_xml::encode::{ScopeWriter, XmlWriter};
use serde_json::{Map, Value};

/// The namespace of SQS's answers.
pub const NAMESPACE: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

/// How a member of a JSON answer is written, when not as an element of its own name.
enum Member {
    /// Each item as this element.
    List(&'static str),
    /// Each entry as this element with `<Name>` and `<Value>`.
    Map(&'static str),
    /// Each item as `<{Action}ResultEntry>`.
    ResultEntries,
}

/// JSON name → how it is written: SQS's model (botocore's `query` one, 2012-11-05).
const MEMBERS: &[(&str, Member)] = &[
    ("QueueUrls", Member::List("QueueUrl")),
    ("queueUrls", Member::List("QueueUrl")),
    ("Messages", Member::List("Message")),
    ("Attributes", Member::Map("Attribute")),
    ("MessageAttributes", Member::Map("MessageAttribute")),
    ("Successful", Member::ResultEntries),
    ("Failed", Member::List("BatchResultErrorEntry")),
];

/// `<{action}Response>`: with `<{action}Result>` of `result`'s members when the operation has an
/// output in SQS's model (`None`: it has none).
pub fn answer(action: &str, result: Option<&Map<String, Value>>, request_id: &str) -> String {
    let mut out = String::new();
    let mut doc = XmlWriter::new(&mut out);
    let response = format!("{action}Response");
    let mut root = doc.start_el(&response).write_ns(NAMESPACE, None).finish();
    if let Some(result) = result {
        let name = format!("{action}Result");
        let mut r = root.start_el(&name).finish();
        members(&mut r, action, result);
        r.finish();
    }
    let mut metadata = root.start_el("ResponseMetadata").finish();
    text(&mut metadata, "RequestId", request_id);
    metadata.finish();
    root.finish();
    out
}

/// `<ErrorResponse>` with the Query protocol's code for `e` and its fault: the sender's for
/// statuses under 500.
pub fn error(e: &ApiError, request_id: &str) -> String {
    let mut out = String::new();
    let mut doc = XmlWriter::new(&mut out);
    let mut root = doc
        .start_el("ErrorResponse")
        .write_ns(NAMESPACE, None)
        .finish();
    let mut error = root.start_el("Error").finish();
    let fault = if e.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    text(&mut error, "Type", fault);
    text(&mut error, "Code", code(e));
    text(&mut error, "Message", &e.message);
    error.start_el("Detail").finish();
    error.finish();
    text(&mut root, "RequestId", request_id);
    root.finish();
    out
}

/// The Query protocol's code: SQS's legacy code where the error has one, else its JSON name
/// without the namespace, in the Query spelling of AWS's common errors.
pub fn code(e: &ApiError) -> &str {
    if let Some(q) = &e.query_code {
        return q;
    }
    let name = e.code.rsplit('#').next().unwrap_or(&e.code);
    match name {
        "MissingAuthenticationTokenException" => "MissingAuthenticationToken",
        "InvalidSignatureException" => "SignatureDoesNotMatch",
        "ValidationException" => "ValidationError",
        "UnknownOperationException" => "InvalidAction",
        "RequestEntityTooLargeException" => "RequestEntityTooLarge",
        other => other,
    }
}

fn members(w: &mut ScopeWriter<'_, '_>, action: &str, fields: &Map<String, Value>) {
    for (name, value) in fields {
        match MEMBERS
            .iter()
            .find(|(json, _)| json == name)
            .map(|(_, m)| m)
        {
            Some(Member::List(item)) => each(w, action, item, value),
            Some(Member::ResultEntries) => each(w, action, &format!("{action}ResultEntry"), value),
            Some(Member::Map(entry)) => map(w, action, entry, value),
            None => element(w, action, name, value),
        }
    }
}

fn each(w: &mut ScopeWriter<'_, '_>, action: &str, item: &str, list: &Value) {
    for v in list.as_array().into_iter().flatten() {
        element(w, action, item, v);
    }
}

fn map(w: &mut ScopeWriter<'_, '_>, action: &str, entry: &str, map: &Value) {
    for (key, v) in map.as_object().into_iter().flatten() {
        let mut e = w.start_el(entry).finish();
        text(&mut e, "Name", key);
        element(&mut e, action, "Value", v);
        e.finish();
    }
}

/// `<name>` holding `v`: text for scalars, members for objects; a list repeats the element.
fn element(w: &mut ScopeWriter<'_, '_>, action: &str, name: &str, v: &Value) {
    match v {
        Value::Null => {}
        Value::Array(items) => items.iter().for_each(|i| element(w, action, name, i)),
        Value::Object(fields) => {
            let mut e = w.start_el(name).finish();
            members(&mut e, action, fields);
            e.finish();
        }
        Value::String(s) => text(w, name, s),
        other => text(w, name, &other.to_string()),
    }
}

/// `<name>s</name>`, escaped; a character XML 1.0 cannot carry (only error messages quoting
/// what a client sent may hold one) becomes U+FFFD, so the answer always parses.
fn text(w: &mut ScopeWriter<'_, '_>, name: &str, s: &str) {
    let mut e = w.start_el(name).finish();
    if invalid_char(s).is_some() {
        let clean: String = s
            .chars()
            .map(|c| match invalid_char(c.encode_utf8(&mut [0; 4])) {
                Some(_) => '\u{FFFD}',
                None => c,
            })
            .collect();
        e.data(&clean);
    } else {
        e.data(s);
    }
    e.finish();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn results_lists_and_maps() {
        let xml = answer(
            "ReceiveMessage",
            Some(&result(json!({"Messages": [{
                "MessageId": "m",
                "Body": "<a & 'b'>\r\n",
                "Attributes": {"SentTimestamp": "1"},
                "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
            }]}))),
            "r",
        );
        assert_eq!(
            xml,
            format!(
                "<ReceiveMessageResponse xmlns=\"{NAMESPACE}\"><ReceiveMessageResult><Message>\
                 <MessageId>m</MessageId><Body>&lt;a &amp; &apos;b&apos;&gt;&#xD;&#xA;</Body>\
                 <Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>\
                 <MessageAttribute><Name>k</Name><Value><DataType>String</DataType>\
                 <StringValue>v</StringValue></Value></MessageAttribute></Message>\
                 </ReceiveMessageResult><ResponseMetadata><RequestId>r</RequestId>\
                 </ResponseMetadata></ReceiveMessageResponse>"
            )
        );
        let xml = answer(
            "SendMessageBatch",
            Some(&result(json!({
                "Successful": [{"Id": "a", "MessageId": "m"}],
                "Failed": [{"Id": "b", "SenderFault": true, "Code": "C", "Message": "M"}],
            }))),
            "r",
        );
        assert!(xml.contains(
            "<SendMessageBatchResultEntry><Id>a</Id><MessageId>m</MessageId></SendMessageBatchResultEntry>\
             <BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>C</Code><Message>M</Message></BatchResultErrorEntry>"
        ), "{xml}");
        let xml = answer(
            "ListQueues",
            Some(&result(json!({"QueueUrls": ["u1", "u2"]}))),
            "r",
        );
        assert!(xml.contains("<ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl></ListQueuesResult>"), "{xml}");
        let xml = answer("DeleteQueue", None, "r");
        assert!(
            xml.starts_with(&format!(
                "<DeleteQueueResponse xmlns=\"{NAMESPACE}\"><ResponseMetadata>"
            )),
            "{xml}"
        );
    }

    #[test]
    fn errors_with_query_codes() {
        let e = crate::serve::sqs::errors::queue_does_not_exist("q\u{1}");
        let xml = error(&e, "r");
        assert!(xml.starts_with(&format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>Sender</Type>\
             <Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist: &apos;q\u{FFFD}&apos;"
        )), "{xml}");
        assert!(
            xml.ends_with("<Detail></Detail></Error><RequestId>r</RequestId></ErrorResponse>"),
            "{xml}"
        );
        let internal = error(&ApiError::internal("disk"), "r");
        assert!(
            internal.contains("<Type>Receiver</Type><Code>InternalFailure</Code>"),
            "{internal}"
        );
        let denied = ApiError::new("InvalidSignatureException", "no");
        assert_eq!(code(&denied), "SignatureDoesNotMatch");
    }
}
