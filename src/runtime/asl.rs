//! The ASL engine as a decider of the runtime shell (`decider.rs`): every engine step is
//! committed to the `Store` together with its history, timers, task tokens and the effects still
//! to perform (the outbox). Effects are performed only after their commit, at least once; the
//! engine ignores answers for tasks it no longer awaits, so a repeated delivery cannot move an
//! execution twice. Any process holding the store can continue any execution.

use crate::asl::Machine;
use crate::engine::{
    CallbackOutcome, Effect, Event, Execution, ExecutionInfo, Invocation, Status, WaitId,
};
use crate::integrations::{Reply, Router};
use crate::runtime::clock::SharedClock;
use crate::runtime::config::HandlerConfig;
use crate::runtime::decider::{self, Error, Result, timed_out};
use crate::runtime::effects::Pool;
use crate::runtime::wake::Wake;
use crate::store::{
    Commit, Decider, Error as StoreError, ExecutionRecord, ExecutionStatus, HistoryRow,
    OutboxRecord, Store, TimerRecord, TokenRecord,
};
use std::collections::HashMap;
use std::sync::Arc;

mod nested;

/// Handler caches beyond this many executions are dropped (a long-running worker must not grow).
const MAX_CACHED_ROUTERS: usize = 256;

/// An outbox payload.
#[derive(serde::Serialize, serde::Deserialize)]
enum Work {
    Invoke(Box<Invocation>),
    /// A child execution ended: the outcome of its parent's `.sync` task (`nested.rs`).
    Answer(Box<nested::Answer>),
}

/// What a step must check before it applies.
enum Guard {
    None,
    /// A callback: the task must still be awaited, else AWS answers `TaskTimedOut`.
    OpenTask(WaitId),
}

/// ASL executions stored in a `Store`: their machines and handlers, cached.
pub struct Asl {
    store: Arc<dyn Store>,
    clock: SharedClock,
    machines: super::bounded::Bounded<Arc<Machine>>,
    /// Handlers of executions, built from their rows: spares, taken while a job uses one.
    routers: HashMap<String, Vec<Router>>,
    /// Told when a commit leaves work for the drive loop.
    pub(super) wake: Arc<Wake>,
    /// Executions' rows the runtime read along with a callback's token or claimed effects:
    /// the next `apply` or `deliver` starts from them instead of reading them again (a commit
    /// since is a `Conflict`, retried from a fresh read).
    pub(super) prefetched: HashMap<String, ExecutionRecord>,
}

