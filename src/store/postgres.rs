//! `PostgresStore`: the store for several machines, one PostgreSQL database shared by any number
//! of `stepwise serve` nodes.
//!
//! Same tables and the same optimistic versions as `SqliteStore`. Writes are transactions at
//! PostgreSQL's default isolation (read committed): a commit's `UPDATE ... WHERE version = $n`
//! waits for a concurrent writer of the same row and then finds the version moved (a
//! `Conflict`), so a transition is applied exactly once whichever node computed it. Claims of
//! outbox entries (and queue messages) are single statements with `FOR UPDATE SKIP LOCKED`, so
//! nodes never wait for each other's rows. A transaction PostgreSQL aborts as a deadlock or a
//! serialization failure is run again. The embedded queue is in `postgres/queue.rs`.
//!
//! Connections come from `pool.rs`, which also explains how synchronous trait methods wait for
//! the asynchronous driver.

// Connectors are cloned per connection: rustls's is not `Copy`; `NoTls` (without the
// `postgres-tls` feature) is, and cloning it is as good.
#![cfg_attr(not(feature = "postgres-tls"), allow(clippy::clone_on_copy))]

mod batch;
mod conductor;
mod known_queues;
mod migrations;
mod pool;
mod purge;
mod queue;
mod registry;
pub mod schema;
mod statistics;
#[cfg(feature = "postgres-tls")]
mod tls;
#[cfg(not(feature = "postgres-tls"))]
#[path = "postgres/tls_without.rs"]
mod tls;
mod watch;

pub(crate) use super::redact::without_password;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Config, Row};

use super::memory::history_without_execution;
use super::{
    Commit, Decider, Error, ExecutionFilter, ExecutionRecord, ExecutionStatus, ExecutionStore,
    ExecutionSummary, HistoryRow, Outbox, OutboxRecord, Result, Scope, TimerRecord, TimerStore,
    TokenRecord, TokenStore,
};
use batch::Batch;
use pool::{Checkout, Db, Pool, block_on};

const CHOOSE_ANOTHER: &str = "pass --db postgres://USER@HOST:PORT/DATABASE or set STEPWISE_DB";
/// How often a transaction PostgreSQL aborted as a deadlock or serialization failure is tried.
const ATTEMPTS: usize = 5;
const BEGIN: &str = "BEGIN";
/// A transaction whose commit does not wait for its WAL flush (`unflushed_write`, claims).
const BEGIN_UNFLUSHED: &str = "BEGIN; SET LOCAL synchronous_commit TO off";

pub struct PostgresStore {
    pool: Pool,
    /// The database as error messages name it (the URL without its password).
    shown: String,
    /// Settings of queues read recently (`known_queues.rs`).
    queues: known_queues::KnownQueues,
    /// When to analyze the tables while the database is young (`statistics.rs`).
    young: statistics::Young,
}

/// Why a transaction failed: a store answer, or PostgreSQL trouble to describe.
enum Fail {
    Store(Error),
    Sql(tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Fail {
        Fail::Sql(e)
    }
}

impl PostgresStore {
    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`,
    /// also `postgresql://`, and libpq's `key=value` form) and brings its schema up to date.
    pub fn open(url: &str) -> Result<PostgresStore> {
        let config: Config = url.parse().map_err(|e| {
            Error::Backend(format!(
                "cannot read the PostgreSQL URL {}: {e}; {CHOOSE_ANOTHER}",
                without_password(url)
            ))
        })?;
        PostgresStore::with_config(config)
    }

    fn with_config(config: Config) -> Result<PostgresStore> {
        let shown = describe_config(&config);
        let pool = Pool::new(config).map_err(|e| {
            Error::Backend(format!(
                "cannot start the PostgreSQL client for {shown}: {e}"
            ))
        })?;
        let store = PostgresStore {
            pool,
            shown,
            queues: Default::default(),
            young: Default::default(),
        };
        let db = store.connection()?;
        block_on(migrations::migrate(&db)).map_err(|e| match e {
            migrations::Failure::Sql(e) => store.error(&e),
            migrations::Failure::TooNew { found, known } => Error::Backend(format!(
                "cannot open the stepwise database {}: it has schema version {found}, written by a newer stepwise (this one knows up to {known}); upgrade stepwise or {CHOOSE_ANOTHER}",
                store.shown
            )),
            migrations::Failure::Foreign(table) => Error::Backend(format!(
                "cannot open the stepwise database {}: its schema holds a table '{table}' that stepwise did not create; use a database (or a schema, with options=-csearch_path%3DNAME in the URL) of its own, or {CHOOSE_ANOTHER}",
                store.shown
            )),
        })?;
        drop(db);
        Ok(store)
    }

