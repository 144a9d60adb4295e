//! The executor as a function: `Execution::start` and `Execution::step` take the current state
//! and one event, change the state, and return the effects the host must perform.
//!
//! Nothing here reads a clock, touches a file or the network, or awaits: "now" arrives with each
//! call, randomness comes from the execution's seed. That makes executions durable (store the
//! `Execution`, replay the events), testable with a manual clock, and fast.

pub mod event;
pub mod execution;
pub mod failure;
pub mod history;
pub mod io;
pub mod jsonata;
pub mod probe;
pub mod rng;
pub mod run;
pub mod scope;
pub mod states;

pub use event::{CallbackOutcome, Effect, Event, Invocation, Trace, WaitId};
pub use execution::{Execution, ExecutionInfo, Status};
pub use failure::Failure;
pub use history::HistoryEvent;

use crate::asl::model::Machine;
use execution::Waiting;
use history::{Details, OtherDetails};
use rng::Rng;
use run::{Ctx, Step, Work};
use std::collections::BTreeMap;

impl Execution {
    /// Starts an execution: `ExecutionStarted`, then the first state, as far as it can go
    /// without waiting. `seed` must be secret random bytes (task tokens derive from it).
    pub fn start(
        machine: &Machine,
        info: ExecutionInfo,
        seed: [u8; 32],
    ) -> (Execution, Vec<Effect>) {
        Self::start_probed(machine, info, seed, None)
    }

    /// `start` with TestState's probe (`probe.rs`): its context and variables apply from the
    /// first state on, and the pipeline's values are recorded into it.
    pub fn start_probed(
        machine: &Machine,
        info: ExecutionInfo,
        seed: [u8; 32],
        probe: Option<Box<probe::Probe>>,
    ) -> (Execution, Vec<Effect>) {
        Self::begin(machine, info, seed, probe, true)
    }

    /// `start` for a host that shows no history (`stepwise run` without `--history`): the
    /// effects carry no `Effect::History`; `event_count` still counts every event, and the
    /// 25,000-event limit holds as when they are recorded.
    pub fn start_unrecorded(
        machine: &Machine,
        info: ExecutionInfo,
        seed: [u8; 32],
    ) -> (Execution, Vec<Effect>) {
        Self::begin(machine, info, seed, None, false)
    }

    fn begin(
        machine: &Machine,
        info: ExecutionInfo,
        seed: [u8; 32],
        probe: Option<Box<probe::Probe>>,
        records_history: bool,
    ) -> (Execution, Vec<Effect>) {
        let now = info.start_ms;
        let mut x = Execution {
            info,
            status: Status::Running,
            frames: Vec::new(),
            waits: BTreeMap::new(),
            next_wait: 0,
            next_event_id: 1,
            execution_timer: None,
            rng: Rng::new(seed),
            now,
            invocations: BTreeMap::new(),
            redrive_from: None,
            redrive_count: 0,
            probe,
            records_history,
        };
        let mut ctx = Ctx::new(machine, &mut x);
        let input = std::sync::Arc::new(ctx.x.info.input.clone());
        let role_arn = ctx.x.info.role_arn.clone();
        ctx.emit(
            "ExecutionStarted",
            Details::ExecutionStarted {
                input: input.clone(),
                role_arn,
            },
        );
        if let Some(secs) = machine.timeout_seconds {
            let timer = ctx.x.next_wait_id();
            ctx.x.execution_timer = Some(timer);
            ctx.effects.push(Effect::ArmTimer {
                timer,
                due_ms: now + secs as i64 * 1000,
            });
        }
        let fid = ctx.spawn(machine.blocks[0].start, input, None, None);
        if let Some(p) = &ctx.x.probe {
            let variables = p.variables.clone();
            ctx.x.frame_mut(fid).variables.extend(variables);
        }
        ctx.work.push(Work::Run(fid));
        ctx.drain();
        let effects = ctx.effects;
        (x, effects)
    }

