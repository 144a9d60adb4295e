//! Runs one execution to its end inside this process: performs invocations through a `Router`,
//! fires timers by a `Clock`, and collects the history.

use crate::asl::Machine;
use crate::engine::failure::TIMEOUT;
use crate::engine::probe::Probe;
use crate::engine::{Effect, Event, Execution, ExecutionInfo, HistoryEvent, Status, Trace, WaitId};
use crate::integrations::{Reply, Router};
use crate::runtime::clock::Clock;
use std::collections::{BTreeSet, VecDeque};

pub struct Finished {
    pub status: Status,
    /// The history, unless the run was asked not to keep it (`run_counting`).
    pub history: Vec<HistoryEvent>,
    /// How many history events the execution recorded (kept or not).
    pub events: u64,
    /// The Choice rules and Catchers taken, in order (for coverage).
    pub trace: Vec<Trace>,
    /// The run was stopped at its deadline (`run_until`); `status` is then `Aborted`.
    pub out_of_time: bool,
}

/// Drives `machine` from start to a closed status.
pub fn run(
    machine: &Machine,
    info: ExecutionInfo,
    seed: [u8; 32],
    router: &mut Router,
    clock: &dyn Clock,
) -> Finished {
    run_until(machine, info, seed, router, clock, None)
}

/// `run` without the history (`Finished::history` is empty, `events` counts it): for a caller
/// that shows it only when asked (`stepwise run` without `--history`). The engine then builds
/// no events, so no document is kept alive or copied for them.
pub fn run_counting(
    machine: &Machine,
    info: ExecutionInfo,
    seed: [u8; 32],
    router: &mut Router,
    clock: &dyn Clock,
) -> Finished {
    drive(machine, info, seed, None, router, clock, None, false).0
}

/// Drives `machine` to a closed status, or until `deadline_ms` (by `clock`): then the execution
/// is stopped (`States.Timeout`) wherever it is. Commands the router runs are not interrupted
/// by this deadline: give them one of their own (`HandlerConfig::router_until`).
pub fn run_until(
    machine: &Machine,
    info: ExecutionInfo,
    seed: [u8; 32],
    router: &mut Router,
    clock: &dyn Clock,
    deadline_ms: Option<i64>,
) -> Finished {
    run_probed(machine, info, seed, None, router, clock, deadline_ms).0
}

/// `run_until` with TestState's probe (`engine/probe.rs`), returned filled in at the end.
pub fn run_probed(
    machine: &Machine,
    info: ExecutionInfo,
    seed: [u8; 32],
    probe: Option<Box<Probe>>,
    router: &mut Router,
    clock: &dyn Clock,
    deadline_ms: Option<i64>,
) -> (Finished, Option<Box<Probe>>) {
    drive(machine, info, seed, probe, router, clock, deadline_ms, true)
}

#[allow(clippy::too_many_arguments)]
fn drive(
    machine: &Machine,
    info: ExecutionInfo,
    seed: [u8; 32],
    probe: Option<Box<Probe>>,
    router: &mut Router,
    clock: &dyn Clock,
    deadline_ms: Option<i64>,
    keep_history: bool,
) -> (Finished, Option<Box<Probe>>) {
    let (mut exec, effects) = if keep_history {
        Execution::start_probed(machine, info, seed, probe)
    } else {
        Execution::start_unrecorded(machine, info, seed)
    };
    let mut driver = Driver {
        history: Vec::new(),
        trace: Vec::new(),
        events: VecDeque::new(),
        timers: BTreeSet::new(),
        pending: Vec::new(),
        real_time: !clock.is_virtual(),
    };
    let mut out_of_time = false;
    driver.perform(effects, router, clock, &exec.info);
    while !exec.is_finished() {
        if let Some(d) = deadline_ms {
            if clock.now_ms() >= d {
                out_of_time = true;
                let stop = Event::Stop {
                    error: Some(TIMEOUT.into()),
                    cause: Some(OUT_OF_TIME.into()),
                };
                let effects = exec.step(machine, clock.now_ms(), stop);
                driver.perform(effects, router, clock, &exec.info);
                break;
            }
            if driver.next_at(clock).is_some_and(|at| at > d) {
                clock.wait_until(d);
                continue;
            }
        }
        let event = driver.next_event(clock);
        let effects = exec.step(machine, clock.now_ms(), event);
        driver.perform(effects, router, clock, &exec.info);
    }
    let finished = Finished {
        events: exec.event_count(),
        status: exec.status,
        history: driver.history,
        trace: driver.trace,
        out_of_time,
    };
    (finished, exec.probe)
}

