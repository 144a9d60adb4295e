//! Persistence: executions, their history, task tokens, timers, the outbox, the embedded
//! message queue (`queue.rs`), the state machines and activities of the API (`registry.rs`), and
//! Conductor workflows and event executions (`conductor.rs`).
//!
//! Small capability traits, one `Store` bundling them, and backends beside them: `memory`
//! (tests, in-process runs), `sqlite` (the embedded default) and `postgres` (several machines
//! on one database). Every backend passes the contract suite in `contract.rs`.
//!
//! Concurrency is optimistic: each execution row has a `version`; a `Commit` names the version it
//! was computed from and fails with `Error::Conflict` when another process committed first. The
//! caller reloads and steps again. Everything in one `commit` call happens atomically.

pub use crate::status::{ExecutionStatus, WorkflowStatus};
use serde::{Deserialize, Serialize};

pub mod conductor;
#[cfg(test)]
pub(crate) mod contract;
pub mod memory;
mod migrations;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod queue;
pub(crate) mod redact;
pub mod registry;
pub mod retention;
pub mod sqlite;
pub(crate) mod texts;

pub use conductor::{ConductorStore, WorkflowRow};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
pub use queue::{MessageRecord, NewMessage, QueueCounts, QueueRecord, QueueStore};
pub use registry::{ResourceRecord, ResourceStore};
pub use sqlite::SqliteStore;

/// One execution as stored. `state` is the serialized engine `Execution`; `config` is the JSON of
/// the handlers chosen when it started (so any process can continue it).
///
/// `definition` and `config` are fixed when the execution is created: the SQL backends keep each
/// text once, by its SHA-256 (`texts.rs`), however many executions share it, and a commit's
/// row never rewrites them (a commit's `definition` and `config` are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub arn: String,
    pub name: String,
    pub machine_arn: String,
    pub machine_name: String,
    /// The definition text the execution runs (kept per execution: definitions change; stored
    /// once per distinct text).
    pub definition: String,
    pub status: ExecutionStatus,
    /// JSON text.
    pub input: String,
    /// JSON text, when SUCCEEDED.
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
    pub state: String,
    pub config: String,
    pub version: i64,
}

/// The statuses of executions that ended: what `purge_executions` may delete.
pub(crate) const ENDED: [ExecutionStatus; 4] = [
    ExecutionStatus::Succeeded,
    ExecutionStatus::Failed,
    ExecutionStatus::TimedOut,
    ExecutionStatus::Aborted,
];

/// What `list_executions` returns per execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionSummary {
    pub arn: String,
    pub name: String,
    pub machine_arn: String,
    pub status: ExecutionStatus,
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecutionFilter {
    pub machine_arn: Option<String>,
    pub status: Option<ExecutionStatus>,
    /// At most this many, newest first (0 = no limit).
    pub limit: usize,
    /// Pagination: only executions after this `(start_ms, arn)` in the listing's order (the
    /// last one of the previous page).
    pub after: Option<(i64, String)>,
}

/// A history event: `json` is the AWS-shaped event (`HistoryEvent::to_aws_json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub id: u64,
    pub timestamp_ms: i64,
    pub json: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub token: String,
    pub execution_arn: String,
    /// The engine's task id (`WaitId`) the token answers (0 for a Conductor task).
    pub task: u64,
    /// The Task state's name; a Conductor task's `taskId`.
    pub state_name: String,
    /// Whose task: `execution_arn` is an ASL execution ARN or a Conductor workflow id.
    #[serde(default)]
    pub decider: Decider,
    /// False once the task completed, failed, timed out, or the execution ended.
    pub open: bool,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerRecord {
    /// The instance: an ASL execution ARN or a Conductor workflow id.
    pub execution_arn: String,
    /// The engine's timer id (a Conductor workflow has one timer, 0: its next deadline).
    pub timer: u64,
    pub due_ms: i64,
    /// Whose timer: only a runtime that drives that decider fires it.
    #[serde(default)]
    pub decider: Decider,
}

/// Which decider an instance, its outbox entries and its tokens belong to: the ASL engine
/// (`execution_arn` is an execution ARN) or the Conductor decider (a workflow id).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Decider {
    #[default]
    Asl,
    Conductor,
}

impl Decider {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Decider::Asl => "asl",
            Decider::Conductor => "conductor",
        }
    }

    /// From the stored spelling; an unknown one (a newer version's) is `None`.
    pub fn parse(s: &str) -> Option<Decider> {
        match s {
            "asl" => Some(Decider::Asl),
            "conductor" => Some(Decider::Conductor),
            _ => None,
        }
    }
}