    /// Applies one event that happened at `at_ms` (epoch milliseconds). Events for tasks or
    /// timers the execution no longer waits for are ignored.
    pub fn step(&mut self, machine: &Machine, at_ms: i64, event: Event) -> Vec<Effect> {
        if self.is_finished() {
            return Vec::new();
        }
        self.now = self.now.max(at_ms);
        let mut ctx = Ctx::new(machine, self);
        dispatch(&mut ctx, event);
        ctx.drain();
        ctx.effects
    }

    /// `RedriveExecution`: a failed, timed-out or aborted execution continues from the
    /// top-level state that was running when it ended, with the input and variables it had
    /// (`ExecutionRedriven`). `Err` (why) when it cannot be redriven.
    pub fn redrive(&mut self, machine: &Machine, at_ms: i64) -> Result<Vec<Effect>, String> {
        if !self.is_finished() || matches!(self.status, Status::Succeeded { .. }) {
            return Err(format!(
                "Execution is {} and cannot be redriven",
                self.status.name()
            ));
        }
        let point = self
            .redrive_from
            .take()
            .ok_or("the execution ended before any state ran, so there is nothing to redrive")?;
        self.now = self.now.max(at_ms);
        self.status = Status::Running;
        self.redrive_count += 1;
        let mut ctx = Ctx::new(machine, self);
        let count = ctx.x.redrive_count;
        ctx.emit("ExecutionRedriven", OtherDetails::Redriven { count });
        if let Some(secs) = machine.timeout_seconds {
            let timer = ctx.x.next_wait_id();
            ctx.x.execution_timer = Some(timer);
            let due_ms = ctx.x.now + secs as i64 * 1000;
            ctx.effects.push(Effect::ArmTimer { timer, due_ms });
        }
        let fid = ctx.spawn(point.state, point.input, None, None);
        ctx.x.frame_mut(fid).variables = point.variables;
        ctx.work.push(Work::Run(fid));
        ctx.drain();
        Ok(ctx.effects)
    }

    /// The task ids the execution currently waits on, with their tokens.
    pub fn open_tasks(&self) -> Vec<(WaitId, Option<&str>)> {
        self.frames
            .iter()
            .flatten()
            .filter_map(|f| match &f.wait {
                Waiting::Task(t) => Some((t.task, f.token.as_deref())),
                _ => None,
            })
            .collect()
    }
}

fn dispatch(ctx: &mut Ctx, event: Event) {
    match event {
        Event::Stop { error, cause } => stop(ctx, error, cause),
        Event::UpdateLimits {
            max_concurrency,
            tolerated_count,
            tolerated_percentage,
        } => {
            for fid in 0..ctx.x.frames.len() {
                let Some(Some(frame)) = ctx.x.frames.get_mut(fid) else {
                    continue;
                };
                if let Waiting::Children(join) = &mut frame.wait {
                    if let Some(n) = max_concurrency {
                        join.max_concurrency = n.min(usize::MAX as u64) as usize;
                    }
                    if tolerated_count.is_some() {
                        join.tolerated_count = tolerated_count;
                    }
                    if tolerated_percentage.is_some() {
                        join.tolerated_percentage = tolerated_percentage;
                    }
                    // More may start now.
                    ctx.work.push(Work::Pump(fid));
                }
            }
        }
        Event::TimerFired { timer } if ctx.x.execution_timer == Some(timer) => time_out(ctx),
        Event::TimerFired { timer } => timer_fired(ctx, timer),
        Event::TaskSubmitted { task, output } => {
            if let Some(fid) = task_frame(ctx, task) {
                if is_map_run(ctx, fid) {
                    states::map_run::submitted(ctx, &output);
                } else {
                    states::task::submitted(ctx, fid, output);
                }
                let early = match &mut ctx.x.frame_mut(fid).wait {
                    Waiting::Task(t) => {
                        t.submitted = true;
                        t.early.take()
                    }
                    _ => None,
                };
                if let Some(outcome) = early {
                    answer(ctx, fid, outcome);
                }
            }
        }
        Event::Callback { task, outcome } => {
            if let Some(fid) = task_frame(ctx, task) {
                match &mut ctx.x.frame_mut(fid).wait {
                    Waiting::Task(t) if !t.submitted => {
                        // The first answer counts, as for any callback.
                        t.early.get_or_insert(outcome);
                    }
                    _ => answer(ctx, fid, outcome),
                }
            }
        }
        Event::TaskSucceeded { task, output } => {
            if let Some(fid) = task_frame(ctx, task) {
                answer(ctx, fid, CallbackOutcome::Success(output));
            }
        }
        Event::TaskFailed { task, error, cause } => {
            if let Some(fid) = task_frame(ctx, task) {
                answer(ctx, fid, CallbackOutcome::Failure { error, cause });
            }
        }
        Event::TaskNotRunnable { task, cause } => {
            if let Some(fid) = task_frame(ctx, task) {
                let here = ctx.here(fid);
                ctx.work
                    .push(Work::Step(fid, Step::Fail(here.runtime(cause))));
            }
        }
        Event::TaskHeartbeat { task } => {
            if let Some(fid) = task_frame(ctx, task) {
                states::task::heartbeat(ctx, fid);
            }
        }
        Event::ActivityStarted { task, worker_name } => {
            if let Some(fid) = task_frame(ctx, task) {
                states::task::activity_started(ctx, fid, worker_name);
            }
        }
    }
}

