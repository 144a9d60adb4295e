//! Task errors as Step Functions names them for AWS service calls: aws-sdk integrations after
//! the Java SDK v2 client (`S3.NoSuchKeyException`, `DynamoDb.DynamoDbException` for an
//! unmodeled code), optimized ones after the v1 client (`DynamoDB.ConditionalCheckFailedException`,
//! `DynamoDB.AmazonDynamoDBException`), each with the cause format AWS records; and a request
//! that got no answer (`<Prefix>.SdkClientException`) with what to do about it.

use crate::integrations::Reply;
use crate::integrations::aws::catalog::ServiceInfo;
use crate::integrations::aws::{self, NoAnswer};

/// An error the service answered with.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    pub status: u16,
    /// The service's error code (`NoSuchKey`, `ConditionalCheckFailedException`).
    pub code: String,
    pub message: String,
    pub request_id: String,
    /// S3's `x-amz-id-2`.
    pub extended_id: Option<String>,
}

/// Why a call did not give a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The service answered with an error.
    Service(ServiceError),
    /// No answer came.
    NoAnswer(NoAnswer),
    /// An answer came that is not the service's (what was wrong with it).
    Unreadable(String),
}

/// The request id of an answer: `x-amzn-RequestId`, `x-amz-request-id`, else a new one.
pub fn request_id(answer: &crate::integrations::aws::signed::Response) -> String {
    answer
        .header("x-amzn-requestid")
        .or_else(|| answer.header("x-amz-request-id"))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string)
}

/// How an optimized integration names its errors.
#[derive(Debug, Clone, Copy)]
pub struct Optimized {
    /// `DynamoDB`, `SNS`, `EventBridge`.
    pub prefix: &'static str,
    /// The Java SDK v1 client's name in causes (`AmazonDynamoDBv2`).
    pub client: &'static str,
    /// The v1 client's exception for unmodeled codes (`AmazonDynamoDBException`).
    pub unmodeled: &'static str,
}

pub const DYNAMODB: Optimized = Optimized {
    prefix: "DynamoDB",
    client: "AmazonDynamoDBv2",
    unmodeled: "AmazonDynamoDBException",
};
pub const SNS: Optimized = Optimized {
    prefix: "SNS",
    client: "AmazonSNS",
    unmodeled: "AmazonSNSException",
};
pub const EVENTBRIDGE: Optimized = Optimized {
    prefix: "EventBridge",
    client: "AmazonCloudWatchEvents",
    unmodeled: "AmazonCloudWatchEventsException",
};

/// `Name` + `Exception` unless it already ends so.
fn exception(name: &str) -> String {
    if name.ends_with("Exception") {
        name.to_string()
    } else {
        format!("{name}Exception")
    }
}

/// An aws-sdk integration's failure, whatever kind it is.
pub fn sdk(service: &ServiceInfo, endpoint: &str, region: &str, f: &Failure) -> Reply {
    match f {
        Failure::Service(e) => sdk_failure(service, e),
        Failure::NoAnswer(why) => no_answer(service.java, service, endpoint, region, why),
        Failure::Unreadable(d) => unreadable(service.java, service, endpoint, region, d),
    }
}

/// An optimized integration's failure, whatever kind it is.
pub fn optimized(
    o: Optimized,
    service: &ServiceInfo,
    endpoint: &str,
    region: &str,
    f: &Failure,
) -> Reply {
    match f {
        Failure::Service(e) => optimized_failure(o, service, e),
        Failure::NoAnswer(why) => no_answer(o.prefix, service, endpoint, region, why),
        Failure::Unreadable(d) => unreadable(o.prefix, service, endpoint, region, d),
    }
}

/// An aws-sdk integration's failure: `<Java>.<Modeled>Exception` or `<Java>.<Java>Exception`,
/// cause `<message> (Service: <Java>, Status Code: N, Request ID: X[, Extended Request ID: Y])`.
pub fn sdk_failure(service: &ServiceInfo, e: &ServiceError) -> Reply {
    let name = match service.modeled(&e.code) {
        Some(shape) => exception(shape),
        None => format!("{}Exception", service.java),
    };
    let mut cause = format!(
        "{} (Service: {}, Status Code: {}, Request ID: {}",
        e.message, service.java, e.status, e.request_id
    );
    if let Some(x) = &e.extended_id {
        cause.push_str(&format!(", Extended Request ID: {x}"));
    }
    cause.push(')');
    Reply::Failed {
        error: Some(format!("{}.{name}", service.java)),
        cause: Some(cause),
    }
}

/// An optimized integration's failure: `<Prefix>.<Modeled>Exception`, else
/// `<Prefix>.<Unmodeled>`, cause
/// `<message> (Service: <Client>; Status Code: N; Error Code: C; Request ID: X; Proxy: null)`.
pub fn optimized_failure(o: Optimized, service: &ServiceInfo, e: &ServiceError) -> Reply {
    let name = match service.modeled(&e.code) {
        Some(shape) => exception(shape),
        None => o.unmodeled.to_string(),
    };
    Reply::Failed {
        error: Some(format!("{}.{name}", o.prefix)),
        cause: Some(format!(
            "{} (Service: {}; Status Code: {}; Error Code: {}; Request ID: {}; Proxy: null)",
            e.message, o.client, e.status, e.code, e.request_id
        )),
    }
}

