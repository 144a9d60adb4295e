//! Black-box behaviour of the pure engine under a manual clock: Retry and Catch, task and
//! execution timeouts, heartbeats, Stop, Wait, Parallel and Map, history shape, and Step
//! Functions Local mock semantics through the local runtime.
//!
//! Each test starts an execution with `Run`, looks at the effects, and decides what happens
//! next (a task result, a timer firing at its due time, a heartbeat, a stop). Times in tests are
//! milliseconds after `T0`, the execution's start.

use serde_json::{Value, json};
use stepwise::asl::Machine;
use stepwise::engine::{
    CallbackOutcome, Effect, Event, Execution, ExecutionInfo, HistoryEvent, Invocation, Status,
    WaitId,
};

const T0: i64 = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const SEED: [u8; 32] = [7; 32];
const SQS_TOKEN: &str = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";
const SQS: &str = "arn:aws:states:::sqs:sendMessage";
const LAMBDA_FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:hello";
const TIMEOUT: &str = "States.Timeout";
const RUNTIME: &str = "States.Runtime";

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

/// A timer the engine asked for; `due` is relative to `T0`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Timer {
    id: WaitId,
    due: i64,
}

/// One execution driven by hand. Everything the engine emitted is kept; `last` holds the
/// effects of the most recent call.
struct Run {
    machine: Machine,
    exec: Execution,
    /// Milliseconds after `T0`.
    now: i64,
    history: Vec<HistoryEvent>,
    invocations: Vec<Invocation>,
    timers: Vec<Timer>,
    fired: Vec<WaitId>,
    cancelled: Vec<WaitId>,
    finished: bool,
    last: Vec<Effect>,
}

fn info(input: Value) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:Machine:run".into(),
        name: "run".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:Machine".into(),
        state_machine_name: "Machine".into(),
        role_arn: "arn:aws:iam::123456789012:role/stepwise-local".into(),
        region: "us-east-1".into(),
        start_ms: T0,
        input,
    }
}

fn load(definition: Value) -> Machine {
    stepwise::asl::load_value(definition).unwrap_or_else(|d| panic!("invalid definition: {d:?}"))
}

impl Run {
    fn start(definition: Value, input: Value) -> Run {
        let machine = load(definition);
        let (exec, effects) = Execution::start(&machine, info(input), SEED);
        let mut run = Run {
            machine,
            exec,
            now: 0,
            history: Vec::new(),
            invocations: Vec::new(),
            timers: Vec::new(),
            fired: Vec::new(),
            cancelled: Vec::new(),
            finished: false,
            last: Vec::new(),
        };
        run.record(effects);
        run
    }

    /// Keeps the effects, checking what must hold for every execution: history ids run on
    /// without gaps, and `Finished` reports the execution's status once.
    fn record(&mut self, effects: Vec<Effect>) {
        for e in &effects {
            match e {
                Effect::Invoke(inv) => self.invocations.push(Invocation::clone(inv)),
                Effect::ArmTimer { timer, due_ms } => self.timers.push(Timer {
                    id: *timer,
                    due: due_ms - T0,
                }),
                Effect::CancelTask { task } => self.cancelled.push(*task),
                Effect::Trace(_) => {}
                Effect::History(h) => {
                    assert_eq!(
                        h.id,
                        self.history.len() as u64 + 1,
                        "history ids are consecutive"
                    );
                    self.history.push(h.clone());
                }
                Effect::Finished(status) => {
                    assert_eq!(status, &self.exec.status);
                    assert!(!self.finished, "Finished is reported once");
                    self.finished = true;
                }
            }
        }
        self.last = effects;
    }

    /// Moves the clock to `ms` after `T0` for the next event.
    fn at(&mut self, ms: i64) -> &mut Self {
        assert!(ms >= self.now, "the manual clock only moves forward");
        self.now = ms;
        self
    }

    fn send(&mut self, event: Event) -> &mut Self {
        let effects = self.exec.step(&self.machine, T0 + self.now, event);
        self.record(effects);
        self
    }

    fn succeed(&mut self, task: WaitId, output: Value) -> &mut Self {
        self.send(Event::TaskSucceeded { task, output })
    }

    fn fail(&mut self, task: WaitId, error: &str, cause: &str) -> &mut Self {
        self.send(Event::TaskFailed {
            task,
            error: Some(error.into()),
            cause: Some(cause.into()),
        })
    }

    fn heartbeat(&mut self, task: WaitId) -> &mut Self {
        self.send(Event::TaskHeartbeat { task })
    }

    /// Fires `timer` at its due time.
    fn fire(&mut self, timer: Timer) -> &mut Self {
        self.fired.push(timer.id);
        self.at(timer.due.max(self.now));
        self.send(Event::TimerFired { timer: timer.id })
    }

    /// Fires the earliest timer not fired yet (stale ones included: the engine must ignore them).
    fn fire_next(&mut self) -> Timer {
        let t = self.pending_timers()[0];
        self.fire(t);
        t
    }

    fn stop(&mut self, error: &str, cause: &str) -> &mut Self {
        self.send(Event::Stop {
            error: Some(error.into()),
            cause: Some(cause.into()),
        })
    }

    /// Armed timers not fired yet, earliest first.
    fn pending_timers(&self) -> Vec<Timer> {
        let mut t: Vec<Timer> = self
            .timers
            .iter()
            .filter(|t| !self.fired.contains(&t.id))
            .copied()
            .collect();
        t.sort_by_key(|t| (t.due, t.id));
        t
    }

    /// The most recent invocation.
    fn task(&self) -> &Invocation {
        self.invocations.last().expect("a task was invoked")
    }

    fn task_id(&self) -> WaitId {
        self.task().task
    }

    fn status(&self) -> &Status {
        &self.exec.status
    }

    fn output(&self) -> &Value {
        match self.status() {
            Status::Succeeded { output } => output,
            other => panic!("expected SUCCEEDED, got {other:?}"),
        }
    }

    fn kinds(&self) -> Vec<&'static str> {
        self.history.iter().map(|e| e.kind).collect()
    }

    fn last_kinds(&self) -> Vec<&'static str> {
        self.last
            .iter()
            .filter_map(|e| match e {
                Effect::History(h) => Some(h.kind),
                _ => None,
            })
            .collect()
    }

    /// `GetExecutionHistory` shape of every event of this type.
    fn events(&self, kind: &str) -> Vec<Value> {
        self.history
            .iter()
            .filter(|e| e.kind == kind)
            .map(HistoryEvent::to_aws_json)
            .collect()
    }

    /// The `<type>EventDetails` member of the only event of this type.
    fn details(&self, kind: &str) -> Value {
        let evs = self.events(kind);
        assert_eq!(evs.len(), 1, "exactly one {kind} in {:?}", self.kinds());
        let obj = evs[0].as_object().expect("events are objects");
        obj.iter()
            .find(|(k, _)| k.ends_with("EventDetails"))
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null)
    }

    fn payloads(&self, key: &str) -> Vec<Value> {
        self.invocations
            .iter()
            .map(|i| i.payload[key].clone())
            .collect()
    }

    fn last_was_silent(&self) -> bool {
        self.last.is_empty()
    }
}

fn succeeded(output: Value) -> Status {
    Status::Succeeded { output }
}

fn failed(error: &str, cause: &str) -> Status {
    Status::Failed {
        error: Some(error.into()),
        cause: Some(cause.into()),
    }
}

fn error_of(status: &Status) -> Option<&str> {
    match status {
        Status::Failed { error, .. }
        | Status::TimedOut { error, .. }
        | Status::Aborted { error, .. } => error.as_deref(),
        _ => None,
    }
}

