//! The part of the contract that keeps a store from growing without bound: texts fixed at
//! creation, history read backwards a page at a time, ended executions purged.

use super::{arn, events, next, record, snapshot, start};
use crate::store::{Commit, ExecutionRecord, ExecutionStatus, Scope, Store};

/// `x` ended with `status` at `stop_ms`, committed.
fn end(s: &dyn Store, x: &ExecutionRecord, status: ExecutionStatus, stop_ms: i64) {
    let ended = ExecutionRecord {
        status,
        stop_ms: Some(stop_ms),
        ..next(x)
    };
    let step = Commit {
        execution: Some(ended),
        ..Commit::default()
    };
    s.commit(&[step]).expect("end");
}

pub(crate) fn definition_and_config_are_fixed_at_creation(s: &dyn Store) {
    let x = record("a", 1);
    s.create_execution(&x, &Commit::default()).unwrap();
    let changed = ExecutionRecord {
        definition: "rewritten".into(),
        config: r#"{"rewritten":true}"#.into(),
        ..next(&x)
    };
    let step = Commit {
        execution: Some(changed.clone()),
        ..Commit::default()
    };
    s.commit(&[step]).unwrap();
    let stored = s.execution(&x.arn).unwrap().unwrap();
    assert_eq!(stored.state, changed.state, "the step was applied");
    assert_eq!(
        stored.definition, x.definition,
        "a commit keeps the definition"
    );
    assert_eq!(stored.config, x.config, "a commit keeps the configuration");
}

pub(crate) fn executions_share_texts(s: &dyn Store) {
    let a = record("a", 1);
    let b = ExecutionRecord {
        config: r#"{"lambda":{"f":"true"}}"#.into(),
        ..record("b", 1)
    };
    let c = ExecutionRecord {
        definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#.into(),
        config: a.definition.clone(),
        ..record("c", 1)
    };
    for x in [&a, &b, &c] {
        s.create_execution(x, &Commit::default()).unwrap();
    }
    for x in [&a, &b, &c] {
        assert_eq!(s.execution(&x.arn).unwrap().as_ref(), Some(x));
    }
    let found = s.executions(&[&a.arn, &b.arn, &c.arn]).unwrap();
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|f| [&a, &b, &c].contains(&f)), "{found:?}");
}

pub(crate) fn history_pages_newest_first(s: &dyn Store) {
    let x = record("a", 1);
    let first = Commit {
        history: events(1..=10),
        ..Commit::default()
    };
    s.create_execution(&x, &first).unwrap();
    start(s, "b");
    let newest_first = |ids: std::ops::RangeInclusive<u64>| {
        let mut e = events(ids);
        e.reverse();
        e
    };
    assert_eq!(
        s.history_reversed(&x.arn, None, 0).unwrap(),
        newest_first(1..=10)
    );
    assert_eq!(
        s.history_reversed(&x.arn, None, 3).unwrap(),
        newest_first(8..=10)
    );
    assert_eq!(
        s.history_reversed(&x.arn, Some(8), 3).unwrap(),
        newest_first(5..=7)
    );
    assert_eq!(
        s.history_reversed(&x.arn, Some(3), 5).unwrap(),
        newest_first(1..=2)
    );
    assert_eq!(s.history_reversed(&x.arn, Some(1), 0).unwrap(), vec![]);
    assert_eq!(
        s.history_reversed(&x.arn, Some(u64::MAX), 1).unwrap(),
        newest_first(10..=10)
    );
    assert_eq!(
        s.history_reversed(&arn("b"), None, 0).unwrap(),
        newest_first(1..=2)
    );
    assert_eq!(s.history_reversed(&arn("none"), None, 0).unwrap(), vec![]);
}