impl Asl {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock, wake: Arc<Wake>) -> Asl {
        Asl {
            store,
            clock,
            machines: super::bounded::Bounded::for_definitions(),
            routers: HashMap::new(),
            wake,
            prefetched: HashMap::new(),
        }
    }

    /// Wakes the drive loop when a commit left effects to perform or timers to arm — only then:
    /// most executions of Pass and Choice states end in their first commit and leave nothing to
    /// drive, and a wake-up costs the driver an outbox claim.
    fn note_work(&self, work: bool) {
        if work {
            self.wake.notify();
        }
    }

    /// Starts an execution and commits its first step. Nothing is invoked until `drive`.
    pub fn start(
        &mut self,
        definition: &str,
        machine: Arc<Machine>,
        info: ExecutionInfo,
        seed: [u8; 32],
        config: &HandlerConfig,
    ) -> Result<String> {
        let arn = info.execution_arn.clone();
        // Starts of one definition follow each other (serve): don't copy the text every time.
        if !self.machines.contains_key(definition) {
            self.machines
                .insert(definition.to_string(), machine.clone());
        }
        let input = info.input.to_string();
        let (exec, effects) = Execution::start(&machine, info.clone(), seed);
        let mut commit = Commit::default();
        collect(&exec, &[], effects, &mut commit);
        let mut record = ExecutionRecord {
            arn: arn.clone(),
            name: info.name.clone(),
            machine_arn: info.state_machine_arn.clone(),
            machine_name: info.state_machine_name.clone(),
            definition: definition.to_string(),
            status: ExecutionStatus::Running,
            input,
            output: None,
            error: None,
            cause: None,
            start_ms: info.start_ms,
            stop_ms: None,
            state: String::new(),
            config: serde_json::to_string(config).unwrap_or_default(),
            version: 1,
        };
        update_record(&mut record, &exec, info.start_ms)
            .map_err(|why| Error::Corrupt(format!("execution {arn} cannot start: {why}")))?;
        nested::report_end(&record, &mut commit);
        self.store.create_execution(&record, &commit)?;
        tracing::debug!(execution = %arn, "execution started");
        log_row(&record, &commit);
        self.note_work(leaves_work(&commit));
        Ok(arn)
    }

    /// The parsed machine of a stored definition; `Err` (why) when it no longer loads, e.g. a
    /// definition stored by a version that accepted what this one refuses.
    fn machine(&mut self, definition: &str) -> std::result::Result<Arc<Machine>, String> {
        if let Some(m) = self.machines.get(definition) {
            return Ok(m.clone());
        }
        let m = crate::asl::load(definition).map_err(|d| {
            let first = d
                .first()
                .map(|d| format!(": {} at {}", d.message, d.pointer.as_deref().unwrap_or("/")))
                .unwrap_or_default();
            format!(
                "its stored definition no longer validates ({} problems{first})",
                d.len()
            )
        })?;
        let m = Arc::new(m);
        self.machines.insert(definition.to_string(), m.clone());
        Ok(m)
    }

    /// Applies `event` to a running execution: `base` with the step's history, timers, tokens
    /// and effects added (the caller adds the row), and `record` updated. `Err` (why) when the step cannot be made — its
    /// definition no longer loads, the engine panicked, or the new state would nest too deep to
    /// be read back — and the caller quarantines the execution (`quarantine`), leaving `record`
    /// as it was.
    fn step(
        &mut self,
        record: &mut ExecutionRecord,
        exec: &mut Execution,
        event: Event,
        base: &Commit,
    ) -> std::result::Result<Commit, String> {
        let machine = self.machine(&record.definition)?;
        let now = self.clock.now_ms();
        let stepped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let before = open_tasks(exec);
            let effects = exec.step(&machine, now, event);
            (before, effects)
        }));
        let (before, effects) = stepped.map_err(|panic| {
            format!(
                "stepwise failed while stepping it ({}); please report this with its definition",
                panic_message(&*panic)
            )
        })?;
        let mut commit = base.clone();
        collect(exec, &before, effects, &mut commit);
        update_record(record, exec, now)?;
        record.version += 1;
        nested::report_end(record, &mut commit);
        Ok(commit)
    }

    /// Ends an execution that cannot be stepped (`why`), so that it stops nobody else: FAILED
    /// with `States.Runtime` and the reason as cause (ABORTED with the caller's error and cause
    /// when it is being stopped), an `ExecutionFailed`/`ExecutionAborted` event closing its
    /// history, its open task tokens closed. Its timers and effects stay: firing or delivering
    /// them to an execution that ended only removes them. `pending`: commits of the same batch
    /// before this one (their history events come first).
    fn quarantine(
        &self,
        record: &ExecutionRecord,
        why: &str,
        stop: Option<(Option<String>, Option<String>)>,
        base: Commit,
        pending: &[Commit],
    ) -> Result<Commit> {
        let arn = &record.arn;
        let stored = self
            .store
            .history_reversed(arn, None, 1)?
            .first()
            .map(|h| h.id);
        let batched = pending
            .iter()
            .filter(|c| c.execution.as_ref().is_some_and(|e| &e.arn == arn))
            .flat_map(|c| c.history.iter().map(|h| h.id))
            .max();
        let last = stored.max(batched).unwrap_or(0);
        let now = self.clock.now_ms();
        let cause = format!("stepwise could not continue execution {arn}: {why}");
        let (status, kind, key, error, cause) = match stop {
            Some((error, stop_cause)) => (
                ExecutionStatus::Aborted,
                "ExecutionAborted",
                "executionAbortedEventDetails",
                error,
                stop_cause.or(Some(cause)),
            ),
            None => (
                ExecutionStatus::Failed,
                "ExecutionFailed",
                "executionFailedEventDetails",
                Some(crate::engine::failure::RUNTIME.to_string()),
                Some(cause),
            ),
        };
        tracing::warn!(
            execution = %arn,
            status = %status,
            cause = cause.as_deref().unwrap_or(why),
            "execution could not be stepped and was ended"
        );
        let event = crate::engine::history::HistoryEvent {
            id: last + 1,
            previous_event_id: last,
            timestamp: now,
            kind,
            details: crate::engine::history::Details::Other(Box::new(
                crate::engine::history::OtherDetails::Error {
                    key,
                    error: error.clone(),
                    cause: cause.clone(),
                    resource: None,
                },
            )),
        };
        let mut commit = base;
        commit.history.push(HistoryRow {
            id: event.id,
            timestamp_ms: now,
            json: event.to_aws_json().to_string(),
        });
        commit
            .closed_tokens
            .extend(self.store.open_tokens(arn)?.into_iter().map(|t| t.token));
        let mut ended = record.clone();
        ended.version += 1;
        ended.status = status;
        ended.error = error;
        ended.cause = cause;
        ended.stop_ms = Some(now);
        nested::report_end(&ended, &mut commit);
        commit.execution = Some(ended);
        Ok(commit)
    }

    /// Loads the execution, applies `event`, and commits with `cleanup`; reloads and retries when
    /// another process committed in between. An execution that cannot be stepped is quarantined
    /// (`quarantine`): a stop then aborts it, a callback finds its task gone (`TaskTimedOut`).
    fn apply(&mut self, arn: &str, event: Event, guard: Guard, cleanup: Commit) -> Result<()> {
        let mut prefetched = self.prefetched.remove(arn);
        self.prefetched.clear();
        let stop = match &event {
            Event::Stop { error, cause } => Some((error.clone(), cause.clone())),
            _ => None,
        };
        let callback = matches!(guard, Guard::OpenTask(_));
        loop {
            let record = match prefetched.take() {
                Some(r) => Some(r),
                None => self.store.execution(arn)?,
            };
            let record = record.ok_or_else(|| Error::NoSuchExecution(arn.to_string()))?;
            let (commit, quarantined) = match loaded(record) {
                Loaded::Closed if callback => return Err(timed_out()),
                Loaded::Closed => (cleanup.clone(), false),
                Loaded::Poison(record, why) => (
                    self.quarantine(&record, &why, stop.clone(), cleanup.clone(), &[])?,
                    true,
                ),
                Loaded::Running(mut record, mut exec) => {
                    if let Guard::OpenTask(task) = guard
                        && !exec.open_tasks().iter().any(|(t, _)| *t == task)
                    {
                        return Err(timed_out());
                    }
                    match self.step(&mut record, &mut exec, event.clone(), &cleanup) {
                        Ok(mut commit) => {
                            commit.execution = Some(record);
                            (commit, false)
                        }
                        Err(why) => (
                            self.quarantine(&record, &why, stop.clone(), cleanup.clone(), &[])?,
                            true,
                        ),
                    }
                }
            };
            let scheduled = leaves_work(&commit);
            let committed = self.store.commit(std::slice::from_ref(&commit));
            if committed.is_ok() {
                log_step(&commit);
            }
            match committed {
                Err(StoreError::Conflict { .. }) => continue,
                Ok(()) if quarantined && callback => return Err(timed_out()),
                other => {
                    self.note_work(scheduled && other.is_ok());
                    return other.map_err(Into::into);
                }
            }
        }
    }

    /// A worker took the activity task of `token` (`GetActivityTask`): records `ActivityStarted`.
    /// `TaskTimedOut` when the task is no longer awaited.
    pub fn activity_started(
        &mut self,
        token: &TokenRecord,
        worker_name: Option<String>,
    ) -> Result<()> {
        let task = token.task;
        self.apply(
            &token.execution_arn,
            Event::ActivityStarted { task, worker_name },
            Guard::OpenTask(task),
            Commit::default(),
        )
    }

    /// `StopExecution`.
    /// Its `.sync` children still running are stopped after it, with the same error and cause.
    pub fn stop(&mut self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<()> {
        self.apply(
            arn,
            Event::Stop {
                error: error.clone(),
                cause: cause.clone(),
            },
            Guard::None,
            Commit::default(),
        )?;
        self.stop_children(arn, error, cause)
    }

    /// `RedriveExecution`: an ended (not succeeded) execution continues from the state that was
    /// running when it ended. `Err(Error::Callback)` with AWS's `ExecutionNotRedrivable` when it
    /// cannot be.
    pub fn redrive(&mut self, arn: &str) -> Result<()> {
        let not_redrivable = |message: String| Error::Callback {
            code: "ExecutionNotRedrivable",
            message,
        };
        loop {
            let mut record = self
                .store
                .execution(arn)?
                .ok_or_else(|| Error::NoSuchExecution(arn.to_string()))?;
            let mut exec: Execution = serde_json::from_str(&record.state).map_err(|e| {
                not_redrivable(format!("its stored state cannot be read back ({e})"))
            })?;
            let machine = self.machine(&record.definition).map_err(not_redrivable)?;
            let now = self.clock.now_ms();
            let effects = exec.redrive(&machine, now).map_err(not_redrivable)?;
            let mut commit = Commit::default();
            collect(&exec, &[], effects, &mut commit);
            record.output = None;
            record.error = None;
            record.cause = None;
            record.stop_ms = None;
            update_record(&mut record, &exec, now).map_err(not_redrivable)?;
            record.version += 1;
            nested::report_end(&record, &mut commit);
            commit.execution = Some(record);
            let scheduled = leaves_work(&commit);
            match self.store.commit(std::slice::from_ref(&commit)) {
                Err(StoreError::Conflict { .. }) => continue,
                other => {
                    if other.is_ok() {
                        log_step(&commit);
                    }
                    self.note_work(scheduled && other.is_ok());
                    return other.map_err(Into::into);
                }
            }
        }
    }

    /// `UpdateMapRun`: new limits for a Map Run's execution (`Event::UpdateLimits`).
    pub fn update_limits(
        &mut self,
        arn: &str,
        max_concurrency: Option<u64>,
        tolerated_count: Option<u64>,
        tolerated_percentage: Option<f64>,
    ) -> Result<()> {
        let event = Event::UpdateLimits {
            max_concurrency,
            tolerated_count,
            tolerated_percentage,
        };
        self.apply(arn, event, Guard::None, Commit::default())
    }

    /// Group commit: applies each event to its execution (chaining several events of one
    /// execution) and commits everything in one transaction. When another process got in
    /// between, falls back to applying them one by one.
    /// `known`: rows of executions the caller has read already (the batch reads the others).
    fn apply_batch(
        &mut self,
        work: Vec<(String, Option<Event>, Commit)>,
        mut known: HashMap<String, ExecutionRecord>,
    ) -> Result<()> {
        let wanted: Vec<&str> = work
            .iter()
            .filter(|(arn, event, _)| event.is_some() && !known.contains_key(arn))
            .map(|(arn, _, _)| arn.as_str())
            .collect();
        known.extend(self.read_executions(&wanted)?);
        let mut current: HashMap<String, Loaded> = known
            .into_iter()
            .map(|(arn, record)| (arn, loaded(record)))
            .collect();
        let mut commits: Vec<Commit> = Vec::with_capacity(work.len());
        for (arn, event, cleanup) in &work {
            let Some(event) = event else {
                commits.push(cleanup.clone());
                continue;
            };
            if !current.contains_key(arn) {
                let found = self.store.execution(arn)?.map_or(Loaded::Closed, loaded);
                current.insert(arn.clone(), found);
            }
            let Some(slot) = current.get_mut(arn) else {
                continue;
            };
            // One execution that cannot be stepped is ended on its own; the batch goes on.
            let stepped = match slot {
                Loaded::Closed => Ok(cleanup.clone()),
                Loaded::Running(record, exec) => self
                    .step(record, exec, event.clone(), cleanup)
                    .map(|mut commit| {
                        commit.execution = Some(record.clone());
                        commit
                    })
                    .map_err(|why| (record.clone(), why)),
                Loaded::Poison(record, why) => Err((record.clone(), why.clone())),
            };
            let commit = match stepped {
                Ok(commit) => commit,
                Err((record, why)) => {
                    *slot = Loaded::Closed;
                    self.quarantine(&record, &why, None, cleanup.clone(), &commits)?
                }
            };
            commits.push(commit);
        }
        let scheduled = commits.iter().any(leaves_work);
        match self.store.commit(&commits) {
            Ok(()) => {
                commits.iter().for_each(log_step);
                self.note_work(scheduled);
                Ok(())
            }
            Err(StoreError::Conflict { .. }) => {
                for (arn, event, cleanup) in work {
                    match event {
                        Some(e) => self.apply(&arn, e, Guard::None, cleanup)?,
                        None => self.store.commit(&[cleanup])?,
                    }
                }
                Ok(())
            }
            other => other.map_err(Into::into),
        }
    }

    /// The rows of the executions of claimed `entries`: those read with the claim, the others
    /// read at once.
    fn rows_of(&mut self, entries: &[OutboxRecord]) -> Result<HashMap<String, ExecutionRecord>> {
        let mut known = std::mem::take(&mut self.prefetched);
        let missing: Vec<&str> = entries
            .iter()
            .map(|e| e.execution_arn.as_str())
            .filter(|arn| !known.contains_key(*arn))
            .collect();
        known.extend(self.read_executions(&missing)?);
        Ok(known)
    }

    /// The rows of `arns` (duplicates allowed), read at once; executions that do not exist are
    /// left out.
    fn read_executions(&self, arns: &[&str]) -> Result<HashMap<String, ExecutionRecord>> {
        let mut arns = arns.to_vec();
        arns.sort_unstable();
        arns.dedup();
        if arns.is_empty() {
            return Ok(HashMap::new());
        }
        let records = self.store.executions(&arns)?;
        Ok(records.into_iter().map(|r| (r.arn.clone(), r)).collect())
    }

    /// Performs one outbox entry here and now; the event that reports its outcome (`None`:
    /// nothing to report, e.g. the execution has ended).
    /// `execution`: its execution's row (`None`: it does not exist).
    fn perform(
        &mut self,
        record: &OutboxRecord,
        execution: Option<&ExecutionRecord>,
    ) -> Option<Event> {
        let work = serde_json::from_str::<Work>(&record.payload).ok()?;
        let (inv, mut router) = match work {
            Work::Answer(answer) => return Some(answer.event()),
            Work::Invoke(inv) => self.prepare(*inv, record, execution)?,
        };
        let reply = ask(&mut router, &record.execution_arn, &inv);
        self.give_back(&record.execution_arn, router);
        self.settle(execution, &inv, reply)
    }

    /// The event that reports `reply`, after making the Step Functions call it may ask for.
    fn settle(
        &mut self,
        execution: Option<&ExecutionRecord>,
        inv: &Invocation,
        reply: Reply,
    ) -> Option<Event> {
        let reply = match (reply, execution) {
            (Reply::StepFunctions(call), Some(parent)) => self.call_sfn(parent, inv, *call),
            (reply, _) => reply,
        };
        event_of(inv, reply)
    }

    /// What performing an invocation takes: a router of its execution's handlers (`None`:
    /// nothing to perform — the execution has ended or does not exist).
    fn prepare(
        &mut self,
        inv: Invocation,
        record: &OutboxRecord,
        execution: Option<&ExecutionRecord>,
    ) -> Option<(Invocation, Router)> {
        let spare = self
            .routers
            .get_mut(&record.execution_arn)
            .and_then(Vec::pop);
        let router = match spare {
            Some(r) => r,
            None => self.build_router(execution?)?,
        };
        Some((inv, router))
    }

    /// Keeps `router` for the next effect of `arn`.
    fn give_back(&mut self, arn: &str, router: Router) {
        if !self.routers.contains_key(arn) && self.routers.len() >= MAX_CACHED_ROUTERS {
            self.routers.clear();
        }
        self.routers
            .entry(arn.to_string())
            .or_default()
            .push(router);
    }

    /// The handlers of a running execution, from the configuration stored with it (`None` when
    /// it has ended: nothing to invoke any more).
    fn build_router(&self, record: &ExecutionRecord) -> Option<Router> {
        if record.status != ExecutionStatus::Running {
            return None;
        }
        let config: HandlerConfig = serde_json::from_str(&record.config).unwrap_or_default();
        Some(match config.router(Some(self.store.clone())) {
            Ok(r) => r,
            Err(e) => {
                let mut r = Router::default();
                r.push(Box::new(Broken(e)));
                r
            }
        })
    }

    /// Starts performing claimed outbox entries on `pool`'s workers; what needs no worker (an
    /// entry of an execution that ended, a handler that answers at once) is performed here and
    /// committed now. `complete` commits the outcomes of the others, whose ids it returns.
    pub(super) fn dispatch(
        &mut self,
        entries: &[OutboxRecord],
        pool: &Pool<Performed>,
    ) -> Result<Vec<i64>> {
        let known = self.rows_of(entries)?;
        let (mut at_once, mut started) = (Vec::new(), Vec::new());
        for record in entries {
            let execution = known.get(&record.execution_arn);
            let performed = Performed {
                id: record.id,
                arn: record.execution_arn.clone(),
                event: None,
                router: None,
                execution: execution.cloned(),
            };
            let prepared = match serde_json::from_str::<Work>(&record.payload) {
                Ok(Work::Invoke(inv)) => self.prepare(*inv, record, execution),
                Ok(Work::Answer(answer)) => {
                    let event = Some(answer.event());
                    at_once.push(Performed { event, ..performed });
                    continue;
                }
                Err(_) => None,
            };
            match prepared {
                None => at_once.push(performed),
                // A mock, the embedded queue, an activity, Step Functions itself: answered
                // here, with the batch's other quick ones in one commit.
                Some((inv, mut router)) if router.quick(&inv) => {
                    let reply = ask(&mut router, &record.execution_arn, &inv);
                    self.give_back(&record.execution_arn, router);
                    let event = self.settle(execution, &inv, reply);
                    at_once.push(Performed { event, ..performed });
                }
                Some((inv, mut router)) => {
                    started.push(record.id);
                    pool.submit(move || Performed {
                        event: event_of(&inv, ask(&mut router, &performed.arn, &inv)),
                        router: Some(router),
                        ..performed
                    });
                }
            }
        }
        self.complete(at_once)?;
        Ok(started)
    }

    /// Commits the outcomes of performed entries (each entry deleted in that commit).
    pub(super) fn complete(&mut self, performed: Vec<Performed>) -> Result<()> {
        if performed.is_empty() {
            return Ok(());
        }
        let mut known = HashMap::new();
        let mut work = Vec::with_capacity(performed.len());
        for p in performed {
            if let Some(router) = p.router {
                self.give_back(&p.arn, router);
            }
            if let Some(row) = p.execution {
                known.entry(p.arn.clone()).or_insert(row);
            }
            let done = Commit {
                done_outbox: vec![p.id],
                ..Commit::default()
            };
            work.push((p.arn, p.event, done));
        }
        self.apply_batch(work, known)
    }
}

