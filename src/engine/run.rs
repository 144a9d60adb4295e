//! The driver inside the engine: enters states, follows transitions, applies Retry and Catch,
//! and finishes frames and executions. Everything here is synchronous and deterministic.

use crate::asl::model::{
    Caught, ErrorHandling, IoPath, Kind, Machine, ResultPath, State, StateId, Transition,
};
use crate::data::template::Template;
use crate::engine::event::{Effect, Trace, WaitId};
use crate::engine::execution::{Doc, Execution, Frame, FrameId, Status, Waiting, variable_in};
use crate::engine::failure::{Failure, RUNTIME};
use crate::engine::history::{Details, HistoryEvent, OtherDetails};
use crate::engine::io::{self, Here};
use crate::engine::scope::{StateInfo, StateScope};
use crate::engine::states;
use serde_json::Value;
use std::sync::Arc;

/// AWS fails a Standard execution whose history would exceed this many events.
pub const MAX_HISTORY_EVENTS: u64 = 25_000;

/// What executing a state produced.
pub enum Step {
    /// The state's output; follow its transition.
    Next(Doc),
    /// Follow a specific transition with this output (a Catcher's `Next`, a Choice rule's).
    Goto(Doc, Transition),
    Fail(Failure),
    /// The Parallel/Map state itself failed (a branch or iteration failed it, or a JSONata Map's
    /// `Items` is not an array): like `Fail`, but `*StateFailed` is logged when the failure is
    /// not retried.
    ChildFailed(Failure),
    /// Waiting for a task, timer or children.
    Suspend,
}

/// Deferred work, processed last-in first-out so iterations run depth-first.
pub(crate) enum Work {
    Run(FrameId),
    Pump(FrameId),
    Step(FrameId, Step),
}

pub struct Ctx<'m, 'x> {
    pub m: &'m Machine,
    pub x: &'x mut Execution,
    pub effects: Vec<Effect>,
    pub(crate) work: Vec<Work>,
    /// Type and `previousEventId` of the last event emitted in this step.
    last_kind: &'static str,
    last_previous: u64,
}

impl<'m, 'x> Ctx<'m, 'x> {
    pub fn new(m: &'m Machine, x: &'x mut Execution) -> Self {
        Ctx {
            m,
            x,
            effects: Vec::with_capacity(32),
            work: Vec::new(),
            last_kind: "",
            last_previous: 0,
        }
    }

