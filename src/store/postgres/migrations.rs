//! Versioned schema migrations for the PostgreSQL backend, applied when a store opens.
//!
//! The tables are SQLite's (`store/migrations.rs`) as they stand after its migration 7, with
//! identity columns where SQLite has `AUTOINCREMENT` and leases on timers (nodes claim them); from here on each backend appends its own
//! numbered scripts, never editing one. Several nodes may start at once: the work happens in one
//! transaction under a transaction-level advisory lock, and each node re-reads the version after
//! taking it, so exactly one applies each script.

use super::pool::Db;

pub(super) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "executions, history, tokens, timers, outbox, queues, resources, conductor",
        sql: r#"
CREATE TABLE executions (
    arn          TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    machine_arn  TEXT NOT NULL,
    machine_name TEXT NOT NULL,
    definition   TEXT NOT NULL,
    status       TEXT NOT NULL,
    input        TEXT NOT NULL,
    output       TEXT,
    error        TEXT,
    cause        TEXT,
    start_ms     BIGINT NOT NULL,
    stop_ms      BIGINT,
    state        TEXT NOT NULL,
    config       TEXT NOT NULL,
    version      BIGINT NOT NULL
);
CREATE INDEX executions_machine_start ON executions (machine_arn, start_ms, arn);
CREATE INDEX executions_status_start ON executions (status, start_ms, arn);
CREATE INDEX executions_start ON executions (start_ms, arn);

CREATE TABLE history (
    execution_arn TEXT NOT NULL,
    id            BIGINT NOT NULL,
    timestamp_ms  BIGINT NOT NULL,
    json          TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
);

CREATE TABLE tokens (
    token         TEXT PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    task          BIGINT NOT NULL,
    state_name    TEXT NOT NULL,
    open          BOOLEAN NOT NULL,
    created_ms    BIGINT NOT NULL,
    decider       TEXT NOT NULL DEFAULT 'asl'
);
CREATE INDEX tokens_execution ON tokens (execution_arn);

CREATE TABLE timers (
    execution_arn TEXT NOT NULL,
    timer         BIGINT NOT NULL,
    due_ms        BIGINT NOT NULL,
    decider       TEXT NOT NULL DEFAULT 'asl',
    -- A node firing the timer holds it until then (0: nobody).
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    PRIMARY KEY (execution_arn, timer)
);
CREATE INDEX timers_due ON timers (due_ms, execution_arn, timer);

-- Identity: ids are never reused, so a late "done" cannot delete a newer record.
CREATE TABLE outbox (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    execution_arn  TEXT NOT NULL,
    payload        TEXT NOT NULL,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    attempts       BIGINT NOT NULL DEFAULT 0,
    lease_owner    TEXT,
    decider        TEXT NOT NULL DEFAULT 'asl'
);
CREATE INDEX outbox_lease ON outbox (lease_until_ms, id);

