//! The open connections, capped (`--max-connections`): each file descriptor counts against the
//! process's limit, and a client that opens connections and sends nothing (a slow-loris, a
//! leaky pool) must not starve everyone else. At the cap, the connection idle the longest (no
//! request in progress: between requests, or still sending its head) is closed to make room;
//! when every connection is answering a request, the new one is closed instead. Either way it
//! is said once per burst.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// How long a connection must have been idle to be closed for a new one: an answer just
/// handed to hyper is still being written.
const MIN_IDLE_MS: i64 = 200;

/// The registry of open connections.
pub struct Connections {
    max: usize,
    open: Mutex<BTreeMap<u64, Arc<Slot>>>,
    next: AtomicU64,
    /// Set when the cap was reported; cleared when the count falls well below it.
    reported: AtomicBool,
}

/// One connection: whether it is answering a request, since when, and how to close it.
pub struct Slot {
    busy: AtomicBool,
    since_ms: AtomicI64,
    close: Notify,
}

/// A place among the open connections, given up on drop.
pub struct Ticket {
    id: u64,
    pub slot: Arc<Slot>,
    connections: Arc<Connections>,
}

impl Connections {
    pub fn new(max: usize) -> Arc<Connections> {
        Arc::new(Connections {
            max: max.max(1),
            open: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(0),
            reported: AtomicBool::new(false),
        })
    }

    /// A place for a new connection accepted at `now_ms`, closing the longest-idle one at the
    /// cap; `None` when the cap is reached and every connection is answering a request.
    pub fn admit(self: &Arc<Self>, now_ms: i64) -> Option<Ticket> {
        let mut open = lock(&self.open);
        if open.len() >= self.max {
            self.report(open.len());
            let idlest = open
                .iter()
                .filter(|(_, s)| !s.busy.load(Ordering::Acquire))
                .map(|(id, s)| (s.since_ms.load(Ordering::Acquire), *id))
                .filter(|(since, _)| now_ms - since >= MIN_IDLE_MS)
                .min();
            let (_, id) = idlest?;
            if let Some(evicted) = open.remove(&id) {
                evicted.close.notify_one();
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot {
            busy: AtomicBool::new(false),
            since_ms: AtomicI64::new(now_ms),
            close: Notify::new(),
        });
        open.insert(id, slot.clone());
        Some(Ticket {
            id,
            slot,
            connections: self.clone(),
        })
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        lock(&self.open).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn report(&self, count: usize) {
        if !self.reported.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "{count} connections open, the most --max-connections allows ({}); closing the longest-idle ones to answer new clients (raise --max-connections and `ulimit -n` if this is real load)",
                self.max
            );
        }
    }
}

impl Slot {
    /// A request began (`true`) or was answered (`false`) at `now_ms`.
    pub fn set_busy(&self, busy: bool, now_ms: i64) {
        self.since_ms.store(now_ms, Ordering::Release);
        self.busy.store(busy, Ordering::Release);
    }

    /// Resolves when the registry closed this connection to make room.
    pub async fn closed(&self) {
        self.close.notified().await
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = lock(&self.connections.open);
        open.remove(&self.id);
        if open.len() < self.connections.max * 9 / 10 {
            self.connections.reported.store(false, Ordering::Relaxed);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_longest_idle_makes_room() {
        let c = Connections::new(2);
        let a = c.admit(0).unwrap();
        let b = c.admit(100).unwrap();
        // Both too freshly idle to close.
        assert!(c.admit(150).is_none());
        let d = c.admit(1000).unwrap();
        assert_eq!(c.len(), 2);
        // `a` was closed: the notification waits for its connection task.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let wait = std::time::Duration::from_millis(100);
        let closed = |t: &Ticket| {
            rt.block_on(async { tokio::time::timeout(wait, t.slot.closed()).await.is_ok() })
        };
        assert!(closed(&a));
        assert!(!closed(&b));
        b.slot.set_busy(true, 1000);
        d.slot.set_busy(true, 1000);
        assert!(c.admit(5000).is_none(), "every connection is answering");
        b.slot.set_busy(false, 5000);
        let e = c.admit(6000).unwrap();
        assert!(closed(&b), "b went idle: it made room");
        assert!(!closed(&d), "d is answering");
        drop((a, b, e));
        assert_eq!(c.len(), 1, "d is still open");
        drop(d);
        assert!(c.is_empty());
    }
}
