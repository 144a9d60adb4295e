//! Conductor workflows on the runtime, through the library with a manual clock and the embedded
//! queue: what Conductor does that ASL has no word for (JOIN on a subset, TERMINATE from a
//! branch, timed WAITs completed early), retries, sub-workflows, pause, and event handlers —
//! once per message however often it is delivered, and a failed action leaves the message.

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use stepwise::conductor::ops::{self, Start, TaskUpdate};
use stepwise::conductor::workflow::{TaskStatus, Workflow, WorkflowStatus};
use stepwise::runtime::clock::Clock;
use stepwise::runtime::conductor::Conductor;
use stepwise::runtime::consumer::Message;
use stepwise::runtime::consumer::Source;
use stepwise::runtime::queues::{Embedded, EventQueues, Queues};
use stepwise::store::{
    Commit, Decider, MemoryStore, Scope, Store, TimerRecord, WorkflowRow, WorkflowWrite,
};

/// Each test runs in its own process (nextest), so one clock per process is one per test.
static NOW: AtomicI64 = AtomicI64::new(1_700_000_000_000);

fn now() -> i64 {
    NOW.load(Ordering::Relaxed)
}

fn advance(ms: i64) {
    NOW.fetch_add(ms, Ordering::Relaxed);
}

/// The runtime's view of `NOW`.
struct TestClock;

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        now()
    }
    fn wait_until(&self, due_ms: i64) {
        NOW.fetch_max(due_ms, Ordering::Relaxed);
    }
    fn is_virtual(&self) -> bool {
        true
    }
}

struct Rig {
    c: Conductor,
    store: Arc<dyn Store>,
}

fn rig(workflows: &[Value]) -> Rig {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let embedded = Arc::new(Embedded {
        store: store.clone(),
        clock: Arc::new(TestClock),
    });
    let queues = Queues::on_embedded(embedded);
    let c = Conductor::new(store.clone(), queues, Arc::new(TestClock));
    for w in workflows {
        c.register_workflow(w, true).expect("a valid workflow");
    }
    Rig { c, store }
}

impl Rig {
    fn start(&self, name: &str, input: Value) -> String {
        let start = Start {
            input: input.as_object().cloned().unwrap_or_default(),
            ..Start::default()
        };
        self.c.start(name, None, start).expect("starts")
    }

    fn wf(&self, id: &str) -> Workflow {
        self.c.workflow(id).expect("exists")
    }

    fn statuses(&self, id: &str) -> Vec<(String, &'static str)> {
        self.wf(id)
            .tasks
            .iter()
            .map(|t| (t.reference_task_name.clone(), t.status.name()))
            .collect()
    }

    fn complete(&self, id: &str, task_ref: &str, output: Value) {
        let out = output.as_object().cloned().unwrap_or_default();
        let done = self
            .c
            .update_by_ref(id, task_ref, TaskStatus::Completed, out, None)
            .expect("updates");
        assert!(done.is_some(), "{task_ref} was pending");
    }

    fn tick(&self, ms: i64) {
        advance(ms);
        self.c.drive();
    }
}

fn pairs(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    list.iter().map(|(r, s)| (r.to_string(), *s)).collect()
}

/// A message as a queue gives it, received once.
fn message(id: &str, receipt: &str, body: String) -> Message {
    Message {
        id: id.into(),
        receipt: receipt.into(),
        body,
        attributes: "{}".into(),
        receive_count: 1,
        sent_ms: now(),
        first_receive_ms: Some(now()),
    }
}

fn wait(r: &str) -> Value {
    json!({"name": r, "taskReferenceName": r, "type": "WAIT"})
}

#[test]
fn a_join_on_a_subset_lets_the_other_branch_run_on() {
    let rig = rig(&[json!({"name": "w", "tasks": [
        {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [[wait("a")], [wait("b")]]},
        {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a"]},
        wait("after")
    ]})]);
    let id = rig.start("w", json!({}));
    rig.complete(&id, "a", json!({"x": 1}));
    let t = rig.wf(&id);
    let join = t
        .tasks
        .iter()
        .find(|t| t.reference_task_name == "join")
        .unwrap();
    assert_eq!(join.status, TaskStatus::Completed);
    assert_eq!(
        Value::Object(join.output_data.clone()),
        json!({"a": {"x": 1}})
    );
    assert_eq!(
        rig.statuses(&id),
        pairs(&[
            ("fork", "COMPLETED"),
            ("a", "COMPLETED"),
            ("b", "IN_PROGRESS"),
            ("join", "COMPLETED"),
            ("after", "IN_PROGRESS")
        ])
    );
    rig.complete(&id, "after", json!({}));
    assert_eq!(rig.wf(&id).status, WorkflowStatus::Running, "b still runs");
    rig.complete(&id, "b", json!({}));
    assert_eq!(rig.wf(&id).status, WorkflowStatus::Completed);
}

#[test]
fn terminate_in_a_branch_ends_the_whole_workflow() {
    let rig = rig(&[json!({"name": "w", "tasks": [
        {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
            [wait("a")],
            [{"name": "stop", "taskReferenceName": "stop", "type": "TERMINATE", "inputParameters": {
                "terminationStatus": "FAILED", "terminationReason": "no stock", "workflowOutput": {"why": "${workflow.input.why}"}}}]
        ]},
        {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a", "stop"]}
    ]})]);
    let id = rig.start("w", json!({"why": "sold out"}));
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::Failed);
    assert_eq!(wf.reason_for_incompletion.as_deref(), Some("no stock"));
    assert_eq!(Value::Object(wf.output), json!({"why": "sold out"}));
    assert_eq!(
        rig.statuses(&id),
        pairs(&[
            ("fork", "COMPLETED"),
            ("a", "CANCELED"),
            ("stop", "COMPLETED"),
            ("join", "CANCELED")
        ])
    );
}

