//! Performing what the decider decided, after the workflow was committed: publishing EVENT
//! messages, queueing worker tasks, starting and ending children, telling parents. The effects
//! wait in the one outbox the ASL engine's effects wait in, under the same leases: a process
//! claims an entry for `LEASE_MS`, performs it, and deletes it in a commit; one killed in
//! between leaves it to be claimed again once the lease ends (or at once, when the holder is
//! known dead). Two processes on one database never perform an entry at the same time.
//! Timers (WAIT deadlines, delayed tasks, timeouts) are fired here too.

use super::{Conductor, internal};
use crate::conductor::ops::{self, OpError, Start};
use crate::conductor::workflow::{Effect, TaskStatus, Workflow};
use crate::runtime::queues::EventQueues;
use crate::runtime::{BATCH, LEASE_MS};
use crate::store::{Commit, Decider, OutboxRecord, Scope};
use serde_json::json;

/// The embedded queue a worker task type is polled from, in a domain or not (Conductor's queue
/// name, `DOMAIN:TYPE` or `TYPE`, under stepwise's prefix).
pub fn task_queue(task_type: &str, domain: Option<&str>) -> String {
    let queue = crate::conductor::domains::queue_name(task_type, domain);
    format!("conductor-task:{queue}")
}

impl Conductor {
    /// Fires due timers and performs the Conductor effects in the outbox until nothing is left;
    /// returns how many timers and effects it handled.
    pub fn drive(&self) -> usize {
        let mut acted = 0;
        for _ in 0..1_000 {
            let n = self.fire_due() + self.deliver();
            if n == 0 {
                break;
            }
            acted += n;
        }
        acted
    }

    /// Fires the Conductor timers that are due; returns how many.
    pub fn fire_due(&self) -> usize {
        let fired = self
            .store
            .claim_timers(
                self.now(),
                LEASE_MS,
                BATCH,
                &self.owner,
                Scope::of(Decider::Conductor),
            )
            .and_then(|due| {
                for t in &due {
                    self.fire(&t.execution_arn)?;
                }
                Ok(due.len())
            });
        fired.unwrap_or_else(|e| {
            tracing::warn!("conductor: {e}");
            0
        })
    }

    /// Ticks workflow `id`, whose timer is due (a deadline came, or a row an older version left
    /// with effects inside, which the tick moves to the outbox). The save sets the timer to the
    /// next deadline. A workflow that is gone loses its timer; one that cannot be ticked (it no
    /// longer reads, or others keep changing it) is tried again after `LEASE_MS`, unless its
    /// timer moved meanwhile. `Err`: the store could not move the timer (it stays due).
    pub fn fire(&self, id: &str) -> crate::store::Result<()> {
        let ticked = self.apply_quietly(id, &mut |cx, wf| {
            if wf.next_due().is_some_and(|d| d <= cx.now) || !wf.pending.is_empty() {
                ops::tick(cx, wf);
            }
            Ok(())
        });
        let timer = match ticked {
            Ok(()) => return Ok(()),
            Err(e) if e.status == 404 => Commit {
                removed_timers: vec![(id.to_string(), super::DEADLINE)],
                ..Commit::default()
            },
            Err(e) => {
                let why = format!(
                    "stepwise: conductor: workflow {id}: {} (will try again in {} s)",
                    e.message,
                    LEASE_MS / 1000
                );
                self.say_once(id, &why);
                let this = Scope {
                    decider: Some(Decider::Conductor),
                    execution: Some(id),
                };
                let now = self.now();
                if self.store.next_timer(this)?.is_some_and(|t| t.due_ms > now) {
                    return Ok(()); // another writer set its next deadline meanwhile
                }
                Commit {
                    new_timers: vec![super::deadline(id, now + LEASE_MS)],
                    ..Commit::default()
                }
            }
        };
        self.store.commit(&[timer])
    }