/// An outbox entry performed on an effect worker: the event that reports its outcome, the
/// router it used (kept for the next), and its execution's row as it was read before (the step
/// starts from it; a commit since is a `Conflict`, retried from a fresh read).
pub struct Performed {
    id: i64,
    arn: String,
    event: Option<Event>,
    router: Option<Router>,
    execution: Option<ExecutionRecord>,
}

impl Performed {
    /// The outbox entry.
    pub fn id(&self) -> i64 {
        self.id
    }
}

/// One line per performed effect, at debug; a task that cannot run at all, as a warning.
fn log_reply(execution: &str, inv: &Invocation, reply: &Reply) {
    let (state, resource) = (&inv.state_name, &inv.resource.arn);
    match reply {
        Reply::Succeeded(_) => {
            tracing::debug!(execution = %execution, state = %state, resource = %resource, "task performed: succeeded")
        }
        Reply::Failed { error, .. } => {
            tracing::debug!(
                execution,
                state,
                resource,
                error = error.as_deref(),
                "task performed: failed"
            )
        }
        Reply::Pending(_) => {
            tracing::debug!(
                execution,
                state,
                resource,
                "task performed: sent, waiting for its task token"
            )
        }
        Reply::Scheduled => {
            tracing::debug!(
                execution,
                state,
                resource,
                "task scheduled for an activity worker"
            )
        }
        Reply::NotRunnable(why) => {
            tracing::warn!(execution = %execution, state = %state, resource = %resource, why = %why, "task cannot run")
        }
        Reply::StepFunctions(_) => {
            tracing::debug!(
                execution,
                state,
                resource,
                "task calls Step Functions itself"
            )
        }
    }
}

