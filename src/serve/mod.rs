//! `stepwise serve`: the AWS Step Functions API and an SQS-compatible API on one port, over the
//! durable runtime and the embedded queue, for unmodified AWS clients.
//!
//! - `http.rs` — the HTTP server: reads requests, routes on `X-Amz-Target` (or to SQS's Query
//!   protocol, `sqs/query/`), writes answers.
//! - `guard.rs` — what a request speaks; the Host allowlist, the Origin check, the content types;
//!   `auth.rs` and `sigv4.rs` — `--auth-token` and its proofs; `connections.rs` — the cap.
//! - `protocol.rs` — AWS JSON 1.0: errors, request fields, timestamps, page tokens.
//! - `sfn/` — the Step Functions operations; `sqs/` — the SQS operations.
//! - `driver.rs` — the background thread that fires timers, performs effects and runs triggers.
//! - `triggers.rs` — queues that start executions.
//! - `console/` — the web console (`GET /`, `/console/…`): pages over the same operations.
//! - `conductor/` — Conductor's REST API under `/api/` (workflows, tasks, metadata, event
//!   handlers), over `runtime/conductor`.
//!
//! Operations run on tokio's blocking pool (the store is synchronous), so a client that hangs
//! up mid-request cannot cut an operation in half. Long polls wait asynchronously on `arrivals`.

pub mod auth;
pub mod conductor;
pub mod connections;
pub mod console;
pub mod driver;
pub mod guard;
pub mod http;
pub mod protocol;
pub mod retention;
pub mod sfn;
pub mod sigv4;
pub mod sqs;
pub mod triggers;

use crate::asl::{Diagnostic, Machine};
use crate::runtime::bounded::Bounded;
use crate::runtime::clock::{SharedClock, SystemClock};
use crate::runtime::conductor::Conductor;
use crate::runtime::config::HandlerConfig;
use crate::runtime::durable::Durable;
use crate::runtime::queues::Queues;
use crate::runtime::wake::Wake;
use crate::store::Store;
use std::sync::{Arc, Mutex};

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub region: String,
    pub account: String,
    /// `http://HOST:PORT`, for queue URLs.
    pub base_url: String,
    /// The handlers every execution the API starts gets (endpoints, local commands).
    pub handlers: HandlerConfig,
    /// The brokers of Conductor's `amqp*:` and `nats:` events.
    pub brokers: crate::runtime::queues::Brokers,
    pub triggers: Vec<triggers::Trigger>,
    /// The stepwise binary (it runs Conductor's jq tasks in a child process).
    pub helper: Option<std::path::PathBuf>,
    /// The hosts answered to and the token required of every request.
    pub guard: guard::Policy,
    /// How long a StartSyncExecution may run: [`SYNC_TIMEOUT`] but in tests.
    pub sync_timeout: std::time::Duration,
}

/// The longest a synchronous Express execution runs on AWS.
pub const SYNC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Everything a request handler can reach.
pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
    /// Conductor workflows, their REST API and event-handler listeners.
    pub conductor: Arc<Conductor>,
    /// The one clock of the server's runtimes.
    pub clock: SharedClock,
    /// The driver waits on it; every commit that leaves work notifies it.
    pub wake: Arc<Wake>,
    /// Idle runtimes, so their caches of parsed definitions survive between requests.
    durables: Mutex<Vec<Durable>>,
    /// Parsed definitions by their text (bounded: `runtime::bounded`).
    machines: Mutex<Bounded<Arc<Machine>>>,
    /// Signalled when messages or activity tasks may have arrived: long polls look again.
    pub arrivals: tokio::sync::Notify,
}

impl App {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Arc<App> {
        let clock = SystemClock::shared();
        let mut conductor = Conductor::new(
            store.clone(),
            Queues::new(
                &store,
                settings.handlers.sqs_endpoint.as_deref(),
                &settings.brokers,
            ),
            clock.clone(),
        );
        conductor.helper = settings.helper.clone();
        let wake = conductor.wake.clone();
        let app = App {
            store,
            settings,
            conductor: Arc::new(conductor),
            clock,
            wake,
            durables: Mutex::new(Vec::new()),
            machines: Mutex::new(Bounded::for_definitions()),
            arrivals: tokio::sync::Notify::new(),
        };
        let app = Arc::new(app);
        // Work other nodes commit on a shared database wakes the driver and the long polls here.
        let weak = Arc::downgrade(&app);
        let watched = app.store.watch(Arc::new(move || {
            if let Some(app) = weak.upgrade() {
                app.wake.notify();
                app.arrivals.notify_waiters();
            }
        }));
        if let Err(e) = watched {
            tracing::warn!("{e}; other nodes' work is found by polling");
        }
        app
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A runtime over the server's store, clock and wake, with its Conductor attached.
    pub fn runtime(&self) -> Durable {
        Durable::new(self.store.clone(), self.clock.clone())
            .with_conductor(self.conductor.clone(), true)
    }

    /// Runs `f` with a runtime from the pool. A commit of `f` that left effects to perform or
    /// timers to arm wakes the driver — only then: a wake-up costs the driver an outbox claim
    /// (a write transaction), as much again as starting a Pass-only execution.
    pub fn durable<T>(&self, f: impl FnOnce(&mut Durable) -> T) -> T {
        let pooled = lock(&self.durables).pop();
        let mut d = pooled.unwrap_or_else(|| self.runtime());
        let out = f(&mut d);
        lock(&self.durables).push(d);
        out
    }

    /// Tells the driver there is new work (effects to perform, timers to arm, messages).
    pub fn kick(&self) {
        self.wake.notify();
    }

    /// The parsed definition, or every diagnostic.
    pub fn machine(&self, definition: &str) -> Result<Arc<Machine>, Vec<Diagnostic>> {
        if let Some(m) = lock(&self.machines).get(definition) {
            return Ok(m.clone());
        }
        let m = Arc::new(crate::asl::load(definition)?);
        lock(&self.machines).insert(definition.to_string(), m.clone());
        Ok(m)
    }

    /// The URL of a queue of the embedded store, pointing back at this server as the client
    /// reached it (`origin`, e.g. `http://stepwise:8083` from the Host header), else at the
    /// address the server listens on.
    pub fn queue_url(&self, origin: Option<&str>, name: &str) -> String {
        let base = origin.unwrap_or(&self.settings.base_url);
        format!("{base}/{}/{name}", self.settings.account)
    }
}

/// A poisoned lock still guards consistent data here: nothing panics half-way through an update.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
