//! Runs one execution to its end inside this process: performs invocations through a `Router`,
//! fires timers by a `Clock`, and collects the history.

use crate::asl::Machine;
use crate::engine::{Effect, Event, Execution, ExecutionInfo, HistoryEvent, Status, Trace, WaitId};
use crate::integrations::{Reply, Router};
use crate::runtime::clock::Clock;
use std::collections::{BTreeSet, VecDeque};

pub struct Finished {
    pub status: Status,
    pub history: Vec<HistoryEvent>,
    /// The Choice rules and Catchers taken, in order (for coverage).
    pub trace: Vec<Trace>,
}

/// Drives `machine` from start to a closed status.
pub fn run(
    machine: &Machine,
    info: ExecutionInfo,
    seed: [u8; 32],
    router: &mut Router,
    clock: &dyn Clock,
) -> Finished {
    let (mut exec, effects) = Execution::start(machine, info, seed);
    let mut driver = Driver {
        history: Vec::new(),
        trace: Vec::new(),
        events: VecDeque::new(),
        timers: BTreeSet::new(),
        pending: Vec::new(),
    };
    driver.perform(effects, router);
    while !exec.is_finished() {
        let event = match driver.events.pop_front() {
            Some(e) => e,
            None => match driver.timers.pop_first() {
                Some((due, timer)) => {
                    clock.wait_until(due);
                    Event::TimerFired { timer }
                }
                None => driver.stuck(),
            },
        };
        let effects = exec.step(machine, clock.now_ms(), event);
        driver.perform(effects, router);
    }
    Finished {
        status: exec.status,
        history: driver.history,
        trace: driver.trace,
    }
}

struct Driver {
    history: Vec<HistoryEvent>,
    trace: Vec<Trace>,
    events: VecDeque<Event>,
    timers: BTreeSet<(i64, WaitId)>,
    /// Tasks waiting for a callback nobody can send in a local run.
    pending: Vec<(WaitId, String)>,
}

impl Driver {
    fn perform(&mut self, effects: Vec<Effect>, router: &mut Router) {
        for effect in effects {
            match effect {
                Effect::History(h) => self.history.push(h),
                Effect::ArmTimer { timer, due_ms } => {
                    self.timers.insert((due_ms, timer));
                }
                Effect::Invoke(inv) => {
                    let task = inv.task;
                    match router.invoke(&inv) {
                        Reply::Succeeded(output) => {
                            self.events.push_back(Event::TaskSucceeded { task, output })
                        }
                        Reply::Failed { error, cause } => self
                            .events
                            .push_back(Event::TaskFailed { task, error, cause }),
                        Reply::NotRunnable(cause) => self
                            .events
                            .push_back(Event::TaskNotRunnable { task, cause }),
                        Reply::Pending(output) => {
                            self.events.push_back(Event::TaskSubmitted { task, output });
                            self.pending.push((task, inv.state_name.clone()));
                        }
                        Reply::Scheduled => self.pending.push((task, inv.state_name.clone())),
                    }
                }
                Effect::CancelTask { task } => self.pending.retain(|(t, _)| *t != task),
                Effect::Finished(_) => {}
                Effect::Trace(t) => self.trace.push(t),
            }
        }
    }

    /// Nothing left to do but a callback that cannot come: fail that task with a clear cause.
    fn stuck(&mut self) -> Event {
        if self.pending.is_empty() {
            return Event::Stop {
                error: Some("States.Runtime".into()),
                cause: Some("The execution stalled: it waits for nothing that can happen. Please report this as a stepwise bug.".into()),
            };
        }
        let (task, state) = self.pending.remove(0);
        Event::TaskNotRunnable {
            task,
            cause: format!(
                "Task state '{state}' waits for a task token callback (SendTaskSuccess/SendTaskFailure), which an in-memory run cannot receive. Run it durably with --db PATH (or STEPWISE_DB) and answer from another shell with `stepwise task success --token TOKEN --output JSON`, or mock the state with --mock-config."
            ),
        }
    }
}
