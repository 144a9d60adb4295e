//! The embedded queue in `SqliteStore`: tables `queues`, `messages` and
//! `message_deduplication` (migration 2).
//!
//! Every write is one `BEGIN IMMEDIATE` transaction, so receivers in any number of processes
//! never take the same message. A receive selects the candidates' sequences with one statement
//! and then updates each one; `postgres/queue.rs` makes the same statements safe for several
//! nodes (`FOR UPDATE SKIP LOCKED`, and a FIFO receive first locks its `queues` row `FOR NO KEY
//! UPDATE`, since skipping locked rows cannot see a group's messages being taken).

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{Fail, SqliteStore};
use crate::store::Result;
use crate::store::queue::{
    DEDUPLICATION_WINDOW_MS, MessageRecord, NewMessage, QueueCounts, QueueRecord, QueueStore,
    Settings, duplicate, receipt_handle, stored,
};

/// The columns `message_row` reads, in its order.
macro_rules! message_columns {
    () => {
        "queue, id, body, attributes, sent_ms, visible_at_ms, receive_count, first_receive_ms,
         receipt_handle, group_id, deduplication_id, sequence"
    };
}

fn message_row(r: &Row) -> rusqlite::Result<MessageRecord> {
    Ok(MessageRecord {
        queue: r.get(0)?,
        id: r.get(1)?,
        body: r.get(2)?,
        attributes: r.get(3)?,
        sent_ms: r.get(4)?,
        visible_at_ms: r.get(5)?,
        receive_count: r.get(6)?,
        first_receive_ms: r.get(7)?,
        receipt_handle: r.get(8)?,
        group_id: r.get(9)?,
        deduplication_id: r.get(10)?,
        sequence: r.get(11)?,
    })
}

fn queue_row(r: &Row) -> rusqlite::Result<QueueRecord> {
    Ok(QueueRecord {
        name: r.get(0)?,
        attributes: r.get(1)?,
        created_ms: r.get(2)?,
    })
}

/// The settings of a queue; `None` when it does not exist.
fn settings(conn: &rusqlite::Connection, queue: &str) -> rusqlite::Result<Option<Settings>> {
    let attributes: Option<String> = conn
        .prepare_cached("SELECT attributes FROM queues WHERE name = ?1")?
        .query_row([queue], |r| r.get(0))
        .optional()?;
    Ok(attributes.map(|a| Settings::of(&a)))
}

/// The visible messages that waited longest, then by send order: the index's own order.
const STANDARD_CANDIDATES: &str = "SELECT sequence FROM messages
     WHERE queue = ?1 AND visible_at_ms <= ?2
     ORDER BY visible_at_ms, sequence LIMIT ?3";

/// In send order, leaving out a group while one of its messages is in flight, and from its first
/// message not yet visible on.
const FIFO_CANDIDATES: &str = "SELECT m.sequence FROM messages m
     WHERE m.queue = ?1 AND m.visible_at_ms <= ?2
       AND NOT EXISTS (
           SELECT 1 FROM messages o
           WHERE o.queue = ?1 AND o.group_id = m.group_id AND o.visible_at_ms > ?2
             AND (o.receipt_handle IS NOT NULL OR o.sequence < m.sequence))
     ORDER BY m.sequence LIMIT ?3";

