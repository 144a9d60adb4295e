//! The runtime shell: durable instances of both deciders over one `Store`. It owns, once each,
//! the clock, the claims of due timers and outbox entries (leases that name their holder and
//! expire), task tokens and their callbacks, and the wake-ups of the drive loop; it hands what is
//! due to the decider whose instance it is (`decider.rs`): the ASL engine (`asl.rs`) and, when a
//! Conductor is attached (`with_conductor`), the Conductor decider. Effects are performed only
//! after their commit, at least once. Any process holding the store can continue any instance:
//! a callback from another shell, a restart after `kill -9`.

use crate::asl::Machine;
use crate::engine::{CallbackOutcome, ExecutionInfo, Status};
use crate::runtime::asl::{Asl, Performed};
use crate::runtime::clock::SharedClock;
use crate::runtime::conductor::Conductor;
use crate::runtime::config::HandlerConfig;
use crate::runtime::decider::{self, timed_out};
use crate::runtime::effects::Pool;
use crate::runtime::renew::Renewer;
use crate::runtime::wake::Wake;
use crate::runtime::{BATCH, LEASE_MS};
use crate::store::{
    Decider, ExecutionRecord, ExecutionStatus, OutboxRecord, Scope, Store, TokenRecord,
};
use std::sync::Arc;

pub use crate::runtime::decider::{Error, Result};

/// Drives the instances stored in a `Store`.
pub struct Durable {
    store: Arc<dyn Store>,
    clock: SharedClock,
    /// Who this process is when it leases outbox entries (`runtime::process`).
    owner: String,
    /// Only this execution's timers and effects (`confine_to`).
    only: Option<String>,
    /// The ASL engine's executions.
    asl: Asl,
    /// Conductor workflows in the same store: their tokens close through this runtime's
    /// callbacks; with `deliver_conductor`, their timers and effects are driven here too.
    conductor: Option<Arc<Conductor>>,
    deliver_conductor: bool,
    /// Told when a commit leaves work for the drive loop.
    wake: Arc<Wake>,
    /// Extends the leases of effects being performed (started at the first delivery).
    renewer: Option<Renewer>,
    /// The workers that perform ASL effects (started at the first delivery; none with a
    /// virtual clock, whose time must not jump while an effect runs: those are performed in
    /// the loop, one after another).
    effects: Option<Pool<Performed>>,
}

impl Durable {
    pub fn new(store: Arc<dyn Store>, clock: SharedClock) -> Self {
        let wake = Wake::shared();
        Durable {
            asl: Asl::new(store.clone(), clock.clone(), wake.clone()),
            store,
            clock,
            owner: crate::runtime::process::owner_id(),
            only: None,
            conductor: None,
            deliver_conductor: false,
            wake,
            renewer: None,
            effects: None,
        }
    }

