//! Performing what the decider decided, after the workflow was saved: publishing EVENT messages,
//! queueing worker tasks, starting and ending children, telling parents. At least once: an effect
//! leaves `Workflow::pending` only after it was performed, so a process killed in between
//! performs it again when the workflow is next driven. Timers (WAIT deadlines, delayed tasks)
//! are fired here too.

use super::queues::EventQueues;
use super::{Conductor, internal};
use crate::conductor::ops::{self, OpError, Start};
use crate::conductor::workflow::{Effect, TaskStatus, Workflow};
use serde_json::json;

/// The embedded queue a worker task type is polled from.
pub fn task_queue(task_type: &str) -> String {
    format!("conductor-task:{task_type}")
}

impl Conductor {
    /// Fires due timers and performs pending effects until nothing is left; returns how many
    /// workflows it acted on.
    pub fn drive(&self) -> usize {
        let _one = super::lock(&self.driving);
        let mut acted = 0;
        for _ in 0..1_000 {
            let due = match self.store.due_workflows((self.now)(), 100) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("stepwise: conductor: {e}");
                    return acted;
                }
            };
            let mut progressed = false;
            for id in due {
                match self.drive_one(&id) {
                    Ok(true) => {
                        progressed = true;
                        acted += 1;
                    }
                    Ok(false) => {}
                    Err(e) => eprintln!("stepwise: conductor: workflow {id}: {e}"),
                }
            }
            if !progressed {
                break;
            }
        }
        acted
    }

    /// One due workflow: fire its timers, then perform its effects. `Ok(false)`: nothing could
    /// be done now (an effect keeps failing; it is tried again on the next drive).
    fn drive_one(&self, id: &str) -> Result<bool, OpError> {
        let wf = self.workflow(id)?;
        if wf.next_due().is_some_and(|d| d <= (self.now)()) {
            self.apply_quietly(id, &mut |cx, wf| {
                ops::tick(cx, wf);
                Ok(())
            })?;
        }
        let wf = self.workflow(id)?;
        let mut done = 0;
        for effect in &wf.pending {
            if let Err(e) = self.perform(&wf, effect) {
                self.say_once(
                    id,
                    &format!("stepwise: conductor: workflow {id}: {e} (will try again)"),
                );
                break;
            }
            done += 1;
        }
        if done == 0 && !wf.pending.is_empty() {
            return Ok(false);
        }
        let performed: Vec<Effect> = wf.pending[..done].to_vec();
        self.apply_quietly(id, &mut |_, wf| {
            // Effects decided meanwhile stay behind the ones performed.
            if wf.pending.starts_with(&performed) {
                wf.pending.drain(..performed.len());
            }
            Ok(())
        })?;
        Ok(true)
    }

    fn perform(&self, wf: &Workflow, effect: &Effect) -> Result<(), String> {
        match effect {
            Effect::Publish { sink, body, .. } => {
                self.queues.send(sink, &body.to_string()).map(|_| ())
            }
            Effect::Enqueue { task_type, task_id } => {
                let body = json!({"workflowId": wf.workflow_id, "taskId": task_id});
                self.queues
                    .embedded
                    .send_to(&task_queue(task_type), &body.to_string())
                    .map(|_| ())
            }
            Effect::StartChild {
                workflow_id,
                name,
                version,
                input,
                parent_task_id,
            } => self.start_child(wf, workflow_id, name, *version, input, parent_task_id),
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
                self.start_once(&def, workflow_id, input, wf.correlation_id.clone(), None)
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

    fn start_child(
        &self,
        parent: &Workflow,
        workflow_id: &str,
        name: &str,
        version: Option<i64>,
        input: &serde_json::Map<String, serde_json::Value>,
        parent_task_id: &str,
    ) -> Result<(), String> {
        if let Some(def) = self.workflow_def(name, version).map_err(|e| e.message)? {
            let from = Some((parent.workflow_id.clone(), parent_task_id.to_string()));
            return self.start_once(
                &def,
                workflow_id,
                input,
                parent.correlation_id.clone(),
                from,
            );
        }
        let reason = format!("No such workflow defined. name={name}, version={version:?}");
        let output = json!({"subWorkflowLaunchError": reason});
        let update = ops::TaskUpdate {
            merge: true,
            ..ops::TaskUpdate::new(
                parent_task_id,
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

    /// Starts `def` as `workflow_id` unless a workflow with that id exists (an effect performed
    /// again after a crash starts nothing new).
    fn start_once(
        &self,
        def: &crate::conductor::def::WorkflowDef,
        workflow_id: &str,
        input: &serde_json::Map<String, serde_json::Value>,
        correlation_id: Option<String>,
        parent: Option<(String, String)>,
    ) -> Result<(), String> {
        if self
            .store
            .workflow(workflow_id)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            return Ok(());
        }
        let start = Start {
            workflow_id: workflow_id.to_string(),
            input: input.clone(),
            correlation_id,
            event: None,
            parent,
        };
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
