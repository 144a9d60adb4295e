//! Conductor workflows and event executions in `MemoryStore`.

use super::MemoryStore;
use crate::store::conductor::{ConductorStore, WorkflowRow};
use crate::store::{Error, Result};

impl ConductorStore for MemoryStore {
    fn insert_workflow(&self, w: &WorkflowRow) -> Result<bool> {
        let mut inner = self.lock();
        if inner.workflows.contains_key(&w.id) {
            return Ok(false);
        }
        inner.workflows.insert(
            w.id.clone(),
            WorkflowRow {
                revision: 1,
                ..w.clone()
            },
        );
        Ok(true)
    }

    fn workflow(&self, id: &str) -> Result<Option<WorkflowRow>> {
        Ok(self.lock().workflows.get(id).cloned())
    }

    fn update_workflow(&self, w: &WorkflowRow) -> Result<()> {
        let mut inner = self.lock();
        match inner.workflows.get_mut(&w.id) {
            Some(stored) if stored.revision == w.revision - 1 => {
                let created_ms = stored.created_ms;
                *stored = WorkflowRow {
                    created_ms,
                    ..w.clone()
                };
                Ok(())
            }
            _ => Err(Error::Conflict { arn: w.id.clone() }),
        }
    }

    fn delete_workflow(&self, id: &str) -> Result<bool> {
        Ok(self.lock().delete_workflow(id))
    }

    fn list_workflows(&self, name: Option<&str>, limit: usize) -> Result<Vec<WorkflowRow>> {
        let inner = self.lock();
        let mut all: Vec<WorkflowRow> = inner
            .workflows
            .values()
            .filter(|w| name.is_none_or(|n| w.name == n))
            .cloned()
            .collect();
        all.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
        if limit > 0 {
            all.truncate(limit);
        }
        Ok(all)
    }

    fn claim_event_execution(&self, key: &str, body: &str) -> Result<bool> {
        let mut inner = self.lock();
        if inner.event_executions.contains_key(key) {
            return Ok(false);
        }
        inner
            .event_executions
            .insert(key.to_string(), body.to_string());
        Ok(true)
    }

    fn event_execution(&self, key: &str) -> Result<Option<String>> {
        Ok(self.lock().event_executions.get(key).cloned())
    }

    fn set_event_execution(&self, key: &str, body: &str) -> Result<()> {
        self.lock()
            .event_executions
            .insert(key.to_string(), body.to_string());
        Ok(())
    }

    fn take_over_event_execution(&self, key: &str, expected: &str, body: &str) -> Result<bool> {
        let mut inner = self.lock();
        match inner.event_executions.get_mut(key) {
            Some(stored) if stored == expected => {
                *stored = body.to_string();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn forget_event_execution(&self, key: &str) -> Result<()> {
        self.lock().event_executions.remove(key);
        Ok(())
    }

    fn event_executions(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .lock()
            .event_executions
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
