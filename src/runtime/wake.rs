//! Waking the drive loop: whoever commits work (a step that left effects or timers, a callback,
//! a message on the embedded queue) calls `notify`; the loop sleeps in `wait` until then or
//! until its next deadline, whichever comes first. A notification that comes while the loop is
//! busy is not lost: `wait` returns at once if anything was notified since the loop last woke.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct Wake {
    notified: Mutex<bool>,
    cv: Condvar,
}

impl Wake {
    pub fn shared() -> Arc<Wake> {
        Arc::new(Wake::default())
    }

    /// There is new work: the waiting loop looks again.
    pub fn notify(&self) {
        *self.lock() = true;
        self.cv.notify_all();
    }

    /// Sleeps until notified (or notified since the last wait) or `timeout` has passed
    /// (`None`: until notified). Returns whether it was notified.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        let mut notified = self.lock();
        if !*notified {
            notified = match timeout {
                Some(t) => {
                    self.cv
                        .wait_timeout(notified, t)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => self.cv.wait(notified).unwrap_or_else(|e| e.into_inner()),
            };
        }
        std::mem::take(&mut *notified)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, bool> {
        self.notified.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_before_the_wait_is_kept_and_taken_once() {
        let w = Wake::default();
        w.notify();
        assert!(w.wait(Some(Duration::from_secs(5))), "kept");
        assert!(!w.wait(Some(Duration::from_millis(1))), "taken");
    }

    #[test]
    fn another_thread_wakes_the_waiter() {
        let w = Wake::shared();
        let other = w.clone();
        let t = std::thread::spawn(move || other.wait(None));
        // Most likely lets the waiter block first (nothing shows that it has; a notification
        // before the wait is kept, so the test holds either way).
        std::thread::sleep(Duration::from_millis(20));
        w.notify();
        assert!(t.join().expect("the waiter ends"));
    }
}
