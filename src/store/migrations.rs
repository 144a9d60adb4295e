//! Versioned schema migrations for the SQLite backend, applied when a database is opened.
//!
//! Each migration is a numbered SQL script; `schema_migrations` records the ones applied. Scripts
//! are only ever appended, never edited. The SQL stays close to what PostgreSQL accepts (`BIGINT`,
//! `BOOLEAN`, `ON CONFLICT`, partial indexes), so a PostgreSQL backend can keep the same tables;
//! only the outbox id and the message sequence (`AUTOINCREMENT` here, identity columns there)
//! have to differ.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

pub(super) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "executions, history, tokens, timers, outbox",
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
CREATE INDEX executions_machine_start ON executions (machine_arn, start_ms);
CREATE INDEX executions_status_start ON executions (status, start_ms);
CREATE INDEX executions_start ON executions (start_ms);

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
    created_ms    BIGINT NOT NULL
);
CREATE INDEX tokens_execution ON tokens (execution_arn);

CREATE TABLE timers (
    execution_arn TEXT NOT NULL,
    timer         BIGINT NOT NULL,
    due_ms        BIGINT NOT NULL,
    PRIMARY KEY (execution_arn, timer)
);
CREATE INDEX timers_due ON timers (due_ms, execution_arn, timer);

-- AUTOINCREMENT: ids are never reused, so a late "done" cannot delete a newer record.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn  TEXT NOT NULL,
    payload        TEXT NOT NULL,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    attempts       BIGINT NOT NULL DEFAULT 0
);
"#,
    },
    Migration {
        version: 2,
        name: "embedded queue: queues, messages, deduplication ids",
        sql: r#"
CREATE TABLE queues (
    name       TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

-- AUTOINCREMENT: a sequence is never reused, so FIFO order holds and a remembered
-- deduplication id never points at a newer message.
CREATE TABLE messages (
    sequence         INTEGER PRIMARY KEY AUTOINCREMENT,
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
-- Receive: the visible messages of a queue, longest visible first.
CREATE INDEX messages_visible ON messages (queue, visible_at_ms, sequence);
CREATE UNIQUE INDEX messages_receipt ON messages (receipt_handle);
-- Retention: the messages sent before a time.
CREATE INDEX messages_sent ON messages (queue, sent_ms);
-- FIFO receive: is a message of this group in flight or held back?
CREATE INDEX messages_group ON messages (queue, group_id, visible_at_ms)
    WHERE group_id IS NOT NULL;

-- The deduplication ids of FIFO sends in the last five minutes; they outlive their messages.
-- scope is the message group with DeduplicationScope=messageGroup, else ''.
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
"#,
    },
    Migration {
        version: 3,
        name: "resources: state machines and activities",
        sql: r#"
CREATE TABLE resources (
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    arn        TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);
"#,
    },
    Migration {
        version: 4,
        name: "outbox lease owners",
        sql: "ALTER TABLE outbox ADD COLUMN lease_owner TEXT;",
    },
    Migration {
        version: 5,
        name: "conductor workflows and event executions",
        sql: r#"
CREATE TABLE conductor_workflows (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL,
    correlation_id TEXT,
    created_ms     BIGINT NOT NULL,
    due_ms         BIGINT,
    pending        BOOLEAN NOT NULL,
    body           TEXT NOT NULL,
    revision       BIGINT NOT NULL
);
CREATE INDEX conductor_workflows_due ON conductor_workflows (due_ms) WHERE due_ms IS NOT NULL;
CREATE INDEX conductor_workflows_pending ON conductor_workflows (pending) WHERE pending;
CREATE INDEX conductor_workflows_name ON conductor_workflows (name, created_ms);

CREATE TABLE conductor_event_executions (
    key  TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
"#,
    },
    Migration {
        version: 6,
        name: "one outbox for both deciders",
        sql: r#"
ALTER TABLE outbox ADD COLUMN decider TEXT NOT NULL DEFAULT 'asl';
ALTER TABLE tokens ADD COLUMN decider TEXT NOT NULL DEFAULT 'asl';
"#,
    },
    Migration {
        version: 7,
        name: "conductor deadlines in the timers table",
        // A workflow's next deadline becomes its timer 0; one an older version left with
        // effects inside its row is due at once (the tick moves them to the outbox).
        sql: r#"
ALTER TABLE timers ADD COLUMN decider TEXT NOT NULL DEFAULT 'asl';
INSERT INTO timers (execution_arn, timer, due_ms, decider)
    SELECT id, 0, CASE WHEN pending THEN 0 ELSE due_ms END, 'conductor'
    FROM conductor_workflows WHERE pending OR due_ms IS NOT NULL;
DROP INDEX conductor_workflows_due;
DROP INDEX conductor_workflows_pending;
ALTER TABLE conductor_workflows DROP COLUMN due_ms;
ALTER TABLE conductor_workflows DROP COLUMN pending;
"#,
    },
    Migration {
        version: 8,
        name: "texts stored once: definitions and handler configurations by hash",
        // `backfill` then moves each execution's texts into `texts` (SQLite has no SHA-256).
        sql: r#"
CREATE TABLE texts (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
ALTER TABLE executions ADD COLUMN definition_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN config_hash TEXT NOT NULL DEFAULT '';
"#,
    },
    Migration {
        version: 9,
        name: "executions reference their texts; purge by stop time",
        sql: r#"
ALTER TABLE executions DROP COLUMN definition;
ALTER TABLE executions DROP COLUMN config;
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

/// Work a migration's SQL cannot do, run right after it in the same transaction.
fn backfill(version: i64) -> Option<fn(&Connection) -> rusqlite::Result<()>> {
    match version {
        8 => Some(move_texts),
        _ => None,
    }
}

/// Migration 8: each execution's definition and configuration go to `texts` under their
/// SHA-256, the row keeps the keys. A few hundred rows at a time, so a large database is not
/// read into memory at once.
fn move_texts(conn: &Connection) -> rusqlite::Result<()> {
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String, String)> = conn
            .prepare(
                "SELECT rowid, definition, config FROM executions
                 WHERE rowid > ?1 ORDER BY rowid LIMIT 500",
            )?
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.0;
        let mut keep =
            conn.prepare("INSERT INTO texts (hash, body) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?;
        let mut point = conn.prepare(
            "UPDATE executions SET definition_hash = ?2, config_hash = ?3 WHERE rowid = ?1",
        )?;
        for (rowid, definition, config) in &rows {
            let (d, c) = (super::texts::key(definition), super::texts::key(config));
            keep.execute((&d, definition))?;
            keep.execute((&c, config))?;
            point.execute((rowid, &d, &c))?;
        }
    }
}

/// Why the schema could not be brought up to date.
pub(super) enum Failure {
    Sql(rusqlite::Error),
    /// The file was written by a newer stepwise.
    TooNew {
        found: i64,
        known: i64,
    },
    /// The file is an SQLite database of something else: never add tables to it.
    Foreign,
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::Sql(e)
    }
}

pub(super) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies the missing migrations. A cheap read answers the common case (up to date); otherwise
/// the work happens under `BEGIN IMMEDIATE`, so processes opening a fresh file at the same time
/// queue up and each re-reads the version before applying anything.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), Failure> {
    migrate_to(conn, latest())
}

/// `migrate`, stopping after migration `last` (tests build the databases of older versions).
pub(super) fn migrate_to(conn: &mut Connection, last: i64) -> Result<(), Failure> {
    if current(conn)? == last {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)",
    )?;
    let found = current(&tx)?;
    if found == 0 && has_other_tables(&tx)? {
        return Err(Failure::Foreign);
    }
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > found && m.version <= last)
    {
        tx.execute_batch(m.sql)?;
        if let Some(fill) = backfill(m.version) {
            fill(&tx)?;
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
            (m.version, m.name),
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The applied version (0 for a fresh file); `TooNew` when it is beyond this build.
fn current(conn: &Connection) -> Result<i64, Failure> {
    let exists = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |_| Ok(()),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(0);
    }
    let found: Option<i64> =
        conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })?;
    let found = found.unwrap_or(0);
    if found > latest() {
        return Err(Failure::TooNew {
            found,
            known: latest(),
        });
    }
    Ok(found)
}

fn has_other_tables(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master
         WHERE name NOT LIKE 'sqlite%' AND name <> 'schema_migrations'",
        [],
        |r| r.get(0),
    )
}
