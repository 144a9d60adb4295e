//! Runs one planned case in memory, in virtual time, with its mocks in front of the other
//! handlers, and checks its expectations.

use super::expect::{Expect, Observed};
use crate::arn;
use crate::asl::Machine;
use crate::engine::history::Details;
use crate::engine::{ExecutionInfo, HistoryEvent, Status, Trace};
use crate::integrations::Router;
use crate::integrations::mock::Mocks;
use crate::runtime::clock::VirtualClock;
use crate::runtime::config::HandlerConfig;
use crate::store::queue::QueueStore;
use serde_json::Value;
use std::sync::Arc;

/// A valid definition, loaded once for all the cases that use it.
#[derive(Debug)]
pub struct Definition {
    /// As shown to the user.
    pub path: String,
    pub machine: Machine,
}

/// A case ready to run: everything it names has been read and checked.
#[derive(Debug, Clone)]
pub struct Case {
    pub definition: Arc<Definition>,
    pub state_machine: String,
    pub execution_name: String,
    pub role_arn: Option<String>,
    pub start_ms: i64,
    pub input: Value,
    pub mocks: Mocks,
    pub expect: Expect,
    /// Derived from the case's name, so that `$random`, `States.UUID` and friends repeat.
    pub seed: [u8; 32],
}

/// What one run did.
pub struct Outcome {
    pub status: Status,
    pub history: Vec<HistoryEvent>,
    pub trace: Vec<Trace>,
    /// Every expectation that did not hold (empty: passed).
    pub problems: Vec<String>,
}

/// The handlers behind the mocks (`--task`, `--lambda`, endpoints), and the embedded queue
/// unmocked `sqs:` tasks send to.
pub struct Handlers {
    pub config: HandlerConfig,
    pub queues: Arc<dyn QueueStore + Send + Sync>,
}

impl Handlers {
    fn router(&self, mocks: &Mocks) -> Result<Router, String> {
        let mut router = Router::default();
        router.push(Box::new(mocks.clone()));
        router.extend(self.config.router(Some(self.queues.clone()))?);
        Ok(router)
    }
}

/// Runs `case` to its end and checks it. `Err` only when the handlers cannot be set up.
pub fn run(
    case: &Case,
    handlers: &Handlers,
    region: &str,
    account: &str,
) -> Result<Outcome, String> {
    let mut router = handlers.router(&case.mocks)?;
    let sm = &case.state_machine;
    let info = ExecutionInfo {
        execution_arn: arn::execution(region, account, sm, &case.execution_name),
        name: case.execution_name.clone(),
        state_machine_arn: arn::state_machine(region, account, sm),
        state_machine_name: sm.clone(),
        role_arn: case.role_arn.clone().unwrap_or_else(|| arn::role(account)),
        region: region.to_string(),
        start_ms: case.start_ms,
        input: case.input.clone(),
    };
    let machine = &case.definition.machine;
    let clock = VirtualClock::new(case.start_ms);
    let done = crate::runtime::local::run(machine, info, case.seed, &mut router, &clock);
    let states = entered(&done.history);
    let problems = case.expect.check(&Observed {
        status: &done.status,
        states: &states,
    });
    Ok(Outcome {
        status: done.status,
        history: done.history,
        trace: done.trace,
        problems,
    })
}

/// The states entered, in history order.
pub fn entered(history: &[HistoryEvent]) -> Vec<String> {
    history
        .iter()
        .filter_map(|e| match &e.details {
            Details::StateEntered { name, .. } => Some(name.to_string()),
            _ => None,
        })
        .collect()
}

/// A seed that depends only on the case's place, so that reruns give the same values.
pub fn seed_for(file: &str, case: &str) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(file.as_bytes());
    h.update([0]);
    h.update(case.as_bytes());
    h.finalize().into()
}