/// An effect to perform after its commit: delivered at least once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRecord {
    /// Assigned by the store (0 in a `Commit`).
    pub id: i64,
    /// The instance (ASL execution ARN or Conductor workflow id) that decided the effect.
    pub execution_arn: String,
    /// Whose effect it is: only a runtime that can perform that decider's effects claims it.
    #[serde(default)]
    pub decider: Decider,
    /// JSON of the effect (an invocation or a cancellation).
    pub payload: String,
    /// Until when a process holds it; 0 when free.
    pub lease_until_ms: i64,
    pub attempts: i64,
    /// Who holds the lease (`Durable`'s owner id), so a dead holder's leases can be freed early.
    #[serde(default)]
    pub lease_owner: Option<String>,
}

/// Which outbox entries a claim may take, which timers are fired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope<'a> {
    /// Only this decider's (`None`: every decider's).
    pub decider: Option<Decider>,
    /// Only this instance's (`None`: every instance's).
    pub execution: Option<&'a str>,
}

impl Scope<'_> {
    /// Every entry.
    pub const ALL: Scope<'static> = Scope {
        decider: None,
        execution: None,
    };

    /// Every entry of one decider's instances.
    pub const fn of(decider: Decider) -> Scope<'static> {
        Scope {
            decider: Some(decider),
            execution: None,
        }
    }

    /// Whether an entry of `decider`'s instance `execution` is within the scope.
    pub fn holds(&self, decider: Decider, execution: &str) -> bool {
        self.decider.is_none_or(|d| d == decider) && self.execution.is_none_or(|e| e == execution)
    }
}

/// A Conductor workflow row written by a commit, atomically with its outbox entries and tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowWrite {
    pub row: WorkflowRow,
    /// A new workflow (`Error::AlreadyExists` when its id is taken); else an update of the
    /// stored revision `row.revision - 1` (`Error::Conflict` when another writer came first).
    pub insert: bool,
}

