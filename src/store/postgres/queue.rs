//! The embedded queue in `PostgresStore`: SQLite's tables `queues`, `messages` and
//! `message_deduplication` and the same statements, made safe for many nodes at read committed.
//!
//! Unlike `sqlite/queue.rs`: a standard receive selects its candidates `FOR UPDATE SKIP LOCKED`;
//! a FIFO receive first locks its `queues` row (`FOR NO KEY UPDATE`), so the receives of one FIFO
//! queue take turns (skipping locked rows cannot see a group's messages being taken). A
//! deduplicated send claims its id through the primary key of `message_deduplication`: a second
//! send of the id waits for the first one's commit and then answers its message. Sends hold
//! their queue's row `FOR KEY SHARE`, so a queue being deleted gets no message after its
//! deletion. A receive commits without `pg_notify`: it makes nothing new to receive, and waking
//! the nodes would have every long poll receive again, and wake them again.

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::pool::{self, Db};
use super::{BEGIN, BEGIN_UNFLUSHED, Fail, PostgresStore, count, rows, watch};
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

fn message_row(r: &Row) -> std::result::Result<MessageRecord, Fail> {
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

fn queue_row(r: &Row) -> std::result::Result<QueueRecord, Fail> {
    Ok(QueueRecord {
        name: r.try_get(0)?,
        attributes: r.try_get(1)?,
        created_ms: r.try_get(2)?,
    })
}

const SETTINGS: &str = "SELECT attributes FROM queues WHERE name = $1";
/// For a write that adds messages: `delete_queue` waits for it, and it for `delete_queue`.
const SETTINGS_KEY_SHARE: &str = "SELECT attributes FROM queues WHERE name = $1 FOR KEY SHARE";

/// The settings of a queue (read with `sql`); `None` when it does not exist.
async fn settings(
    db: &Db,
    sql: &'static str,
    queue: &str,
) -> std::result::Result<Option<Settings>, Fail> {
    let Some(row) = db.query_opt(sql, &[&queue]).await? else {
        return Ok(None);
    };
    let attributes: String = row.try_get(0)?;
    Ok(Some(Settings::of(&attributes)))
}

/// In send order, leaving out a group while one of its messages is in flight, and from its first
/// message not yet visible on. Only one receive of the queue runs (it holds the queue's row);
/// the lock waits for a delete or visibility change of a candidate (never skips it: the group's
/// next message would jump ahead).
const FIFO_CANDIDATES: &str = "SELECT m.sequence FROM messages m
     WHERE m.queue = $1 AND m.visible_at_ms <= $2
       AND NOT EXISTS (
           SELECT 1 FROM messages o
           WHERE o.queue = $1 AND o.group_id = m.group_id AND o.visible_at_ms > $2
             AND (o.receipt_handle IS NOT NULL OR o.sequence < m.sequence))
     ORDER BY m.sequence LIMIT $3
     FOR UPDATE";

/// A standard receive in one statement: the visible messages that waited longest, then by send
/// order, leaving out those another receive is taking, each taken as `TAKE` takes them with the
/// handle at its position in `$4`; the last column is that position.
const STANDARD_TAKE: &str = concat!(
    "UPDATE messages m SET visible_at_ms = $5, receive_count = m.receive_count + 1,
            first_receive_ms = coalesce(m.first_receive_ms, $2),
            receipt_handle = ($4::text[])[c.n]
     FROM (SELECT sequence AS chosen, row_number() OVER (ORDER BY visible_at_ms, sequence) AS n
           FROM (SELECT sequence, visible_at_ms FROM messages
                 WHERE queue = $1 AND visible_at_ms <= $2
                 ORDER BY visible_at_ms, sequence LIMIT $3
                 FOR UPDATE SKIP LOCKED) s) c
     WHERE m.sequence = c.chosen
     RETURNING ",
    message_columns!(),
    ", c.n"
);

const DELETE_BY_HANDLE: &str = "DELETE FROM messages WHERE receipt_handle = $2 AND queue = $1";

const DELETE_EXPIRED: &str = "DELETE FROM messages WHERE queue = $1 AND sent_ms <= $2";

/// Takes the chosen messages (`$1`), each with its new handle (`$2`); the last column is the
/// position in the choice.
const TAKE: &str = concat!(
    "UPDATE messages m SET visible_at_ms = $3, receive_count = m.receive_count + 1,
            first_receive_ms = coalesce(m.first_receive_ms, $4), receipt_handle = c.handle
     FROM UNNEST($1::bigint[], $2::text[]) WITH ORDINALITY AS c(chosen, handle, n)
     WHERE m.sequence = c.chosen
     RETURNING ",
    message_columns!(),
    ", c.n"
);

/// The statements of a receive from a standard queue, which need no answer in between (one
/// pipeline): expired messages deleted, the take, and with `remove` (at most one message) the
/// taken message deleted. `STANDARD_TAKE`'s answer is the second.
fn standard_receive<R>(
    queue: &str,
    max: usize,
    visibility_ms: i64,
    now_ms: i64,
    settings: &Settings,
    remove: bool,
    run: impl FnOnce(&[(&'static str, pool::Params<'_>)]) -> Result<R>,
) -> Result<R> {
    let handles = (0..max)
        .map(|_| receipt_handle())
        .collect::<Result<Vec<String>>>()?;
    let (expired, limit) = (settings.expired_up_to(now_ms), count(max));
    let until = now_ms.saturating_add(visibility_ms);
    let expire: pool::Params<'_> = &[&queue, &expired];
    let take: pool::Params<'_> = &[&queue, &now_ms, &limit, &handles, &until];
    let first = handles.first().filter(|_| remove);
    let delete: Vec<&(dyn ToSql + Sync)> = match &first {
        Some(h) => vec![&queue, h],
        None => Vec::new(),
    };
    let mut statements = vec![(DELETE_EXPIRED, expire), (STANDARD_TAKE, take)];
    if first.is_some() {
        statements.push((DELETE_BY_HANDLE, &delete));
    }
    run(&statements)
}

/// The received messages in the order they were chosen (their position is the last column).
fn positioned(taken: Vec<Row>) -> std::result::Result<Vec<MessageRecord>, Fail> {
    let mut received = Vec::with_capacity(taken.len());
    for r in &taken {
        let position: i64 = r.try_get(12)?;
        received.push((position, message_row(r)?));
    }
    received.sort_by_key(|(position, _)| *position);
    Ok(received.into_iter().map(|(_, m)| m).collect())
}

async fn receive_fifo(
    db: &Db,
    queue: &str,
    max: usize,
    visibility_ms: i64,
    now_ms: i64,
    settings: &Settings,
) -> std::result::Result<Vec<MessageRecord>, Fail> {
    // Not `FOR UPDATE`: sends (`FOR KEY SHARE`) need not wait for receives.
    db.query(
        "SELECT 1 FROM queues WHERE name = $1 FOR NO KEY UPDATE",
        &[&queue],
    )
    .await?;
    db.execute(DELETE_EXPIRED, &[&queue, &settings.expired_up_to(now_ms)])
        .await?;
    let chosen: Vec<i64> = db
        .query(FIFO_CANDIDATES, &[&queue, &now_ms, &count(max)])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    let handles = chosen
        .iter()
        .map(|_| receipt_handle())
        .collect::<Result<Vec<String>>>()
        .map_err(Fail::Store)?;
    let until = now_ms.saturating_add(visibility_ms);
    let taken = db
        .query(TAKE, &[&chosen, &handles, &until, &now_ms])
        .await?;
    positioned(taken)
}

/// A standard queue's send in one statement: nothing when the queue does not exist (its row is
/// held `FOR KEY SHARE`, as `SETTINGS_KEY_SHARE` holds it).
const SEND_STANDARD: &str = "INSERT INTO messages (queue, id, body, attributes, sent_ms,
                                                   visible_at_ms, group_id, deduplication_id)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8
     WHERE EXISTS (SELECT 1 FROM queues WHERE name = $1 FOR KEY SHARE)
     RETURNING sequence";

