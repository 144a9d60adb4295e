//! The Conductor part of the contract: workflow rows and event executions.

use crate::store::conductor::WorkflowRow;
use crate::store::{
    Commit, Decider, Error, Scope, Store, TimerRecord, WorkflowStatus, WorkflowWrite,
};

fn row(id: &str, name: &str, created_ms: i64) -> WorkflowRow {
    WorkflowRow {
        id: id.into(),
        name: name.into(),
        status: WorkflowStatus::Running,
        correlation_id: None,
        created_ms,
        body: "{}".into(),
        revision: 1,
    }
}

pub(crate) fn conductor_workflow_insert_read_update(s: &dyn Store) {
    assert!(s.insert_workflow(&row("w1", "wf", 1)).unwrap());
    assert!(
        !s.insert_workflow(&row("w1", "other", 2)).unwrap(),
        "ids are unique"
    );
    let mut w = s.workflow("w1").unwrap().unwrap();
    assert_eq!((w.name.as_str(), w.revision), ("wf", 1));
    w.revision = 2;
    w.status = WorkflowStatus::Completed;
    s.update_workflow(&w).unwrap();
    assert_eq!(
        s.workflow("w1").unwrap().unwrap().status,
        WorkflowStatus::Completed
    );
    // A writer that read revision 1 lost the race.
    let stale = WorkflowRow {
        revision: 2,
        status: WorkflowStatus::Failed,
        ..w.clone()
    };
    assert_eq!(
        s.update_workflow(&stale),
        Err(Error::Conflict { arn: "w1".into() })
    );
    assert!(s.workflow("nope").unwrap().is_none());
}

