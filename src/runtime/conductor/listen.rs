//! Event-handler listeners: every event an active handler names is a queue this process reads.
//! Each message goes through every handler of its event; each action runs once per
//! `(handler, message, action)` — a redelivered message finds its actions recorded and does not
//! act twice — and the message is deleted when every action is done. An action that fails
//! leaves the message on the queue, to come back after its visibility timeout. A message that
//! completes no waiting task is recorded and deleted, as Conductor does.

use super::{Conductor, internal};
use crate::conductor::def::EventHandler;
use crate::conductor::events::{self, Decision, Resolved, object};
use crate::conductor::ops::{self, OpError, Start};
use crate::conductor::workflow::TaskStatus;
use crate::runtime::consumer::{self, Message, Outcome};
use crate::status::EventStatus;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Messages taken per queue per round.
const BATCH: usize = 10;

/// How long a received message stays invisible while its handlers run (Conductor: 60 s).
pub const VISIBILITY_MS: i64 = 60_000;

/// How many event actions' keys a workflow remembers having applied to its variables.
const MAX_APPLIED_EVENTS: usize = 256;

/// How long the listeners use the event handlers they read before reading them again: a
/// handler registered through another node is listened to within this time (one registered
/// here, at once).
const HANDLERS_FRESH_MS: i64 = 1_000;

impl Conductor {
    /// The event handlers to listen for: read again when `HANDLERS_FRESH_MS` old, so a driver
    /// round (one for every commit that leaves work) does not read them every time.
    fn listening_handlers(&self) -> Result<Vec<EventHandler>, OpError> {
        let now = self.clock.now_ms();
        let mut listening = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((read_ms, handlers)) = &*listening
            && now >= *read_ms
            && now - read_ms < HANDLERS_FRESH_MS
        {
            return Ok(handlers.clone());
        }
        let handlers = self.event_handlers()?;
        *listening = Some((now, handlers.clone()));
        Ok(handlers)
    }

    /// A handler was registered, changed or deleted here: the listeners read them again.
    pub(super) fn handlers_changed(&self) {
        *self.listening.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// One round over every active handler's queue; returns how many messages were handled.
    pub fn listen(&self) -> usize {
        let handlers = match self.listening_handlers() {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!("conductor: {e}");
                return 0;
            }
        };
        let mut by_event: BTreeMap<String, Vec<EventHandler>> = BTreeMap::new();
        for h in handlers.into_iter().filter(|h| h.active) {
            by_event.entry(h.event.clone()).or_default().push(h);
        }
        let mut handled = 0;
        for (event, handlers) in &by_event {
            let handle_each = |batch: &[Message]| {
                let handled = |m: &Message| match self.handle(event, handlers, m) {
                    Ok(()) => Outcome::Done,
                    Err(e) => {
                        tracing::warn!(
                            "conductor: {event}: message {} stays on the queue for redelivery: {e}",
                            m.id
                        );
                        Outcome::Keep
                    }
                };
                batch.iter().map(handled).collect()
            };
            match consumer::round(&self.queues, event, BATCH, VISIBILITY_MS, handle_each) {
                Ok(round) => {
                    for p in round.problems {
                        tracing::warn!("conductor: {event}: {p}");
                    }
                    handled += round.received;
                }
                Err(e) => self.say_once(event, &format!("conductor: listening on {event}: {e}")),
            }
        }
        if handled > 0 {
            self.drive();
        }
        handled
    }

    /// Prints `message` unless it is what was last said about `topic` (a queue that keeps
    /// failing is reported once, not ten times a second).
    pub(crate) fn say_once(&self, topic: &str, message: &str) {
        let mut said = super::lock(&self.said);
        if said.get(topic).is_none_or(|m| m != message) {
            tracing::warn!("{message}");
            said.insert(topic.to_string(), message.to_string());
        }
    }