#[test]
fn a_timed_wait_ends_by_itself_or_earlier_from_outside() {
    let timed = json!({"name": "t", "taskReferenceName": "t", "type": "WAIT", "inputParameters": {"duration": "1m 30s"}});
    let rig = rig(&[json!({"name": "w", "tasks": [timed]})]);
    let by_timer = rig.start("w", json!({}));
    let early = rig.start("w", json!({}));
    rig.tick(89_000);
    assert_eq!(rig.wf(&by_timer).status, WorkflowStatus::Running);
    rig.complete(&early, "t", json!({"by": "hand"}));
    assert_eq!(rig.wf(&early).status, WorkflowStatus::Completed);
    assert_eq!(Value::Object(rig.wf(&early).output), json!({"by": "hand"}));
    rig.tick(1_000);
    assert_eq!(rig.wf(&by_timer).status, WorkflowStatus::Completed);
}

/// The Conductor timers in the store, as `(workflow id, due)`.
fn conductor_timers(store: &dyn Store) -> Vec<(String, i64)> {
    let scope = Scope {
        decider: Some(Decider::Conductor),
        execution: None,
    };
    let timers = store.due_timers(i64::MAX, 100, scope).unwrap();
    timers
        .into_iter()
        .map(|t| (t.execution_arn, t.due_ms))
        .collect()
}

#[test]
fn a_wait_deadline_is_a_timer_beside_asl_timers_and_a_broken_workflow_is_tried_later() {
    let timed = json!({"name": "t", "taskReferenceName": "t", "type": "WAIT", "inputParameters": {"duration": "10s"}});
    let rig = rig(&[json!({"name": "w", "tasks": [timed]})]);
    let id = rig.start("w", json!({}));
    assert_eq!(
        conductor_timers(&*rig.store),
        [(id.clone(), now() + 10_000)]
    );
    rig.tick(10_000);
    assert_eq!(rig.wf(&id).status, WorkflowStatus::Completed);
    assert_eq!(
        conductor_timers(&*rig.store),
        [],
        "an ended workflow has no timer"
    );

    // A workflow whose row no longer reads: its timer moves on by the lease instead of firing
    // again at once (a driver would spin on it).
    let broken = WorkflowRow {
        id: "broken".into(),
        name: "w".into(),
        status: WorkflowStatus::Running,
        correlation_id: None,
        created_ms: now(),
        body: "not a workflow".into(),
        revision: 1,
    };
    let due = TimerRecord {
        execution_arn: "broken".into(),
        timer: 0,
        due_ms: now(),
        decider: Decider::Conductor,
    };
    let commit = Commit {
        workflow: Some(WorkflowWrite {
            row: broken,
            insert: true,
        }),
        new_timers: vec![due],
        ..Commit::default()
    };
    rig.store.commit(&[commit]).unwrap();
    assert_eq!(rig.c.drive(), 1, "fired once, not again and again");
    assert_eq!(
        conductor_timers(&*rig.store),
        [("broken".to_string(), now() + stepwise::runtime::LEASE_MS)]
    );
}

#[test]
fn expressions_keep_types_whole_and_stringify_embedded() {
    let rig = rig(&[json!({"name": "w", "tasks": [
        {"name": "v", "taskReferenceName": "v", "type": "SET_VARIABLE", "inputParameters": {
            "n": "${workflow.input.n}", "text": "n=${workflow.input.n}, m=${workflow.input.m}, missing=${workflow.input.none}",
            "escaped": "$${workflow.input.n}", "whole": "${workflow.input}"}}
    ], "outputParameters": {"vars": "${workflow.variables}"}})]);
    let id = rig.start("w", json!({"n": 2, "m": {"k": 1.5}}));
    assert_eq!(
        Value::Object(rig.wf(&id).output),
        json!({"vars": {"n": 2, "text": "n=2, m={k=1.5}, missing=null", "escaped": "${workflow.input.n}", "whole": {"n": 2, "m": {"k": 1.5}}}})
    );
}

#[test]
fn switch_takes_its_case_or_the_default_and_continues_after() {
    let rig = rig(&[json!({"name": "w", "tasks": [
        {"name": "s", "taskReferenceName": "s", "type": "SWITCH", "evaluatorType": "value-param", "expression": "kind",
         "inputParameters": {"kind": "${workflow.input.kind}"},
         "decisionCases": {"1": [wait("one")], "empty": []}, "defaultCase": [wait("other")]},
        wait("after")
    ]})]);
    let numeric = rig.start("w", json!({"kind": 1}));
    assert_eq!(
        rig.statuses(&numeric),
        pairs(&[("s", "COMPLETED"), ("one", "IN_PROGRESS")])
    );
    let empty = rig.start("w", json!({"kind": "empty"}));
    assert_eq!(
        rig.statuses(&empty),
        pairs(&[("s", "COMPLETED"), ("after", "IN_PROGRESS")])
    );
    let other = rig.start("w", json!({}));
    assert_eq!(
        rig.statuses(&other),
        pairs(&[("s", "COMPLETED"), ("other", "IN_PROGRESS")])
    );
    let s = &rig.wf(&other).tasks[0];
    assert_eq!(
        s.output_data["selectedCase"], "null",
        "a missing value is the case \"null\""
    );
    // A DECISION (the deprecated form) falls back to its default on an empty case.
    let decision = json!({"name": "d", "tasks": [
        {"name": "d", "taskReferenceName": "d", "type": "DECISION", "caseValueParam": "kind",
         "inputParameters": {"kind": "${workflow.input.kind}"},
         "decisionCases": {"empty": []}, "defaultCase": [wait("fallback")]}]});
    rig.c.register_workflow(&decision, true).unwrap();
    let d = rig.start("d", json!({"kind": "empty"}));
    assert_eq!(
        rig.statuses(&d),
        pairs(&[("d", "COMPLETED"), ("fallback", "IN_PROGRESS")])
    );
}

