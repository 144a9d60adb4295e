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
use crate::runtime::wake::Wake;
use crate::store::{
    Commit, Decider, Error as StoreError, ExecutionRecord, ExecutionStatus, HistoryRow,
    OutboxRecord, Store, TimerRecord, TokenRecord,
};
use std::collections::HashMap;
use std::sync::Arc;

/// Handler caches beyond this many executions are dropped (a long-running worker must not grow).
const MAX_CACHED_ROUTERS: usize = 256;

/// An outbox payload.
#[derive(serde::Serialize, serde::Deserialize)]
enum Work {
    Invoke(Box<Invocation>),
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
    routers: HashMap<String, Router>,
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
        update_record(&mut record, &exec, info.start_ms)?;
        self.store.create_execution(&record, &commit)?;
        self.note_work(leaves_work(&commit));
        Ok(arn)
    }

    fn machine(&mut self, definition: &str) -> Result<Arc<Machine>> {
        if let Some(m) = self.machines.get(definition) {
            return Ok(m.clone());
        }
        let m = crate::asl::load(definition).map_err(|d| {
            Error::Corrupt(format!(
                "a stored definition no longer validates ({} problems)",
                d.len()
            ))
        })?;
        let m = Arc::new(m);
        self.machines.insert(definition.to_string(), m.clone());
        Ok(m)
    }

    /// Loads the execution, applies `event`, and commits with `cleanup`; reloads and retries when
    /// another process committed in between.
    fn apply(&mut self, arn: &str, event: Event, guard: Guard, cleanup: Commit) -> Result<()> {
        let mut prefetched = self.prefetched.remove(arn);
        self.prefetched.clear();
        loop {
            let record = match prefetched.take() {
                Some(r) => Some(r),
                None => self.store.execution(arn)?,
            };
            let record = record.ok_or_else(|| Error::NoSuchExecution(arn.to_string()))?;
            let mut commit = cleanup.clone();
            if record.status == ExecutionStatus::Running {
                let machine = self.machine(&record.definition)?;
                let mut exec: Execution = serde_json::from_str(&record.state).map_err(|e| {
                    Error::Corrupt(format!("execution {arn} cannot be read back: {e}"))
                })?;
                let before: Vec<(WaitId, Option<String>)> = open_tasks(&exec);
                if let Guard::OpenTask(task) = guard
                    && !before.iter().any(|(t, _)| *t == task)
                {
                    return Err(timed_out());
                }
                let now = self.clock.now_ms();
                let effects = exec.step(&machine, now, event.clone());
                collect(&exec, &before, effects, &mut commit);
                let mut updated = record;
                updated.version += 1;
                update_record(&mut updated, &exec, now)?;
                commit.execution = Some(updated);
            } else if let Guard::OpenTask(_) = guard {
                return Err(timed_out());
            }
            let scheduled = leaves_work(&commit);
            match self.store.commit(&[commit]) {
                Err(StoreError::Conflict { .. }) => continue,
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
    pub fn stop(&mut self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<()> {
        self.apply(
            arn,
            Event::Stop { error, cause },
            Guard::None,
            Commit::default(),
        )
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
        let mut current: HashMap<String, Option<(ExecutionRecord, Execution)>> = HashMap::new();
        for (arn, record) in known {
            current.insert(arn, running(record)?);
        }
        let mut commits = Vec::with_capacity(work.len());
        for (arn, event, cleanup) in &work {
            let mut commit = cleanup.clone();
            if let Some(event) = event {
                if !current.contains_key(arn) {
                    let loaded = self.load_running(arn)?;
                    current.insert(arn.clone(), loaded);
                }
                if let Some(Some((record, exec))) = current.get_mut(arn) {
                    let machine = self.machine(&record.definition)?;
                    let now = self.clock.now_ms();
                    let before = open_tasks(exec);
                    let effects = exec.step(&machine, now, event.clone());
                    collect(exec, &before, effects, &mut commit);
                    record.version += 1;
                    update_record(record, exec, now)?;
                    commit.execution = Some(record.clone());
                }
            }
            commits.push(commit);
        }
        let scheduled = commits.iter().any(leaves_work);
        match self.store.commit(&commits) {
            Ok(()) => {
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

    /// The execution and its engine state, when it is still running.
    fn load_running(&mut self, arn: &str) -> Result<Option<(ExecutionRecord, Execution)>> {
        match self.store.execution(arn)? {
            Some(record) => running(record),
            None => Ok(None),
        }
    }

    /// Performs one outbox entry; the event that reports its outcome (`None`: nothing to report,
    /// e.g. the execution has ended).
    /// `execution`: its execution's row (`None`: it does not exist).
    fn perform(
        &mut self,
        record: &OutboxRecord,
        execution: Option<&ExecutionRecord>,
    ) -> Result<Option<Event>> {
        let Ok(Work::Invoke(inv)) = serde_json::from_str::<Work>(&record.payload) else {
            return Ok(None);
        };
        let Some(router) = self.router(&record.execution_arn, execution)? else {
            return Ok(None);
        };
        let reply = router.invoke(&inv);
        let task = inv.task;
        let event = match reply {
            Reply::Succeeded(output) => Event::TaskSucceeded { task, output },
            Reply::Failed { error, cause } => Event::TaskFailed { task, error, cause },
            Reply::NotRunnable(cause) => Event::TaskNotRunnable { task, cause },
            Reply::Pending(output) => Event::TaskSubmitted { task, output },
            // The execution does not change: the commit that marks the effect done leaves its
            // row alone, so the worker's `ActivityStarted` need not wait for it.
            Reply::Scheduled => return Ok(None),
        };
        Ok(Some(event))
    }

    /// The handlers of an execution (`None` when it has ended or does not exist: nothing to
    /// invoke any more), built from its row `execution` (read by `deliver`).
    fn router(
        &mut self,
        arn: &str,
        execution: Option<&ExecutionRecord>,
    ) -> Result<Option<&mut Router>> {
        if self.routers.contains_key(arn) {
            return Ok(self.routers.get_mut(arn));
        }
        if self.routers.len() >= MAX_CACHED_ROUTERS {
            self.routers.clear();
        }
        let Some(record) = execution else {
            return Ok(None);
        };
        if record.status != ExecutionStatus::Running {
            return Ok(None);
        }
        let config: HandlerConfig = serde_json::from_str(&record.config).unwrap_or_default();
        let router = match config.router(Some(self.store.clone())) {
            Ok(r) => r,
            Err(e) => {
                let mut r = Router::default();
                r.push(Box::new(Broken(e)));
                r
            }
        };
        Ok(Some(self.routers.entry(arn.to_string()).or_insert(router)))
    }
}

/// The execution and its engine state, when it is still running.
fn running(record: ExecutionRecord) -> Result<Option<(ExecutionRecord, Execution)>> {
    if record.status != ExecutionStatus::Running {
        return Ok(None);
    }
    let exec = serde_json::from_str(&record.state).map_err(|e| {
        Error::Corrupt(format!("execution {} cannot be read back: {e}", record.arn))
    })?;
    Ok(Some((record, exec)))
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
        let mut known = std::mem::take(&mut self.prefetched);
        let missing: Vec<&str> = entries
            .iter()
            .map(|e| e.execution_arn.as_str())
            .filter(|arn| !known.contains_key(*arn))
            .collect();
        known.extend(self.read_executions(&missing)?);
        let mut work = Vec::with_capacity(entries.len());
        for record in entries {
            let done = Commit {
                done_outbox: vec![record.id],
                ..Commit::default()
            };
            let event = self.perform(record, known.get(&record.execution_arn))?;
            work.push((record.execution_arn.clone(), event, done));
        }
        self.apply_batch(work, known)
    }

    fn answer(&mut self, token: &TokenRecord, outcome: CallbackOutcome) -> Result<()> {
        let task = token.task;
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

/// Whether `drive` has something to do after `commit`: an effect to perform or a timer to arm.
fn leaves_work(commit: &Commit) -> bool {
    !commit.new_outbox.is_empty() || !commit.new_timers.is_empty()
}

fn exec_now(exec: &Execution) -> i64 {
    exec.now_ms()
}

/// Copies the execution's status and serialized state into its row.
fn update_record(record: &mut ExecutionRecord, exec: &Execution, now: i64) -> Result<()> {
    record.state = serde_json::to_string(exec)
        .map_err(|e| Error::Corrupt(format!("cannot serialize execution: {e}")))?;
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
}
