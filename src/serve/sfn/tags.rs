//! Tags on state machines and activities (`TagResource`, `UntagResource`,
//! `ListTagsForResource`, and `tags` when one is created), kept in the registry beside them as a
//! resource of kind `tags` named by the tagged resource's ARN.

use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply};
use crate::store::ResourceRecord;
use serde_json::{Map, Value, json};

const KIND: &str = "tags";
/// AWS's limits: 50 tags a resource, keys of 1–128 and values of 0–256 characters.
const MAX_TAGS: usize = 50;

/// The resource an ARN names, when it exists: `stateMachine` or `activity`.
fn resource_kind(app: &App, arn: &str) -> Result<&'static str, ApiError> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let (kind, name) = match parts.as_slice() {
        ["arn", _, "states", _, _, "stateMachine", name] => ("stateMachine", *name),
        ["arn", _, "states", _, _, "activity", name] => ("activity", *name),
        _ => {
            return Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'")));
        }
    };
    match app.store.resource(kind, name)? {
        Some(r) if r.arn == arn => Ok(kind),
        _ => Err(ApiError::new(
            "ResourceNotFound",
            format!("Resource not found: '{arn}'"),
        )),
    }
}

fn current(app: &App, arn: &str) -> Result<Map<String, Value>, ApiError> {
    Ok(app
        .store
        .resource(KIND, arn)?
        .and_then(|r| serde_json::from_str(&r.body).ok())
        .unwrap_or_default())
}

fn save(app: &App, arn: &str, tags: &Map<String, Value>) -> Result<(), ApiError> {
    let record = ResourceRecord {
        kind: KIND.into(),
        name: arn.into(),
        arn: arn.into(),
        body: Value::Object(tags.clone()).to_string(),
        created_ms: app.now(),
    };
    app.store.put_resource(&record, false)?;
    Ok(())
}

/// `[{key, value}]` as AWS sends it, checked against AWS's limits.
fn read_tags(v: Option<&Value>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let list = v
        .as_array()
        .ok_or_else(|| ApiError::validation("tags must be a list of {key, value}"))?;
    list.iter()
        .map(|t| {
            let key = t["key"].as_str().unwrap_or_default();
            let value = t["value"].as_str().unwrap_or_default();
            if !(1..=128).contains(&key.chars().count()) || value.chars().count() > 256 {
                return Err(ApiError::validation(
                    "1 validation error detected: tag keys are 1 to 128 characters and values at most 256",
                ));
            }
            Ok((key.to_string(), value.to_string()))
        })
        .collect()
}

/// Adds tags to `arn` (the resource exists): used by `TagResource` and by the creates.
pub fn add(app: &App, arn: &str, tags: Option<&Value>) -> Result<(), ApiError> {
    let new = read_tags(tags)?;
    if new.is_empty() {
        return Ok(());
    }
    let mut tags = current(app, arn)?;
    for (k, v) in new {
        tags.insert(k, json!(v));
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::new(
            "TooManyTags",
            format!("Too many tags: a resource has at most {MAX_TAGS}"),
        ));
    }
    save(app, arn, &tags)
}

/// Forgets a deleted resource's tags.
pub fn forget(app: &App, arn: &str) {
    let _ = app.store.delete_resource(KIND, arn);
}

pub fn tag(app: &App, body: &Body) -> Reply {
    let arn = body.str("resourceArn")?;
    resource_kind(app, arn)?;
    add(app, arn, body.get("tags"))?;
    Ok(json!({}))
}

pub fn untag(app: &App, body: &Body) -> Reply {
    let arn = body.str("resourceArn")?;
    resource_kind(app, arn)?;
    let mut tags = current(app, arn)?;
    if let Some(keys) = body.get("tagKeys").and_then(Value::as_array) {
        for k in keys.iter().filter_map(Value::as_str) {
            tags.remove(k);
        }
    }
    save(app, arn, &tags)?;
    Ok(json!({}))
}

pub fn list(app: &App, body: &Body) -> Reply {
    let arn = body.str("resourceArn")?;
    resource_kind(app, arn)?;
    let tags: Vec<Value> = current(app, arn)?
        .into_iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    Ok(json!({"tags": tags}))
}
