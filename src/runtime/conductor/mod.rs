//! Conductor workflows on the runtime: metadata (workflow and task definitions, event handlers),
//! executions applied through the pure decider and committed with optimistic concurrency —
//! the workflow row, its effects in the one outbox (leased, at least once, as the ASL engine's),
//! its next deadline as its timer in the one timers table, and the task tokens of its WAIT and
//! HUMAN tasks in one transaction — then their effects
//! performed (`effects.rs`), worker polls (`workers.rs`, recorded in `polls.rs`) and event-handler listeners
//! (`listen.rs`). The REST API (`serve/conductor/`), the CLI and `runtime::durable` (task
//! tokens, the server's driver) call it.

pub mod effects;
mod http;
pub mod listen;
pub mod metadata;
pub mod polls;
mod shell;
pub mod tokens;
pub mod transform;
pub mod workers;

use crate::conductor::decide::Ctx;
use crate::conductor::def::{TaskDef, WorkflowDef};
use crate::conductor::ops::{self, OpError, Start};
use crate::conductor::workflow::{TaskStatus, Workflow};
use crate::runtime::clock::SharedClock;
use crate::runtime::queues::{EventQueues, Queues};
use crate::runtime::wake::Wake;
use crate::store::{
    Commit, Decider, Error, OutboxRecord, Store, TimerRecord, TokenRecord, WorkflowRow,
    WorkflowWrite,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How often an operation is applied again when another writer saved the workflow first.
const ATTEMPTS: usize = 50;

/// A workflow's one timer: its next deadline (a WAIT's end, a delayed task, a timeout).
pub const DEADLINE: u64 = 0;

/// What a step is compared with when it is saved: the tokens open before it and the deadline.
#[derive(Default)]
struct Before {
    tokens: Vec<String>,
    due: Option<i64>,
}

impl Before {
    fn of(wf: &Workflow) -> Before {
        Before {
            tokens: open_tokens(wf),
            due: wf.next_due(),
        }
    }
}

pub struct Conductor {
    pub store: Arc<dyn Store>,
    pub queues: Queues,
    /// The clock (virtual in `stepwise run --skip-waits`).
    pub clock: SharedClock,
    /// Told when a commit leaves effects in the outbox (the server's driver waits on it).
    pub wake: Arc<Wake>,
    /// Who this process is when it leases outbox entries (`runtime::process`).
    owner: String,
    /// Parsed definitions by their JSON text.
    defs: Mutex<HashMap<String, Arc<WorkflowDef>>>,
    /// The last problem reported per queue.
    said: Mutex<HashMap<String, String>>,
    /// The event handlers the listeners read last, and when (`listen.rs`).
    pub(super) listening: Mutex<Option<(i64, Vec<crate::conductor::def::EventHandler>)>>,
    /// The stepwise binary, which runs JSON_JQ_TRANSFORM tasks in a child process.
    pub helper: Option<std::path::PathBuf>,
    /// Who polled for which task type in which domain, and when (`polls.rs`).
    pub polls: polls::Polls,
}

impl Conductor {
    pub fn new(store: Arc<dyn Store>, queues: Queues, clock: SharedClock) -> Conductor {
        Conductor {
            store,
            queues,
            clock,
            wake: Wake::shared(),
            owner: crate::runtime::process::owner_id(),
            defs: Mutex::new(HashMap::new()),
            said: Mutex::new(HashMap::new()),
            listening: Mutex::new(None),
            helper: None,
            polls: polls::Polls::default(),
        }
    }

    /// Starts an execution of workflow `name` (latest version unless given); returns its id.
    pub fn start(
        &self,
        name: &str,
        version: Option<i64>,
        mut start: Start,
    ) -> Result<String, OpError> {
        let def = self.workflow_def(name, version)?.ok_or_else(|| {
            OpError::not_found(match version {
                Some(v) => format!("No such workflow found by name: {name}, version: {v}"),
                None => format!("No such workflow found by name: {name}"),
            })
        })?;
        if start.workflow_id.is_empty() {
            start.workflow_id = uuid::Uuid::new_v4().to_string();
        }
        self.start_def(&def, start)
    }

    /// Starts an execution of `def` (inline definitions, children) and performs its first
    /// effects.
    pub fn start_def(&self, def: &WorkflowDef, start: Start) -> Result<String, OpError> {
        let id = self.insert_started(def, start)?;
        self.drive();
        Ok(id)
    }

    /// Starts an execution without performing its effects (inside `drive`). An id that exists
    /// is left as it is: a start delivered twice starts once.
    pub(crate) fn insert_started(
        &self,
        def: &WorkflowDef,
        start: Start,
    ) -> Result<String, OpError> {
        let id = start.workflow_id.clone();
        let task_defs = |n: &str| self.task_def(n);
        let mut ids = || uuid::Uuid::new_v4().to_string();
        let sinks = |event: &str| self.queues.can_send(event);
        let last_poll = |t: &str, d: &str| self.polls.last_poll(t, Some(d));
        let mut cx = Ctx {
            def,
            task_defs: &task_defs,
            now: self.now(),
            ids: &mut ids,
            sinks: &sinks,
            last_poll: &last_poll,
        };
        let mut wf = ops::start(&mut cx, start);
        match self.save(&mut wf, 1, &Before::default()) {
            Ok(()) | Err(Error::AlreadyExists { .. }) => Ok(id),
            Err(e) => Err(internal(e)),
        }
    }

    pub fn workflow(&self, id: &str) -> Result<Workflow, OpError> {
        let row = self
            .store
            .workflow(id)
            .map_err(internal)?
            .ok_or_else(|| OpError::not_found(format!("No such workflow found by id: {id}")))?;
        parse_row(&row)
    }

    /// Applies `f` to the workflow and saves it, again from a fresh read if another writer came
    /// first; then performs the effects it decided.
    pub fn apply<R>(
        &self,
        id: &str,
        mut f: impl FnMut(&mut Ctx, &mut Workflow) -> Result<R, OpError>,
    ) -> Result<R, OpError> {
        let out = self.apply_quietly(id, &mut f)?;
        self.drive();
        Ok(out)
    }

    /// `apply` with `definition` as the decider's definition instead of the one the workflow
    /// runs (a restart on the latest definition).
    pub fn apply_with_definition<R>(
        &self,
        id: &str,
        definition: &serde_json::Value,
        mut f: impl FnMut(&mut Ctx, &mut Workflow) -> Result<R, OpError>,
    ) -> Result<R, OpError> {
        let out = self.apply_inner(id, Some(definition), &mut f)?;
        self.drive();
        Ok(out)
    }

    /// `apply` without performing effects (inside `drive`).
    pub(crate) fn apply_quietly<R>(
        &self,
        id: &str,
        f: &mut dyn FnMut(&mut Ctx, &mut Workflow) -> Result<R, OpError>,
    ) -> Result<R, OpError> {
        self.apply_inner(id, None, f)
    }

    fn apply_inner<R>(
        &self,
        id: &str,
        definition: Option<&serde_json::Value>,
        f: &mut dyn FnMut(&mut Ctx, &mut Workflow) -> Result<R, OpError>,
    ) -> Result<R, OpError> {
        for _ in 0..ATTEMPTS {
            let row =
                self.store.workflow(id).map_err(internal)?.ok_or_else(|| {
                    OpError::not_found(format!("No such workflow found by id: {id}"))
                })?;
            let mut wf = parse_row(&row)?;
            let before = Before::of(&wf);
            let def = self.parse_def(definition.unwrap_or(&wf.definition))?;
            let task_defs = |n: &str| self.task_def(n);
            let mut ids = || uuid::Uuid::new_v4().to_string();
            let sinks = |event: &str| self.queues.can_send(event);
            let last_poll = |t: &str, d: &str| self.polls.last_poll(t, Some(d));
            let mut cx = Ctx {
                def: &def,
                task_defs: &task_defs,
                now: self.now(),
                ids: &mut ids,
                sinks: &sinks,
                last_poll: &last_poll,
            };
            let out = f(&mut cx, &mut wf)?;
            match self.save(&mut wf, row.revision + 1, &before) {
                Ok(()) => return Ok(out),
                Err(Error::Conflict { .. }) => continue,
                Err(e) => return Err(internal(e)),
            }
        }
        Err(OpError {
            status: 500,
            message: format!("workflow {id} is being changed by others: try again"),
        })
    }

    /// Commits the workflow at `revision` (1: a new one) with what its step decided: its effects
    /// move to the outbox, its open WAIT and HUMAN tasks get task tokens, the tokens open
    /// `before` that no longer are close, and its timer is set to its next deadline (written
    /// every time, so a timer that fired early is corrected; the driver is woken when it moved).
    fn save(&self, wf: &mut Workflow, revision: i64, before: &Before) -> crate::store::Result<()> {
        let now = self.now();
        let mut commit = Commit::default();
        for task in wf
            .tasks
            .iter_mut()
            .filter(|t| awaits_token(t) && t.task_token.is_none())
        {
            let token = crate::runtime::new_token().map_err(crate::store::Error::Backend)?;
            task.task_token = Some(token.clone());
            commit.new_tokens.push(TokenRecord {
                token,
                execution_arn: wf.workflow_id.clone(),
                task: 0,
                state_name: task.task_id.clone(),
                open: true,
                created_ms: now,
                decider: Decider::Conductor,
            });
        }
        let open = open_tokens(wf);
        commit.closed_tokens = before
            .tokens
            .iter()
            .filter(|t| !open.contains(t))
            .cloned()
            .collect();
        for effect in wf.pending.drain(..) {
            commit.new_outbox.push(OutboxRecord {
                id: 0,
                execution_arn: wf.workflow_id.clone(),
                decider: Decider::Conductor,
                payload: serde_json::to_string(&effect).unwrap_or_default(),
                lease_until_ms: 0,
                attempts: 0,
                lease_owner: None,
            });
        }
        let due = wf.next_due();
        match due {
            Some(due_ms) => commit.new_timers.push(deadline(&wf.workflow_id, due_ms)),
            None => commit
                .removed_timers
                .push((wf.workflow_id.clone(), DEADLINE)),
        }
        let row = row_of(wf, revision).map_err(|e| Error::Backend(e.message))?;
        commit.workflow = Some(WorkflowWrite {
            row,
            insert: revision == 1,
        });
        let work = !commit.new_outbox.is_empty() || due != before.due;
        self.store.commit(&[commit])?;
        if work {
            self.wake.notify();
        }
        Ok(())
    }

    /// The parsed definition an execution runs.
    fn parse_def(&self, raw: &serde_json::Value) -> Result<Arc<WorkflowDef>, OpError> {
        let key = raw.to_string();
        if let Some(d) = lock(&self.defs).get(&key) {
            return Ok(d.clone());
        }
        let def = crate::conductor::def::load_workflow(raw).map_err(|diags| OpError {
            status: 500,
            message: format!(
                "the workflow's definition no longer loads: {}",
                metadata::diagnostics_text(&diags)
            ),
        })?;
        let def = Arc::new(def);
        let mut cache = lock(&self.defs);
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(key, def.clone());
        Ok(def)
    }

    /// Epoch milliseconds now, by the runtime's clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A registered task definition.
    pub fn task_def(&self, name: &str) -> Option<TaskDef> {
        metadata::task_def(&*self.store, name).ok().flatten()
    }
}

/// A task a token can close: a WAIT or HUMAN task in progress.
fn awaits_token(t: &crate::conductor::workflow::Task) -> bool {
    matches!(t.task_type.as_str(), "WAIT" | "HUMAN") && t.status == TaskStatus::InProgress
}

/// The tokens of the tasks still waiting for them.
fn open_tokens(wf: &Workflow) -> Vec<String> {
    if wf.status.is_terminal() {
        return Vec::new();
    }
    wf.tasks
        .iter()
        .filter(|t| awaits_token(t))
        .filter_map(|t| t.task_token.clone())
        .collect()
}

/// The row for a workflow at `revision`.
pub(crate) fn row_of(wf: &Workflow, revision: i64) -> Result<WorkflowRow, OpError> {
    Ok(WorkflowRow {
        id: wf.workflow_id.clone(),
        name: wf.name.clone(),
        status: wf.status,
        correlation_id: wf.correlation_id.clone(),
        created_ms: wf.create_time,
        body: serde_json::to_string(wf).map_err(|e| OpError {
            status: 500,
            message: format!("the workflow could not be saved: {e}"),
        })?,
        revision,
    })
}

/// Workflow `id`'s timer, due at `due_ms`.
fn deadline(id: &str, due_ms: i64) -> TimerRecord {
    TimerRecord {
        execution_arn: id.to_string(),
        timer: DEADLINE,
        due_ms,
        decider: Decider::Conductor,
    }
}

fn parse_row(row: &WorkflowRow) -> Result<Workflow, OpError> {
    serde_json::from_str(&row.body).map_err(|e| OpError {
        status: 500,
        message: format!("workflow {} is unreadable in the database: {e}", row.id),
    })
}

pub(crate) fn internal(e: impl std::fmt::Display) -> OpError {
    OpError {
        status: 500,
        message: e.to_string(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
