//! What the TestState API needs from a run that an ordinary execution does not: a context
//! object given by the caller, variables set before the first state, and the value after each
//! step of a state's input/output pipeline (its `inspectionData`).
//!
//! An execution carries a probe only when started with `Execution::start_probed`; the engine
//! then records into it as it goes. It stays pure data: nothing here performs I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Probe {
    /// The context object's base: its `Execution` and `StateMachine` (and `State`, when given)
    /// are used verbatim instead of those built from `ExecutionInfo`.
    pub context: Option<Map<String, Value>>,
    /// Variables the first state's scope starts with.
    pub variables: Map<String, Value>,
    /// `(state name, stage, value)` in the order the engine produced them; stages are
    /// `afterInputPath`, `afterParameters`, `result`, `afterResultSelector`,
    /// `afterResultPath`, `maxConcurrency`, `toleratedFailureCount`,
    /// `toleratedFailurePercentage`.
    pub recorded: Vec<(String, String, Value)>,
}

impl Probe {
    /// The last value recorded for `state` at `stage`.
    pub fn value(&self, state: &str, stage: &str) -> Option<&Value> {
        self.recorded
            .iter()
            .rev()
            .find(|(s, g, _)| s == state && g == stage)
            .map(|(_, _, v)| v)
    }
}
