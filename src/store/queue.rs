//! The embedded message queue: SQS semantics kept in the same database as the executions, so
//! the callback pattern runs with no SQS at all and survives restarts.

use super::Result;
use serde::{Deserialize, Serialize};

pub mod redrive;

/// A queue. `attributes` is the JSON object of SQS attributes as strings, as SQS returns them
/// (`VisibilityTimeout`, `DelaySeconds`, `MessageRetentionPeriod`,
/// `ReceiveMessageWaitTimeSeconds`, `FifoQueue`, `ContentBasedDeduplication`, `RedrivePolicy`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRecord {
    pub name: String,
    pub attributes: String,
    pub created_ms: i64,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    pub queue: String,
    /// Assigned by the caller (a UUID), so the caller can return it before the commit.
    pub id: String,
    pub body: String,
    /// JSON object of SQS message attributes (`{"name": {"DataType", "StringValue"|"BinaryValue"}}`).
    pub attributes: String,
    /// Not visible before this time (DelaySeconds).
    pub visible_at_ms: i64,
    pub sent_ms: i64,
    /// FIFO queues.
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub queue: String,
    pub id: String,
    pub body: String,
    pub attributes: String,
    pub sent_ms: i64,
    pub visible_at_ms: i64,
    pub receive_count: i64,
    pub first_receive_ms: Option<i64>,
    /// Set by the last receive; a delete or visibility change must present it.
    pub receipt_handle: Option<String>,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
    /// Send order within the store (FIFO order, and "oldest first" for standard queues).
    pub sequence: i64,
}

/// How many messages a queue holds, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
}

