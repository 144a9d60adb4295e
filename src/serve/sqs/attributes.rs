//! Queue attributes: the ones a client may set and the values each accepts, SQS's defaults,
//! and the ones GetQueueAttributes computes. A queue's stored attributes are a JSON object of
//! strings holding what clients set (normalized) plus `LastModifiedTimestamp`; defaults are not
//! stored, so a later change of default reaches old queues.

use super::errors::{invalid_attribute_name, invalid_attribute_value};
use crate::serve::App;
use crate::serve::protocol::ApiError;
use crate::store::QueueRecord;
use crate::store::queue::QueueCounts;
use crate::store::queue::redrive;
use serde_json::{Map, Value, json};

/// How a settable attribute's value is checked.
#[derive(Clone, Copy)]
enum Rule {
    Int(i64, i64),
    Bool,
    Choice(&'static [&'static str]),
    /// Any JSON document (`Policy`, `RedriveAllowPolicy`).
    Json,
    Redrive,
    Text,
}

struct Settable {
    name: &'static str,
    rule: Rule,
    /// SQS's value when the queue does not set it.
    default: Option<&'static str>,
    fifo_only: bool,
}

const fn attr(name: &'static str, rule: Rule, default: Option<&'static str>) -> Settable {
    Settable {
        name,
        rule,
        default,
        fifo_only: false,
    }
}

const fn fifo(name: &'static str, rule: Rule, default: &'static str) -> Settable {
    Settable {
        name,
        rule,
        default: Some(default),
        fifo_only: true,
    }
}

pub const MAX_MESSAGE_SIZE: i64 = 1_048_576;

const SETTABLE: &[Settable] = &[
    attr("DelaySeconds", Rule::Int(0, 900), Some("0")),
    attr(
        "MaximumMessageSize",
        Rule::Int(1024, MAX_MESSAGE_SIZE),
        Some("1048576"),
    ),
    attr(
        "MessageRetentionPeriod",
        Rule::Int(60, 1_209_600),
        Some("345600"),
    ),
    attr("ReceiveMessageWaitTimeSeconds", Rule::Int(0, 20), Some("0")),
    attr("VisibilityTimeout", Rule::Int(0, 43_200), Some("30")),
    attr("Policy", Rule::Json, None),
    attr("RedrivePolicy", Rule::Redrive, None),
    attr("RedriveAllowPolicy", Rule::Json, None),
    attr("KmsMasterKeyId", Rule::Text, None),
    attr("KmsDataKeyReusePeriodSeconds", Rule::Int(60, 86_400), None),
    attr("SqsManagedSseEnabled", Rule::Bool, None),
    fifo("FifoQueue", Rule::Bool, "true"),
    fifo("ContentBasedDeduplication", Rule::Bool, "false"),
    fifo(
        "DeduplicationScope",
        Rule::Choice(&["messageGroup", "queue"]),
        "queue",
    ),
    fifo(
        "FifoThroughputLimit",
        Rule::Choice(&["perQueue", "perMessageGroupId"]),
        "perQueue",
    ),
];

/// Computed by GetQueueAttributes (in `render`'s order); clients cannot set them.
const COMPUTED: &[&str] = &[
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
];

/// Attributes that an empty value removes.
const REMOVABLE: &[&str] = &[
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
];

pub const LAST_MODIFIED: &str = "LastModifiedTimestamp";

/// A request's attributes, checked: name → normalized value, or `None` to remove it.
pub type Changes = Vec<(String, Option<String>)>;

/// The stored attributes of a queue (an empty map when unreadable).
pub fn stored(q: &QueueRecord) -> Map<String, Value> {
    serde_json::from_str(&q.attributes).unwrap_or_default()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
        _ => None,
    }
}