    /// Closes Conductor tasks by their tokens too and, when `deliver`, drives Conductor timers and
    /// effects with the ASL ones (a process that knows where Conductor's queues are: `serve`,
    /// `run`, `resume`). It shares the Conductor's wake.
    pub fn with_conductor(mut self, conductor: Arc<Conductor>, deliver: bool) -> Self {
        self.wake = conductor.wake.clone();
        self.asl.wake = conductor.wake.clone();
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

    /// Lets time pass until `due_ms` (a virtual clock jumps there).
    pub fn advance_to(&self, due_ms: i64) {
        self.clock.wait_until(due_ms);
    }

    /// Starts an ASL execution and commits its first step. Nothing is invoked until `drive`.
    pub fn start(
        &mut self,
        definition: &str,
        machine: Arc<Machine>,
        info: ExecutionInfo,
        seed: [u8; 32],
        config: &HandlerConfig,
    ) -> Result<String> {
        self.asl.start(definition, machine, info, seed, config)
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
        let freed = self
            .store
            .release_leases(&crate::runtime::process::is_dead)?;
        if freed > 0 {
            tracing::info!(freed, "freed the effect leases of processes that died");
        }
        Ok(freed)
    }

    /// Frees the leases held under this runtime's owner id: called by a node as it starts,
    /// before it claims anything, so a node restarted under the same `--node-id` takes back
    /// the work its previous run held at once, not when the leases run out.
    pub fn release_previous_leases(&self) -> Result<usize> {
        let me = self.owner.as_str();
        let freed = self.store.release_leases(&|owner| owner == me)?;
        if freed > 0 {
            tracing::info!(
                freed,
                owner = me,
                "took back the effect leases this node held before it restarted"
            );
        }
        Ok(freed)
    }

    /// Performs due timers and pending effects until none is left, waiting for the effects
    /// being performed (`stepwise run --detach`, `stepwise task success`: a process about to
    /// exit). Returns how many timers and effects it handled.
    pub fn drive(&mut self) -> Result<usize> {
        let mut total = 0;
        loop {
            let turn = self.turn_counted()?;
            total += turn.handled;
            if turn.handled + turn.started == 0 {
                if self.performing() == 0 {
                    return Ok(total);
                }
                self.wake.wait(Some(std::time::Duration::from_millis(100)));
            }
        }
    }

    /// One look at what is due, for a drive loop (`runtime::drive`): fires due timers, commits
    /// the outcomes of effects that finished, and starts due effects on the effect workers,
    /// without waiting for any. Returns how much it did (0: nothing; the loop may sleep until
    /// woken — a finished effect wakes it).
    pub fn turn(&mut self) -> Result<usize> {
        let mut total = 0;
        loop {
            let turn = self.turn_counted()?;
            let n = turn.handled + turn.started;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Commits the outcomes of the effects the workers finished (without starting any): a
    /// server shutting down. Returns how many.
    pub fn commit_finished(&mut self) -> Result<usize> {
        let Some(pool) = &self.effects else {
            return Ok(0);
        };
        let finished = pool.take_finished();
        if finished.is_empty() {
            return Ok(0);
        }
        let n = finished.len();
        self.renew(|r| r.release(finished.iter().map(Performed::id)));
        self.asl.complete(finished)?;
        Ok(n)
    }

    /// Effects being performed on the workers.
    pub fn performing(&self) -> usize {
        self.effects.as_ref().map_or(0, Pool::in_flight)
    }

    fn turn_counted(&mut self) -> Result<Turn> {
        // Effects are performed even when timers cannot be fired (and the other way round);
        // effects first, as the work a callback or a start just committed is waiting there.
        let delivered = self.deliver();
        let fired = self.fire_timers();
        let fired = fired?;
        let mut turn = delivered?;
        turn.handled += fired;
        Ok(turn)
    }

    /// The decider of `whose` instances.
    fn decider(&mut self, whose: Decider) -> Result<&mut dyn decider::Decider> {
        match (whose, &mut self.conductor) {
            (Decider::Asl, _) => Ok(&mut self.asl),
            (Decider::Conductor, Some(c)) => Ok(c),
            (Decider::Conductor, None) => Err(Error::Corrupt(
                "a Conductor workflow's task or effect reached a runtime that was given no Conductor (a bug: please report it)".into(),
            )),
        }
    }

    /// Hands each decider its share of `items` (timers or outbox entries), in order. Most
    /// batches are one decider's: those are handed over as they are.
    fn hand_out<T: Clone>(
        &mut self,
        items: &[T],
        whose: impl Fn(&T) -> Decider,
        mut hand: impl FnMut(&mut dyn decider::Decider, &[T]) -> Result<()>,
    ) -> Result<()> {
        let Some(first) = items.first().map(&whose) else {
            return Ok(());
        };
        if items.iter().all(|i| whose(i) == first) {
            return hand(self.decider(first)?, items);
        }
        for d in [Decider::Asl, Decider::Conductor] {
            let share: Vec<T> = items.iter().filter(|i| whose(i) == d).cloned().collect();
            if !share.is_empty() {
                hand(self.decider(d)?, &share)?;
            }
        }
        Ok(())
    }

    fn fire_timers(&mut self) -> Result<usize> {
        // Due times are the runtime's clock (virtual with --skip-waits), and so are the claims.
        let now = self.clock.now_ms();
        let due = self
            .store
            .claim_timers(now, LEASE_MS, BATCH, &self.owner, self.scope())?;
        self.hand_out(&due, |t| t.decider, |d, share| d.fire(share))?;
        Ok(due.len())
    }

    /// Commits what the effect workers finished, then claims due outbox entries and starts
    /// them (ASL effects on the workers; Conductor's, and all with a virtual clock, here).
    fn deliver(&mut self) -> Result<Turn> {
        let virtual_time = self.clock.is_virtual();
        if self.effects.is_none() && !virtual_time {
            self.effects = Some(Pool::new(
                Pool::<Performed>::configured_size(),
                self.wake.clone(),
            ));
        }
        if self.renewer.is_none() {
            self.renewer = Some(Renewer::start(self.store.clone(), self.owner.clone()));
        }
        let mut turn = Turn {
            handled: self.commit_finished()?,
            started: 0,
        };
        let room = self.effects.as_ref().map_or(BATCH, |p| p.room().min(BATCH));
        if room == 0 {
            return Ok(turn);
        }
        let now = self.lease_now();
        let (claimed, executions) = self.store.claim_outbox_with_executions(
            now,
            LEASE_MS,
            room,
            &self.owner,
            self.scope(),
        )?;
        if claimed.is_empty() {
            return Ok(turn);
        }
        for o in claimed.iter().filter(|o| o.attempts > 1) {
            tracing::info!(
                execution = %o.execution_arn,
                effect = o.id,
                attempt = o.attempts,
                "taking over an effect whose previous holder did not finish it (a process that died, or a lease that ran out): performing it again"
            );
        }
        self.asl.prefetched = executions.into_iter().map(|r| (r.arn.clone(), r)).collect();
        self.renew(|r| r.hold(claimed.iter().map(|o| o.id)));
        let (asl, conductor): (Vec<OutboxRecord>, Vec<OutboxRecord>) = claimed
            .iter()
            .cloned()
            .partition(|o| o.decider == Decider::Asl);
        // The ids of the entries that went to the workers.
        let mut performing = std::collections::HashSet::new();
        let delivered = match &self.effects {
            Some(pool) => self
                .asl
                .dispatch(&asl, pool)
                .map(|started| performing.extend(started)),
            None => decider::Decider::deliver(&mut self.asl, &asl),
        }
        .and_then(|()| match conductor.is_empty() {
            true => Ok(()),
            false => self.decider(Decider::Conductor)?.deliver(&conductor),
        });
        self.asl.prefetched.clear();
        // What went to the workers stays held until it comes back.
        let here = claimed.iter().filter(|o| !performing.contains(&o.id));
        self.renew(|r| r.release(here.map(|o| o.id)));
        delivered?;
        turn.started = performing.len();
        turn.handled += claimed.len() - performing.len();
        Ok(turn)
    }

    fn renew(&self, f: impl FnOnce(&Renewer)) {
        if let Some(r) = &self.renewer {
            f(r);
        }
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
        let invalid = |e: String| Error::Callback {
            code: "InvalidOutput",
            message: format!("Invalid Output: '{e}'"),
        };
        let output = serde_json::from_str(output).map_err(|e| invalid(e.to_string()))?;
        crate::data::depth::check("The output", &output).map_err(invalid)?;
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
        self.fire_due_first(record)?;
        let answered = self.decider(record.decider)?.answer(record, outcome);
        self.asl.prefetched.clear();
        answered
    }

    /// Fires the timers of the token's execution that are already due (a Task's
    /// `TimeoutSeconds` or `HeartbeatSeconds` among them) before its callback applies: a busy
    /// driver may fire them late, and AWS answers a callback after the timeout with
    /// `TaskTimedOut`, whenever the timeout is acted on.
    fn fire_due_first(&mut self, record: &TokenRecord) -> Result<()> {
        if record.decider != Decider::Asl {
            return Ok(());
        }
        let scope = Scope {
            decider: Some(Decider::Asl),
            execution: Some(&record.execution_arn),
        };
        let due = self.store.due_timers(self.clock.now_ms(), BATCH, scope)?;
        if due.is_empty() {
            return Ok(());
        }
        // The step that fires them reads the row again; the callback then starts from theirs.
        self.asl.prefetched.clear();
        decider::Decider::fire(&mut self.asl, &due)
    }

    /// `SendTaskHeartbeat`.
    pub fn send_task_heartbeat(&mut self, token: &str) -> Result<()> {
        let record = self.open_token(token)?;
        self.fire_due_first(&record)?;
        let beaten = self.decider(record.decider)?.heartbeat(&record);
        self.asl.prefetched.clear();
        beaten
    }

    /// A worker took the activity task of `token` (`GetActivityTask`): records `ActivityStarted`.
    /// `TaskTimedOut` when the task is no longer awaited.
    pub fn activity_started(&mut self, token: &str, worker_name: Option<String>) -> Result<()> {
        let record = self.open_token(token)?;
        self.asl.activity_started(&record, worker_name)
    }

    /// `StopExecution`.
    pub fn stop(&mut self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<()> {
        self.asl.stop(arn, error, cause)
    }

    /// `RedriveExecution`.
    pub fn redrive(&mut self, arn: &str) -> Result<()> {
        self.asl.redrive(arn)
    }

    /// `UpdateMapRun`: the Map Run's execution `arn` gets new limits.
    pub fn update_map_run(
        &mut self,
        arn: &str,
        max_concurrency: Option<u64>,
        tolerated_count: Option<u64>,
        tolerated_percentage: Option<f64>,
    ) -> Result<()> {
        self.asl
            .update_limits(arn, max_concurrency, tolerated_count, tolerated_percentage)
    }

    fn open_token(&mut self, token: &str) -> Result<TokenRecord> {
        if !well_formed(token) {
            return Err(Error::Callback {
                code: "InvalidToken",
                message: "Invalid Token: 'Invalid token'".into(),
            });
        }
        let (record, execution) =
            self.store
                .token_with_execution(token)?
                .ok_or_else(|| Error::Callback {
                    code: "TaskDoesNotExist",
                    message: "Task Does Not Exist: no task was scheduled with this token".into(),
                })?;
        if !record.open {
            return Err(timed_out());
        }
        // The step the callback makes starts from this row (a commit since is a `Conflict`).
        self.asl.prefetched = execution.map(|r| (r.arn.clone(), r)).into_iter().collect();
        Ok(record)
    }
}

/// What one look at the due work did.
#[derive(Debug, Default, Clone, Copy)]
struct Turn {
    /// Timers fired and effects whose outcomes were committed.
    handled: usize,
    /// Effects started on the workers.
    started: usize,
}

/// Tokens are 43 characters of URL-safe base64 (256 bits); AWS accepts up to 2048 characters.
fn well_formed(token: &str) -> bool {
    (1..=2048).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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

    /// An execution `arn` of machine M starting at 0 with `input`.
    fn info(arn: &str, input: Value) -> ExecutionInfo {
        ExecutionInfo {
            execution_arn: arn.into(),
            name: arn.rsplit(':').next().unwrap_or(arn).into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M".into(),
            state_machine_name: "M".into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            region: "us-east-1".into(),
            start_ms: 0,
            input,
        }
    }

    /// A step whose new state would nest deeper than the store can read back (a deep result
    /// placed deep in a deep input: each within the limits) ends its execution FAILED with a
    /// cause, instead of storing a row no one could read again.
    #[test]
    fn a_state_too_deep_to_read_back_fails_its_execution() {
        let deep = |levels: usize, inner: Value| (0..levels).fold(inner, |v, _| json!({"k": v}));
        let result_path = format!("${}", ".k".repeat(60));
        let definition = json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 1, "Next": "Put"},
            "Put": {"Type": "Pass", "Result": deep(80, json!(1)), "ResultPath": result_path,
                    "End": true}}})
        .to_string();
        let machine = Arc::new(crate::asl::load(&definition).expect("a valid definition"));
        let store = Arc::new(MemoryStore::new());
        let mut d = Durable::new(store.clone(), VirtualClock::shared(0));
        let arn = "arn:aws:states:us-east-1:123456789012:execution:M:deep";
        let info = info(arn, deep(60, json!({})));
        d.start(
            &definition,
            machine,
            info,
            [0; 32],
            &HandlerConfig::default(),
        )
        .expect("the execution starts");
        d.advance_to(1_000);
        d.drive().expect("the driver carries on");
        let record = crate::store::ExecutionStore::execution(&*store, arn)
            .expect("the store answers")
            .expect("stored");
        assert_eq!(record.status, ExecutionStatus::Failed);
        assert_eq!(record.error.as_deref(), Some("States.Runtime"));
        let cause = record.cause.unwrap_or_default();
        assert!(cause.contains("nested too deeply"), "{cause}");
        let history = crate::store::ExecutionStore::history(&*store, arn, 0, 0).expect("history");
        let last: Value = serde_json::from_str(&history.last().expect("events").json).unwrap();
        assert_eq!(last["type"], "ExecutionFailed");
        assert_eq!(last["id"], history.len());
    }