pub trait QueueStore {
    /// Creates the queue, or returns the existing one unchanged when it exists.
    fn create_queue(&self, name: &str, attributes: &str, now_ms: i64) -> Result<QueueRecord>;
    fn queue(&self, name: &str) -> Result<Option<QueueRecord>>;
    /// Queues whose name starts with `prefix`, by name.
    fn list_queues(&self, prefix: &str) -> Result<Vec<QueueRecord>>;
    /// Deletes the queue and its messages; false when it did not exist.
    fn delete_queue(&self, name: &str) -> Result<bool>;
    fn set_queue_attributes(&self, name: &str, attributes: &str) -> Result<bool>;
    /// Stores a message; an unknown queue is `Ok(None)`. On a FIFO queue, a send whose
    /// deduplication id (the given one, else with `ContentBasedDeduplication` the hex SHA-256 of
    /// the body) was sent to the queue within `DEDUPLICATION_WINDOW_MS` before stores nothing and
    /// returns the original message, even when it was deleted since (then with this send's
    /// content). The caller applies the queue's `DelaySeconds` to `visible_at_ms`.
    fn send_message(&self, message: &NewMessage) -> Result<Option<MessageRecord>>;
    /// Atomically takes up to `max` messages visible at `now_ms` (oldest first; for a FIFO queue
    /// at most one in-flight group at a time per group), makes them invisible until
    /// `now_ms + visibility_ms`, increments their receive count and gives each a new receipt
    /// handle. Several processes may receive concurrently: a message goes to one of them.
    ///
    /// Standard queues: the messages visible the longest first, then by send order. FIFO queues:
    /// send order; a group gives messages only while none of its messages is in flight, and
    /// stops at its first message not yet visible (one call may take several of one group).
    /// Messages sent longer than `MessageRetentionPeriod` ago are deleted, not returned. An
    /// unknown queue gives nothing.
    fn receive_messages(
        &self,
        queue: &str,
        max: usize,
        visibility_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<MessageRecord>>;
    /// Deletes the message the receipt handle was issued for; false when it is unknown.
    fn delete_message(&self, queue: &str, receipt_handle: &str) -> Result<bool>;
    /// Receives one message and deletes it: a task that goes to exactly one taker (an activity
    /// task for `GetActivityTask`). The removal may reach the disk only with the caller's next
    /// durable write (PostgreSQL commits it without waiting for its WAL flush): a database
    /// crash before that hands the message out again, as SQS may after a delete.
    fn take_message(&self, queue: &str, now_ms: i64) -> Result<Option<MessageRecord>> {
        let Some(m) = self
            .receive_messages(queue, 1, 60_000, now_ms)?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        if let Some(h) = &m.receipt_handle {
            self.delete_message(queue, h)?;
        }
        Ok(Some(m))
    }
    /// `send_message` for an effect the outbox performs: durable with the commit that marks the
    /// effect done (PostgreSQL commits the send without waiting for its WAL flush, and that
    /// later commit's flush covers it). Should the database crash before, the outbox entry is
    /// still there and the effect is performed again — effects are at least once anyway.
    fn send_message_unflushed(&self, message: &NewMessage) -> Result<Option<MessageRecord>> {
        self.send_message(message)
    }
    /// Makes the message visible at `now_ms + visibility_ms`; false when the handle is unknown.
    fn change_visibility(
        &self,
        queue: &str,
        receipt_handle: &str,
        visibility_ms: i64,
        now_ms: i64,
    ) -> Result<bool>;
    /// Moves a message to another queue (dead-letter redrive), keeping its id and body.
    /// The message keeps its attributes, group, send time and receive count, is visible at
    /// `now_ms`, goes behind the target's messages, and its receipt handle stops working. False
    /// when the message or the target queue does not exist.
    fn move_message(&self, queue: &str, id: &str, to_queue: &str, now_ms: i64) -> Result<bool>;
    /// Deletes every message of the queue (deduplication ids stay remembered).
    fn purge_queue(&self, name: &str) -> Result<()>;
    /// Messages within their retention period: visible, received and not yet visible again
    /// (in flight), and never received and not yet visible (delayed). Zero for an unknown queue.
    fn queue_counts(&self, name: &str, now_ms: i64) -> Result<QueueCounts>;
    /// Up to `limit` of the queue's unexpired messages in send order, visible or not, without
    /// receiving them: what the console shows. Nothing about them changes.
    fn peek_messages(&self, name: &str, limit: usize, now_ms: i64) -> Result<Vec<MessageRecord>>;
}

/// How long a deduplication id keeps later sends to a FIFO queue from storing a message: five
/// minutes, as SQS.
pub const DEDUPLICATION_WINDOW_MS: i64 = 5 * 60 * 1000;
/// `MessageRetentionPeriod` when the queue does not set it: four days, as SQS.
pub const DEFAULT_RETENTION_SECONDS: i64 = 345_600;

/// What the backends read from a queue's attributes. Lenient: an attribute that is missing or
/// cannot be read takes SQS's default (validating attributes is the API's job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Settings {
    pub fifo: bool,
    pub content_based_deduplication: bool,
    /// `DeduplicationScope` = `messageGroup`: ids are compared within a message group only.
    pub deduplicate_per_group: bool,
    pub retention_ms: i64,
}

impl Settings {
    pub(super) fn of(attributes: &str) -> Settings {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(attributes).unwrap_or_default();
        let text = |name: &str| match map.get(name) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(v @ (serde_json::Value::Bool(_) | serde_json::Value::Number(_))) => {
                Some(v.to_string())
            }
            _ => None,
        };
        let yes = |name: &str| text(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let retention_s = text("MessageRetentionPeriod").and_then(|v| v.trim().parse::<i64>().ok());
        Settings {
            fifo: yes("FifoQueue"),
            content_based_deduplication: yes("ContentBasedDeduplication"),
            deduplicate_per_group: text("DeduplicationScope").as_deref() == Some("messageGroup"),
            retention_ms: retention_s
                .filter(|s| *s > 0)
                .unwrap_or(DEFAULT_RETENTION_SECONDS)
                .saturating_mul(1000),
        }
    }

    /// Messages sent at or before this time have outlived the retention period at `now_ms`.
    pub(super) fn expired_up_to(&self, now_ms: i64) -> i64 {
        now_ms.saturating_sub(self.retention_ms)
    }

    /// The key a send to this queue is deduplicated under, `(scope, deduplication id)`: the scope
    /// is the message group with `DeduplicationScope` = `messageGroup`, else empty. Only FIFO
    /// queues deduplicate; the id is the given one, else (with `ContentBasedDeduplication`) the
    /// hex SHA-256 of the body.
    pub(super) fn deduplication(&self, m: &NewMessage) -> Option<(String, String)> {
        if !self.fifo {
            return None;
        }
        let id = match &m.deduplication_id {
            Some(id) => id.clone(),
            None if self.content_based_deduplication => body_hash(&m.body),
            None => return None,
        };
        let scope = match (&m.group_id, self.deduplicate_per_group) {
            (Some(group), true) => group.clone(),
            _ => String::new(),
        };
        Some((scope, id))
    }
}