#[test]
fn a_failing_worker_task_is_retried_then_fails_the_workflow() {
    let rig = rig(&[json!({"name": "w", "tasks": [
        {"name": "work", "taskReferenceName": "work", "type": "SIMPLE", "retryCount": 1}
    ]})]);
    let id = rig.start("w", json!({}));
    let fail = |rig: &Rig, task_type: &str| {
        let (task, wf) = rig
            .c
            .poll(task_type, None, Some("w1"))
            .unwrap()
            .expect("a task to poll");
        let update = TaskUpdate::new(&task.task_id, TaskStatus::Failed, Default::default())
            .because(Some("boom".into()));
        rig.c.update_task(&wf, update).unwrap();
        task.retry_count
    };
    assert_eq!(fail(&rig, "work"), 0);
    assert!(
        rig.c.poll("work", None, None).unwrap().is_none(),
        "the retry waits retryDelaySeconds (60 s)"
    );
    rig.tick(60_000);
    assert_eq!(fail(&rig, "work"), 1);
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::Failed);
    assert_eq!(wf.reason_for_incompletion.as_deref(), Some("boom"));
}

#[test]
fn an_optional_task_failing_is_completed_with_errors() {
    let rig = rig(&[json!({"name": "w", "tasks": [
        {"name": "maybe", "taskReferenceName": "maybe", "type": "SIMPLE", "optional": true, "retryCount": 0},
        wait("after")
    ]})]);
    let id = rig.start("w", json!({}));
    let (task, wf) = rig.c.poll("maybe", None, None).unwrap().unwrap();
    let update =
        TaskUpdate::new(&task.task_id, TaskStatus::Failed, Default::default()).because(None);
    rig.c.update_task(&wf, update).unwrap();
    assert_eq!(
        rig.statuses(&id),
        pairs(&[("maybe", "COMPLETED_WITH_ERRORS"), ("after", "IN_PROGRESS")])
    );
}

#[test]
fn a_sub_workflow_runs_and_reports_to_its_parent() {
    let rig = rig(&[
        json!({"name": "child", "tasks": [wait("c")], "outputParameters": {"got": "${c.output.v}"}}),
        json!({"name": "parent", "tasks": [
            {"name": "sub", "taskReferenceName": "sub", "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "child"}}
        ]}),
    ]);
    let id = rig.start("parent", json!({}));
    let child_id = rig.wf(&id).tasks[0]
        .sub_workflow_id
        .clone()
        .expect("a child id");
    assert_eq!(
        rig.wf(&child_id).parent_workflow_id.as_deref(),
        Some(id.as_str())
    );
    rig.complete(&child_id, "c", json!({"v": 7}));
    let parent = rig.wf(&id);
    assert_eq!(parent.status, WorkflowStatus::Completed);
    assert_eq!(parent.tasks[0].output_data["got"], 7);
    assert_eq!(
        parent.tasks[0].output_data["subWorkflowId"],
        child_id.as_str()
    );
}

#[test]
fn a_paused_workflow_holds_still_until_resumed() {
    let rig = rig(&[json!({"name": "w", "tasks": [wait("a"), wait("b")]})]);
    let id = rig.start("w", json!({}));
    rig.c.apply(&id, |cx, wf| ops::pause(wf, cx.now)).unwrap();
    rig.complete(&id, "a", json!({}));
    assert_eq!(
        rig.statuses(&id),
        pairs(&[("a", "COMPLETED")]),
        "nothing is scheduled while paused"
    );
    rig.c.apply(&id, ops::resume).unwrap();
    assert_eq!(
        rig.statuses(&id),
        pairs(&[("a", "COMPLETED"), ("b", "IN_PROGRESS")])
    );
}

#[test]
fn a_workflow_times_out_with_time_out_wf() {
    let rig = rig(&[
        json!({"name": "w", "timeoutSeconds": 30, "timeoutPolicy": "TIME_OUT_WF", "tasks": [wait("a")]}),
    ]);
    let id = rig.start("w", json!({}));
    rig.tick(30_000);
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::TimedOut);
    assert_eq!(rig.statuses(&id), pairs(&[("a", "CANCELED")]));
}