/// A message's columns in the order `INSERT INTO messages` names them, with the deduplication
/// id it is stored under.
fn message_values<'a>(
    m: &'a NewMessage,
    deduplication_id: &'a Option<String>,
) -> [&'a (dyn ToSql + Sync); 8] {
    [
        &m.queue,
        &m.id,
        &m.body,
        &m.attributes,
        &m.sent_ms,
        &m.visible_at_ms,
        &m.group_id,
        deduplication_id,
    ]
}

/// A send that reads the queue's settings first (FIFO queues, queues not known yet); also the
/// settings, to remember.
async fn send(
    db: &Db,
    m: &NewMessage,
) -> std::result::Result<(Option<MessageRecord>, Option<Settings>), Fail> {
    let Some(settings) = settings(db, SETTINGS_KEY_SHARE, &m.queue).await? else {
        return Ok((None, None));
    };
    Ok((send_with(db, m, settings).await?, Some(settings)))
}

async fn send_with(
    db: &Db,
    m: &NewMessage,
    settings: Settings,
) -> std::result::Result<Option<MessageRecord>, Fail> {
    let key = settings.deduplication(m);
    let deduplication_id = match &key {
        Some((_, id)) => Some(id.clone()),
        None => m.deduplication_id.clone(),
    };
    let window_start = m.sent_ms.saturating_sub(DEDUPLICATION_WINDOW_MS);
    if key.is_some() {
        // Forget the ids that left the window.
        db.execute(
            "DELETE FROM message_deduplication WHERE queue = $1 AND sent_ms <= $2",
            &[&m.queue, &window_start],
        )
        .await?;
    }
    let sequence: i64 = db
        .query_one(
            "INSERT INTO messages (queue, id, body, attributes, sent_ms, visible_at_ms, group_id,
                                   deduplication_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING sequence",
            &message_values(m, &deduplication_id),
        )
        .await?
        .try_get(0)?;
    let Some((scope, id)) = &key else {
        return Ok(Some(stored(m, deduplication_id, sequence)));
    };
    // The id is this message's unless another send holds it within the window. A concurrent
    // send of the id makes this wait for its commit; the row stays locked either way.
    let claimed = db
        .query_opt(
            "INSERT INTO message_deduplication
                 (queue, scope, deduplication_id, message_id, sequence, sent_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (queue, scope, deduplication_id) DO UPDATE SET
                 message_id = excluded.message_id, sequence = excluded.sequence,
                 sent_ms = excluded.sent_ms
             WHERE message_deduplication.sent_ms <= $7
             RETURNING 1",
            &[
                &m.queue,
                scope,
                id,
                &m.id,
                &sequence,
                &m.sent_ms,
                &window_start,
            ],
        )
        .await?;
    if claimed.is_some() {
        return Ok(Some(stored(m, deduplication_id, sequence)));
    }
    db.execute("DELETE FROM messages WHERE sequence = $1", &[&sequence])
        .await?;
    Ok(Some(original(db, m, scope, id).await?))
}

/// The message first sent to `m.queue` under `(scope, id)`, whose deduplication row this
/// transaction holds locked.
async fn original(
    db: &Db,
    m: &NewMessage,
    scope: &str,
    id: &str,
) -> std::result::Result<MessageRecord, Fail> {
    let sent = db
        .query_one(
            "SELECT message_id, sequence, sent_ms FROM message_deduplication
             WHERE queue = $1 AND scope = $2 AND deduplication_id = $3",
            &[&m.queue, &scope, &id],
        )
        .await?;
    let (message_id, sequence, sent_ms): (String, i64, i64) =
        (sent.try_get(0)?, sent.try_get(1)?, sent.try_get(2)?);
    let kept = db
        .query_opt(
            concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE sequence = $1 AND queue = $2"
            ),
            &[&sequence, &m.queue],
        )
        .await?;
    match kept {
        Some(r) => message_row(&r),
        None => Ok(duplicate(m, message_id, sequence, sent_ms, id.to_owned())),
    }
}