CREATE TABLE queues (
    name       TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

-- Identity: a sequence is never reused, so FIFO order holds and a remembered deduplication id
-- never points at a newer message.
CREATE TABLE messages (
    sequence         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue            TEXT NOT NULL,
    id               TEXT NOT NULL,
    body             TEXT NOT NULL,
    attributes       TEXT NOT NULL,
    sent_ms          BIGINT NOT NULL,
    visible_at_ms    BIGINT NOT NULL,
    receive_count    BIGINT NOT NULL DEFAULT 0,
    first_receive_ms BIGINT,
    receipt_handle   TEXT,
    group_id         TEXT,
    deduplication_id TEXT
);
CREATE INDEX messages_visible ON messages (queue, visible_at_ms, sequence);
CREATE UNIQUE INDEX messages_receipt ON messages (receipt_handle);
CREATE INDEX messages_sent ON messages (queue, sent_ms);
CREATE INDEX messages_group ON messages (queue, group_id, visible_at_ms)
    WHERE group_id IS NOT NULL;

CREATE TABLE message_deduplication (
    queue            TEXT NOT NULL,
    scope            TEXT NOT NULL,
    deduplication_id TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    sequence         BIGINT NOT NULL,
    sent_ms          BIGINT NOT NULL,
    PRIMARY KEY (queue, scope, deduplication_id)
);
CREATE INDEX message_deduplication_sent ON message_deduplication (queue, sent_ms);

CREATE TABLE resources (
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    arn        TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);

CREATE TABLE conductor_workflows (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL,
    correlation_id TEXT,
    created_ms     BIGINT NOT NULL,
    body           TEXT NOT NULL,
    revision       BIGINT NOT NULL
);
CREATE INDEX conductor_workflows_name ON conductor_workflows (name, created_ms);
CREATE INDEX conductor_workflows_created ON conductor_workflows (created_ms);

CREATE TABLE conductor_event_executions (
    key  TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
"#,
    },
    Migration {
        version: 2,
        name: "texts stored once: definitions and handler configurations by hash",
        // The key is `store::texts::key`: the hex SHA-256 of the UTF-8 text.
        sql: r#"
CREATE TABLE texts (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
INSERT INTO texts (hash, body)
SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex'), t
FROM (SELECT definition AS t FROM executions UNION SELECT config FROM executions) s;
ALTER TABLE executions ADD COLUMN definition_hash TEXT, ADD COLUMN config_hash TEXT;
UPDATE executions SET definition_hash = encode(sha256(convert_to(definition, 'UTF8')), 'hex'),
                      config_hash = encode(sha256(convert_to(config, 'UTF8')), 'hex');
ALTER TABLE executions ALTER COLUMN definition_hash SET NOT NULL,
                       ALTER COLUMN config_hash SET NOT NULL,
                       DROP COLUMN definition,
                       DROP COLUMN config;
CREATE INDEX executions_definition ON executions (definition_hash);
CREATE INDEX executions_config ON executions (config_hash);
CREATE INDEX executions_stop ON executions (stop_ms);
-- The rows as `ExecutionRecord` reads them, texts included.
CREATE VIEW execution_rows AS
SELECT e.arn, e.name, e.machine_arn, e.machine_name, d.body AS definition, e.status, e.input,
       e.output, e.error, e.cause, e.start_ms, e.stop_ms, e.state, c.body AS config, e.version
FROM executions e
JOIN texts d ON d.hash = e.definition_hash
JOIN texts c ON c.hash = e.config_hash;
"#,
    },
];

/// The tables a stepwise schema holds: a schema without `schema_migrations` but with one of
/// these belongs to another program, and is left alone.
const OWN_TABLES: &[&str] = &[
    "executions",
    "history",
    "tokens",
    "timers",
    "outbox",
    "queues",
    "messages",
    "resources",
];

/// Why the schema could not be brought up to date.
pub(super) enum Failure {
    Sql(tokio_postgres::Error),
    TooNew {
        found: i64,
        known: i64,
    },
    /// A table of ours is there without our bookkeeping: another program's.
    Foreign(String),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Failure {
        Failure::Sql(e)
    }
}

pub(super) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies the missing migrations, in one transaction under an advisory lock per schema.
pub(super) async fn migrate(db: &Db) -> Result<(), Failure> {
    migrate_to(db, latest()).await
}

/// `migrate`, stopping after migration `last` (tests build the schemas of older versions).
pub(super) async fn migrate_to(db: &Db, last: i64) -> Result<(), Failure> {
    if current(db).await? == Some(last) {
        return Ok(());
    }
    db.batch("BEGIN").await?;
    let applied = apply(db, last).await;
    match applied {
        Ok(()) => db.batch("COMMIT").await.map_err(Failure::Sql),
        Err(e) => {
            let _ = db.batch("ROLLBACK").await;
            Err(e)
        }
    }
}

async fn apply(db: &Db, last: i64) -> Result<(), Failure> {
    db.query(
        "SELECT pg_advisory_xact_lock(hashtext('stepwise migrations ' || current_schema()))",
        &[],
    )
    .await?;
    let found = current(db).await?;
    if found.is_none() {
        let existing: Vec<String> = db
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = ANY($1)",
                &[&OWN_TABLES],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if let Some(table) = existing.first() {
            return Err(Failure::Foreign(table.clone()));
        }
        db.batch("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
            .await?;
    }
    let found = found.unwrap_or(0);
    if found > latest() {
        return Err(Failure::TooNew {
            found,
            known: latest(),
        });
    }
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > found && m.version <= last)
    {
        db.batch(m.sql).await?;
        db.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )
        .await?;
    }
    Ok(())
}

/// The schema's version; `None` when it has no `schema_migrations` table.
async fn current(db: &Db) -> Result<Option<i64>, tokio_postgres::Error> {
    let exists: bool = db
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables
                            WHERE table_schema = current_schema()
                              AND table_name = 'schema_migrations')",
            &[],
        )
        .await?
        .try_get(0)?;
    if !exists {
        return Ok(None);
    }
    let row = db
        .query_one(
            "SELECT COALESCE(max(version), 0) FROM schema_migrations",
            &[],
        )
        .await?;
    Ok(Some(row.try_get(0)?))
}
