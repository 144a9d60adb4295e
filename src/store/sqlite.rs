//! `SqliteStore`: the embedded default, one database file shared by any number of processes.
//!
//! The file is opened in WAL mode (readers never block the writer) with `synchronous=NORMAL`
//! (a killed process loses nothing committed; a power cut may lose the last transactions) and a
//! 5 s busy timeout. Every write is one `BEGIN IMMEDIATE` transaction, so writers from different
//! processes queue on the lock instead of failing half-way; optimistic versions on the execution
//! row decide who wins. Each store holds one connection behind a mutex; statements are cached.
//! The embedded queue lives in `sqlite/queue.rs`.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

mod conductor;
mod purge;
mod queue;
mod registry;
mod status;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{
    Connection, ErrorCode, MAIN_DB, OptionalExtension, Row, Transaction, TransactionBehavior,
    params,
};

use super::memory::{duplicate_event, history_without_execution};
use super::migrations::{self, Failure};
use super::{
    Commit, Decider, Error, ExecutionFilter, ExecutionRecord, ExecutionStore, ExecutionSummary,
    HistoryRow, Outbox, OutboxRecord, Result, Scope, TimerRecord, TimerStore, TokenRecord,
    TokenStore,
};

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const CHOOSE_ANOTHER: &str = "pass --db PATH or set STEPWISE_DB to use another file";

pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// The file, as error messages name it.
    path: String,
}

/// Why a write transaction failed: a store answer, or SQLite trouble to describe.
enum Fail {
    Store(Error),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Fail {
        Fail::Sql(e)
    }
}

/// Creates the database file readable and writable by its owner only (0600) when it does not
/// exist yet: it holds task tokens, and the commands and environment of the handlers its
/// executions run. SQLite gives the `-wal` and `-shm` files the database's permissions; an
/// existing file keeps its own. When the file cannot be made here, SQLite's open says why.
#[cfg(unix)]
fn create_private(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
}

#[cfg(not(unix))]
fn create_private(_: &Path) {}

impl SqliteStore {
    /// Opens (creating it and its directories if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::Backend(format!(
                    "cannot create the directory {} for the stepwise database {shown}: {e}; {CHOOSE_ANOTHER}",
                    dir.display()
                ))
            })?;
        }
        create_private(path);
        let conn = Connection::open(path).map_err(|e| open_error(&shown, &e))?;
        SqliteStore::setup(conn, shown, true)
    }

    /// A private database that lives as long as the store (for tests).
    pub fn open_in_memory() -> Result<SqliteStore> {
        let conn = Connection::open_in_memory().map_err(|e| open_error(":memory:", &e))?;
        SqliteStore::setup(conn, ":memory:".into(), false)
    }

    fn setup(mut conn: Connection, path: String, file: bool) -> Result<SqliteStore> {
        let failed = |e: Failure| match e {
            Failure::Sql(e) => open_error(&path, &e),
            Failure::TooNew { found, known } => Error::Backend(format!(
                "cannot open the stepwise database {path}: it has schema version {found}, written by a newer stepwise (this one knows up to {known}); upgrade stepwise or {CHOOSE_ANOTHER}"
            )),
            Failure::Foreign => Error::Backend(format!(
                "cannot open the stepwise database {path}: it is an SQLite database of another program; {CHOOSE_ANOTHER}"
            )),
        };
        configure(&conn, file).map_err(|e| failed(e.into()))?;
        if conn.is_readonly(MAIN_DB).map_err(|e| failed(e.into()))? {
            return Err(Error::Backend(format!(
                "cannot open the stepwise database {path}: the file is read-only; make it writable or {CHOOSE_ANOTHER}"
            )));
        }
        migrations::migrate(&mut conn).map_err(failed)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            path,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic inside a transaction dropped it, which rolled it back: the connection is fine.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        f(&self.lock()).map_err(|e| self.error(&e))
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction; any error rolls everything back.
    fn write<T>(&self, f: impl FnOnce(&Transaction) -> std::result::Result<T, Fail>) -> Result<T> {
        let mut conn = self.lock();
        let run = || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e| match e {
            Fail::Store(e) => e,
            Fail::Sql(e) => self.error(&e),
        })
    }

    fn error(&self, e: &rusqlite::Error) -> Error {
        let hint = match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                "; another process held the database locked for over 5 s: retry, or look for a stuck stepwise process"
            }
            Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
                "; check the file's permissions"
            }
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                "; the file is damaged or not a stepwise database: restore it, or pass --db PATH or set STEPWISE_DB to use another file"
            }
            Some(ErrorCode::DiskFull) => "; the disk is full: free some space and retry",
            Some(ErrorCode::SystemIoFailure) => "; the disk reported an I/O error",
            _ => "",
        };
        Error::Backend(format!("stepwise database {}: {e}{hint}", self.path))
    }
}

