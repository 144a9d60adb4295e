//! Durable executions: every engine step is committed to a `Store` together with its history,
//! timers, task tokens and the effects still to perform (the outbox). Effects are performed only
//! after their commit, at least once; the engine ignores answers for tasks it no longer awaits, so
//! a repeated delivery cannot move an execution twice. Any process holding the store can continue
//! any execution: a callback from another shell, a restart after `kill -9`.
//!
//! With a Conductor attached (`with_conductor`), the same driver fires Conductor timers and
//! performs Conductor effects from the same outbox, and task tokens of Conductor WAIT and HUMAN
//! tasks close through the same callbacks (`SendTaskSuccess`, `stepwise task success`).

use crate::asl::Machine;
use crate::engine::{
    CallbackOutcome, Effect, Event, Execution, ExecutionInfo, Invocation, Status, WaitId,
};
use crate::integrations::{Reply, Router};
use crate::runtime::clock::SharedClock;
use crate::runtime::conductor::Conductor;
use crate::runtime::conductor::tokens::Answer;
use crate::runtime::config::HandlerConfig;
use crate::runtime::wake::Wake;
use crate::store::{
    Commit, Decider, Error as StoreError, ExecutionRecord, ExecutionStatus, HistoryRow,
    OutboxRecord, Scope, Store, TimerRecord, TokenRecord,
};
use std::collections::HashMap;
use std::sync::Arc;

use crate::runtime::{BATCH, LEASE_MS};

/// Handler caches beyond this many executions are dropped (a long-running worker must not grow).
const MAX_CACHED_ROUTERS: usize = 256;

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

/// An outbox payload.
#[derive(serde::Serialize, serde::Deserialize)]
enum Work {
    Invoke(Box<Invocation>),
}

/// Drives executions stored in a `Store`.
pub struct Durable {
    store: Arc<dyn Store>,
    clock: SharedClock,
    machines: HashMap<String, Arc<Machine>>,
    routers: HashMap<String, Router>,
    /// Who this process is when it leases outbox entries (`runtime::process`).
    owner: String,
    /// Only this execution's timers and effects (`confine_to`).
    only: Option<String>,
    /// Conductor workflows in the same store: their tokens close through this runtime's
    /// callbacks; with `deliver_conductor`, their timers and effects are driven here too.
    conductor: Option<Arc<Conductor>>,
    deliver_conductor: bool,
    /// Told when a commit leaves work for the drive loop.
    wake: Arc<Wake>,
}

/// What a step must check before it applies.
enum Guard {
    None,
    /// A callback: the task must still be awaited, else AWS answers `TaskTimedOut`.
    OpenTask(WaitId),
}