pub fn is_fifo(attributes: &Map<String, Value>) -> bool {
    attributes
        .get("FifoQueue")
        .and_then(text)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The attribute's value: stored, else SQS's default for this kind of queue.
pub fn effective(attributes: &Map<String, Value>, name: &str) -> Option<String> {
    if let Some(v) = attributes.get(name).and_then(text) {
        return Some(v);
    }
    let s = SETTABLE.iter().find(|s| s.name == name)?;
    if s.fifo_only && !is_fifo(attributes) {
        return None;
    }
    s.default.map(str::to_string)
}

/// An integer attribute in effect (stored or default); 0 when unreadable.
pub fn number(attributes: &Map<String, Value>, name: &str) -> i64 {
    effective(attributes, name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The request's `Attributes` map (names to strings; numbers and booleans are read as text).
pub fn requested(map: Option<&Value>) -> Result<Map<String, Value>, ApiError> {
    match map {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => {
            for (name, v) in m {
                if text(v).is_none() {
                    return Err(invalid_attribute_value(name, "the value must be a string"));
                }
            }
            Ok(m.clone())
        }
        Some(_) => Err(ApiError::new(
            "SerializationException",
            "'Attributes' must be a map of attribute names to strings",
        )),
    }
}

/// Checks requested attributes for a queue that is (or will be) FIFO or not. `creating`: only
/// CreateQueue may set `FifoQueue`.
pub fn check(
    app: &App,
    requested: &Map<String, Value>,
    fifo: bool,
    creating: bool,
) -> Result<Changes, ApiError> {
    let mut changes = Vec::with_capacity(requested.len());
    for (name, value) in requested {
        let value = text(value).unwrap_or_default();
        if let Some(change) = check_one(app, name, &value, fifo, creating)? {
            changes.push((name.clone(), change));
        }
    }
    Ok(changes)
}

/// One requested attribute: `None` when it changes nothing, else its new value (`Some(None)`
/// removes it).
fn check_one(
    app: &App,
    name: &str,
    value: &str,
    fifo: bool,
    creating: bool,
) -> Result<Option<Option<String>>, ApiError> {
    let Some(s) = SETTABLE.iter().find(|s| s.name == name) else {
        let hint = if COMPUTED.contains(&name) {
            " (it is computed by SQS and cannot be set)"
        } else {
            ""
        };
        return Err(invalid_attribute_name(name, hint));
    };
    if s.name == "FifoQueue" {
        return fifo_queue(app, s, value, fifo, creating);
    }
    if s.fifo_only && !fifo {
        return Err(invalid_attribute_name(
            name,
            " (it applies to FIFO queues only: their name ends in .fifo and they are created with FifoQueue=true)",
        ));
    }
    if value.is_empty() && REMOVABLE.contains(&s.name) {
        return Ok(Some(None));
    }
    check_value(app, s, value, fifo).map(|v| Some(Some(v)))
}

/// `FifoQueue` is set by CreateQueue only; a standard queue is one without it.
fn fifo_queue(
    app: &App,
    s: &Settable,
    value: &str,
    fifo: bool,
    creating: bool,
) -> Result<Option<Option<String>>, ApiError> {
    let wanted = check_value(app, s, value, fifo)? == "true";
    if !creating && wanted != fifo {
        return Err(invalid_attribute_value(
            s.name,
            "FifoQueue is set when the queue is created and cannot change",
        ));
    }
    Ok((creating && wanted).then(|| Some("true".to_string())))
}

fn check_value(app: &App, s: &Settable, value: &str, fifo: bool) -> Result<String, ApiError> {
    let bad = |reason: String| invalid_attribute_value(s.name, &reason);
    match s.rule {
        Rule::Int(min, max) => match value.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            _ => Err(bad(format!(
                "'{value}' is not an integer from {min} to {max}"
            ))),
        },
        Rule::Bool => match value.to_ascii_lowercase().as_str() {
            v @ ("true" | "false") => Ok(v.to_string()),
            _ => Err(bad(format!("'{value}' is neither true nor false"))),
        },
        Rule::Choice(options) => options
            .iter()
            .find(|o| **o == value)
            .map(|o| o.to_string())
            .ok_or_else(|| bad(format!("'{value}' is not one of {}", options.join(", ")))),
        Rule::Json => serde_json::from_str::<Value>(value)
            .map(|_| value.to_string())
            .map_err(|e| bad(format!("the value is not a JSON document: {e}"))),
        Rule::Redrive => check_redrive(app, value, fifo),
        Rule::Text => Ok(value.to_string()),
    }
}

/// `{"deadLetterTargetArn", "maxReceiveCount"}`: the target must exist and be of the same kind
/// (FIFO or standard). Normalized with `maxReceiveCount` a number, as SQS returns it.
fn check_redrive(app: &App, value: &str, fifo: bool) -> Result<String, ApiError> {
    let invalid = |reason: &str| {
        super::errors::invalid_value("RedrivePolicy", format_args!("{value}"), reason)
    };
    let policy = redrive::parse(value).ok_or_else(|| {
        invalid("expected {\"deadLetterTargetArn\": \"arn:aws:sqs:REGION:ACCOUNT:NAME\", \"maxReceiveCount\": N}")
    })?;
    if !(1..=1000).contains(&policy.max_receive_count) {
        return Err(invalid("maxReceiveCount must be from 1 to 1000"));
    }
    let dlq = app
        .store
        .queue(&policy.dead_letter_queue)?
        .filter(|q| super::public(&q.name))
        .ok_or_else(|| {
            invalid(&format!(
                "Dead letter target does not exist: create the queue '{}' first",
                policy.dead_letter_queue
            ))
        })?;
    if is_fifo(&stored(&dlq)) != fifo {
        return Err(invalid(
            "Dead-letter queue must be same type of queue as the source",
        ));
    }
    let arn = queue_arn(app, &dlq.name);
    Ok(
        json!({"deadLetterTargetArn": arn, "maxReceiveCount": policy.max_receive_count})
            .to_string(),
    )
}

pub fn queue_arn(app: &App, name: &str) -> String {
    format!(
        "arn:aws:sqs:{}:{}:{name}",
        app.settings.region, app.settings.account
    )
}

/// Applies checked changes to a queue's stored attributes, stamping `LastModifiedTimestamp`.
pub fn apply(attributes: &mut Map<String, Value>, changes: &Changes, now_ms: i64) {
    for (name, value) in changes {
        match value {
            Some(v) => attributes.insert(name.clone(), json!(v)),
            None => attributes.remove(name),
        };
    }
    attributes.insert(LAST_MODIFIED.into(), json!((now_ms / 1000).to_string()));
}

/// The first requested attribute whose value differs from the queue's (CreateQueue of an
/// existing queue succeeds only when there is none).
pub fn first_difference<'a>(q: &QueueRecord, changes: &'a Changes) -> Option<&'a str> {
    let attributes = stored(q);
    changes
        .iter()
        .find(|(name, value)| effective(&attributes, name) != *value)
        .map(|(name, _)| name.as_str())
}