    /// The database as messages name it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn connection(&self) -> Result<pool::Lent<'_>> {
        self.pool.get().map_err(|e| match e {
            Checkout::Connect(e) => Error::Backend(format!(
                "cannot connect to the stepwise database {}: {}; check that PostgreSQL runs there and accepts this user, or {CHOOSE_ANOTHER}",
                self.shown,
                describe(&e)
            )),
            Checkout::Exhausted => Error::Backend(format!(
                "stepwise database {}: every connection stayed busy for 30 s; look for long-running statements (pg_stat_activity)",
                self.shown
            )),
            Checkout::Io(m) => Error::Backend(format!("stepwise database {}: {m}", self.shown)),
        })
    }

    /// Runs `f` on one connection, statement by statement (each commits on its own).
    fn read<T>(&self, f: impl AsyncFnOnce(&Db) -> std::result::Result<T, Fail>) -> Result<T> {
        let db = self.connection()?;
        block_on(f(&db)).map_err(|e| self.fail(e))
    }

    /// Runs `f` in one transaction; any error rolls everything back. A transaction PostgreSQL
    /// aborted as a deadlock or serialization failure runs again. Its commit notifies the
    /// other nodes (`watch.rs`).
    fn write<T>(&self, f: impl AsyncFn(&Db) -> std::result::Result<T, Fail>) -> Result<T> {
        self.write_telling(true, f)
    }

    /// `write`; `notify`: whether it leaves work for other nodes (their drivers and long polls
    /// run a round for every notification, so writes that leave none stay quiet).
    fn write_telling<T>(
        &self,
        notify: bool,
        f: impl AsyncFn(&Db) -> std::result::Result<T, Fail>,
    ) -> Result<T> {
        self.transaction(BEGIN, commit_telling(notify), f)
    }

    /// `write` whose commit does not wait for its WAL flush: for a transaction whose loss in a
    /// server crash only repeats work that is at least once anyway (a receive, an effect's send
    /// before the commit that marks it done). The next flushed commit of any connection makes
    /// it durable too: PostgreSQL's WAL is one sequence. `notify`: whether it leaves work.
    fn unflushed_write<T>(
        &self,
        notify: bool,
        f: impl AsyncFn(&Db) -> std::result::Result<T, Fail>,
    ) -> Result<T> {
        self.transaction(BEGIN_UNFLUSHED, commit_telling(notify), f)
    }

