//! State machines and activities in `PostgresStore`: table `resources`.

use tokio_postgres::Row;

use super::{Fail, PostgresStore, rows};
use crate::store::Result;
use crate::store::registry::{ResourceRecord, ResourceStore};

fn resource_row(r: &Row) -> std::result::Result<ResourceRecord, Fail> {
    Ok(ResourceRecord {
        kind: r.try_get(0)?,
        name: r.try_get(1)?,
        arn: r.try_get(2)?,
        body: r.try_get(3)?,
        created_ms: r.try_get(4)?,
    })
}

impl ResourceStore for PostgresStore {
    fn put_resource(&self, record: &ResourceRecord, create: bool) -> Result<ResourceRecord> {
        let r = record;
        let sql = if create {
            // `DO UPDATE` with no change, so `RETURNING` gives the stored row either way.
            "INSERT INTO resources (kind, name, arn, body, created_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kind, name) DO UPDATE SET kind = resources.kind
             RETURNING kind, name, arn, body, created_ms"
        } else {
            "INSERT INTO resources (kind, name, arn, body, created_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kind, name) DO UPDATE SET arn = excluded.arn, body = excluded.body
             RETURNING kind, name, arn, body, created_ms"
        };
        self.read(async |db| {
            let stored = db
                .query_one(sql, &[&r.kind, &r.name, &r.arn, &r.body, &r.created_ms])
                .await?;
            resource_row(&stored)
        })
    }

    fn resource(&self, kind: &str, name: &str) -> Result<Option<ResourceRecord>> {
        self.read(async |db| {
            db.query_opt(
                "SELECT kind, name, arn, body, created_ms FROM resources
                 WHERE kind = $1 AND name = $2",
                &[&kind, &name],
            )
            .await?
            .as_ref()
            .map(resource_row)
            .transpose()
        })
    }

    fn list_resources(&self, kind: &str) -> Result<Vec<ResourceRecord>> {
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT kind, name, arn, body, created_ms FROM resources
                     WHERE kind = $1 ORDER BY name",
                    &[&kind],
                )
                .await?;
            rows(found, resource_row)
        })
    }

    fn delete_resource(&self, kind: &str, name: &str) -> Result<bool> {
        self.read(async |db| {
            let n = db
                .execute(
                    "DELETE FROM resources WHERE kind = $1 AND name = $2",
                    &[&kind, &name],
                )
                .await?;
            Ok(n > 0)
        })
    }
}