/// Asks the handlers; a handler that panics fails its task's execution, not the driver.
fn ask(router: &mut Router, execution: &str, inv: &Invocation) -> Reply {
    let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| router.invoke(inv)))
        .unwrap_or_else(|panic| {
            Reply::NotRunnable(format!(
                "the task's handler failed ({}); please report this",
                panic_message(&*panic)
            ))
        });
    log_reply(execution, inv, &reply);
    reply
}

/// The event that reports a handler's answer (`None`: nothing to record).
fn event_of(inv: &Invocation, reply: Reply) -> Option<Event> {
    let task = inv.task;
    Some(match reply {
        Reply::Succeeded(output) => Event::TaskSucceeded { task, output },
        Reply::Failed { error, cause } => Event::TaskFailed { task, error, cause },
        Reply::NotRunnable(cause) => Event::TaskNotRunnable { task, cause },
        Reply::Pending(output) => Event::TaskSubmitted { task, output },
        // The execution does not change: the commit that marks the effect done leaves its
        // row alone, so the worker's `ActivityStarted` need not wait for it.
        Reply::Scheduled => return None,
        // Made by `settle` on the driver's thread; never left for a worker.
        Reply::StepFunctions(_) => Event::TaskNotRunnable {
            task,
            cause: format!(
                "Task state '{}' calls Step Functions itself, which a mock or handler in front of it passed on; please report this",
                inv.state_name
            ),
        },
    })
}

