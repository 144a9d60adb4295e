//! ReceiveMessage: up to 10 messages, waiting up to `WaitTimeSeconds` (by default the queue's
//! `ReceiveMessageWaitTimeSeconds`) for the first to arrive. Sends wake the wait at once; it
//! also looks again every 200 ms, for messages that become visible or come from other processes.

use super::attributes::{is_fifo, number, stored};
use super::errors::invalid_value;
use super::message_attributes::{self, select};
use super::queues::string_list;
use super::redrive::receive;
use super::send::sequence_number;
use super::{on_pool, queue_of};
use crate::integrations::sqs::md5;
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply};
use crate::store::MessageRecord;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A checked request, with the queue's defaults filled in.
struct Poll {
    queue: String,
    fifo: bool,
    max: usize,
    visibility_ms: i64,
    wait: Duration,
    system_attributes: Vec<String>,
    message_attributes: Vec<String>,
}

pub async fn receive_message(app: Arc<App>, body: Body) -> Reply {
    let started = tokio::time::Instant::now();
    let poll = Arc::new(on_pool(app.clone(), move |app| prepare(app, &body)).await?);
    let deadline = started + poll.wait;
    loop {
        let notified = app.arrivals.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let p = poll.clone();
        let messages = on_pool(app.clone(), move |app| {
            receive(app, &p.queue, p.max, p.visibility_ms, app.now())
        })
        .await?;
        if !messages.is_empty() {
            let rendered: Vec<Value> = messages.iter().map(|m| render(&app, &poll, m)).collect();
            return Ok(json!({"Messages": rendered}));
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(json!({}));
        }
        let wait = (deadline - now).min(Duration::from_millis(200));
        let _ = tokio::time::timeout(wait, notified).await;
    }
}

fn prepare(app: &App, body: &Body) -> Result<Poll, ApiError> {
    let q = queue_of(app, body)?;
    let attributes = stored(&q);
    let max = within(
        body,
        "MaxNumberOfMessages",
        1,
        10,
        "Must be between 1 and 10",
    )?
    .unwrap_or(1);
    let visibility = within(
        body,
        "VisibilityTimeout",
        0,
        43_200,
        "Must be >= 0 and <= 43200",
    )?
    .unwrap_or_else(|| number(&attributes, "VisibilityTimeout"));
    let wait = within(body, "WaitTimeSeconds", 0, 20, "Must be >= 0 and <= 20")?
        .unwrap_or_else(|| number(&attributes, "ReceiveMessageWaitTimeSeconds"));
    let mut system_attributes = string_list(body, "AttributeNames")?;
    system_attributes.extend(string_list(body, "MessageSystemAttributeNames")?);
    Ok(Poll {
        queue: q.name,
        fifo: is_fifo(&attributes),
        max: max as usize,
        visibility_ms: visibility * 1000,
        wait: Duration::from_secs(wait.clamp(0, 20) as u64),
        system_attributes,
        message_attributes: string_list(body, "MessageAttributeNames")?,
    })
}

/// An optional integer parameter within `min..=max`.
fn within(
    body: &Body,
    field: &str,
    min: i64,
    max: i64,
    reason: &str,
) -> Result<Option<i64>, ApiError> {
    match body.opt_i64(field)? {
        Some(n) if !(min..=max).contains(&n) => {
            Err(invalid_value(field, n, &format!("{reason}, if provided")))
        }
        n => Ok(n),
    }
}

fn render(app: &App, poll: &Poll, m: &MessageRecord) -> Value {
    let mut out = json!({
        "MessageId": m.id,
        "ReceiptHandle": m.receipt_handle,
        "MD5OfBody": md5::of_body(&m.body),
        "Body": m.body,
    });
    let system = system_attributes(app, poll, m);
    if !system.is_empty() {
        out["Attributes"] = Value::Object(system);
    }
    let attributes = select(
        message_attributes::stored(&m.attributes),
        &poll.message_attributes,
    );
    if let Some(digest) = md5::of_attributes(&Value::Object(attributes.clone())) {
        out["MD5OfMessageAttributes"] = json!(digest);
        out["MessageAttributes"] = Value::Object(attributes);
    }
    out
}

const SYSTEM_ATTRIBUTES: &[&str] = &[
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
];

/// The system attributes asked for (`All` for every one); names SQS does not know are ignored.
fn system_attributes(app: &App, poll: &Poll, m: &MessageRecord) -> Map<String, Value> {
    let all = poll.system_attributes.iter().any(|n| n == "All");
    SYSTEM_ATTRIBUTES
        .iter()
        .filter(|name| all || poll.system_attributes.iter().any(|n| n == *name))
        .filter_map(|name| {
            let value = match *name {
                // The sender is the account: requests are not authenticated.
                "SenderId" => Some(app.settings.account.clone()),
                "SentTimestamp" => Some(m.sent_ms.to_string()),
                "ApproximateReceiveCount" => Some(m.receive_count.to_string()),
                "ApproximateFirstReceiveTimestamp" => {
                    Some(m.first_receive_ms.unwrap_or(m.sent_ms).to_string())
                }
                "SequenceNumber" => poll.fifo.then(|| sequence_number(m.sequence)),
                "MessageDeduplicationId" => m.deduplication_id.clone().filter(|_| poll.fifo),
                _ => m.group_id.clone(),
            };
            value.map(|v| (name.to_string(), json!(v)))
        })
        .collect()
}