fn configure(conn: &Connection, file: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if file {
        wal(conn)?;
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Checkpoint every ~40 MB of WAL rather than every 4 MB: with group commits of 100 steps
    // this is worth about a third more throughput. Truncate it back to 64 MB after checkpoints.
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Switches to WAL. On a fresh file this needs exclusive access for a moment, and SQLite answers
/// `SQLITE_BUSY` at once (without the busy handler) while another process does the same, so
/// retry for as long as the busy timeout.
fn wal(conn: &Connection) -> rusqlite::Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other.map(|_| ()),
        }
    }
}

fn open_error(path: &str, e: &rusqlite::Error) -> Error {
    let why = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            format!("{e} (the file is damaged or not a stepwise database)")
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            format!("{e} (another process held it locked for over 5 s)")
        }
        _ => e.to_string(),
    };
    Error::Backend(format!(
        "cannot open the stepwise database {path}: {why}; {CHOOSE_ANOTHER}"
    ))
}

/// SQLite cannot tell other processes on the file about a commit: they poll.
impl super::Changes for SqliteStore {}

impl ExecutionStore for SqliteStore {
    fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()> {
        self.write(|tx| {
            if insert_execution(tx, record)? == 0 {
                return Err(Fail::Store(Error::AlreadyExists {
                    arn: record.arn.clone(),
                }));
            }
            apply(tx, first, &record.arn)
        })
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT arn, name, machine_arn, machine_name, definition, status, input, output,
                        error, cause, start_ms, stop_ms, state, config, version
                 FROM execution_rows WHERE arn = ?1",
            )?
            .query_row([arn], execution_row)
            .optional()
        })
    }

    fn list_executions(&self, filter: &ExecutionFilter) -> Result<Vec<ExecutionSummary>> {
        // One statement per filter shape, so each can use its index.
        let sql = match (&filter.machine_arn, &filter.status) {
            (None, None) => {
                "SELECT arn, name, machine_arn, status, start_ms, stop_ms FROM executions
                 WHERE ?1 IS NULL AND ?2 IS NULL AND (?4 IS NULL OR (start_ms, arn) < (?4, ?5))
                 ORDER BY start_ms DESC, arn DESC LIMIT ?3"
            }
            (Some(_), None) => {
                "SELECT arn, name, machine_arn, status, start_ms, stop_ms FROM executions
                 WHERE machine_arn = ?1 AND ?2 IS NULL AND (?4 IS NULL OR (start_ms, arn) < (?4, ?5))
                 ORDER BY start_ms DESC, arn DESC LIMIT ?3"
            }
            (None, Some(_)) => {
                "SELECT arn, name, machine_arn, status, start_ms, stop_ms FROM executions
                 WHERE ?1 IS NULL AND status = ?2 AND (?4 IS NULL OR (start_ms, arn) < (?4, ?5))
                 ORDER BY start_ms DESC, arn DESC LIMIT ?3"
            }
            (Some(_), Some(_)) => {
                "SELECT arn, name, machine_arn, status, start_ms, stop_ms FROM executions
                 WHERE machine_arn = ?1 AND status = ?2 AND (?4 IS NULL OR (start_ms, arn) < (?4, ?5))
                 ORDER BY start_ms DESC, arn DESC LIMIT ?3"
            }
        };
        let limit = sql_limit(filter.limit);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map(
                params![
                    filter.machine_arn,
                    filter.status,
                    limit,
                    filter.after.as_ref().map(|a| a.0),
                    filter.after.as_ref().map(|a| &a.1)
                ],
                summary_row,
            )?;
            rows.collect()
        })
    }

    fn history(&self, arn: &str, after: u64, limit: usize) -> Result<Vec<HistoryRow>> {
        let limit = sql_limit(limit);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, timestamp_ms, json FROM history
                 WHERE execution_arn = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            )?;
            let rows =
                stmt.query_map(params![arn, after.min(i64::MAX as u64), limit], history_row)?;
            rows.collect()
        })
    }

    fn history_reversed(
        &self,
        arn: &str,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<HistoryRow>> {
        let limit = sql_limit(limit);
        let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, timestamp_ms, json FROM history
                 WHERE execution_arn = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![arn, before, limit], history_row)?;
            rows.collect()
        })
    }

    fn purge_executions(&self, stopped_before_ms: i64, limit: usize) -> Result<usize> {
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        self.write(|tx| Ok(purge::executions(tx, stopped_before_ms, limit)?))
    }

    fn commit(&self, commits: &[Commit]) -> Result<()> {
        if commits.is_empty() {
            return Ok(());
        }
        if commits
            .iter()
            .any(|c| c.execution.is_none() && !c.history.is_empty())
        {
            return Err(history_without_execution());
        }
        self.write(|tx| {
            for c in commits {
                if let Some(w) = &c.workflow {
                    conductor::write_workflow(tx, w)?;
                }
                let arn = match &c.execution {
                    Some(x) => {
                        update_execution(tx, x)?;
                        x.arn.as_str()
                    }
                    None => "",
                };
                apply(tx, c, arn)?;
            }
            Ok(())
        })
    }
}

