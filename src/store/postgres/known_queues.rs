//! The settings of queues a store read recently, so that the receives and sends of a standard
//! queue need not read them first: each is then one pipeline (a `GetActivityTask` or
//! `ReceiveMessage` one round trip). Safe to be stale: `FifoQueue` never changes on a queue (a
//! FIFO queue's name ends in `.fifo`), a deleted queue simply has no messages and takes no
//! sends (they check it in their own statement), and a changed `MessageRetentionPeriod` applies
//! on the nodes that did not change it within `FRESH_MS`.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::queue::Settings;

/// How long settings read from the database are used without reading them again.
const FRESH_MS: i64 = 1_000;
/// Queues remembered at most (then all are forgotten: they are read again when used).
const MAX_QUEUES: usize = 1_024;

#[derive(Default)]
pub(super) struct KnownQueues(Mutex<HashMap<String, (Settings, i64)>>);

impl KnownQueues {
    /// The queue's settings when read at most `FRESH_MS` before `now_ms`.
    pub(super) fn get(&self, queue: &str, now_ms: i64) -> Option<Settings> {
        let known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (settings, read_ms) = known.get(queue)?;
        (now_ms >= *read_ms && now_ms - read_ms <= FRESH_MS).then_some(*settings)
    }

    pub(super) fn put(&self, queue: &str, settings: Settings, now_ms: i64) {
        let mut known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= MAX_QUEUES && !known.contains_key(queue) {
            known.clear();
        }
        known.insert(queue.to_string(), (settings, now_ms));
    }

    /// This store changed or deleted the queue.
    pub(super) fn forget(&self, queue: &str) {
        let mut known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        known.remove(queue);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_used_while_fresh_and_forgotten_on_change() {
        let known = KnownQueues::default();
        let settings = Settings::of("{}");
        known.put("q", settings, 1_000);
        assert_eq!(known.get("q", 1_500), Some(settings));
        assert_eq!(known.get("q", 2_001), None, "read again after FRESH_MS");
        assert_eq!(
            known.get("q", 999),
            None,
            "a clock that went back reads again"
        );
        known.forget("q");
        assert_eq!(known.get("q", 1_000), None);
    }
}
