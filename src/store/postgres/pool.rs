//! Connections to PostgreSQL for a store whose traits are synchronous.
//!
//! `tokio-postgres` splits a connection in two: the `Connection`, which owns the socket and must
//! run on a tokio runtime, and the `Client`, whose queries only exchange messages with it over
//! channels. The pool runs every `Connection` on a small runtime of its own (one thread,
//! `stepwise-postgres`) and waits for queries with `futures_executor::block_on` on the caller's
//! thread. So a store call works the same from plain threads and from inside the server's tokio
//! runtime (where blocking on a second tokio runtime would panic), as SQLite's calls do.
//!
//! Each connection keeps its prepared statements, so a statement is parsed once per connection.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::tls::Connector;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, Row, Statement};

/// How many connections one store opens at most.
const MAX_CONNECTIONS: usize = 8;
/// How long a caller waits for a free connection before the store reports the database busy.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// One connection and its prepared statements.
pub(super) struct Db {
    client: Client,
    statements: RefCell<HashMap<&'static str, Statement>>,
}

impl Db {
    async fn statement(&self, sql: &'static str) -> Result<Statement, tokio_postgres::Error> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).await?;
        self.statements.borrow_mut().insert(sql, s.clone());
        Ok(s)
    }

    /// Prepares the statements this connection has not prepared yet, so that queries of them
    /// send at once when first polled (a pipeline depends on it).
    pub(super) async fn prepare_all(
        &self,
        sqls: &[&'static str],
    ) -> Result<(), tokio_postgres::Error> {
        for sql in sqls {
            self.statement(sql).await?;
        }
        Ok(())
    }

    pub(super) async fn query(
        &self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let s = self.statement(sql).await?;
        self.client.query(&s, params).await
    }

    pub(super) async fn query_opt(
        &self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Option<Row>, tokio_postgres::Error> {
        let s = self.statement(sql).await?;
        self.client.query_opt(&s, params).await
    }

    pub(super) async fn query_one(
        &self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Row, tokio_postgres::Error> {
        let s = self.statement(sql).await?;
        self.client.query_one(&s, params).await
    }

    /// Rows changed.
    pub(super) async fn execute(
        &self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<u64, tokio_postgres::Error> {
        let s = self.statement(sql).await?;
        self.client.execute(&s, params).await
    }

    /// Statements without parameters (schema changes, `BEGIN`), not prepared.
    pub(super) async fn batch(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.client.batch_execute(sql).await
    }

    /// `LISTEN`/`NOTIFY` payloads and errors arrive on the connection, not here.
    pub(super) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// Up to `MAX_CONNECTIONS` connections, opened when needed and kept.
pub(super) struct Pool {
    config: Config,
    tls: Connector,
    io: Io,
    idle: Mutex<Idle>,
    freed: Condvar,
}

struct Idle {
    connections: Vec<Db>,
    /// Open connections, idle or lent.
    open: usize,
}

/// The runtime that drives the connections' sockets, on its own thread; stopped on drop.
struct Io {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Io {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Io {
    fn start() -> std::io::Result<Io> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = rt.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("stepwise-postgres".into())
            .spawn(move || {
                rt.block_on(async {
                    let _ = stopped.await;
                });
            })?;
        Ok(Io {
            handle,
            stop: Some(stop),
        })
    }
}

/// Why a connection could not be had.
pub(super) enum Checkout {
    Connect(tokio_postgres::Error),
    /// Every connection stayed lent for `CHECKOUT_TIMEOUT`.
    Exhausted,
    Io(String),
}

impl Pool {
    pub(super) fn new(config: Config) -> Result<Pool, String> {
        let tls = super::tls::connector(&config)?;
        Ok(Pool {
            config,
            tls,
            io: Io::start().map_err(|e| e.to_string())?,
            idle: Mutex::new(Idle {
                connections: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Idle> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection for one call: an idle one, a new one while fewer than the maximum are open,
    /// else the next one returned.
    pub(super) fn get(&self) -> Result<Lent<'_>, Checkout> {
        let mut idle = self.lock();
        loop {
            while let Some(db) = idle.connections.pop() {
                if db.is_closed() {
                    idle.open -= 1;
                    continue;
                }
                return Ok(Lent {
                    pool: self,
                    db: Some(db),
                });
            }
            if idle.open < MAX_CONNECTIONS {
                idle.open += 1;
                drop(idle);
                return match self.connect() {
                    Ok(db) => Ok(Lent {
                        pool: self,
                        db: Some(db),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let (guard, waited) = self
                .freed
                .wait_timeout(idle, CHECKOUT_TIMEOUT)
                .unwrap_or_else(|e| e.into_inner());
            idle = guard;
            if waited.timed_out() && idle.connections.is_empty() && idle.open >= MAX_CONNECTIONS {
                return Err(Checkout::Exhausted);
            }
        }
    }

    fn connect(&self) -> Result<Db, Checkout> {
        let (config, tls) = (self.config.clone(), self.tls.clone());
        let task = self.io.handle.spawn(async move {
            let (client, connection) = config.connect(tls).await?;
            tokio::spawn(async move {
                // Ends when the client is dropped or the server goes; the client then reports
                // itself closed and the pool drops it.
                let _ = connection.await;
            });
            Ok::<_, tokio_postgres::Error>(client)
        });
        let client = futures_executor::block_on(task)
            .map_err(|e| Checkout::Io(format!("the connection task failed: {e}")))?
            .map_err(Checkout::Connect)?;
        Ok(Db {
            client,
            statements: RefCell::new(HashMap::new()),
        })
    }

    /// Runs `f` on the io runtime and waits for it (for work that needs tokio's sockets, such
    /// as a `LISTEN` connection).
    pub(super) fn spawn<F>(&self, f: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.io.handle.spawn(f)
    }

    pub(super) fn config(&self) -> &Config {
        &self.config
    }

    pub(super) fn tls(&self) -> &Connector {
        &self.tls
    }
}

/// A connection lent to one call; back to the pool on drop (dropped instead when it broke).
pub(super) struct Lent<'a> {
    pool: &'a Pool,
    db: Option<Db>,
}

impl std::ops::Deref for Lent<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db.as_ref().expect("lent until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let Some(db) = self.db.take() else { return };
        let mut idle = self.pool.lock();
        // A call that panicked may have left a transaction open: never lend that connection.
        if db.is_closed() || std::thread::panicking() {
            idle.open -= 1;
        } else {
            idle.connections.push(db);
        }
        drop(idle);
        self.pool.freed.notify_one();
    }
}

/// Waits for a future on the calling thread (see the module documentation).
pub(super) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}