/// Everything one decider step changes, written atomically.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    /// The execution's new row; `version` must be the stored version + 1.
    pub execution: Option<ExecutionRecord>,
    /// A Conductor workflow's new row.
    pub workflow: Option<WorkflowWrite>,
    pub history: Vec<HistoryRow>,
    pub new_tokens: Vec<TokenRecord>,
    /// Tokens (by token) to close.
    pub closed_tokens: Vec<String>,
    pub new_timers: Vec<TimerRecord>,
    /// `(execution_arn, timer)` to delete.
    pub removed_timers: Vec<(String, u64)>,
    pub new_outbox: Vec<OutboxRecord>,
    /// Outbox ids performed (deleted).
    pub done_outbox: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The execution changed since it was read (another process committed): reload and retry.
    Conflict { arn: String },
    /// `create_execution` for an ARN that exists.
    AlreadyExists { arn: String },
    /// The database could not be used; the message says which file and why.
    Backend(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Conflict { arn } => write!(f, "execution {arn} was changed by another process"),
            Error::AlreadyExists { arn } => write!(f, "execution {arn} already exists"),
            Error::Backend(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

pub trait ExecutionStore {
    /// Inserts a new execution (its `version` is 1) together with its first commit.
    fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()>;
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>>;
    /// The executions of `arns` that exist, in any order (a batch of steps reads its executions
    /// at once; over a network that is one round trip instead of one each).
    fn executions(&self, arns: &[&str]) -> Result<Vec<ExecutionRecord>> {
        let mut found = Vec::with_capacity(arns.len());
        for arn in arns {
            found.extend(self.execution(arn)?);
        }
        Ok(found)
    }
    fn list_executions(&self, filter: &ExecutionFilter) -> Result<Vec<ExecutionSummary>>;
    /// History events with `id > after`, in id order, at most `limit` (0 = all).
    fn history(&self, arn: &str, after: u64, limit: usize) -> Result<Vec<HistoryRow>>;
    /// History events with `id < before` (`None`: from the last one), newest first, at most
    /// `limit` (0 = all): a `reverseOrder` page reads only its own events.
    fn history_reversed(
        &self,
        arn: &str,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<HistoryRow>>;
    /// Deletes up to `limit` (at least one) executions that ended (SUCCEEDED, FAILED,
    /// TIMED_OUT or ABORTED: never a running one) with a stop time before `stopped_before_ms`,
    /// oldest stop first, together with their history, tokens, timers and outbox entries and
    /// the stored texts no other execution uses. Returns how many it deleted: callers repeat
    /// until fewer than `limit` come back, so no transaction runs long.
    fn purge_executions(&self, stopped_before_ms: i64, limit: usize) -> Result<usize>;
    /// Applies commits atomically, all or nothing; `Conflict` when any execution's stored
    /// version (or workflow's revision) is not the commit's `version - 1`.
    fn commit(&self, commits: &[Commit]) -> Result<()>;
}

pub trait TokenStore {
    fn token(&self, token: &str) -> Result<Option<TokenRecord>>;
    /// `token`, with its execution's row when the backend reads both in one query (PostgreSQL,
    /// where a callback then costs one round trip fewer); `None` for the row otherwise, or when
    /// the token is not an ASL execution's.
    fn token_with_execution(
        &self,
        token: &str,
    ) -> Result<Option<(TokenRecord, Option<ExecutionRecord>)>> {
        Ok(self.token(token)?.map(|t| (t, None)))
    }
    /// Open tokens of one execution.
    fn open_tokens(&self, execution_arn: &str) -> Result<Vec<TokenRecord>>;
}

pub trait TimerStore {
    /// Timers within `scope` due at or before `now_ms`, earliest first (then by instance and
    /// timer id), at most `limit`.
    fn due_timers(&self, now_ms: i64, limit: usize, scope: Scope<'_>) -> Result<Vec<TimerRecord>>;
    /// The earliest timer within `scope`, if any (to know how long to sleep). A timer another
    /// process has claimed counts as due when its claim ends.
    fn next_timer(&self, scope: Scope<'_>) -> Result<Option<TimerRecord>>;
    /// Takes up to `limit` timers within `scope` due at `now_ms` for `lease_ms` under `owner`,
    /// so the other nodes sharing the database do not fire them too: the commit of a timer's
    /// step removes or re-arms it (which ends the claim); a timer whose step failed is due again
    /// when the claim ends. Backends shared by one machine's processes only answer `due_timers`
    /// (their commits' versions decide who fires a timer, and a failure is retried at once).
    fn claim_timers(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        owner: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<TimerRecord>> {
        let _ = (lease_ms, owner);
        self.due_timers(now_ms, limit, scope)
    }
}

pub trait Outbox {
    /// Leases up to `limit` records whose lease expired (or was never taken), oldest first,
    /// until `now_ms + lease_ms`, incrementing `attempts`. Shaped for `FOR UPDATE SKIP LOCKED`.
    /// The lease is held by `owner`. Only entries within `scope`.
    fn claim_outbox(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        owner: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<OutboxRecord>>;
    /// `claim_outbox`, with the rows of the claimed entries' ASL executions when the backend
    /// reads them in the same statement (PostgreSQL: the delivery then reads nothing more before
    /// it performs the effects); none otherwise.
    fn claim_outbox_with_executions(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        owner: &str,
        scope: Scope<'_>,
    ) -> Result<(Vec<OutboxRecord>, Vec<ExecutionRecord>)> {
        let claimed = self.claim_outbox(now_ms, lease_ms, limit, owner, scope)?;
        Ok((claimed, Vec::new()))
    }
    /// Frees every lease whose owner `dead` says is gone (a killed process), so its effects are
    /// delivered again at once instead of when the lease ends. Returns how many were freed.
    fn release_leases(&self, dead: &dyn Fn(&str) -> bool) -> Result<usize>;
    /// Extends to `until_ms` the leases `owner` still holds on the entries `ids` (an effect that
    /// runs longer than its lease is not taken over while it runs). Returns how many it
    /// extended: an entry another process took over after the lease ran out is left alone.
    fn renew_leases(&self, ids: &[i64], owner: &str, until_ms: i64) -> Result<usize>;
}

/// Hearing about work other processes commit, where the backend can tell.
pub trait Changes {
    /// From now on calls `changed` (on another thread) soon after any process sharing the
    /// database commits work: a step that leaves effects or timers, a message sent. A
    /// backend that cannot tell does nothing, and its users poll; a backend that can tell but
    /// loses its connection calls `changed` when it reconnects (something may have been missed).
    fn watch(&self, changed: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<()> {
        let _ = changed;
        Ok(())
    }
}

/// Everything the runtime needs.
pub trait Store:
    ExecutionStore
    + Changes
    + TokenStore
    + TimerStore
    + Outbox
    + QueueStore
    + ResourceStore
    + ConductorStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: ExecutionStore
        + Changes
        + TokenStore
        + TimerStore
        + Outbox
        + QueueStore
        + ResourceStore
        + ConductorStore
        + Send
        + Sync
{
}