/// An execution as a step finds it.
enum Loaded {
    Running(ExecutionRecord, Box<Execution>),
    /// It ended (or does not exist): nothing to step.
    Closed,
    /// Running, but it cannot be stepped (why): its state cannot be read back.
    Poison(ExecutionRecord, String),
}

fn loaded(record: ExecutionRecord) -> Loaded {
    if record.status != ExecutionStatus::Running {
        return Loaded::Closed;
    }
    match serde_json::from_str(&record.state) {
        Ok(exec) => Loaded::Running(record, Box::new(exec)),
        Err(e) => Loaded::Poison(
            record,
            format!("its stored state cannot be read back ({e})"),
        ),
    }
}

/// What a caught panic said.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

impl decider::Decider for Asl {
    fn fire(&mut self, timers: &[TimerRecord]) -> Result<()> {
        let work = timers
            .iter()
            .map(|t| {
                let cleanup = Commit {
                    removed_timers: vec![(t.execution_arn.clone(), t.timer)],
                    ..Commit::default()
                };
                (
                    t.execution_arn.clone(),
                    Some(Event::TimerFired { timer: t.timer }),
                    cleanup,
                )
            })
            .collect();
        self.apply_batch(work, HashMap::new())
    }

    fn deliver(&mut self, entries: &[OutboxRecord]) -> Result<()> {
        // Their executions, read once: the handlers are built from them, and the steps that
        // report the outcomes start from them (a commit in between is a `Conflict`, retried).
        let known = self.rows_of(entries)?;
        let mut work = Vec::with_capacity(entries.len());
        for record in entries {
            let done = Commit {
                done_outbox: vec![record.id],
                ..Commit::default()
            };
            let event = self.perform(record, known.get(&record.execution_arn));
            work.push((record.execution_arn.clone(), event, done));
        }
        self.apply_batch(work, known)
    }

