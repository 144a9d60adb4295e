//! The state of one execution: its frames (one per running scope), waits and counters.

use crate::asl::model::StateId;
use crate::engine::event::WaitId;
use crate::engine::rng::Rng;
use crate::status::ExecutionStatus;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A JSON document shared between a frame and the history events that show it.
pub type Doc = Arc<Value>;

/// Who is running what: names and ARNs of the execution and its state machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutionInfo {
    pub execution_arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub role_arn: String,
    pub region: String,
    /// Epoch milliseconds.
    pub start_ms: i64,
    pub input: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status")]
pub enum Status {
    Running,
    Succeeded {
        output: Value,
    },
    Failed {
        error: Option<String>,
        cause: Option<String>,
    },
    TimedOut {
        error: Option<String>,
        cause: Option<String>,
    },
    Aborted {
        error: Option<String>,
        cause: Option<String>,
    },
}

impl Status {
    /// Which status, without what it carries.
    pub fn kind(&self) -> ExecutionStatus {
        match self {
            Status::Running => ExecutionStatus::Running,
            Status::Succeeded { .. } => ExecutionStatus::Succeeded,
            Status::Failed { .. } => ExecutionStatus::Failed,
            Status::TimedOut { .. } => ExecutionStatus::TimedOut,
            Status::Aborted { .. } => ExecutionStatus::Aborted,
        }
    }

    /// AWS's name for the status (`RUNNING`, `SUCCEEDED`, ...).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

pub type FrameId = usize;

/// One thread of control: the top level, a Parallel branch or a Map iteration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Frame {
    pub state: StateId,
    /// The raw input of the current state.
    pub input: Doc,
    /// Id of the current state's `*StateEntered` event (quoted in runtime error causes).
    pub entered_id: u64,
    pub entered_ms: i64,
    /// `$$.State.RetryCount`.
    pub retry_count: u32,
    /// Attempts used per retrier of the current state (reset when the state is left).
    pub attempts: Vec<u64>,
    pub wait: Waiting,
    pub parent: Option<(FrameId, usize)>,
    /// The Map iteration index when this frame is one.
    pub map_index: Option<usize>,
    /// Set while the current Task waits for a callback: `$$.Task.Token`.
    pub token: Option<String>,
    /// Variables assigned in this frame's `States` block (a Parallel branch or Map iteration
    /// has its own; reads fall back to the enclosing frames').
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub variables: Map<String, Value>,
    /// A Distributed Map iteration: variable reads stop here (AWS runs it as a child
    /// execution, which does not see the Map's variables).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub isolated: bool,
    /// The current state's `Assign`, evaluated and applied when it exits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned: Option<Map<String, Value>>,
}

/// What a frame is waiting for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Waiting {
    /// Ready to execute its current state (fresh, or after a retry delay).
    Ready,
    /// A Wait state's timer.
    Wait {
        timer: WaitId,
    },
    /// A retry back-off timer; the state re-runs when it fires.
    Backoff {
        timer: WaitId,
    },
    Task(TaskWait),
    Children(Box<Join>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskWait {
    pub task: WaitId,
    pub timeout_timer: Option<WaitId>,
    pub heartbeat_timer: Option<WaitId>,
    pub heartbeat_seconds: Option<u64>,
    /// False while a callback task (token) has not been reported submitted by its resource.
    #[serde(default = "submitted_by_default")]
    pub submitted: bool,
    /// A callback that came before the submission report, applied right after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early: Option<crate::engine::event::CallbackOutcome>,
}

/// Executions stored before `submitted` existed took callbacks at once.
fn submitted_by_default() -> bool {
    true
}

/// A Parallel or Map state waiting for its branches or iterations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Join {
    /// Map: the items; Parallel: one input per branch (all the same).
    pub inputs: Vec<Doc>,
    /// The inputs are final (Parallel, or a batched Map): no ItemSelector on start.
    pub prepared: bool,
    /// Map: the effective input, for ItemSelector.
    pub effective_input: Doc,
    pub results: Vec<Option<Doc>>,
    pub running: BTreeMap<usize, FrameId>,
    pub next_index: usize,
    /// 0 = unlimited.
    pub max_concurrency: usize,
    pub failed: usize,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
}

/// The whole execution: the engine's only state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    pub info: ExecutionInfo,
    pub status: Status,
    pub(crate) frames: Vec<Option<Frame>>,
    /// Which frame waits on which task or timer.
    pub(crate) waits: BTreeMap<WaitId, FrameId>,
    pub(crate) next_wait: WaitId,
    pub(crate) next_event_id: u64,
    pub(crate) execution_timer: Option<WaitId>,
    pub(crate) rng: Rng,
    /// Time of the event being processed (epoch ms).
    pub(crate) now: i64,
    /// Invocations so far per Task state (Step Functions Local's mock counter: it spans
    /// retries, loops and Map iterations).
    #[serde(default)]
    pub(crate) invocations: BTreeMap<StateId, u64>,
    /// Where a redrive starts again: the top-level state that was running when the execution
    /// failed, timed out or was aborted (`RedriveExecution`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) redrive_from: Option<RedrivePoint>,
    /// How many times it was redriven.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redrive_count: u32,
    /// TestState's instruments (`probe.rs`); `None` for every ordinary execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<Box<crate::engine::probe::Probe>>,
    /// False when the host only needs to know how many history events there were
    /// (`Execution::start_unrecorded`): events are counted, ids and the 25,000-event limit kept,
    /// but none is built, so documents are not held for them. Never stored: an execution read
    /// back from a store records.
    #[serde(skip, default = "records_by_default")]
    pub(crate) records_history: bool,
}

fn records_by_default() -> bool {
    true
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The top-level state a redrive enters again, with the input it had and the variables then.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RedrivePoint {
    pub state: StateId,
    pub input: Doc,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub variables: Map<String, Value>,
}

impl Execution {
    pub fn is_finished(&self) -> bool {
        self.status != Status::Running
    }

    /// The time of the last event applied (epoch milliseconds).
    pub fn now_ms(&self) -> i64 {
        self.now
    }

    /// Number of history events emitted so far.
    pub fn event_count(&self) -> u64 {
        self.next_event_id - 1
    }

    pub(crate) fn frame(&self, id: FrameId) -> &Frame {
        self.frames[id]
            .as_ref()
            .expect("frame ids held by the engine always point at live frames")
    }

    pub(crate) fn frame_mut(&mut self, id: FrameId) -> &mut Frame {
        self.frames[id]
            .as_mut()
            .expect("frame ids held by the engine always point at live frames")
    }

    pub(crate) fn alloc_frame(&mut self, frame: Frame) -> FrameId {
        match self.frames.iter().position(Option::is_none) {
            Some(i) => {
                self.frames[i] = Some(frame);
                i
            }
            None => {
                self.frames.push(Some(frame));
                self.frames.len() - 1
            }
        }
    }

    pub(crate) fn next_wait_id(&mut self) -> WaitId {
        self.next_wait += 1;
        self.next_wait
    }
}

/// The variable `name` as the frame `fid` sees it: its own, else its enclosing frames'.
pub fn variable_in<'a>(frames: &'a [Option<Frame>], fid: FrameId, name: &str) -> Option<&'a Value> {
    let mut at = Some(fid);
    while let Some(f) = at {
        let frame = frames.get(f)?.as_ref()?;
        if let Some(v) = frame.variables.get(name) {
            return Some(v);
        }
        if frame.isolated {
            return None;
        }
        at = frame.parent.map(|(p, _)| p);
    }
    None
}