async fn move_message(
    db: &Db,
    queue: &str,
    id: &str,
    to_queue: &str,
    now_ms: i64,
) -> std::result::Result<bool, Fail> {
    if settings(db, SETTINGS_KEY_SHARE, to_queue).await?.is_none() {
        return Ok(false);
    }
    // Deleted first, so two concurrent moves cannot both copy it; a new row, so the message
    // takes a new sequence behind the target's messages.
    let moved = db
        .execute(
            "WITH moved AS (
                 DELETE FROM messages
                 WHERE sequence = (SELECT sequence FROM messages WHERE queue = $1 AND id = $2
                                   ORDER BY sequence LIMIT 1)
                 RETURNING id, body, attributes, sent_ms, receive_count, first_receive_ms,
                           group_id, deduplication_id)
             INSERT INTO messages (queue, id, body, attributes, sent_ms, visible_at_ms,
                                   receive_count, first_receive_ms, receipt_handle, group_id,
                                   deduplication_id)
             SELECT $3, id, body, attributes, sent_ms, $4, receive_count, first_receive_ms, NULL,
                    group_id, deduplication_id
             FROM moved",
            &[&queue, &id, &to_queue, &now_ms],
        )
        .await?;
    Ok(moved > 0)
}

impl PostgresStore {
    /// The queue's settings, from `known_queues` while fresh; `None`: no such queue.
    fn queue_settings(&self, queue: &str, now_ms: i64) -> Result<Option<Settings>> {
        if let Some(known) = self.queues.get(queue, now_ms) {
            return Ok(Some(known));
        }
        let read = self.read(async |db| settings(db, SETTINGS, queue).await)?;
        if let Some(s) = read {
            self.queues.put(queue, s, now_ms);
        }
        Ok(read)
    }

