//! An SQS endpoint as the backend of `sqs:` tasks, through `aws-sdk-sqs`: AWS itself, or any
//! server speaking SQS's JSON protocol (moto, ElasticMQ, LocalStack, ...).

use super::{Backend, SendRequest, Sent, SqsError};
use crate::integrations::aws;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::Region;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::operation::send_message::SendMessageError;
use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::MessageAttributeValue;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

pub struct Remote {
    /// A URL, or [`aws::AWS`].
    endpoint: String,
    /// Made on the first send, so that building a router costs nothing.
    conn: OnceLock<Result<Conn, String>>,
}

/// A connected SQS client and the runtime its calls block on (also used by Conductor's queues).
pub struct Conn {
    pub rt: tokio::runtime::Runtime,
    pub client: Client,
    pub region: String,
}

impl Remote {
    pub fn new(endpoint: &str) -> Self {
        Remote {
            endpoint: endpoint.to_string(),
            conn: OnceLock::new(),
        }
    }

    /// The connection, made on first use (shared by sends and a consumer's receives).
    pub fn conn(&self) -> Result<&Conn, SqsError> {
        let conn = self.conn.get_or_init(|| connect(&self.endpoint));
        conn.as_ref().map_err(|e| client_error(e.clone(), None))
    }

    /// A service error with AWS's name (`SQS.QueueDoesNotExistException`), or a client-side one
    /// (`SQS.SdkClientException`), each with what to do about it.
    fn error(&self, err: &SdkError<SendMessageError>, r: &SendRequest, region: &str) -> SqsError {
        let SdkError::ServiceError(se) = err else {
            let why = aws::sdk::no_answer(err);
            return client_error(
                why.message(),
                Some(why.hint(aws::SQS, &self.endpoint, region)),
            );
        };
        let e = se.err();
        let status = se.raw().status().as_u16();
        let error_code = e.code().unwrap_or("(none)").to_string();
        let place = aws::place(&self.endpoint, region);
        let hint = match e {
            SendMessageError::QueueDoesNotExist(_) => {
                let name = super::queue_name(&r.queue_url);
                let at = aws::url(&self.endpoint)
                    .map_or(String::new(), |u| format!(" --endpoint-url {u}"));
                Some(format!(
                    "(stepwise: {place} has no queue at QueueUrl {}: create it (e.g. `aws sqs create-queue --queue-name {name}{at}`), or fix QueueUrl)",
                    r.queue_url
                ))
            }
            _ if e.code().is_none() => Some(format!(
                "(stepwise: {place} answered HTTP {status} without an SQS error: is it an SQS endpoint?)"
            )),
            _ => None,
        };
        SqsError {
            code: exception_name(e),
            error_code,
            status,
            message: e.message().unwrap_or("(no message)").to_string(),
            hint,
        }
    }
}