    /// A callback that comes after its Task's `TimeoutSeconds` is answered `TaskTimedOut` and
    /// the Task times out, even when the driver has not fired the timeout yet (a busy server).
    #[test]
    fn a_callback_after_the_timeout_is_too_late_even_before_the_timer_fired() {
        let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
            "TimeoutSeconds": 1, "End": true}}})
        .to_string();
        let machine = Arc::new(crate::asl::load(&definition).expect("a valid definition"));
        let store = Arc::new(MemoryStore::new());
        let mut d = Durable::new(store.clone(), VirtualClock::shared(0));
        let arn = "arn:aws:states:us-east-1:123456789012:execution:M:late";
        let info = info(arn, json!({}));
        d.start(
            &definition,
            machine,
            info,
            [0; 32],
            &HandlerConfig::default(),
        )
        .expect("the execution starts");
        let token = crate::store::TokenStore::open_tokens(&*store, arn).expect("tokens")[0]
            .token
            .clone();
        d.advance_to(1_500);
        let late = d.send_task_success(&token, "{}").expect_err("too late");
        assert_eq!(late, timed_out());
        let record = crate::store::ExecutionStore::execution(&*store, arn)
            .expect("the store answers")
            .expect("stored");
        assert_eq!(record.status, ExecutionStatus::Failed);
        assert_eq!(record.error.as_deref(), Some("States.Timeout"));
    }

    /// Starts a machine whose first state is `first`; whether the runtime then woke the driver.
    /// A wake-up is taken once.
    fn schedules(first: Value) -> bool {
        let definition = json!({"StartAt": "S", "States": {"S": first}}).to_string();
        let machine = Arc::new(crate::asl::load(&definition).expect("a valid definition"));
        let mut d = Durable::new(Arc::new(MemoryStore::new()), VirtualClock::shared(0));
        let info = info(
            "arn:aws:states:us-east-1:123456789012:execution:M:e",
            json!({}),
        );
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
