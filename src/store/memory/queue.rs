//! The embedded queue in `MemoryStore`: messages per queue in send order, with an index from
//! receipt handle to message.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::MemoryStore;
use crate::store::Result;
use crate::store::queue::{
    DEDUPLICATION_WINDOW_MS, MessageRecord, NewMessage, QueueCounts, QueueRecord, QueueStore,
    Settings, duplicate, receipt_handle, stored,
};

#[derive(Default)]
pub(super) struct Queues {
    queues: BTreeMap<String, QueueRecord>,
    /// Messages per queue, by sequence.
    messages: HashMap<String, BTreeMap<i64, MessageRecord>>,
    /// Receipt handle → sequence of the message it was last issued for.
    handles: HashMap<String, i64>,
    /// `(queue, scope, deduplication id)` → the message first sent with it.
    sent: HashMap<(String, String, String), Sent>,
    /// Sequences are never reused, like SQLite's `AUTOINCREMENT`.
    last_sequence: i64,
}

struct Sent {
    id: String,
    sequence: i64,
    sent_ms: i64,
}

impl Queues {
    fn settings(&self, queue: &str) -> Option<Settings> {
        self.queues.get(queue).map(|q| Settings::of(&q.attributes))
    }

    fn next_sequence(&mut self) -> i64 {
        self.last_sequence += 1;
        self.last_sequence
    }

    /// Removes the messages of `queue` that `keep` rejects, with their receipt handles.
    fn remove_where(&mut self, queue: &str, keep: impl Fn(&MessageRecord) -> bool) {
        let Some(messages) = self.messages.get_mut(queue) else {
            return;
        };
        let handles = &mut self.handles;
        messages.retain(|_, m| {
            let kept = keep(m);
            if let (false, Some(h)) = (kept, &m.receipt_handle) {
                handles.remove(h);
            }
            kept
        });
    }

    /// The message a receipt handle was last issued for, if it is in `queue`.
    fn by_handle(&mut self, queue: &str, handle: &str) -> Option<&mut MessageRecord> {
        let sequence = self.handles.get(handle)?;
        self.messages.get_mut(queue)?.get_mut(sequence)
    }

    fn send(&mut self, m: &NewMessage) -> Option<MessageRecord> {
        let settings = self.settings(&m.queue)?;
        let key = settings
            .deduplication(m)
            .map(|(scope, id)| (m.queue.clone(), scope, id));
        if let Some(key) = &key {
            let window_start = m.sent_ms.saturating_sub(DEDUPLICATION_WINDOW_MS);
            self.sent.retain(|_, s| s.sent_ms > window_start);
            if let Some(original) = self.duplicate_of(key, m) {
                return Some(original);
            }
        }
        let sequence = self.next_sequence();
        let deduplication_id = match &key {
            Some((_, _, id)) => Some(id.clone()),
            None => m.deduplication_id.clone(),
        };
        let record = stored(m, deduplication_id, sequence);
        if let Some(key) = key {
            let (id, sent_ms) = (m.id.clone(), m.sent_ms);
            self.sent.insert(
                key,
                Sent {
                    id,
                    sequence,
                    sent_ms,
                },
            );
        }
        let messages = self.messages.entry(m.queue.clone()).or_default();
        messages.insert(sequence, record.clone());
        Some(record)
    }

    /// The message first sent under `key`, when that was within the deduplication window.
    fn duplicate_of(
        &self,
        key: &(String, String, String),
        m: &NewMessage,
    ) -> Option<MessageRecord> {
        let sent = self
            .sent
            .get(key)
            .filter(|s| s.sent_ms > m.sent_ms.saturating_sub(DEDUPLICATION_WINDOW_MS))?;
        let kept = self
            .messages
            .get(&m.queue)
            .and_then(|q| q.get(&sent.sequence));
        Some(match kept {
            Some(original) => original.clone(),
            None => duplicate(
                m,
                sent.id.clone(),
                sent.sequence,
                sent.sent_ms,
                key.2.clone(),
            ),
        })
    }

