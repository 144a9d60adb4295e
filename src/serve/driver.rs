//! The driver: one thread that turns the runtime's drive loop (`runtime::drive`) for the server:
//! it fires due timers, performs the effects ASL executions and Conductor workflows committed
//! (Task invocations, SQS sends, activity scheduling, EVENT messages, worker tasks), and runs
//! the queue consumers (triggers, Conductor event handlers). Commits anywhere in the server wake
//! it (`App::wake`); otherwise it wakes for the next timer, and at least every `POLL` for work
//! other processes sharing the database committed and for messages on queues elsewhere (SQS).

use super::App;
use crate::runtime::drive::{self, Round, Work};
use crate::runtime::durable::Durable;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const POLL: Duration = Duration::from_millis(100);
/// How often the driver looks for leases of processes that died.
const RELEASE_EVERY_MS: i64 = 5_000;

pub fn spawn(app: Arc<App>, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("stepwise-driver".into())
        .spawn(move || supervise(&app, &stop))
        .expect("the driver thread starts")
}

/// Runs the driver until `stop`; should it panic (a bug), says so and starts it again: every
/// step it took is committed, so nothing is lost.
fn supervise(app: &App, stop: &AtomicBool) {
    loop {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(app, stop)));
        if run.is_ok() || stop.load(Ordering::Relaxed) {
            return;
        }
        tracing::error!("the driver failed (a bug: please report it); restarting it");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run(app: &App, stop: &AtomicBool) {
    let mut work = Driver {
        app,
        stop,
        durable: app.runtime(),
        last_error: String::new(),
        last_release: None,
        failed_at: None,
    };
    let _ = drive::run(&mut work, app.clock.as_ref(), &app.wake, Some(POLL));
}

struct Driver<'a> {
    app: &'a App,
    stop: &'a AtomicBool,
    durable: Durable,
    last_error: String,
    last_release: Option<i64>,
    /// When the last round's drive failed (a store that refuses writes): the due work is looked
    /// at again after `POLL` or a wake-up, not at once in a loop.
    failed_at: Option<i64>,
}

impl Work for Driver<'_> {
    fn round(&mut self) -> Result<Round, String> {
        if self.stop.load(Ordering::Relaxed) {
            // Effects in progress finish and are committed while the server's grace lasts; one
            // still running after that is performed again after the next start.
            let _ = self.durable.commit_finished();
            if self.durable.performing() == 0 {
                return Ok(Round::Done);
            }
            return Ok(Round::Did(0));
        }
        let now = self.app.now();
        // Effects a killed process had leased (this server's previous run, a `stepwise run`)
        // are delivered again at once, not when their lease runs out.
        if self
            .last_release
            .is_none_or(|at| now.saturating_sub(at) >= RELEASE_EVERY_MS)
        {
            self.last_release = Some(now);
            if let Err(e) = self.durable.release_dead_leases() {
                tracing::warn!("{e}");
            }
        }
        let mut busy = match self.durable.turn() {
            Ok(n) => {
                self.failed_at = None;
                n
            }
            Err(e) => {
                self.failed_at = Some(now);
                // Say it once, not every round.
                let e = e.to_string();
                if e != self.last_error {
                    tracing::warn!("{e}");
                    self.last_error = e;
                }
                0
            }
        };
        busy += super::triggers::poll(self.app);
        busy += self.app.conductor.listen();
        if busy > 0 {
            self.app.arrivals.notify_waiters();
        }
        Ok(Round::Did(busy))
    }

    fn next_due(&mut self) -> Result<Option<i64>, String> {
        let due = self.durable.next_due();
        Ok(match self.failed_at {
            Some(at) => due.map(|d| d.max(at + POLL.as_millis() as i64)),
            None => due,
        })
    }
}