    /// Claims Conductor effects in the outbox and performs them; returns how many it claimed.
    /// Called right after an operation (an API call, a tick), so its effects do not wait for the
    /// drive loop; `Durable::drive` hands the same claims to `perform_claimed` in a process that
    /// drives both deciders.
    pub fn deliver(&self) -> usize {
        let claimed = self
            .store
            .claim_outbox(
                self.now(),
                LEASE_MS,
                BATCH,
                &self.owner,
                Scope::of(Decider::Conductor),
            )
            .and_then(|claimed| self.perform_claimed(&claimed).map(|()| claimed.len()));
        claimed.unwrap_or_else(|e| {
            tracing::warn!("conductor: {e}");
            0
        })
    }

    /// Performs outbox entries claimed for this process and deletes those performed.
    pub fn perform_claimed(&self, claimed: &[OutboxRecord]) -> crate::store::Result<()> {
        let done: Vec<i64> = claimed
            .iter()
            .filter(|r| self.perform_record(r))
            .map(|r| r.id)
            .collect();
        if done.is_empty() {
            return Ok(());
        }
        let commit = Commit {
            done_outbox: done,
            ..Commit::default()
        };
        self.store.commit(&[commit])
    }

    /// Performs one claimed outbox entry; whether it is done (to delete). One that failed stays
    /// leased and is tried again when its lease ends.
    pub fn perform_record(&self, record: &OutboxRecord) -> bool {
        let id = &record.execution_arn;
        let Ok(effect) = serde_json::from_str::<Effect>(&record.payload) else {
            self.say_once(id, &format!("stepwise: conductor: workflow {id}: an effect written by another version cannot be read; it is dropped"));
            return true;
        };
        let wf = match self.workflow(id) {
            Ok(wf) => wf,
            Err(e) if e.status == 404 => return true,
            Err(e) => {
                self.say_once(
                    id,
                    &format!("stepwise: conductor: workflow {id}: {}", e.message),
                );
                return false;
            }
        };
        match self.perform(&wf, &effect) {
            Ok(()) => true,
            Err(e) => {
                self.say_once(
                    id,
                    &format!(
                        "stepwise: conductor: workflow {id}: {e} (will try again in {} s)",
                        LEASE_MS / 1000
                    ),
                );
                false
            }
        }
    }

