//! What the runtime shell (`durable.rs`) asks of a decider whose instances live in the store.
//!
//! The shell owns, once each: the clock, the claims of due timers and of outbox entries (leases
//! that name their holder), task tokens, and the wake-ups of the drive loop. It hands each
//! decider what is due for its instances; the decider applies it to the stored instance (pure
//! decision, then one `Commit` of the new row with its history, timers, tokens and effects,
//! retried from a fresh read when another process committed first). Two deciders implement it:
//! the ASL engine (`asl.rs`) and the Conductor decider (`conductor/`).

use crate::engine::CallbackOutcome;
use crate::store::{Error as StoreError, OutboxRecord, TimerRecord, TokenRecord};

/// Why a runtime operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    Store(StoreError),
    NoSuchExecution(String),
    /// A stored execution or definition could not be read back (written by another version?).
    Corrupt(String),
    /// A callback AWS would refuse: the AWS error name and message.
    Callback {
        code: &'static str,
        message: String,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Store(e) => write!(f, "{e}"),
            Error::NoSuchExecution(arn) => write!(f, "Execution Does Not Exist: '{arn}'"),
            Error::Corrupt(m) => f.write_str(m),
            Error::Callback { code, message } => write!(f, "{code}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// AWS's answer to a callback for a task that no longer waits.
pub fn timed_out() -> Error {
    Error::Callback {
        code: "TaskTimedOut",
        message: "Task Timed Out: 'Provided task does not exist anymore'".into(),
    }
}

/// A decider the shell drives.
pub trait Decider {
    /// Fires due timers of its instances (each removed in the commit that applies it).
    fn fire(&mut self, timers: &[TimerRecord]) -> Result<()>;
    /// Performs claimed outbox entries of its instances and commits what they answered (each
    /// entry deleted in that commit). An entry it could not perform stays leased, to be tried
    /// again when the lease ends.
    fn deliver(&mut self, entries: &[OutboxRecord]) -> Result<()>;
    /// `SendTaskSuccess` / `SendTaskFailure` for the task `token` names; `timed_out()` when the
    /// task no longer waits.
    fn answer(&mut self, token: &TokenRecord, outcome: CallbackOutcome) -> Result<()>;
    /// `SendTaskHeartbeat`; `timed_out()` when the task no longer waits.
    fn heartbeat(&mut self, token: &TokenRecord) -> Result<()>;
}
