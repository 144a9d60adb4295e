//! Time for the runtime: the system clock, or virtual time that jumps to the next timer.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub trait Clock: Send {
    /// Epoch milliseconds.
    fn now_ms(&mut self) -> i64;
    /// Returns once `due_ms` has come (virtual clocks jump there).
    fn wait_until(&mut self, due_ms: i64);
}

pub fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&mut self) -> i64 {
        system_now_ms()
    }
    fn wait_until(&mut self, due_ms: i64) {
        let wait = due_ms - system_now_ms();
        if wait > 0 {
            std::thread::sleep(Duration::from_millis(wait as u64));
        }
    }
}

/// Starts at a given time and only moves when a timer is awaited: Wait states and retry
/// back-offs take no real time (`--skip-waits`), while the times in the history still add up.
pub struct VirtualClock {
    now: i64,
}

impl VirtualClock {
    pub fn new(start_ms: i64) -> Self {
        VirtualClock { now: start_ms }
    }
}

impl Clock for VirtualClock {
    fn now_ms(&mut self) -> i64 {
        self.now
    }
    fn wait_until(&mut self, due_ms: i64) {
        self.now = self.now.max(due_ms);
    }
}