    fn perform(&self, wf: &Workflow, effect: &Effect) -> Result<(), String> {
        match effect {
            Effect::Publish {
                sink,
                body,
                message_id,
            } => self
                .queues
                .send(sink, &body.to_string(), message_id)
                .map(|_| ()),
            Effect::Enqueue {
                task_type,
                task_id,
                domain,
            } => {
                let body = json!({"workflowId": wf.workflow_id, "taskId": task_id});
                let queue = task_queue(task_type, domain.as_deref());
                self.queues
                    .embedded
                    .send_to(&queue, &body.to_string())
                    .map(|_| ())
            }
            Effect::StartChild {
                workflow_id,
                name,
                version,
                input,
                parent_task_id,
                task_to_domain,
            } => {
                let start = Start {
                    workflow_id: workflow_id.clone(),
                    input: input.clone(),
                    correlation_id: wf.correlation_id.clone(),
                    parent: Some((wf.workflow_id.clone(), parent_task_id.clone())),
                    task_to_domain: (task_to_domain.as_ref())
                        .unwrap_or(&wf.task_to_domain)
                        .clone(),
                    event: None,
                };
                self.start_child(wf, name, *version, start)
            }
            Effect::NotifyParent {
                parent_workflow_id,
                parent_task_id,
            } => {
                let child = wf.clone();
                let r = self.apply_quietly(parent_workflow_id, &mut |cx, parent| {
                    ops::child_ended(cx, parent, parent_task_id, &child);
                    Ok(())
                });
                ignore_missing(r)
            }
            Effect::Transform { task_id } => self.transform(wf, task_id),
            Effect::Http { task_id } => self.http(wf, task_id),
            Effect::StartWorkflow {
                task_id,
                workflow_id,
                name,
                version,
                input,
                correlation_id,
                task_to_domain,
            } => {
                let (status, output, reason) = match self
                    .workflow_def(name, *version)
                    .map_err(|e| e.message)?
                {
                    Some(def) => {
                        let start = Start {
                            workflow_id: workflow_id.clone(),
                            input: input.clone(),
                            correlation_id: correlation_id.clone(),
                            task_to_domain: task_to_domain.clone(),
                            ..Start::default()
                        };
                        self.start_once(&def, start)?;
                        (
                            TaskStatus::Completed,
                            json!({"workflowId": workflow_id}),
                            None,
                        )
                    }
                    None => (
                        TaskStatus::Failed,
                        json!({}),
                        Some(format!(
                            "Error starting workflow: No such workflow found by name: {name}, version: {version:?}"
                        )),
                    ),
                };
                let update =
                    ops::TaskUpdate::new(task_id, status, crate::conductor::events::object(output))
                        .because(reason);
                self.apply_quietly(&wf.workflow_id, &mut |cx, w| {
                    ops::update_task(cx, w, update.clone()).map(|_| ())
                })
                .map_err(|e| e.message)
            }
            Effect::StartFailureWorkflow {
                workflow_id,
                name,
                input,
            } => {
                let Some(def) = self.workflow_def(name, None).map_err(|e| e.message)? else {
                    let why = format!(
                        "stepwise: conductor: workflow {}: its failureWorkflow {name} is not registered",
                        wf.workflow_id
                    );
                    self.say_once(workflow_id, &why);
                    return Ok(());
                };
                let start = Start {
                    workflow_id: workflow_id.clone(),
                    input: input.clone(),
                    correlation_id: wf.correlation_id.clone(),
                    task_to_domain: wf.task_to_domain.clone(),
                    ..Start::default()
                };
                self.start_once(&def, start)
            }
            Effect::TerminateChild {
                workflow_id,
                reason,
            } => {
                let r = self.apply_quietly(workflow_id, &mut |cx, child| {
                    let _ = ops::terminate(cx, child, Some(reason.clone()));
                    Ok(())
                });
                ignore_missing(r)
            }
        }
    }

    /// Starts a SUB_WORKFLOW's child (`start.parent` names the task), or fails the task when
    /// no such workflow is registered.
    fn start_child(
        &self,
        parent: &Workflow,
        name: &str,
        version: Option<i64>,
        start: Start,
    ) -> Result<(), String> {
        let parent_task_id = start
            .parent
            .as_ref()
            .map(|p| p.1.clone())
            .unwrap_or_default();
        if let Some(def) = self.workflow_def(name, version).map_err(|e| e.message)? {
            return self.start_once(&def, start);
        }
        let reason = format!("No such workflow defined. name={name}, version={version:?}");
        let output = json!({"subWorkflowLaunchError": reason});
        let update = ops::TaskUpdate {
            merge: true,
            ..ops::TaskUpdate::new(
                &parent_task_id,
                TaskStatus::Failed,
                crate::conductor::events::object(output),
            )
            .because(Some(reason.clone()))
        };
        self.apply_quietly(&parent.workflow_id, &mut |cx, p| {
            ops::update_task(cx, p, update.clone()).map(|_| ())
        })
        .map_err(|e| e.message)
    }

    /// Starts `def` as `start.workflow_id` unless a workflow with that id exists (an effect
    /// performed again after a crash starts nothing new).
    fn start_once(
        &self,
        def: &crate::conductor::def::WorkflowDef,
        start: Start,
    ) -> Result<(), String> {
        if self
            .store
            .workflow(&start.workflow_id)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            return Ok(());
        }
        self.insert_started(def, start)
            .map(|_| ())
            .map_err(|e| e.message)
    }
}

/// A workflow that is gone (deleted) has nothing left to tell.
fn ignore_missing(r: Result<(), OpError>) -> Result<(), String> {
    match r {
        Err(e) if e.status != 404 => Err(internal(e).message),
        _ => Ok(()),
    }
}