/// A Map Run's items in process: a mock (or `--task`) of the Map state answers its ItemReader
/// call — the items themselves, or S3's answer — else S3 itself through the S3 client
/// (`states:readItems`).
fn read_items(
    inv: &crate::engine::Invocation,
    reader: &serde_json::Value,
    batcher: Option<&serde_json::Value>,
    router: &mut Router,
) -> Result<Vec<serde_json::Value>, String> {
    use crate::asl::model::{Pattern, Resource, ResourceKind};
    use crate::integrations::map_run::parse_items;
    use serde_json::{Value, json};
    let service = |arn: &str, service: &str, action: &str| Resource {
        arn: arn.to_string(),
        kind: ResourceKind::Service {
            service: service.into(),
            action: action.into(),
        },
        pattern: Pattern::RequestResponse,
    };
    let resource = reader["Resource"].as_str().unwrap_or_default();
    let action = resource.rsplit(':').next().unwrap_or("getObject");
    let asked = crate::engine::Invocation {
        resource: service(resource, "s3", action),
        payload: reader["Parameters"].clone(),
        ..inv.clone()
    };
    let batched = |answer: Value, action: &str, config: &Value| {
        parse_items(&json!({"Answer": answer, "Action": action,
            "ReaderConfig": config, "ItemBatcher": batcher}))
    };
    match router.invoke(&asked) {
        // The items themselves: read as a JSON array, whatever the object's type.
        Reply::Succeeded(Value::Array(items)) => {
            let mut config = reader["ReaderConfig"].clone();
            if let Some(c) = config.as_object_mut() {
                c.insert("InputType".into(), json!("JSON"));
            }
            let body = json!({"Body": Value::Array(items).to_string()});
            batched(body, "getObject", &config)
        }
        Reply::Succeeded(answer) => batched(answer, action, &reader["ReaderConfig"]),
        Reply::Failed { error, cause } => Err(format!(
            "{}: {}",
            error.unwrap_or_default(),
            cause.unwrap_or_default()
        )),
        _ => {
            let read = crate::engine::Invocation {
                resource: service("arn:aws:states:::states:readItems", "states", "readItems"),
                payload: json!({"Reader": reader, "ItemBatcher": batcher}),
                ..inv.clone()
            };
            match router.invoke(&read) {
                Reply::Succeeded(Value::Array(items)) => Ok(items),
                Reply::Failed { cause, .. } => Err(cause.unwrap_or_default()),
                Reply::NotRunnable(why) => Err(why),
                _ => Err("the items could not be read".into()),
            }
        }
    }
}

/// A Map Run child's seed, derived from its parent's ARN and its index, so that a run repeats.
fn child_seed(parent: &str, index: usize) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(parent.as_bytes());
    h.update(index.to_le_bytes());
    h.finalize().into()
}

/// `arn:aws:states:R:ACCOUNT:stateMachine:N` → `ACCOUNT`.
fn account_of(machine_arn: &str) -> String {
    machine_arn
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or(crate::arn::DEFAULT_ACCOUNT)
        .to_string()
}

/// The cause of a run stopped at its deadline.
pub const OUT_OF_TIME: &str = "The execution ran out of time and was stopped.";

struct Driver {
    history: Vec<HistoryEvent>,
    trace: Vec<Trace>,
    /// Replies, with when they arrived.
    events: VecDeque<(i64, Event)>,
    timers: BTreeSet<(i64, WaitId)>,
    /// Tasks waiting for a callback nobody can send in a local run.
    pending: Vec<(WaitId, String)>,
    /// On the system clock, a reply that took long arrives after timers that came due while
    /// the handler ran (the Task's own timeout): those fire first, as they would have.
    real_time: bool,
}

impl Driver {
    /// When the next thing happens: an event now (`clock`'s now), or the first timer.
    fn next_at(&self, clock: &dyn Clock) -> Option<i64> {
        match self.events.front() {
            Some(_) => Some(clock.now_ms()),
            None => self.timers.first().map(|(due, _)| *due),
        }
    }