    fn answer(&mut self, token: &TokenRecord, outcome: CallbackOutcome) -> Result<()> {
        let task = token.task;
        let answer = match &outcome {
            CallbackOutcome::Success(_) => "success",
            _ => "failure",
        };
        tracing::debug!(execution = %token.execution_arn, answer, "task token answered: resuming");
        self.apply(
            &token.execution_arn,
            Event::Callback { task, outcome },
            Guard::OpenTask(task),
            Commit::default(),
        )
    }

    fn heartbeat(&mut self, token: &TokenRecord) -> Result<()> {
        let task = token.task;
        self.apply(
            &token.execution_arn,
            Event::TaskHeartbeat { task },
            Guard::OpenTask(task),
            Commit::default(),
        )
    }
}

fn open_tasks(exec: &Execution) -> Vec<(WaitId, Option<String>)> {
    exec.open_tasks()
        .into_iter()
        .map(|(t, tok)| (t, tok.map(str::to_string)))
        .collect()
}

/// Turns a step's effects into rows of `commit`.
fn collect(
    exec: &Execution,
    before: &[(WaitId, Option<String>)],
    effects: Vec<Effect>,
    commit: &mut Commit,
) {
    let arn = &exec.info.execution_arn;
    for effect in effects {
        match effect {
            Effect::History(h) => {
                commit.history.push(HistoryRow {
                    id: h.id,
                    timestamp_ms: h.timestamp,
                    json: h.to_aws_json().to_string(),
                });
            }
            Effect::ArmTimer { timer, due_ms } => commit.new_timers.push(TimerRecord {
                execution_arn: arn.clone(),
                timer,
                due_ms,
                decider: Decider::Asl,
            }),
            Effect::Invoke(inv) => {
                if let Some(token) = &inv.token {
                    commit.new_tokens.push(TokenRecord {
                        token: token.clone(),
                        execution_arn: arn.clone(),
                        task: inv.task,
                        state_name: inv.state_name.clone(),
                        open: true,
                        created_ms: exec_now(exec),
                        decider: Decider::Asl,
                    });
                }
                let payload = serde_json::to_string(&Work::Invoke(inv)).unwrap_or_default();
                commit.new_outbox.push(OutboxRecord {
                    id: 0,
                    execution_arn: arn.clone(),
                    decider: Decider::Asl,
                    payload,
                    lease_until_ms: 0,
                    attempts: 0,
                    lease_owner: None,
                });
            }
            Effect::CancelTask { .. } | Effect::Finished(_) | Effect::Trace(_) => {}
        }
    }
    let open_now = exec.open_tasks();
    for (task, token) in before {
        if let Some(token) = token
            .as_ref()
            .filter(|_| !open_now.iter().any(|(t, _)| t == task))
        {
            commit.closed_tokens.push(token.clone());
        }
    }
}

