//! `/api/metadata/workflow`, `/api/metadata/taskdefs` and `/api/event`.

use super::{Answer, Request, Result, not_supported};
use crate::conductor::ops::OpError;
use crate::runtime::conductor::Conductor;
use serde_json::{Value, json};

pub fn call(c: &Conductor, r: &Request, p: &[&str]) -> Result {
    match (r.method.as_str(), p) {
        ("POST", ["workflow"]) => {
            c.register_workflow(&r.json()?, r.flag("overwrite", false))?;
            Ok(Answer::empty(200))
        }
        ("PUT", ["workflow"]) => bulk_update(c, &r.json()?),
        ("GET", ["workflow"]) => Ok(Answer::json(&Value::Array(c.workflow_defs()?))),
        ("GET", ["workflow", name]) => {
            let def = c.workflow_def(name, r.int("version")?)?.ok_or_else(|| {
                OpError::not_found(format!("No such workflow found by name: {name}"))
            })?;
            Ok(Answer::json(&def.raw))
        }
        ("DELETE", ["workflow", name, version]) => {
            let v = version.parse().map_err(|_| {
                OpError::bad_request(format!("version must be an integer, not '{version}'"))
            })?;
            c.delete_workflow_def(name, v)?;
            Ok(Answer::empty(200))
        }
        ("POST" | "PUT", ["taskdefs"]) => {
            c.register_task_defs(&r.json()?)?;
            Ok(Answer::empty(200))
        }
        ("GET", ["taskdefs"]) => Ok(Answer::json(&Value::Array(c.task_defs()?))),
        ("GET", ["taskdefs", name]) => {
            let def = c.task_def(name).ok_or_else(|| {
                OpError::not_found(format!("No such taskType found by name: {name}"))
            })?;
            Ok(Answer::json(&def.raw))
        }
        _ => Err(not_supported(r)),
    }
}

/// `PUT /api/metadata/workflow`: create or update each definition of the list.
fn bulk_update(c: &Conductor, body: &Value) -> Result {
    let list = match body {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut ok = Vec::new();
    let mut errors = serde_json::Map::new();
    for def in &list {
        let name = def
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match c.register_workflow(def, true) {
            Ok(_) => ok.push(Value::from(name)),
            Err(e) => {
                errors.insert(name, Value::from(e.message));
            }
        }
    }
    Ok(Answer::json(&json!({
        "bulkErrorResults": errors,
        "bulkSuccessfulResults": ok,
        "message": "Bulk Request has been processed.",
    })))
}

/// `/api/event`: event handlers.
pub fn event(c: &Conductor, r: &Request, p: &[&str]) -> Result {
    match (r.method.as_str(), p) {
        ("POST", []) => {
            c.put_event_handler(&r.json()?, false)?;
            Ok(Answer::empty(200))
        }
        ("PUT", []) => {
            c.put_event_handler(&r.json()?, true)?;
            Ok(Answer::empty(200))
        }
        ("GET", []) => Ok(Answer::json(&raw(c, |_| true)?)),
        ("GET", [event]) => {
            let active_only = r.flag("activeOnly", true);
            Ok(Answer::json(&raw(c, |h| {
                h.event == *event && (h.active || !active_only)
            })?))
        }
        ("DELETE", [name]) => {
            c.delete_event_handler(name)?;
            Ok(Answer::empty(200))
        }
        _ => Err(not_supported(r)),
    }
}

fn raw(
    c: &Conductor,
    keep: impl Fn(&crate::conductor::def::EventHandler) -> bool,
) -> std::result::Result<Value, OpError> {
    Ok(Value::Array(
        c.event_handlers()?
            .into_iter()
            .filter(|h| keep(h))
            .map(|h| h.raw)
            .collect(),
    ))
}
