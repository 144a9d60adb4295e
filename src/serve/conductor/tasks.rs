//! `/api/tasks`: polls for worker tasks (in a task domain or not) and task results (by id, or by
//! reference name); who polled when (`queue/polldata`).

use super::{Answer, Request, Result, not_supported};
use crate::conductor::ops::{OpError, TaskUpdate};
use crate::conductor::workflow::TaskStatus;
use crate::runtime::conductor::Conductor;
use serde_json::{Map, Value};

pub fn call(c: &Conductor, r: &Request, p: &[&str]) -> Result {
    match (r.method.as_str(), p) {
        ("GET", ["poll", "batch", task_type]) => {
            let count = r.int("count")?.unwrap_or(1).clamp(1, 100) as usize;
            let mut tasks = Vec::new();
            while tasks.len() < count {
                match poll_one(c, task_type, r)? {
                    Some(t) => tasks.push(t),
                    None => break,
                }
            }
            Ok(Answer::json(&Value::Array(tasks)))
        }
        ("GET", ["poll", task_type]) => Ok(match poll_one(c, task_type, r)? {
            Some(t) => Answer::json(&t),
            None => Answer::empty(204),
        }),
        ("GET", ["queue", "polldata"]) => {
            let task_type = r.param("taskType").ok_or_else(|| {
                OpError::bad_request("which task type? /api/tasks/queue/polldata?taskType=NAME")
            })?;
            Ok(poll_data(c, Some(task_type)))
        }
        ("GET", ["queue", "polldata", "all"]) => Ok(poll_data(c, None)),
        ("POST", []) => {
            let task_id = result(c, &r.object()?)?;
            Ok(Answer::text(&task_id))
        }
        // The worker's next task would come back here; answering "none" sends it back to polling.
        ("POST", ["update-v2"]) => {
            result(c, &r.object()?)?;
            Ok(Answer::empty(204))
        }
        ("POST", [workflow_id, task_ref, status]) => {
            let status = status_of(status)?;
            let worker = r.param("workerid").map(str::to_string);
            let id = c.update_by_ref(workflow_id, task_ref, status, r.object()?, worker)?;
            Ok(Answer::text(&id.unwrap_or_default()))
        }
        ("POST", [workflow_id, task_ref, status, "sync"]) => {
            let status = status_of(status)?;
            let worker = r.param("workerid").map(str::to_string);
            c.update_by_ref(workflow_id, task_ref, status, r.object()?, worker)?;
            Ok(Answer::json(&c.workflow(workflow_id)?.to_json(true)))
        }
        ("GET", [task_id]) => task_by_id(c, task_id),
        _ => Err(not_supported(r)),
    }
}

/// `GET /api/tasks/{taskId}`: the workflows are looked through (newest first) for the task.
fn task_by_id(c: &Conductor, task_id: &str) -> Result {
    let rows = c
        .store
        .list_workflows(None, 0)
        .map_err(crate::runtime::conductor::internal)?;
    for row in rows.iter().filter(|r| r.body.contains(task_id)) {
        let wf = c.workflow(&row.id)?;
        if let Some(t) = wf.task(task_id) {
            let defs = crate::conductor::decide::definition_tasks(&wf.definition);
            return Ok(Answer::json(
                &t.to_json(&wf, defs.get(t.def_ref.as_str()).copied()),
            ));
        }
    }
    Err(OpError::not_found(format!(
        "No such task found by id: {task_id}"
    )))
}

fn poll_one(
    c: &Conductor,
    task_type: &str,
    r: &Request,
) -> std::result::Result<Option<Value>, OpError> {
    // `domain=` with nothing reads the plain queue, as no `domain` does.
    let domain = r.param("domain").filter(|d| !d.is_empty());
    let Some((task, wf_id)) = c.poll(task_type, domain, r.param("workerid"))? else {
        return Ok(None);
    };
    let wf = c.workflow(&wf_id)?;
    let defs = crate::conductor::decide::definition_tasks(&wf.definition);
    Ok(Some(
        task.to_json(&wf, defs.get(task.def_ref.as_str()).copied()),
    ))
}

/// `GET /api/tasks/queue/polldata[/all]`: Conductor's `PollData` of this server's polls.
fn poll_data(c: &Conductor, task_type: Option<&str>) -> Answer {
    let all = c.polls.of(task_type).iter().map(|p| p.to_json()).collect();
    Answer::json(&Value::Array(all))
}

fn status_of(s: &str) -> std::result::Result<TaskStatus, OpError> {
    TaskStatus::parse_result(s).ok_or_else(|| {
        OpError::bad_request(format!(
            "'{s}' is not a task status a result may set (IN_PROGRESS, COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR, CANCELED)"
        ))
    })
}

/// A `TaskResult`: applied to the task of `workflowInstanceId`; returns the task id.
fn result(c: &Conductor, body: &Map<String, Value>) -> std::result::Result<String, OpError> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let workflow_id = text("workflowInstanceId")
        .ok_or_else(|| OpError::bad_request("TaskResult needs workflowInstanceId"))?;
    let task_id = text("taskId").ok_or_else(|| OpError::bad_request("TaskResult needs taskId"))?;
    let status = status_of(&text("status").unwrap_or_else(|| "COMPLETED".into()))?;
    let update = TaskUpdate {
        task_id: task_id.clone(),
        status,
        output: body
            .get("outputData")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        merge: false,
        reason: text("reasonForIncompletion"),
        worker_id: text("workerId"),
        callback_after_seconds: body
            .get("callbackAfterSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    };
    c.update_task(&workflow_id, update)?;
    Ok(task_id)
}