/// Debug log lines for a committed step: a task waiting for its token, the execution ending.
fn log_step(commit: &Commit) {
    if let Some(x) = &commit.execution {
        log_row(x, commit);
    }
}

/// `log_step` for the row `x` a commit writes (a start passes it beside the commit).
fn log_row(x: &ExecutionRecord, commit: &Commit) {
    for t in &commit.new_tokens {
        tracing::debug!(execution = %x.arn, state = %t.state_name, "waiting for a task token");
    }
    if x.status != ExecutionStatus::Running {
        tracing::debug!(execution = %x.arn, status = %x.status, error = x.error.as_deref(), "execution ended");
    }
}

/// Whether `drive` has something to do after `commit`: an effect to perform or a timer to arm.
fn leaves_work(commit: &Commit) -> bool {
    !commit.new_outbox.is_empty() || !commit.new_timers.is_empty()
}

fn exec_now(exec: &Execution) -> i64 {
    exec.now_ms()
}

/// Copies the execution's status and serialized state into its row.
fn update_record(
    record: &mut ExecutionRecord,
    exec: &Execution,
    now: i64,
) -> std::result::Result<(), String> {
    // Checked before anything changes: on `Err` the row is as it was.
    let state =
        serde_json::to_string(exec).map_err(|e| format!("its state cannot be stored ({e})"))?;
    let depth = crate::data::depth::text_depth(&state);
    if depth > crate::data::depth::READABLE_DEPTH {
        return Err(format!(
            "its data became nested too deeply to be stored and read back ({depth} levels with the execution's own; at most {} are readable)",
            crate::data::depth::READABLE_DEPTH
        ));
    }
    record.state = state;
    record.status = exec.status.kind();
    match &exec.status {
        Status::Running => {}
        Status::Succeeded { output } => {
            record.output = Some(output.to_string());
            record.stop_ms = Some(now);
        }
        Status::Failed { error, cause }
        | Status::TimedOut { error, cause }
        | Status::Aborted { error, cause } => {
            record.error = error.clone();
            record.cause = cause.clone();
            record.stop_ms = Some(now);
        }
    }
    Ok(())
}

/// Serves every task with the reason the configured handlers could not be built.
struct Broken(String);

impl crate::integrations::Handler for Broken {
    fn invoke(&mut self, _: &Invocation) -> Option<Reply> {
        Some(Reply::NotRunnable(self.0.clone()))
    }
    fn serves_quickly(&self, _: &Invocation) -> Option<bool> {
        Some(true)
    }
}
