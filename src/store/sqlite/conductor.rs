//! Conductor workflows and event executions in `SqliteStore` (migration 5).

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{Fail, SqliteStore};
use crate::store::conductor::{ConductorStore, WorkflowRow};
use crate::store::{Error, Result, WorkflowWrite};

const SELECT: &str =
    "SELECT id, name, status, correlation_id, created_ms, body, revision FROM conductor_workflows";

fn row(r: &Row) -> rusqlite::Result<WorkflowRow> {
    Ok(WorkflowRow {
        id: r.get(0)?,
        name: r.get(1)?,
        status: r.get(2)?,
        correlation_id: r.get(3)?,
        created_ms: r.get(4)?,
        body: r.get(5)?,
        revision: r.get(6)?,
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
        "INSERT INTO conductor_workflows (id, name, status, correlation_id, created_ms, body, revision)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![w.id, w.name, w.status, w.correlation_id, w.created_ms, w.body])?;
    Ok(n == 1)
}

fn update(tx: &Transaction, w: &WorkflowRow) -> rusqlite::Result<bool> {
    let n = tx.prepare_cached(
        "UPDATE conductor_workflows SET status = ?2, correlation_id = ?3, body = ?4, revision = ?5
         WHERE id = ?1 AND revision = ?5 - 1",
    )?
    .execute(params![w.id, w.status, w.correlation_id, w.body, w.revision])?;
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

    fn delete_workflow(&self, id: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute("DELETE FROM conductor_workflows WHERE id = ?1", params![id])?;
            tx.execute("DELETE FROM tokens WHERE execution_arn = ?1", params![id])?;
            tx.execute("DELETE FROM timers WHERE execution_arn = ?1", params![id])?;
            Ok(n > 0)
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

    fn take_over_event_execution(&self, key: &str, expected: &str, body: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE conductor_event_executions SET body = ?3 WHERE key = ?1 AND body = ?2",
                params![key, expected, body],
            )?;
            Ok(n == 1)
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
    use super::super::migrations::MIGRATIONS;
    use super::super::tests::TempDir;
    use super::*;
    use crate::store::{Decider, Scope, TimerRecord, TimerStore};
    use rusqlite::Connection;

    /// Migration 7 moves each workflow's deadline into the timers table, and makes a row an
    /// older version left with effects inside due at once.
    #[test]
    fn a_schema_6_file_keeps_its_workflow_deadlines_as_timers() {
        let dir = TempDir::new();
        std::fs::create_dir_all(dir.db().parent().unwrap()).unwrap();
        let old = Connection::open(dir.db()).unwrap();
        old.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)",
        )
        .unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version <= 6) {
            old.execute_batch(m.sql).unwrap();
            old.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2)",
                (m.version, m.name),
            )
            .unwrap();
        }
        for (id, due, pending) in [
            ("waits", Some(500), false),
            ("effects", None, true),
            ("idle", None, false),
        ] {
            old.execute(
                "INSERT INTO conductor_workflows (id, name, status, created_ms, due_ms, pending, body, revision)
                 VALUES (?1, 'wf', 'RUNNING', 1, ?2, ?3, '{}', 1)",
                params![id, due, pending],
            )
            .unwrap();
        }
        drop(old);
        let s = SqliteStore::open(&dir.db()).unwrap();
        let conductor = Scope {
            decider: Some(Decider::Conductor),
            execution: None,
        };
        let timer = |id: &str, due_ms| TimerRecord {
            execution_arn: id.into(),
            timer: 0,
            due_ms,
            decider: Decider::Conductor,
        };
        assert_eq!(
            s.due_timers(i64::MAX, 10, conductor).unwrap(),
            [timer("effects", 0), timer("waits", 500)]
        );
        let row = s.workflow("waits").unwrap().unwrap();
        assert_eq!(
            (row.status, row.revision),
            (crate::store::WorkflowStatus::Running, 1)
        );
    }
}