    fn receive(
        &mut self,
        queue: &str,
        max: usize,
        visibility_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<MessageRecord>> {
        let Some(settings) = self.settings(queue) else {
            return Ok(Vec::new());
        };
        let expired = settings.expired_up_to(now_ms);
        self.remove_where(queue, |m| m.sent_ms > expired);
        let Some(messages) = self.messages.get_mut(queue) else {
            return Ok(Vec::new());
        };
        let chosen = if settings.fifo {
            fifo_candidates(messages, max, now_ms)
        } else {
            standard_candidates(messages, max, now_ms)
        };
        let handles: Vec<String> = chosen
            .iter()
            .map(|_| receipt_handle())
            .collect::<Result<_>>()?;
        let until = now_ms.saturating_add(visibility_ms);
        let mut received = Vec::with_capacity(chosen.len());
        for (sequence, handle) in chosen.into_iter().zip(handles) {
            let Some(m) = messages.get_mut(&sequence) else {
                continue;
            };
            if let Some(old) = m.receipt_handle.replace(handle.clone()) {
                self.handles.remove(&old);
            }
            self.handles.insert(handle, sequence);
            m.visible_at_ms = until;
            m.receive_count = m.receive_count.saturating_add(1);
            m.first_receive_ms.get_or_insert(now_ms);
            received.push(m.clone());
        }
        Ok(received)
    }

    fn move_message(&mut self, queue: &str, id: &str, to_queue: &str, now_ms: i64) -> bool {
        if !self.queues.contains_key(to_queue) {
            return false;
        }
        let Some(messages) = self.messages.get_mut(queue) else {
            return false;
        };
        let Some(sequence) = messages.values().find(|m| m.id == id).map(|m| m.sequence) else {
            return false;
        };
        let Some(mut m) = messages.remove(&sequence) else {
            return false;
        };
        if let Some(h) = m.receipt_handle.take() {
            self.handles.remove(&h);
        }
        let sequence = self.next_sequence();
        m.queue = to_queue.to_owned();
        m.visible_at_ms = now_ms;
        m.sequence = sequence;
        let target = self.messages.entry(to_queue.to_owned()).or_default();
        target.insert(sequence, m);
        true
    }

    fn peek(&self, queue: &str, limit: usize, now_ms: i64) -> Vec<MessageRecord> {
        let (Some(settings), Some(messages)) = (self.settings(queue), self.messages.get(queue))
        else {
            return Vec::new();
        };
        let expired = settings.expired_up_to(now_ms);
        messages
            .values()
            .filter(|m| m.sent_ms > expired)
            .take(limit)
            .cloned()
            .collect()
    }

    fn counts(&self, queue: &str, now_ms: i64) -> QueueCounts {
        let (Some(settings), Some(messages)) = (self.settings(queue), self.messages.get(queue))
        else {
            return QueueCounts::default();
        };
        let expired = settings.expired_up_to(now_ms);
        let mut counts = QueueCounts::default();
        for m in messages.values().filter(|m| m.sent_ms > expired) {
            match (m.visible_at_ms <= now_ms, m.receipt_handle.is_some()) {
                (true, _) => counts.visible += 1,
                (false, true) => counts.in_flight += 1,
                (false, false) => counts.delayed += 1,
            }
        }
        counts
    }
}

/// The visible messages that waited longest, then by send order.
fn standard_candidates(
    messages: &BTreeMap<i64, MessageRecord>,
    max: usize,
    now_ms: i64,
) -> Vec<i64> {
    let mut visible: Vec<(i64, i64)> = messages
        .values()
        .filter(|m| m.visible_at_ms <= now_ms)
        .map(|m| (m.visible_at_ms, m.sequence))
        .collect();
    visible.sort_unstable();
    visible.into_iter().take(max).map(|(_, s)| s).collect()
}

/// In send order, skipping groups with a message in flight, and each group from its first
/// message not yet visible on.
fn fifo_candidates(messages: &BTreeMap<i64, MessageRecord>, max: usize, now_ms: i64) -> Vec<i64> {
    let in_flight = |m: &&MessageRecord| m.visible_at_ms > now_ms && m.receipt_handle.is_some();
    let mut blocked: HashSet<&str> = messages
        .values()
        .filter(in_flight)
        .filter_map(|m| m.group_id.as_deref())
        .collect();
    let mut chosen = Vec::new();
    for m in messages.values() {
        if chosen.len() >= max {
            break;
        }
        let group = m.group_id.as_deref();
        if group.is_some_and(|g| blocked.contains(g)) {
            continue;
        }
        if m.visible_at_ms <= now_ms {
            chosen.push(m.sequence);
        } else if let Some(g) = group {
            blocked.insert(g);
        }
    }
    chosen
}

impl QueueStore for MemoryStore {
    fn create_queue(&self, name: &str, attributes: &str, now_ms: i64) -> Result<QueueRecord> {
        let mut inner = self.lock();
        let record = inner
            .queues
            .queues
            .entry(name.to_owned())
            .or_insert_with(|| QueueRecord {
                name: name.to_owned(),
                attributes: attributes.to_owned(),
                created_ms: now_ms,
            });
        Ok(record.clone())
    }