    fn transaction<T>(
        &self,
        begin: &str,
        commit: &str,
        f: impl AsyncFn(&Db) -> std::result::Result<T, Fail>,
    ) -> Result<T> {
        let db = self.connection()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let out = block_on(async {
                // `BEGIN` goes out in one pipeline with the transaction's first statements
                // (the server runs them in order): one round trip fewer per transaction.
                let (begun, done) = tokio::join!(db.batch(begin), async {
                    let v = f(&db).await?;
                    db.batch(commit).await?;
                    Ok::<T, Fail>(v)
                });
                let out = begun.map_err(Fail::from).and(done);
                if out.is_err() {
                    // Also after a failed COMMIT: the connection must leave the transaction.
                    let _ = db.batch("ROLLBACK").await;
                }
                out
            });
            match out {
                Err(Fail::Sql(e)) if retryable(&e) && attempt < ATTEMPTS => continue,
                other => return other.map_err(|e| self.fail(e)),
            }
        }
    }

    /// Runs one claiming statement (`UPDATE ... RETURNING` of leases) in a transaction that
    /// does not wait for its WAL to reach the disk, all in one round trip. Losing a claim in a
    /// server crash only lets another node claim the entry again (effects are at least once);
    /// the commit that finishes the work flushes the claim's WAL with its own.
    fn claim<T>(
        &self,
        sql: &'static str,
        params: pool::Params<'_>,
        row: fn(&Row) -> std::result::Result<T, Fail>,
    ) -> Result<Vec<T>> {
        let mut answers = self.pipeline(BEGIN_UNFLUSHED, &[(sql, params)])?;
        rows(answers.pop().unwrap_or_default(), row).map_err(|e| self.fail(e))
    }

    /// `statements` in one transaction sent as one pipeline, `begin` (`BEGIN`, or
    /// `BEGIN_UNFLUSHED`: see `unflushed_write`) to `COMMIT`: one round trip, for statements
    /// that need no check in between. A failed statement makes the `COMMIT` roll everything
    /// back. Each statement's rows, in order.
    fn pipeline(
        &self,
        begin: &'static str,
        statements: &[(&'static str, pool::Params<'_>)],
    ) -> Result<Vec<Vec<Row>>> {
        let db = self.connection()?;
        let answers = block_on(async {
            let sqls: Vec<&'static str> = statements.iter().map(|(sql, _)| *sql).collect();
            db.prepare_all(&sqls).await?;
            let mut steps: Vec<batch::Step<'_>> = Vec::with_capacity(statements.len() + 2);
            steps.push(Box::pin(async {
                db.batch(begin).await.map(|()| Vec::new())
            }));
            for (sql, params) in statements {
                steps.push(Box::pin(db.query(sql, params)));
            }
            steps.push(Box::pin(async {
                db.batch("COMMIT").await.map(|()| Vec::new())
            }));
            let mut answers = batch::pipeline(steps).await;
            let committed = answers.pop().unwrap_or_else(|| Ok(Vec::new()));
            let mut rows = Vec::with_capacity(statements.len());
            for answer in answers {
                rows.push(answer?);
            }
            committed?;
            rows.remove(0); // BEGIN's
            Ok::<_, Fail>(rows)
        });
        answers.map_err(|e| self.fail(e))
    }

    /// After each commit: analyzes the tables at the moments `statistics.rs` names, on a
    /// connection of its own in the background (an `ANALYZE` of a grown database takes a while,
    /// and the commit's caller need not wait for it). Trouble doing so is not the commit's:
    /// autovacuum will do it later.
    fn committed(&self) {
        if self.young.committed() {
            let (config, tls) = (self.pool.config().clone(), self.pool.tls().clone());
            self.pool.spawn(async move {
                if let Ok((client, connection)) = config.connect(tls).await {
                    tokio::spawn(connection);
                    let _ = client.batch_execute(statistics::ANALYZE).await;
                }
            });
        }
    }

    fn fail(&self, e: Fail) -> Error {
        match e {
            Fail::Store(e) => e,
            Fail::Sql(e) => self.error(&e),
        }
    }

    fn error(&self, e: &tokio_postgres::Error) -> Error {
        let hint = match e.code() {
            Some(c) if *c == SqlState::DISK_FULL => "; the database's disk is full",
            Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => {
                "; the user lacks a privilege on stepwise's tables"
            }
            Some(c) if *c == SqlState::TOO_MANY_CONNECTIONS => {
                "; the server has no connection left: raise max_connections or run fewer nodes"
            }
            _ if e.is_closed() => "; the connection was lost: the next call reconnects",
            _ => "",
        };
        Error::Backend(format!(
            "stepwise database {}: {}{hint}",
            self.shown,
            describe(e)
        ))
    }
}

fn retryable(e: &tokio_postgres::Error) -> bool {
    matches!(e.code(), Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE)
}

/// What went wrong, with the server's message and detail when it sent them.
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut m = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            m.push_str(&format!(" ({detail})"));
        }
        return m;
    }
    let mut m = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        m.push_str(&format!(": {s}"));
        source = s.source();
    }
    m
}

/// `postgres://USER@HOST:PORT/DATABASE`, never with the password.
fn describe_config(c: &Config) -> String {
    let host = c
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = c.get_ports().first().copied().unwrap_or(5432);
    let user = c.get_user().unwrap_or("");
    let db = c.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{db}")
}