#[test]
fn conductor_sinks_reach_handlers_on_the_internal_queue() {
    let rig = rig(&[json!({"name": "w", "tasks": [
        {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
            [wait("w1")],
            [{"name": "ping", "taskReferenceName": "ping", "type": "EVENT", "sink": "conductor"}]]},
        {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["w1", "ping"]}
    ]})]);
    rig.c
        .put_event_handler(
            &json!({"name": "h", "event": "conductor:w:ping", "active": true, "actions": [
                {"action": "complete_task", "complete_task": {"workflowId": "${workflowInstanceId}", "taskRefName": "w1", "output": {"from": "${event_produced}"}}}]}),
            false,
        )
        .unwrap();
    let id = rig.start("w", json!({}));
    assert_eq!(rig.c.listen(), 1);
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::Completed);
    assert_eq!(wf.tasks[1].output_data["from"], "conductor:w:ping");
}

/// A redelivered message (SQS delivers at least once) finds its action recorded: the workflow
/// its start_workflow action started is not started again; nor after a crash half-way, when the
/// record says IN_PROGRESS, since the started workflow's id comes from the message.
#[test]
fn a_message_delivered_twice_acts_once() {
    let rig = rig(&[json!({"name": "ship", "tasks": [wait("pack")]})]);
    let handler = json!({"name": "start_ship", "event": "sqs:orders", "active": true, "actions": [
        {"action": "start_workflow", "start_workflow": {"name": "ship", "input": {"order": "${order}"}}}]});
    rig.c.put_event_handler(&handler, false).unwrap();
    let handlers = rig.c.event_handlers().unwrap();
    let message = message("m-1", "r-1", json!({"order": "o-1"}).to_string());
    rig.c.handle("sqs:orders", &handlers, &message).unwrap();
    rig.c.handle("sqs:orders", &handlers, &message).unwrap();
    let started = rig.store.list_workflows(Some("ship"), 0).unwrap();
    assert_eq!(started.len(), 1, "one workflow for one message");
    // As if the process died after starting the workflow, before recording it done.
    rig.store
        .set_event_execution(
            "start_ship:m-1_0",
            &json!({"status": "IN_PROGRESS"}).to_string(),
        )
        .unwrap();
    rig.c.handle("sqs:orders", &handlers, &message).unwrap();
    assert_eq!(rig.store.list_workflows(Some("ship"), 0).unwrap().len(), 1);
    let wf = rig.wf(&started[0].id);
    assert_eq!(wf.input["order"], "o-1");
    assert_eq!(wf.input["conductor.event.messageId"], "m-1");
    assert_eq!(wf.event.as_deref(), Some("sqs:orders"));
}

/// An action another delivery is performing right now is left to it (the message stays on the
/// queue, to find the action done when it comes back); one whose performer died is taken over
/// and run again — and an `appendArray` update the dead one had already applied is not applied
/// twice: the workflow remembers the message's action.
#[test]
fn an_action_in_progress_is_left_to_its_performer_and_an_update_applies_once() {
    let rig = rig(&[json!({"name": "w", "variables": {"log": ["start"]}, "tasks": [wait("a")]})]);
    let handler = json!({"name": "vars", "event": "sqs:vars", "active": true, "actions": [
        {"action": "update_workflow_variables", "update_workflow_variables": {
            "workflowId": "${id}", "variables": {"log": "${text}"}, "appendArray": true}}]});
    rig.c.put_event_handler(&handler, false).unwrap();
    let handlers = rig.c.event_handlers().unwrap();
    let id = rig.start("w", json!({}));
    let m = message("m-1", "r-1", json!({"id": id, "text": "paid"}).to_string());
    let log = || rig.wf(&id).variables["log"].clone();
    let key = "vars:m-1_0";
    let in_progress = |by: &str, at: i64| {
        json!({"status": "IN_PROGRESS", "claimedBy": by, "claimedAt": at}).to_string()
    };

    // A live process (this one, as another delivery) performs it.
    let me = stepwise::runtime::process::owner_id();
    rig.store
        .claim_event_execution(key, &in_progress(&me, now()))
        .unwrap();
    let kept = rig.c.handle("sqs:vars", &handlers, &m).unwrap_err();
    assert!(kept.contains("is being performed by"), "{kept}");
    assert_eq!(log(), json!(["start"]), "not run by a second delivery");

    // It finishes; a later delivery finds it done.
    rig.store.forget_event_execution(key).unwrap();
    rig.c.handle("sqs:vars", &handlers, &m).unwrap();
    assert_eq!(log(), json!(["start", "paid"]));
    rig.c.handle("sqs:vars", &handlers, &m).unwrap();
    assert_eq!(log(), json!(["start", "paid"]));

    // As if its performer had died after the update, before recording it done (a pid no
    // process has on this machine), and as if its claim had merely grown old.
    let host = me.split_once('@').map_or("", |(_, h)| h).to_string();
    for stale in [
        in_progress(&format!("pid:4194305@{host}"), now()),
        in_progress("node-b", 0),
    ] {
        rig.store.set_event_execution(key, &stale).unwrap();
        rig.c.handle("sqs:vars", &handlers, &m).unwrap();
        assert_eq!(log(), json!(["start", "paid"]), "applied once");
        let record: Value =
            serde_json::from_str(&rig.store.event_execution(key).unwrap().unwrap()).unwrap();
        assert_eq!(
            record["status"], "COMPLETED",
            "taken over and done: {record}"
        );
    }
}

