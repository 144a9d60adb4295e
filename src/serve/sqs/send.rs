//! SendMessage, and the sending of one entry that SendMessageBatch shares: the body, message
//! attributes, size, delay and FIFO rules SQS checks, then the store (which deduplicates).

use super::attributes::{is_fifo, number, stored};
use super::errors::{
    invalid_message_contents, invalid_parameter, invalid_value, missing, queue_does_not_exist,
};
use super::message_attributes::{self, invalid_char};
use super::queue_of;
use crate::integrations::sqs::md5;
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply};
use crate::store::QueueRecord;
use crate::store::queue::{NewMessage, queue_delay_ms};
use serde_json::{Map, Value, json};

pub fn send_message(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    let sent = send_entry(app, &q, body, app.now())?;
    app.arrivals.notify_waiters();
    Ok(sent)
}

/// Checks and stores one message given with SendMessage's fields; SendMessage's result.
pub(super) fn send_entry(app: &App, q: &QueueRecord, entry: &Body, now_ms: i64) -> Reply {
    let attributes = stored(q);
    let fifo = is_fifo(&attributes);
    let body = entry
        .opt_str("MessageBody")?
        .filter(|b| !b.is_empty())
        .ok_or_else(|| missing("MessageBody"))?;
    if let Some(c) = invalid_char(body) {
        return Err(invalid_message_contents(format!(
            "Invalid binary character '#x{:X}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
            c as u32
        )));
    }
    let message_attributes = message_attributes::check(entry.get("MessageAttributes"))?;
    let max = number(&attributes, "MaximumMessageSize");
    let size = body.len() + message_attributes::size(&message_attributes);
    if size as i64 > max {
        return Err(invalid_parameter(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {max} bytes (this one has {size} bytes with its attributes; raise the queue's MaximumMessageSize, up to 1048576)."
        )));
    }
    let delay_ms = delay_ms(entry, fifo, &q.attributes)?;
    let (group_id, deduplication_id) = fifo_fields(entry, fifo, &attributes)?;
    let message = NewMessage {
        queue: q.name.clone(),
        id: uuid::Uuid::new_v4().to_string(),
        body: body.to_string(),
        attributes: Value::Object(message_attributes.clone()).to_string(),
        visible_at_ms: now_ms + delay_ms,
        sent_ms: now_ms,
        group_id,
        deduplication_id,
    };
    let Some(sent) = app.store.send_message(&message)? else {
        return Err(queue_does_not_exist(&q.name));
    };
    let mut out = json!({"MessageId": sent.id, "MD5OfMessageBody": md5::of_body(body)});
    if let Some(digest) = md5::of_attributes(&Value::Object(message_attributes)) {
        out["MD5OfMessageAttributes"] = json!(digest);
    }
    if fifo {
        out["SequenceNumber"] = json!(sequence_number(sent.sequence));
    }
    Ok(out)
}

/// The message's own `DelaySeconds` (not on FIFO queues, as SQS), else the queue's.
fn delay_ms(entry: &Body, fifo: bool, queue_attributes: &str) -> Result<i64, ApiError> {
    match entry.opt_i64("DelaySeconds")? {
        None => Ok(queue_delay_ms(queue_attributes)),
        Some(d) if !(0..=900).contains(&d) => {
            Err(invalid_value("DelaySeconds", d, "must be >= 0 and <= 900"))
        }
        Some(d) if fifo => Err(invalid_value(
            "DelaySeconds",
            d,
            "The request include parameter that is not valid for this queue type (FIFO queues take DelaySeconds as a queue attribute only)",
        )),
        Some(d) => Ok(d * 1000),
    }
}

/// `MessageGroupId` and `MessageDeduplicationId`: a FIFO queue needs a group, and a
/// deduplication id unless it has `ContentBasedDeduplication`; a standard queue takes no
/// deduplication id.
fn fifo_fields(
    entry: &Body,
    fifo: bool,
    attributes: &Map<String, Value>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let group = token(entry, "MessageGroupId")?;
    let dedup = token(entry, "MessageDeduplicationId")?;
    if !fifo {
        if let Some(d) = dedup {
            return Err(invalid_value(
                "MessageDeduplicationId",
                d,
                "The request include parameter that is not valid for this queue type",
            ));
        }
        return Ok((group, None));
    }
    if group.is_none() {
        return Err(missing("MessageGroupId"));
    }
    let content_based = super::attributes::effective(attributes, "ContentBasedDeduplication")
        .is_some_and(|v| v == "true");
    if dedup.is_none() && !content_based {
        return Err(invalid_parameter(
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        ));
    }
    Ok((group, dedup))
}

/// Group and deduplication ids: 1 to 128 characters, letters, digits and punctuation.
fn token(entry: &Body, field: &str) -> Result<Option<String>, ApiError> {
    let Some(v) = entry.opt_str(field)? else {
        return Ok(None);
    };
    let ok = !v.is_empty()
        && v.chars().count() <= 128
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation());
    if !ok {
        return Err(invalid_value(
            field,
            v,
            "it must be 1 to 128 characters: letters, digits and punctuation",
        ));
    }
    Ok(Some(v.to_string()))
}

/// SQS's `SequenceNumber`: a decimal string that grows within the queue (20 digits, so that
/// text order is number order).
pub(super) fn sequence_number(sequence: i64) -> String {
    format!("{sequence:020}")
}