/// A task's outcome (its resource's answer or a callback), as the task's result; a Map Run's
/// as the Map's.
fn answer(ctx: &mut Ctx, fid: execution::FrameId, outcome: CallbackOutcome) {
    let map_run = is_map_run(ctx, fid);
    let step = match outcome {
        CallbackOutcome::Success(output) if map_run => states::map_run::succeeded(ctx, fid, output),
        CallbackOutcome::Success(output) => states::task::succeeded(ctx, fid, output),
        CallbackOutcome::Failure { error, cause } if map_run => {
            states::map_run::failed(ctx, fid, error, cause)
        }
        CallbackOutcome::Failure { error, cause } => states::task::failed(ctx, fid, error, cause),
    };
    ctx.work.push(Work::Step(fid, step));
}

/// Whether the frame's task is a Distributed Map's Map Run.
fn is_map_run(ctx: &Ctx, fid: execution::FrameId) -> bool {
    matches!(ctx.state_of(fid).kind, crate::asl::model::Kind::Map(_))
}

/// The frame waiting on `task` as its task (not as a timer).
fn task_frame(ctx: &Ctx, task: WaitId) -> Option<execution::FrameId> {
    let fid = *ctx.x.waits.get(&task)?;
    match &ctx.x.frames.get(fid)?.as_ref()?.wait {
        Waiting::Task(t) if t.task == task => Some(fid),
        _ => None,
    }
}

fn timer_fired(ctx: &mut Ctx, timer: WaitId) {
    let Some(fid) = ctx.x.waits.remove(&timer) else {
        return;
    };
    let Some(frame) = ctx.x.frames.get(fid).and_then(Option::as_ref) else {
        return;
    };
    let step = match &frame.wait {
        Waiting::Wait { timer: t } if *t == timer => states::wait::resume(ctx, fid),
        Waiting::Backoff { timer: t } if *t == timer => {
            ctx.x.frame_mut(fid).wait = Waiting::Ready;
            states::execute(ctx, fid)
        }
        Waiting::Task(t) if t.timeout_timer == Some(timer) || t.heartbeat_timer == Some(timer) => {
            states::task::timed_out(ctx, fid)
        }
        _ => return,
    };
    ctx.work.push(Work::Step(fid, step));
}

fn time_out(ctx: &mut Ctx) {
    let error = Some(failure::TIMEOUT.to_string());
    ctx.emit(
        "ExecutionTimedOut",
        OtherDetails::Error {
            key: "executionTimedOutEventDetails",
            error: error.clone(),
            cause: None,
            resource: None,
        },
    );
    ctx.close(Status::TimedOut { error, cause: None });
}

fn stop(ctx: &mut Ctx, error: Option<String>, cause: Option<String>) {
    // AWS records ExecutionAborted with previousEventId 0.
    let details = OtherDetails::Error {
        key: "executionAbortedEventDetails",
        error: error.clone(),
        cause: cause.clone(),
        resource: None,
    };
    ctx.emit_after("ExecutionAborted", details, 0);
    ctx.close(Status::Aborted { error, cause });
}