/// complete_task for a task that already ended, or that does not exist, is recorded with an
/// `error` and the message is done with — and nothing is completed twice.
#[test]
fn completing_twice_completes_once() {
    let rig = rig(&[json!({"name": "w", "tasks": [wait("a"), wait("b")]})]);
    let handler = json!({"name": "done", "event": "sqs:done", "active": true, "actions": [
        {"action": "complete_task", "complete_task": {"workflowId": "${id}", "taskRefName": "a", "output": {"n": "${n}"}}}]});
    rig.c.put_event_handler(&handler, false).unwrap();
    let id = rig.start("w", json!({}));
    let q = &rig.c.queues;
    q.send("sqs:done", &json!({"id": id, "n": 1}).to_string(), "m1")
        .unwrap();
    q.send("sqs:done", &json!({"id": id, "n": 2}).to_string(), "m2")
        .unwrap();
    assert_eq!(rig.c.listen(), 2);
    let wf = rig.wf(&id);
    assert_eq!(
        wf.tasks[0].output_data["n"], 1,
        "the first message completed a"
    );
    assert_eq!(
        rig.statuses(&id),
        pairs(&[("a", "COMPLETED"), ("b", "IN_PROGRESS")])
    );
    let records = rig.store.event_executions().unwrap();
    let errors: Vec<&str> = records
        .iter()
        .filter(|(_, b)| b.contains("No task found"))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(errors.len(), 1, "{records:?}");
    assert_eq!(
        rig.store.queue_counts("done", now()).unwrap().visible,
        0,
        "both messages are deleted"
    );
}

/// An action that fails (here: start_workflow of a workflow nobody registered yet) leaves the
/// message on the queue; it comes back after the visibility timeout and then succeeds.
#[test]
fn a_failed_action_leaves_the_message_for_redelivery() {
    let rig = rig(&[]);
    let handler = json!({"name": "start_late", "event": "sqs:late", "active": true, "actions": [
        {"action": "start_workflow", "start_workflow": {"name": "late", "input": {}}}]});
    rig.c.put_event_handler(&handler, false).unwrap();
    rig.c.queues.send("sqs:late", "{}", "m1").unwrap();
    assert_eq!(rig.c.listen(), 1);
    let counts = rig.store.queue_counts("late", now()).unwrap();
    assert_eq!(
        (counts.visible, counts.in_flight),
        (0, 1),
        "received, not deleted"
    );
    assert!(
        rig.store.event_executions().unwrap().is_empty(),
        "nothing recorded as done"
    );
    rig.c
        .register_workflow(&json!({"name": "late", "tasks": [wait("x")]}), true)
        .unwrap();
    assert_eq!(rig.c.listen(), 0, "invisible until the visibility timeout");
    advance(stepwise::runtime::conductor::listen::VISIBILITY_MS);
    assert_eq!(rig.c.listen(), 1);
    assert_eq!(rig.store.list_workflows(Some("late"), 0).unwrap().len(), 1);
    assert_eq!(
        rig.store.queue_counts("late", now()).unwrap().in_flight,
        0,
        "deleted at last"
    );
}

#[test]
fn definitions_with_problems_are_refused_with_every_diagnostic() {
    let rig = rig(&[]);
    let e = rig
        .c
        .register_workflow(
            &json!({"name": "bad", "tasks": [
                {"name": "h", "taskReferenceName": "h", "type": "LAMBDA"},
                {"name": "e", "taskReferenceName": "e", "type": "EVENT"},
                {"name": "x", "taskReferenceName": "h", "type": "WAIT"}]}),
            false,
        )
        .unwrap_err();
    assert_eq!(e.status, 400);
    for part in [
        "UNSUPPORTED_FEATURE at /tasks/0/type",
        "at /tasks/1/sink",
        "DUPLICATE_TASK_REFERENCE at /tasks/2/taskReferenceName",
    ] {
        assert!(e.message.contains(part), "{part}: {}", e.message);
    }
}

fn do_while() -> Value {
    json!({"name": "loop", "tasks": [
        {"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
         "loopCondition": "if ($.loop['iteration'] < 3) { true; } else { false; }",
         "loopOver": [wait("step")]}
    ]})
}

#[test]
fn do_while_runs_its_body_while_the_condition_holds() {
    let rig = rig(&[do_while()]);
    let id = rig.start("loop", json!({}));
    for i in 1..=3 {
        rig.complete(&id, "step", json!({"i": i}));
    }
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::Completed);
    let refs: Vec<&str> = wf
        .tasks
        .iter()
        .map(|t| t.reference_task_name.as_str())
        .collect();
    assert_eq!(refs, ["loop", "step__1", "step__2", "step__3"]);
    let out = Value::Object(wf.tasks[0].output_data.clone());
    assert_eq!(out["iteration"], 3);
    assert_eq!(out["2"], json!({"step": {"i": 2}}));
}

/// Inside a loop, a second delivery of the message that completed iteration 1's WAIT would
/// complete iteration 2's — a double effect. The record of the action stops it.
#[test]
fn a_redelivered_message_does_not_complete_the_next_iteration() {
    let rig = rig(&[do_while()]);
    let handler = json!({"name": "next", "event": "sqs:steps", "active": true, "actions": [
        {"action": "complete_task", "complete_task": {"workflowId": "${id}", "taskRefName": "step", "output": {}}}]});
    rig.c.put_event_handler(&handler, false).unwrap();
    let handlers = rig.c.event_handlers().unwrap();
    let id = rig.start("loop", json!({}));
    let message = message("m-7", "r", json!({"id": id}).to_string());
    rig.c.handle("sqs:steps", &handlers, &message).unwrap();
    rig.c.handle("sqs:steps", &handlers, &message).unwrap();
    assert_eq!(
        rig.statuses(&id),
        pairs(&[
            ("loop", "IN_PROGRESS"),
            ("step__1", "COMPLETED"),
            ("step__2", "IN_PROGRESS")
        ])
    );
}

