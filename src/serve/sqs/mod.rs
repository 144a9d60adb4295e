//! The SQS operations (`X-Amz-Target: AmazonSQS.<Operation>`) over the embedded queue.
//!
//! - `queues.rs` — create, find, list, delete, purge; `attributes.rs` — queue attributes.
//! - `send.rs` — SendMessage; `message_attributes.rs` — checking and selecting them.
//! - `receive.rs` — ReceiveMessage (long polls); `redrive.rs` — dead-letter queues.
//! - `messages.rs` — DeleteMessage, ChangeMessageVisibility; `batch.rs` — the batch forms.
//! - `errors.rs` — SQS's error shapes and legacy codes.
//! - `query/` — SQS's Query protocol (forms and XML) over the same operations.
//!
//! A queue is named by the last path segment of `QueueUrl`, whatever the host, so URLs written
//! for AWS and URLs pointing at this server reach the same queue. Names with `:` belong to
//! stepwise (activity tasks) and are neither listed nor reachable.

mod attributes;
mod batch;
mod errors;
mod message_attributes;
mod messages;
pub mod query;
mod queues;
mod receive;
mod redrive;
mod send;

pub use redrive::receive;

/// A queue's `VisibilityTimeout` in milliseconds (SQS's default when unset or unknown).
pub fn visibility_timeout_ms(app: &App, queue: &str) -> i64 {
    let attributes = match app.store.queue(queue) {
        Ok(Some(q)) => attributes::stored(&q),
        _ => Default::default(),
    };
    attributes::number(&attributes, "VisibilityTimeout") * 1000
}

use super::App;
use super::http::{blocking, unknown_operation};
use super::protocol::{ApiError, Body, Reply};
use crate::store::QueueRecord;
use std::sync::Arc;

/// `origin` (the URL the client reached the server at) is where queue URLs point.
pub async fn call(app: Arc<App>, op: &str, body: Body, origin: Option<String>) -> Reply {
    if op == "ReceiveMessage" {
        return receive::receive_message(app, body).await;
    }
    let op = op.to_string();
    blocking(app, move |app| {
        call_sync(app, &op, &body, origin.as_deref())
    })
    .await
}

fn call_sync(app: &App, op: &str, body: &Body, origin: Option<&str>) -> Reply {
    match op {
        "CreateQueue" => queues::create(app, body, origin),
        "GetQueueUrl" => queues::get_url(app, body, origin),
        "ListQueues" => queues::list(app, body, origin),
        "DeleteQueue" => queues::delete(app, body),
        "PurgeQueue" => queues::purge(app, body),
        "GetQueueAttributes" => queues::get_attributes(app, body),
        "SetQueueAttributes" => queues::set_attributes(app, body),
        "ListDeadLetterSourceQueues" => queues::dead_letter_sources(app, body, origin),
        "SendMessage" => send::send_message(app, body),
        "SendMessageBatch" => batch::send(app, body),
        "DeleteMessage" => messages::delete(app, body),
        "DeleteMessageBatch" => batch::delete(app, body),
        "ChangeMessageVisibility" => messages::change_visibility(app, body),
        "ChangeMessageVisibilityBatch" => batch::change_visibility(app, body),
        _ => Err(unknown_operation(&format!("AmazonSQS.{op}"))),
    }
}

/// Runs `f` on the blocking pool (the store is synchronous), for any result type.
async fn on_pool<T: Send + 'static>(
    app: Arc<App>,
    f: impl FnOnce(&App) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || f(&app))
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(format!("the operation failed: {e}"))))
}

/// A string field SQS requires (`MissingParameter` when absent).
fn required<'a>(body: &'a Body, field: &str) -> Result<&'a str, ApiError> {
    body.opt_str(field)?.ok_or_else(|| errors::missing(field))
}

/// A queue URL → the queue's name: its last path segment.
fn name_of_url(url: &str) -> &str {
    crate::integrations::sqs::queue_name(url)
}

/// Whether clients may see the queue: names with `:` are stepwise's own (activity tasks).
fn public(name: &str) -> bool {
    !name.is_empty() && !name.contains(':')
}

/// The queue a name stands for, or `QueueDoesNotExist`.
fn load(app: &App, name: &str) -> Result<QueueRecord, ApiError> {
    if !public(name) {
        return Err(errors::queue_does_not_exist(name));
    }
    app.store
        .queue(name)?
        .ok_or_else(|| errors::queue_does_not_exist(name))
}

/// The queue of the request's `QueueUrl`.
fn queue_of(app: &App, body: &Body) -> Result<QueueRecord, ApiError> {
    load(app, name_of_url(required(body, "QueueUrl")?))
}
