//! The SQS operations (`X-Amz-Target: AmazonSQS.<Operation>`) over the embedded queue.

use super::App;
use super::http::unknown_operation;
use super::protocol::{ApiError, Body, Reply};
use crate::store::MessageRecord;
use serde_json::Value;
use std::sync::Arc;

pub async fn call(_app: Arc<App>, op: &str, _body: Body) -> Reply {
    Err(unknown_operation(&format!("AmazonSQS.{op}")))
}

/// A queue's `RedrivePolicy`: where messages go after `max_receive_count` receives.
struct Redrive {
    dead_letter_queue: String,
    max_receive_count: i64,
}

fn redrive_policy(attributes: &str) -> Option<Redrive> {
    let attrs: Value = serde_json::from_str(attributes).ok()?;
    let policy: Value = serde_json::from_str(attrs.get("RedrivePolicy")?.as_str()?).ok()?;
    let target = policy.get("deadLetterTargetArn")?.as_str()?;
    let max = match policy.get("maxReceiveCount")? {
        Value::String(s) => s.parse().ok()?,
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
    for m in received {
        if m.receive_count > policy.max_receive_count
            && app
                .store
                .move_message(queue, &m.id, &policy.dead_letter_queue, now_ms)?
        {
            continue;
        }
        kept.push(m);
    }
    Ok(kept)
}