    pub fn state_of(&self, fid: FrameId) -> &'m State {
        &self.m.states[self.x.frame(fid).state]
    }

    pub fn here(&self, fid: FrameId) -> Here<'m> {
        Here {
            name: &self.state_of(fid).name,
            entered_id: self.x.frame(fid).entered_id,
        }
    }

    /// Records that the state of `fid` took Choice rule `rule` (`None`: `Default`).
    pub fn trace_choice(&mut self, fid: FrameId, rule: Option<usize>) {
        let state = self.x.frame(fid).state;
        self.effects
            .push(Effect::Trace(Trace::Choice { state, rule }));
    }

    /// Appends a history event and returns its id.
    pub fn emit(&mut self, kind: &'static str, details: impl Into<Details>) -> u64 {
        let id = self.x.next_event_id;
        // AWS quirks (§10.4): the next iteration's start points where the finished iteration
        // ended, as its MapIterationSucceeded does; Map/ParallelStateExited shares its
        // predecessor with Map/ParallelStateSucceeded.
        let shares = matches!(
            (self.last_kind, kind),
            ("MapIterationSucceeded", "MapIterationStarted")
                | ("MapStateSucceeded", "MapStateExited")
                | ("ParallelStateSucceeded", "ParallelStateExited")
        );
        if shares {
            return self.emit_after(kind, details, self.last_previous);
        }
        // AWS quirk: the first state's `*StateEntered` points at event 0, not at ExecutionStarted.
        let previous = if id == 2 && kind.ends_with("StateEntered") {
            0
        } else {
            id - 1
        };
        self.emit_after(kind, details, previous)
    }

    /// Appends a history event with an explicit `previousEventId`.
    pub fn emit_after(
        &mut self,
        kind: &'static str,
        details: impl Into<Details>,
        previous_event_id: u64,
    ) -> u64 {
        let id = self.x.next_event_id;
        self.x.next_event_id += 1;
        self.last_kind = kind;
        self.last_previous = previous_event_id;
        if !self.x.records_history {
            return id;
        }
        self.effects.push(Effect::History(HistoryEvent {
            id,
            previous_event_id,
            timestamp: self.x.now,
            kind,
            details: details.into(),
        }));
        id
    }

    pub fn arm_timer(&mut self, fid: FrameId, due_ms: i64) -> WaitId {
        let timer = self.x.next_wait_id();
        self.x.waits.insert(timer, fid);
        self.effects.push(Effect::ArmTimer { timer, due_ms });
        timer
    }

    /// Runs `f` with a scope whose `$` is `doc` and whose `$$` describes the frame's state.
    pub fn with_scope<R>(
        &mut self,
        fid: FrameId,
        doc: &Value,
        map_item: Option<(usize, &Value)>,
        f: impl FnOnce(&mut StateScope) -> R,
    ) -> R {
        let x = &mut *self.x;
        let info = state_info(self.m, &x.frames, fid, map_item);
        let frames = &x.frames;
        let variables = move |name: &str| variable_in(frames, fid, name);
        let base = x.probe.as_ref().and_then(|p| p.context.as_ref());
        let mut scope = StateScope::new(doc, &variables, &x.info, info, &mut x.rng, base);
        f(&mut scope)
    }

    /// Evaluates an `Assign` with `doc` as `$` and the variables as they were when the state
    /// was entered; the values take effect when the state exits (`transition`).
    pub fn assign(
        &mut self,
        fid: FrameId,
        assign: Option<&'m Template>,
        doc: &Value,
    ) -> Result<(), Failure> {
        let Some(t) = assign else {
            return Ok(());
        };
        let here = self.here(fid);
        let value = self.with_scope(fid, doc, None, |s| io::eval_template(t, s, doc, here))?;
        let values = match value {
            Value::Object(values) => values,
            _ => Default::default(),
        };
        crate::engine::failure::check_assigned(&values, here.name)?;
        self.x
            .frame_mut(fid)
            .assigned
            .get_or_insert_with(Default::default)
            .extend(values);
        Ok(())
    }

    /// The context object (`$$`, `$states.context`) for the frame's current state; with
    /// `Execution.Input` only when `input`.
    pub fn context_object(
        &self,
        fid: FrameId,
        map_item: Option<(usize, &Value)>,
        input: bool,
    ) -> Value {
        let info = state_info(self.m, &self.x.frames, fid, map_item);
        let base = self.x.probe.as_ref().and_then(|p| p.context.as_ref());
        crate::engine::scope::context_of(&self.x.info, base, &info, input)
    }

    /// Records `value` as the frame's state's value at `stage` when the execution carries
    /// TestState's probe (`probe.rs`); free otherwise.
    pub fn inspect(&mut self, fid: FrameId, stage: &str, value: impl FnOnce() -> Value) {
        let name = &self.state_of(fid).name;
        if let Some(p) = &mut self.x.probe {
            p.recorded
                .push((name.to_string(), stage.to_string(), value()));
        }
    }

    /// The state's effective input: InputPath over its raw input.
    pub fn effective_input(&mut self, fid: FrameId) -> Result<Doc, Failure> {
        let raw = self.x.frame(fid).input.clone();
        let input = self.io_path(fid, raw, |s| s.io.input_path())?;
        self.inspect(fid, "afterInputPath", || Value::clone(&input));
        Ok(input)
    }

    /// InputPath or OutputPath over `doc`; `$` shares the document instead of copying it.
    fn io_path(
        &mut self,
        fid: FrameId,
        doc: Doc,
        which: impl Fn(&'m State) -> &'m IoPath,
    ) -> Result<Doc, Failure> {
        let path = which(self.state_of(fid));
        if matches!(path, IoPath::Whole) {
            return Ok(doc);
        }
        let here = self.here(fid);
        self.with_scope(fid, &doc, None, |s| io::apply_io_path(path, s, here))
            .map(Arc::new)
    }

    /// InputPath, then Parameters when given: what the state works on.
    pub fn parameters(
        &mut self,
        fid: FrameId,
        parameters: Option<&crate::data::template::Template>,
    ) -> Result<Doc, Failure> {
        let input = self.effective_input(fid)?;
        let Some(t) = parameters else {
            self.inspect(fid, "afterParameters", || Value::clone(&input));
            return Ok(input);
        };
        let here = self.here(fid);
        let out = self
            .with_scope(fid, &input, None, |s| io::eval_template(t, s, &input, here))
            .map(Arc::new)?;
        self.inspect(fid, "afterParameters", || Value::clone(&out));
        Ok(out)
    }

    /// OutputPath over `doc`.
    pub fn output(&mut self, fid: FrameId, doc: Doc) -> Result<Doc, Failure> {
        self.io_path(fid, doc, |s| s.io.output_path())
    }

    /// ResultSelector → ResultPath → OutputPath for a state's result.
    pub fn finish_result(
        &mut self,
        fid: FrameId,
        result: Doc,
        selector: Option<&crate::data::template::Template>,
        result_path: &ResultPath,
    ) -> Step {
        let here = self.here(fid);
        self.inspect(fid, "result", || Value::clone(&result));
        let selected = match selector {
            Some(t) => match self.with_scope(fid, &result, None, |s| {
                io::eval_template(t, s, &result, here)
            }) {
                Ok(v) => Arc::new(v),
                Err(f) => return Step::Fail(f),
            },
            None => result,
        };
        self.inspect(fid, "afterResultSelector", || Value::clone(&selected));
        if let Err(f) = self.assign(fid, self.state_of(fid).io.jsonpath_assign(), &selected) {
            return Step::Fail(f);
        }
        let combined = match result_path {
            ResultPath::Replace => selected,
            ResultPath::Discard => self.x.frame(fid).input.clone(),
            ResultPath::Path(_) => {
                let raw = Value::clone(&self.x.frame(fid).input);
                match io::apply_result_path(result_path, raw, Arc::unwrap_or_clone(selected), here)
                {
                    Ok(v) => Arc::new(v),
                    Err(f) => return Step::Fail(f),
                }
            }
        };
        self.inspect(fid, "afterResultPath", || Value::clone(&combined));
        match self.output(fid, combined) {
            Ok(v) => Step::Next(v),
            Err(f) => Step::Fail(f),
        }
    }

    /// Emits `*StateEntered` for the frame's current state and resets its per-state counters.
    pub fn enter(&mut self, fid: FrameId) {
        let state = self.state_of(fid);
        let input = self.x.frame(fid).input.clone();
        let kind = entered_kind(&state.kind);
        let id = self.emit(
            kind,
            Details::StateEntered {
                name: state.name.clone(),
                input,
            },
        );
        let now = self.x.now;
        let retriers = errors_of(state).map_or(0, |e| e.retry.len());
        let frame = self.x.frame_mut(fid);
        frame.entered_id = id;
        frame.entered_ms = now;
        frame.retry_count = 0;
        frame.attempts = vec![0; retriers];
        frame.token = None;
        frame.wait = Waiting::Ready;
    }

    /// Processes deferred work until none is left or the execution has closed.
    pub fn drain(&mut self) {
        while let Some(w) = self.work.pop() {
            if self.x.is_finished() {
                self.work.clear();
                return;
            }
            match w {
                Work::Run(fid) if self.x.frames.get(fid).is_some_and(Option::is_some) => {
                    let step = states::execute(self, fid);
                    self.handle(fid, step);
                }
                Work::Pump(fid) if self.x.frames.get(fid).is_some_and(Option::is_some) => {
                    if let Some(step) = states::pump(self, fid) {
                        self.handle(fid, step);
                    }
                }
                Work::Step(fid, step) if self.x.frames.get(fid).is_some_and(Option::is_some) => {
                    self.handle(fid, step)
                }
                _ => {}
            }
        }
    }

    /// Follows a frame from one step to the next until it suspends, ends or fails.
    pub fn handle(&mut self, fid: FrameId, mut step: Step) {
        loop {
            if self.x.is_finished() {
                return;
            }
            // A Map Run's own execution (`…:mapRun:…`, `runtime/asl/nested.rs`) is exempt: on AWS
            // a Map Run is not an execution and keeps no history of its own.
            if self.x.next_event_id > MAX_HISTORY_EVENTS
                && !self.x.info.execution_arn.contains(":mapRun:")
            {
                let f = Failure {
                    fatal: true,
                    ..Failure::new(
                        RUNTIME,
                        format!(
                            "The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS})."
                        ),
                    )
                };
                self.close(Status::Failed {
                    error: f.error,
                    cause: f.cause,
                });
                return;
            }
            step = match step {
                Step::Suspend => return,
                Step::Next(output) => {
                    let next = self.state_of(fid).next;
                    self.transition(fid, output, next)
                }
                Step::Goto(output, next) => self.transition(fid, output, next),
                Step::Fail(f) => match self.fail(fid, f, false) {
                    Some(s) => s,
                    None => return,
                },
                Step::ChildFailed(f) => match self.fail(fid, f, true) {
                    Some(s) => s,
                    None => return,
                },
            };
        }
    }

    /// Emits `*StateExited` and moves the frame on; returns the next state's first step.
    fn transition(&mut self, fid: FrameId, output: Doc, next: Transition) -> Step {
        let state = self.state_of(fid);
        let frame = self.x.frame_mut(fid);
        let assigned = frame.assigned.take();
        if let Some(values) = &assigned {
            frame
                .variables
                .extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let Some(kind) = exited_kind(&state.kind) {
            self.emit(
                kind,
                Details::StateExited {
                    name: state.name.clone(),
                    output: output.clone(),
                    assigned: assigned.map(Box::new),
                },
            );
        }
        match next {
            Transition::Next(to) => {
                self.move_to(fid, to, output);
                states::execute(self, fid)
            }
            Transition::End | Transition::None => {
                self.finish(fid, Ok(output));
                Step::Suspend
            }
        }
    }

    fn move_to(&mut self, fid: FrameId, to: StateId, input: Doc) {
        let frame = self.x.frame_mut(fid);
        frame.state = to;
        frame.input = input;
        self.enter(fid);
    }

    /// Retry, then Catch, then give the failure to the frame's parent.
    fn fail(&mut self, fid: FrameId, f: Failure, from_children: bool) -> Option<Step> {
        let state = self.state_of(fid);
        // A failed state assigns nothing (a Catcher may).
        self.x.frame_mut(fid).assigned = None;
        if let Some(errors) = errors_of(state).filter(|_| !f.fatal) {
            if let Some(delay_ms) = self.retry_delay(fid, errors, &f) {
                let due = self.x.now + delay_ms;
                let timer = self.arm_timer(fid, due);
                self.x.frame_mut(fid).wait = Waiting::Backoff { timer };
                return None;
            }
            if from_children {
                let kind = if matches!(state.kind, Kind::Map(_)) {
                    "MapStateFailed"
                } else {
                    "ParallelStateFailed"
                };
                self.emit(kind, Details::None);
            }
            if let Some((i, c)) = errors
                .catch
                .iter()
                .enumerate()
                .find(|(_, c)| f.matches(&c.error_equals))
            {
                let sid = self.x.frame(fid).state;
                self.effects.push(Effect::Trace(Trace::Caught {
                    state: sid,
                    catcher: i,
                }));
                let (result_path, assign) = match &c.caught {
                    Caught::JsonPath {
                        result_path,
                        assign,
                    } => (result_path, assign.as_ref()),
                    Caught::Jsonata { output, assign } => {
                        let fields = (output.as_ref(), assign.as_ref());
                        return Some(
                            match crate::engine::jsonata::caught(self, fid, i, fields, &f.output())
                            {
                                Ok(out) => Step::Goto(out, Transition::Next(c.next)),
                                Err(e) => Step::Fail(Failure { fatal: true, ..e }),
                            },
                        );
                    }
                };
                let here = self.here(fid);
                let raw = Value::clone(&self.x.frame(fid).input);
                if let Err(e) = self.assign(fid, assign, &f.output()) {
                    return Some(Step::Fail(Failure { fatal: true, ..e }));
                }
                return Some(
                    match io::apply_result_path(result_path, raw, f.output(), here) {
                        Ok(out) => Step::Goto(Arc::new(out), Transition::Next(c.next)),
                        Err(e) => Step::Fail(Failure { fatal: true, ..e }),
                    },
                );
            }
        }
        self.finish(fid, Err(f));
        None
    }

    /// The back-off before the next attempt, or `None` when no retrier applies any more.
    fn retry_delay(&mut self, fid: FrameId, errors: &ErrorHandling, f: &Failure) -> Option<i64> {
        let i = errors
            .retry
            .iter()
            .position(|r| f.matches(&r.error_equals))?;
        let r = &errors.retry[i];
        let frame = self.x.frame_mut(fid);
        let used = frame.attempts[i];
        if used >= r.max_attempts {
            return None;
        }
        frame.attempts[i] += 1;
        frame.retry_count += 1;
        let mut secs = r.interval_seconds as f64 * r.backoff_rate.powi(used.min(1_000) as i32);
        if let Some(max) = r.max_delay_seconds {
            secs = secs.min(max as f64);
        }
        if r.full_jitter {
            secs *= self.x.rng.next_f64();
        }
        Some((secs.min(1e12) * 1000.0) as i64)
    }

    /// A frame has finished: close the execution, or report to the parent.
    pub fn finish(&mut self, fid: FrameId, result: Result<Doc, Failure>) {
        let parent = self.x.frame(fid).parent;
        if parent.is_none() && result.is_err() {
            self.keep_redrive_point(fid);
        }
        self.release(fid);
        match parent {
            None => match result {
                Ok(output) => {
                    self.emit(
                        "ExecutionSucceeded",
                        Details::ExecutionSucceeded {
                            output: output.clone(),
                        },
                    );
                    self.close(Status::Succeeded {
                        output: Arc::unwrap_or_clone(output),
                    });
                }
                Err(f) => {
                    self.emit(
                        "ExecutionFailed",
                        error_details("executionFailedEventDetails", &f),
                    );
                    self.close(Status::Failed {
                        error: f.error,
                        cause: f.cause,
                    });
                }
            },
            Some((pid, slot)) => states::child_done(self, pid, slot, result),
        }
    }

    /// Frees a frame and everything below it; a task still awaited there is cancelled
    /// (`CancelTask`, `TaskStateAborted`).
    pub fn release(&mut self, fid: FrameId) {
        let Some(frame) = self.x.frames.get_mut(fid).and_then(Option::take) else {
            return;
        };
        match frame.wait {
            Waiting::Task(t) => {
                self.effects.push(Effect::CancelTask { task: t.task });
                self.emit("TaskStateAborted", Details::None);
                for id in [Some(t.task), t.timeout_timer, t.heartbeat_timer]
                    .into_iter()
                    .flatten()
                {
                    self.x.waits.remove(&id);
                }
            }
            Waiting::Wait { timer } | Waiting::Backoff { timer } => {
                self.x.waits.remove(&timer);
            }
            Waiting::Children(join) => join.running.values().for_each(|&c| self.release(c)),
            Waiting::Ready => {}
        }
    }

    /// Marks the execution closed; pending tasks are cancelled.
    pub fn close(&mut self, status: Status) {
        let tasks: Vec<WaitId> = self
            .x
            .frames
            .iter()
            .flatten()
            .filter_map(|f| {
                if let Waiting::Task(t) = &f.wait {
                    Some(t.task)
                } else {
                    None
                }
            })
            .collect();
        for task in tasks {
            self.effects.push(Effect::CancelTask { task });
        }
        // A redrive enters the top-level state that was running again (a Parallel or Map whole):
        // kept by `finish` when that state failed, or taken here when the execution stopped.
        match status {
            Status::Succeeded { .. } | Status::Running => self.x.redrive_from = None,
            _ => {
                if let Some(top) = self
                    .x
                    .frames
                    .iter()
                    .position(|f| f.as_ref().is_some_and(|f| f.parent.is_none()))
                {
                    self.keep_redrive_point(top);
                }
            }
        }
        self.x.frames.clear();
        self.x.waits.clear();
        self.x.status = status.clone();
        self.effects.push(Effect::Finished(status));
    }

    /// Where a redrive of this execution starts: the top-level frame `fid`'s state, input and
    /// variables.
    fn keep_redrive_point(&mut self, fid: FrameId) {
        if let Some(f) = self.x.frames.get(fid).and_then(Option::as_ref) {
            self.x.redrive_from = Some(crate::engine::execution::RedrivePoint {
                state: f.state,
                input: f.input.clone(),
                variables: f.variables.clone(),
            });
        }
    }

    /// Creates a frame at `start` with `input` and emits its `*StateEntered`.
    pub fn spawn(
        &mut self,
        start: StateId,
        input: Doc,
        parent: Option<(FrameId, usize)>,
        map_index: Option<usize>,
    ) -> FrameId {
        let fid = self.x.alloc_frame(Frame {
            state: start,
            input,
            entered_id: 0,
            entered_ms: self.x.now,
            retry_count: 0,
            attempts: Vec::new(),
            wait: Waiting::Ready,
            parent,
            map_index,
            token: None,
            variables: serde_json::Map::new(),
            isolated: false,
            assigned: None,
        });
        self.enter(fid);
        fid
    }
}

/// What the context object says about frame `fid`'s current state.
fn state_info<'a>(
    m: &'a Machine,
    frames: &'a [Option<Frame>],
    fid: FrameId,
    map_item: Option<(usize, &'a Value)>,
) -> StateInfo<'a> {
    let frame = frames[fid].as_ref().expect("live frame");
    let state = &m.states[frame.state];
    let retry_count = matches!(state.kind, Kind::Task(_) | Kind::Map(_) | Kind::Parallel(_))
        .then_some(frame.retry_count);
    StateInfo {
        name: &state.name,
        entered_ms: frame.entered_ms,
        retry_count,
        token: frame.token.as_deref(),
        map_item,
    }
}

