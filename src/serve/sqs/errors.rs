//! SQS's errors as its JSON protocol sends them. `__type` names the modeled shape (boto3 raises
//! `client.exceptions.<Shape>` from it); `x-amzn-query-error` carries the code of SQS's older
//! query protocol, which the SDKs show as the error code (`e.response["Error"]["Code"]`).
//! Unmodeled errors (`InvalidParameterValue`, `MissingParameter`) use the `com.amazon.coral`
//! names AWS sends for them.

use crate::serve::protocol::ApiError;

fn sqs(shape: &str, query_code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(&format!("com.amazonaws.sqs#{shape}"), message).with_query_code(query_code)
}

/// The legacy code of errors whose shape was renamed when SQS moved to JSON.
fn legacy(shape: &str, message: impl Into<String>) -> ApiError {
    sqs(shape, &format!("AWS.SimpleQueueService.{shape}"), message)
}

pub fn queue_does_not_exist(name: &str) -> ApiError {
    sqs(
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        format!(
            "The specified queue does not exist: '{name}' (create it with CreateQueue, or `stepwise queue create {name}`)"
        ),
    )
}

pub fn queue_name_exists(name: &str, attribute: &str) -> ApiError {
    sqs(
        "QueueNameExists",
        "QueueAlreadyExists",
        format!(
            "A queue already exists with the same name and a different value for attribute {attribute}: '{name}' (use SetQueueAttributes to change it)"
        ),
    )
}

pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::new(
        "com.amazon.coral.service#InvalidParameterValueException",
        message,
    )
    .with_query_code("InvalidParameterValue")
}

/// `Value V for parameter P is invalid. Reason: R.`, as SQS words it.
pub fn invalid_value(parameter: &str, value: impl std::fmt::Display, reason: &str) -> ApiError {
    invalid_parameter(format!(
        "Value {value} for parameter {parameter} is invalid. Reason: {reason}."
    ))
}

pub fn missing(parameter: &str) -> ApiError {
    ApiError::new(
        "com.amazon.coral.service#MissingRequiredParameterException",
        format!("The request must contain the parameter {parameter}."),
    )
    .with_query_code("MissingParameter")
}

pub fn invalid_attribute_name(name: &str, hint: &str) -> ApiError {
    sqs(
        "InvalidAttributeName",
        "InvalidAttributeName",
        format!("Unknown Attribute {name}.{hint}"),
    )
}

pub fn invalid_attribute_value(name: &str, reason: &str) -> ApiError {
    sqs(
        "InvalidAttributeValue",
        "InvalidAttributeValue",
        format!("Invalid value for the parameter {name}. Reason: {reason}."),
    )
}

pub fn receipt_handle_invalid(handle: &str) -> ApiError {
    let shown: String = handle.chars().take(60).collect();
    sqs(
        "ReceiptHandleIsInvalid",
        "ReceiptHandleIsInvalid",
        format!(
            "The input receipt handle \"{shown}\" is not a valid receipt handle (pass the ReceiptHandle of a message ReceiveMessage returned)"
        ),
    )
}

pub fn invalid_message_contents(message: impl Into<String>) -> ApiError {
    sqs("InvalidMessageContents", "InvalidMessageContents", message)
}

pub fn empty_batch(entry: &str) -> ApiError {
    legacy(
        "EmptyBatchRequest",
        format!("There should be at least one {entry} in the request."),
    )
}

pub fn too_many_entries(count: usize) -> ApiError {
    legacy(
        "TooManyEntriesInBatchRequest",
        format!("Maximum number of entries per request are 10. You have sent {count}."),
    )
}

pub fn ids_not_distinct(id: &str) -> ApiError {
    legacy("BatchEntryIdsNotDistinct", format!("Id {id} repeated."))
}

pub fn invalid_batch_entry_id(id: &str) -> ApiError {
    legacy(
        "InvalidBatchEntryId",
        format!(
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. Got '{id}'."
        ),
    )
}

pub fn batch_too_long(bytes: usize, max: usize) -> ApiError {
    legacy(
        "BatchRequestTooLong",
        format!("Batch requests cannot be longer than {max} bytes. You have sent {bytes} bytes."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modeled_shapes_and_legacy_codes() {
        let e = queue_does_not_exist("q");
        assert_eq!(e.code, "com.amazonaws.sqs#QueueDoesNotExist");
        assert_eq!(
            e.query_code.as_deref(),
            Some("AWS.SimpleQueueService.NonExistentQueue")
        );
        let e = empty_batch("SendMessageBatchRequestEntry");
        assert_eq!(
            e.query_code.as_deref(),
            Some("AWS.SimpleQueueService.EmptyBatchRequest")
        );
        assert_eq!(
            missing("QueueUrl").query_code.as_deref(),
            Some("MissingParameter")
        );
    }
}