#[test]
fn javascript_in_switch_inline_and_handler_conditions() {
    let rig = rig(&[json!({"name": "js", "tasks": [
        {"name": "route", "taskReferenceName": "route", "type": "SWITCH", "evaluatorType": "javascript",
         "expression": "$.carrier == 'fedex' ? 'fedex' : 'ups'", "inputParameters": {"carrier": "${workflow.input.carrier}"},
         "decisionCases": {"ups": [
            {"name": "price", "taskReferenceName": "price", "type": "INLINE", "inputParameters": {
                "evaluatorType": "javascript", "weight": "${workflow.input.kg}",
                "expression": "(function(){ return {cost: $.weight * 2 + 1, label: 'ups-' + $.weight}; })()"}}]},
         "defaultCase": []},
        wait("ship")
    ], "outputParameters": {"price": "${price.output.result}"}})]);
    let id = rig.start("js", json!({"carrier": "dhl", "kg": 3}));
    let wf = rig.wf(&id);
    assert_eq!(
        wf.tasks[1].output_data["result"],
        json!({"cost": 7, "label": "ups-3"})
    );
    let handler = json!({"name": "ready", "event": "sqs:ready", "active": true, "condition": "$.status == 'READY'", "actions": [
        {"action": "complete_task", "complete_task": {"workflowId": "${id}", "taskRefName": "ship", "output": {}}}]});
    rig.c.put_event_handler(&handler, false).unwrap();
    rig.c
        .queues
        .send(
            "sqs:ready",
            &json!({"id": id, "status": "WAITING"}).to_string(),
            "m1",
        )
        .unwrap();
    rig.c.listen();
    assert_eq!(
        rig.wf(&id).status,
        WorkflowStatus::Running,
        "the condition did not hold"
    );
    rig.c
        .queues
        .send(
            "sqs:ready",
            &json!({"id": id, "status": "READY"}).to_string(),
            "m2",
        )
        .unwrap();
    rig.c.listen();
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::Completed);
    assert_eq!(
        Value::Object(wf.output),
        json!({"price": {"cost": 7, "label": "ups-3"}})
    );
    let skipped = rig.store.event_executions().unwrap();
    assert!(
        skipped.iter().any(|(_, b)| b.contains("SKIPPED")),
        "{skipped:?}"
    );
}

#[test]
fn failing_javascript_is_a_clear_failure() {
    // A script only known when the task runs (here from the workflow input) is checked then.
    for (script, why) in [
        (
            "var s = 0;\nfor (var i = 0; i < 3; i++) { s += $.missing.x }",
            "TypeError: cannot read property 'x' of undefined (at line 2",
        ),
        ("(function(){ return 1 +; })()", "SyntaxError"),
    ] {
        let rig = rig(&[json!({"name": "w", "tasks": [
            {"name": "i", "taskReferenceName": "i", "type": "INLINE", "inputParameters": {
                "expression": "${workflow.input.script}"}}]})]);
        let id = rig.start("w", json!({"script": script}));
        let wf = rig.wf(&id);
        assert_eq!(wf.status, WorkflowStatus::Failed);
        let reason = wf.reason_for_incompletion.unwrap_or_default();
        assert!(reason.contains(why), "{reason}");
    }
}

#[test]
fn javascript_that_does_not_compile_is_refused_at_registration() {
    let rig = rig(&[]);
    let inline = json!({"name": "w", "tasks": [
        {"name": "i", "taskReferenceName": "i", "type": "INLINE", "inputParameters": {
            "expression": "(function(){\n  return 1 +;\n})()"}}]});
    let e = rig.c.register_workflow(&inline, true).unwrap_err();
    assert_eq!(e.status, 400, "{}", e.message);
    for part in [
        "/tasks/0/inputParameters/expression",
        "The INLINE expression is not valid JavaScript: SyntaxError",
        "(at line 2, column 13)",
    ] {
        assert!(e.message.contains(part), "{part}: {}", e.message);
    }
    assert!(
        rig.c.workflow_def("w", None).unwrap().is_none(),
        "nothing was stored"
    );
}