fn receive(
    tx: &Transaction,
    queue: &str,
    max: usize,
    visibility_ms: i64,
    now_ms: i64,
) -> std::result::Result<Vec<MessageRecord>, Fail> {
    let Some(settings) = settings(tx, queue)? else {
        return Ok(Vec::new());
    };
    tx.prepare_cached("DELETE FROM messages WHERE queue = ?1 AND sent_ms <= ?2")?
        .execute(params![queue, settings.expired_up_to(now_ms)])?;
    let sql = if settings.fifo {
        FIFO_CANDIDATES
    } else {
        STANDARD_CANDIDATES
    };
    let limit = i64::try_from(max).unwrap_or(i64::MAX);
    let chosen: Vec<i64> = tx
        .prepare_cached(sql)?
        .query_map(params![queue, now_ms, limit], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut take = tx.prepare_cached(concat!(
        "UPDATE messages SET visible_at_ms = ?2, receive_count = receive_count + 1,
                first_receive_ms = coalesce(first_receive_ms, ?3), receipt_handle = ?4
         WHERE sequence = ?1 RETURNING ",
        message_columns!()
    ))?;
    let until = now_ms.saturating_add(visibility_ms);
    let mut received = Vec::with_capacity(chosen.len());
    for sequence in chosen {
        let handle = receipt_handle().map_err(Fail::Store)?;
        let row = params![sequence, until, now_ms, handle];
        received.push(take.query_row(row, message_row)?);
    }
    Ok(received)
}

fn send(tx: &Transaction, m: &NewMessage) -> std::result::Result<Option<MessageRecord>, Fail> {
    let Some(settings) = settings(tx, &m.queue)? else {
        return Ok(None);
    };
    let key = settings.deduplication(m);
    if let Some((scope, id)) = &key
        && let Some(original) = duplicate_of(tx, m, scope, id)?
    {
        return Ok(Some(original));
    }
    let deduplication_id = match &key {
        Some((_, id)) => Some(id.clone()),
        None => m.deduplication_id.clone(),
    };
    let sequence: i64 = tx
        .prepare_cached(
            "INSERT INTO messages (queue, id, body, attributes, sent_ms, visible_at_ms, group_id,
                                   deduplication_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING sequence",
        )?
        .query_row(
            params![
                m.queue,
                m.id,
                m.body,
                m.attributes,
                m.sent_ms,
                m.visible_at_ms,
                m.group_id,
                deduplication_id
            ],
            |r| r.get(0),
        )?;
    if let Some((scope, id)) = &key {
        tx.prepare_cached(
            "INSERT INTO message_deduplication
                 (queue, scope, deduplication_id, message_id, sequence, sent_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (queue, scope, deduplication_id) DO UPDATE SET
                 message_id = excluded.message_id, sequence = excluded.sequence,
                 sent_ms = excluded.sent_ms",
        )?
        .execute(params![m.queue, scope, id, m.id, sequence, m.sent_ms])?;
    }
    Ok(Some(stored(m, deduplication_id, sequence)))
}

/// The message first sent to `m.queue` under `(scope, id)` within the deduplication window,
/// after forgetting the ids that left it.
fn duplicate_of(
    tx: &Transaction,
    m: &NewMessage,
    scope: &str,
    id: &str,
) -> rusqlite::Result<Option<MessageRecord>> {
    let window_start = m.sent_ms.saturating_sub(DEDUPLICATION_WINDOW_MS);
    tx.prepare_cached("DELETE FROM message_deduplication WHERE queue = ?1 AND sent_ms <= ?2")?
        .execute(params![m.queue, window_start])?;
    let sent: Option<(String, i64, i64)> = tx
        .prepare_cached(
            "SELECT message_id, sequence, sent_ms FROM message_deduplication
             WHERE queue = ?1 AND scope = ?2 AND deduplication_id = ?3",
        )?
        .query_row(params![m.queue, scope, id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((message_id, sequence, sent_ms)) = sent else {
        return Ok(None);
    };
    let kept = tx
        .prepare_cached(concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE sequence = ?1 AND queue = ?2"
        ))?
        .query_row(params![sequence, m.queue], message_row)
        .optional()?;
    Ok(Some(kept.unwrap_or_else(|| {
        duplicate(m, message_id, sequence, sent_ms, id.to_owned())
    })))
}

fn move_message(
    tx: &Transaction,
    queue: &str,
    id: &str,
    to_queue: &str,
    now_ms: i64,
) -> rusqlite::Result<bool> {
    if settings(tx, to_queue)?.is_none() {
        return Ok(false);
    }
    let sequence: Option<i64> = tx
        .prepare_cached(
            "SELECT sequence FROM messages WHERE queue = ?1 AND id = ?2 ORDER BY sequence LIMIT 1",
        )?
        .query_row([queue, id], |r| r.get(0))
        .optional()?;
    let Some(sequence) = sequence else {
        return Ok(false);
    };
    // A new row, so the message takes a new sequence behind the target's messages.
    tx.prepare_cached(
        "INSERT INTO messages (queue, id, body, attributes, sent_ms, visible_at_ms, receive_count,
                               first_receive_ms, receipt_handle, group_id, deduplication_id)
         SELECT ?2, id, body, attributes, sent_ms, ?3, receive_count, first_receive_ms, NULL,
                group_id, deduplication_id
         FROM messages WHERE sequence = ?1",
    )?
    .execute(params![sequence, to_queue, now_ms])?;
    tx.prepare_cached("DELETE FROM messages WHERE sequence = ?1")?
        .execute([sequence])?;
    Ok(true)
}

impl QueueStore for SqliteStore {
    fn create_queue(&self, name: &str, attributes: &str, now_ms: i64) -> Result<QueueRecord> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO queues (name, attributes, created_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO NOTHING",
            )?
            .execute(params![name, attributes, now_ms])?;
            let record = tx
                .prepare_cached("SELECT name, attributes, created_ms FROM queues WHERE name = ?1")?
                .query_row([name], queue_row)?;
            Ok(record)
        })
    }

    fn queue(&self, name: &str) -> Result<Option<QueueRecord>> {
        self.read(|conn| {
            conn.prepare_cached("SELECT name, attributes, created_ms FROM queues WHERE name = ?1")?
                .query_row([name], queue_row)
                .optional()
        })
    }

    fn list_queues(&self, prefix: &str) -> Result<Vec<QueueRecord>> {
        // Names with the prefix follow it in byte order (no LIKE: `_` is a queue name character).
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT name, attributes, created_ms FROM queues WHERE name >= ?1 ORDER BY name",
            )?;
            let rows = stmt.query_map([prefix], queue_row)?;
            let mut found = Vec::new();
            for q in rows {
                let q = q?;
                if !q.name.starts_with(prefix) {
                    break;
                }
                found.push(q);
            }
            Ok(found)
        })
    }

    fn delete_queue(&self, name: &str) -> Result<bool> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM messages WHERE queue = ?1")?
                .execute([name])?;
            tx.prepare_cached("DELETE FROM message_deduplication WHERE queue = ?1")?
                .execute([name])?;
            let deleted = tx
                .prepare_cached("DELETE FROM queues WHERE name = ?1")?
                .execute([name])?;
            Ok(deleted > 0)
        })
    }

    fn set_queue_attributes(&self, name: &str, attributes: &str) -> Result<bool> {
        self.write(|tx| {
            let changed = tx
                .prepare_cached("UPDATE queues SET attributes = ?2 WHERE name = ?1")?
                .execute([name, attributes])?;
            Ok(changed > 0)
        })
    }

    fn send_message(&self, message: &NewMessage) -> Result<Option<MessageRecord>> {
        self.write(|tx| send(tx, message))
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
        self.write(|tx| receive(tx, queue, max, visibility_ms, now_ms))
    }

    fn delete_message(&self, queue: &str, receipt_handle: &str) -> Result<bool> {
        self.write(|tx| {
            let deleted = tx
                .prepare_cached("DELETE FROM messages WHERE receipt_handle = ?2 AND queue = ?1")?
                .execute([queue, receipt_handle])?;
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
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE messages SET visible_at_ms = ?3 WHERE receipt_handle = ?2 AND queue = ?1",
                )?
                .execute(params![queue, receipt_handle, until])?;
            Ok(changed > 0)
        })
    }

    fn move_message(&self, queue: &str, id: &str, to_queue: &str, now_ms: i64) -> Result<bool> {
        self.write(|tx| Ok(move_message(tx, queue, id, to_queue, now_ms)?))
    }

    fn purge_queue(&self, name: &str) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM messages WHERE queue = ?1")?
                .execute([name])?;
            Ok(())
        })
    }

    fn queue_counts(&self, name: &str, now_ms: i64) -> Result<QueueCounts> {
        self.read(|conn| {
            let Some(settings) = settings(conn, name)? else {
                return Ok(QueueCounts::default());
            };
            conn.prepare_cached(
                "SELECT coalesce(sum(CASE WHEN visible_at_ms <= ?2 THEN 1 ELSE 0 END), 0),
                        coalesce(sum(CASE WHEN visible_at_ms > ?2 AND receipt_handle IS NOT NULL
                                          THEN 1 ELSE 0 END), 0),
                        coalesce(sum(CASE WHEN visible_at_ms > ?2 AND receipt_handle IS NULL
                                          THEN 1 ELSE 0 END), 0)
                 FROM messages WHERE queue = ?1 AND sent_ms > ?3",
            )?
            .query_row(params![name, now_ms, settings.expired_up_to(now_ms)], |r| {
                Ok(QueueCounts {
                    visible: r.get(0)?,
                    in_flight: r.get(1)?,
                    delayed: r.get(2)?,
                })
            })
        })
    }

    fn peek_messages(&self, name: &str, limit: usize, now_ms: i64) -> Result<Vec<MessageRecord>> {
        self.read(|conn| {
            let Some(settings) = settings(conn, name)? else {
                return Ok(Vec::new());
            };
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = conn
                .prepare_cached(concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages WHERE queue = ?1 AND sent_ms > ?2 ORDER BY sequence LIMIT ?3"
                ))?
                .query_map(
                    params![name, settings.expired_up_to(now_ms), limit],
                    message_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Barrier};

    use rusqlite::Connection;

    use super::super::migrations::MIGRATIONS;
    use super::super::tests::TempDir;
    use super::*;
    use crate::store::{Outbox, contract};

    #[test]
    fn concurrent_receivers_on_one_file_never_share_a_message() {
        let dir = TempDir::new();
        let stores = [0, 1].map(|_| Arc::new(SqliteStore::open(&dir.db()).unwrap()));
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
            let mut handles = std::collections::HashSet::new();
            for r in receivers {
                for m in r.join().unwrap() {
                    *seen.entry(m.id.clone()).or_default() += 1;
                    assert!(handles.insert(m.receipt_handle.unwrap()));
                    assert_eq!(m.receive_count, 1, "{queue}: {} received twice", m.id);
                }
            }
            // A FIFO receive stops at groups in flight: one pass takes one batch per group.
            if queue == "q" {
                assert_eq!(seen.len(), 200, "{queue}: every message received");
            }
            assert!(seen.values().all(|n| *n == 1), "{queue}: {seen:?}");
            let left = stores[0].queue_counts(queue, 1_000).unwrap();
            assert_eq!(left.in_flight, seen.len() as u64);
        }
    }

    #[test]
    fn a_schema_1_file_gains_the_later_tables() {
        let dir = TempDir::new();
        std::fs::create_dir_all(dir.db().parent().unwrap()).unwrap();
        let old = Connection::open(dir.db()).unwrap();
        old.execute_batch(MIGRATIONS[0].sql).unwrap();
        old.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, 'executions, history, tokens, timers, outbox');",
        )
        .unwrap();
        old.execute(
            "INSERT INTO outbox (execution_arn, payload) VALUES ('x', 'kept')",
            [],
        )
        .unwrap();
        drop(old);
        let s = SqliteStore::open(&dir.db()).unwrap();
        let applied: Vec<i64> = s
            .read(|c| {
                let mut stmt =
                    c.prepare("SELECT version FROM schema_migrations ORDER BY version")?;
                stmt.query_map([], |r| r.get(0))?.collect()
            })
            .unwrap();
        assert_eq!(applied, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        let kept = s
            .claim_outbox(0, 0, 10, "p1", crate::store::Scope::ALL)
            .unwrap();
        assert_eq!(kept[0].payload, "kept");
        assert_eq!(
            kept[0].decider,
            crate::store::Decider::Asl,
            "older entries are ASL's"
        );
        contract::queue_send_receive_delete(&s);
        contract::registry_delete(&s);
        contract::conductor_workflow_insert_read_update(&s);
    }

    /// The statements a receive runs use the indexes.
    #[test]
    fn receive_queries_use_their_indexes() {
        let s = SqliteStore::open_in_memory().unwrap();
        let plan = |sql: &str| -> String {
            s.read(|c| {
                let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = stmt.query_map(params!["q", 0, 10], |r| r.get::<_, String>(3))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap()
            .join("\n")
        };
        let standard = plan(STANDARD_CANDIDATES);
        assert!(
            standard.contains("messages_visible") && !standard.contains("TEMP B-TREE"),
            "{standard}"
        );
        let fifo = plan(FIFO_CANDIDATES);
        assert!(fifo.contains("messages_group"), "{fifo}");
    }
}
