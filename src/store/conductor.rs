//! Conductor workflow executions and event-handler executions. A workflow row holds the whole
//! execution as JSON (`conductor::Workflow`), with the columns the store needs to list them.
//! Rows carry a `revision` for optimistic concurrency, as executions do. What a workflow waits
//! for lives where an ASL execution's does: its next deadline in the timers table, its effects
//! in the outbox, its task tokens in the tokens table (all written by the same `Commit`).
//!
//! Definitions (workflows, tasks, event handlers) are resources (`registry.rs`).

use super::{Result, WorkflowStatus};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowRow {
    pub id: String,
    pub name: String,
    pub status: WorkflowStatus,
    pub correlation_id: Option<String>,
    pub created_ms: i64,
    /// JSON of the execution.
    pub body: String,
    /// 1 when inserted; each update writes the stored revision + 1.
    pub revision: i64,
}

pub trait ConductorStore {
    /// Inserts a new workflow; `false` (and nothing written) when the id exists.
    fn insert_workflow(&self, row: &WorkflowRow) -> Result<bool>;
    fn workflow(&self, id: &str) -> Result<Option<WorkflowRow>>;
    /// Replaces the row when the stored revision is `row.revision - 1`; `Error::Conflict` when
    /// another writer came first (reload and apply again).
    fn update_workflow(&self, row: &WorkflowRow) -> Result<()>;
    /// Deletes a workflow with its task tokens and timers (`DELETE /api/workflow/{id}/remove`);
    /// `false` when there was none.
    fn delete_workflow(&self, id: &str) -> Result<bool>;
    /// Workflows, newest first, optionally of one name, at most `limit` (0: all).
    fn list_workflows(&self, name: Option<&str>, limit: usize) -> Result<Vec<WorkflowRow>>;
    /// Records an event execution under `key` unless one exists: `false` means this
    /// `(handler, message, action)` was handled before (a duplicate delivery).
    fn claim_event_execution(&self, key: &str, body: &str) -> Result<bool>;
    /// The record under `key`.
    fn event_execution(&self, key: &str) -> Result<Option<String>>;
    /// Replaces the record with `body` if it is still `expected` (a claim abandoned by a process
    /// that died, taken over by one process only); `false` when it changed meanwhile.
    fn take_over_event_execution(&self, key: &str, expected: &str, body: &str) -> Result<bool>;
    /// Replaces the record (its status and output after the action ran).
    fn set_event_execution(&self, key: &str, body: &str) -> Result<()>;
    /// Removes the record: the action failed and may run again when the message comes back.
    fn forget_event_execution(&self, key: &str) -> Result<()>;
    /// Every event execution as `(key, body)`, by key.
    fn event_executions(&self) -> Result<Vec<(String, String)>>;
}