#[test]
fn worker_tasks_time_out_by_their_task_definition() {
    let rig = rig(&[
        json!({"name": "w", "tasks": [{"name": "slow", "taskReferenceName": "slow", "type": "SIMPLE"}]}),
    ]);
    rig.c
        .register_task_defs(
            &json!([{"name": "slow", "retryCount": 1, "retryDelaySeconds": 0,
            "responseTimeoutSeconds": 10, "timeoutPolicy": "RETRY"}]),
        )
        .unwrap();
    let id = rig.start("w", json!({}));
    let (first, _) = rig
        .c
        .poll("slow", None, Some("w1"))
        .unwrap()
        .expect("polled");
    rig.tick(10_000);
    let wf = rig.wf(&id);
    assert_eq!(wf.tasks[0].status, TaskStatus::TimedOut);
    assert_eq!(wf.status, WorkflowStatus::Running, "retried");
    let (second, _) = rig
        .c
        .poll("slow", None, Some("w1"))
        .unwrap()
        .expect("the retry");
    assert_eq!(
        (second.retry_count, second.retried_task_id.as_deref()),
        (1, Some(first.task_id.as_str()))
    );
    // A late answer to the first attempt is ignored.
    let late =
        TaskUpdate::new(&first.task_id, TaskStatus::Completed, Default::default()).because(None);
    rig.c.update_task(&id, late).unwrap();
    assert_eq!(rig.wf(&id).tasks[0].status, TaskStatus::TimedOut);
    rig.tick(10_000);
    assert_eq!(rig.wf(&id).status, WorkflowStatus::TimedOut);

    rig.c
        .register_task_defs(
            &json!([{"name": "never", "pollTimeoutSeconds": 5, "timeoutPolicy": "TIME_OUT_WF"}]),
        )
        .unwrap();
    rig.c.register_workflow(&json!({"name": "p", "tasks": [{"name": "never", "taskReferenceName": "never", "type": "SIMPLE"}]}), true).unwrap();
    let p = rig.start("p", json!({}));
    rig.tick(5_000);
    let wf = rig.wf(&p);
    assert_eq!(wf.status, WorkflowStatus::TimedOut);
    assert!(
        wf.reason_for_incompletion
            .unwrap_or_default()
            .contains("pollTimeoutSeconds")
    );
}

#[test]
fn a_failed_workflow_starts_its_failure_workflow() {
    let rig = rig(&[
        json!({"name": "cleanup", "tasks": [wait("undo")]}),
        json!({"name": "w", "failureWorkflow": "cleanup", "tasks": [
            {"name": "t", "taskReferenceName": "t", "type": "SIMPLE", "retryCount": 0}]}),
    ]);
    let id = rig.start("w", json!({"order": 9}));
    let (task, _) = rig.c.poll("t", None, None).unwrap().unwrap();
    let update = TaskUpdate::new(
        &task.task_id,
        TaskStatus::FailedWithTerminalError,
        Default::default(),
    )
    .because(Some("card declined".into()));
    rig.c.update_task(&id, update).unwrap();
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::Failed);
    let cleanup_id = wf.output["conductor.failure_workflow"]
        .as_str()
        .expect("an id")
        .to_string();
    let cleanup = rig.wf(&cleanup_id);
    assert_eq!(cleanup.name, "cleanup");
    assert_eq!(cleanup.input["workflowId"], id.as_str());
    assert_eq!(cleanup.input["failureStatus"], "FAILED");
    assert_eq!(cleanup.input["reason"], "card declined");
    assert_eq!(cleanup.input["failureTaskId"], task.task_id.as_str());
    assert_eq!(cleanup.input["order"], 9);
    assert_eq!(cleanup.input["failedWorkflow"]["workflowId"], id.as_str());
    // Terminating by request does not start it (as OSS Conductor).
    let other = rig.start("w", json!({}));
    rig.c
        .apply(&other, |cx, wf| ops::terminate(cx, wf, None))
        .unwrap();
    assert!(
        rig.wf(&other)
            .output
            .get("conductor.failure_workflow")
            .is_none()
    );
}

/// A `conductor:` queue keeps its whole name, `/` included (a queue URL would keep only the part
/// after the last `/`).
#[test]
fn a_conductor_queue_name_with_a_slash_is_the_queue_it_names() {
    let rig = rig(&[]);
    let queue = "conductor:shop:orders/created";
    rig.c.queues.send(queue, "{}", "m1").expect("sends");
    let got = rig.c.queues.receive(queue, 10, 30_000).unwrap();
    assert_eq!(got.len(), 1, "the message is on {queue}");
    assert!(
        rig.store.queue("created").unwrap().is_none(),
        "not on 'created'"
    );
}