impl Backend for Remote {
    fn send(&self, r: &SendRequest) -> Result<Sent, SqsError> {
        let conn = self.conn()?;
        let mut request = conn
            .client
            .send_message()
            .queue_url(&r.queue_url)
            .message_body(&r.body)
            .set_message_attributes(attributes(&r.attributes))
            .set_delay_seconds(
                r.delay_seconds
                    .map(|d| d.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
            )
            .set_message_group_id(r.group_id.clone())
            .set_message_deduplication_id(r.deduplication_id.clone())
            .customize();
        // On AWS, a queue lives in the region its URL names, whatever the default region is.
        let mut region = conn.region.clone();
        if let Some(queue_region) =
            aws::region_in(&r.queue_url).filter(|q| self.endpoint == aws::AWS && *q != region)
        {
            region = queue_region.to_string();
            request = request.config_override(
                aws_sdk_sqs::config::Builder::default().region(Region::new(region.clone())),
            );
        }
        match conn.rt.block_on(request.send()) {
            Ok(out) => Ok(Sent {
                message_id: out.message_id().unwrap_or_default().to_string(),
                md5_of_body: out.md5_of_message_body().unwrap_or_default().to_string(),
                md5_of_attributes: out.md5_of_message_attributes().map(str::to_string),
            }),
            Err(e) => Err(self.error(&e, r, &region)),
        }
    }
}

/// How long an SQS call may take: sends and receives (which do not long-poll here) answer in
/// well under a second; this only stops a stuck endpoint from holding a handler for good.
const SQS_OPERATION: std::time::Duration = std::time::Duration::from_secs(30);

/// Connects to `endpoint` (a URL, or [`aws::AWS`]) with the standard credentials chain.
pub fn connect(endpoint: &str) -> Result<Conn, String> {
    let (client, rt, region) = aws::sdk::connect(endpoint, SQS_OPERATION, |sdk, url| {
        let mut config = aws_sdk_sqs::config::Builder::from(sdk);
        config.set_endpoint_url(url);
        Client::from_conf(config.build())
    })?;
    Ok(Conn { client, rt, region })
}

/// `SQS.SdkClientException`: the request got no answer from SQS.
fn client_error(message: String, hint: Option<String>) -> SqsError {
    SqsError {
        code: "SdkClientException".into(),
        error_code: String::new(),
        status: 0,
        message,
        hint,
    }
}

/// The Java SDK's exception name, which Step Functions reports: the modeled error's name plus
/// `Exception` (`QueueDoesNotExistException`), `AmazonSQSException` for anything unmodeled.
fn exception_name(e: &SendMessageError) -> String {
    // The generated enum's variants are named after the modeled errors; Debug starts with it.
    let debug = format!("{e:?}");
    match debug.split(['(', ' ', '{']).next().unwrap_or_default() {
        "Unhandled" | "" => "AmazonSQSException".into(),
        variant => format!("{variant}Exception"),
    }
}

/// Step Functions' `MessageAttributes` (`{"name": {"DataType", "StringValue"|"BinaryValue"}}`)
/// as SDK values; SQS itself checks them.
fn attributes(v: &Value) -> Option<HashMap<String, MessageAttributeValue>> {
    let map = v.as_object().filter(|m| !m.is_empty())?;
    let text = |a: &Value, k: &str| a.get(k).and_then(Value::as_str).map(str::to_string);
    let converted = map.iter().filter_map(|(name, a)| {
        let binary = text(a, "BinaryValue").map(|b| {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&b)
                .unwrap_or_else(|_| b.into_bytes());
            Blob::new(bytes)
        });
        let value = MessageAttributeValue::builder()
            .data_type(text(a, "DataType").unwrap_or_default())
            .set_string_value(text(a, "StringValue"))
            .set_binary_value(binary)
            .build()
            .ok()?;
        Some((name.clone(), value))
    });
    Some(converted.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sqs::types::error::{QueueDoesNotExist, UnsupportedOperation};

    #[test]
    fn modeled_errors_get_the_java_exception_name() {
        let e = SendMessageError::QueueDoesNotExist(
            QueueDoesNotExist::builder().message("gone").build(),
        );
        assert_eq!(exception_name(&e), "QueueDoesNotExistException");
        let e = SendMessageError::UnsupportedOperation(UnsupportedOperation::builder().build());
        assert_eq!(exception_name(&e), "UnsupportedOperationException");
        let e = SendMessageError::generic(
            aws_sdk_sqs::error::ErrorMetadata::builder()
                .code("MissingParameter")
                .build(),
        );
        assert_eq!(exception_name(&e), "AmazonSQSException");
    }

    #[test]
    fn attributes_become_sdk_values() {
        let v = serde_json::json!({
            "kind": {"DataType": "String", "StringValue": "order"},
            "blob": {"DataType": "Binary", "BinaryValue": "AAEC"}
        });
        let a = attributes(&v).expect("attributes");
        assert_eq!(a["kind"].string_value(), Some("order"));
        assert_eq!(
            a["blob"].binary_value().map(|b| b.as_ref().to_vec()),
            Some(vec![0, 1, 2])
        );
        assert_eq!(attributes(&serde_json::json!({})), None);
    }
}
