//! State machines and activities in `SqliteStore`: table `resources` (migration 3).

use rusqlite::{OptionalExtension, Row, params};

use super::SqliteStore;
use crate::store::Result;
use crate::store::registry::{ResourceRecord, ResourceStore};

fn resource_row(r: &Row) -> rusqlite::Result<ResourceRecord> {
    Ok(ResourceRecord {
        kind: r.get(0)?,
        name: r.get(1)?,
        arn: r.get(2)?,
        body: r.get(3)?,
        created_ms: r.get(4)?,
    })
}

const SELECT: &str = "SELECT kind, name, arn, body, created_ms FROM resources";

impl ResourceStore for SqliteStore {
    fn put_resource(&self, record: &ResourceRecord, create: bool) -> Result<ResourceRecord> {
        self.write(|tx| {
            let sql = if create {
                "INSERT INTO resources (kind, name, arn, body, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, name) DO NOTHING"
            } else {
                "INSERT INTO resources (kind, name, arn, body, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, name) DO UPDATE SET arn = excluded.arn, body = excluded.body"
            };
            let r = record;
            tx.execute(sql, params![r.kind, r.name, r.arn, r.body, r.created_ms])?;
            let stored = tx.query_row(
                &format!("{SELECT} WHERE kind = ?1 AND name = ?2"),
                params![r.kind, r.name],
                resource_row,
            )?;
            Ok(stored)
        })
    }

    fn resource(&self, kind: &str, name: &str) -> Result<Option<ResourceRecord>> {
        self.read(|c| {
            c.query_row(
                &format!("{SELECT} WHERE kind = ?1 AND name = ?2"),
                params![kind, name],
                resource_row,
            )
            .optional()
        })
    }

    fn list_resources(&self, kind: &str) -> Result<Vec<ResourceRecord>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!("{SELECT} WHERE kind = ?1 ORDER BY name"))?;
            stmt.query_map(params![kind], resource_row)?.collect()
        })
    }

    fn delete_resource(&self, kind: &str, name: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "DELETE FROM resources WHERE kind = ?1 AND name = ?2",
                params![kind, name],
            )?;
            Ok(n > 0)
        })
    }
}