/// The attributes GetQueueAttributes returns for `names` (`All` for every one).
pub fn render(
    app: &App,
    q: &QueueRecord,
    names: &[String],
) -> Result<Map<String, Value>, ApiError> {
    let all = names.iter().any(|n| n == "All");
    for n in names {
        if n != "All" && !SETTABLE.iter().any(|s| s.name == n) && !COMPUTED.contains(&n.as_str()) {
            return Err(invalid_attribute_name(
                n,
                " (ask for All, or names such as VisibilityTimeout, QueueArn, ApproximateNumberOfMessages)",
            ));
        }
    }
    let wanted = |name: &str| all || names.iter().any(|n| n == name);
    let attributes = stored(q);
    let counts = if COMPUTED
        .iter()
        .any(|n| n.starts_with("Approximate") && wanted(n))
    {
        app.store.queue_counts(&q.name, app.now())?
    } else {
        QueueCounts::default()
    };
    let last_modified = attributes
        .get(LAST_MODIFIED)
        .and_then(text)
        .unwrap_or_else(|| (q.created_ms / 1000).to_string());
    let computed = [
        queue_arn(app, &q.name),
        counts.visible.to_string(),
        counts.in_flight.to_string(),
        counts.delayed.to_string(),
        (q.created_ms / 1000).to_string(),
        last_modified,
    ];
    let mut out = Map::new();
    for (name, value) in COMPUTED.iter().zip(computed) {
        if wanted(name) {
            out.insert(name.to_string(), json!(value));
        }
    }
    for s in SETTABLE.iter().filter(|s| wanted(s.name)) {
        if let Some(v) = effective(&attributes, s.name) {
            out.insert(s.name.to_string(), json!(v));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_by_queue_kind() {
        let standard = Map::new();
        assert_eq!(
            effective(&standard, "VisibilityTimeout").as_deref(),
            Some("30")
        );
        assert_eq!(effective(&standard, "ContentBasedDeduplication"), None);
        let mut fifo = Map::new();
        fifo.insert("FifoQueue".into(), json!("true"));
        assert_eq!(
            effective(&fifo, "ContentBasedDeduplication").as_deref(),
            Some("false")
        );
        assert_eq!(number(&fifo, "MaximumMessageSize"), MAX_MESSAGE_SIZE);
    }
}
