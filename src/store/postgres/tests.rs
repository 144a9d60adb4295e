//! The contract suite and PostgreSQL's own tests, each in a schema of its own that the test
//! creates and drops. The server is `STEPWISE_TEST_POSTGRES` (default: the one every machine of
//! this project runs, `postgres://postgres@127.0.0.1:5432/test`). The tests that need it are
//! `#[ignore]`d, so plain `cargo test` lists them as such; `scripts/test` runs them
//! (`--run-ignored all`), and when the server cannot be reached they fail and say how to point
//! them at one.
#![allow(clippy::disallowed_methods)] // an edge: reads the environment and the clock

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

use super::pool::{Pool, block_on};
use super::*;
use crate::store::contract::{self, contract_tests};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server the tests use.
pub(crate) fn test_url() -> String {
    std::env::var("STEPWISE_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.into())
}

fn unreachable(url: &str, why: &str) -> ! {
    panic!(
        "the PostgreSQL tests need a server: {url} cannot be used ({why}). Start PostgreSQL there (trust auth, database test), or set STEPWISE_TEST_POSTGRES=postgres://USER@HOST:PORT/DATABASE to a server where the user may create schemas"
    )
}

/// Runs one statement on the test server outside any store.
fn admin(sql: &str) {
    let url = test_url();
    let config: Config = url
        .parse()
        .unwrap_or_else(|e| unreachable(&url, &format!("{e}")));
    let pool = Pool::new(config).expect("start the client runtime");
    let db = match pool.get() {
        Ok(db) => db,
        Err(Checkout::Connect(e)) => unreachable(&url, &describe(&e)),
        Err(_) => unreachable(&url, "no connection"),
    };
    block_on(db.batch(sql)).unwrap_or_else(|e| panic!("{sql}: {}", describe(&e)));
}

/// A schema of its own on the test server, dropped with everything in it on drop.
pub(crate) struct TempSchema {
    pub(crate) name: String,
    url: String,
}

impl TempSchema {
    pub(crate) fn new() -> TempSchema {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("stepwise_test_{}_{n}_{nanos}", std::process::id());
        let server = test_url();
        let url = schema::create(&server, &name).unwrap_or_else(|e| unreachable(&server, &e));
        TempSchema { name, url }
    }

    /// A URL whose connections use this schema.
    pub(crate) fn url(&self) -> String {
        self.url.clone()
    }

    pub(crate) fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.url).unwrap_or_else(|e| panic!("open {}: {e}", self.url))
    }
}

impl Drop for TempSchema {
    fn drop(&mut self) {
        let _ = schema::drop(&test_url(), &self.name);
    }
}

/// A store in a schema of its own.
struct TempDb {
    store: Option<PostgresStore>,
    _schema: TempSchema,
}

impl TempDb {
    fn new() -> TempDb {
        let schema = TempSchema::new();
        TempDb {
            store: Some(schema.open()),
            _schema: schema,
        }
    }
}

impl Deref for TempDb {
    type Target = PostgresStore;
    fn deref(&self) -> &PostgresStore {
        self.store.as_ref().expect("open until dropped")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        // Close the connections before the schema goes.
        self.store.take();
    }
}

contract_tests!(
    TempDb::new(),
    #[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
);

#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn two_stores_on_one_database_one_commit_wins() {
    let schema = TempSchema::new();
    contract::two_stores_one_commit_wins(Arc::new(schema.open()), Arc::new(schema.open()));
}

#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn concurrent_claims_never_share_an_entry() {
    let schema = TempSchema::new();
    let stores: Vec<Arc<PostgresStore>> = (0..4).map(|_| Arc::new(schema.open())).collect();
    let x = contract::record("many", 1);
    let first = Commit {
        new_outbox: (0..400)
            .map(|i| contract::effect("many", &format!("e{i}")))
            .collect(),
        ..Commit::default()
    };
    stores[0].create_execution(&x, &first).unwrap();
    let barrier = Arc::new(Barrier::new(stores.len()));
    let claimers: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let (s, barrier) = (s.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut got = Vec::new();
                loop {
                    let batch = s
                        .claim_outbox(0, 60_000, 7, &format!("node-{n}"), Scope::ALL)
                        .unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch.into_iter().map(|o| o.payload));
                }
            })
        })
        .collect();
    let mut all: Vec<String> = claimers
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!((before, all.len()), (400, 400), "each entry claimed once");
}

#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn many_nodes_starting_at_once_migrate_once() {
    for _ in 0..3 {
        let schema = Arc::new(TempSchema::new());
        let barrier = Arc::new(Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let (schema, barrier) = (schema.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    PostgresStore::open(&schema.url()).map(|_| ())
                })
            })
            .collect();
        for t in openers {
            assert_eq!(t.join().unwrap(), Ok(()));
        }
        let s = schema.open();
        let applied: i64 = s
            .read(async |db| {
                Ok(db
                    .query_one("SELECT count(*) FROM schema_migrations", &[])
                    .await?
                    .try_get(0)?)
            })
            .unwrap();
        assert_eq!(applied, migrations::MIGRATIONS.len() as i64);
    }
}

