//! Queue operations: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue,
//! Get/SetQueueAttributes, ListDeadLetterSourceQueues.

use super::attributes::{self, first_difference, is_fifo, stored};
use super::errors::{invalid_parameter, invalid_value, missing, queue_name_exists};
use super::{load, public, queue_of, required};
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply, page_position, page_token};
use crate::store::QueueRecord;
use crate::store::queue::redrive;
use serde_json::{Value, json};

/// Idempotent when every attribute given has the existing queue's value, as SQS.
pub fn create(app: &App, body: &Body, origin: Option<&str>) -> Reply {
    let name = required(body, "QueueName")?;
    let requested = attributes::requested(body.get("Attributes"))?;
    let fifo = requested
        .get("FifoQueue")
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    check_name(name, fifo)?;
    let changes = attributes::check(app, &requested, fifo, true)?;
    let now = app.now();
    let mut initial = serde_json::Map::new();
    attributes::apply(&mut initial, &changes, now);
    let q = app
        .store
        .create_queue(name, &Value::Object(initial).to_string(), now)?;
    if let Some(different) = first_difference(&q, &changes) {
        return Err(queue_name_exists(name, different));
    }
    Ok(json!({"QueueUrl": app.queue_url(origin, name)}))
}

/// SQS's rule: 1 to 80 alphanumeric characters, hyphens or underscores; FIFO queues end in
/// `.fifo` (counted in the 80), and only they do.
fn check_name(name: &str, fifo: bool) -> Result<(), ApiError> {
    let stem = name.strip_suffix(".fifo");
    let valid = |s: &str| {
        !s.is_empty()
            && name.chars().count() <= 80
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match (fifo, stem) {
        (true, Some(stem)) if valid(stem) => Ok(()),
        (true, _) => Err(invalid_parameter(format!(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length: '{name}'"
        ))),
        (false, Some(_)) => Err(invalid_parameter(format!(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length: '{name}' (a name ending in .fifo needs the attribute FifoQueue=true)"
        ))),
        (false, None) if valid(name) => Ok(()),
        (false, None) => Err(invalid_parameter(format!(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length: '{name}'"
        ))),
    }
}

pub fn get_url(app: &App, body: &Body, origin: Option<&str>) -> Reply {
    let q = load(app, required(body, "QueueName")?)?;
    Ok(json!({"QueueUrl": app.queue_url(origin, &q.name)}))
}

/// Up to 1000 URLs; pages only when the client gives `MaxResults`, as SQS.
pub fn list(app: &App, body: &Body, origin: Option<&str>) -> Reply {
    let prefix = body.opt_str("QueueNamePrefix")?.unwrap_or("");
    let max = match body.opt_i64("MaxResults")? {
        None => None,
        Some(n @ 1..=1000) => Some(n as usize),
        Some(n) => {
            return Err(invalid_value(
                "MaxResults",
                n,
                "MaxResults must be an integer between 1 and 1000",
            ));
        }
    };
    let after = match body.opt_str("NextToken")? {
        Some(t) => Some(
            page_position(t)
                .map_err(|_| invalid_parameter(format!("Invalid NextToken value: '{t}'")))?,
        ),
        None => None,
    };
    let queues = app.store.list_queues(prefix)?;
    let rest: Vec<&QueueRecord> = queues
        .iter()
        .filter(|q| public(&q.name))
        .filter(|q| after.as_ref().is_none_or(|a| q.name.as_str() > a.as_str()))
        .collect();
    let page = &rest[..rest.len().min(max.unwrap_or(1000))];
    let mut out = json!({});
    if !page.is_empty() {
        let urls: Vec<String> = page
            .iter()
            .map(|q| app.queue_url(origin, &q.name))
            .collect();
        out["QueueUrls"] = json!(urls);
    }
    if max.is_some()
        && rest.len() > page.len()
        && let Some(last) = page.last()
    {
        out["NextToken"] = json!(page_token(&last.name));
    }
    Ok(out)
}

pub fn delete(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    app.store.delete_queue(&q.name)?;
    Ok(json!({}))
}

/// Immediate, and without SQS's one purge per minute.
pub fn purge(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    app.store.purge_queue(&q.name)?;
    Ok(json!({}))
}

pub fn get_attributes(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    let names = string_list(body, "AttributeNames")?;
    let attrs = attributes::render(app, &q, &names)?;
    if attrs.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({"Attributes": attrs}))
}

pub fn set_attributes(app: &App, body: &Body) -> Reply {
    let q = queue_of(app, body)?;
    if body.get("Attributes").is_none() {
        return Err(missing("Attributes"));
    }
    let requested = attributes::requested(body.get("Attributes"))?;
    let mut current = stored(&q);
    let changes = attributes::check(app, &requested, is_fifo(&current), false)?;
    attributes::apply(&mut current, &changes, app.now());
    app.store
        .set_queue_attributes(&q.name, &Value::Object(current).to_string())?;
    Ok(json!({}))
}

/// The queues whose `RedrivePolicy` names this queue.
pub fn dead_letter_sources(app: &App, body: &Body, origin: Option<&str>) -> Reply {
    let q = queue_of(app, body)?;
    let urls: Vec<String> = app
        .store
        .list_queues("")?
        .iter()
        .filter(|s| public(&s.name))
        .filter(|s| {
            redrive::redrive_policy(&s.attributes).is_some_and(|p| p.dead_letter_queue == q.name)
        })
        .map(|s| app.queue_url(origin, &s.name))
        .collect();
    Ok(json!({"queueUrls": urls}))
}

/// An optional list of strings (absent: empty).
pub(super) fn string_list(body: &Body, field: &str) -> Result<Vec<String>, ApiError> {
    let Some(v) = body.get(field) else {
        return Ok(Vec::new());
    };
    let items = v.as_array().ok_or_else(|| {
        ApiError::new(
            "SerializationException",
            format!("'{field}' must be a list of strings"),
        )
    })?;
    items
        .iter()
        .map(|i| {
            i.as_str().map(str::to_string).ok_or_else(|| {
                ApiError::new(
                    "SerializationException",
                    format!("'{field}' must be a list of strings"),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn queue_names() {
        assert!(check_name("orders-1_a", false).is_ok());
        assert!(check_name("orders.fifo", true).is_ok());
        assert!(check_name("orders.fifo", false).is_err());
        assert!(check_name("orders", true).is_err());
        assert!(check_name(".fifo", true).is_err());
        assert!(check_name("activity:x", false).is_err());
        assert!(check_name(&"a".repeat(80), false).is_ok());
        assert!(check_name(&"a".repeat(81), false).is_err());
        assert!(check_name(&format!("{}.fifo", "a".repeat(75)), true).is_ok());
        assert!(check_name(&format!("{}.fifo", "a".repeat(76)), true).is_err());
    }
}
