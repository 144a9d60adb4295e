//! Dead-letter queues: a queue's `RedrivePolicy` moves a message received more than
//! `maxReceiveCount` times to its dead-letter queue. Applied on every receive, by the API and by
//! queue triggers alike.

use crate::serve::App;
use crate::serve::protocol::ApiError;
use crate::store::MessageRecord;
use serde_json::Value;

/// A queue's `RedrivePolicy`: where messages go after `max_receive_count` receives.
pub(super) struct Redrive {
    pub dead_letter_queue: String,
    pub max_receive_count: i64,
}

/// The policy in a queue's attributes (a JSON object of strings); `None` when unset or unreadable.
pub(super) fn redrive_policy(attributes: &str) -> Option<Redrive> {
    let attrs: Value = serde_json::from_str(attributes).ok()?;
    parse(attrs.get("RedrivePolicy")?.as_str()?)
}

/// A `RedrivePolicy` value: `maxReceiveCount` may be a number or a string, as SQS accepts both.
pub(super) fn parse(policy: &str) -> Option<Redrive> {
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

/// Receives up to `max` messages, applying the queue's redrive policy: a message received more
/// than `maxReceiveCount` times moves to the dead-letter queue instead of being returned.
pub fn receive(
    app: &App,
    queue: &str,
    max: usize,
    visibility_ms: i64,
    now_ms: i64,
) -> Result<Vec<MessageRecord>, ApiError> {
    let received = app
        .store
        .receive_messages(queue, max, visibility_ms, now_ms)?;
    if received.is_empty() {
        return Ok(received);
    }
    let policy = app
        .store
        .queue(queue)?
        .and_then(|q| redrive_policy(&q.attributes));
    let Some(policy) = policy else {
        return Ok(received);
    };
    let mut kept = Vec::with_capacity(received.len());
    let mut moved = false;
    for m in received {
        if m.receive_count > policy.max_receive_count
            && app
                .store
                .move_message(queue, &m.id, &policy.dead_letter_queue, now_ms)?
        {
            moved = true;
            continue;
        }
        kept.push(m);
    }
    if moved {
        // Long polls on the dead-letter queue look again.
        app.arrivals.notify_waiters();
    }
    Ok(kept)
}