/// "At most `limit`" where 0 means no limit (SQL's `LIMIT NULL`).
fn limit(limit: usize) -> Option<i64> {
    (limit != 0).then(|| i64::try_from(limit).unwrap_or(i64::MAX))
}

/// "At most `n`" where 0 means none.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn id(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn status(name: String) -> std::result::Result<ExecutionStatus, Fail> {
    ExecutionStatus::parse(&name).ok_or_else(|| {
        Fail::Store(Error::Backend(format!(
            "unknown ExecutionStatus '{name}' (written by a newer stepwise? upgrade it)"
        )))
    })
}

/// A decider a newer version wrote is left to that version (read as the default here, as the
/// SQLite backend does).
fn decider(name: String) -> Decider {
    Decider::parse(&name).unwrap_or_default()
}

/// The columns `execution_row` reads, in its order, each after `$prefix` (a table alias).
macro_rules! execution_columns {
    ($prefix:literal) => {
        concat!(
            $prefix,
            "arn, ",
            $prefix,
            "name, ",
            $prefix,
            "machine_arn, ",
            $prefix,
            "machine_name, ",
            $prefix,
            "definition, ",
            $prefix,
            "status, ",
            $prefix,
            "input, ",
            $prefix,
            "output, ",
            $prefix,
            "error, ",
            $prefix,
            "cause, ",
            $prefix,
            "start_ms, ",
            $prefix,
            "stop_ms, ",
            $prefix,
            "state, ",
            $prefix,
            "config, ",
            $prefix,
            "version"
        )
    };
}
/// How many columns `outbox_row` reads.
const OUTBOX_COLUMNS: usize = 7;

fn execution_row(r: &Row) -> std::result::Result<ExecutionRecord, Fail> {
    execution_row_at(r, 0)
}

/// The `execution_columns!` starting at column `at`.
fn execution_row_at(r: &Row, at: usize) -> std::result::Result<ExecutionRecord, Fail> {
    Ok(ExecutionRecord {
        arn: r.try_get(at)?,
        name: r.try_get(at + 1)?,
        machine_arn: r.try_get(at + 2)?,
        machine_name: r.try_get(at + 3)?,
        definition: r.try_get(at + 4)?,
        status: status(r.try_get(at + 5)?)?,
        input: r.try_get(at + 6)?,
        output: r.try_get(at + 7)?,
        error: r.try_get(at + 8)?,
        cause: r.try_get(at + 9)?,
        start_ms: r.try_get(at + 10)?,
        stop_ms: r.try_get(at + 11)?,
        state: r.try_get(at + 12)?,
        config: r.try_get(at + 13)?,
        version: r.try_get(at + 14)?,
    })
}

fn summary_row(r: &Row) -> std::result::Result<ExecutionSummary, Fail> {
    Ok(ExecutionSummary {
        arn: r.try_get(0)?,
        name: r.try_get(1)?,
        machine_arn: r.try_get(2)?,
        status: status(r.try_get(3)?)?,
        start_ms: r.try_get(4)?,
        stop_ms: r.try_get(5)?,
    })
}

fn token_row(r: &Row) -> std::result::Result<TokenRecord, Fail> {
    Ok(TokenRecord {
        token: r.try_get(0)?,
        execution_arn: r.try_get(1)?,
        task: r.try_get::<_, i64>(2)? as u64,
        state_name: r.try_get(3)?,
        open: r.try_get(4)?,
        created_ms: r.try_get(5)?,
        decider: decider(r.try_get(6)?),
    })
}

fn timer_row(r: &Row) -> std::result::Result<TimerRecord, Fail> {
    Ok(TimerRecord {
        execution_arn: r.try_get(0)?,
        timer: r.try_get::<_, i64>(1)? as u64,
        due_ms: r.try_get(2)?,
        decider: decider(r.try_get(3)?),
    })
}

fn history_row(r: &Row) -> std::result::Result<HistoryRow, Fail> {
    Ok(HistoryRow {
        id: r.try_get::<_, i64>(0)? as u64,
        timestamp_ms: r.try_get(1)?,
        json: r.try_get(2)?,
    })
}