/// The SQL form of "at most `limit`, 0 = no limit".
fn sql_limit(limit: usize) -> i64 {
    if limit == 0 {
        -1
    } else {
        i64::try_from(limit).unwrap_or(i64::MAX)
    }
}

fn history_row(r: &Row) -> rusqlite::Result<HistoryRow> {
    Ok(HistoryRow {
        id: r.get(0)?,
        timestamp_ms: r.get(1)?,
        json: r.get(2)?,
    })
}

/// Stores `text` under its key unless it is there; the key.
fn keep_text(tx: &Transaction, text: &str) -> rusqlite::Result<String> {
    let key = super::texts::key(text);
    tx.prepare_cached("INSERT INTO texts (hash, body) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
        .execute(params![key, text])?;
    Ok(key)
}

/// Inserts the row (its texts by reference) unless the ARN exists; returns how many rows were
/// inserted.
fn insert_execution(tx: &Transaction, x: &ExecutionRecord) -> rusqlite::Result<usize> {
    let definition = keep_text(tx, &x.definition)?;
    let config = keep_text(tx, &x.config)?;
    tx.prepare_cached(
        "INSERT INTO executions (arn, name, machine_arn, machine_name, definition_hash, status,
                                 input, output, error, cause, start_ms, stop_ms, state,
                                 config_hash, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (arn) DO NOTHING",
    )?
    .execute(params![
        x.arn,
        x.name,
        x.machine_arn,
        x.machine_name,
        definition,
        x.status,
        x.input,
        x.output,
        x.error,
        x.cause,
        x.start_ms,
        x.stop_ms,
        x.state,
        config,
        x.version
    ])
}

/// Writes the row (all but its texts, fixed at creation) if the stored version is the one `x`
/// was computed from.
fn update_execution(tx: &Transaction, x: &ExecutionRecord) -> std::result::Result<(), Fail> {
    let conflict = || Fail::Store(Error::Conflict { arn: x.arn.clone() });
    let from = x.version.checked_sub(1).ok_or_else(conflict)?;
    let changed = tx
        .prepare_cached(
            "UPDATE executions SET name = ?2, machine_arn = ?3, machine_name = ?4, status = ?5,
                    input = ?6, output = ?7, error = ?8, cause = ?9, start_ms = ?10,
                    stop_ms = ?11, state = ?12, version = ?13
             WHERE arn = ?1 AND version = ?14",
        )?
        .execute(params![
            x.arn,
            x.name,
            x.machine_arn,
            x.machine_name,
            x.status,
            x.input,
            x.output,
            x.error,
            x.cause,
            x.start_ms,
            x.stop_ms,
            x.state,
            x.version,
            from
        ])?;
    if changed == 0 {
        return Err(conflict());
    }
    Ok(())
}

/// Everything of a commit but the execution row. Inserts come before closes and deletes, so one
/// step may arm and cancel the same timer.
fn apply(tx: &Transaction, c: &Commit, arn: &str) -> std::result::Result<(), Fail> {
    insert_history(tx, arn, &c.history)?;
    insert_tokens(tx, &c.new_tokens)?;
    if !c.closed_tokens.is_empty() {
        let mut close = tx.prepare_cached("UPDATE tokens SET open = FALSE WHERE token = ?1")?;
        for token in &c.closed_tokens {
            close.execute([token])?;
        }
    }
    if !c.new_timers.is_empty() {
        let mut arm = tx.prepare_cached(
            "INSERT INTO timers (execution_arn, timer, due_ms, decider) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (execution_arn, timer)
             DO UPDATE SET due_ms = excluded.due_ms, decider = excluded.decider",
        )?;
        for t in &c.new_timers {
            arm.execute(params![
                t.execution_arn,
                t.timer,
                t.due_ms,
                t.decider.as_str()
            ])?;
        }
    }
    if !c.removed_timers.is_empty() {
        let mut remove =
            tx.prepare_cached("DELETE FROM timers WHERE execution_arn = ?1 AND timer = ?2")?;
        for (arn, timer) in &c.removed_timers {
            remove.execute(params![arn, timer])?;
        }
    }
    insert_outbox(tx, &c.new_outbox)?;
    if !c.done_outbox.is_empty() {
        let mut done = tx.prepare_cached("DELETE FROM outbox WHERE id = ?1")?;
        for id in &c.done_outbox {
            done.execute([id])?;
        }
    }
    Ok(())
}

fn insert_history(
    tx: &Transaction,
    arn: &str,
    rows: &[HistoryRow],
) -> std::result::Result<(), Fail> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO history (execution_arn, id, timestamp_ms, json) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for row in rows {
        insert
            .execute(params![arn, row.id, row.timestamp_ms, row.json])
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => Fail::Store(duplicate_event(arn, row.id)),
                _ => Fail::Sql(e),
            })?;
    }
    Ok(())
}