fn cause_of(status: &Status) -> Option<&str> {
    match status {
        Status::Failed { cause, .. }
        | Status::TimedOut { cause, .. }
        | Status::Aborted { cause, .. } => cause.as_deref(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------------

/// Adds `extra`'s members to the object `base`.
fn with(mut base: Value, extra: Value) -> Value {
    let (Value::Object(b), Value::Object(e)) = (&mut base, extra) else {
        panic!("with() merges objects")
    };
    b.extend(e);
    base
}

/// A callback Task `T` carrying `fields`. When the fields have a `Catch`, its targets
/// (`Handler`, and `Other` if named) are Pass states that end the execution.
fn task_state(fields: Value) -> Value {
    with(
        json!({"Type": "Task", "Resource": SQS_TOKEN, "End": true}),
        fields,
    )
}

/// `state` with `"Next": next` instead of `"End": true`.
fn then(mut state: Value, next: &str) -> Value {
    let obj = state.as_object_mut().expect("states are objects");
    obj.remove("End");
    obj.insert("Next".into(), json!(next));
    state
}

fn task_machine(fields: Value) -> Value {
    let mut states = json!({ "T": task_state(fields.clone()) });
    let targets: Vec<String> = fields["Catch"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["Next"].as_str().map(str::to_string))
        .collect();
    for t in targets {
        states[t] = json!({"Type": "Pass", "End": true});
    }
    json!({"StartAt": "T", "States": states})
}

/// A Map over `$.items` whose iteration is the callback Task `T` with `task_fields`.
fn map_machine(map_fields: Value, task_fields: Value) -> Value {
    json!({"StartAt": "M", "States": {"M": with(json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "T", "States": {"T": task_state(task_fields)}},
        "End": true
    }), map_fields)}})
}

// ---------------------------------------------------------------------------------------------
// 1. Retry
// ---------------------------------------------------------------------------------------------

/// What happened when each attempt of `T` (with `fields`) failed with the next of `errors`,
/// half a second after it was invoked; once the errors run out the attempt succeeds.
struct Retried {
    /// Back-off of each retry: timer due time minus failure time, in ms.
    delays: Vec<i64>,
    /// `$$.State.RetryCount` as each attempt's payload saw it.
    retry_counts: Vec<Value>,
    status: Status,
}

fn retried(fields: Value, errors: &[&str]) -> Retried {
    let fields = with(
        json!({"Parameters": {"retry.$": "$$.State.RetryCount"}}),
        fields,
    );
    let mut run = Run::start(task_machine(fields), json!({}));
    let mut delays = Vec::new();
    let mut errors = errors.iter();
    while run.status() == &Status::Running {
        let task = run.task_id();
        let failed_at = run.now + 500;
        run.at(failed_at);
        match errors.next() {
            Some(e) => run.fail(task, e, &format!("cause {e}")),
            None => run.succeed(task, json!({"ok": true})),
        };
        if run.status() != &Status::Running {
            break;
        }
        let timer = run.fire_next();
        delays.push(timer.due - failed_at);
    }
    Retried {
        delays,
        retry_counts: run.payloads("retry"),
        status: run.status().clone(),
    }
}

#[test]
fn retry_defaults_are_one_second_doubling_three_attempts() {
    let r = retried(
        json!({"Retry": [{"ErrorEquals": ["States.ALL"]}]}),
        &["E", "E", "E", "E"],
    );
    assert_eq!(r.delays, [1000, 2000, 4000]);
    assert_eq!(r.retry_counts, [json!(0), json!(1), json!(2), json!(3)]);
    assert_eq!(r.status, failed("E", "cause E"));
}

#[test]
fn retry_succeeds_when_a_later_attempt_succeeds() {
    let r = retried(
        json!({"Retry": [{"ErrorEquals": ["States.ALL"]}]}),
        &["E", "E"],
    );
    assert_eq!(r.delays, [1000, 2000]);
    assert_eq!(r.status, succeeded(json!({"ok": true})));
}

#[test]
fn retry_with_max_attempts_zero_never_retries() {
    let r = retried(
        json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]}),
        &["E"],
    );
    assert_eq!(r.delays, Vec::<i64>::new());
    assert_eq!(r.retry_counts, [json!(0)]);
    assert_eq!(r.status, failed("E", "cause E"));
}

#[test]
fn retry_delay_is_capped_by_max_delay_seconds() {
    let retrier = json!({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3,
        "BackoffRate": 3, "MaxAttempts": 4, "MaxDelaySeconds": 10});
    let r = retried(json!({ "Retry": [retrier] }), &["E"; 5]);
    assert_eq!(r.delays, [3000, 9000, 10000, 10000]);
}

#[test]
fn retry_backoff_rate_may_be_fractional() {
    let retrier = json!({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "BackoffRate": 1.5});
    let r = retried(json!({ "Retry": [retrier] }), &["E"; 4]);
    assert_eq!(r.delays, [2000, 3000, 4500]);
}

#[test]
fn retriers_keep_their_own_attempt_counters_spec_example() {
    // The spec's example: A, B, C, B ⇒ waits 1 s, 2 s, 5 s; the fourth error (B) exhausts the
    // first retrier and goes to Catch.
    let fields = json!({
        "Retry": [
            {"ErrorEquals": ["A", "B"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 2},
            {"ErrorEquals": ["C"], "IntervalSeconds": 5}
        ],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]
    });
    let r = retried(fields, &["A", "B", "C", "B"]);
    assert_eq!(r.delays, [1000, 2000, 5000]);
    assert_eq!(r.retry_counts, [json!(0), json!(1), json!(2), json!(3)]);
    let caught = json!({"Error": "B", "Cause": "cause B"});
    assert_eq!(r.status, succeeded(caught));
}

#[test]
fn exhausted_retrier_stops_retrying_even_when_a_later_one_matches() {
    let fields = json!({"Retry": [
        {"ErrorEquals": ["A"], "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"]}
    ]});
    let r = retried(fields, &["A", "A"]);
    assert_eq!(r.delays, [1000]);
    assert_eq!(r.status, failed("A", "cause A"));
}

#[test]
fn first_matching_retrier_is_used() {
    let fields = json!({"Retry": [
        {"ErrorEquals": ["X"], "IntervalSeconds": 7},
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3}
    ]});
    let r = retried(fields, &["E", "X"]);
    assert_eq!(r.delays, [3000, 7000]);
    assert_eq!(r.status, succeeded(json!({"ok": true})));
}

#[test]
fn retry_with_full_jitter_waits_between_zero_and_the_computed_delay() {
    let retrier = json!({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10,
        "MaxAttempts": 6, "JitterStrategy": "FULL"});
    let r = retried(json!({ "Retry": [retrier.clone()] }), &["E"; 7]);
    let caps = [10_000, 20_000, 40_000, 80_000, 160_000, 320_000];
    assert_eq!(r.delays.len(), caps.len());
    for (d, cap) in r.delays.iter().zip(caps) {
        assert!((0..=cap).contains(d), "delay {d} outside [0, {cap}]");
    }
    assert!(
        r.delays.iter().zip(caps).any(|(d, cap)| *d < cap),
        "jitter never shortened a delay: {:?}",
        r.delays
    );
    // Randomness comes from the seed: the same execution replays the same delays.
    let again = retried(json!({ "Retry": [retrier] }), &["E"; 7]);
    assert_eq!(again.delays, r.delays);
}

#[test]
fn states_task_failed_matches_custom_errors() {
    let r = retried(
        json!({"Retry": [{"ErrorEquals": ["States.TaskFailed"]}]}),
        &["Custom"],
    );
    assert_eq!(r.delays, [1000]);
    assert_eq!(r.status, succeeded(json!({"ok": true})));
}

