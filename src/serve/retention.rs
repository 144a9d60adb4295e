//! `serve --retention DURATION`: a background task that deletes the executions that ended more
//! than DURATION ago (`store::retention`), at start-up and then every minute — more often for a
//! retention under a minute. Each batch is its own short transaction, so steps of running
//! executions go on in between.

use super::App;
use std::sync::Arc;
use std::time::Duration;

/// How long between two purges when the retention is a minute or more.
const EVERY: Duration = Duration::from_secs(60);

/// Starts the task on the current Tokio runtime; it ends with the runtime.
pub fn spawn(app: Arc<App>, keep: Duration) -> tokio::task::JoinHandle<()> {
    let every = keep.clamp(Duration::from_secs(1), EVERY);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let app = app.clone();
            let purged = tokio::task::spawn_blocking(move || purge(&app, keep)).await;
            match purged {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => eprintln!(
                    "stepwise serve: retention: deleted {n} executions that ended over {} ago",
                    describe(keep)
                ),
                Ok(Err(e)) => eprintln!("stepwise serve: retention: {e}; trying again later"),
                Err(e) => {
                    eprintln!("stepwise serve: retention failed (a bug: please report it): {e}")
                }
            }
        }
    })
}

fn purge(app: &App, keep: Duration) -> crate::store::Result<usize> {
    let keep_ms = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
    let cutoff = app.clock.now_ms().saturating_sub(keep_ms);
    crate::store::retention::purge_ended(&*app.store, cutoff)
}

/// `90s`, `30m`, `12h`, `7d`: the largest unit that divides it.
fn describe(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        _ if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        _ if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        _ if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        _ => format!("{s}s"),
    }
}
