//! The embedded queue in `PostgresStore`: tables `queues`, `messages` and
//! `message_deduplication`, with SQLite's semantics (`sqlite/queue.rs`).
//!
//! Where SQLite serializes every write with `BEGIN IMMEDIATE`, nodes here run concurrently: a
//! standard receive selects its candidates `FOR UPDATE SKIP LOCKED`, so two receivers never take
//! the same message nor wait for each other; a FIFO receive and a FIFO send first lock their
//! `queues` row (skipping locked rows cannot see a group's message being taken by a concurrent
//! receive, nor a deduplication id being stored by a concurrent send).

use tokio_postgres::Row;

use super::pool::Db;
use super::{Fail, PostgresStore, count, rows};
use crate::store::Result;
use crate::store::queue::{
    DEDUPLICATION_WINDOW_MS, MessageRecord, NewMessage, QueueCounts, QueueRecord, QueueStore,
    Settings, duplicate, receipt_handle, stored,
};

type Out<T> = std::result::Result<T, Fail>;

fn message_row(r: &Row) -> Out<MessageRecord> {
    Ok(MessageRecord {
        queue: r.try_get(0)?,
        id: r.try_get(1)?,
        body: r.try_get(2)?,
        attributes: r.try_get(3)?,
        sent_ms: r.try_get(4)?,
        visible_at_ms: r.try_get(5)?,
        receive_count: r.try_get(6)?,
        first_receive_ms: r.try_get(7)?,
        receipt_handle: r.try_get(8)?,
        group_id: r.try_get(9)?,
        deduplication_id: r.try_get(10)?,
        sequence: r.try_get(11)?,
    })
}

fn queue_row(r: &Row) -> Out<QueueRecord> {
    Ok(QueueRecord {
        name: r.try_get(0)?,
        attributes: r.try_get(1)?,
        created_ms: r.try_get(2)?,
    })
}

/// The settings of a queue; `None` when it does not exist. With `lock`, the queue's row stays
/// locked until the transaction ends.
async fn settings(db: &Db, queue: &str, lock: bool) -> Out<Option<Settings>> {
    let sql = if lock {
        "SELECT attributes FROM queues WHERE name = $1 FOR UPDATE"
    } else {
        "SELECT attributes FROM queues WHERE name = $1"
    };
    let found = db.query_opt(sql, &[&queue]).await?;
    Ok(match found {
        Some(r) => Some(Settings::of(&r.try_get::<_, String>(0)?)),
        None => None,
    })
}

/// The visible messages that waited longest, then by send order, skipping any another receive
/// holds.
const STANDARD_CANDIDATES: &str = "SELECT sequence FROM messages
     WHERE queue = $1 AND visible_at_ms <= $2
     ORDER BY visible_at_ms, sequence LIMIT $3 FOR UPDATE SKIP LOCKED";

/// In send order, leaving out a group while one of its messages is in flight, and from its first
/// message not yet visible on (the queue's row is locked: no other receive runs).
const FIFO_CANDIDATES: &str = "SELECT m.sequence FROM messages m
     WHERE m.queue = $1 AND m.visible_at_ms <= $2
       AND NOT EXISTS (
           SELECT 1 FROM messages o
           WHERE o.queue = $1 AND o.group_id = m.group_id AND o.visible_at_ms > $2
             AND (o.receipt_handle IS NOT NULL OR o.sequence < m.sequence))
     ORDER BY m.sequence LIMIT $3";

