//! Texts stored once: a database of the version before keeps its executions through the
//! migration, and texts leave with the last execution that used them.

use rusqlite::{Connection, params};

use super::SqliteStore;
use super::tests::TempDir;
use crate::store::contract::{events, next, record};
use crate::store::{Commit, ExecutionRecord, ExecutionStatus, ExecutionStore};

fn texts(s: &SqliteStore) -> i64 {
    s.read(|c| c.query_row("SELECT count(*) FROM texts", [], |r| r.get(0)))
        .unwrap()
}

#[test]
fn a_database_of_the_previous_version_keeps_its_executions() {
    let dir = TempDir::new();
    std::fs::create_dir_all(dir.db().parent().unwrap()).unwrap();
    let mut old = Connection::open(dir.db()).unwrap();
    assert!(super::migrations::migrate_to(&mut old, 7).is_ok());
    let a = record("a", 1);
    let b = ExecutionRecord {
        config: r#"{"lambda":{"f":"true"}}"#.into(),
        status: ExecutionStatus::Succeeded,
        output: Some("{}".into()),
        stop_ms: Some(2_000),
        ..record("b", 4)
    };
    for x in [&a, &b] {
        old.execute(
            "INSERT INTO executions (arn, name, machine_arn, machine_name, definition, status,
                 input, output, error, cause, start_ms, stop_ms, state, config, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                x.arn,
                x.name,
                x.machine_arn,
                x.machine_name,
                x.definition,
                x.status,
                x.input,
                x.output,
                x.error,
                x.cause,
                x.start_ms,
                x.stop_ms,
                x.state,
                x.config,
                x.version
            ],
        )
        .unwrap();
        old.execute(
            "INSERT INTO history (execution_arn, id, timestamp_ms, json) VALUES (?1, 1, 1001, '{\"id\":1}')",
            [&x.arn],
        )
        .unwrap();
    }
    drop(old);

    let s = SqliteStore::open(&dir.db()).expect("the new version opens the old file");
    assert_eq!(s.execution(&a.arn).unwrap(), Some(a.clone()));
    assert_eq!(s.execution(&b.arn).unwrap(), Some(b.clone()));
    assert_eq!(s.history(&a.arn, 0, 0).unwrap(), events(1..=1));
    assert_eq!(texts(&s), 3, "one definition, two configurations");
    let old_column = s.read(|c| c.prepare("SELECT definition FROM executions").map(|_| ()));
    assert!(old_column.is_err(), "the rows no longer carry their texts");
    let step = Commit {
        execution: Some(next(&a)),
        history: events(2..=2),
        ..Commit::default()
    };
    s.commit(&[step]).expect("it keeps working");
    assert_eq!(s.execution(&a.arn).unwrap(), Some(next(&a)));
    assert_eq!(s.purge_executions(i64::MAX, 10).unwrap(), 1);
    assert_eq!(texts(&s), 2, "b's configuration went with it");
}

#[test]
fn texts_are_stored_once_and_leave_with_their_last_execution() {
    let s = SqliteStore::open_in_memory().unwrap();
    crate::store::contract::texts_are_stored_once_and_leave_with_their_last_execution(&s, &|| {
        texts(&s)
    });
}
