//! The AWS services that `arn:aws:states:::aws-sdk:SERVICE:ACTION` tasks can call, and what a
//! call needs to know about each: where it lives, how it is signed, which protocol it speaks,
//! and how Step Functions names its errors. The table itself ([`data`]) is generated from
//! botocore's service models by `scripts/aws-catalog.py`.

mod data;

pub use data::{S3_OPERATIONS, S3_XML, SERVICES, SNS_QUERY_MAPS, SNS_XML};

/// The wire protocol of a service's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.0: `X-Amz-Target`, `application/x-amz-json-1.0`.
    Json10,
    /// AWS JSON 1.1.
    Json11,
    /// REST with XML bodies (S3).
    RestXml,
    /// The Query protocol: form-encoded requests, XML answers (SNS).
    Query,
}

/// One service, as its botocore model describes it.
#[derive(Debug, PartialEq)]
pub struct ServiceInfo {
    /// The name in `arn:aws:states:::aws-sdk:NAME:action` (the Java SDK v2 client, lower case).
    pub arn: &'static str,
    /// botocore's `serviceId`: `AWS_ENDPOINT_URL_<ID>` is named after it.
    pub id: &'static str,
    /// The first label of its AWS host name (`events` for EventBridge).
    pub endpoint_prefix: &'static str,
    /// The SigV4 signing name.
    pub signing_name: &'static str,
    pub protocol: Protocol,
    /// `X-Amz-Target`'s prefix for JSON services.
    pub target_prefix: &'static str,
    /// The API version (the Query protocol's `Version`).
    pub api_version: &'static str,
    /// The AWS Java SDK v2 client prefix that aws-sdk task errors are named with (`DynamoDb`).
    pub java: &'static str,
    /// Its modeled error shapes.
    pub errors: &'static [&'static str],
    /// Error codes that differ from their shape's name: (code, shape).
    pub error_codes: &'static [(&'static str, &'static str)],
    /// Names of timestamp members (JSON services send epoch seconds).
    pub timestamps: &'static [&'static str],
}

impl ServiceInfo {
    /// `AWS_ENDPOINT_URL_<SERVICE>` as the SDKs name it: the service id upper-cased, spaces as
    /// underscores (`AWS_ENDPOINT_URL_SECRETS_MANAGER`).
    pub fn endpoint_env(&self) -> String {
        format!(
            "AWS_ENDPOINT_URL_{}",
            self.id.to_ascii_uppercase().replace([' ', '-'], "_")
        )
    }

    /// The modeled error shape an error code names (the code itself, or an alias), if any.
    pub fn modeled(&self, code: &str) -> Option<&'static str> {
        if let Some(e) = self.errors.iter().find(|e| **e == code) {
            return Some(e);
        }
        self.error_codes
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, shape)| *shape)
    }

    /// Whether `member` is a timestamp of this service.
    pub fn is_timestamp(&self, member: &str) -> bool {
        self.timestamps.contains(&member)
    }
}

/// The service an `aws-sdk:NAME` task names, if stepwise can call it.
pub fn service(arn_name: &str) -> Option<&'static ServiceInfo> {
    SERVICES.iter().find(|s| s.arn == arn_name)
}

/// Where a REST member goes in the request, or comes from in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// A `{Label}` of the path.
    Uri,
    Query,
    Header,
    /// A map of headers sharing a prefix (`x-amz-meta-`).
    HeaderPrefix,
    /// The HTTP status code.
    Status,
    /// The body.
    Payload,
}

/// A member's type, as far as reading and writing it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    Int,
    Float,
    Time,
    Blob,
    List,
    /// A list whose items repeat the element itself, with no wrapper (S3's `Contents`).
    FlatList,
    Map,
    Struct,
}

/// A member of a REST operation's input or output bound to a part of the HTTP message.
#[derive(Debug)]
pub struct Binding {
    pub member: &'static str,
    pub at: At,
    /// The header, query or label name.
    pub wire: &'static str,
    pub kind: Kind,
}

/// A REST-XML operation's HTTP binding.
#[derive(Debug)]
pub struct RestOp {
    pub name: &'static str,
    pub method: &'static str,
    /// `/{Bucket}/{Key+}?list-type=2`.
    pub uri: &'static str,
    pub input: &'static [Binding],
    pub output: &'static [Binding],
    /// The modeled errors it names.
    pub errors: &'static [&'static str],
}

/// The S3 operation an action names (`getObject` → `GetObject`), if stepwise calls it.
pub fn s3_operation(operation: &str) -> Option<&'static RestOp> {
    S3_OPERATIONS.iter().find(|o| o.name == operation)
}

/// How to read an element of an XML answer: its member name and kind (`None`: a string or
/// structure under its own name).
pub fn xml_hint(
    table: &[(&'static str, &'static str, Kind)],
    wire: &str,
) -> Option<(&'static str, Kind)> {
    table
        .iter()
        .find(|(w, _, _)| *w == wire)
        .map(|(_, member, kind)| (*member, *kind))
}

/// `getObject` → `GetObject`: the API operation an action names.
pub fn operation(action: &str) -> String {
    let mut chars = action.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_named_as_step_functions_names_them() {
        let cases = [
            (
                "dynamodb",
                "DynamoDb",
                "AWS_ENDPOINT_URL_DYNAMODB",
                Protocol::Json10,
            ),
            (
                "eventbridge",
                "EventBridge",
                "AWS_ENDPOINT_URL_EVENTBRIDGE",
                Protocol::Json11,
            ),
            (
                "secretsmanager",
                "SecretsManager",
                "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                Protocol::Json11,
            ),
            (
                "cloudwatchlogs",
                "CloudWatchLogs",
                "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
                Protocol::Json11,
            ),
            ("sfn", "Sfn", "AWS_ENDPOINT_URL_SFN", Protocol::Json10),
            ("sqs", "Sqs", "AWS_ENDPOINT_URL_SQS", Protocol::Json10),
            ("s3", "S3", "AWS_ENDPOINT_URL_S3", Protocol::RestXml),
            ("sns", "Sns", "AWS_ENDPOINT_URL_SNS", Protocol::Query),
            ("kms", "Kms", "AWS_ENDPOINT_URL_KMS", Protocol::Json11),
        ];
        for (arn, java, env, protocol) in cases {
            let s = service(arn).unwrap_or_else(|| panic!("{arn} in the catalog"));
            assert_eq!(
                (s.java, s.endpoint_env(), s.protocol),
                (java, env.to_string(), protocol)
            );
        }
        assert_eq!(
            service("eventbridge").map(|s| s.endpoint_prefix),
            Some("events")
        );
        assert_eq!(service("lambda").map(|s| s.arn), None);
    }

    #[test]
    fn modeled_errors_and_their_codes() {
        let ddb = service("dynamodb").expect("dynamodb");
        assert_eq!(
            ddb.modeled("ConditionalCheckFailedException"),
            Some("ConditionalCheckFailedException")
        );
        assert_eq!(ddb.modeled("ValidationException"), None);
        let sns = service("sns").expect("sns");
        assert_eq!(sns.modeled("NotFound"), Some("NotFoundException"));
        assert_eq!(operation("getObject"), "GetObject");
        assert!(s3_operation("ListObjectsV2").is_some());
    }
}