#[test]
fn sqs_sinks_by_url_and_arn_reach_the_queue_by_name() {
    let event = |r: &str, sink: &str| json!({"name": r, "taskReferenceName": r, "type": "EVENT", "sink": sink});
    let rig = rig(&[json!({"name": "w", "tasks": [
        event("by_url", "sqs:https://sqs.us-east-1.amazonaws.com/123456789012/orders"),
        event("by_arn", "sqs:arn:aws:sqs:us-east-1:123456789012:orders"),
        event("by_name", "sqs:${workflow.input.queue}")
    ]})]);
    let id = rig.start("w", json!({"queue": "orders"}));
    assert_eq!(rig.wf(&id).status, WorkflowStatus::Completed);
    let got = rig.c.queues.receive("sqs:orders", 10, 30_000).unwrap();
    let sinks: Vec<String> = got
        .iter()
        .map(|m| {
            serde_json::from_str::<Value>(&m.body).unwrap()["event_produced"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        sinks,
        [
            "sqs:https://sqs.us-east-1.amazonaws.com/123456789012/orders",
            "sqs:arn:aws:sqs:us-east-1:123456789012:orders",
            "sqs:orders"
        ]
    );
    // A sink of a kind stepwise has no queue for fails its task, as Conductor's does.
    rig.c
        .register_workflow(
            &json!({"name": "k", "tasks": [event("k", "kafka:topic")]}),
            true,
        )
        .unwrap();
    let k = rig.start("k", json!({}));
    let wf = rig.wf(&k);
    assert_eq!(wf.status, WorkflowStatus::Failed);
    assert!(
        wf.reason_for_incompletion
            .unwrap_or_default()
            .contains("Unknown queue type kafka")
    );
}

#[test]
fn handlers_terminate_workflows_and_update_their_variables() {
    let rig = rig(&[json!({"name": "w", "variables": {"log": ["start"]}, "tasks": [wait("a")]})]);
    for h in [
        json!({"name": "vars", "event": "sqs:vars", "active": true, "actions": [
            {"action": "update_workflow_variables", "expandInlineJSON": true, "update_workflow_variables": {
                "workflowId": "${id}", "variables": {"log": "${entry.text}", "seen": true}, "appendArray": true}}]}),
        json!({"name": "stop", "event": "sqs:stop", "active": true, "actions": [
            {"action": "terminate_workflow", "terminate_workflow": {"workflowId": "${id}", "terminationReason": "${why}"}}]}),
    ] {
        rig.c.put_event_handler(&h, false).unwrap();
    }
    let id = rig.start("w", json!({}));
    // expandInlineJSON: the stringified JSON inside the message is read as JSON.
    let body = json!({"id": id, "entry": "{\"text\": \"paid\"}"});
    rig.c
        .queues
        .send("sqs:vars", &body.to_string(), "m1")
        .unwrap();
    rig.c.listen();
    assert_eq!(
        Value::Object(rig.wf(&id).variables),
        json!({"log": ["start", "paid"], "seen": true})
    );
    rig.c
        .queues
        .send(
            "sqs:stop",
            &json!({"id": id, "why": "cancelled by customer"}).to_string(),
            "m2",
        )
        .unwrap();
    rig.c.listen();
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::Terminated);
    assert_eq!(
        wf.reason_for_incompletion.as_deref(),
        Some("cancelled by customer")
    );
}

#[test]
fn a_failed_workflow_can_be_retried_from_its_failed_task() {
    let rig = rig(&[json!({"name": "w", "tasks": [
        wait("first"),
        {"name": "job", "taskReferenceName": "job", "type": "SIMPLE", "retryCount": 0}
    ]})]);
    let id = rig.start("w", json!({}));
    rig.complete(&id, "first", json!({}));
    let (task, _) = rig.c.poll("job", None, None).unwrap().unwrap();
    let failed = TaskUpdate::new(&task.task_id, TaskStatus::Failed, Default::default())
        .because(Some("down".into()));
    rig.c.update_task(&id, failed).unwrap();
    assert_eq!(rig.wf(&id).status, WorkflowStatus::Failed);
    rig.c.apply(&id, ops::retry).unwrap();
    let wf = rig.wf(&id);
    assert_eq!(wf.status, WorkflowStatus::Running);
    assert_eq!(
        rig.statuses(&id),
        pairs(&[
            ("first", "COMPLETED"),
            ("job", "FAILED"),
            ("job", "SCHEDULED")
        ])
    );
    let (again, _) = rig
        .c
        .poll("job", None, None)
        .unwrap()
        .expect("the retried task is pollable");
    assert_eq!(
        again.retried_task_id.as_deref(),
        Some(task.task_id.as_str())
    );
    let done = TaskUpdate::new(&again.task_id, TaskStatus::Completed, Default::default());
    rig.c.update_task(&id, done).unwrap();
    assert_eq!(rig.wf(&id).status, WorkflowStatus::Completed);
    assert_eq!(
        rig.c.apply(&id, ops::retry).unwrap_err().status,
        409,
        "a COMPLETED workflow is not retried"
    );
}

/// `"a,NO_DOMAIN"`: domain `a` while its workers poll (within 10 s), else the plain queue; a
/// retry, automatic or asked for, is queued in the workflow's domains again.
#[test]
fn a_domain_list_follows_the_workers_polling() {
    let rig = rig(&[
        json!({"name": "w", "tasks": [{"name": "job", "taskReferenceName": "job", "type": "SIMPLE"}]}),
    ]);
    rig.c
        .register_task_defs(&json!([{"name": "job", "retryCount": 1, "retryDelaySeconds": 5}]))
        .unwrap();
    let start = || {
        let start = Start {
            task_to_domain: [("job".to_string(), "a,NO_DOMAIN".to_string())].into(),
            ..Start::default()
        };
        rig.c.start("w", None, start).expect("starts")
    };
    let fail = |id: &str, task_id: &str| {
        let failed = TaskUpdate::new(task_id, TaskStatus::Failed, Default::default());
        rig.c.update_task(id, failed).unwrap();
    };
    assert!(rig.c.poll("job", Some("a"), Some("w1")).unwrap().is_none());
    let id = start();
    assert!(
        rig.c.poll("job", None, None).unwrap().is_none(),
        "queued in a"
    );
    let (task, _) = rig.c.poll("job", Some("a"), None).unwrap().expect("in a");
    assert_eq!(task.domain.as_deref(), Some("a"));
    fail(&id, &task.task_id);
    rig.tick(5_000);
    let (again, _) = rig
        .c
        .poll("job", Some("a"), None)
        .unwrap()
        .expect("the retry, in a");
    assert_eq!(again.retry_count, 1);
    fail(&id, &again.task_id);
    assert_eq!(rig.wf(&id).status, WorkflowStatus::Failed);
    rig.c.apply(&id, ops::retry).unwrap();
    assert!(
        rig.c.poll("job", Some("a"), None).unwrap().is_some(),
        "retried in a"
    );

    // Nobody polled `a` for 10 s: NO_DOMAIN, the plain queue.
    advance(10_000);
    let id = start();
    let (task, wf) = rig.c.poll("job", None, None).unwrap().expect("plain queue");
    assert_eq!((wf, task.domain), (id, None));
}
