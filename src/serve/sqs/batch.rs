//! SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch: 1 to 10 entries with
//! distinct ids, checked as a whole first; then each entry succeeds or fails on its own and is
//! reported under `Successful` or `Failed` with SQS's error code.

use super::attributes::MAX_MESSAGE_SIZE;
use super::errors::{
    batch_too_long, empty_batch, ids_not_distinct, invalid_batch_entry_id, too_many_entries,
};
use super::messages::{change_entry, delete_entry};
use super::send::send_entry;
use super::{message_attributes, queue_of};
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply};
use serde_json::{Value, json};
use std::collections::HashSet;

const MAX_ENTRIES: usize = 10;

pub fn send(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    let entries = entries(body, "SendMessageBatchRequestEntry")?;
    let bytes: usize = entries.iter().map(|(_, e)| entry_size(e)).sum();
    if bytes as i64 > MAX_MESSAGE_SIZE {
        return Err(batch_too_long(bytes, MAX_MESSAGE_SIZE as usize));
    }
    let now = app.now();
    let results: Vec<_> = entries
        .into_iter()
        .map(|(id, e)| (id, send_entry(app, &q, &e, now)))
        .collect();
    if results.iter().any(|(_, r)| r.is_ok()) {
        app.arrivals.notify_waiters();
    }
    Ok(outcome(results))
}

pub fn delete(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    let entries = entries(body, "DeleteMessageBatchRequestEntry")?;
    let results = entries
        .into_iter()
        .map(|(id, e)| (id, delete_entry(app, &q, &e).map(|()| json!({}))))
        .collect();
    Ok(outcome(results))
}

pub fn change_visibility(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    let entries = entries(body, "ChangeMessageVisibilityBatchRequestEntry")?;
    let results = entries
        .into_iter()
        .map(|(id, e)| (id, change_entry(app, &q, &e).map(|()| json!({}))))
        .collect();
    Ok(outcome(results))
}

/// The request's `Entries` with their ids, checked as SQS checks the whole batch.
fn entries(body: &Body, entry_name: &str) -> Result<Vec<(String, Body)>, ApiError> {
    let list = match body.get("Entries") {
        None => &Vec::new(),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(ApiError::new(
                "SerializationException",
                "'Entries' must be a list",
            ));
        }
    };
    if list.is_empty() {
        return Err(empty_batch(entry_name));
    }
    if list.len() > MAX_ENTRIES {
        return Err(too_many_entries(list.len()));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for entry in list {
        let Value::Object(fields) = entry else {
            return Err(ApiError::new(
                "SerializationException",
                format!("each of 'Entries' must be a {entry_name} object"),
            ));
        };
        let entry = Body(fields.clone());
        let id = entry.opt_str("Id")?.unwrap_or("").to_string();
        if !valid_id(&id) {
            return Err(invalid_batch_entry_id(&id));
        }
        if !seen.insert(id.clone()) {
            return Err(ids_not_distinct(&id));
        }
        out.push((id, entry));
    }
    Ok(out)
}

/// 1 to 80 letters, digits, hyphens and underscores.
fn valid_id(id: &str) -> bool {
    (1..=80).contains(&id.len())
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// What an entry adds to the batch's size: its body and message attributes.
fn entry_size(entry: &Body) -> usize {
    let body = entry
        .opt_str("MessageBody")
        .ok()
        .flatten()
        .map_or(0, str::len);
    let attributes = message_attributes::check(entry.get("MessageAttributes"))
        .map_or(0, |a| message_attributes::size(&a));
    body + attributes
}

/// `{"Successful": [{Id, ...result}], "Failed": [{Id, SenderFault, Code, Message}]}`.
fn outcome(results: Vec<(String, Result<Value, ApiError>)>) -> Value {
    let mut successful = Vec::new();
    let mut failed = Vec::new();
    for (id, result) in results {
        match result {
            Ok(mut v) => {
                v["Id"] = json!(id);
                successful.push(v);
            }
            Err(e) => failed.push(json!({
                "Id": id,
                "SenderFault": e.status < 500,
                "Code": e.query_code.clone().unwrap_or_else(|| e.code.clone()),
                "Message": e.message,
            })),
        }
    }
    json!({"Successful": successful, "Failed": failed})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn body(v: Value) -> Body {
        match v {
            Value::Object(m) => Body(m),
            _ => Body(Map::new()),
        }
    }

    fn code(r: Result<Vec<(String, Body)>, ApiError>) -> Option<String> {
        r.err().and_then(|e| e.query_code)
    }

    #[test]
    fn whole_batch_checks() {
        let e = |ids: &[&str]| {
            let list: Vec<Value> = ids.iter().map(|i| json!({"Id": i})).collect();
            body(json!({ "Entries": list }))
        };
        assert_eq!(
            code(entries(&e(&[]), "E")).as_deref(),
            Some("AWS.SimpleQueueService.EmptyBatchRequest")
        );
        assert_eq!(
            code(entries(&e(&["a"; 11]), "E")).as_deref(),
            Some("AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
        );
        assert_eq!(
            code(entries(&e(&["a", "a"]), "E")).as_deref(),
            Some("AWS.SimpleQueueService.BatchEntryIdsNotDistinct")
        );
        assert_eq!(
            code(entries(&e(&["a b"]), "E")).as_deref(),
            Some("AWS.SimpleQueueService.InvalidBatchEntryId")
        );
        assert_eq!(entries(&e(&["a-1", "b_2"]), "E").unwrap().len(), 2);
    }
}