async fn receive(
    db: &Db,
    queue: &str,
    max: usize,
    visibility_ms: i64,
    now_ms: i64,
) -> Out<Vec<MessageRecord>> {
    let Some(peek) = settings(db, queue, false).await? else {
        return Ok(Vec::new());
    };
    let settings = if peek.fifo {
        match settings(db, queue, true).await? {
            Some(s) => s,
            None => return Ok(Vec::new()),
        }
    } else {
        peek
    };
    db.execute(
        "DELETE FROM messages WHERE queue = $1 AND sent_ms <= $2",
        &[&queue, &settings.expired_up_to(now_ms)],
    )
    .await?;
    let sql = if settings.fifo {
        FIFO_CANDIDATES
    } else {
        STANDARD_CANDIDATES
    };
    let chosen: Vec<i64> = rows(db.query(sql, &[&queue, &now_ms, &count(max)]).await?, |r| {
        Ok(r.try_get(0)?)
    })?;
    let until = now_ms.saturating_add(visibility_ms);
    let mut received = Vec::with_capacity(chosen.len());
    for sequence in chosen {
        let handle = receipt_handle().map_err(Fail::Store)?;
        let row = db
            .query_one(
                "UPDATE messages SET visible_at_ms = $2, receive_count = receive_count + 1,
                        first_receive_ms = coalesce(first_receive_ms, $3), receipt_handle = $4
                 WHERE sequence = $1
                 RETURNING queue, id, body, attributes, sent_ms, visible_at_ms, receive_count,
                           first_receive_ms, receipt_handle, group_id, deduplication_id, sequence",
                &[&sequence, &until, &now_ms, &handle],
            )
            .await?;
        received.push(message_row(&row)?);
    }
    Ok(received)
}

async fn send(db: &Db, m: &NewMessage) -> Out<Option<MessageRecord>> {
    let Some(peek) = settings(db, &m.queue, false).await? else {
        return Ok(None);
    };
    let settings = if peek.fifo {
        match settings(db, &m.queue, true).await? {
            Some(s) => s,
            None => return Ok(None),
        }
    } else {
        peek
    };
    let key = settings.deduplication(m);
    if let Some((scope, id)) = &key
        && let Some(original) = duplicate_of(db, m, scope, id).await?
    {
        return Ok(Some(original));
    }
    let deduplication_id = match &key {
        Some((_, id)) => Some(id.clone()),
        None => m.deduplication_id.clone(),
    };
    let sequence: i64 = db
        .query_one(
            "INSERT INTO messages (queue, id, body, attributes, sent_ms, visible_at_ms, group_id,
                                   deduplication_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING sequence",
            &[
                &m.queue,
                &m.id,
                &m.body,
                &m.attributes,
                &m.sent_ms,
                &m.visible_at_ms,
                &m.group_id,
                &deduplication_id,
            ],
        )
        .await?
        .try_get(0)?;
    if let Some((scope, id)) = &key {
        db.execute(
            "INSERT INTO message_deduplication
                 (queue, scope, deduplication_id, message_id, sequence, sent_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (queue, scope, deduplication_id) DO UPDATE SET
                 message_id = excluded.message_id, sequence = excluded.sequence,
                 sent_ms = excluded.sent_ms",
            &[&m.queue, scope, id, &m.id, &sequence, &m.sent_ms],
        )
        .await?;
    }
    Ok(Some(stored(m, deduplication_id, sequence)))
}

/// The message first sent to `m.queue` under `(scope, id)` within the deduplication window,
/// after forgetting the ids that left it.
async fn duplicate_of(
    db: &Db,
    m: &NewMessage,
    scope: &str,
    id: &str,
) -> Out<Option<MessageRecord>> {
    let window_start = m.sent_ms.saturating_sub(DEDUPLICATION_WINDOW_MS);
    db.execute(
        "DELETE FROM message_deduplication WHERE queue = $1 AND sent_ms <= $2",
        &[&m.queue, &window_start],
    )
    .await?;
    let sent = db
        .query_opt(
            "SELECT message_id, sequence, sent_ms FROM message_deduplication
             WHERE queue = $1 AND scope = $2 AND deduplication_id = $3",
            &[&m.queue, &scope, &id],
        )
        .await?;
    let Some(sent) = sent else {
        return Ok(None);
    };
    let (message_id, sequence, sent_ms): (String, i64, i64) =
        (sent.try_get(0)?, sent.try_get(1)?, sent.try_get(2)?);
    let kept = db
        .query_opt(
            "SELECT queue, id, body, attributes, sent_ms, visible_at_ms, receive_count,
                    first_receive_ms, receipt_handle, group_id, deduplication_id, sequence
             FROM messages WHERE sequence = $1 AND queue = $2",
            &[&sequence, &m.queue],
        )
        .await?;
    Ok(Some(match kept {
        Some(r) => message_row(&r)?,
        None => duplicate(m, message_id, sequence, sent_ms, id.to_owned()),
    }))
}

async fn move_message(db: &Db, queue: &str, id: &str, to_queue: &str, now_ms: i64) -> Out<bool> {
    if settings(db, to_queue, false).await?.is_none() {
        return Ok(false);
    }
    let found = db
        .query_opt(
            "SELECT sequence FROM messages WHERE queue = $1 AND id = $2
             ORDER BY sequence LIMIT 1 FOR UPDATE",
            &[&queue, &id],
        )
        .await?;
    let Some(found) = found else {
        return Ok(false);
    };
    let sequence: i64 = found.try_get(0)?;
    // A new row, so the message takes a new sequence behind the target's messages.
    db.execute(
        "INSERT INTO messages (queue, id, body, attributes, sent_ms, visible_at_ms, receive_count,
                               first_receive_ms, receipt_handle, group_id, deduplication_id)
         SELECT $2, id, body, attributes, sent_ms, $3, receive_count, first_receive_ms, NULL,
                group_id, deduplication_id
         FROM messages WHERE sequence = $1",
        &[&sequence, &to_queue, &now_ms],
    )
    .await?;
    db.execute("DELETE FROM messages WHERE sequence = $1", &[&sequence])
        .await?;
    Ok(true)
}