    /// A send, telling the other nodes; `unflushed` (an effect's): without waiting for its WAL
    /// flush.
    fn send(&self, message: &NewMessage, unflushed: bool) -> Result<Option<MessageRecord>> {
        let known = self.queues.get(&message.queue, message.sent_ms);
        if known.is_some_and(|s| !s.fifo) {
            // A standard queue's send: one pipeline, one round trip.
            let m = message;
            let begin = if unflushed { BEGIN_UNFLUSHED } else { BEGIN };
            let values = message_values(m, &m.deduplication_id);
            let insert: pool::Params<'_> = &values;
            let answers = self.pipeline(begin, &[(SEND_STANDARD, insert), (watch::NOTIFY, &[])])?;
            let sequence = match answers.first().and_then(|rows| rows.first()) {
                Some(row) => row.try_get(0).map_err(|e| self.fail(Fail::Sql(e)))?,
                None => {
                    self.queues.forget(&m.queue);
                    return Ok(None);
                }
            };
            return Ok(Some(stored(m, m.deduplication_id.clone(), sequence)));
        }
        let send = async |db: &Db| send(db, message).await;
        let (sent, read) = if unflushed {
            self.unflushed_write(true, send)?
        } else {
            self.write(send)?
        };
        // The settings are there exactly when the queue is.
        match read {
            Some(settings) => self.queues.put(&message.queue, settings, message.sent_ms),
            None => self.queues.forget(&message.queue),
        }
        Ok(sent)
    }

    /// A receive (with `remove`, of at most one message that is deleted at once). It commits
    /// without waiting for its WAL flush: a receive lost in a server crash only makes its
    /// messages visible again, and a removal is made durable by the caller's next commit.
    fn receive(
        &self,
        queue: &str,
        max: usize,
        visibility_ms: i64,
        now_ms: i64,
        remove: bool,
    ) -> Result<Vec<MessageRecord>> {
        let Some(settings) = self.queue_settings(queue, now_ms)? else {
            return Ok(Vec::new());
        };
        if !settings.fifo {
            let mut answers = standard_receive(
                queue,
                max,
                visibility_ms,
                now_ms,
                &settings,
                remove,
                |statements| self.pipeline(BEGIN_UNFLUSHED, statements),
            )?;
            return positioned(answers.swap_remove(1)).map_err(|e| self.fail(e));
        }
        self.unflushed_write(false, async |db| {
            let taken = receive_fifo(db, queue, max, visibility_ms, now_ms, &settings).await?;
            for m in taken.iter().filter(|_| remove) {
                db.execute(DELETE_BY_HANDLE, &[&queue, &m.receipt_handle])
                    .await?;
            }
            Ok(taken)
        })
    }
}