impl Durable {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock) -> Self {
        Durable {
            store,
            clock,
            machines: HashMap::new(),
            routers: HashMap::new(),
            owner: crate::runtime::process::owner_id(),
            only: None,
            conductor: None,
            deliver_conductor: false,
            wake: Wake::shared(),
        }
    }

    /// Closes Conductor tasks by their tokens too and, when `deliver`, drives Conductor timers and
    /// effects with the ASL ones (a process that knows where Conductor's queues are: `serve`,
    /// `run`, `resume`). It shares the Conductor's wake.
    pub fn with_conductor(mut self, conductor: Arc<Conductor>, deliver: bool) -> Self {
        self.wake = conductor.wake.clone();
        self.conductor = Some(conductor);
        self.deliver_conductor = deliver;
        self
    }

    /// Fires only `arn`'s timers and performs only its effects: `stepwise run --db --skip-waits`,
    /// whose virtual time must not fire other executions' timers on a shared database.
    pub fn confine_to(mut self, arn: &str) -> Self {
        self.only = Some(arn.to_string());
        self
    }

    /// "Now" for leases, which other processes read: the wall clock when this runtime's clock is
    /// virtual (virtual time may run hours ahead).
    fn lease_now(&self) -> i64 {
        if self.clock.is_virtual() {
            crate::runtime::clock::system_now_ms()
        } else {
            self.clock.now_ms()
        }
    }

    /// What this runtime notifies when a commit leaves work for the drive loop.
    pub fn wake(&self) -> Arc<Wake> {
        self.wake.clone()
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    /// Wakes the drive loop when a commit left effects to perform or timers to arm — only then:
    /// most executions of Pass and Choice states end in their first commit and leave nothing to
    /// drive, and a wake-up costs the driver an outbox claim.
    fn note_work(&self, work: bool) {
        if work {
            self.wake.notify();
        }
    }

    /// Lets time pass until `due_ms` (a virtual clock jumps there).
    pub fn advance_to(&self, due_ms: i64) {
        self.clock.wait_until(due_ms);
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
        loop {
            let record = self
                .store
                .execution(arn)?
                .ok_or_else(|| Error::NoSuchExecution(arn.to_string()))?;
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

    /// Whose timers and effects this runtime fires and performs: ASL executions' (and
    /// Conductor workflows' when it drives them), all or only those of `confine_to`.
    fn scope(&self) -> Scope<'_> {
        Scope {
            decider: (!self.deliver_conductor).then_some(Decider::Asl),
            execution: self.only.as_deref(),
        }
    }

    /// When the next timer this runtime fires is due.
    pub fn next_due(&self) -> Option<i64> {
        let next = self.store.next_timer(self.scope()).ok().flatten();
        next.map(|t| t.due_ms)
    }

    /// Frees the outbox leases of processes that died (`kill -9` mid-delivery), so their effects
    /// are delivered now rather than when the leases run out. Returns how many were freed.
    pub fn release_dead_leases(&self) -> Result<usize> {
        Ok(self
            .store
            .release_leases(&crate::runtime::process::is_dead)?)
    }

    /// Performs due timers and pending effects until none is left. Returns how many it handled.
    pub fn drive(&mut self) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.fire_timers()? + self.deliver()?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    fn fire_timers(&mut self) -> Result<usize> {
        let now = self.clock.now_ms();
        let due = self.store.due_timers(now, BATCH, self.scope())?;
        let (conductor, asl): (Vec<_>, Vec<_>) =
            due.iter().partition(|t| t.decider == Decider::Conductor);
        if let Some(c) = &self.conductor {
            for t in conductor {
                c.fire(&t.execution_arn);
            }
        }
        let work = asl
            .into_iter()
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
        self.apply_batch(work)?;
        Ok(due.len())
    }

    fn deliver(&mut self) -> Result<usize> {
        let now = self.lease_now();
        let claimed = self
            .store
            .claim_outbox(now, LEASE_MS, BATCH, &self.owner, self.scope())?;
        let mut work = Vec::with_capacity(claimed.len());
        for record in &claimed {
            let done = Commit {
                done_outbox: vec![record.id],
                ..Commit::default()
            };
            let event = match (record.decider, &self.conductor) {
                (Decider::Asl, _) => self.perform(record)?,
                (Decider::Conductor, Some(c)) => {
                    if !c.perform_record(record) {
                        continue; // stays leased: tried again when the lease ends
                    }
                    None
                }
                (Decider::Conductor, None) => continue,
            };
            work.push((record.execution_arn.clone(), event, done));
        }
        self.apply_batch(work)?;
        Ok(claimed.len())
    }

    /// Group commit: applies each event to its execution (chaining several events of one
    /// execution) and commits everything in one transaction. When another process got in
    /// between, falls back to applying them one by one.
    fn apply_batch(&mut self, work: Vec<(String, Option<Event>, Commit)>) -> Result<()> {
        let mut current: HashMap<String, Option<(ExecutionRecord, Execution)>> = HashMap::new();
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

    /// The execution and its engine state, when it is still running.
    fn load_running(&mut self, arn: &str) -> Result<Option<(ExecutionRecord, Execution)>> {
        let Some(record) = self.store.execution(arn)? else {
            return Ok(None);
        };
        if record.status != ExecutionStatus::Running {
            return Ok(None);
        }
        let exec = serde_json::from_str(&record.state)
            .map_err(|e| Error::Corrupt(format!("execution {arn} cannot be read back: {e}")))?;
        Ok(Some((record, exec)))
    }

    /// Performs one outbox entry; the event that reports its outcome (`None`: nothing to report,
    /// e.g. the execution has ended).
    fn perform(&mut self, record: &OutboxRecord) -> Result<Option<Event>> {
        let Ok(Work::Invoke(inv)) = serde_json::from_str::<Work>(&record.payload) else {
            return Ok(None);
        };
        let Some(router) = self.router(&record.execution_arn)? else {
            return Ok(None);
        };
        let reply = router.invoke(&inv);
        let task = inv.task;
        let event = match reply {
            Reply::Succeeded(output) => Event::TaskSucceeded { task, output },
            Reply::Failed { error, cause } => Event::TaskFailed { task, error, cause },
            Reply::NotRunnable(cause) => Event::TaskNotRunnable { task, cause },
            Reply::Pending(output) => Event::TaskSubmitted { task, output },
        };
        Ok(Some(event))
    }

    /// The handlers of an execution (`None` when it has ended: nothing to invoke any more).
    fn router(&mut self, arn: &str) -> Result<Option<&mut Router>> {
        if self.routers.contains_key(arn) {
            return Ok(self.routers.get_mut(arn));
        }
        if self.routers.len() >= MAX_CACHED_ROUTERS {
            self.routers.clear();
        }
        let Some(record) = self.store.execution(arn)? else {
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

    /// `SendTaskSuccess`: `output` is JSON text.
    pub fn send_task_success(&mut self, token: &str, output: &str) -> Result<()> {
        let record = self.open_token(token)?;
        if output.len() > crate::engine::failure::MAX_PAYLOAD_BYTES {
            return Err(Error::Callback {
                code: "InvalidOutput",
                message: "Invalid Output: the output is larger than 262144 bytes".into(),
            });
        }
        let output = serde_json::from_str(output).map_err(|e| Error::Callback {
            code: "InvalidOutput",
            message: format!("Invalid Output: '{e}'"),
        })?;
        self.callback(&record, CallbackOutcome::Success(output))
    }

    /// `SendTaskFailure`: error ≤ 256 and cause ≤ 32,768 characters.
    pub fn send_task_failure(
        &mut self,
        token: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<()> {
        if error.as_ref().is_some_and(|e| e.chars().count() > 256)
            || cause.as_ref().is_some_and(|c| c.chars().count() > 32_768)
        {
            return Err(Error::Callback {
                code: "ValidationException",
                message: "error must be at most 256 characters and cause at most 32768".into(),
            });
        }
        let record = self.open_token(token)?;
        self.callback(&record, CallbackOutcome::Failure { error, cause })
    }

    /// Applies a callback to the task `record` names, whichever decider's it is.
    fn callback(&mut self, record: &TokenRecord, outcome: CallbackOutcome) -> Result<()> {
        if record.decider == Decider::Conductor {
            let answer = match outcome {
                CallbackOutcome::Success(v) => Answer::Success(v),
                CallbackOutcome::Failure { error, cause } => Answer::Failure { error, cause },
            };
            let closed = self.conductor(record)?.answer(
                &record.execution_arn,
                &record.state_name,
                &record.token,
                &answer,
            );
            return match closed {
                Ok(true) => {
                    self.note_work(true);
                    Ok(())
                }
                Ok(false) => Err(timed_out()),
                Err(e) => Err(Error::Corrupt(e.message)),
            };
        }
        let task = record.task;
        self.apply(
            &record.execution_arn,
            Event::Callback { task, outcome },
            Guard::OpenTask(task),
            Commit::default(),
        )
    }

    /// The Conductor that owns a Conductor task's token.
    fn conductor(&self, record: &TokenRecord) -> Result<&Conductor> {
        self.conductor.as_deref().ok_or_else(|| {
            Error::Corrupt(format!(
                "the token belongs to Conductor workflow {}, which this runtime was not given (a bug: please report it)",
                record.execution_arn
            ))
        })
    }

    /// `SendTaskHeartbeat`.
    pub fn send_task_heartbeat(&mut self, token: &str) -> Result<()> {
        let record = self.open_token(token)?;
        if record.decider == Decider::Conductor {
            let c = self.conductor(&record)?;
            return match c.awaits_token(&record.execution_arn, &record.state_name, token) {
                true => Ok(()),
                false => Err(timed_out()),
            };
        }
        let task = record.task;
        self.apply(
            &record.execution_arn,
            Event::TaskHeartbeat { task },
            Guard::OpenTask(task),
            Commit::default(),
        )
    }

    /// A worker took the activity task of `token` (`GetActivityTask`): records `ActivityStarted`.
    /// `TaskTimedOut` when the task is no longer awaited.
    pub fn activity_started(&mut self, token: &str, worker_name: Option<String>) -> Result<()> {
        let record = self.open_token(token)?;
        let task = record.task;
        self.apply(
            &record.execution_arn,
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

    fn open_token(&self, token: &str) -> Result<TokenRecord> {
        if !well_formed(token) {
            return Err(Error::Callback {
                code: "InvalidToken",
                message: "Invalid Token: 'Invalid token'".into(),
            });
        }
        let record = self.store.token(token)?.ok_or_else(|| Error::Callback {
            code: "TaskDoesNotExist",
            message: "Task Does Not Exist: no task was scheduled with this token".into(),
        })?;
        if !record.open {
            return Err(timed_out());
        }
        Ok(record)
    }
}

/// Tokens are 43 characters of URL-safe base64 (256 bits); AWS accepts up to 2048 characters.
fn well_formed(token: &str) -> bool {
    (1..=2048).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn timed_out() -> Error {
    Error::Callback {
        code: "TaskTimedOut",
        message: "Task Timed Out: 'Provided task does not exist anymore'".into(),
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

/// The engine status of a stored execution.
pub fn status_of(record: &ExecutionRecord) -> Status {
    let output = record
        .output
        .as_deref()
        .and_then(|o| serde_json::from_str(o).ok())
        .unwrap_or_default();
    let (error, cause) = (record.error.clone(), record.cause.clone());
    match record.status {
        ExecutionStatus::Succeeded => Status::Succeeded { output },
        ExecutionStatus::Failed => Status::Failed { error, cause },
        ExecutionStatus::TimedOut => Status::TimedOut { error, cause },
        ExecutionStatus::Aborted => Status::Aborted { error, cause },
        ExecutionStatus::Running | ExecutionStatus::PendingRedrive => Status::Running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::clock::VirtualClock;
    use crate::store::MemoryStore;
    use serde_json::{Value, json};

    /// Starts a machine whose first state is `first`; whether the runtime then woke the driver.
    /// A wake-up is taken once.
    fn schedules(first: Value) -> bool {
        let definition = json!({"StartAt": "S", "States": {"S": first}}).to_string();
        let machine = Arc::new(crate::asl::load(&definition).expect("a valid definition"));
        let mut d = Durable::new(Arc::new(MemoryStore::new()), VirtualClock::shared(0));
        let info = ExecutionInfo {
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:M:e".into(),
            name: "e".into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M".into(),
            state_machine_name: "M".into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            region: "us-east-1".into(),
            start_ms: 0,
            input: json!({}),
        };
        let config = HandlerConfig::default();
        d.start(&definition, machine, info, [0; 32], &config)
            .expect("the execution starts");
        let wake = d.wake();
        let scheduled = wake.wait(Some(std::time::Duration::ZERO));
        assert!(
            !wake.wait(Some(std::time::Duration::ZERO)),
            "taking the wake-up clears it"
        );
        scheduled
    }

    #[test]
    fn only_effects_and_timers_leave_work_for_the_driver() {
        let lambda = "arn:aws:lambda:us-east-1:123456789012:function:f";
        let cases = [
            (json!({"Type": "Pass", "End": true}), false),
            (
                json!({"Type": "Task", "Resource": lambda, "End": true}),
                true,
            ),
            (json!({"Type": "Wait", "Seconds": 5, "End": true}), true),
        ];
        for (first, expected) in cases {
            assert_eq!(schedules(first.clone()), expected, "{first}");
        }
    }
}
