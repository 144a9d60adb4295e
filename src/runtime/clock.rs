//! Time for the runtime, the one `Clock` both front ends use: the system clock, or virtual time
//! that only moves when told to (`--skip-waits`, tests). Deciders never read a clock: the
//! runtime reads it and hands "now" to them as a value.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of "now", shared by the threads of one process (`Arc<dyn Clock>`).
pub trait Clock: Send + Sync {
    /// Epoch milliseconds.
    fn now_ms(&self) -> i64;
    /// Returns once `due_ms` has come (a virtual clock jumps there at once).
    fn wait_until(&self, due_ms: i64);
    /// Whether time only moves when `wait_until` moves it: a driver then jumps to the next timer
    /// instead of waiting for it.
    fn is_virtual(&self) -> bool {
        false
    }
}

/// The shared handle every runtime part takes.
pub type SharedClock = Arc<dyn Clock>;

pub fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub struct SystemClock;

impl SystemClock {
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock)
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        system_now_ms()
    }
    fn wait_until(&self, due_ms: i64) {
        let wait = due_ms - system_now_ms();
        if wait > 0 {
            std::thread::sleep(Duration::from_millis(wait as u64));
        }
    }
}

/// Starts at a given time and only moves when a timer is awaited (or `advance` is called): Wait
/// states, retry back-offs and Conductor WAIT durations take no real time (`--skip-waits`), while
/// the times in the history still add up.
pub struct VirtualClock {
    now: AtomicI64,
}

impl VirtualClock {
    pub fn new(start_ms: i64) -> Self {
        VirtualClock {
            now: AtomicI64::new(start_ms),
        }
    }

    pub fn shared(start_ms: i64) -> Arc<VirtualClock> {
        Arc::new(VirtualClock::new(start_ms))
    }

    /// Moves time forward by `ms` (tests).
    pub fn advance(&self, ms: i64) {
        self.now.fetch_add(ms.max(0), Ordering::Relaxed);
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::Relaxed)
    }
    fn wait_until(&self, due_ms: i64) {
        self.now.fetch_max(due_ms, Ordering::Relaxed);
    }
    fn is_virtual(&self) -> bool {
        true
    }
}