    /// The next event in time order, waiting for a timer if nothing else is left.
    fn next_event(&mut self, clock: &dyn Clock) -> Event {
        let timer_first = match (self.timers.first(), self.events.front()) {
            (Some((due, _)), Some((arrived, _))) => self.real_time && due <= arrived,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if timer_first && let Some((due, timer)) = self.timers.pop_first() {
            clock.wait_until(due);
            return Event::TimerFired { timer };
        }
        match self.events.pop_front() {
            Some((_, e)) => e,
            None => self.stuck(),
        }
    }

    fn perform(
        &mut self,
        effects: Vec<Effect>,
        router: &mut Router,
        clock: &dyn Clock,
        info: &ExecutionInfo,
    ) {
        for effect in effects {
            match effect {
                Effect::History(h) => self.history.push(h),
                Effect::ArmTimer { timer, due_ms } => {
                    self.timers.insert((due_ms, timer));
                }
                Effect::Invoke(inv) => {
                    let task = inv.task;
                    // A Map Run is the runtime's own work, whichever handlers there are.
                    let reply = if inv.resource.arn == crate::engine::states::map_run::RESOURCE {
                        let request = crate::integrations::map_run::Request::read(&inv.payload);
                        Reply::StepFunctions(Box::new(crate::integrations::states::Call::MapRun(
                            Box::new(request),
                        )))
                    } else {
                        router.invoke(&inv)
                    };
                    let at = clock.now_ms();
                    match reply {
                        Reply::Succeeded(output) => self
                            .events
                            .push_back((at, Event::TaskSucceeded { task, output })),
                        Reply::Failed { error, cause } => self
                            .events
                            .push_back((at, Event::TaskFailed { task, error, cause })),
                        Reply::NotRunnable(cause) => self
                            .events
                            .push_back((at, Event::TaskNotRunnable { task, cause })),
                        Reply::Pending(output) => {
                            self.events
                                .push_back((at, Event::TaskSubmitted { task, output }));
                            self.pending.push((task, inv.state_name.clone()));
                        }
                        Reply::Scheduled => self.pending.push((task, inv.state_name.clone())),
                        Reply::StepFunctions(call)
                            if matches!(*call, crate::integrations::states::Call::MapRun(_)) =>
                        {
                            let crate::integrations::states::Call::MapRun(req) = *call else {
                                unreachable!("matched above")
                            };
                            let (submitted, outcome) = self.map_run(&inv, &req, router, clock, info);
                            self.events
                                .push_back((at, Event::TaskSubmitted { task, output: submitted }));
                            let at = clock.now_ms();
                            self.events.push_back((
                                at,
                                match outcome {
                                    Ok(output) => Event::TaskSucceeded { task, output },
                                    Err((error, cause)) => Event::TaskFailed {
                                        task,
                                        error: Some(error),
                                        cause: Some(cause),
                                    },
                                },
                            ));
                        }
                        Reply::StepFunctions(_) => self.events.push_back((
                            at,
                            Event::TaskNotRunnable {
                                task,
                                cause: format!(
                                    "Task state '{}' calls Step Functions itself ({}), which needs a store to run child executions in: run it with `stepwise run` (it keeps them in memory) or with --db PATH, or mock the state with --mock-config.",
                                    inv.state_name, inv.resource.arn
                                ),
                            },
                        )),
                    }
                }
                Effect::CancelTask { task } => self.pending.retain(|(t, _)| *t != task),
                Effect::Finished(_) => {}
                Effect::Trace(t) => self.trace.push(t),
            }
        }
    }

    /// A Distributed Map's Map Run in this process: each item's child execution of the item
    /// processor runs to its end, one after the other; the results in item order, or the run's
    /// failure (`Err((error, cause))`). Items an ItemReader would read need a store-backed run.
    fn map_run(
        &mut self,
        inv: &crate::engine::Invocation,
        req: &crate::integrations::map_run::Request,
        router: &mut Router,
        clock: &dyn Clock,
        info: &ExecutionInfo,
    ) -> (
        serde_json::Value,
        Result<serde_json::Value, (String, String)>,
    ) {
        let child_machine = req.child_machine_name(&info.state_machine_name);
        let (region, account) = (info.region.clone(), account_of(&info.state_machine_arn));
        let run_id = format!("{:016x}-{}", info.start_ms, inv.invocation);
        let arn = format!("arn:aws:states:{region}:{account}:mapRun:{child_machine}:{run_id}");
        let submitted = serde_json::json!({"MapRunArn": arn});
        let failed = |cause: String| {
            (
                submitted.clone(),
                Err(("States.Runtime".to_string(), cause)),
            )
        };
        let read;
        let items = match (&req.items, &req.reader) {
            (Some(items), _) => items,
            (None, Some(reader)) => match read_items(inv, reader, req.batcher.as_ref(), router) {
                Ok(items) => {
                    read = items;
                    &read
                }
                Err(cause) => {
                    return (
                        submitted,
                        Err(("States.ItemReaderFailed".to_string(), cause)),
                    );
                }
            },
            (None, None) => &Vec::new(),
        };
        if req.writer.is_some() {
            return failed(format!(
                "The Map state '{}' writes its results with a ResultWriter, which an in-memory test run cannot do: run the machine with `stepwise run`.",
                inv.state_name
            ));
        }
        let machine = match crate::asl::load(&req.definition) {
            Ok(m) => m,
            Err(d) => {
                let problems: Vec<String> = d.iter().map(|d| d.message.clone()).collect();
                return failed(format!(
                    "the item processor of Map state '{}' does not load: {}",
                    inv.state_name,
                    problems.join("; ")
                ));
            }
        };
        let (mut results, mut failures) = (Vec::with_capacity(items.len()), 0usize);
        for (index, item) in items.iter().enumerate() {
            let name = format!("{run_id}-{index}");
            let child = ExecutionInfo {
                execution_arn: crate::arn::execution(&region, &account, &child_machine, &name),
                name,
                state_machine_arn: crate::arn::state_machine(&region, &account, &child_machine),
                state_machine_name: child_machine.clone(),
                role_arn: info.role_arn.clone(),
                region: region.clone(),
                start_ms: clock.now_ms(),
                input: item.clone(),
            };
            let seed = child_seed(&info.execution_arn, index);
            let done = run(&machine, child, seed, router, clock);
            match done.status {
                Status::Succeeded { output } => results.push(output),
                Status::Failed { error, cause }
                | Status::TimedOut { error, cause }
                | Status::Aborted { error, cause } => {
                    failures += 1;
                    // Without limits any failure fails the run; with both, either one does.
                    let count = req
                        .tolerated_count
                        .or(req.tolerated_percentage.is_none().then_some(0));
                    let over_count = count.is_some_and(|n| failures as u64 > n);
                    let pct = failures as f64 * 100.0 / items.len().max(1) as f64;
                    let over_pct = req.tolerated_percentage.is_some_and(|p| pct > p);
                    if over_count || over_pct {
                        return (
                            submitted,
                            Err((
                                crate::engine::states::join_tolerance_exceeded().into(),
                                "The specified tolerated failure threshold was exceeded".into(),
                            )),
                        );
                    }
                    results.push(serde_json::json!({"Error": error, "Cause": cause}));
                }
                Status::Running => {}
            }
        }
        (submitted, Ok(serde_json::Value::Array(results)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::clock::VirtualClock;
    use serde_json::json;

    fn info() -> ExecutionInfo {
        ExecutionInfo {
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:W:1".into(),
            name: "1".into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:W".into(),
            state_machine_name: "W".into(),
            role_arn: "arn:aws:iam::123456789012:role/demo".into(),
            region: "us-east-1".into(),
            start_ms: 0,
            input: json!({}),
        }
    }

    fn wait(seconds: u64) -> Machine {
        let definition = json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": seconds, "End": true}}});
        crate::asl::load(&definition.to_string()).expect("a valid machine")
    }

    /// A run stops at its deadline, not at its next timer; one that ends sooner is not touched.
    #[test]
    fn a_deadline_stops_the_run_where_it_is() {
        let clock = VirtualClock::new(0);
        let done = run_until(
            &wait(60),
            info(),
            [0; 32],
            &mut Router::default(),
            &clock,
            Some(10_000),
        );
        assert!(done.out_of_time);
        assert_eq!(clock.now_ms(), 10_000);
        assert!(
            matches!(done.status, Status::Aborted { ref error, .. } if error.as_deref() == Some(TIMEOUT))
        );
        let clock = VirtualClock::new(0);
        let done = run_until(
            &wait(5),
            info(),
            [0; 32],
            &mut Router::default(),
            &clock,
            Some(10_000),
        );
        assert!(!done.out_of_time);
        assert!(matches!(done.status, Status::Succeeded { .. }));
    }
}