fn insert_tokens(tx: &Transaction, tokens: &[TokenRecord]) -> std::result::Result<(), Fail> {
    if tokens.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO tokens (token, execution_arn, task, state_name, open, created_ms, decider)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for t in tokens {
        let values = params![
            t.token,
            t.execution_arn,
            t.task,
            t.state_name,
            t.open,
            t.created_ms,
            t.decider.as_str()
        ];
        insert
            .execute(values)
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => Fail::Store(Error::Backend(format!(
                    "task token {} is already stored (execution {})",
                    t.token, t.execution_arn
                ))),
                _ => Fail::Sql(e),
            })?;
    }
    Ok(())
}

fn insert_outbox(tx: &Transaction, records: &[OutboxRecord]) -> rusqlite::Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO outbox (execution_arn, payload, lease_until_ms, attempts, decider)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for o in records {
        insert.execute(params![
            o.execution_arn,
            o.payload,
            o.lease_until_ms,
            o.attempts,
            o.decider.as_str()
        ])?;
    }
    Ok(())
}

fn execution_row(r: &Row) -> rusqlite::Result<ExecutionRecord> {
    Ok(ExecutionRecord {
        arn: r.get(0)?,
        name: r.get(1)?,
        machine_arn: r.get(2)?,
        machine_name: r.get(3)?,
        definition: r.get(4)?,
        status: r.get(5)?,
        input: r.get(6)?,
        output: r.get(7)?,
        error: r.get(8)?,
        cause: r.get(9)?,
        start_ms: r.get(10)?,
        stop_ms: r.get(11)?,
        state: r.get(12)?,
        config: r.get(13)?,
        version: r.get(14)?,
    })
}

fn summary_row(r: &Row) -> rusqlite::Result<ExecutionSummary> {
    Ok(ExecutionSummary {
        arn: r.get(0)?,
        name: r.get(1)?,
        machine_arn: r.get(2)?,
        status: r.get(3)?,
        start_ms: r.get(4)?,
        stop_ms: r.get(5)?,
    })
}

fn token_row(r: &Row) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        token: r.get(0)?,
        execution_arn: r.get(1)?,
        task: r.get(2)?,
        state_name: r.get(3)?,
        open: r.get(4)?,
        created_ms: r.get(5)?,
        decider: Decider::parse(&r.get::<_, String>(6)?).unwrap_or_default(),
    })
}