#[test]
fn states_task_failed_does_not_match_a_timeout() {
    let fields = json!({"TimeoutSeconds": 5,
        "Retry": [{"ErrorEquals": ["States.TaskFailed"]}],
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handler"}]});
    let mut run = Run::start(task_machine(fields), json!({}));
    run.fire_next();
    assert_eq!(run.invocations.len(), 1, "not retried");
    let status = Status::Failed {
        error: Some(TIMEOUT.into()),
        cause: None,
    };
    assert_eq!(run.status(), &status, "not caught");
}

#[test]
fn states_all_retries_a_timeout() {
    let fields = json!({"TimeoutSeconds": 5, "Retry": [{"ErrorEquals": ["States.ALL"]}]});
    let mut run = Run::start(task_machine(fields), json!({}));
    let timeout = run.fire_next();
    assert_eq!(timeout.due, 5000);
    let backoff = run.fire_next();
    assert_eq!(backoff.due, 6000);
    assert_eq!(run.invocations.len(), 2);
    assert_eq!(run.task().retry_count, 1);
}

#[test]
fn states_runtime_is_never_retried_or_caught() {
    let fields = json!({
        "Parameters": {"x.$": "$.missing"},
        "Retry": [{"ErrorEquals": ["States.ALL"]}],
        "Catch": [
            {"ErrorEquals": ["States.Runtime"], "Next": "Handler"},
            {"ErrorEquals": ["States.ALL"], "Next": "Other"}
        ]
    });
    let run = Run::start(task_machine(fields), json!({}));
    assert_eq!(error_of(run.status()), Some(RUNTIME));
    assert!(run.invocations.is_empty() && run.timers.is_empty());
    assert_eq!(
        run.kinds(),
        ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    );
}

#[test]
fn task_not_runnable_fails_with_states_runtime_past_retry_and_catch() {
    let fields = json!({
        "Retry": [{"ErrorEquals": ["States.ALL"]}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]
    });
    let mut run = Run::start(task_machine(fields), json!({}));
    let task = run.task_id();
    run.send(Event::TaskNotRunnable {
        task,
        cause: "no handler".into(),
    });
    assert_eq!(
        run.status(),
        &failed(
            RUNTIME,
            "An error occurred while executing the state 'T' (entered at the event id #2). no handler"
        )
    );
    assert!(run.timers.is_empty());
}

#[test]
fn retry_counters_reset_when_the_state_is_entered_again() {
    // T (one retry allowed) → Choice: back to T while the result says "again".
    let definition = json!({"StartAt": "T", "States": {
        "T": then(task_state(json!({
            "Parameters": {"retry.$": "$$.State.RetryCount"},
            "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}]
        })), "Loop"),
        "Loop": {"Type": "Choice",
            "Choices": [{"Variable": "$.again", "BooleanEquals": true, "Next": "T"}],
            "Default": "Done"},
        "Done": {"Type": "Succeed"}
    }});
    let mut run = Run::start(definition, json!({}));
    let t = run.task_id();
    run.fail(t, "E", "first visit");
    run.fire_next();
    let t = run.task_id();
    run.succeed(t, json!({"again": true}));
    let t = run.task_id();
    run.fail(t, "E", "second visit");
    assert_eq!(run.pending_timers().len(), 1, "the retrier is fresh again");
    run.fire_next();
    let t = run.task_id();
    run.succeed(t, json!({"again": false}));
    assert_eq!(
        run.payloads("retry"),
        [json!(0), json!(1), json!(0), json!(1)]
    );
    assert_eq!(run.output(), &json!({"again": false}));
}

#[test]
fn retry_emits_no_new_state_entered_and_repeats_the_task_events() {
    let fields = json!({"Retry": [{"ErrorEquals": ["States.ALL"]}]});
    let mut run = Run::start(task_machine(fields), json!({}));
    let t = run.task_id();
    run.fail(t, "E", "c");
    run.fire_next();
    let t = run.task_id();
    run.succeed(t, json!(1));
    assert_eq!(
        run.kinds(),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Task tokens
// ---------------------------------------------------------------------------------------------

#[test]
fn callback_task_token_is_in_the_invocation_and_in_the_context() {
    let fields = json!({"Parameters": {"token.$": "$$.Task.Token"}});
    let run = Run::start(task_machine(fields), json!({}));
    let token = run
        .task()
        .token
        .clone()
        .expect("callback tasks carry a token");
    assert!(!token.is_empty());
    assert_eq!(run.task().payload, json!({ "token": token }));
}

/// A callback (SendTaskSuccess/Failure) can reach the store before the resource's own report
/// that it accepted the task (a fast worker on the embedded queue): it waits for that report,
/// so the history reads TaskSubmitted, then TaskSucceeded, as on AWS.
#[test]
fn a_callback_before_the_submission_report_waits_for_it() {
    let mut run = Run::start(
        task_machine(json!({"Parameters": {"token.$": "$$.Task.Token"}})),
        json!({}),
    );
    let task = run.task_id();
    run.send(Event::Callback {
        task,
        outcome: CallbackOutcome::Success(json!({"done": true})),
    });
    assert!(
        run.last_was_silent(),
        "nothing happens before the submission report"
    );
    assert_eq!(run.status(), &Status::Running);
    run.send(Event::TaskSubmitted {
        task,
        output: json!({"MessageId": "m"}),
    });
    assert_eq!(
        run.last_kinds(),
        [
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(run.output(), &json!({"done": true}));
}

#[test]
fn a_callback_after_the_submission_report_applies_at_once() {
    let mut run = Run::start(
        task_machine(json!({"Parameters": {"token.$": "$$.Task.Token"}})),
        json!({}),
    );
    let task = run.task_id();
    run.send(Event::TaskSubmitted {
        task,
        output: json!({}),
    });
    run.send(Event::Callback {
        task,
        outcome: CallbackOutcome::Failure {
            error: Some("E".into()),
            cause: None,
        },
    });
    assert_eq!(error_of(run.status()), Some("E"));
}

#[test]
fn each_retry_mints_a_new_task_token() {
    let fields = json!({
        "Parameters": {"token.$": "$$.Task.Token"},
        "Retry": [{"ErrorEquals": ["States.ALL"]}]
    });
    let mut run = Run::start(task_machine(fields), json!({}));
    for _ in 0..2 {
        let t = run.task_id();
        run.fail(t, "E", "c");
        run.fire_next();
    }
    let tokens: Vec<String> = run
        .invocations
        .iter()
        .map(|i| i.token.clone().expect("token"))
        .collect();
    assert_eq!(tokens.len(), 3);
    assert!(tokens[0] != tokens[1] && tokens[1] != tokens[2] && tokens[0] != tokens[2]);
    let in_payload: Vec<Value> = tokens.iter().map(|t| json!(t)).collect();
    assert_eq!(run.payloads("token"), in_payload);
}

#[test]
fn request_response_task_has_no_token() {
    let run = Run::start(task_machine(json!({ "Resource": SQS })), json!({}));
    assert_eq!(run.task().token, None);
}

// ---------------------------------------------------------------------------------------------
// 2. Catch
// ---------------------------------------------------------------------------------------------

/// Runs `T` with `fields` on `input`, fails its first attempt with `error`/`cause`.
fn caught(fields: Value, input: Value, error: Option<&str>, cause: Option<&str>) -> Run {
    let mut run = Run::start(task_machine(fields), input);
    let task = run.task_id();
    run.send(Event::TaskFailed {
        task,
        error: error.map(Into::into),
        cause: cause.map(Into::into),
    });
    run
}

#[test]
fn catch_with_default_result_path_outputs_the_error() {
    let fields = json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]});
    let run = caught(fields, json!({"a": 1}), Some("E"), Some("boom"));
    assert_eq!(run.output(), &json!({"Error": "E", "Cause": "boom"}));
}

#[test]
fn catch_result_path_merges_the_error_into_the_raw_input() {
    let fields = json!({
        "InputPath": "$.inner",
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.err"}]
    });
    let run = caught(
        fields,
        json!({"a": 1, "inner": {"b": 2}}),
        Some("E"),
        Some("boom"),
    );
    assert_eq!(
        run.output(),
        &json!({"a": 1, "inner": {"b": 2}, "err": {"Error": "E", "Cause": "boom"}})
    );
}

#[test]
fn catch_result_path_null_keeps_the_input() {
    let fields = json!({
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": null}]
    });
    let run = caught(fields, json!({"a": 1}), Some("E"), Some("boom"));
    assert_eq!(run.output(), &json!({"a": 1}));
}

#[test]
fn catch_exits_the_task_before_entering_the_target() {
    let fields = json!({
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.err"}]
    });
    let run = caught(fields, json!({"a": 1}), Some("E"), Some("boom"));
    assert_eq!(
        run.kinds(),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let exited = run.details("TaskStateExited");
    assert_eq!(exited["name"], "T");
    let output: Value = serde_json::from_str(exited["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"a": 1, "err": {"Error": "E", "Cause": "boom"}})
    );
    assert_eq!(run.details("PassStateEntered")["name"], "Handler");
}

#[test]
fn failure_without_error_or_cause_is_caught_by_states_all_as_nulls() {
    let fields = json!({"Catch": [
        {"ErrorEquals": ["X"], "Next": "Other"},
        {"ErrorEquals": ["States.ALL"], "Next": "Handler"}
    ]});
    let run = caught(fields, json!({}), None, None);
    assert_eq!(run.output(), &json!({"Error": null, "Cause": null}));
    assert_eq!(run.details("PassStateEntered")["name"], "Handler");
    assert_eq!(
        run.details("TaskFailed"),
        json!({"resourceType": "sqs", "resource": "sendMessage.waitForTaskToken"})
    );
}

#[test]
fn catchers_are_scanned_in_order() {
    let fields = json!({"Catch": [
        {"ErrorEquals": ["Other.Error"], "Next": "Other"},
        {"ErrorEquals": ["E"], "Next": "Handler"},
        {"ErrorEquals": ["States.ALL"], "Next": "Other"}
    ]});
    let run = caught(fields, json!({}), Some("E"), Some("c"));
    assert_eq!(run.details("PassStateEntered")["name"], "Handler");
}

#[test]
fn uncaught_error_fails_the_execution_right_after_the_task_event() {
    let fields = json!({"Catch": [{"ErrorEquals": ["Other.Error"], "Next": "Other"}]});
    let run = caught(fields, json!({}), Some("E"), Some("boom"));
    assert_eq!(run.status(), &failed("E", "boom"));
    assert_eq!(run.kinds()[4..], ["TaskFailed", "ExecutionFailed"]);
    assert_eq!(
        run.details("ExecutionFailed"),
        json!({"error": "E", "cause": "boom"})
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Task TimeoutSeconds and HeartbeatSeconds
// ---------------------------------------------------------------------------------------------

/// Wait 2 s, then the callback Task `T` with `fields`.
fn after_a_wait(fields: Value) -> Value {
    let mut m = task_machine(fields);
    m["StartAt"] = json!("W");
    m["States"]["W"] = json!({"Type": "Wait", "Seconds": 2, "Next": "T"});
    m
}

#[test]
fn task_timeout_timer_is_due_at_task_start_plus_timeout_seconds() {
    let mut run = Run::start(after_a_wait(json!({"TimeoutSeconds": 10})), json!({}));
    run.fire_next();
    assert_eq!(
        run.pending_timers()
            .iter()
            .map(|t| t.due)
            .collect::<Vec<_>>(),
        [12_000]
    );
}

#[test]
fn task_timeout_fails_with_states_timeout_and_cancels_the_task() {
    let mut run = Run::start(task_machine(json!({"TimeoutSeconds": 10})), json!({}));
    let task = run.task_id();
    run.fire_next();
    assert_eq!(run.now, 10_000);
    assert_eq!(run.cancelled, [task]);
    assert_eq!(run.last_kinds(), ["TaskTimedOut", "ExecutionFailed"]);
    assert_eq!(
        run.details("TaskTimedOut"),
        json!({"resourceType": "sqs", "resource": "sendMessage.waitForTaskToken",
            "error": TIMEOUT})
    );
    assert_eq!(run.details("ExecutionFailed"), json!({ "error": TIMEOUT }));
    assert_eq!(
        run.status(),
        &Status::Failed {
            error: Some(TIMEOUT.into()),
            cause: None
        }
    );
}

#[test]
fn late_result_of_a_timed_out_task_is_ignored() {
    let fields = json!({"TimeoutSeconds": 10,
        "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Handler"}]});
    let mut m = task_machine(fields);
    m["States"]["Handler"] = json!({"Type": "Wait", "Seconds": 100, "End": true});
    let mut run = Run::start(m, json!({}));
    let task = run.task_id();
    run.fire_next();
    assert_eq!(
        run.last_kinds(),
        ["TaskTimedOut", "TaskStateExited", "WaitStateEntered"]
    );
    run.at(11_000).succeed(task, json!("late"));
    assert!(run.last_was_silent());
    assert_eq!(run.status(), &Status::Running);
}

#[test]
fn late_result_of_a_timed_out_attempt_does_not_complete_the_retry() {
    let fields = json!({"TimeoutSeconds": 10, "Retry": [{"ErrorEquals": ["States.ALL"]}]});
    let mut run = Run::start(task_machine(fields), json!({}));
    let first = run.task_id();
    run.fire_next();
    run.at(10_500).succeed(first, json!("late"));
    assert!(run.last_was_silent());
    run.fire_next();
    assert_ne!(run.task_id(), first, "each attempt has its own task id");
    assert_eq!(
        run.pending_timers()[0].due,
        21_000,
        "timeout of the second attempt"
    );
}

#[test]
fn heartbeat_rearms_the_heartbeat_timer_with_a_new_id() {
    let fields = json!({"TimeoutSeconds": 600, "HeartbeatSeconds": 5});
    let mut run = Run::start(task_machine(fields), json!({}));
    let armed: Vec<i64> = run.timers.iter().map(|t| t.due).collect();
    assert_eq!(armed, [600_000, 5_000]);
    let old = run.timers[1];
    let task = run.task_id();
    run.at(3_000).heartbeat(task);
    let new = *run.timers.last().unwrap();
    assert_ne!(new.id, old.id);
    assert_eq!(new.due, 8_000);
    assert!(
        run.last_kinds().is_empty(),
        "heartbeats make no history event"
    );
}

#[test]
fn stale_heartbeat_timer_is_ignored() {
    let fields = json!({"TimeoutSeconds": 600, "HeartbeatSeconds": 5});
    let mut run = Run::start(task_machine(fields), json!({}));
    let old = run.timers[1];
    let task = run.task_id();
    run.at(3_000).heartbeat(task);
    run.fire(old);
    assert!(run.last_was_silent());
    assert_eq!(run.status(), &Status::Running);
}

#[test]
fn heartbeat_expiry_fails_with_states_timeout() {
    let fields = json!({"TimeoutSeconds": 600, "HeartbeatSeconds": 5});
    let mut run = Run::start(task_machine(fields), json!({}));
    let task = run.task_id();
    run.at(3_000).heartbeat(task);
    let fresh = *run.timers.last().unwrap();
    run.fire(fresh);
    assert_eq!(run.now, 8_000);
    assert_eq!(run.cancelled, [task]);
    assert_eq!(run.last_kinds(), ["TaskTimedOut", "ExecutionFailed"]);
    assert_eq!(error_of(run.status()), Some(TIMEOUT));
    assert_eq!(cause_of(run.status()), None);
}

#[test]
fn heartbeat_expiry_without_any_heartbeat() {
    let fields = json!({"TimeoutSeconds": 600, "HeartbeatSeconds": 5});
    let mut run = Run::start(task_machine(fields), json!({}));
    let first = run.fire_next();
    assert_eq!(first.due, 5_000);
    assert_eq!(error_of(run.status()), Some(TIMEOUT));
}

#[test]
fn heartbeat_for_a_task_without_heartbeat_seconds_is_ignored() {
    let mut run = Run::start(task_machine(json!({"TimeoutSeconds": 60})), json!({}));
    let task = run.task_id();
    run.at(1_000).heartbeat(task);
    assert!(run.last_was_silent());
}

#[test]
fn timeout_seconds_path_reads_the_effective_input() {
    let fields = json!({"TimeoutSecondsPath": "$.limit"});
    let run = Run::start(task_machine(fields), json!({"limit": 7}));
    assert_eq!(
        run.timers.iter().map(|t| t.due).collect::<Vec<_>>(),
        [7_000]
    );
    assert_eq!(run.details("TaskScheduled")["timeoutInSeconds"], 7);
}

// ---------------------------------------------------------------------------------------------
// 4. Execution TimeoutSeconds, 5. Stop
// ---------------------------------------------------------------------------------------------

#[test]
fn execution_timeout_times_out_and_cancels_open_tasks() {
    let mut m = task_machine(json!({}));
    m["TimeoutSeconds"] = json!(30);
    let mut run = Run::start(m, json!({}));
    let task = run.task_id();
    let timer = run.fire_next();
    assert_eq!(timer.due, 30_000);
    assert_eq!(run.last_kinds(), ["ExecutionTimedOut"]);
    assert_eq!(
        run.details("ExecutionTimedOut"),
        json!({ "error": TIMEOUT })
    );
    assert_eq!(run.cancelled, [task]);
    assert_eq!(
        run.status(),
        &Status::TimedOut {
            error: Some(TIMEOUT.into()),
            cause: None
        }
    );
}

#[test]
fn stop_aborts_with_previous_event_id_zero() {
    let m = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let mut run = Run::start(m, json!({}));
    run.at(5_000).stop("Halt", "operator");
    assert_eq!(
        run.last_kinds(),
        ["ExecutionAborted"],
        "no WaitStateAborted"
    );
    let aborted = &run.events("ExecutionAborted")[0];
    assert_eq!(aborted["previousEventId"], 0);
    assert_eq!(aborted["id"], 3);
    assert_eq!(
        aborted["executionAbortedEventDetails"],
        json!({"error": "Halt", "cause": "operator"})
    );
    assert_eq!(
        run.status(),
        &Status::Aborted {
            error: Some("Halt".into()),
            cause: Some("operator".into())
        }
    );
}

#[test]
fn stop_cancels_open_tasks() {
    let mut run = Run::start(task_machine(json!({})), json!({}));
    let task = run.task_id();
    run.stop("Halt", "operator");
    assert_eq!(run.cancelled, [task]);
}

#[test]
fn events_after_the_execution_closed_are_ignored() {
    let mut run = Run::start(task_machine(json!({"TimeoutSeconds": 5})), json!({}));
    let task = run.task_id();
    run.stop("Halt", "operator");
    run.at(1_000).succeed(task, json!(1));
    assert!(run.last_was_silent());
    run.fire_next();
    assert!(run.last_was_silent());
    assert_eq!(run.status().name(), "ABORTED");
}

// ---------------------------------------------------------------------------------------------
// 6. Wait
// ---------------------------------------------------------------------------------------------

fn wait_machine(wait: Value) -> Value {
    json!({"StartAt": "W", "States": {"W": with(json!({"Type": "Wait", "End": true}), wait)}})
}

/// The due times of the timers the Wait state armed at start.
fn wait_dues(wait: Value, input: Value) -> Vec<i64> {
    let run = Run::start(wait_machine(wait), input);
    run.timers.iter().map(|t| t.due).collect()
}

#[test]
fn wait_timer_due_times() {
    let cases = [
        (json!({"Seconds": 10}), json!({}), vec![10_000]),
        (json!({"Seconds": 0}), json!({}), vec![]),
        (
            json!({"SecondsPath": "$.delay"}),
            json!({"delay": 42}),
            vec![42_000],
        ),
        (
            json!({"Timestamp": "2023-11-14T22:13:25.500Z"}),
            json!({}),
            vec![5_500],
        ),
        (
            json!({"Timestamp": "2020-01-01T00:00:00Z"}),
            json!({}),
            vec![],
        ),
        (
            json!({"TimestampPath": "$.at"}),
            json!({"at": "2023-11-14T23:13:20+01:00"}),
            vec![], // exactly now
        ),
    ];
    for (wait, input, want) in cases {
        assert_eq!(wait_dues(wait.clone(), input), want, "{wait}");
    }
}

#[test]
fn wait_exits_when_its_timer_fires() {
    let mut run = Run::start(wait_machine(json!({"Seconds": 10})), json!({"x": 1}));
    assert_eq!(run.kinds(), ["ExecutionStarted", "WaitStateEntered"]);
    run.fire_next();
    assert_eq!(run.last_kinds(), ["WaitStateExited", "ExecutionSucceeded"]);
    let exited = &run.events("WaitStateExited")[0];
    assert_eq!(exited["timestamp"], "2023-11-14T22:13:30Z");
    assert_eq!(run.output(), &json!({"x": 1}));
}

#[test]
fn wait_timestamp_in_the_past_continues_at_once() {
    let run = Run::start(
        wait_machine(json!({"Timestamp": "2020-01-01T00:00:00Z"})),
        json!({}),
    );
    assert!(run.timers.is_empty());
    assert_eq!(
        run.kinds(),
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn wait_seconds_path_to_a_negative_number_is_a_runtime_error() {
    let run = Run::start(
        wait_machine(json!({"SecondsPath": "$.delay"})),
        json!({"delay": -1}),
    );
    assert_eq!(error_of(run.status()), Some(RUNTIME));
}

// ---------------------------------------------------------------------------------------------
// 7. Parallel and Map
// ---------------------------------------------------------------------------------------------

fn parallel_machine(branches: usize, fields: Value) -> Value {
    let branch = |i: usize| {
        let name = format!("B{i}");
        json!({"StartAt": name, "States": {name.clone(): task_state(json!({}))}})
    };
    let branches: Vec<Value> = (0..branches).map(branch).collect();
    json!({"StartAt": "P", "States": {"P": with(json!({
        "Type": "Parallel", "Branches": branches, "End": true
    }), fields)}})
}

fn three_items() -> Value {
    json!({"items": ["a", "b", "c"]})
}

fn task_ids(run: &Run) -> Vec<WaitId> {
    run.invocations.iter().map(|i| i.task).collect()
}

#[test]
fn parallel_results_follow_branch_order_not_completion_order() {
    let mut run = Run::start(parallel_machine(2, json!({})), json!({}));
    let [b0, b1] = task_ids(&run)[..] else {
        panic!("two branches invoked")
    };
    run.at(1_000).succeed(b1, json!("second"));
    run.at(2_000).succeed(b0, json!("first"));
    assert_eq!(run.output(), &json!(["first", "second"]));
}

#[test]
fn map_results_follow_item_order_not_completion_order() {
    let mut run = Run::start(map_machine(json!({}), json!({})), three_items());
    let ids = task_ids(&run);
    let items: Vec<Value> = run.invocations.iter().map(|i| i.payload.clone()).collect();
    assert_eq!(items, [json!("a"), json!("b"), json!("c")]);
    for i in [2, 0, 1] {
        run.succeed(ids[i], json!(format!("r{i}")));
    }
    assert_eq!(run.output(), &json!(["r0", "r1", "r2"]));
    assert_eq!(run.details("MapStateStarted"), json!({"length": 3}));
}

#[test]
fn map_with_max_concurrency_one_runs_one_iteration_at_a_time() {
    let mut run = Run::start(
        map_machine(json!({"MaxConcurrency": 1}), json!({})),
        three_items(),
    );
    for i in 0..3 {
        assert_eq!(run.invocations.len(), i + 1, "one invocation outstanding");
        assert_eq!(run.task().map_index, Some(i));
        assert_eq!(run.exec.open_tasks().len(), 1);
        let t = run.task_id();
        run.succeed(t, json!(i));
    }
    assert_eq!(run.output(), &json!([0, 1, 2]));
}

#[test]
fn failing_map_iteration_aborts_the_running_ones() {
    let mut run = Run::start(map_machine(json!({}), json!({})), three_items());
    let ids = task_ids(&run);
    run.at(1_000).fail(ids[1], "E", "item b");
    let mut cancelled = run.cancelled.clone();
    cancelled.sort();
    assert_eq!(cancelled, [ids[0], ids[2]]);
    let last = run.last_kinds();
    assert_eq!(last[..2], ["TaskFailed", "MapIterationFailed"]);
    assert_eq!(
        last[last.len() - 2..],
        ["MapStateFailed", "ExecutionFailed"]
    );
    let aborted: Vec<Value> = run
        .events("MapIterationAborted")
        .iter()
        .map(|e| e["mapIterationAbortedEventDetails"]["index"].clone())
        .collect();
    assert_eq!(aborted, [json!(0), json!(2)]);
    assert_eq!(run.status(), &failed("E", "item b"));
    // The aborted tasks' late answers change nothing.
    run.succeed(ids[0], json!(0));
    assert!(run.last_was_silent());
}

#[test]
fn failing_parallel_branch_fails_the_state_with_the_branch_error() {
    let mut run = Run::start(parallel_machine(2, json!({})), json!({}));
    let ids = task_ids(&run);
    run.fail(ids[0], "E", "branch 0");
    assert_eq!(run.cancelled, [ids[1]]);
    assert_eq!(run.kinds().last(), Some(&"ExecutionFailed"));
    assert!(run.kinds().contains(&"ParallelStateFailed"));
    assert_eq!(run.status(), &failed("E", "branch 0"));
}

#[test]
fn failing_branch_cancels_tasks_nested_in_sibling_branches() {
    let nested = json!({"StartAt": "Inner", "States": {"Inner": {
        "Type": "Parallel", "End": true,
        "Branches": [{"StartAt": "T2", "States": {"T2": task_state(json!({}))}}]
    }}});
    let failing = json!({"StartAt": "T1", "States": {"T1": task_state(json!({}))}});
    let m = json!({"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": true, "Branches": [failing, nested]
    }}});
    let mut run = Run::start(m, json!({}));
    let names: Vec<&str> = run
        .invocations
        .iter()
        .map(|i| i.state_name.as_str())
        .collect();
    assert_eq!(names, ["T1", "T2"]);
    let ids = task_ids(&run);
    run.fail(ids[0], "E", "c");
    assert_eq!(run.status(), &failed("E", "c"));
    assert_eq!(run.cancelled, [ids[1]], "the nested task must be cancelled");
}

#[test]
fn tolerated_failures_leave_error_objects_in_the_result() {
    let mut run = Run::start(
        map_machine(json!({"ToleratedFailureCount": 1}), json!({})),
        three_items(),
    );
    let ids = task_ids(&run);
    run.succeed(ids[0], json!("r0"));
    run.fail(ids[1], "E", "item b");
    run.succeed(ids[2], json!("r2"));
    assert_eq!(
        run.output(),
        &json!(["r0", {"Error": "E", "Cause": "item b"}, "r2"])
    );
}

#[test]
fn failures_beyond_tolerance_fail_the_map() {
    let mut run = Run::start(
        map_machine(json!({"ToleratedFailureCount": 1}), json!({})),
        three_items(),
    );
    let ids = task_ids(&run);
    run.fail(ids[0], "E", "item a");
    assert_eq!(run.status(), &Status::Running);
    run.fail(ids[1], "E", "item b");
    assert_eq!(
        error_of(run.status()),
        Some("States.ExceedToleratedFailureThreshold")
    );
    assert_eq!(run.cancelled, [ids[2]]);
}

#[test]
fn retry_on_a_map_reruns_every_iteration() {
    let mut run = Run::start(
        map_machine(
            json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}]}),
            json!({}),
        ),
        json!({"items": ["a", "b"]}),
    );
    let first = task_ids(&run);
    run.succeed(first[0], json!("first try"));
    run.fail(first[1], "E", "c");
    let backoff = run.pending_timers();
    assert_eq!(backoff.len(), 1);
    assert_eq!(backoff[0].due, 1_000);
    run.fire_next();
    assert_eq!(run.invocations.len(), 4, "both iterations run again");
    let again: Vec<(Option<usize>, Value)> = run.invocations[2..]
        .iter()
        .map(|i| (i.map_index, i.payload.clone()))
        .collect();
    assert_eq!(again, [(Some(0), json!("a")), (Some(1), json!("b"))]);
    let ids = task_ids(&run);
    run.succeed(ids[3], json!("b2"));
    run.succeed(ids[2], json!("a2"));
    assert_eq!(run.output(), &json!(["a2", "b2"]));
}

#[test]
fn tolerated_failure_percentage_is_checked_against_the_item_count() {
    let items = json!({"items": [1, 2, 3, 4]});
    let mut run = Run::start(
        map_machine(json!({"ToleratedFailurePercentage": 50}), json!({})),
        items,
    );
    let ids = task_ids(&run);
    run.fail(ids[0], "E", "1");
    run.fail(ids[1], "E", "2");
    assert_eq!(run.status(), &Status::Running, "2 of 4 is 50%: tolerated");
    run.fail(ids[2], "E", "3");
    assert_eq!(
        error_of(run.status()),
        Some("States.ExceedToleratedFailureThreshold")
    );
}

#[test]
fn map_over_no_items_succeeds_with_an_empty_array() {
    let run = Run::start(map_machine(json!({}), json!({})), json!({"items": []}));
    assert!(run.invocations.is_empty());
    assert_eq!(run.details("MapStateStarted"), json!({"length": 0}));
    assert_eq!(run.output(), &json!([]));
}

#[test]
fn retry_on_a_parallel_reruns_every_branch() {
    let fields = json!({"Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2}]});
    let mut run = Run::start(parallel_machine(2, fields), json!({}));
    let first = task_ids(&run);
    run.fail(first[1], "E", "c");
    assert_eq!(run.cancelled, [first[0]]);
    assert_eq!(run.fire_next().due, 2_000);
    let names: Vec<&str> = run
        .invocations
        .iter()
        .map(|i| i.state_name.as_str())
        .collect();
    assert_eq!(names, ["B0", "B1", "B0", "B1"]);
    let ids = task_ids(&run);
    run.succeed(ids[2], json!(0)).succeed(ids[3], json!(1));
    assert_eq!(run.output(), &json!([0, 1]));
    assert!(
        !run.kinds().contains(&"ParallelStateFailed"),
        "retried, not failed"
    );
}

#[test]
fn caught_parallel_failure_logs_parallel_state_failed_then_exits_to_the_target() {
    let fields = json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.err"}]});
    let mut m = parallel_machine(1, fields);
    m["States"]["Handler"] = json!({"Type": "Pass", "End": true});
    let mut run = Run::start(m, json!({"a": 1}));
    let t = run.task_id();
    run.fail(t, "E", "c");
    assert_eq!(
        run.last_kinds(),
        [
            "TaskFailed",
            "ParallelStateFailed",
            "ParallelStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        run.output(),
        &json!({"a": 1, "err": {"Error": "E", "Cause": "c"}})
    );
}

#[test]
fn caught_map_failure_logs_map_state_failed_then_exits_to_the_target() {
    let mut m = map_machine(
        json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]}),
        json!({}),
    );
    m["States"]["Handler"] = json!({"Type": "Pass", "End": true});
    let mut run = Run::start(m, json!({"items": ["a"]}));
    let t = run.task_id();
    run.fail(t, "E", "c");
    assert_eq!(
        run.last_kinds(),
        [
            "TaskFailed",
            "MapIterationFailed",
            "MapStateFailed",
            "MapStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(run.output(), &json!({"Error": "E", "Cause": "c"}));
}

#[test]
fn stop_during_a_map_cancels_every_open_task() {
    let mut run = Run::start(map_machine(json!({}), json!({})), three_items());
    let mut ids = task_ids(&run);
    run.stop("Halt", "operator");
    run.cancelled.sort();
    ids.sort();
    assert_eq!(run.cancelled, ids);
    assert_eq!(run.status().name(), "ABORTED");
}

#[test]
fn execution_timeout_during_a_retry_back_off_times_out() {
    let mut m =
        task_machine(json!({"Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 60}]}));
    m["TimeoutSeconds"] = json!(30);
    let mut run = Run::start(m, json!({}));
    let t = run.task_id();
    run.at(1_000).fail(t, "E", "c");
    let timeout = run.fire_next();
    assert_eq!(timeout.due, 30_000);
    assert_eq!(run.status().name(), "TIMED_OUT");
    run.fire_next();
    assert!(
        run.last_was_silent(),
        "the back-off timer no longer matters"
    );
    assert_eq!(run.invocations.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 8. History shape
// ---------------------------------------------------------------------------------------------

/// Pass → callback Task → Succeed, completed at 1.5 s.
fn three_state_run() -> Run {
    let m = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Next": "T"},
        "T": then(task_state(json!({"Parameters": {"k.$": "$.v"}})), "S"),
        "S": {"Type": "Succeed"}
    }});
    let mut run = Run::start(m, json!({"v": 1}));
    let t = run.task_id();
    run.at(1_500).succeed(t, json!({"r": 2}));
    run
}

#[test]
fn history_ids_are_consecutive_and_point_at_their_predecessor() {
    let run = three_state_run();
    let ids: Vec<u64> = run.history.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    let prev: Vec<u64> = run.history.iter().map(|e| e.previous_event_id).collect();
    let mut want: Vec<u64> = (0..ids.len() as u64).collect();
    want[1] = 0; // the first state's *StateEntered points at 0, not at ExecutionStarted
    assert_eq!(prev, want);
    assert_eq!(
        run.kinds(),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn history_timestamps_are_the_time_of_each_step() {
    let run = three_state_run();
    let times: Vec<i64> = run.history.iter().map(|e| e.timestamp - T0).collect();
    assert_eq!(times, [0, 0, 0, 0, 0, 0, 1500, 1500, 1500, 1500, 1500]);
}

#[test]
fn task_scheduled_details_carry_resource_region_and_parameters() {
    let run = three_state_run();
    assert_eq!(
        run.details("TaskScheduled"),
        json!({"resourceType": "sqs", "resource": "sendMessage.waitForTaskToken",
            "region": "us-east-1", "parameters": "{\"k\":1}"})
    );
    assert_eq!(
        run.details("TaskSucceeded"),
        json!({"resourceType": "sqs", "resource": "sendMessage.waitForTaskToken",
            "output": "{\"r\":2}", "outputDetails": {"truncated": false}})
    );
}

#[test]
fn task_scheduled_shows_timeouts_only_when_set() {
    let fields = json!({"TimeoutSeconds": 30, "HeartbeatSeconds": 10});
    let run = Run::start(task_machine(fields), json!({}));
    let d = run.details("TaskScheduled");
    assert_eq!(d["timeoutInSeconds"], 30);
    assert_eq!(d["heartbeatInSeconds"], 10);
    let run = Run::start(task_machine(json!({})), json!({}));
    let d = run.details("TaskScheduled");
    assert!(d.get("timeoutInSeconds").is_none() && d.get("heartbeatInSeconds").is_none());
}

#[test]
fn lambda_function_arn_logs_lambda_function_events() {
    let mut run = Run::start(
        task_machine(json!({ "Resource": LAMBDA_FN })),
        json!({"x": 1}),
    );
    let t = run.task_id();
    assert_eq!(run.task().token, None);
    run.succeed(t, json!({"y": 2}));
    assert_eq!(
        run.kinds(),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        run.details("LambdaFunctionScheduled"),
        json!({"resource": LAMBDA_FN, "input": "{\"x\":1}", "inputDetails": {"truncated": false}})
    );
    assert_eq!(
        run.details("LambdaFunctionSucceeded"),
        json!({"output": "{\"y\":2}", "outputDetails": {"truncated": false}})
    );
}

#[test]
fn lambda_function_failure_logs_lambda_function_failed() {
    let mut run = Run::start(task_machine(json!({ "Resource": LAMBDA_FN })), json!({}));
    let t = run.task_id();
    run.fail(t, "Lambda.Unknown", "oom");
    assert_eq!(
        run.last_kinds(),
        ["LambdaFunctionFailed", "ExecutionFailed"]
    );
    assert_eq!(
        run.details("LambdaFunctionFailed"),
        json!({"error": "Lambda.Unknown", "cause": "oom"})
    );
}

#[test]
fn task_submitted_is_logged_for_callback_tasks() {
    let mut run = Run::start(task_machine(json!({})), json!({}));
    let task = run.task_id();
    run.send(Event::TaskSubmitted {
        task,
        output: json!({"MessageId": "m-1"}),
    });
    assert_eq!(run.last_kinds(), ["TaskSubmitted"]);
    assert_eq!(
        run.details("TaskSubmitted")["output"],
        "{\"MessageId\":\"m-1\"}"
    );
    assert_eq!(run.status(), &Status::Running);
}

#[test]
fn map_history_shape_for_sequential_iterations() {
    let m = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}
    }}});
    let run = Run::start(m, json!([1, 2]));
    assert_eq!(
        run.kinds(),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    let iteration: Vec<Value> = run
        .events("MapIterationStarted")
        .iter()
        .map(|e| e["mapIterationStartedEventDetails"].clone())
        .collect();
    assert_eq!(
        iteration,
        [
            json!({"name": "M", "index": 0}),
            json!({"name": "M", "index": 1})
        ]
    );
    assert_eq!(run.output(), &json!([1, 2]));
}

#[test]
fn map_iteration_events_point_at_the_last_event_of_the_finished_iteration() {
    let m = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}
    }}});
    let run = Run::start(m, json!([1, 2]));
    let prev = |id: u64| run.history[id as usize - 1].previous_event_id;
    // 6 PassStateExited, 7 MapIterationSucceeded, 8 MapIterationStarted.
    assert_eq!(prev(7), 6);
    assert_eq!(
        prev(8),
        6,
        "the next MapIterationStarted also points at the iteration's end"
    );
    // 12 MapStateSucceeded and 13 MapStateExited share a predecessor.
    assert_eq!(prev(12), prev(13));
}