pub(crate) fn purge_deletes_ended_executions_with_their_rows(s: &dyn Store) {
    let old_ok = start(s, "old-ok");
    let old_failed = start(s, "old-failed");
    let recent = start(s, "recent");
    start(s, "running");
    end(s, &old_ok, ExecutionStatus::Succeeded, 5_000);
    end(s, &old_failed, ExecutionStatus::Failed, 6_000);
    end(s, &recent, ExecutionStatus::Aborted, 20_000);
    let kept = snapshot(s, &["recent", "running"]);

    assert_eq!(s.purge_executions(10_000, 1).unwrap(), 1, "a batch of one");
    assert_eq!(
        s.execution(&old_ok.arn).unwrap(),
        None,
        "the oldest stop first"
    );
    assert!(s.execution(&old_failed.arn).unwrap().is_some());
    assert_eq!(s.purge_executions(10_000, 10).unwrap(), 1);
    assert_eq!(
        s.purge_executions(10_000, 10).unwrap(),
        0,
        "nothing left to purge"
    );

    for name in ["old-ok", "old-failed"] {
        let a = arn(name);
        assert_eq!(s.execution(&a).unwrap(), None);
        assert_eq!(s.history(&a, 0, 0).unwrap(), vec![]);
        assert_eq!(s.token(&format!("tok-{name}")).unwrap(), None);
        let timers = s.due_timers(i64::MAX, 100, Scope::ALL).unwrap();
        assert!(timers.iter().all(|t| t.execution_arn != a), "{timers:?}");
    }
    let effects = s
        .claim_outbox(i64::MAX / 2, 0, 100, "p", Scope::ALL)
        .unwrap();
    assert!(
        effects
            .iter()
            .all(|o| o.execution_arn == arn("recent") || o.execution_arn == arn("running")),
        "{effects:?}"
    );
    let after = snapshot(s, &["recent", "running"]);
    assert_eq!(
        after.executions, kept.executions,
        "the others are untouched"
    );
    assert_eq!(after.history, kept.history);
    assert_eq!(after.tokens, kept.tokens);
    let theirs = [arn("recent"), arn("running")];
    let kept_timers: Vec<_> = (kept.timers.into_iter())
        .filter(|t| theirs.contains(&t.execution_arn))
        .collect();
    assert_eq!(after.timers, kept_timers);
    assert_eq!(after.outbox.len(), 2, "{:?}", after.outbox);
    assert_eq!(
        s.purge_executions(i64::MAX, 10).unwrap(),
        1,
        "only the ended one"
    );
    assert!(
        s.execution(&arn("running")).unwrap().is_some(),
        "never a running one"
    );
}

pub(crate) fn purge_keeps_texts_others_use(s: &dyn Store) {
    let old = start(s, "old");
    let running = start(s, "running");
    end(s, &old, ExecutionStatus::TimedOut, 5_000);
    assert_eq!(s.purge_executions(10_000, 10).unwrap(), 1);
    assert_eq!(s.execution(&running.arn).unwrap(), Some(running.clone()));
    let again = record("again", 1);
    s.create_execution(&again, &Commit::default()).unwrap();
    let stored = s.execution(&again.arn).unwrap();
    assert_eq!(stored, Some(again), "a purged text is stored again");
}

/// Three executions of one definition and configuration store two texts, which stay while any
/// of them is left and go with the last one purged. `texts`: how many texts the backend holds
/// (its tables are its own).
pub(crate) fn texts_are_stored_once_and_leave_with_their_last_execution(
    s: &dyn Store,
    texts: &dyn Fn() -> i64,
) {
    let xs: Vec<ExecutionRecord> = (0..3).map(|i| record(&format!("x{i}"), 1)).collect();
    for x in &xs {
        s.create_execution(x, &Commit::default()).unwrap();
    }
    assert_eq!(
        texts(),
        2,
        "one definition and one configuration for three executions"
    );
    for (i, x) in xs.iter().enumerate() {
        end(s, x, ExecutionStatus::Succeeded, 10 + i as i64);
    }
    assert_eq!(s.purge_executions(12, 10).unwrap(), 2);
    assert_eq!(texts(), 2, "the last execution still uses them");
    assert_eq!(s.purge_executions(13, 10).unwrap(), 1);
    assert_eq!(texts(), 0);
}