fn outbox_row(r: &Row) -> std::result::Result<OutboxRecord, Fail> {
    Ok(OutboxRecord {
        id: r.try_get(0)?,
        execution_arn: r.try_get(1)?,
        payload: r.try_get(2)?,
        lease_until_ms: r.try_get(3)?,
        attempts: r.try_get(4)?,
        lease_owner: r.try_get(5)?,
        decider: decider(r.try_get(6)?),
    })
}

fn rows<T>(
    rows: Vec<Row>,
    f: fn(&Row) -> std::result::Result<T, Fail>,
) -> std::result::Result<Vec<T>, Fail> {
    rows.iter().map(f).collect()
}

impl ExecutionStore for PostgresStore {
    fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()> {
        let rows = Batch::first(&record.arn, first)?;
        self.write_telling(leaves_work(std::slice::from_ref(first)), async |db| {
            if insert_execution(db, record).await? == 0 {
                return Err(Fail::Store(Error::AlreadyExists {
                    arn: record.arn.clone(),
                }));
            }
            rows.apply(db).await
        })?;
        self.committed();
        Ok(())
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        self.read(async |db| {
            db.query_opt(
                "SELECT arn, name, machine_arn, machine_name, definition, status, input, output,
                        error, cause, start_ms, stop_ms, state, config, version
                 FROM execution_rows WHERE arn = $1",
                &[&arn],
            )
            .await?
            .as_ref()
            .map(execution_row)
            .transpose()
        })
    }

    fn executions(&self, arns: &[&str]) -> Result<Vec<ExecutionRecord>> {
        if arns.len() < 2 {
            return arns
                .iter()
                .map(|a| self.execution(a))
                .filter_map(Result::transpose)
                .collect();
        }
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT arn, name, machine_arn, machine_name, definition, status, input, output,
                            error, cause, start_ms, stop_ms, state, config, version
                     FROM execution_rows WHERE arn = ANY($1)",
                    &[&arns],
                )
                .await?;
            rows(found, execution_row)
        })
    }

    fn list_executions(&self, filter: &ExecutionFilter) -> Result<Vec<ExecutionSummary>> {
        // One statement per filter shape, so each can use its index.
        let sql = match (&filter.machine_arn, &filter.status) {
            (None, None) => {
                "SELECT arn, name, machine_arn, status, start_ms, stop_ms FROM executions
                 WHERE $1::text IS NULL AND $2::text IS NULL
                   AND ($4::bigint IS NULL OR (start_ms, arn) < ($4, $5::text))
                 ORDER BY start_ms DESC, arn DESC LIMIT $3"
            }
            (Some(_), None) => {
                "SELECT arn, name, machine_arn, status, start_ms, stop_ms FROM executions
                 WHERE machine_arn = $1 AND $2::text IS NULL
                   AND ($4::bigint IS NULL OR (start_ms, arn) < ($4, $5::text))
                 ORDER BY start_ms DESC, arn DESC LIMIT $3"
            }
            (None, Some(_)) => {
                "SELECT arn, name, machine_arn, status, start_ms, stop_ms FROM executions
                 WHERE $1::text IS NULL AND status = $2
                   AND ($4::bigint IS NULL OR (start_ms, arn) < ($4, $5::text))
                 ORDER BY start_ms DESC, arn DESC LIMIT $3"
            }
            (Some(_), Some(_)) => {
                "SELECT arn, name, machine_arn, status, start_ms, stop_ms FROM executions
                 WHERE machine_arn = $1 AND status = $2
                   AND ($4::bigint IS NULL OR (start_ms, arn) < ($4, $5::text))
                 ORDER BY start_ms DESC, arn DESC LIMIT $3"
            }
        };
        let status = filter.status.map(ExecutionStatus::name);
        let after_ms = filter.after.as_ref().map(|a| a.0);
        let after_arn = filter.after.as_ref().map(|a| a.1.as_str());
        self.read(async |db| {
            let found = db
                .query(
                    sql,
                    &[
                        &filter.machine_arn,
                        &status,
                        &limit(filter.limit),
                        &after_ms,
                        &after_arn,
                    ],
                )
                .await?;
            rows(found, summary_row)
        })
    }

    fn history(&self, arn: &str, after: u64, max: usize) -> Result<Vec<HistoryRow>> {
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT id, timestamp_ms, json FROM history
                     WHERE execution_arn = $1 AND id > $2 ORDER BY id LIMIT $3",
                    &[&arn, &id(after), &limit(max)],
                )
                .await?;
            rows(found, history_row)
        })
    }

    fn history_reversed(
        &self,
        arn: &str,
        before: Option<u64>,
        max: usize,
    ) -> Result<Vec<HistoryRow>> {
        let before = before.map_or(i64::MAX, id);
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT id, timestamp_ms, json FROM history
                     WHERE execution_arn = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                    &[&arn, &before, &limit(max)],
                )
                .await?;
            rows(found, history_row)
        })
    }

    fn purge_executions(&self, stopped_before_ms: i64, max: usize) -> Result<usize> {
        let (deleted, texts) = self.write_telling(false, async |db| {
            purge::executions(db, stopped_before_ms, count(max.max(1))).await
        })?;
        if !texts.is_empty() {
            self.write_telling(false, async |db| purge::unused_texts(db, &texts).await)?;
        }
        Ok(deleted)
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
        let batch = Batch::of(commits)?;
        self.write_telling(leaves_work(commits), async |db| batch.apply(db).await)?;
        self.committed();
        Ok(())
    }
}

