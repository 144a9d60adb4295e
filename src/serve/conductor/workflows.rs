//! `/api/workflow`: start, get, status, terminate, pause, resume, retry.

use super::{Answer, Request, Result, not_supported};
use crate::conductor::domains;
use crate::conductor::ops::{self, OpError, Start};
use crate::runtime::conductor::Conductor;
use crate::status::WorkflowStatus;
use serde_json::{Value, json};

pub fn call(c: &Conductor, r: &Request, p: &[&str]) -> Result {
    match (r.method.as_str(), p) {
        ("POST", []) => start_request(c, &r.object()?),
        ("GET", ["search"]) => search(c, r),
        ("GET", ["running", name]) => {
            let ids: Vec<Value> = c
                .store
                .list_workflows(Some(name), 0)
                .map_err(crate::runtime::conductor::internal)?
                .into_iter()
                .filter(|w| w.status == WorkflowStatus::Running)
                .map(|w| Value::from(w.id))
                .collect();
            Ok(Answer::json(&Value::Array(ids)))
        }
        ("POST", [name]) => {
            let start = Start {
                input: r.object()?,
                correlation_id: r.param("correlationId").map(str::to_string),
                ..Start::default()
            };
            Ok(Answer::text(&c.start(name, r.int("version")?, start)?))
        }
        ("GET", [id]) => {
            let wf = c.workflow(id)?;
            Ok(Answer::json(&wf.to_json(r.flag("includeTasks", true))))
        }
        ("GET", [id, "status"]) => {
            let wf = c.workflow(id)?;
            let mut s = json!({
                "workflowId": wf.workflow_id,
                "correlationId": wf.correlation_id,
                "status": wf.status.name(),
            });
            if r.flag("includeOutput", false) {
                s["output"] = Value::Object(wf.output.clone());
            }
            if r.flag("includeVariables", false) {
                s["variables"] = Value::Object(wf.variables.clone());
            }
            Ok(Answer::json(&s))
        }
        ("DELETE", [id]) => {
            let reason = r.param("reason").map(str::to_string);
            c.apply(id, |cx, wf| ops::terminate(cx, wf, reason.clone()))?;
            Ok(Answer::empty(200))
        }
        ("PUT", [id, "pause"]) => {
            c.apply(id, |cx, wf| ops::pause(wf, cx.now))?;
            Ok(Answer::empty(200))
        }
        ("PUT", [id, "resume"]) => {
            c.apply(id, ops::resume)?;
            Ok(Answer::empty(200))
        }
        ("POST", [id, "retry"]) => {
            c.apply(id, ops::retry)?;
            Ok(Answer::empty(204))
        }
        ("POST", [id, "restart"]) => {
            if r.flag("useLatestDefinitions", false) {
                let name = c.workflow(id)?.name;
                let latest = c.workflow_def(&name, None)?.ok_or_else(|| {
                    OpError::not_found(format!("Unable to find latest definition for {id}"))
                })?;
                c.apply_with_definition(id, &latest.raw, ops::restart)?;
            } else {
                c.apply(id, ops::restart)?;
            }
            Ok(Answer::empty(204))
        }
        ("POST", [id, "rerun"]) => {
            let body = r.json()?;
            let map = |k: &str| body.get(k).and_then(Value::as_object).cloned();
            let rerun = ops::Rerun {
                task_id: body
                    .get("reRunFromTaskId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                task_input: map("taskInput"),
                workflow_input: map("workflowInput"),
                correlation_id: body
                    .get("correlationId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            };
            c.apply(id, |cx, wf| ops::rerun(cx, wf, rerun.clone()))?;
            Ok(Answer::text(id))
        }
        ("DELETE", [id, "remove"]) => {
            // `archiveWorkflow` keeps a copy in Conductor's index; stepwise has none to keep.
            if !c
                .store
                .delete_workflow(id)
                .map_err(crate::runtime::conductor::internal)?
            {
                return Err(OpError::not_found(format!(
                    "No such workflow found by id: {id}"
                )));
            }
            Ok(Answer::empty(200))
        }
        ("PUT", [id, "skiptask", task_ref]) => {
            let body = r.json()?;
            let map = |k: &str| {
                body.get(k)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default()
            };
            let (input, output) = (map("taskInput"), map("taskOutput"));
            c.apply(id, |cx, wf| {
                ops::skip_task(cx, wf, task_ref, input.clone(), output.clone())
            })?;
            Ok(Answer::empty(200))
        }
        _ => Err(not_supported(r)),
    }
}

/// `POST /api/workflow` with a `StartWorkflowRequest` (an inline `workflowDef` runs as given).
fn start_request(c: &Conductor, body: &serde_json::Map<String, Value>) -> Result {
    let name = body.get("name").and_then(Value::as_str);
    let version = body.get("version").and_then(Value::as_i64);
    let start = Start {
        input: body
            .get("input")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        correlation_id: body
            .get("correlationId")
            .and_then(Value::as_str)
            .map(str::to_string),
        task_to_domain: domains::parse(body.get("taskToDomain")).map_err(OpError::bad_request)?,
        ..Start::default()
    };
    if let Some(inline) = body.get("workflowDef").filter(|d| d.is_object()) {
        let def = crate::conductor::def::load_workflow(inline).map_err(|d| {
            OpError::bad_request(format!(
                "Invalid workflowDef: {}",
                crate::runtime::conductor::metadata::diagnostics_text(&d)
            ))
        })?;
        let start = Start {
            workflow_id: uuid::Uuid::new_v4().to_string(),
            ..start
        };
        return Ok(Answer::text(&c.start_def(&def, start)?));
    }
    let name = name.ok_or_else(|| OpError::bad_request("StartWorkflowRequest needs a name"))?;
    Ok(Answer::text(&c.start(name, version, start)?))
}

/// `GET /api/workflow/search?query=workflowType IN (a,b) AND status IN (COMPLETED)`: the
/// workflows that match, newest first, as Conductor's `SearchResult` of `WorkflowSummary`.
/// Only `workflowType` and `status` conditions are understood; `freeText` is ignored.
fn search(c: &Conductor, r: &Request) -> Result {
    let query = r.param("query").unwrap_or("");
    let types = condition(query, "workflowType");
    let statuses = condition(query, "status");
    let size = r.int("size")?.unwrap_or(100).clamp(1, 10_000) as usize;
    let rows = c
        .store
        .list_workflows(None, 0)
        .map_err(crate::runtime::conductor::internal)?;
    let results: Vec<Value> = rows
        .into_iter()
        .filter(|w| types.as_ref().is_none_or(|t| t.contains(&w.name)))
        .filter(|w| {
            statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == w.status.name()))
        })
        .take(size)
        .filter_map(|w| c.workflow(&w.id).ok())
        .map(|w| summary(&w))
        .collect();
    Ok(Answer::json(
        &json!({"totalHits": results.len(), "results": results}),
    ))
}

/// The values of `FIELD IN (a, b)` or `FIELD = a` in a search query.
fn condition(query: &str, field: &str) -> Option<Vec<String>> {
    let at = query.find(field)?;
    let rest = query[at + field.len()..].trim_start();
    let list = if let Some(r) = rest.strip_prefix("IN") {
        let r = r.trim_start().strip_prefix('(')?;
        &r[..r.find(')')?]
    } else {
        let r = rest.strip_prefix('=')?.trim_start();
        r.split_whitespace().next()?
    };
    Some(
        list.split(',')
            .map(|v| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

fn summary(w: &crate::conductor::workflow::Workflow) -> Value {
    json!({
        "workflowType": w.name,
        "version": w.version,
        "workflowId": w.workflow_id,
        "correlationId": w.correlation_id,
        "startTime": w.create_time,
        "updateTime": w.update_time,
        "endTime": w.end_time,
        "status": w.status.name(),
        "input": Value::Object(w.input.clone()).to_string(),
        "output": Value::Object(w.output.clone()).to_string(),
        "reasonForIncompletion": w.reason_for_incompletion,
        "event": w.event,
        "failedReferenceTaskNames": "",
        "priority": 0,
        "taskToDomain": domains::to_json(&w.task_to_domain),
    })
}
