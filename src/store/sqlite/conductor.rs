//! Conductor workflows and event executions in `SqliteStore` (migration 5).

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{Fail, SqliteStore};
use crate::store::conductor::{ConductorStore, WorkflowRow};
use crate::store::{Error, Result, WorkflowWrite};

const SELECT: &str = "SELECT id, name, status, correlation_id, created_ms, due_ms, pending, body, revision FROM conductor_workflows";

fn row(r: &Row) -> rusqlite::Result<WorkflowRow> {
    Ok(WorkflowRow {
        id: r.get(0)?,
        name: r.get(1)?,
        status: r.get(2)?,
        correlation_id: r.get(3)?,
        created_ms: r.get(4)?,
        due_ms: r.get(5)?,
        pending: r.get(6)?,
        body: r.get(7)?,
        revision: r.get(8)?,
    })
}

/// A commit's workflow row: inserted (`AlreadyExists` when the id is taken) or updated from the
/// revision before it (`Conflict` when another writer came first).
pub(super) fn write_workflow(tx: &Transaction, w: &WorkflowWrite) -> std::result::Result<(), Fail> {
    let id = w.row.id.clone();
    if w.insert {
        if !insert(tx, &w.row)? {
            return Err(Fail::Store(Error::AlreadyExists { arn: id }));
        }
    } else if !update(tx, &w.row)? {
        return Err(Fail::Store(Error::Conflict { arn: id }));
    }
    Ok(())
}

fn insert(tx: &Transaction, w: &WorkflowRow) -> rusqlite::Result<bool> {
    let n = tx.prepare_cached(
        "INSERT INTO conductor_workflows (id, name, status, correlation_id, created_ms, due_ms, pending, body, revision)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![w.id, w.name, w.status, w.correlation_id, w.created_ms, w.due_ms, w.pending, w.body])?;
    Ok(n == 1)
}

fn update(tx: &Transaction, w: &WorkflowRow) -> rusqlite::Result<bool> {
    let n = tx.prepare_cached(
        "UPDATE conductor_workflows SET status = ?2, correlation_id = ?3, due_ms = ?4, pending = ?5, body = ?6, revision = ?7
         WHERE id = ?1 AND revision = ?7 - 1",
    )?
    .execute(params![w.id, w.status, w.correlation_id, w.due_ms, w.pending, w.body, w.revision])?;
    Ok(n == 1)
}

impl ConductorStore for SqliteStore {
    fn insert_workflow(&self, w: &WorkflowRow) -> Result<bool> {
        self.write(|tx| Ok(insert(tx, w)?))
    }

    fn workflow(&self, id: &str) -> Result<Option<WorkflowRow>> {
        self.read(|c| {
            c.query_row(&format!("{SELECT} WHERE id = ?1"), params![id], row)
                .optional()
        })
    }

    fn update_workflow(&self, w: &WorkflowRow) -> Result<()> {
        self.write(|tx| {
            if !update(tx, w)? {
                return Err(Fail::Store(Error::Conflict { arn: w.id.clone() }));
            }
            Ok(())
        })
    }

    /// Two queries, each on its partial index (an `OR` would scan the table).
    fn due_workflows(&self, now_ms: i64, limit: usize) -> Result<Vec<String>> {
        self.read(|c| {
            let limit = limit as i64;
            let mut pending = c.prepare_cached(
                "SELECT id FROM conductor_workflows WHERE pending ORDER BY created_ms LIMIT ?1",
            )?;
            let mut ids: Vec<String> = pending
                .query_map(params![limit], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut due = c.prepare_cached(
                "SELECT id FROM conductor_workflows WHERE due_ms <= ?1 ORDER BY due_ms LIMIT ?2",
            )?;
            for id in due.query_map(params![now_ms, limit], |r| r.get::<_, String>(0))? {
                let id = id?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ids.truncate(limit as usize);
            Ok(ids)
        })
    }

    fn next_workflow_due(&self) -> Result<Option<i64>> {
        self.read(|c| {
            c.query_row("SELECT min(due_ms) FROM conductor_workflows", [], |r| {
                r.get(0)
            })
        })
    }

    fn list_workflows(&self, name: Option<&str>, limit: usize) -> Result<Vec<WorkflowRow>> {
        let limit = if limit == 0 { i64::MAX } else { limit as i64 };
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "{SELECT} WHERE (?1 IS NULL OR name = ?1) ORDER BY created_ms DESC, id LIMIT ?2"
            ))?;
            stmt.query_map(params![name, limit], row)?.collect()
        })
    }

    fn claim_event_execution(&self, key: &str, body: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "INSERT INTO conductor_event_executions (key, body) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                params![key, body],
            )?;
            Ok(n == 1)
        })
    }

    fn event_execution(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT body FROM conductor_event_executions WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
        })
    }

    fn set_event_execution(&self, key: &str, body: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO conductor_event_executions (key, body) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET body = excluded.body",
                params![key, body],
            )?;
            Ok(())
        })
    }

    fn forget_event_execution(&self, key: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM conductor_event_executions WHERE key = ?1",
                params![key],
            )?;
            Ok(())
        })
    }

    fn event_executions(&self) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT key, body FROM conductor_event_executions ORDER BY key")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The queries the driver runs every 100 ms use their indexes, not a scan of every workflow.
    #[test]
    fn due_queries_use_their_indexes() {
        let s = SqliteStore::open_in_memory().unwrap();
        let plan = |sql: &str| -> String {
            s.read(|c| {
                let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = stmt.query_map(params![0, 10], |r| r.get::<_, String>(3))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap()
            .join("\n")
        };
        let pending = plan(
            "SELECT id FROM conductor_workflows WHERE pending ORDER BY created_ms LIMIT ?1 + ?2",
        );
        assert!(pending.contains("conductor_workflows_pending"), "{pending}");
        let due =
            plan("SELECT id FROM conductor_workflows WHERE due_ms <= ?1 ORDER BY due_ms LIMIT ?2");
        assert!(due.contains("conductor_workflows_due"), "{due}");
    }
}