/// How a write transaction ends: with `pg_notify` when it leaves work for other nodes.
fn commit_telling(notify: bool) -> &'static str {
    if notify {
        watch::NOTIFY_AND_COMMIT
    } else {
        "COMMIT"
    }
}

/// Whether commits leave work for a driver: an effect to perform or a timer to fire. Only
/// those wake the other nodes; a step that records history, closes tokens or finishes its
/// effects leaves them nothing to do (as `runtime::asl` wakes its own driver).
fn leaves_work(commits: &[Commit]) -> bool {
    commits
        .iter()
        .any(|c| !c.new_outbox.is_empty() || !c.new_timers.is_empty())
}

/// Inserts the row (its texts by reference) unless the ARN exists; returns how many rows were
/// inserted.
async fn insert_execution(db: &Db, x: &ExecutionRecord) -> std::result::Result<u64, Fail> {
    let definition = crate::store::texts::key(&x.definition);
    let config = crate::store::texts::key(&x.config);
    // One row per distinct text: the statement may not meet its own key twice.
    let (keys, bodies) = if definition == config {
        (vec![&definition], vec![&x.definition])
    } else {
        (vec![&definition, &config], vec![&x.definition, &x.config])
    };
    db.execute(purge::KEEP_TEXTS, &[&keys, &bodies]).await?;
    Ok(db
        .execute(
            "INSERT INTO executions (arn, name, machine_arn, machine_name, definition_hash,
                                     status, input, output, error, cause, start_ms, stop_ms,
                                     state, config_hash, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (arn) DO NOTHING",
            &[
                &x.arn,
                &x.name,
                &x.machine_arn,
                &x.machine_name,
                &definition,
                &x.status.name(),
                &x.input,
                &x.output,
                &x.error,
                &x.cause,
                &x.start_ms,
                &x.stop_ms,
                &x.state,
                &config,
                &x.version,
            ],
        )
        .await?)
}

impl TokenStore for PostgresStore {
    fn token(&self, token: &str) -> Result<Option<TokenRecord>> {
        self.read(async |db| {
            db.query_opt(
                "SELECT token, execution_arn, task, state_name, open, created_ms, decider
                 FROM tokens WHERE token = $1",
                &[&token],
            )
            .await?
            .as_ref()
            .map(token_row)
            .transpose()
        })
    }

    fn token_with_execution(
        &self,
        token: &str,
    ) -> Result<Option<(TokenRecord, Option<ExecutionRecord>)>> {
        self.read(async |db| {
            let Some(row) = db
                .query_opt(
                    concat!(
                        "SELECT ",
                        execution_columns!("e."),
                        ", t.token, t.execution_arn, t.task, t.state_name, t.open, t.created_ms,
                           t.decider
                         FROM tokens t LEFT JOIN execution_rows e ON e.arn = t.execution_arn
                         WHERE t.token = $1"
                    ),
                    &[&token],
                )
                .await?
            else {
                return Ok(None);
            };
            let token = TokenRecord {
                token: row.try_get(15)?,
                execution_arn: row.try_get(16)?,
                task: row.try_get::<_, i64>(17)? as u64,
                state_name: row.try_get(18)?,
                open: row.try_get(19)?,
                created_ms: row.try_get(20)?,
                decider: decider(row.try_get(21)?),
            };
            let found: Option<String> = row.try_get(0)?;
            let execution = match found {
                Some(_) => Some(execution_row(&row)?),
                None => None,
            };
            Ok(Some((token, execution)))
        })
    }

