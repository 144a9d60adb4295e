//! The contract every backend passes: one function per behaviour, instantiated as `#[test]`s per
//! backend by `contract_tests!(make_store())`. The embedded queue's part is in `contract/queue.rs`.

mod conductor;
mod growth;
mod queue;
mod registry;

pub(crate) use conductor::*;
pub(crate) use growth::*;
pub(crate) use queue::*;
pub(crate) use registry::*;

use super::{
    Commit, Decider, Error, ExecutionFilter, ExecutionRecord, ExecutionStatus, HistoryRow,
    OutboxRecord, Scope, Store, TimerRecord, TokenRecord,
};

/// Expands to one `#[test]` per contract function; `$make` builds a fresh store (anything that
/// dereferences to a `Store`, e.g. a `Box`), evaluated once per test. Attributes after it
/// (`contract_tests!(make(), #[ignore = "needs ..."])` for a backend that needs a server) go on
/// every test.
macro_rules! contract_tests {
    ($make:expr $(, #[$attr:meta])* $(,)?) => {
        $crate::store::contract::contract_tests!(@each [$(#[$attr])*] $make;
            create_and_read_back,
            create_twice_is_already_exists,
            create_ignores_execution_of_first_commit,
            commit_applies_everything,
            stale_commit_writes_nothing,
            conflict_in_second_commit_of_batch_writes_nothing,
            batch_may_step_one_execution_twice,
            commit_for_unknown_execution_is_conflict,
            duplicate_history_event_writes_nothing,
            history_needs_an_execution,
            commit_without_execution,
            empty_commit_is_fine,
            tokens_close_and_open_tokens_filter,
            timers_order_limit_and_removal,
            timer_armed_and_removed_in_one_step,
            outbox_leases_and_done,
            outbox_ids_are_not_reused,
            list_executions_filters_and_orders,
            history_pages,
            history_pages_newest_first,
            definition_and_config_are_fixed_at_creation,
            executions_share_texts,
            purge_deletes_ended_executions_with_their_rows,
            purge_keeps_texts_others_use,
            outbox_leases_of_dead_owners_are_released,
            outbox_leases_are_renewed_by_their_owner_only,
            queue_create_is_idempotent,
            queue_list_by_prefix,
            queue_send_receive_delete,
            queue_visibility_timeout_redelivers,
            queue_change_visibility,
            queue_delayed_messages,
            queue_standard_order,
            queue_take_removes_what_it_gives,
            fifo_groups_in_order_one_in_flight,
            fifo_message_not_yet_visible_holds_back_its_group,
            fifo_deduplication,
            fifo_content_based_deduplication,
            queue_retention,
            queue_move_message,
            queue_purge,
            queue_delete_removes_messages,
            registry_create_keeps_existing,
            registry_lists_by_kind_and_name,
            registry_delete,
            conductor_workflow_insert_read_update,
            conductor_workflow_delete,
            conductor_timers_are_scoped_by_decider,
            conductor_workflow_commits_with_its_effects,
            conductor_list_newest_first,
            conductor_event_executions_claim_once,
        );
    };
    // One test per step: the attributes repeat for every name.
    (@each [$($attr:tt)*] $make:expr; $name:ident $(, $rest:ident)* $(,)?) => {
        #[test]
        $($attr)*
        fn $name() {
            let store = $make;
            $crate::store::contract::$name(&*store);
        }
        $crate::store::contract::contract_tests!(@each [$($attr)*] $make; $($rest),*);
    };
    (@each [$($attr:tt)*] $make:expr;) => {};
}
pub(crate) use contract_tests;

const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:M";
const OTHER_MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:N";

pub(crate) fn arn(name: &str) -> String {
    format!("arn:aws:states:us-east-1:123456789012:execution:M:{name}")
}

pub(crate) fn record(name: &str, version: i64) -> ExecutionRecord {
    ExecutionRecord {
        arn: arn(name),
        name: name.into(),
        machine_arn: MACHINE.into(),
        machine_name: "M".into(),
        definition: r#"{"StartAt":"W","States":{"W":{"Type":"Succeed"}}}"#.into(),
        status: ExecutionStatus::Running,
        input: r#"{"n":1}"#.into(),
        output: None,
        error: None,
        cause: None,
        start_ms: 1_000,
        stop_ms: None,
        state: format!(r#"{{"step":{version}}}"#),
        config: "{}".into(),
        version,
    }
}

/// `x` one version later, with a visibly different state.
pub(crate) fn next(x: &ExecutionRecord) -> ExecutionRecord {
    ExecutionRecord {
        version: x.version + 1,
        state: format!(r#"{{"step":{}}}"#, x.version + 1),
        ..x.clone()
    }
}

pub(crate) fn events(ids: std::ops::RangeInclusive<u64>) -> Vec<HistoryRow> {
    ids.map(|id| HistoryRow {
        id,
        timestamp_ms: 1_000 + id as i64,
        json: format!(r#"{{"id":{id}}}"#),
    })
    .collect()
}

fn token(token: &str, execution: &str, task: u64, created_ms: i64) -> TokenRecord {
    TokenRecord {
        token: token.into(),
        execution_arn: arn(execution),
        task,
        state_name: "Ask".into(),
        open: true,
        created_ms,
        decider: Decider::Asl,
    }
}

fn timer(execution: &str, timer: u64, due_ms: i64) -> TimerRecord {
    TimerRecord {
        execution_arn: arn(execution),
        timer,
        due_ms,
        decider: Decider::Asl,
    }
}

pub(crate) fn effect(execution: &str, payload: &str) -> OutboxRecord {
    OutboxRecord {
        id: 0,
        execution_arn: arn(execution),
        payload: payload.into(),
        lease_until_ms: 0,
        attempts: 0,
        lease_owner: None,
        decider: Decider::Asl,
    }
}

/// Creates execution `name` at version 1 with events 1..=2, a token, a timer and an effect.
fn start(s: &dyn Store, name: &str) -> ExecutionRecord {
    let x = record(name, 1);
    let first = Commit {
        history: events(1..=2),
        new_tokens: vec![token(&format!("tok-{name}"), name, 1, 5)],
        new_timers: vec![timer(name, 2, 5_000)],
        new_outbox: vec![effect(name, &format!("invoke-{name}"))],
        ..Commit::default()
    };
    s.create_execution(&x, &first).expect("create");
    x
}

/// Everything the store holds about the executions named, for before/after comparisons.
/// Reading the outbox claims it with a zero lease, which leaves it claimable.
#[derive(Debug, PartialEq)]
struct Snapshot {
    executions: Vec<Option<ExecutionRecord>>,
    history: Vec<Vec<HistoryRow>>,
    tokens: Vec<Vec<TokenRecord>>,
    timers: Vec<TimerRecord>,
    outbox: Vec<(i64, String)>,
}

fn snapshot(s: &dyn Store, names: &[&str]) -> Snapshot {
    let arns: Vec<String> = names.iter().map(|n| arn(n)).collect();
    Snapshot {
        executions: arns.iter().map(|a| s.execution(a).unwrap()).collect(),
        history: arns.iter().map(|a| s.history(a, 0, 0).unwrap()).collect(),
        tokens: arns.iter().map(|a| s.open_tokens(a).unwrap()).collect(),
        timers: s.due_timers(i64::MAX, usize::MAX, Scope::ALL).unwrap(),
        outbox: outbox(s),
    }
}

fn outbox(s: &dyn Store) -> Vec<(i64, String)> {
    let claimed = s
        .claim_outbox(i64::MAX / 2, 0, usize::MAX, "p1", Scope::ALL)
        .unwrap();
    claimed.into_iter().map(|o| (o.id, o.payload)).collect()
}

fn payloads(s: &dyn Store) -> Vec<String> {
    outbox(s).into_iter().map(|(_, p)| p).collect()
}

/// A commit touching every table, for the all-or-nothing checks.
fn busy_commit(x: &ExecutionRecord, name: &str) -> Commit {
    Commit {
        execution: Some(x.clone()),
        history: events(3..=4),
        new_tokens: vec![token(&format!("new-{name}"), name, 3, 6)],
        closed_tokens: vec![format!("tok-{name}")],
        new_timers: vec![timer(name, 4, 7_000)],
        removed_timers: vec![(arn(name), 2)],
        new_outbox: vec![effect(name, "more")],
        done_outbox: vec![1],
        workflow: None,
    }
}

pub(crate) fn create_and_read_back(s: &dyn Store) {
    let x = start(s, "a");
    assert_eq!(s.execution(&x.arn).unwrap(), Some(x.clone()));
    assert_eq!(s.execution(&arn("missing")).unwrap(), None);
    assert_eq!(s.history(&x.arn, 0, 0).unwrap(), events(1..=2));
    assert_eq!(s.token("tok-a").unwrap(), Some(token("tok-a", "a", 1, 5)));
    assert_eq!(
        s.open_tokens(&x.arn).unwrap(),
        vec![token("tok-a", "a", 1, 5)]
    );
    assert_eq!(
        s.next_timer(Scope::ALL).unwrap(),
        Some(timer("a", 2, 5_000))
    );
    let claimed = s.claim_outbox(0, 1_000, 10, "p1", Scope::ALL).unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(claimed[0].id > 0, "the store assigns ids: {claimed:?}");
    assert_eq!(
        claimed[0],
        OutboxRecord {
            id: claimed[0].id,
            lease_until_ms: 1_000,
            attempts: 1,
            lease_owner: Some("p1".into()),
            ..effect("a", "invoke-a")
        }
    );
}

pub(crate) fn create_twice_is_already_exists(s: &dyn Store) {
    let x = start(s, "a");
    let before = snapshot(s, &["a"]);
    let again = Commit {
        history: events(1..=5),
        new_outbox: vec![effect("a", "again")],
        ..Commit::default()
    };
    let got = s.create_execution(&next(&x), &again);
    assert_eq!(got, Err(Error::AlreadyExists { arn: x.arn.clone() }));
    assert_eq!(snapshot(s, &["a"]), before);
}

pub(crate) fn create_ignores_execution_of_first_commit(s: &dyn Store) {
    let x = record("a", 1);
    let first = Commit {
        execution: Some(record("b", 7)),
        history: events(1..=1),
        ..Commit::default()
    };
    s.create_execution(&x, &first).unwrap();
    assert_eq!(s.execution(&x.arn).unwrap(), Some(x.clone()));
    assert_eq!(s.execution(&arn("b")).unwrap(), None);
    assert_eq!(s.history(&x.arn, 0, 0).unwrap(), events(1..=1));
    assert_eq!(s.history(&arn("b"), 0, 0).unwrap(), vec![]);
}

pub(crate) fn commit_applies_everything(s: &dyn Store) {
    let x = start(s, "a");
    let first_effect = outbox(s)[0].0;
    let mut c = busy_commit(&next(&x), "a");
    c.done_outbox = vec![first_effect];
    s.commit(&[c]).unwrap();
    assert_eq!(s.execution(&x.arn).unwrap(), Some(next(&x)));
    assert_eq!(s.history(&x.arn, 0, 0).unwrap(), events(1..=4));
    assert!(!s.token("tok-a").unwrap().unwrap().open);
    assert_eq!(
        s.open_tokens(&x.arn).unwrap(),
        vec![token("new-a", "a", 3, 6)]
    );
    let timers = s.due_timers(i64::MAX, 10, Scope::ALL).unwrap();
    assert_eq!(timers, vec![timer("a", 4, 7_000)]);
    assert_eq!(payloads(s), vec!["more"]);
}

pub(crate) fn stale_commit_writes_nothing(s: &dyn Store) {
    let x = start(s, "a");
    let before = snapshot(s, &["a"]);
    let v2 = next(&x);
    for stale in [
        x.clone(),
        next(&v2),
        ExecutionRecord {
            version: i64::MIN,
            ..x.clone()
        },
    ] {
        let got = s.commit(&[busy_commit(&stale, "a")]);
        assert_eq!(
            got,
            Err(Error::Conflict { arn: x.arn.clone() }),
            "{}",
            stale.version
        );
        assert_eq!(snapshot(s, &["a"]), before);
    }
    s.commit(&[busy_commit(&v2, "a")]).unwrap();
    let got = s.commit(&[busy_commit(&v2, "a")]);
    assert_eq!(
        got,
        Err(Error::Conflict { arn: x.arn.clone() }),
        "the same version twice"
    );
}

pub(crate) fn conflict_in_second_commit_of_batch_writes_nothing(s: &dyn Store) {
    let a = start(s, "a");
    let b = start(s, "b");
    let before = snapshot(s, &["a", "b"]);
    let stale_b = next(&next(&b));
    let got = s.commit(&[busy_commit(&next(&a), "a"), busy_commit(&stale_b, "b")]);
    assert_eq!(got, Err(Error::Conflict { arn: b.arn.clone() }));
    assert_eq!(snapshot(s, &["a", "b"]), before);
}

pub(crate) fn batch_may_step_one_execution_twice(s: &dyn Store) {
    let x = start(s, "a");
    let (v2, v3) = (next(&x), next(&next(&x)));
    let first = Commit {
        execution: Some(v2),
        history: events(3..=3),
        ..Commit::default()
    };
    let second = Commit {
        execution: Some(v3.clone()),
        history: events(4..=4),
        ..Commit::default()
    };
    s.commit(&[first, second]).unwrap();
    assert_eq!(s.execution(&x.arn).unwrap(), Some(v3));
    assert_eq!(s.history(&x.arn, 0, 0).unwrap(), events(1..=4));
}

pub(crate) fn commit_for_unknown_execution_is_conflict(s: &dyn Store) {
    let got = s.commit(&[busy_commit(&record("ghost", 2), "ghost")]);
    assert_eq!(got, Err(Error::Conflict { arn: arn("ghost") }));
    assert_eq!(s.execution(&arn("ghost")).unwrap(), None);
    assert_eq!(s.history(&arn("ghost"), 0, 0).unwrap(), vec![]);
    assert_eq!(outbox(s), vec![]);
}

pub(crate) fn duplicate_history_event_writes_nothing(s: &dyn Store) {
    let x = start(s, "a");
    let before = snapshot(s, &["a"]);
    let mut c = busy_commit(&next(&x), "a");
    c.history = events(2..=3);
    let got = s.commit(&[c]);
    assert!(
        matches!(&got, Err(Error::Backend(m)) if m.contains("history event 2")),
        "{got:?}"
    );
    assert_eq!(snapshot(s, &["a"]), before);
}

pub(crate) fn history_needs_an_execution(s: &dyn Store) {
    start(s, "a");
    let c = Commit {
        history: events(3..=3),
        ..Commit::default()
    };
    assert!(matches!(s.commit(&[c]), Err(Error::Backend(_))));
    assert_eq!(s.history(&arn("a"), 0, 0).unwrap(), events(1..=2));
}

pub(crate) fn commit_without_execution(s: &dyn Store) {
    let x = start(s, "a");
    let id = outbox(s)[0].0;
    let c = Commit {
        closed_tokens: vec!["tok-a".into(), "unknown".into()],
        removed_timers: vec![(x.arn.clone(), 2), (x.arn.clone(), 99)],
        done_outbox: vec![id, 12_345],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    assert_eq!(
        s.execution(&x.arn).unwrap(),
        Some(x.clone()),
        "the row is untouched"
    );
    assert_eq!(s.open_tokens(&x.arn).unwrap(), vec![]);
    assert_eq!(s.next_timer(Scope::ALL).unwrap(), None);
    assert_eq!(outbox(s), vec![]);
}

pub(crate) fn empty_commit_is_fine(s: &dyn Store) {
    s.commit(&[]).unwrap();
    s.commit(&[Commit::default()]).unwrap();
}

pub(crate) fn tokens_close_and_open_tokens_filter(s: &dyn Store) {
    start(s, "a");
    start(s, "b");
    let c = Commit {
        new_tokens: vec![token("t2", "a", 7, 9), token("t1", "a", 8, 9)],
        closed_tokens: vec!["tok-a".into()],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    let closed = s
        .token("tok-a")
        .unwrap()
        .expect("closed tokens stay readable");
    assert_eq!(
        closed,
        TokenRecord {
            open: false,
            ..token("tok-a", "a", 1, 5)
        }
    );
    let open = s.open_tokens(&arn("a")).unwrap();
    assert_eq!(
        open,
        vec![token("t1", "a", 8, 9), token("t2", "a", 7, 9)],
        "by creation, then token"
    );
    assert_eq!(
        s.open_tokens(&arn("b")).unwrap(),
        vec![token("tok-b", "b", 1, 5)]
    );
    assert_eq!(s.open_tokens(&arn("none")).unwrap(), vec![]);
    assert_eq!(s.token("nope").unwrap(), None);
    let again = Commit {
        new_tokens: vec![token("t1", "b", 1, 1)],
        ..Commit::default()
    };
    assert!(
        matches!(s.commit(&[again]), Err(Error::Backend(_))),
        "tokens are unique"
    );
    assert_eq!(
        s.open_tokens(&arn("b")).unwrap(),
        vec![token("tok-b", "b", 1, 5)]
    );
}

pub(crate) fn timers_order_limit_and_removal(s: &dyn Store) {
    assert_eq!(s.next_timer(Scope::ALL).unwrap(), None);
    let x = record("a", 1);
    let first = Commit {
        new_timers: vec![
            timer("b", 1, 300),
            timer("a", 9, 100),
            timer("a", 3, 200),
            timer("a", 4, 200),
            timer("c", 1, 1_000),
        ],
        ..Commit::default()
    };
    s.create_execution(&x, &first).unwrap();
    let due = s.due_timers(250, 10, Scope::ALL).unwrap();
    let expected = vec![timer("a", 9, 100), timer("a", 3, 200), timer("a", 4, 200)];
    assert_eq!(due, expected);
    assert_eq!(s.due_timers(250, 2, Scope::ALL).unwrap(), expected[..2]);
    assert_eq!(s.due_timers(99, 10, Scope::ALL).unwrap(), vec![]);
    assert_eq!(
        s.due_timers(300, 10, Scope::ALL).unwrap().len(),
        4,
        "due at exactly now"
    );
    assert_eq!(s.next_timer(Scope::ALL).unwrap(), Some(timer("a", 9, 100)));
    fn of(name: &str) -> Scope<'_> {
        Scope {
            decider: None,
            execution: Some(name),
        }
    }
    let b = arn("b");
    assert_eq!(
        s.due_timers(i64::MAX, 10, of(&b)).unwrap(),
        vec![timer("b", 1, 300)],
        "one execution's timers"
    );
    assert_eq!(s.next_timer(of(&b)).unwrap(), Some(timer("b", 1, 300)));
    assert_eq!(s.due_timers(250, 10, of(&arn("a"))).unwrap(), expected);
    let c = Commit {
        removed_timers: vec![(arn("a"), 9), (arn("a"), 3)],
        new_timers: vec![timer("a", 4, 50)],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    assert_eq!(
        s.next_timer(Scope::ALL).unwrap(),
        Some(timer("a", 4, 50)),
        "re-arming moves a timer"
    );
    let all = s.due_timers(i64::MAX, 10, Scope::ALL).unwrap();
    assert_eq!(
        all,
        vec![timer("a", 4, 50), timer("b", 1, 300), timer("c", 1, 1_000)]
    );
}

pub(crate) fn timer_armed_and_removed_in_one_step(s: &dyn Store) {
    let x = start(s, "a");
    let c = Commit {
        execution: Some(next(&x)),
        new_timers: vec![timer("a", 5, 10)],
        removed_timers: vec![(arn("a"), 5)],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    assert_eq!(
        s.due_timers(i64::MAX, 10, Scope::ALL).unwrap(),
        vec![timer("a", 2, 5_000)]
    );
}

pub(crate) fn outbox_leases_and_done(s: &dyn Store) {
    let x = record("a", 1);
    let first = Commit {
        new_outbox: ["e1", "e2", "e3"].map(|p| effect("a", p)).to_vec(),
        ..Commit::default()
    };
    s.create_execution(&x, &first).unwrap();
    let got = s.claim_outbox(1_000, 500, 2, "p1", Scope::ALL).unwrap();
    let names: Vec<&str> = got.iter().map(|o| o.payload.as_str()).collect();
    assert_eq!(names, ["e1", "e2"], "oldest first, at most the limit");
    assert!(got[0].id < got[1].id);
    assert!(
        got.iter()
            .all(|o| o.lease_until_ms == 1_500 && o.attempts == 1)
    );
    let rest = s.claim_outbox(1_000, 500, 10, "p1", Scope::ALL).unwrap();
    assert_eq!(
        rest.iter().map(|o| o.payload.as_str()).collect::<Vec<_>>(),
        ["e3"]
    );
    assert_eq!(
        s.claim_outbox(1_499, 500, 10, "p1", Scope::ALL).unwrap(),
        vec![],
        "leased until 1500"
    );
    let again = s.claim_outbox(1_500, 100, 10, "p1", Scope::ALL).unwrap();
    assert_eq!(again.len(), 3, "leases end at 1500");
    assert!(
        again
            .iter()
            .all(|o| o.attempts == 2 && o.lease_until_ms == 1_600)
    );
    assert_eq!(
        again[0],
        OutboxRecord {
            attempts: 2,
            lease_until_ms: 1_600,
            ..got[0].clone()
        }
    );
    let done = Commit {
        done_outbox: vec![got[0].id, rest[0].id],
        ..Commit::default()
    };
    s.commit(&[done]).unwrap();
    let left = s.claim_outbox(10_000, 0, 10, "p1", Scope::ALL).unwrap();
    assert_eq!(
        left.iter().map(|o| o.payload.as_str()).collect::<Vec<_>>(),
        ["e2"]
    );
    assert_eq!(
        s.claim_outbox(10_000, 0, 0, "p1", Scope::ALL).unwrap(),
        vec![],
        "limit 0 claims nothing"
    );
}

pub(crate) fn outbox_ids_are_not_reused(s: &dyn Store) {
    let x = start(s, "a");
    let first = outbox(s)[0].0;
    let c = Commit {
        execution: Some(next(&x)),
        done_outbox: vec![first],
        new_outbox: vec![effect("a", "later")],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    let later = outbox(s);
    assert_eq!(later.len(), 1);
    assert!(later[0].0 > first, "{later:?} after {first}");
    let c = Commit {
        done_outbox: vec![later[0].0],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    let c = Commit {
        new_outbox: vec![effect("a", "latest")],
        ..Commit::default()
    };
    s.commit(&[c]).unwrap();
    assert!(
        outbox(s)[0].0 > later[0].0,
        "not even the last id is reused"
    );
}

pub(crate) fn list_executions_filters_and_orders(s: &dyn Store) {
    let rows = [
        ("a", MACHINE, ExecutionStatus::Succeeded, 100),
        ("b", MACHINE, ExecutionStatus::Running, 300),
        ("c", OTHER_MACHINE, ExecutionStatus::Running, 200),
        ("d", MACHINE, ExecutionStatus::Running, 400),
        ("e", MACHINE, ExecutionStatus::Failed, 300),
    ];
    for (name, machine, status, start_ms) in rows {
        let x = ExecutionRecord {
            machine_arn: machine.into(),
            status,
            start_ms,
            stop_ms: status.is_terminal().then_some(start_ms + 1),
            ..record(name, 1)
        };
        s.create_execution(&x, &Commit::default()).unwrap();
    }
    let names = |filter: ExecutionFilter| -> Vec<String> {
        let found = s.list_executions(&filter).unwrap();
        found.into_iter().map(|x| x.name).collect()
    };
    let all = ExecutionFilter::default();
    assert_eq!(
        names(all.clone()),
        ["d", "e", "b", "c", "a"],
        "newest first, then by ARN"
    );
    let running = ExecutionFilter {
        status: Some(ExecutionStatus::Running),
        ..all.clone()
    };
    assert_eq!(names(running.clone()), ["d", "b", "c"]);
    let of_m = ExecutionFilter {
        machine_arn: Some(MACHINE.into()),
        ..all.clone()
    };
    assert_eq!(names(of_m.clone()), ["d", "e", "b", "a"]);
    let both = ExecutionFilter {
        machine_arn: Some(MACHINE.into()),
        ..running
    };
    assert_eq!(names(both), ["d", "b"]);
    assert_eq!(
        names(ExecutionFilter {
            limit: 2,
            ..of_m.clone()
        }),
        ["d", "e"]
    );
    let page_two = ExecutionFilter {
        limit: 2,
        after: Some((300, arn("e"))),
        ..of_m
    };
    assert_eq!(
        names(page_two),
        ["b", "a"],
        "pages continue after the cursor"
    );
    let summary = &s
        .list_executions(&ExecutionFilter { limit: 1, ..all })
        .unwrap()[0];
    assert_eq!(
        (
            summary.arn.as_str(),
            summary.machine_arn.as_str(),
            summary.status
        ),
        (arn("d").as_str(), MACHINE, ExecutionStatus::Running)
    );
    assert_eq!((summary.start_ms, summary.stop_ms), (400, None));
    let failed = ExecutionFilter {
        status: Some(ExecutionStatus::Failed),
        ..ExecutionFilter::default()
    };
    let failed = s.list_executions(&failed).unwrap();
    assert_eq!((failed.len(), failed[0].stop_ms), (1, Some(301)));
}

pub(crate) fn history_pages(s: &dyn Store) {
    let x = record("a", 1);
    let first = Commit {
        history: events(1..=10),
        ..Commit::default()
    };
    s.create_execution(&x, &first).unwrap();
    start(s, "b");
    assert_eq!(s.history(&x.arn, 0, 0).unwrap(), events(1..=10));
    assert_eq!(s.history(&x.arn, 0, 3).unwrap(), events(1..=3));
    assert_eq!(s.history(&x.arn, 3, 3).unwrap(), events(4..=6));
    assert_eq!(s.history(&x.arn, 8, 5).unwrap(), events(9..=10));
    assert_eq!(s.history(&x.arn, 10, 0).unwrap(), vec![]);
    assert_eq!(s.history(&x.arn, u64::MAX, 0).unwrap(), vec![]);
    assert_eq!(s.history(&arn("b"), 0, 0).unwrap(), events(1..=2));
}

pub(crate) fn outbox_leases_of_dead_owners_are_released(s: &dyn Store) {
    let x = record("a", 1);
    let first = Commit {
        new_outbox: ["e1", "e2", "e3"].map(|p| effect("a", p)).to_vec(),
        ..Commit::default()
    };
    s.create_execution(&x, &first).unwrap();
    assert_eq!(
        s.claim_outbox(0, 1_000, 1, "dead", Scope::ALL)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.claim_outbox(0, 1_000, 1, "alive", Scope::ALL)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.release_leases(&|owner| owner == "dead").unwrap(), 1);
    let again = s.claim_outbox(10, 1_000, 10, "new", Scope::ALL).unwrap();
    let payloads: Vec<&str> = again.iter().map(|o| o.payload.as_str()).collect();
    assert_eq!(
        payloads,
        ["e1", "e3"],
        "the dead owner's entry and the free one, not the live one's"
    );
    assert!(
        again
            .iter()
            .all(|o| o.lease_owner.as_deref() == Some("new"))
    );
    assert_eq!(s.release_leases(&|_| false).unwrap(), 0);
}

pub(crate) fn outbox_leases_are_renewed_by_their_owner_only(s: &dyn Store) {
    let x = record("a", 1);
    let first = Commit {
        new_outbox: ["e1", "e2"].map(|p| effect("a", p)).to_vec(),
        ..Commit::default()
    };
    s.create_execution(&x, &first).unwrap();
    let mine = s.claim_outbox(0, 1_000, 1, "me", Scope::ALL).unwrap();
    let theirs = s.claim_outbox(0, 1_000, 1, "them", Scope::ALL).unwrap();
    let ids = [mine[0].id, theirs[0].id];
    assert_eq!(s.renew_leases(&ids, "me", 5_000).unwrap(), 1);
    let later = s
        .claim_outbox(2_000, 1_000, 10, "late", Scope::ALL)
        .unwrap();
    let payloads: Vec<&str> = later.iter().map(|o| o.payload.as_str()).collect();
    assert_eq!(
        payloads,
        ["e2"],
        "the renewed lease holds, the other ran out"
    );
    assert_eq!(
        s.renew_leases(&[theirs[0].id], "them", 9_000).unwrap(),
        0,
        "taken over: no longer theirs to renew"
    );
    assert_eq!(s.renew_leases(&[], "me", 9_000).unwrap(), 0);
}

/// Two stores on one database (two processes, two nodes) commit the same step of one execution
/// at the same moment, twenty times: each time exactly one wins and the other gets `Conflict`,
/// and nothing of the loser is written.
pub(crate) fn two_stores_one_commit_wins<S: Store + 'static>(
    a: std::sync::Arc<S>,
    b: std::sync::Arc<S>,
) {
    use std::sync::{Arc, Barrier};
    let mut x = record("race", 1);
    let first = Commit {
        history: events(1..=1),
        ..Commit::default()
    };
    a.create_execution(&x, &first).unwrap();
    for round in 0..20u64 {
        let step = Commit {
            execution: Some(next(&x)),
            history: events(round + 2..=round + 2),
            new_outbox: vec![effect("race", "e")],
            ..Commit::default()
        };
        let barrier = Arc::new(Barrier::new(2));
        let racers: Vec<_> = [a.clone(), b.clone()]
            .into_iter()
            .map(|s| {
                let (step, barrier) = (step.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    s.commit(&[step])
                })
            })
            .collect();
        let mut results: Vec<_> = racers.into_iter().map(|t| t.join().unwrap()).collect();
        results.sort_by_key(|r| r.is_err());
        let conflict = Err(Error::Conflict { arn: x.arn.clone() });
        assert_eq!(results, [Ok(()), conflict], "round {round}");
        x = next(&x);
    }
    assert_eq!(b.execution(&x.arn).unwrap(), Some(x.clone()));
    assert_eq!(a.history(&x.arn, 0, 0).unwrap().len(), 21);
    assert_eq!(
        a.claim_outbox(0, 10, 100, "p1", Scope::ALL).unwrap().len(),
        20
    );
}
