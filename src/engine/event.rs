//! What the engine is told (`Event`) and what it asks its host to do (`Effect`).

use crate::asl::model::Resource;
use crate::engine::execution::Status;
use crate::engine::history::HistoryEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Identifies one task invocation or one timer of an execution. Ids are never reused, so a
/// late answer for an abandoned task or a stale timer is recognised and ignored.
pub type WaitId = u64;

/// Something that happened outside the engine, fed to `Execution::step`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Event {
    /// The resource accepted a `.waitForTaskToken`/`.sync` task; `output` is its response.
    TaskSubmitted {
        task: WaitId,
        output: Value,
    },
    TaskSucceeded {
        task: WaitId,
        output: Value,
    },
    /// `error`/`cause` as the resource reported them (`None` when not given).
    TaskFailed {
        task: WaitId,
        error: Option<String>,
        cause: Option<String>,
    },
    /// The handler could not run the task at all; fails the execution (`States.Runtime`).
    TaskNotRunnable {
        task: WaitId,
        cause: String,
    },
    TaskHeartbeat {
        task: WaitId,
    },
    /// `SendTaskSuccess` / `SendTaskFailure` for a task token. Unlike `TaskSucceeded` (the
    /// resource's own answer), a callback that arrives before the resource reported the task
    /// submitted waits for that report, so the history reads TaskSubmitted, then the outcome.
    Callback {
        task: WaitId,
        outcome: CallbackOutcome,
    },
    /// A worker took an activity task (`GetActivityTask`).
    ActivityStarted {
        task: WaitId,
        worker_name: Option<String>,
    },
    TimerFired {
        timer: WaitId,
    },
    Stop {
        error: Option<String>,
        cause: Option<String>,
    },
    /// `UpdateMapRun`: new limits for the running Map states of the execution (a Map Run's own
    /// execution has one); `None` keeps a limit as it is.
    UpdateLimits {
        max_concurrency: Option<u64>,
        tolerated_count: Option<u64>,
        tolerated_percentage: Option<f64>,
    },
}

/// What a callback said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CallbackOutcome {
    Success(Value),
    Failure {
        error: Option<String>,
        cause: Option<String>,
    },
}

/// Work for the host: perform it, then feed the outcome back as an `Event`.
#[derive(Debug, Clone)]
pub enum Effect {
    Invoke(Box<Invocation>),
    /// Fire `Event::TimerFired { timer }` at `due_ms` (epoch milliseconds).
    ArmTimer {
        timer: WaitId,
        due_ms: i64,
    },
    /// The task is no longer awaited (timed out, aborted): stop it if possible.
    CancelTask {
        task: WaitId,
    },
    History(HistoryEvent),
    /// The execution closed with this status.
    Finished(Status),
    /// A decision the history does not name (which Choice rule, which Catcher), for hosts that
    /// report coverage; the others ignore it.
    Trace(Trace),
}

/// Which branch a state took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trace {
    /// A Choice state followed rule `rule` (an index into its rules), or `Default` when `None`.
    Choice {
        state: crate::asl::model::StateId,
        rule: Option<usize>,
    },
    /// A failure of `state` was caught by its Catcher number `catcher`.
    Caught {
        state: crate::asl::model::StateId,
        catcher: usize,
    },
}

/// One call of a Task's resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invocation {
    pub task: WaitId,
    pub state_name: String,
    pub resource: Resource,
    /// The effective input: what the resource receives.
    pub payload: Value,
    /// The task token, for `.waitForTaskToken` and activities.
    pub token: Option<String>,
    /// `$$.State.RetryCount` of this attempt.
    pub retry_count: u32,
    /// The Map iteration index this task runs in, if any.
    pub map_index: Option<usize>,
    /// How many times this Task state was invoked before in this execution (0 first).
    pub invocation: u64,
    /// The Task's `TimeoutSeconds` (resolved from `TimeoutSecondsPath` or JSONata): handlers
    /// stop their work by then (the engine's own timer ends the task at the same time).
    /// Invocations are stored in outbox rows, so older rows read as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}