    fn open_tokens(&self, execution_arn: &str) -> Result<Vec<TokenRecord>> {
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT token, execution_arn, task, state_name, open, created_ms, decider
                     FROM tokens WHERE execution_arn = $1 AND open ORDER BY created_ms, token",
                    &[&execution_arn],
                )
                .await?;
            rows(found, token_row)
        })
    }
}

impl TimerStore for PostgresStore {
    fn due_timers(&self, now_ms: i64, max: usize, scope: Scope<'_>) -> Result<Vec<TimerRecord>> {
        let decider = scope.decider.map(Decider::as_str);
        let sql = match scope.execution {
            Some(_) => {
                "SELECT execution_arn, timer, due_ms, decider FROM timers
                 WHERE execution_arn = $4 AND due_ms <= $1 AND ($3::text IS NULL OR decider = $3)
                 ORDER BY due_ms, timer LIMIT $2"
            }
            None => {
                "SELECT execution_arn, timer, due_ms, decider FROM timers WHERE due_ms <= $1
                   AND ($3::text IS NULL OR decider = $3) AND ($4::text IS NULL OR execution_arn = $4)
                 ORDER BY due_ms, execution_arn, timer LIMIT $2"
            }
        };
        self.read(async |db| {
            let found = db
                .query(sql, &[&now_ms, &count(max), &decider, &scope.execution])
                .await?;
            rows(found, timer_row)
        })
    }

    fn next_timer(&self, scope: Scope<'_>) -> Result<Option<TimerRecord>> {
        let decider = scope.decider.map(Decider::as_str);
        self.read(async |db| {
            db.query_opt(
                "SELECT execution_arn, timer, greatest(due_ms, lease_until_ms), decider FROM timers
                 WHERE ($1::text IS NULL OR decider = $1) AND ($2::text IS NULL OR execution_arn = $2)
                 ORDER BY greatest(due_ms, lease_until_ms), execution_arn, timer LIMIT 1",
                &[&decider, &scope.execution],
            )
            .await?
            .as_ref()
            .map(timer_row)
            .transpose()
        })
    }

