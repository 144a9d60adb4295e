//! Conductor workflows on the durable store: metadata (workflow and task definitions, event
//! handlers), executions applied through the pure decider and saved with optimistic concurrency,
//! then their effects performed at least once (`effects.rs`), worker polls (`workers.rs`) and
//! event-handler listeners (`listen.rs`). The REST API (`serve/conductor/`) and the CLI call it.

pub mod effects;
pub mod listen;
pub mod metadata;
pub mod queues;
pub mod transform;
pub mod workers;

use crate::conductor::decide::Ctx;
use crate::conductor::def::{TaskDef, WorkflowDef};
use crate::conductor::ops::{self, OpError, Start};
use crate::conductor::workflow::Workflow;
use crate::store::{Error, Store, WorkflowRow};
use queues::Queues;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Epoch milliseconds now.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How often an operation is applied again when another writer saved the workflow first.
const ATTEMPTS: usize = 50;

pub struct Conductor {
    pub store: Arc<dyn Store>,
    pub queues: Queues,
    /// The clock (virtual in `stepwise run --skip-waits`).
    pub now: Clock,
    /// Parsed definitions by their JSON text.
    defs: Mutex<HashMap<String, Arc<WorkflowDef>>>,
    /// One `drive` at a time in this process, so an effect is not performed twice by two threads.
    driving: Mutex<()>,
    /// The last problem reported per queue.
    said: Mutex<HashMap<String, String>>,
    /// The stepwise binary, which runs JSON_JQ_TRANSFORM tasks in a child process.
    pub helper: Option<std::path::PathBuf>,
}

impl Conductor {
    pub fn new(store: Arc<dyn Store>, queues: Queues, now: Clock) -> Conductor {
        Conductor {
            store,
            queues,
            now,
            defs: Mutex::new(HashMap::new()),
            driving: Mutex::new(()),
            said: Mutex::new(HashMap::new()),
            helper: None,
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
        let mut cx = Ctx {
            def,
            task_defs: &task_defs,
            now: (self.now)(),
            ids: &mut ids,
        };
        let wf = ops::start(&mut cx, start);
        let row = row_of(&wf, 1)?;
        self.store.insert_workflow(&row).map_err(internal)?;
        Ok(id)
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

    /// `apply` without performing effects (inside `drive`).
    pub(crate) fn apply_quietly<R>(
        &self,
        id: &str,
        f: &mut dyn FnMut(&mut Ctx, &mut Workflow) -> Result<R, OpError>,
    ) -> Result<R, OpError> {
        for _ in 0..ATTEMPTS {
            let row =
                self.store.workflow(id).map_err(internal)?.ok_or_else(|| {
                    OpError::not_found(format!("No such workflow found by id: {id}"))
                })?;
            let mut wf = parse_row(&row)?;
            let def = self.parse_def(&wf.definition)?;
            let task_defs = |n: &str| self.task_def(n);
            let mut ids = || uuid::Uuid::new_v4().to_string();
            let mut cx = Ctx {
                def: &def,
                task_defs: &task_defs,
                now: (self.now)(),
                ids: &mut ids,
            };
            let out = f(&mut cx, &mut wf)?;
            match self.store.update_workflow(&row_of(&wf, row.revision + 1)?) {
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

    /// A registered task definition.
    pub fn task_def(&self, name: &str) -> Option<TaskDef> {
        metadata::task_def(&*self.store, name).ok().flatten()
    }
}

/// The row for a workflow at `revision`.
pub(crate) fn row_of(wf: &Workflow, revision: i64) -> Result<WorkflowRow, OpError> {
    Ok(WorkflowRow {
        id: wf.workflow_id.clone(),
        name: wf.name.clone(),
        status: wf.status.name().to_string(),
        correlation_id: wf.correlation_id.clone(),
        created_ms: wf.create_time,
        due_ms: wf.next_due(),
        pending: !wf.pending.is_empty(),
        body: serde_json::to_string(wf).map_err(|e| OpError {
            status: 500,
            message: format!("the workflow could not be saved: {e}"),
        })?,
        revision,
    })
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