    /// Runs the handlers of `event` on one message. `Err`: leave the message for redelivery.
    pub fn handle(
        &self,
        event: &str,
        handlers: &[EventHandler],
        m: &Message,
    ) -> Result<(), String> {
        let payload = events::payload_of(&m.body);
        let mut failed = None;
        for h in handlers {
            let decision = events::decide(h, event, &m.id, &payload)?;
            let actions = match decision {
                Decision::Skipped => {
                    let key = format!("{}:{}_0", h.name, m.id);
                    let body = record(
                        h,
                        event,
                        &m.id,
                        0,
                        EventStatus::Skipped,
                        None,
                        json!({"msg": m.body, "condition": h.condition}),
                    );
                    let _ = self.store.claim_event_execution(&key, &body.to_string());
                    continue;
                }
                Decision::Run(actions) => actions,
            };
            for (i, action) in actions.iter().enumerate() {
                if let Err(e) = self.run_once(h, event, &m.id, i, action) {
                    failed = Some(e);
                }
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// Runs one action unless it already completed for this message.
    fn run_once(
        &self,
        h: &EventHandler,
        event: &str,
        message_id: &str,
        i: usize,
        action: &Resolved,
    ) -> Result<(), String> {
        let key = format!("{}:{message_id}_{i}", h.name);
        let name = action_name(action);
        let mut started = record(
            h,
            event,
            message_id,
            i,
            EventStatus::InProgress,
            Some(name),
            Value::Null,
        );
        // Who runs it since when: another delivery leaves it to them while they live.
        started["claimedBy"] = Value::from(crate::runtime::process::owner_id());
        started["claimedAt"] = Value::from(self.clock.now_ms());
        let started = started.to_string();
        let claimed = self
            .store
            .claim_event_execution(&key, &started)
            .map_err(|e| e.to_string())?;
        if !claimed && !self.take_over_abandoned(&key, &started)? {
            return Ok(());
        }
        match self.act(event, &key, action) {
            Ok((status, output)) => {
                let done = record(
                    h,
                    event,
                    message_id,
                    i,
                    status,
                    Some(name),
                    Value::Object(output),
                );
                self.store
                    .set_event_execution(&key, &done.to_string())
                    .map_err(|e| e.to_string())
            }
            Err(e) => {
                let _ = self.store.forget_event_execution(&key);
                Err(format!("handler '{}' action {i} ({name}): {e}", h.name))
            }
        }
    }

    /// Whether this delivery runs an action claimed before. Done: no. In progress with a live
    /// claimer: no, and `Err` keeps the message for a later delivery (which finds it done). In
    /// progress with a claimer that died (its process is gone, or its claim is older than a
    /// message's visibility): yes, when this delivery takes the claim over — one delivery
    /// only; the action then runs again (each action is idempotent for a given message).
    fn take_over_abandoned(&self, key: &str, claim: &str) -> Result<bool, String> {
        let Some(stored) = self.store.event_execution(key).map_err(|e| e.to_string())? else {
            return Err(format!("the record of {key} changed while it was read"));
        };
        let v: Value = serde_json::from_str(&stored).unwrap_or_default();
        if v["status"] != EventStatus::InProgress.name() {
            return Ok(false);
        }
        let by = v["claimedBy"].as_str();
        let at = v["claimedAt"].as_i64().unwrap_or(0);
        let abandoned = by.is_none_or(crate::runtime::process::is_dead)
            || self.clock.now_ms().saturating_sub(at) > VISIBILITY_MS;
        if !abandoned {
            return Err(format!(
                "{key} is being performed by {}; the message comes back after its visibility timeout",
                by.unwrap_or("another process")
            ));
        }
        self.store
            .take_over_event_execution(key, &stored, claim)
            .map_err(|e| e.to_string())
    }

    /// Performs an action: the event execution's status and output, or `Err` to retry later.
    fn act(
        &self,
        event: &str,
        key: &str,
        action: &Resolved,
    ) -> Result<(EventStatus, Map<String, Value>), String> {
        match action {
            Resolved::StartWorkflow {
                name,
                version,
                correlation_id,
                input,
                task_to_domain,
            } => {
                let start = Start {
                    workflow_id: stable_id(key),
                    input: input.clone(),
                    correlation_id: correlation_id.clone(),
                    event: Some(event.to_string()),
                    parent: None,
                    task_to_domain: task_to_domain.clone(),
                };
                let id = self
                    .start_idempotently(name, *version, start)
                    .map_err(|e| e.message)?;
                Ok((EventStatus::Completed, object(json!({"workflowId": id}))))
            }
            Resolved::UpdateTask {
                failed,
                workflow_id,
                task_ref,
                task_id,
                output,
                reason,
            } => self.complete_from_event(
                *failed,
                workflow_id.as_deref(),
                task_ref.as_deref(),
                task_id.as_deref(),
                output,
                reason.clone(),
            ),
            Resolved::Terminate {
                workflow_id,
                reason,
            } => {
                let Some(id) = workflow_id else {
                    return Ok((
                        EventStatus::Failed,
                        object(json!({"exception": "terminate_workflow needs a workflowId"})),
                    ));
                };
                let r = self.apply(id, |cx, wf| ops::terminate(cx, wf, reason.clone()));
                Ok(outcome(r, json!({"workflowId": id})))
            }
            Resolved::UpdateVariables {
                workflow_id,
                variables,
                append_array,
            } => {
                let Some(id) = workflow_id else {
                    return Ok((
                        EventStatus::Failed,
                        object(
                            json!({"exception": "update_workflow_variables needs a workflowId"}),
                        ),
                    ));
                };
                let r = self.apply(id, |cx, wf| {
                    // Applied once per message even when the process died before the action
                    // was recorded done: the workflow remembers the keys it applied.
                    if wf.applied_events.iter().any(|k| k == key) {
                        return Ok(());
                    }
                    wf.applied_events.push(key.to_string());
                    let excess = wf.applied_events.len().saturating_sub(MAX_APPLIED_EVENTS);
                    wf.applied_events.drain(..excess);
                    merge_variables(&mut wf.variables, variables, *append_array);
                    crate::conductor::decide::Decider::new(cx, wf).settle();
                    Ok(())
                });
                Ok(outcome(r, json!({"workflowId": id})))
            }
        }
    }

    fn start_idempotently(
        &self,
        name: &str,
        version: Option<i64>,
        start: Start,
    ) -> Result<String, OpError> {
        if self
            .store
            .workflow(&start.workflow_id)
            .map_err(internal)?
            .is_some()
        {
            return Ok(start.workflow_id);
        }
        self.start(name, version, start)
    }

    /// complete_task / fail_task: the task by id or by reference name (the highest iteration in
    /// a loop). No such task, or one that already ended: recorded with an `error`, message done.
    fn complete_from_event(
        &self,
        failed: bool,
        workflow_id: Option<&str>,
        task_ref: Option<&str>,
        task_id: Option<&str>,
        output: &Map<String, Value>,
        reason: Option<String>,
    ) -> Result<(EventStatus, Map<String, Value>), String> {
        let not_found = || {
            let mut o = output.clone();
            o.insert(
                "error".into(),
                Value::from(format!(
                    "No task found with taskId: {}, reference name: {}, workflowId: {}",
                    task_id.unwrap_or("null"),
                    task_ref.unwrap_or("null"),
                    workflow_id.unwrap_or("null")
                )),
            );
            Ok((EventStatus::Completed, o))
        };
        let Some(wf_id) = workflow_id else {
            return not_found();
        };
        let status = if failed {
            TaskStatus::Failed
        } else {
            TaskStatus::Completed
        };
        let r = self.apply(wf_id, |cx, wf| {
            let target = match task_id {
                Some(id) => wf.task(id).filter(|t| !t.status.is_terminal()),
                None => task_ref.and_then(|r| ops::pending_by_ref(wf, r)),
            };
            let Some(id) = target.map(|t| t.task_id.clone()) else {
                return Ok(false);
            };
            let update = ops::TaskUpdate::new(&id, status, output.clone()).because(reason.clone());
            ops::update_task(cx, wf, update).map(|_| true)
        });
        match r {
            Ok(true) => Ok((EventStatus::Completed, output.clone())),
            Ok(false) => not_found(),
            Err(e) if e.status == 404 => {
                Ok((EventStatus::Failed, object(json!({"exception": e.message}))))
            }
            Err(e) => Err(e.message),
        }
    }
}

fn outcome(r: Result<(), OpError>, ok: Value) -> (EventStatus, Map<String, Value>) {
    match r {
        Ok(()) => (EventStatus::Completed, object(ok)),
        Err(e) => (EventStatus::Failed, object(json!({"exception": e.message}))),
    }
}

fn merge_variables(vars: &mut Map<String, Value>, new: &Map<String, Value>, append: bool) {
    for (k, v) in new {
        match (vars.get_mut(k), append) {
            (Some(Value::Array(existing)), true) => match v {
                Value::Array(more) => existing.extend(more.iter().cloned()),
                other => existing.push(other.clone()),
            },
            _ => {
                vars.insert(k.clone(), v.clone());
            }
        }
    }
}

fn action_name(a: &Resolved) -> &'static str {
    match a {
        Resolved::StartWorkflow { .. } => "start_workflow",
        Resolved::UpdateTask { failed: false, .. } => "complete_task",
        Resolved::UpdateTask { failed: true, .. } => "fail_task",
        Resolved::Terminate { .. } => "terminate_workflow",
        Resolved::UpdateVariables { .. } => "update_workflow_variables",
    }
}

/// Conductor's `EventExecution` JSON.
fn record(
    h: &EventHandler,
    event: &str,
    message_id: &str,
    i: usize,
    status: EventStatus,
    action: Option<&str>,
    output: Value,
) -> Value {
    json!({
        "id": format!("{message_id}_{i}"),
        "messageId": message_id,
        "name": h.name,
        "event": event,
        "status": status.name(),
        "action": action,
        "output": output,
    })
}

/// A workflow id that depends only on `(handler, message, action)`, so a start delivered twice
/// starts one workflow.
fn stable_id(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}