/// Removing a workflow takes its timers with it; the ASL executions' stay.
pub(crate) fn conductor_workflow_delete(s: &dyn Store) {
    let timer = |id: &str, decider: Decider| TimerRecord {
        execution_arn: id.into(),
        timer: 0,
        due_ms: 10,
        decider,
    };
    let asl = timer("arn:aws:states:::execution:M:a", Decider::Asl);
    let c = Commit {
        workflow: Some(WorkflowWrite {
            row: row("w1", "wf", 1),
            insert: true,
        }),
        new_timers: vec![asl.clone(), timer("w1", Decider::Conductor)],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    assert!(s.insert_workflow(&row("w2", "wf", 2)).unwrap());
    assert!(s.delete_workflow("w1").unwrap());
    assert!(!s.delete_workflow("w1").unwrap(), "gone already");
    assert!(s.workflow("w1").unwrap().is_none());
    assert!(s.workflow("w2").unwrap().is_some());
    assert_eq!(s.due_timers(100, 10, Scope::ALL).unwrap(), vec![asl]);
    let left: Vec<String> = s
        .list_workflows(None, 0)
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(left, ["w2"]);
}

/// A workflow's deadline is a timer beside ASL executions' timers; a scope picks whose.
pub(crate) fn conductor_timers_are_scoped_by_decider(s: &dyn Store) {
    let timer = |id: &str, timer: u64, due_ms: i64, decider: Decider| TimerRecord {
        execution_arn: id.into(),
        timer,
        due_ms,
        decider,
    };
    let asl = timer("arn:aws:states:::execution:M:a", 1, 10, Decider::Asl);
    let wf = timer("w1", 0, 20, Decider::Conductor);
    let c = Commit {
        workflow: Some(WorkflowWrite {
            row: row("w1", "wf", 1),
            insert: true,
        }),
        new_timers: vec![asl.clone(), wf.clone()],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    let only = |decider| Scope {
        decider: Some(decider),
        execution: None,
    };
    assert_eq!(
        s.due_timers(100, 10, Scope::ALL).unwrap(),
        [asl.clone(), wf.clone()]
    );
    assert_eq!(
        s.due_timers(100, 10, only(Decider::Conductor)).unwrap(),
        vec![wf.clone()]
    );
    assert_eq!(
        s.due_timers(100, 10, only(Decider::Asl)).unwrap(),
        vec![asl.clone()]
    );
    assert_eq!(
        s.next_timer(only(Decider::Conductor)).unwrap(),
        Some(wf.clone())
    );
    // The next step moves the deadline (an upsert of timer 0), then the workflow ends.
    let moved = timer("w1", 0, 50, Decider::Conductor);
    let step = |revision, timers: Commit| Commit {
        workflow: Some(WorkflowWrite {
            row: WorkflowRow {
                revision,
                ..row("w1", "wf", 1)
            },
            insert: false,
        }),
        ..timers
    };
    let c = step(
        2,
        Commit {
            new_timers: vec![moved.clone()],
            ..Commit::default()
        },
    );
    s.commit(&[c]).unwrap();
    assert_eq!(s.next_timer(only(Decider::Conductor)).unwrap(), Some(moved));
    let c = step(
        3,
        Commit {
            removed_timers: vec![("w1".into(), 0)],
            ..Commit::default()
        },
    );
    s.commit(&[c]).unwrap();
    assert_eq!(s.next_timer(only(Decider::Conductor)).unwrap(), None);
    assert_eq!(s.next_timer(Scope::ALL).unwrap(), Some(asl));
}

pub(crate) fn conductor_list_newest_first(s: &dyn Store) {
    s.insert_workflow(&row("a", "one", 1)).unwrap();
    s.insert_workflow(&row("b", "two", 2)).unwrap();
    s.insert_workflow(&row("c", "one", 3)).unwrap();
    let ids = |rows: Vec<WorkflowRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(s.list_workflows(None, 0).unwrap()), ["c", "b", "a"]);
    assert_eq!(ids(s.list_workflows(Some("one"), 1).unwrap()), ["c"]);
}

pub(crate) fn conductor_event_executions_claim_once(s: &dyn Store) {
    assert!(
        s.claim_event_execution("h:m1_0", "{\"status\":\"IN_PROGRESS\"}")
            .unwrap()
    );
    assert!(
        !s.claim_event_execution("h:m1_0", "{}").unwrap(),
        "a duplicate delivery"
    );
    s.set_event_execution("h:m1_0", "{\"status\":\"COMPLETED\"}")
        .unwrap();
    let read = s.event_execution("h:m1_0").unwrap();
    assert_eq!(read.as_deref(), Some("{\"status\":\"COMPLETED\"}"));
    assert_eq!(s.event_execution("nope").unwrap(), None);
    s.claim_event_execution("h:m2_0", "{}").unwrap();
    s.forget_event_execution("h:m2_0").unwrap();
    assert!(
        s.claim_event_execution("h:m2_0", "{}").unwrap(),
        "forgotten: may run again"
    );
    // An abandoned claim is taken over once: the second taker finds it changed.
    assert!(
        s.take_over_event_execution("h:m2_0", "{}", "{\"by\":\"a\"}")
            .unwrap()
    );
    assert!(
        !s.take_over_event_execution("h:m2_0", "{}", "{\"by\":\"b\"}")
            .unwrap()
    );
    assert!(!s.take_over_event_execution("none", "{}", "{}").unwrap());
    assert_eq!(
        s.event_execution("h:m2_0").unwrap().as_deref(),
        Some("{\"by\":\"a\"}")
    );
    let all = s.event_executions().unwrap();
    assert_eq!(
        all[0],
        (
            "h:m1_0".to_string(),
            "{\"status\":\"COMPLETED\"}".to_string()
        )
    );
    assert_eq!(all.len(), 2);
}

/// A Conductor step commits its workflow row with its outbox entries and tokens, atomically:
/// an insert of a taken id or a stale update writes nothing at all.
pub(crate) fn conductor_workflow_commits_with_its_effects(s: &dyn Store) {
    use crate::store::{Commit, Decider, Scope, WorkflowWrite};
    let effect = |id: &str, payload: &str| crate::store::OutboxRecord {
        execution_arn: id.into(),
        decider: Decider::Conductor,
        ..super::effect("unused", payload)
    };
    let write = |row: WorkflowRow, insert: bool, payload: &str| Commit {
        new_outbox: vec![effect(&row.id, payload)],
        workflow: Some(WorkflowWrite { row, insert }),
        ..Commit::default()
    };
    s.commit(&[write(row("w1", "wf", 1), true, "publish-1")])
        .unwrap();
    assert_eq!(
        s.commit(&[write(row("w1", "wf", 1), true, "publish-again")]),
        Err(Error::AlreadyExists { arn: "w1".into() })
    );
    let next = WorkflowRow {
        revision: 2,
        ..row("w1", "wf", 1)
    };
    s.commit(&[write(next.clone(), false, "publish-2")])
        .unwrap();
    assert_eq!(
        s.commit(&[write(next, false, "stale")]),
        Err(Error::Conflict { arn: "w1".into() })
    );
    assert_eq!(s.workflow("w1").unwrap().unwrap().revision, 2);
    // Only the Conductor runtime claims Conductor effects, and one instance's on request.
    s.commit(&[Commit {
        new_outbox: vec![super::effect("a", "invoke-a")],
        ..Commit::default()
    }])
    .unwrap();
    let asl = Scope {
        decider: Some(Decider::Asl),
        execution: None,
    };
    let got = s.claim_outbox(0, 1_000, 10, "p1", asl).unwrap();
    assert_eq!(
        got.iter().map(|o| o.payload.as_str()).collect::<Vec<_>>(),
        ["invoke-a"]
    );
    let other = Scope {
        decider: Some(Decider::Conductor),
        execution: Some("w2"),
    };
    assert!(
        s.claim_outbox(0, 1_000, 10, "p1", other)
            .unwrap()
            .is_empty()
    );
    let mine = Scope {
        execution: Some("w1"),
        ..other
    };
    let got = s.claim_outbox(0, 1_000, 10, "p1", mine).unwrap();
    let payloads: Vec<&str> = got.iter().map(|o| o.payload.as_str()).collect();
    assert_eq!(
        payloads,
        ["publish-1", "publish-2"],
        "nothing of the refused commits"
    );
    assert!(got.iter().all(|o| o.decider == Decider::Conductor));
}