#[test]
fn lambda_function_timeout_logs_lambda_function_timed_out() {
    let fields = json!({"Resource": LAMBDA_FN, "TimeoutSeconds": 3});
    let mut run = Run::start(task_machine(fields), json!({}));
    assert_eq!(
        run.details("LambdaFunctionScheduled")["timeoutInSeconds"],
        3
    );
    run.fire_next();
    assert_eq!(
        run.last_kinds(),
        ["LambdaFunctionTimedOut", "ExecutionFailed"]
    );
    assert_eq!(
        run.details("LambdaFunctionTimedOut"),
        json!({ "error": TIMEOUT })
    );
}

#[test]
fn oversized_task_result_is_caught_by_states_all_as_data_limit_exceeded() {
    let fields = json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]});
    let mut run = Run::start(task_machine(fields), json!({}));
    let t = run.task_id();
    run.succeed(t, json!("x".repeat(300_000)));
    assert_eq!(run.output()["Error"], "States.DataLimitExceeded");
}

// ---------------------------------------------------------------------------------------------
// 9. Step Functions Local mocks through the local runtime
// ---------------------------------------------------------------------------------------------

fn run_mocked(
    definition: Value,
    input: Value,
    responses: Value,
) -> stepwise::runtime::local::Finished {
    use stepwise::integrations::{Router, mock::Mocks};
    let config = json!({
        "StateMachines": {"Machine": {"TestCases": {"Case": {"T": "Response"}}}},
        "MockedResponses": {"Response": responses}
    });
    let mocks = Mocks::from_config(&config, None, "Case").expect("valid mock config");
    let mut router = Router::default();
    router.push(Box::new(mocks));
    let clock = stepwise::runtime::clock::VirtualClock::new(T0);
    stepwise::runtime::local::run(&load(definition), info(input), SEED, &mut router, &clock)
}