/// The queue's `DelaySeconds` in milliseconds (0 when unset or unreadable): senders apply it
/// to messages that give no delay of their own.
pub fn queue_delay_ms(attributes: &str) -> i64 {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(attributes).unwrap_or_default();
    let secs = match map.get("DelaySeconds") {
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(v) => v.as_i64(),
        None => None,
    };
    secs.unwrap_or(0).clamp(0, 900) * 1000
}

fn body_hash(body: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(body.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new receipt handle: 256 random bits, URL-safe base64 without padding.
pub(super) fn receipt_handle() -> Result<String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        super::Error::Backend(format!(
            "cannot make a receipt handle: the system random source failed: {e}"
        ))
    })?;
    // A handle never starts with `-`, which command lines read as an option
    // (`aws sqs delete-message --receipt-handle -x...`).
    bytes[0] &= 0x7f;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The record of a message just stored.
pub(super) fn stored(
    m: &NewMessage,
    deduplication_id: Option<String>,
    sequence: i64,
) -> MessageRecord {
    MessageRecord {
        queue: m.queue.clone(),
        id: m.id.clone(),
        body: m.body.clone(),
        attributes: m.attributes.clone(),
        sent_ms: m.sent_ms,
        visible_at_ms: m.visible_at_ms,
        receive_count: 0,
        first_receive_ms: None,
        receipt_handle: None,
        group_id: m.group_id.clone(),
        deduplication_id,
        sequence,
    }
}

/// What a duplicate send answers when the original message is gone (deleted, expired or moved):
/// the original's id, sequence and send time, with this send's content.
pub(super) fn duplicate(
    m: &NewMessage,
    id: String,
    sequence: i64,
    sent_ms: i64,
    deduplication_id: String,
) -> MessageRecord {
    MessageRecord {
        id,
        sent_ms,
        ..stored(m, Some(deduplication_id), sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_strings_and_plain_json() {
        let s = Settings::of(
            r#"{"FifoQueue":"true","ContentBasedDeduplication":true,"MessageRetentionPeriod":"60"}"#,
        );
        assert_eq!(
            s,
            Settings {
                fifo: true,
                content_based_deduplication: true,
                deduplicate_per_group: false,
                retention_ms: 60_000
            }
        );
        let d = Settings::of("not json");
        assert!(!d.fifo && !d.content_based_deduplication);
        assert_eq!(d.retention_ms, DEFAULT_RETENTION_SECONDS * 1000);
        assert_eq!(
            Settings::of(r#"{"MessageRetentionPeriod":60}"#).retention_ms,
            60_000
        );
        assert!(Settings::of(r#"{"DeduplicationScope":"messageGroup"}"#).deduplicate_per_group);
    }

    #[test]
    fn content_deduplication_is_the_sha256_of_the_body() {
        let s = Settings::of(r#"{"FifoQueue":"true","ContentBasedDeduplication":"true"}"#);
        let m = NewMessage {
            queue: "q.fifo".into(),
            id: "1".into(),
            body: "abc".into(),
            attributes: "{}".into(),
            visible_at_ms: 0,
            sent_ms: 0,
            group_id: Some("g".into()),
            deduplication_id: None,
        };
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(s.deduplication(&m), Some((String::new(), sha.into())));
        let given = NewMessage {
            deduplication_id: Some("d".into()),
            ..m.clone()
        };
        assert_eq!(s.deduplication(&given), Some((String::new(), "d".into())));
        assert_eq!(
            Settings::of("{}").deduplication(&given),
            None,
            "standard queues do not deduplicate"
        );
    }

    #[test]
    fn receipt_handles_are_url_safe_and_fresh() {
        let (a, b) = (receipt_handle().unwrap(), receipt_handle().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        for _ in 0..500 {
            assert!(!receipt_handle().unwrap().starts_with('-'));
        }
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