#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn a_claimed_timer_is_fired_by_one_node_until_its_claim_ends() {
    let schema = TempSchema::new();
    let (a, b) = (schema.open(), schema.open());
    let x = contract::record("t", 1);
    let timer = |due_ms| TimerRecord {
        execution_arn: x.arn.clone(),
        timer: 1,
        due_ms,
        decider: Decider::Asl,
    };
    let first = Commit {
        new_timers: vec![timer(100)],
        ..Commit::default()
    };
    a.create_execution(&x, &first).unwrap();
    assert_eq!(
        a.claim_timers(100, 1_000, 10, "node-a", Scope::ALL)
            .unwrap(),
        [timer(100)]
    );
    assert_eq!(
        b.claim_timers(200, 1_000, 10, "node-b", Scope::ALL)
            .unwrap(),
        [],
        "claimed by a"
    );
    assert_eq!(
        b.next_timer(Scope::ALL).unwrap().map(|t| t.due_ms),
        Some(1_100),
        "due again when a's claim ends"
    );
    assert_eq!(
        b.claim_timers(1_100, 1_000, 10, "node-b", Scope::ALL)
            .unwrap(),
        [timer(100)],
        "a's claim ended (a died)"
    );
    // b's step re-arms the timer: the claim ends with it.
    let step = Commit {
        execution: Some(contract::next(&x)),
        new_timers: vec![timer(5_000)],
        ..Commit::default()
    };
    b.commit(&[step]).unwrap();
    assert_eq!(b.next_timer(Scope::ALL).unwrap(), Some(timer(5_000)));
    assert_eq!(
        a.claim_timers(5_000, 1_000, 10, "node-a", Scope::ALL)
            .unwrap(),
        [timer(5_000)]
    );
    assert_eq!(a.release_leases(&|owner| owner == "node-a").unwrap(), 0);
    assert_eq!(
        b.claim_timers(5_000, 1_000, 10, "node-b", Scope::ALL)
            .unwrap(),
        [timer(5_000)],
        "a dead node's claims are freed"
    );
}

/// Whether the store's connections are encrypted.
fn encrypted(s: &PostgresStore) -> bool {
    s.read(async |db| {
        Ok(db
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await?
            .try_get(0)?)
    })
    .unwrap()
}

/// `sslmode` works as with libpq (the machines of this project run PostgreSQL with TLS on).
#[cfg(feature = "postgres-tls")]
#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn sslmode_require_encrypts_and_disable_does_not() {
    let schema = TempSchema::new();
    let with = |mode: &str| {
        let url = format!("{}&sslmode={mode}", schema.url());
        PostgresStore::open(&url).unwrap_or_else(|e| panic!("{url}: {e}"))
    };
    let on: bool = {
        let s = with("disable");
        s.read(async |db| {
            let v: String = db.query_one("SHOW ssl", &[]).await?.try_get(0)?;
            Ok(v == "on")
        })
        .unwrap()
    };
    assert!(
        on,
        "the test server has TLS off: turn ssl on in postgresql.conf to test sslmode=require"
    );
    assert!(encrypted(&with("require")));
    assert!(!encrypted(&with("disable")));
    contract::create_and_read_back(&with("require"));
}

fn open_error(url: &str) -> String {
    match PostgresStore::open(url) {
        Err(Error::Backend(m)) => m,
        Err(e) => panic!("not a Backend error: {e:?}"),
        Ok(_) => panic!("{url} opened"),
    }
}

#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn another_programs_tables_are_left_alone() {
    let schema = TempSchema::new();
    admin(&format!(
        "CREATE TABLE {}.executions (body TEXT)",
        schema.name
    ));
    let m = open_error(&schema.url());
    assert!(
        m.contains("'executions'") && m.contains("did not create"),
        "{m}"
    );
}

#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn a_newer_schema_is_refused() {
    let schema = TempSchema::new();
    let s = schema.open();
    s.read(async |db| {
        db.batch("INSERT INTO schema_migrations VALUES (999, 'future')")
            .await?;
        Ok(())
    })
    .unwrap();
    drop(s);
    let m = open_error(&schema.url());
    assert!(
        m.contains("schema version 999") && m.contains("newer stepwise"),
        "{m}"
    );
}

#[test]
fn an_unreachable_server_is_a_clear_error_without_the_password() {
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let m = open_error(&format!(
        "postgres://me:secret@127.0.0.1:{port}/db?connect_timeout=2"
    ));
    assert!(
        m.contains(&format!("postgres://me@127.0.0.1:{port}/db")),
        "{m}"
    );
    assert!(m.contains("cannot connect") && !m.contains("secret"), "{m}");
    let m = open_error("postgres://me:secret@127.0.0.1:notaport/db");
    assert!(m.contains("cannot read") && !m.contains("secret"), "{m}");
}

#[test]
fn without_password_hides_only_the_password() {
    assert_eq!(
        without_password("postgres://u:p@h:1/d"),
        "postgres://u:***@h:1/d"
    );
    assert_eq!(without_password("postgres://u@h/d"), "postgres://u@h/d");
    assert_eq!(without_password("host=h user=u"), "host=h user=u");
    assert_eq!(
        without_password("host=h password=p user=u"),
        "host=h password=*** user=u"
    );
}