pub fn errors_of(state: &State) -> Option<&ErrorHandling> {
    match &state.kind {
        Kind::Task(t) => Some(&t.errors),
        Kind::Parallel(p) => Some(&p.errors),
        Kind::Map(m) => Some(&m.errors),
        _ => None,
    }
}

pub fn error_details(key: &'static str, f: &Failure) -> OtherDetails {
    OtherDetails::Error {
        key,
        error: f.error.clone(),
        cause: f.cause.clone(),
        resource: None,
    }
}

fn entered_kind(kind: &Kind) -> &'static str {
    match kind {
        Kind::Pass(_) => "PassStateEntered",
        Kind::Task(_) => "TaskStateEntered",
        Kind::Choice(_) => "ChoiceStateEntered",
        Kind::Wait(_) => "WaitStateEntered",
        Kind::Succeed => "SucceedStateEntered",
        Kind::Fail(_) => "FailStateEntered",
        Kind::Parallel(_) => "ParallelStateEntered",
        Kind::Map(_) => "MapStateEntered",
    }
}

fn exited_kind(kind: &Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Pass(_) => "PassStateExited",
        Kind::Task(_) => "TaskStateExited",
        Kind::Choice(_) => "ChoiceStateExited",
        Kind::Wait(_) => "WaitStateExited",
        Kind::Succeed => "SucceedStateExited",
        Kind::Fail(_) => return None,
        Kind::Parallel(_) => "ParallelStateExited",
        Kind::Map(_) => "MapStateExited",
    })
}
