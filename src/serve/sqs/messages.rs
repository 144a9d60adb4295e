//! DeleteMessage and ChangeMessageVisibility, and the one-entry forms their batches share.
//!
//! As SQS: a receipt handle stepwise never issued is `ReceiptHandleIsInvalid`; deleting with a
//! handle that is no longer the message's latest (the message was deleted, or received again
//! since) succeeds and deletes nothing; changing the visibility with one fails.

use super::errors::{invalid_value, receipt_handle_invalid};
use super::{queue_of, required};
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply};
use crate::store::QueueRecord;
use serde_json::json;

pub fn delete(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    delete_entry(app, &q, body)?;
    Ok(json!({}))
}

pub fn change_visibility(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    change_entry(app, &q, body)?;
    Ok(json!({}))
}

pub(super) fn delete_entry(app: &App, q: &QueueRecord, entry: &Body) -> Result<(), ApiError> {
    let handle = handle(entry)?;
    app.store.delete_message(&q.name, handle)?;
    Ok(())
}

pub(super) fn change_entry(app: &App, q: &QueueRecord, entry: &Body) -> Result<(), ApiError> {
    let handle = handle(entry)?;
    let timeout = match entry.opt_i64("VisibilityTimeout")? {
        None => return Err(super::errors::missing("VisibilityTimeout")),
        Some(t) if !(0..=43_200).contains(&t) => {
            return Err(invalid_value(
                "VisibilityTimeout",
                t,
                "Must be >= 0 and <= 43200",
            ));
        }
        Some(t) => t,
    };
    if !app
        .store
        .change_visibility(&q.name, handle, timeout * 1000, app.now())?
    {
        return Err(invalid_value(
            "ReceiptHandle",
            handle,
            "Message does not exist or is not available for visibility timeout change (receive it again for a fresh receipt handle)",
        ));
    }
    if timeout == 0 {
        // Visible again now: long polls look again.
        app.arrivals.notify_waiters();
    }
    Ok(())
}

/// The entry's `ReceiptHandle`, if it has the shape of the handles the store issues (32 random
/// bytes, URL-safe base64 without padding).
fn handle(entry: &Body) -> Result<&str, ApiError> {
    let handle = required(entry, "ReceiptHandle")?;
    let issued = handle.len() == 43
        && handle
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if !issued {
        return Err(receipt_handle_invalid(handle));
    }
    Ok(handle)
}
