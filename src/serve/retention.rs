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
                Ok(Ok(n)) => tracing::info!(
                    "retention: deleted {n} executions that ended over {} ago",
                    describe(keep)
                ),
                Ok(Err(e)) => tracing::warn!("retention: {e}; trying again later"),
                Err(e) => {
                    tracing::error!("retention failed (a bug: please report it): {e}")
                }
            }
        }
    })
}

fn purge(app: &App, keep: Duration) -> crate::store::Result<usize> {
    let keep_ms = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
    let cutoff = app.clock.now_ms().saturating_sub(keep_ms);
    let mut pace = Pace::start();
    crate::store::retention::purge_ended(&*app.store, cutoff, || pace.pause())
}

/// Between two purge batches the purge pauses as long as the batch took. The SQLite store's
/// one connection sits behind a mutex that is not fair, so batches run back to back kept it
/// for the whole purge: 13,000 ended executions a minute took 4 s, with every request and timer
/// waiting (`scripts/load` saw Waits end 10 s late, and callbacks accepted after their Task's
/// timeout). Pausing holds the store at most half the time and one batch (~30 ms) at a time.
struct Pace(std::time::Instant);

#[allow(clippy::disallowed_methods)] // measures how long a batch held the store, no more
impl Pace {
    fn start() -> Pace {
        Pace(std::time::Instant::now())
    }

    fn pause(&mut self) {
        std::thread::sleep(self.0.elapsed());
        self.0 = std::time::Instant::now();
    }
}

/// `90s`, `30m`, `12h`, `7d`: the largest unit that divides it.
fn describe(d: Duration) -> String {
    let s = d.as_secs();
    for (unit, secs) in [('d', 86_400), ('h', 3_600), ('m', 60)] {
        if s >= secs && s.is_multiple_of(secs) {
            return format!("{}{unit}", s / secs);
        }
    }
    format!("{s}s")
}

#[cfg(test)]
mod tests {
    #[test]
    fn describes_in_the_largest_unit() {
        let d = |s| super::describe(std::time::Duration::from_secs(s));
        assert_eq!(
            [d(90), d(1_800), d(43_200), d(604_800), d(0)],
            ["90s", "30m", "12h", "7d", "0s"]
        );
    }
}
