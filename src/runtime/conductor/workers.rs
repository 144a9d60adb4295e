//! Worker tasks (SIMPLE): a scheduled task waits on its type's embedded queue (its domain's,
//! `DOMAIN:TYPE`, when it has one); a poll takes the next one that is still SCHEDULED and marks
//! it IN_PROGRESS for the worker; the worker's result goes through the decider like any task
//! update.

use super::Conductor;
use super::effects::task_queue;
use crate::conductor::ops::{self, OpError};
use crate::conductor::workflow::Task;
use crate::runtime::conductor::listen::VISIBILITY_MS;
use crate::runtime::consumer::{self, Message, Outcome};
use serde_json::Value;

/// Entries looked at per poll before answering "nothing" (stale entries are dropped).
const MAX_LOOKS: usize = 32;

impl Conductor {
    /// `GET /api/tasks/poll/{type}?domain=D`: the task given to the worker, with its workflow's
    /// id, or `None` when no task of the type waits in the domain (`None`: tasks without one).
    pub fn poll(
        &self,
        task_type: &str,
        domain: Option<&str>,
        worker_id: Option<&str>,
    ) -> Result<Option<(Task, String)>, OpError> {
        // Recorded whatever the poll finds: a worker polling an empty queue is active too.
        self.polls.record(task_type, domain, worker_id, self.now());
        let queue = task_queue(task_type, domain);
        for _ in 0..MAX_LOOKS {
            let mut taken = Ok(None);
            // The entry is deleted whatever became of it: the task now says where it stands.
            let mut take = |batch: &[Message]| {
                batch
                    .iter()
                    .map(|m| {
                        taken = self.take(m, worker_id);
                        Outcome::Done
                    })
                    .collect()
            };
            let embedded = &*self.queues.embedded;
            let round = consumer::round(embedded, &queue, 1, VISIBILITY_MS, &mut take)
                .map_err(super::internal)?;
            if round.received == 0 {
                return Ok(None);
            }
            match taken {
                Ok(Some(task)) => return Ok(Some(task)),
                Ok(None) | Err(OpError { status: 404, .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// The task a queue entry names, marked IN_PROGRESS for the worker, if it still waits.
    fn take(
        &self,
        m: &Message,
        worker_id: Option<&str>,
    ) -> Result<Option<(Task, String)>, OpError> {
        let entry: Value = serde_json::from_str(&m.body).unwrap_or(Value::Null);
        let (Some(wf_id), Some(task_id)) = (
            entry.get("workflowId").and_then(Value::as_str),
            entry.get("taskId").and_then(Value::as_str),
        ) else {
            return Ok(None);
        };
        let taken = self.apply_quietly(wf_id, &mut |cx, wf| {
            Ok(ops::poll(cx, wf, task_id, worker_id))
        })?;
        Ok(taken.map(|task| (task, wf_id.to_string())))
    }

    /// `POST /api/tasks`: a worker's `TaskResult`. The workflow is found by
    /// `workflowInstanceId`.
    pub fn update_task(&self, workflow_id: &str, update: ops::TaskUpdate) -> Result<(), OpError> {
        self.apply(workflow_id, |cx, wf| {
            ops::update_task(cx, wf, update.clone()).map(|_| ())
        })
    }

    /// `POST /api/tasks/{workflowId}/{taskRefName}/{status}`: completes the pending task with that
    /// reference name, its output merged with `output`. `None` when no such task is pending.
    pub fn update_by_ref(
        &self,
        workflow_id: &str,
        task_ref: &str,
        status: crate::conductor::workflow::TaskStatus,
        output: serde_json::Map<String, Value>,
        worker_id: Option<String>,
    ) -> Result<Option<String>, OpError> {
        self.apply(workflow_id, |cx, wf| {
            let Some(task_id) = ops::pending_by_ref(wf, task_ref).map(|t| t.task_id.clone()) else {
                return Ok(None);
            };
            let update = ops::TaskUpdate {
                merge: true,
                worker_id: worker_id.clone(),
                ..ops::TaskUpdate::new(&task_id, status, output.clone())
            };
            ops::update_task(cx, wf, update).map(|_| Some(task_id))
        })
    }
}
