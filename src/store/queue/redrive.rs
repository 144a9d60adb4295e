//! Dead-letter queues: a queue's `RedrivePolicy` moves a message received more than
//! `maxReceiveCount` times to its dead-letter queue. Applied on every receive from the embedded
//! queue — by the SQS API, `--worker`, queue triggers and Conductor event handlers alike.

use super::{MessageRecord, QueueStore};
use crate::store::Result;
use serde_json::Value;

/// A queue's `RedrivePolicy`: where messages go after `max_receive_count` receives.
pub struct Redrive {
    pub dead_letter_queue: String,
    pub max_receive_count: i64,
}

/// The policy in a queue's attributes (a JSON object of strings); `None` when unset or unreadable.
pub fn redrive_policy(attributes: &str) -> Option<Redrive> {
    let attrs: Value = serde_json::from_str(attributes).ok()?;
    parse(attrs.get("RedrivePolicy")?.as_str()?)
}

/// A `RedrivePolicy` value: `maxReceiveCount` may be a number or a string, as SQS accepts both.
pub fn parse(policy: &str) -> Option<Redrive> {
    let policy: Value = serde_json::from_str(policy).ok()?;
    let target = policy.get("deadLetterTargetArn")?.as_str()?;
    let max = match policy.get("maxReceiveCount")? {
        Value::String(s) => s.trim().parse().ok()?,
        v => v.as_i64()?,
    };
    Some(Redrive {
        dead_letter_queue: target.rsplit(':').next()?.to_string(),
        max_receive_count: max,
    })
}

/// What a receive gave, and whether it moved messages to a dead-letter queue (whose long polls
/// may want to look again).
pub struct Received {
    pub messages: Vec<MessageRecord>,
    pub moved: bool,
}

/// Receives up to `max` messages, applying the queue's redrive policy: a message received more
/// than `maxReceiveCount` times moves to the dead-letter queue instead of being returned.
pub fn receive(
    store: &dyn QueueStore,
    queue: &str,
    max: usize,
    visibility_ms: i64,
    now_ms: i64,
) -> Result<Received> {
    let messages = store.receive_messages(queue, max, visibility_ms, now_ms)?;
    let policy = match messages.is_empty() {
        true => None,
        false => store
            .queue(queue)?
            .and_then(|q| redrive_policy(&q.attributes)),
    };
    let Some(policy) = policy else {
        return Ok(Received {
            messages,
            moved: false,
        });
    };
    let mut kept = Vec::with_capacity(messages.len());
    let mut moved = false;
    for m in messages {
        if m.receive_count > policy.max_receive_count
            && store.move_message(queue, &m.id, &policy.dead_letter_queue, now_ms)?
        {
            moved = true;
            continue;
        }
        kept.push(m);
    }
    Ok(Received {
        messages: kept,
        moved,
    })
}