fn ret(v: Value) -> Value {
    json!({ "Return": v })
}

fn throw(error: &str) -> Value {
    json!({"Throw": {"Error": error, "Cause": format!("{error} cause")}})
}

#[test]
fn mock_invocation_counter_spans_retries_and_map_iterations() {
    let m = map_machine(
        json!({"MaxConcurrency": 1}),
        json!({"Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1}]}),
    );
    let responses = json!({"0": throw("Boom"), "1": ret(json!("idx1")), "2": ret(json!("idx2"))});
    let done = run_mocked(m, json!({"items": ["a", "b"]}), responses);
    assert_eq!(done.status, succeeded(json!(["idx1", "idx2"])));
}

#[test]
fn mock_without_an_entry_for_the_invocation_fails_with_states_runtime() {
    let m = task_machine(json!({
        "Retry": [{"ErrorEquals": ["States.ALL"]}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]
    }));
    let done = run_mocked(m, json!({}), json!({"0": throw("Boom")}));
    assert_eq!(error_of(&done.status), Some(RUNTIME));
    let cause = cause_of(&done.status).unwrap_or_default();
    assert!(
        cause.starts_with(
            "An error occurred while executing the state 'T' (entered at the event id #2)."
        ),
        "{cause}"
    );
    assert!(
        cause.contains("'Response'") && cause.contains("invocation number 1"),
        "{cause}"
    );
}

#[test]
fn mock_range_keys_answer_every_invocation_in_the_range() {
    let m = task_machine(json!({"Retry": [{"ErrorEquals": ["States.ALL"]}]}));
    let responses = json!({
        "0": throw("NotReady"),
        "1-2": throw("Lambda.TimeoutException"),
        "3": ret(json!({"ok": true}))
    });
    let done = run_mocked(m, json!({}), responses);
    assert_eq!(done.status, succeeded(json!({"ok": true})));
    let errors: Vec<Value> = done
        .history
        .iter()
        .filter(|e| e.kind == "TaskFailed")
        .map(|e| e.to_aws_json()["taskFailedEventDetails"]["error"].clone())
        .collect();
    assert_eq!(
        errors,
        [
            json!("NotReady"),
            json!("Lambda.TimeoutException"),
            json!("Lambda.TimeoutException")
        ]
    );
    // Back-offs of 1 + 2 + 4 s on the virtual clock.
    assert_eq!(done.history.last().map(|e| e.timestamp - T0), Some(7_000));
}

#[test]
fn mock_throw_goes_through_catch() {
    let m = task_machine(json!({"Catch": [
        {"ErrorEquals": ["Boom"], "Next": "Handler", "ResultPath": "$.err"}
    ]}));
    let done = run_mocked(m, json!({"a": 1}), json!({"0": throw("Boom")}));
    assert_eq!(
        done.status,
        succeeded(json!({"a": 1, "err": {"Error": "Boom", "Cause": "Boom cause"}}))
    );
}

#[test]
fn mock_response_without_invocation_keys_fails_only_when_used() {
    let m = task_machine(json!({}));
    let done = run_mocked(m, json!({}), json!({}));
    assert_eq!(error_of(&done.status), Some(RUNTIME));
}

/// A Map over `n` items of one Pass each: 4 events per item plus 6 around them.
fn pass_map(n: usize) -> (Machine, Value) {
    let def = json!({"StartAt": "Each", "States": {"Each": {"Type": "Map",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}});
    (load(def), Value::Array((0..n).map(|i| json!(i)).collect()))
}

fn run_map(n: usize, record: bool) -> stepwise::runtime::local::Finished {
    let (m, input) = pass_map(n);
    let clock = stepwise::runtime::clock::VirtualClock::new(T0);
    let mut router = stepwise::integrations::Router::default();
    if record {
        stepwise::runtime::local::run(&m, info(input), SEED, &mut router, &clock)
    } else {
        stepwise::runtime::local::run_counting(&m, info(input), SEED, &mut router, &clock)
    }
}

#[test]
fn the_history_limit_fails_the_execution_at_25000_events_recorded_or_counted() {
    // 6 + 4 × 6,248 = 24,998 events: within the limit.
    let within = run_map(6_248, true);
    assert_eq!(within.status.name(), "SUCCEEDED");
    assert_eq!(within.history.len(), 24_998);
    assert_eq!(within.events, 24_998);
    let counted = run_map(6_248, false);
    assert_eq!(counted.status, within.status);
    assert!(counted.history.is_empty());
    assert_eq!(counted.events, 24_998);

    let over = run_map(7_000, true);
    assert_eq!(error_of(&over.status), Some("States.Runtime"));
    assert_eq!(
        cause_of(&over.status),
        Some("The execution reached the maximum number of history events (25000).")
    );
    // The execution stops at the first transition that finds its history full (the one under
    // way completes its event: 25,001 here), with nothing recorded after it.
    assert_eq!(over.history.len(), 25_001);
    assert_eq!(over.events, 25_001);
    let counted = run_map(7_000, false);
    assert_eq!(counted.status, over.status);
    assert_eq!(counted.events, over.events);
}

#[test]
fn context_paths_read_the_execution_input_only_when_they_ask_for_it() {
    // One ItemSelector reads `$$.Map.Item.Value` (built without the execution input), then
    // `$$.Execution.Input` (the context is built again, with it), then `$$.Execution` whole.
    let def = json!({"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items",
        "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index",
            "tag.$": "$$.Execution.Input.tag", "name.$": "$$.Execution.Name",
            "input.$": "$$.Execution.Input"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}});
    let input = json!({"items": [10, 20], "tag": "t"});
    let run = Run::start(def, input.clone());
    let item = |v: i64, i: i64| json!({"v": v, "i": i, "tag": "t", "name": "run", "input": input});
    assert_eq!(
        run.exec.status,
        succeeded(json!([item(10, 0), item(20, 1)]))
    );
}

#[test]
fn jsonata_context_reads_see_the_execution_input_only_when_they_ask_for_it() {
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Each", "States": {"Each": {
        "Type": "Map", "Items": "{% $states.input.items %}",
        "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}",
            "i": "{% $states.context.Map.Item.Index %}",
            "tag": "{% $states.context.Execution.Input.tag %}",
            "name": "{% $states.context.Execution.Name %}"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "Output": {"items": "{% $states.result %}", "input": "{% $states.context.Execution %}"},
        "End": true}}});
    let input = json!({"items": [10, 20], "tag": "t"});
    let run = Run::start(def, input.clone());
    let item = |v: i64, i: i64| json!({"v": v, "i": i, "tag": "t", "name": "run"});
    let Status::Succeeded { output } = &run.exec.status else {
        panic!("{:?}", run.exec.status)
    };
    assert_eq!(output["items"], json!([item(10, 0), item(20, 1)]));
    assert_eq!(output["input"]["Input"], input);
}
