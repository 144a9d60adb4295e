//! Worker-task timeouts from the task definition: `pollTimeoutSeconds` (SCHEDULED too long
//! without a poll), `responseTimeoutSeconds` (IN_PROGRESS too long without an update) and
//! `timeoutSeconds` (too long since the first start). A timed-out task is TIMED_OUT; with the
//! policy RETRY it is retried as a failure would be, with TIME_OUT_WF the workflow times out,
//! with ALERT_ONLY nothing happens (Conductor only counts a metric).

use super::decide::Decider;
use super::def::{TaskDef, TaskTimeoutPolicy};
use super::workflow::{Task, TaskStatus, WorkflowStatus};

fn secs(s: u64) -> i64 {
    (s.min(1 << 40) as i64) * 1000
}

/// The deadline of a task that just became SCHEDULED (waiting for a poll).
pub fn when_scheduled(def: &TaskDef, now: i64) -> Option<i64> {
    (def.timeout_policy != TaskTimeoutPolicy::AlertOnly && def.poll_timeout_seconds > 0)
        .then(|| now + secs(def.poll_timeout_seconds))
}

/// The deadline of a task a worker is working on (after a poll or a progress update).
pub fn when_in_progress(def: &TaskDef, task: &Task, now: i64) -> Option<i64> {
    if def.timeout_policy == TaskTimeoutPolicy::AlertOnly {
        return None;
    }
    let response =
        (def.response_timeout_seconds > 0).then(|| now + secs(def.response_timeout_seconds));
    let total =
        (def.timeout_seconds > 0).then(|| task.start_time.max(1) + secs(def.timeout_seconds));
    response.into_iter().chain(total).min()
}

/// Times out the tasks whose deadline has passed.
pub fn expire(d: &mut Decider) {
    let now = d.now();
    let expired: Vec<usize> = (0..d.wf.tasks.len())
        .filter(|&i| {
            let t = &d.wf.tasks[i];
            !t.status.is_terminal() && t.timeout_at.is_some_and(|at| at <= now)
        })
        .collect();
    for i in expired {
        let def_ref = d.wf.tasks[i].def_ref.clone();
        let policy = d
            .index
            .task(&def_ref)
            .map(|wt| d.task_def(wt).timeout_policy);
        let t = &mut d.wf.tasks[i];
        let reason = match t.status {
            TaskStatus::Scheduled => format!(
                "Task {} was not polled in time (pollTimeoutSeconds)",
                t.task_id
            ),
            _ => format!(
                "Task {} timed out (responseTimeoutSeconds / timeoutSeconds)",
                t.task_id
            ),
        };
        t.status = TaskStatus::TimedOut;
        t.reason_for_incompletion = Some(reason.clone());
        t.end_time = now;
        t.update_time = now;
        t.timeout_at = None;
        if policy == Some(TaskTimeoutPolicy::TimeOutWf) {
            t.executed = true;
            d.end_workflow(WorkflowStatus::TimedOut, Some(reason), None);
            return;
        }
    }
}
