//! Conductor workflows and event executions in `PostgresStore`.

use tokio_postgres::Row;

use super::pool::Db;
use super::{Fail, PostgresStore, limit, rows};
use crate::store::conductor::{ConductorStore, WorkflowRow};
use crate::store::{Error, Result, WorkflowStatus, WorkflowWrite};

fn row(r: &Row) -> std::result::Result<WorkflowRow, Fail> {
    let status: String = r.try_get(2)?;
    Ok(WorkflowRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        status: WorkflowStatus::parse(&status).ok_or_else(|| {
            Fail::Store(Error::Backend(format!(
                "unknown WorkflowStatus '{status}' (written by a newer stepwise? upgrade it)"
            )))
        })?,
        correlation_id: r.try_get(3)?,
        created_ms: r.try_get(4)?,
        body: r.try_get(5)?,
        revision: r.try_get(6)?,
    })
}

/// A commit's workflow row: inserted (`AlreadyExists` when the id is taken) or updated from the
/// revision before it (`Conflict` when another writer came first).
pub(super) async fn write_workflow(db: &Db, w: &WorkflowWrite) -> std::result::Result<(), Fail> {
    let id = w.row.id.clone();
    if w.insert {
        if !insert(db, &w.row).await? {
            return Err(Fail::Store(Error::AlreadyExists { arn: id }));
        }
    } else if !update(db, &w.row).await? {
        return Err(Fail::Store(Error::Conflict { arn: id }));
    }
    Ok(())
}

async fn insert(db: &Db, w: &WorkflowRow) -> std::result::Result<bool, Fail> {
    let n = db
        .execute(
            "INSERT INTO conductor_workflows
                 (id, name, status, correlation_id, created_ms, body, revision)
             VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (id) DO NOTHING",
            &[
                &w.id,
                &w.name,
                &w.status.name(),
                &w.correlation_id,
                &w.created_ms,
                &w.body,
            ],
        )
        .await?;
    Ok(n == 1)
}

async fn update(db: &Db, w: &WorkflowRow) -> std::result::Result<bool, Fail> {
    let n = db
        .execute(
            "UPDATE conductor_workflows SET status = $2, correlation_id = $3, body = $4,
                    revision = $5
             WHERE id = $1 AND revision = $5::bigint - 1",
            &[
                &w.id,
                &w.status.name(),
                &w.correlation_id,
                &w.body,
                &w.revision,
            ],
        )
        .await?;
    Ok(n == 1)
}

impl ConductorStore for PostgresStore {
    fn insert_workflow(&self, w: &WorkflowRow) -> Result<bool> {
        self.read(async |db| insert(db, w).await)
    }

    fn workflow(&self, id: &str) -> Result<Option<WorkflowRow>> {
        self.read(async |db| {
            db.query_opt(
                "SELECT id, name, status, correlation_id, created_ms, body, revision
                 FROM conductor_workflows WHERE id = $1",
                &[&id],
            )
            .await?
            .as_ref()
            .map(row)
            .transpose()
        })
    }

    fn update_workflow(&self, w: &WorkflowRow) -> Result<()> {
        self.read(async |db| {
            if !update(db, w).await? {
                return Err(Fail::Store(Error::Conflict { arn: w.id.clone() }));
            }
            Ok(())
        })
    }

    fn delete_workflow(&self, id: &str) -> Result<bool> {
        self.read(async |db| {
            let n = db
                .execute("DELETE FROM conductor_workflows WHERE id = $1", &[&id])
                .await?;
            db.execute("DELETE FROM tokens WHERE execution_arn = $1", &[&id])
                .await?;
            db.execute("DELETE FROM timers WHERE execution_arn = $1", &[&id])
                .await?;
            Ok(n > 0)
        })
    }

    fn list_workflows(&self, name: Option<&str>, max: usize) -> Result<Vec<WorkflowRow>> {
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT id, name, status, correlation_id, created_ms, body, revision
                     FROM conductor_workflows WHERE ($1::text IS NULL OR name = $1)
                     ORDER BY created_ms DESC, id LIMIT $2",
                    &[&name, &limit(max)],
                )
                .await?;
            rows(found, row)
        })
    }

    fn claim_event_execution(&self, key: &str, body: &str) -> Result<bool> {
        self.read(async |db| {
            let n = db
                .execute(
                    "INSERT INTO conductor_event_executions (key, body) VALUES ($1, $2)
                     ON CONFLICT (key) DO NOTHING",
                    &[&key, &body],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn event_execution(&self, key: &str) -> Result<Option<String>> {
        self.read(async |db| {
            let found = db
                .query_opt(
                    "SELECT body FROM conductor_event_executions WHERE key = $1",
                    &[&key],
                )
                .await?;
            Ok(found.map(|r| r.try_get(0)).transpose()?)
        })
    }

    fn set_event_execution(&self, key: &str, body: &str) -> Result<()> {
        self.read(async |db| {
            db.execute(
                "INSERT INTO conductor_event_executions (key, body) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET body = excluded.body",
                &[&key, &body],
            )
            .await?;
            Ok(())
        })
    }

    fn take_over_event_execution(&self, key: &str, expected: &str, body: &str) -> Result<bool> {
        self.read(async |db| {
            let n = db
                .execute(
                    "UPDATE conductor_event_executions SET body = $3 WHERE key = $1 AND body = $2",
                    &[&key, &expected, &body],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn forget_event_execution(&self, key: &str) -> Result<()> {
        self.read(async |db| {
            db.execute(
                "DELETE FROM conductor_event_executions WHERE key = $1",
                &[&key],
            )
            .await?;
            Ok(())
        })
    }

    fn event_executions(&self) -> Result<Vec<(String, String)>> {
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT key, body FROM conductor_event_executions ORDER BY key",
                    &[],
                )
                .await?;
            rows(found, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
        })
    }
}