    fn queue(&self, name: &str) -> Result<Option<QueueRecord>> {
        Ok(self.lock().queues.queues.get(name).cloned())
    }

    fn list_queues(&self, prefix: &str) -> Result<Vec<QueueRecord>> {
        let inner = self.lock();
        let from = inner.queues.queues.range(prefix.to_owned()..);
        let found = from.take_while(|(name, _)| name.starts_with(prefix));
        Ok(found.map(|(_, q)| q.clone()).collect())
    }

    fn delete_queue(&self, name: &str) -> Result<bool> {
        let mut inner = self.lock();
        let q = &mut inner.queues;
        q.remove_where(name, |_| false);
        q.messages.remove(name);
        q.sent.retain(|(queue, _, _), _| queue != name);
        Ok(q.queues.remove(name).is_some())
    }

    fn set_queue_attributes(&self, name: &str, attributes: &str) -> Result<bool> {
        let mut inner = self.lock();
        let Some(q) = inner.queues.queues.get_mut(name) else {
            return Ok(false);
        };
        q.attributes = attributes.to_owned();
        Ok(true)
    }

    fn send_message(&self, message: &NewMessage) -> Result<Option<MessageRecord>> {
        Ok(self.lock().queues.send(message))
    }

    fn receive_messages(
        &self,
        queue: &str,
        max: usize,
        visibility_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<MessageRecord>> {
        self.lock()
            .queues
            .receive(queue, max, visibility_ms, now_ms)
    }

    fn delete_message(&self, queue: &str, receipt_handle: &str) -> Result<bool> {
        let mut inner = self.lock();
        let q = &mut inner.queues;
        let Some(sequence) = q.by_handle(queue, receipt_handle).map(|m| m.sequence) else {
            return Ok(false);
        };
        q.handles.remove(receipt_handle);
        let messages = q.messages.get_mut(queue);
        Ok(messages.and_then(|m| m.remove(&sequence)).is_some())
    }

    fn change_visibility(
        &self,
        queue: &str,
        receipt_handle: &str,
        visibility_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let mut inner = self.lock();
        let Some(m) = inner.queues.by_handle(queue, receipt_handle) else {
            return Ok(false);
        };
        m.visible_at_ms = now_ms.saturating_add(visibility_ms);
        Ok(true)
    }

    fn move_message(&self, queue: &str, id: &str, to_queue: &str, now_ms: i64) -> Result<bool> {
        Ok(self.lock().queues.move_message(queue, id, to_queue, now_ms))
    }

    fn purge_queue(&self, name: &str) -> Result<()> {
        let mut inner = self.lock();
        inner.queues.remove_where(name, |_| false);
        Ok(())
    }

    fn queue_counts(&self, name: &str, now_ms: i64) -> Result<QueueCounts> {
        Ok(self.lock().queues.counts(name, now_ms))
    }

    fn peek_messages(&self, name: &str, limit: usize, now_ms: i64) -> Result<Vec<MessageRecord>> {
        Ok(self.lock().queues.peek(name, limit, now_ms))
    }
}
