//! Texts stored once: a schema of the version before keeps its executions through the
//! migration (whose SQL computes the same keys as `texts::key`), and texts leave with the last
//! execution that used them.

use tokio_postgres::Config;

use super::PostgresStore;
use super::pool::{Pool, block_on};
use super::tests::TempSchema;
use crate::store::contract::{events, next, record};
use crate::store::{Commit, ExecutionRecord, ExecutionStatus, ExecutionStore};

fn texts(s: &PostgresStore) -> i64 {
    s.read(async |db| {
        Ok(db
            .query_one("SELECT count(*) FROM texts", &[])
            .await?
            .try_get(0)?)
    })
    .unwrap()
}

#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn a_schema_of_the_previous_version_keeps_its_executions() {
    let schema = TempSchema::new();
    let a = record("a", 1);
    let b = ExecutionRecord {
        config: r#"{"lambda":{"f":"true"}}"#.into(),
        status: ExecutionStatus::Succeeded,
        output: Some("{}".into()),
        stop_ms: Some(2_000),
        ..record("b", 4)
    };
    {
        let config: Config = schema.url().parse().unwrap();
        let pool = Pool::new(config).unwrap();
        let db = pool.get().ok().expect("a connection");
        assert!(block_on(super::migrations::migrate_to(&db, 1)).is_ok());
        for x in [&a, &b] {
            block_on(db.execute(
                "INSERT INTO executions (arn, name, machine_arn, machine_name, definition, status,
                     input, output, error, cause, start_ms, stop_ms, state, config, version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                &[
                    &x.arn,
                    &x.name,
                    &x.machine_arn,
                    &x.machine_name,
                    &x.definition,
                    &x.status.name(),
                    &x.input,
                    &x.output,
                    &x.error,
                    &x.cause,
                    &x.start_ms,
                    &x.stop_ms,
                    &x.state,
                    &x.config,
                    &x.version,
                ],
            ))
            .unwrap();
            block_on(db.execute(
                "INSERT INTO history (execution_arn, id, timestamp_ms, json)
                 VALUES ($1, 1, 1001, '{\"id\":1}')",
                &[&x.arn],
            ))
            .unwrap();
        }
    }

    let s = schema.open();
    assert_eq!(s.execution(&a.arn).unwrap(), Some(a.clone()));
    assert_eq!(s.execution(&b.arn).unwrap(), Some(b.clone()));
    assert_eq!(s.history(&a.arn, 0, 0).unwrap(), events(1..=1));
    assert_eq!(texts(&s), 3, "one definition, two configurations");
    let step = Commit {
        execution: Some(next(&a)),
        history: events(2..=2),
        ..Commit::default()
    };
    s.commit(&[step]).expect("it keeps working");
    assert_eq!(s.execution(&a.arn).unwrap(), Some(next(&a)));
    let fresh = record("fresh", 1);
    s.create_execution(&fresh, &Commit::default()).unwrap();
    assert_eq!(
        texts(&s),
        3,
        "a new execution finds its texts under the migrated keys"
    );
    assert_eq!(s.purge_executions(i64::MAX, 10).unwrap(), 1);
    assert_eq!(texts(&s), 2, "b's configuration went with it");
}

#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn texts_are_stored_once_and_leave_with_their_last_execution() {
    let schema = TempSchema::new();
    let s = schema.open();
    crate::store::contract::texts_are_stored_once_and_leave_with_their_last_execution(&s, &|| {
        texts(&s)
    });
}
