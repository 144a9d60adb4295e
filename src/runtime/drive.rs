//! The one drive loop: `stepwise run` (with a database or for a Conductor workflow), `resume
//! --follow` and `serve`'s driver all turn through it. Each round does what is due (timers,
//! effects, queue consumers); when a round did nothing, the loop sleeps until the next timer of
//! its own or until woken (`Wake`: a commit that left work, a callback, a message sent here).
//! With a virtual clock it does not sleep at all: time jumps to the next timer.
//!
//! The only sleep not ended by a notification is `poll`: the most a loop on a database shared
//! with other processes waits before looking for the work they committed (SQLite cannot tell
//! one process of another's commits), and for queues it reads from elsewhere (SQS).

#![allow(clippy::disallowed_methods)] // an edge: measures how long it slept

use crate::runtime::clock::Clock;
use crate::runtime::wake::Wake;
use std::time::Duration;

/// What one round found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// The loop's goal is reached (the execution ended).
    Done,
    /// It handled this much; 0 means there was nothing to do.
    Did(usize),
}

/// The work of one loop.
pub trait Work {
    fn round(&mut self) -> Result<Round, String>;
    /// When the next timer this loop may fire is due (epoch ms).
    fn next_due(&mut self) -> Result<Option<i64>, String>;
    /// Nothing is due and nothing woke the loop for `idle` (an in-memory run that nothing can
    /// move any more): `Err` ends the loop with that message.
    fn idle(&mut self, _idle: Duration) -> Result<(), String> {
        Ok(())
    }
}

/// Runs rounds until one says `Done`. `poll`: see the module comment (`None`: only the loop's
/// own timers and notifications wake it).
pub fn run(
    work: &mut dyn Work,
    clock: &dyn Clock,
    wake: &Wake,
    poll: Option<Duration>,
) -> Result<(), String> {
    let mut idle = Duration::ZERO;
    loop {
        match work.round()? {
            Round::Done => return Ok(()),
            Round::Did(n) if n > 0 => {
                idle = Duration::ZERO;
                continue;
            }
            Round::Did(_) => {}
        }
        let due = work.next_due()?;
        if clock.is_virtual()
            && let Some(due) = due
        {
            clock.wait_until(due);
            continue;
        }
        let until_due = due.map(|d| Duration::from_millis((d - clock.now_ms()).max(0) as u64));
        let timeout = match (until_due, poll) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let started = std::time::Instant::now();
        // Without timers or polling an in-memory loop could sleep for ever: look for stalls.
        let timeout = timeout.or(Some(STALL_CHECK));
        if wake.wait(timeout) || due.is_some_and(|d| d <= clock.now_ms()) {
            idle = Duration::ZERO;
            continue;
        }
        idle += started.elapsed();
        work.idle(idle)?;
    }
}

/// How often a loop with nothing due and nothing to poll asks `Work::idle`.
const STALL_CHECK: Duration = Duration::from_millis(250);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::clock::VirtualClock;

    /// Fires timers at 10, 20, 30 and ends after the last.
    struct Timers {
        due: Vec<i64>,
        clock: std::sync::Arc<VirtualClock>,
        fired: Vec<i64>,
    }

    impl Work for Timers {
        fn round(&mut self) -> Result<Round, String> {
            let now = self.clock.now_ms();
            let (fire, keep): (Vec<i64>, Vec<i64>) = self.due.iter().partition(|d| **d <= now);
            self.due = keep;
            self.fired.extend(&fire);
            if self.due.is_empty() {
                return Ok(Round::Done);
            }
            Ok(Round::Did(fire.len()))
        }
        fn next_due(&mut self) -> Result<Option<i64>, String> {
            Ok(self.due.iter().min().copied())
        }
    }

    #[test]
    fn virtual_time_jumps_from_timer_to_timer_without_sleeping() {
        let clock = VirtualClock::shared(0);
        let mut work = Timers {
            due: vec![30, 10, 20],
            clock: clock.clone(),
            fired: Vec::new(),
        };
        let started = std::time::Instant::now();
        run(&mut work, clock.as_ref(), &Wake::default(), None).expect("ends");
        assert_eq!(work.fired, [10, 20, 30]);
        assert_eq!(clock.now_ms(), 30);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    /// Nothing due: the loop sleeps until woken, then ends.
    struct UntilWoken(usize);

    impl Work for UntilWoken {
        fn round(&mut self) -> Result<Round, String> {
            self.0 += 1;
            Ok(if self.0 > 1 {
                Round::Done
            } else {
                Round::Did(0)
            })
        }
        fn next_due(&mut self) -> Result<Option<i64>, String> {
            Ok(None)
        }
        fn idle(&mut self, idle: Duration) -> Result<(), String> {
            Err(format!("stalled after {idle:?}: the notification was lost"))
        }
    }

    #[test]
    fn a_notification_wakes_an_idle_loop() {
        let wake = Wake::shared();
        wake.notify();
        let clock = crate::runtime::clock::SystemClock;
        run(&mut UntilWoken(0), &clock, &wake, None).expect("woken, not stalled");
    }
}