/// A request that got no answer: `<prefix>.SdkClientException`, the SDK's message and what to
/// do about it.
pub fn no_answer(
    prefix: &str,
    service: &ServiceInfo,
    endpoint: &str,
    region: &str,
    why: &NoAnswer,
) -> Reply {
    let name = service.arn;
    let place = aws::place(endpoint, region);
    let hint = match why {
        NoAnswer::NoCredentials(_) => format!(
            "(stepwise: no AWS credentials to call {name} in {region}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE to a profile in ~/.aws/credentials; or pass --endpoint {name}=URL (or set AWS_ENDPOINT_URL) to use a local server, or mock the task with --mock-config FILE --test-case NAME)"
        ),
        NoAnswer::Unreachable(_) if endpoint != aws::AWS => format!(
            "(stepwise: no {name} endpoint answers at {endpoint}: start it, or pass --endpoint {name}=URL)"
        ),
        NoAnswer::Unreachable(_) => format!(
            "(stepwise: {name} in region {region} could not be reached: check the network connection and AWS_REGION, or pass --endpoint {name}=URL to use a local server)"
        ),
        NoAnswer::TimedOut(_) => format!(
            "(stepwise: {name} at {place} took the request but did not answer in time: is it overloaded or stuck?)"
        ),
        NoAnswer::Other(_) => {
            format!("(stepwise: the {name} request to {place} failed before an answer came)")
        }
    };
    Reply::Failed {
        error: Some(format!("{prefix}.SdkClientException")),
        cause: Some(format!("{} {hint}", why.message())),
    }
}

/// An answer that is not the service's (not JSON or XML where one was due, or an error without
/// a code): `<prefix>.SdkClientException` naming the endpoint.
pub fn unreadable(
    prefix: &str,
    service: &ServiceInfo,
    endpoint: &str,
    region: &str,
    detail: &str,
) -> Reply {
    Reply::Failed {
        error: Some(format!("{prefix}.SdkClientException")),
        cause: Some(format!(
            "Unable to unmarshall response ({detail}) (stepwise: is {} a {} endpoint?)",
            aws::place(endpoint, region),
            service.id
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::aws::catalog::service;

    fn err(status: u16, code: &str, message: &str) -> ServiceError {
        ServiceError {
            status,
            code: code.into(),
            message: message.into(),
            request_id: "R".into(),
            extended_id: None,
        }
    }

    #[test]
    fn aws_sdk_errors_are_named_after_the_java_v2_client() {
        let s3 = service("s3").expect("s3");
        let mut e = err(404, "NoSuchKey", "The specified key does not exist.");
        e.extended_id = Some("X2".into());
        assert_eq!(
            sdk_failure(s3, &e),
            Reply::Failed {
                error: Some("S3.NoSuchKeyException".into()),
                cause: Some("The specified key does not exist. (Service: S3, Status Code: 404, Request ID: R, Extended Request ID: X2)".into()),
            }
        );
        let ddb = service("dynamodb").expect("dynamodb");
        let Reply::Failed { error, cause } = sdk_failure(
            ddb,
            &err(400, "ValidationException", "1 validation error detected"),
        ) else {
            panic!("a failure")
        };
        assert_eq!(error.as_deref(), Some("DynamoDb.DynamoDbException"));
        assert_eq!(
            cause.as_deref(),
            Some(
                "1 validation error detected (Service: DynamoDb, Status Code: 400, Request ID: R)"
            )
        );
        let Reply::Failed { error, .. } = sdk_failure(
            ddb,
            &err(
                400,
                "ResourceNotFoundException",
                "Requested resource not found",
            ),
        ) else {
            panic!("a failure")
        };
        assert_eq!(error.as_deref(), Some("DynamoDb.ResourceNotFoundException"));
    }

    #[test]
    fn optimized_errors_are_named_after_the_java_v1_client() {
        let ddb = service("dynamodb").expect("dynamodb");
        let Reply::Failed { error, cause } = optimized_failure(
            DYNAMODB,
            ddb,
            &err(
                400,
                "ConditionalCheckFailedException",
                "The conditional request failed",
            ),
        ) else {
            panic!("a failure")
        };
        assert_eq!(
            error.as_deref(),
            Some("DynamoDB.ConditionalCheckFailedException")
        );
        assert_eq!(
            cause.as_deref(),
            Some(
                "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: R; Proxy: null)"
            )
        );
        let Reply::Failed { error, .. } =
            optimized_failure(DYNAMODB, ddb, &err(400, "ValidationException", "bad"))
        else {
            panic!("a failure")
        };
        assert_eq!(error.as_deref(), Some("DynamoDB.AmazonDynamoDBException"));
        let sns = service("sns").expect("sns");
        let Reply::Failed { error, .. } =
            optimized_failure(SNS, sns, &err(404, "NotFound", "Topic does not exist"))
        else {
            panic!("a failure")
        };
        assert_eq!(error.as_deref(), Some("SNS.NotFoundException"));
    }
}