fn timer_row(r: &Row) -> rusqlite::Result<TimerRecord> {
    Ok(TimerRecord {
        execution_arn: r.get(0)?,
        timer: r.get(1)?,
        due_ms: r.get(2)?,
        decider: Decider::parse(&r.get::<_, String>(3)?).unwrap_or_default(),
    })
}

impl TokenStore for SqliteStore {
    fn token(&self, token: &str) -> Result<Option<TokenRecord>> {
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT token, execution_arn, task, state_name, open, created_ms, decider
                 FROM tokens WHERE token = ?1",
            )?
            .query_row([token], token_row)
            .optional()
        })
    }

    fn open_tokens(&self, execution_arn: &str) -> Result<Vec<TokenRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT token, execution_arn, task, state_name, open, created_ms, decider
                 FROM tokens WHERE execution_arn = ?1 AND open ORDER BY created_ms, token",
            )?;
            let rows = stmt.query_map([execution_arn], token_row)?;
            rows.collect()
        })
    }
}

impl TimerStore for SqliteStore {
    fn due_timers(&self, now_ms: i64, limit: usize, scope: Scope<'_>) -> Result<Vec<TimerRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let decider = scope.decider.map(Decider::as_str);
        // One execution's timers by its key (`run --db --skip-waits` asks every round); all
        // timers by the due-time index.
        let sql = match scope.execution {
            Some(_) => {
                "SELECT execution_arn, timer, due_ms, decider FROM timers
                 WHERE execution_arn = ?4 AND due_ms <= ?1 AND (?3 IS NULL OR decider = ?3)
                 ORDER BY due_ms, timer LIMIT ?2"
            }
            None => {
                "SELECT execution_arn, timer, due_ms, decider FROM timers WHERE due_ms <= ?1
                   AND (?3 IS NULL OR decider = ?3) AND (?4 IS NULL OR execution_arn = ?4)
                 ORDER BY due_ms, execution_arn, timer LIMIT ?2"
            }
        };
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(sql)?;
            let args = params![now_ms, limit, decider, scope.execution];
            let rows = stmt.query_map(args, timer_row)?;
            rows.collect()
        })
    }

    fn next_timer(&self, scope: Scope<'_>) -> Result<Option<TimerRecord>> {
        Ok(self.due_timers(i64::MAX, 1, scope)?.pop())
    }
}

impl Outbox for SqliteStore {
    /// One `UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING`: on PostgreSQL the inner
    /// select gains `FOR UPDATE SKIP LOCKED`; here `BEGIN IMMEDIATE` already serializes claims.
    fn claim_outbox(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        owner: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<OutboxRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = now_ms.saturating_add(lease_ms);
        let decider = scope.decider.map(Decider::as_str);
        // Most claims find nothing (a driver looking after a step that left no effects): a read
        // says so without taking the write lock that `BEGIN IMMEDIATE` takes.
        let any: bool = self.read(|c| {
            c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE lease_until_ms <= ?1
                                 AND (?2 IS NULL OR decider = ?2)
                                 AND (?3 IS NULL OR execution_arn = ?3))",
            )?
            .query_row(params![now_ms, decider, scope.execution], |r| r.get(0))
        })?;
        if !any {
            return Ok(Vec::new());
        }
        let mut claimed = self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET lease_until_ms = ?1, attempts = attempts + 1, lease_owner = ?4
                 WHERE id IN (SELECT id FROM outbox WHERE lease_until_ms <= ?2
                                AND (?5 IS NULL OR decider = ?5)
                                AND (?6 IS NULL OR execution_arn = ?6)
                              ORDER BY id LIMIT ?3)
                 RETURNING id, execution_arn, payload, lease_until_ms, attempts, lease_owner, decider",
            )?;
            let args = params![until, now_ms, limit, owner, decider, scope.execution];
            let rows = stmt.query_map(args, |r| {
                Ok(OutboxRecord {
                    id: r.get(0)?,
                    execution_arn: r.get(1)?,
                    payload: r.get(2)?,
                    lease_until_ms: r.get(3)?,
                    attempts: r.get(4)?,
                    lease_owner: r.get(5)?,
                    // A decider a newer version wrote: left to that version (never claimed
                    // again once its lease is held here, as the entry stays leased).
                    decider: Decider::parse(&r.get::<_, String>(6)?).unwrap_or_default(),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        claimed.sort_by_key(|o| o.id);
        Ok(claimed)
    }

    fn release_leases(&self, dead: &dyn Fn(&str) -> bool) -> Result<usize> {
        let owners: Vec<String> = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT DISTINCT lease_owner FROM outbox
                 WHERE lease_until_ms > 0 AND lease_owner IS NOT NULL",
            )?;
            stmt.query_map([], |r| r.get(0))?.collect()
        })?;
        let gone: Vec<String> = owners.into_iter().filter(|o| dead(o)).collect();
        if gone.is_empty() {
            return Ok(0);
        }
        self.write(|tx| {
            let mut freed = 0;
            for owner in &gone {
                freed += tx.execute(
                    "UPDATE outbox SET lease_until_ms = 0 WHERE lease_owner = ?1 AND lease_until_ms > 0",
                    params![owner],
                )?;
            }
            Ok(freed)
        })
    }

    fn renew_leases(&self, ids: &[i64], owner: &str, until_ms: i64) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.write(|tx| {
            let mut renew = tx.prepare_cached(
                "UPDATE outbox SET lease_until_ms = max(lease_until_ms, ?3)
                 WHERE id = ?1 AND lease_owner = ?2 AND lease_until_ms > 0",
            )?;
            let mut renewed = 0;
            for id in ids {
                renewed += renew.execute(params![id, owner, until_ms])?;
            }
            Ok(renewed)
        })
    }
}

