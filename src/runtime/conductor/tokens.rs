//! Task tokens of Conductor WAIT and HUMAN tasks: the runtime gives each such task a token when
//! it commits it (`Conductor::save`), and `runtime::durable`'s callbacks — SendTaskSuccess,
//! SendTaskFailure, SendTaskHeartbeat, `stepwise task success|failure|heartbeat` — close it here,
//! as they close an ASL task. Conductor's `/api/tasks` endpoints and event handlers'
//! `complete_task`/`fail_task` reach the same task through `ops::update_task`.

use super::Conductor;
use crate::conductor::ops::{self, OpError, TaskUpdate};
use crate::conductor::workflow::{TaskStatus, Workflow};
use serde_json::{Map, Value};

/// What a callback says of a task.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Success(Value),
    Failure {
        error: Option<String>,
        cause: Option<String>,
    },
}

impl Conductor {
    /// Closes the task `task_id` of workflow `workflow_id` that `token` names. `Ok(false)`: the
    /// task no longer waits for it (it ended, or the workflow did): AWS's `TaskTimedOut`. The
    /// effects that follow are left to the process that drives Conductor effects (the server,
    /// `stepwise run`): this one may not know where Conductor's queues are.
    pub fn answer(
        &self,
        workflow_id: &str,
        task_id: &str,
        token: &str,
        answer: &Answer,
    ) -> Result<bool, OpError> {
        let r = self.apply_quietly(workflow_id, &mut |cx, wf| {
            if !awaits(wf, task_id, token) {
                return Ok(false);
            }
            ops::update_task(cx, wf, update(task_id, answer)).map(|_| true)
        });
        match r {
            Err(e) if e.status == 404 => Ok(false),
            other => other,
        }
    }

    /// Whether the task still waits for `token` (a heartbeat changes nothing else).
    pub fn awaits_token(&self, workflow_id: &str, task_id: &str, token: &str) -> bool {
        self.workflow(workflow_id)
            .is_ok_and(|wf| awaits(&wf, task_id, token))
    }
}

fn awaits(wf: &Workflow, task_id: &str, token: &str) -> bool {
    !wf.status.is_terminal()
        && wf.task(task_id).is_some_and(|t| {
            t.status == TaskStatus::InProgress && t.task_token.as_deref() == Some(token)
        })
}

/// A success's output becomes the task's output (a value that is not an object as
/// `{"result": value}`, as a worker's); a failure's error and cause its reason.
fn update(task_id: &str, answer: &Answer) -> TaskUpdate {
    match answer {
        Answer::Success(Value::Object(m)) => {
            TaskUpdate::new(task_id, TaskStatus::Completed, m.clone())
        }
        Answer::Success(other) => {
            let mut m = Map::new();
            m.insert("result".into(), other.clone());
            TaskUpdate::new(task_id, TaskStatus::Completed, m)
        }
        Answer::Failure { error, cause } => {
            let reason = match (error, cause) {
                (Some(e), Some(c)) => format!("{e}: {c}"),
                (Some(e), None) => e.clone(),
                (None, Some(c)) => c.clone(),
                (None, None) => "the task failed (SendTaskFailure)".into(),
            };
            TaskUpdate::new(task_id, TaskStatus::Failed, Map::new()).because(Some(reason))
        }
    }
}