impl QueueStore for PostgresStore {
    fn create_queue(&self, name: &str, attributes: &str, now_ms: i64) -> Result<QueueRecord> {
        self.read(async |db| {
            // `DO UPDATE` with no change, so `RETURNING` gives the stored row either way.
            let row = db
                .query_one(
                    "INSERT INTO queues (name, attributes, created_ms) VALUES ($1, $2, $3)
                     ON CONFLICT (name) DO UPDATE SET attributes = queues.attributes
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
        // No LIKE (`_` is a queue name character); byte order, as SQLite, whatever the
        // database's collation.
        self.read(async |db| {
            let found = db
                .query(
                    "SELECT name, attributes, created_ms FROM queues
                     WHERE starts_with(name, $1) ORDER BY name COLLATE \"C\"",
                    &[&prefix],
                )
                .await?;
            rows(found, queue_row)
        })
    }

    fn delete_queue(&self, name: &str) -> Result<bool> {
        self.queues.forget(name);
        self.write(async |db| {
            // The queue's row first: a send that read it (`FOR KEY SHARE`) commits before, one
            // that did not yet finds no queue.
            let deleted = db
                .execute("DELETE FROM queues WHERE name = $1", &[&name])
                .await?;
            db.execute("DELETE FROM messages WHERE queue = $1", &[&name])
                .await?;
            db.execute(
                "DELETE FROM message_deduplication WHERE queue = $1",
                &[&name],
            )
            .await?;
            Ok(deleted > 0)
        })
    }

    fn set_queue_attributes(&self, name: &str, attributes: &str) -> Result<bool> {
        self.queues.forget(name);
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
        self.send(message, false)
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
        self.receive(queue, max, visibility_ms, now_ms, false)
    }

    /// A receive that deletes what it took, in the same unflushed transaction.
    fn take_message(&self, queue: &str, now_ms: i64) -> Result<Option<MessageRecord>> {
        let taken = self.receive(queue, 1, 60_000, now_ms, true)?;
        Ok(taken.into_iter().next())
    }

    fn send_message_unflushed(&self, message: &NewMessage) -> Result<Option<MessageRecord>> {
        self.send(message, true)
    }

    fn delete_message(&self, queue: &str, receipt_handle: &str) -> Result<bool> {
        self.read(async |db| {
            let deleted = db
                .execute(DELETE_BY_HANDLE, &[&queue, &receipt_handle])
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
        let change = async |db: &Db| -> std::result::Result<bool, Fail> {
            let changed = db
                .execute(
                    "UPDATE messages SET visible_at_ms = $3 WHERE receipt_handle = $2 AND queue = $1",
                    &[&queue, &receipt_handle, &until],
                )
                .await?;
            Ok(changed > 0)
        };
        if until <= now_ms {
            // Visible again now: the other nodes' long polls look again.
            self.write(change)
        } else {
            self.read(change)
        }
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
            let Some(settings) = settings(db, SETTINGS, name).await? else {
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
            let n = |i: usize| -> std::result::Result<u64, Fail> {
                Ok(u64::try_from(r.try_get::<_, i64>(i)?).unwrap_or(0))
            };
            Ok(QueueCounts {
                visible: n(0)?,
                in_flight: n(1)?,
                delayed: n(2)?,
            })
        })
    }

    fn peek_messages(&self, name: &str, limit: usize, now_ms: i64) -> Result<Vec<MessageRecord>> {
        self.read(async |db| {
            let Some(settings) = settings(db, SETTINGS, name).await? else {
                return Ok(Vec::new());
            };
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = db
                .query(
                    concat!(
                        "SELECT ",
                        message_columns!(),
                        " FROM messages WHERE queue = $1 AND sent_ms > $2 ORDER BY sequence LIMIT $3"
                    ),
                    &[&name, &settings.expired_up_to(now_ms), &limit],
                )
                .await?;
            rows.iter().map(message_row).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, Barrier, Mutex};

    use super::super::tests::TempSchema;
    use super::*;

    fn new_message(queue: &str, id: &str, at: i64, group: Option<String>) -> NewMessage {
        NewMessage {
            queue: queue.into(),
            id: id.into(),
            body: "b".into(),
            attributes: "{}".into(),
            visible_at_ms: at,
            sent_ms: at,
            group_id: group,
            deduplication_id: None,
        }
    }

    /// Runs `f(store, thread)` on `threads` threads over two stores (two nodes) at once.
    fn race<T: Send + 'static>(
        stores: &[Arc<PostgresStore>; 2],
        threads: usize,
        f: impl Fn(&PostgresStore, usize) -> T + Send + Sync + 'static,
    ) -> Vec<T> {
        let barrier = Arc::new(Barrier::new(threads));
        let f = Arc::new(f);
        let running: Vec<_> = (0..threads)
            .map(|t| {
                let (store, barrier, f) = (stores[t % 2].clone(), barrier.clone(), f.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    f(&store, t)
                })
            })
            .collect();
        running.into_iter().map(|t| t.join().unwrap()).collect()
    }

    fn two_nodes(schema: &TempSchema) -> [Arc<PostgresStore>; 2] {
        [0, 1].map(|_| Arc::new(schema.open()))
    }

    #[test]
    #[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
    fn concurrent_receivers_on_two_nodes_never_share_a_message() {
        let schema = TempSchema::new();
        let stores = two_nodes(&schema);
        for queue in ["q", "q.fifo"] {
            let fifo = queue == "q.fifo";
            let attributes = if fifo {
                r#"{"FifoQueue":"true"}"#
            } else {
                "{}"
            };
            stores[0].create_queue(queue, attributes, 0).unwrap();
            for i in 0..200 {
                let group = fifo.then(|| format!("g{}", i % 20));
                let m = new_message(queue, &format!("m{i}"), i, group);
                stores[1].send_message(&m).unwrap().unwrap();
            }
            let got = race(&stores, 6, move |store, _| {
                let mut got = Vec::new();
                loop {
                    let batch = store.receive_messages(queue, 3, 60_000, 1_000).unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch);
                }
            });
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut handles = HashSet::new();
            for m in got.into_iter().flatten() {
                *seen.entry(m.id.clone()).or_default() += 1;
                assert!(handles.insert(m.receipt_handle.unwrap()));
                assert_eq!(m.receive_count, 1, "{queue}: {} received twice", m.id);
            }
            // A FIFO receive stops at groups in flight: one pass takes one batch per group.
            if !fifo {
                assert_eq!(seen.len(), 200, "{queue}: every message received");
            }
            assert!(seen.values().all(|n| *n == 1), "{queue}: {seen:?}");
            let left = stores[0].queue_counts(queue, 1_000).unwrap();
            assert_eq!(left.in_flight, seen.len() as u64);
        }
    }

    /// Workers on two nodes receive and delete until the queue is empty: each group's messages
    /// are handled one at a time, in send order.
    #[test]
    #[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
    fn fifo_groups_stay_in_order_across_nodes() {
        let schema = TempSchema::new();
        let stores = two_nodes(&schema);
        stores[0]
            .create_queue("f.fifo", r#"{"FifoQueue":"true"}"#, 0)
            .unwrap();
        let total = 240;
        for i in 0..total {
            let m = new_message("f.fifo", &format!("{i}"), 0, Some(format!("g{}", i % 8)));
            stores[i as usize % 2].send_message(&m).unwrap().unwrap();
        }
        let handled: Arc<Mutex<HashMap<String, Vec<i64>>>> = Arc::default();
        let log = handled.clone();
        race(&stores, 6, move |store, _| {
            let mut idle = 0;
            while idle < 20 {
                let batch = store.receive_messages("f.fifo", 4, 60_000, 1).unwrap();
                if batch.is_empty() {
                    // Another worker may hold the group: look again a few times before ending.
                    idle += 1;
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    continue;
                }
                idle = 0;
                for m in batch {
                    let group = m.group_id.clone().unwrap();
                    log.lock()
                        .unwrap()
                        .entry(group)
                        .or_default()
                        .push(m.id.parse().unwrap());
                    assert!(
                        store
                            .delete_message("f.fifo", m.receipt_handle.as_deref().unwrap())
                            .unwrap()
                    );
                }
            }
        });
        let handled = handled.lock().unwrap();
        assert_eq!(
            handled.values().map(Vec::len).sum::<usize>(),
            total as usize
        );
        for (group, ids) in handled.iter() {
            assert!(ids.is_sorted(), "{group}: {ids:?}");
        }
    }

    #[test]
    #[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
    fn concurrent_sends_of_one_deduplication_id_store_one_message() {
        let schema = TempSchema::new();
        let stores = two_nodes(&schema);
        stores[0]
            .create_queue("d.fifo", r#"{"FifoQueue":"true"}"#, 0)
            .unwrap();
        for round in 0..10 {
            let dedup = format!("d{round}");
            let answers = race(&stores, 8, move |store, t| {
                let m = NewMessage {
                    deduplication_id: Some(dedup.clone()),
                    ..new_message("d.fifo", &format!("r{round}t{t}"), round, Some("g".into()))
                };
                store.send_message(&m).unwrap().unwrap()
            });
            let first = &answers[0];
            assert!(
                answers
                    .iter()
                    .all(|a| (&a.id, a.sequence) == (&first.id, first.sequence)),
                "round {round}: {answers:?}"
            );
        }
        let counts = stores[0].queue_counts("d.fifo", 10).unwrap();
        assert_eq!(counts.visible, 10, "one message per deduplication id");
    }

    #[test]
    #[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
    fn concurrent_moves_of_one_message_move_it_once() {
        let schema = TempSchema::new();
        let stores = two_nodes(&schema);
        for q in ["src", "dlq"] {
            stores[0].create_queue(q, "{}", 0).unwrap();
        }
        for round in 0..10 {
            let id = format!("m{round}");
            stores[0]
                .send_message(&new_message("src", &id, 0, None))
                .unwrap()
                .unwrap();
            let moved = race(&stores, 4, move |store, _| {
                store.move_message("src", &id, "dlq", 10).unwrap()
            });
            assert_eq!(moved.iter().filter(|m| **m).count(), 1, "round {round}");
        }
        assert_eq!(stores[0].queue_counts("src", 10).unwrap().visible, 0);
        assert_eq!(stores[0].queue_counts("dlq", 10).unwrap().visible, 10);
    }
}