#[cfg(test)]
mod upgrade_tests;

#[cfg(test)]
mod tests {
    use std::ops::Deref;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Barrier};

    use super::*;
    use crate::store::contract::{self, contract_tests};

    /// A fresh directory under the system temp dir, removed on drop.
    pub(super) struct TempDir(pub(super) PathBuf);

    impl TempDir {
        pub(super) fn new() -> TempDir {
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let name = format!("stepwise-store-{}-{n}-{nanos}", std::process::id());
            TempDir(std::env::temp_dir().join(name))
        }

        /// Inside a directory that does not exist yet: `open` creates it.
        pub(super) fn db(&self) -> PathBuf {
            self.0.join("data").join("stepwise.db")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A store on a file of its own; the file goes away with it.
    struct TempDb {
        store: Option<SqliteStore>,
        _dir: TempDir,
    }

    impl TempDb {
        fn new() -> TempDb {
            let dir = TempDir::new();
            let store = SqliteStore::open(&dir.db()).expect("open a fresh database");
            TempDb {
                store: Some(store),
                _dir: dir,
            }
        }
    }

    impl Deref for TempDb {
        type Target = SqliteStore;
        fn deref(&self) -> &SqliteStore {
            self.store.as_ref().expect("open until dropped")
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            // Close the connection before the directory goes.
            self.store.take();
        }
    }

    contract_tests!(TempDb::new());

    mod in_memory {
        use super::SqliteStore;

        crate::store::contract::contract_tests!(Box::new(SqliteStore::open_in_memory().unwrap()));
    }

    fn create(s: &SqliteStore, name: &str) -> ExecutionRecord {
        let x = contract::record(name, 1);
        let first = Commit {
            history: contract::events(1..=1),
            ..Commit::default()
        };
        s.create_execution(&x, &first).unwrap();
        x
    }

    #[test]
    fn two_stores_on_one_file_one_commit_wins() {
        let dir = TempDir::new();
        let a = Arc::new(SqliteStore::open(&dir.db()).unwrap());
        let b = Arc::new(SqliteStore::open(&dir.db()).unwrap());
        contract::two_stores_one_commit_wins(a, b);
    }

    #[test]
    fn data_survives_reopening() {
        let dir = TempDir::new();
        let x = create(&SqliteStore::open(&dir.db()).unwrap(), "kept");
        let s = SqliteStore::open(&dir.db()).unwrap();
        assert_eq!(s.execution(&x.arn).unwrap(), Some(x.clone()));
        assert_eq!(s.history(&x.arn, 0, 0).unwrap(), contract::events(1..=1));
    }

    #[test]
    fn a_fresh_file_opened_by_many_at_once_migrates_once() {
        for _ in 0..10 {
            let dir = TempDir::new();
            let barrier = Arc::new(Barrier::new(6));
            let openers: Vec<_> = (0..6)
                .map(|_| {
                    let (path, barrier) = (dir.db(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        SqliteStore::open(&path).map(|_| ())
                    })
                })
                .collect();
            for t in openers {
                assert_eq!(t.join().unwrap(), Ok(()));
            }
            let s = SqliteStore::open(&dir.db()).unwrap();
            let applied: i64 = s
                .read(|c| c.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)))
                .unwrap();
            assert_eq!(applied, migrations::MIGRATIONS.len() as i64);
            let mode: String = s
                .read(|c| c.pragma_query_value(None, "journal_mode", |r| r.get(0)))
                .unwrap();
            assert_eq!(mode, "wal");
        }
    }

    fn open_error_of(path: &Path) -> String {
        match SqliteStore::open(path) {
            Err(Error::Backend(m)) => m,
            Err(e) => panic!("not a Backend error: {e:?}"),
            Ok(_) => panic!("{} opened", path.display()),
        }
    }

    #[test]
    fn an_unusable_path_is_a_clear_error() {
        let dir = TempDir::new();
        std::fs::create_dir_all(&dir.0).unwrap();
        let file = dir.0.join("plain-file");
        std::fs::write(&file, "not a directory").unwrap();
        let under_file = file.join("sub").join("stepwise.db");
        let m = open_error_of(&under_file);
        assert!(m.contains(&under_file.display().to_string()), "{m}");
        assert!(m.contains("--db PATH") && m.contains("STEPWISE_DB"), "{m}");
        let m = open_error_of(&dir.0);
        assert!(
            m.starts_with(&format!(
                "cannot open the stepwise database {}",
                dir.0.display()
            )),
            "{m}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_new_database_and_its_journal_are_private_to_their_owner() {
        use crate::store::queue::QueueStore;
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new();
        let path = dir.0.join("private.db");
        let store = SqliteStore::open(&path).expect("opens");
        store.create_queue("q", "{}", 0).expect("a write");
        let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode(&path).unwrap(), 0o600);
        let wal = dir.0.join("private.db-wal");
        if wal.exists() {
            assert_eq!(mode(&wal).unwrap(), 0o600);
        }
        drop(store);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        SqliteStore::open(&path).expect("opens again");
        assert_eq!(
            mode(&path).unwrap(),
            0o640,
            "an existing file keeps its permissions"
        );
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = TempDir::new();
        std::fs::create_dir_all(&dir.0).unwrap();
        let path = dir.0.join("garbage.db");
        std::fs::write(&path, vec![0x5a_u8; 8192]).unwrap();
        let m = open_error_of(&path);
        assert!(m.contains(&path.display().to_string()), "{m}");
        assert!(m.contains("not a stepwise database"), "{m}");
    }

    #[test]
    fn another_programs_database_is_left_alone() {
        let dir = TempDir::new();
        std::fs::create_dir_all(&dir.0).unwrap();
        let path = dir.0.join("other.db");
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("CREATE TABLE notes (body TEXT)")
            .unwrap();
        drop(other);
        let m = open_error_of(&path);
        assert!(m.contains("another program"), "{m}");
        let other = Connection::open(&path).unwrap();
        let tables: i64 = other
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1, "nothing was added");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = TempDir::new();
        let s = SqliteStore::open(&dir.db()).unwrap();
        s.read(|c| c.execute("INSERT INTO schema_migrations VALUES (999, 'future')", []))
            .unwrap();
        drop(s);
        let m = open_error_of(&dir.db());
        assert!(
            m.contains("schema version 999") && m.contains("newer stepwise"),
            "{m}"
        );
    }

    #[test]
    fn a_lock_held_too_long_is_a_clear_error() {
        let dir = TempDir::new();
        let s = SqliteStore::open(&dir.db()).unwrap();
        let x = create(&s, "locked");
        s.lock().busy_timeout(Duration::from_millis(50)).unwrap();
        let other = Connection::open(dir.db()).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let step = Commit {
            execution: Some(contract::next(&x)),
            ..Commit::default()
        };
        let got = s.commit(std::slice::from_ref(&step));
        assert!(
            matches!(&got, Err(Error::Backend(m)) if m.contains("locked")),
            "{got:?}"
        );
        assert_eq!(
            s.execution(&x.arn).unwrap(),
            Some(x.clone()),
            "readers are not blocked"
        );
        other.execute_batch("ROLLBACK").unwrap();
        s.commit(&[step]).unwrap();
    }
}
