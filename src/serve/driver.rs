//! The driver: one thread that fires due timers, performs the effects executions committed
//! (Task invocations, SQS sends, activity scheduling) and polls queue triggers. Request handlers
//! kick it after a commit that left effects or timers (`App::durable`); otherwise it wakes for
//! the next timer, and at least every 100 ms for triggers and for work other processes sharing
//! the database committed.

use super::App;
use crate::runtime::clock::SystemClock;
use crate::runtime::durable::Durable;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

const IDLE: Duration = Duration::from_millis(100);
/// How often the driver looks for leases of processes that died.
const RELEASE_EVERY_MS: i64 = 5_000;

pub fn spawn(
    app: Arc<App>,
    kicks: mpsc::Receiver<()>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("stepwise-driver".into())
        .spawn(move || supervise(&app, &kicks, &stop))
        .expect("the driver thread starts")
}

/// Runs the driver until `stop`; should it panic (a bug), says so and starts it again: every
/// step it took is committed, so nothing is lost.
fn supervise(app: &App, kicks: &mpsc::Receiver<()>, stop: &AtomicBool) {
    loop {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(app, kicks, stop)));
        if run.is_ok() || stop.load(Ordering::Relaxed) {
            return;
        }
        eprintln!("stepwise serve: the driver failed (a bug: please report it); restarting it");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run(app: &App, kicks: &mpsc::Receiver<()>, stop: &AtomicBool) {
    let mut durable = Durable::new(app.store.clone(), Box::new(SystemClock));
    let mut last_error = String::new();
    let mut last_release: Option<i64> = None;
    while !stop.load(Ordering::Relaxed) {
        // Effects a killed process had leased (this server's previous run, a `stepwise run`)
        // are delivered again at once, not when their lease runs out.
        if last_release.is_none_or(|at| app.now().saturating_sub(at) >= RELEASE_EVERY_MS) {
            last_release = Some(app.now());
            if let Err(e) = durable.release_dead_leases() {
                eprintln!("stepwise serve: {e}");
            }
        }
        let mut busy = match durable.drive() {
            Ok(n) => n,
            Err(e) => {
                // Say it once, not every 100 ms.
                let e = e.to_string();
                if e != last_error {
                    eprintln!("stepwise serve: {e}");
                    last_error = e;
                }
                0
            }
        };
        busy += super::triggers::poll(app);
        busy += app.conductor.drive();
        busy += app.conductor.listen();
        if busy > 0 {
            app.arrivals.notify_waiters();
            continue;
        }
        let next = [
            app.store.next_timer().ok().flatten().map(|t| t.due_ms),
            app.store.next_workflow_due().ok().flatten(),
        ];
        let wait = match next.into_iter().flatten().min() {
            Some(due) => Duration::from_millis((due - app.now()).clamp(0, 100) as u64),
            None => IDLE,
        };
        if kicks.recv_timeout(wait).is_ok() {
            while kicks.try_recv().is_ok() {}
        }
    }
}
