//! `stepwise serve`: the AWS Step Functions API and an SQS-compatible API on one port, over the
//! durable runtime and the embedded queue, for unmodified AWS clients.
//!
//! - `http.rs` — the HTTP server: reads requests, routes on `X-Amz-Target`, writes answers.
//! - `protocol.rs` — AWS JSON 1.0: errors, request fields, timestamps, page tokens.
//! - `sfn/` — the Step Functions operations; `sqs/` — the SQS operations.
//! - `driver.rs` — the background thread that fires timers, performs effects and runs triggers.
//! - `triggers.rs` — queues that start executions.
//! - `conductor/` — Conductor's REST API under `/api/` (workflows, tasks, metadata, event
//!   handlers), over `runtime/conductor`.
//!
//! Operations run on tokio's blocking pool (the store is synchronous), so a client that hangs
//! up mid-request cannot cut an operation in half. Long polls wait asynchronously on `arrivals`.

pub mod conductor;
pub mod driver;
pub mod http;
pub mod protocol;
pub mod sfn;
pub mod sqs;
pub mod triggers;

use crate::asl::{Diagnostic, Machine};
use crate::runtime::clock::{SystemClock, system_now_ms};
use crate::runtime::conductor::Conductor;
use crate::runtime::conductor::queues::Queues;
use crate::runtime::config::HandlerConfig;
use crate::runtime::durable::Durable;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub region: String,
    pub account: String,
    /// `http://HOST:PORT`, for queue URLs.
    pub base_url: String,
    /// The handlers every execution the API starts gets (endpoints, local commands).
    pub handlers: HandlerConfig,
    pub triggers: Vec<triggers::Trigger>,
    /// The stepwise binary (it runs Conductor's jq tasks in a child process).
    pub helper: Option<std::path::PathBuf>,
}

/// Everything a request handler can reach.
pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
    /// Conductor workflows, their REST API and event-handler listeners.
    pub conductor: Arc<Conductor>,
    /// Idle runtimes, so their caches of parsed definitions survive between requests.
    durables: Mutex<Vec<Durable>>,
    machines: Mutex<HashMap<String, Arc<Machine>>>,
    kick: Mutex<mpsc::Sender<()>>,
    /// Signalled when messages or activity tasks may have arrived: long polls look again.
    pub arrivals: tokio::sync::Notify,
}

/// Parsed definitions kept at most; beyond, the cache starts over.
const MAX_CACHED_MACHINES: usize = 256;

impl App {
    /// The app and the receiving end of its kicks (for the driver).
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> (Arc<App>, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let mut conductor = Conductor::new(
            store.clone(),
            Queues::new(&store, settings.handlers.sqs_endpoint.as_deref()),
            Arc::new(system_now_ms),
        );
        conductor.helper = settings.helper.clone();
        let conductor = Arc::new(conductor);
        let app = App {
            store,
            settings,
            conductor,
            durables: Mutex::new(Vec::new()),
            machines: Mutex::new(HashMap::new()),
            kick: Mutex::new(tx),
            arrivals: tokio::sync::Notify::new(),
        };
        (Arc::new(app), rx)
    }

    pub fn now(&self) -> i64 {
        system_now_ms()
    }

    /// Runs `f` with a runtime from the pool, and kicks the driver if `f` committed effects to
    /// perform or timers to arm. Only then: a kick costs the driver a wake-up and an outbox
    /// claim (a write transaction), as much again as starting a Pass-only execution.
    pub fn durable<T>(&self, f: impl FnOnce(&mut Durable) -> T) -> T {
        let pooled = lock(&self.durables).pop();
        let mut d =
            pooled.unwrap_or_else(|| Durable::new(self.store.clone(), Box::new(SystemClock)));
        let out = f(&mut d);
        let scheduled = d.take_scheduled();
        lock(&self.durables).push(d);
        if scheduled {
            self.kick();
        }
        out
    }

    /// Tells the driver there is new work (effects to perform, timers to arm).
    pub fn kick(&self) {
        let _ = lock(&self.kick).send(());
    }

    /// The parsed definition, or every diagnostic.
    pub fn machine(&self, definition: &str) -> Result<Arc<Machine>, Vec<Diagnostic>> {
        if let Some(m) = lock(&self.machines).get(definition) {
            return Ok(m.clone());
        }
        let m = Arc::new(crate::asl::load(definition)?);
        let mut cache = lock(&self.machines);
        if cache.len() >= MAX_CACHED_MACHINES {
            cache.clear();
        }
        cache.insert(definition.to_string(), m.clone());
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