impl QueueStore for PostgresStore {
    fn create_queue(&self, name: &str, attributes: &str, now_ms: i64) -> Result<QueueRecord> {
        self.read(async |db| {
            // `DO UPDATE` with no change, so `RETURNING` gives the stored row either way.
            let row = db
                .query_one(
                    "INSERT INTO queues (name, attributes, created_ms) VALUES ($1, $2, $3)
                     ON CONFLICT (name) DO UPDATE SET name = queues.name
                     RETURNING name, attributes, created_ms",
                    &[&name, &attributes, &now_ms],
                )
                .await?;
            queue_row(&row)
        })
    }

    fn queue(&self, name: &str) -> Result<Option<QueueRecord>> {
        self.read(async |db| {
            db.query_opt(
                "SELECT name, attributes, created_ms FROM queues WHERE name = $1",
                &[&name],
            )
            .await?
            .as_ref()
            .map(queue_row)
            .transpose()
        })
    }

    fn list_queues(&self, prefix: &str) -> Result<Vec<QueueRecord>> {
        // Names with the prefix, compared as bytes (no LIKE: `_` is a queue name character).
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT name, attributes, created_ms FROM queues
                     WHERE left(name, length($1)) = $1 ORDER BY name COLLATE \"C\"",
                    &[&prefix],
                )
                .await?;
            rows(found, queue_row)
        })
    }

    fn delete_queue(&self, name: &str) -> Result<bool> {
        self.write(async |db| {
            db.execute("DELETE FROM messages WHERE queue = $1", &[&name])
                .await?;
            db.execute(
                "DELETE FROM message_deduplication WHERE queue = $1",
                &[&name],
            )
            .await?;
            let deleted = db
                .execute("DELETE FROM queues WHERE name = $1", &[&name])
                .await?;
            Ok(deleted > 0)
        })
    }

    fn set_queue_attributes(&self, name: &str, attributes: &str) -> Result<bool> {
        self.read(async |db| {
            let changed = db
                .execute(
                    "UPDATE queues SET attributes = $2 WHERE name = $1",
                    &[&name, &attributes],
                )
                .await?;
            Ok(changed > 0)
        })
    }

    fn send_message(&self, message: &NewMessage) -> Result<Option<MessageRecord>> {
        // A write transaction: its commit wakes long polls on every node.
        self.write(async |db| send(db, message).await)
    }

    fn receive_messages(
        &self,
        queue: &str,
        max: usize,
        visibility_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<MessageRecord>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        self.quiet_write(async |db| receive(db, queue, max, visibility_ms, now_ms).await)
    }

    fn delete_message(&self, queue: &str, receipt_handle: &str) -> Result<bool> {
        self.read(async |db| {
            let deleted = db
                .execute(
                    "DELETE FROM messages WHERE receipt_handle = $2 AND queue = $1",
                    &[&queue, &receipt_handle],
                )
                .await?;
            Ok(deleted > 0)
        })
    }

    fn change_visibility(
        &self,
        queue: &str,
        receipt_handle: &str,
        visibility_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let until = now_ms.saturating_add(visibility_ms);
        // A write transaction: a message made visible again wakes long polls on every node.
        self.write(async |db| {
            let changed = db
                .execute(
                    "UPDATE messages SET visible_at_ms = $3
                     WHERE receipt_handle = $2 AND queue = $1",
                    &[&queue, &receipt_handle, &until],
                )
                .await?;
            Ok(changed > 0)
        })
    }

    fn move_message(&self, queue: &str, id: &str, to_queue: &str, now_ms: i64) -> Result<bool> {
        self.write(async |db| move_message(db, queue, id, to_queue, now_ms).await)
    }

    fn purge_queue(&self, name: &str) -> Result<()> {
        self.read(async |db| {
            db.execute("DELETE FROM messages WHERE queue = $1", &[&name])
                .await?;
            Ok(())
        })
    }

    fn queue_counts(&self, name: &str, now_ms: i64) -> Result<QueueCounts> {
        self.read(async |db| {
            let Some(settings) = settings(db, name, false).await? else {
                return Ok(QueueCounts::default());
            };
            let r = db
                .query_one(
                    "SELECT count(*) FILTER (WHERE visible_at_ms <= $2),
                            count(*) FILTER (WHERE visible_at_ms > $2
                                               AND receipt_handle IS NOT NULL),
                            count(*) FILTER (WHERE visible_at_ms > $2 AND receipt_handle IS NULL)
                     FROM messages WHERE queue = $1 AND sent_ms > $3",
                    &[&name, &now_ms, &settings.expired_up_to(now_ms)],
                )
                .await?;
            let n = |i: usize| -> Out<u64> { Ok(r.try_get::<_, i64>(i)?.max(0) as u64) };
            Ok(QueueCounts {
                visible: n(0)?,
                in_flight: n(1)?,
                delayed: n(2)?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, Barrier};

    use super::super::tests::TempSchema;
    use super::*;

    /// Receivers on four connections at once never take the same message, on a standard and a
    /// FIFO queue.
    #[test]
    fn concurrent_receivers_never_share_a_message() {
        let schema = TempSchema::new();
        let stores = [0, 1].map(|_| Arc::new(schema.open()));
        for queue in ["q", "q.fifo"] {
            let attributes = if queue == "q" {
                "{}"
            } else {
                r#"{"FifoQueue":"true"}"#
            };
            stores[0].create_queue(queue, attributes, 0).unwrap();
            for i in 0..200 {
                let m = NewMessage {
                    queue: queue.into(),
                    id: format!("m{i}"),
                    body: "b".into(),
                    attributes: "{}".into(),
                    visible_at_ms: i,
                    sent_ms: i,
                    group_id: (queue == "q.fifo").then(|| format!("g{}", i % 20)),
                    deduplication_id: None,
                };
                stores[1].send_message(&m).unwrap().unwrap();
            }
            let barrier = Arc::new(Barrier::new(4));
            let receivers: Vec<_> = (0..4)
                .map(|t| {
                    let (store, barrier) = (stores[t % 2].clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        let mut got = Vec::new();
                        loop {
                            let batch = store.receive_messages(queue, 3, 60_000, 1_000).unwrap();
                            if batch.is_empty() {
                                return got;
                            }
                            got.extend(batch);
                        }
                    })
                })
                .collect();
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut handles = HashSet::new();
            for r in receivers {
                for m in r.join().unwrap() {
                    *seen.entry(m.id.clone()).or_default() += 1;
                    assert!(handles.insert(m.receipt_handle.unwrap()));
                    assert_eq!(m.receive_count, 1, "{queue}: {} received twice", m.id);
                }
            }
            if queue == "q" {
                assert_eq!(seen.len(), 200, "{queue}: every message received");
            }
            assert!(seen.values().all(|n| *n == 1), "{queue}: {seen:?}");
            let left = stores[0].queue_counts(queue, 1_000).unwrap();
            assert_eq!(left.in_flight, seen.len() as u64);
        }
    }
}