    /// One statement: the inner select skips timers another node is claiming.
    fn claim_timers(
        &self,
        now_ms: i64,
        lease_ms: i64,
        max: usize,
        owner: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<TimerRecord>> {
        let until = now_ms.saturating_add(lease_ms);
        let decider = scope.decider.map(Decider::as_str);
        let mut claimed = self.claim(
            "UPDATE timers t SET lease_until_ms = $1, lease_owner = $4
             FROM (SELECT execution_arn, timer FROM timers
                   WHERE due_ms <= $2 AND lease_until_ms <= $2
                     AND ($5::text IS NULL OR decider = $5)
                     AND ($6::text IS NULL OR execution_arn = $6)
                   ORDER BY due_ms, execution_arn, timer LIMIT $3
                   FOR UPDATE SKIP LOCKED) c
             WHERE t.execution_arn = c.execution_arn AND t.timer = c.timer
             RETURNING t.execution_arn, t.timer, t.due_ms, t.decider",
            &[
                &until,
                &now_ms,
                &count(max),
                &owner,
                &decider,
                &scope.execution,
            ],
            timer_row,
        )?;
        claimed.sort_by(|a, b| {
            (a.due_ms, &a.execution_arn, a.timer).cmp(&(b.due_ms, &b.execution_arn, b.timer))
        });
        Ok(claimed)
    }
}

impl Outbox for PostgresStore {
    /// One statement: the inner select skips rows another node is claiming, so concurrent
    /// claims never wait for each other and never take the same entry.
    fn claim_outbox(
        &self,
        now_ms: i64,
        lease_ms: i64,
        max: usize,
        owner: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<OutboxRecord>> {
        let (claimed, _) =
            self.claim_outbox_with_executions(now_ms, lease_ms, max, owner, scope)?;
        Ok(claimed)
    }

    /// One statement: the inner select skips rows another node is claiming, so concurrent
    /// claims never wait for each other and never take the same entry; the executions come
    /// along.
    fn claim_outbox_with_executions(
        &self,
        now_ms: i64,
        lease_ms: i64,
        max: usize,
        owner: &str,
        scope: Scope<'_>,
    ) -> Result<(Vec<OutboxRecord>, Vec<ExecutionRecord>)> {
        let until = now_ms.saturating_add(lease_ms);
        let decider = scope.decider.map(Decider::as_str);
        let claimed = self.claim(
            concat!(
                "WITH c AS (
                   UPDATE outbox SET lease_until_ms = $1, attempts = attempts + 1, lease_owner = $4
                   WHERE id IN (SELECT id FROM outbox WHERE lease_until_ms <= $2
                                  AND ($5::text IS NULL OR decider = $5)
                                  AND ($6::text IS NULL OR execution_arn = $6)
                                ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
                   RETURNING id, execution_arn, payload, lease_until_ms, attempts, lease_owner,
                             decider)
                 SELECT c.id, c.execution_arn, c.payload, c.lease_until_ms, c.attempts,
                        c.lease_owner, c.decider, ",
                execution_columns!("e."),
                " FROM c LEFT JOIN execution_rows e ON e.arn = c.execution_arn"
            ),
            &[
                &until,
                &now_ms,
                &count(max),
                &owner,
                &decider,
                &scope.execution,
            ],
            |r| {
                let execution = match r.try_get::<_, Option<String>>(OUTBOX_COLUMNS)? {
                    Some(_) => Some(execution_row_at(r, OUTBOX_COLUMNS)?),
                    None => None,
                };
                Ok((outbox_row(r)?, execution))
            },
        )?;
        let (mut entries, mut executions): (Vec<OutboxRecord>, Vec<ExecutionRecord>) =
            (Vec::new(), Vec::new());
        for (entry, execution) in claimed {
            entries.push(entry);
            executions.extend(execution);
        }
        entries.sort_by_key(|o| o.id);
        executions.sort_by(|a, b| a.arn.cmp(&b.arn));
        executions.dedup_by(|a, b| a.arn == b.arn);
        Ok((entries, executions))
    }

    fn release_leases(&self, dead: &dyn Fn(&str) -> bool) -> Result<usize> {
        let owners: Vec<String> = self.read(async |db| {
            let found = db
                .query(
                    "SELECT lease_owner FROM outbox
                     WHERE lease_until_ms > 0 AND lease_owner IS NOT NULL
                     UNION
                     SELECT lease_owner FROM timers
                     WHERE lease_until_ms > 0 AND lease_owner IS NOT NULL",
                    &[],
                )
                .await?;
            rows(found, |r| Ok(r.try_get(0)?))
        })?;
        let gone: Vec<String> = owners.into_iter().filter(|o| dead(o)).collect();
        if gone.is_empty() {
            return Ok(0);
        }
        self.read(async |db| {
            let freed = db
                .execute(
                    "UPDATE outbox SET lease_until_ms = 0
                     WHERE lease_owner = ANY($1) AND lease_until_ms > 0",
                    &[&gone],
                )
                .await?;
            db.execute(
                "UPDATE timers SET lease_until_ms = 0
                 WHERE lease_owner = ANY($1) AND lease_until_ms > 0",
                &[&gone],
            )
            .await?;
            Ok(freed as usize)
        })
    }

    fn renew_leases(&self, ids: &[i64], owner: &str, until_ms: i64) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.read(async |db| {
            let renewed = db
                .execute(
                    "UPDATE outbox SET lease_until_ms = greatest(lease_until_ms, $3)
                     WHERE id = ANY($1) AND lease_owner = $2 AND lease_until_ms > 0",
                    &[&ids, &owner, &until_ms],
                )
                .await?;
            Ok(renewed as usize)
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod upgrade_tests;
