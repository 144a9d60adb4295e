//! The one queue consumer. `--worker` commands (`worker.rs`), `serve`'s queue triggers and
//! Conductor event handlers all read their queues through `round`: receive a batch (each
//! message invisible for the visibility timeout), hand it to the caller, delete the messages
//! the caller is done with. The others come back when their visibility ends; a message received
//! more than its queue's `maxReceiveCount` goes to the dead-letter queue instead (the embedded
//! queue applies the policy on receive, as SQS does).
//!
//! Where messages come from is a `Source`: the embedded queue or an SQS endpoint
//! (`runtime/queues.rs`).

use crate::store::MessageRecord;

/// A received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    /// What deletes it (valid until its visibility ends).
    pub receipt: String,
    pub body: String,
    /// JSON object of its SQS message attributes (`{}` when it has none).
    pub attributes: String,
    /// How often it was received, this time included.
    pub receive_count: i64,
    pub sent_ms: i64,
    pub first_receive_ms: Option<i64>,
}

impl From<MessageRecord> for Message {
    fn from(m: MessageRecord) -> Message {
        Message {
            id: m.id,
            receipt: m.receipt_handle.unwrap_or_default(),
            body: m.body,
            attributes: m.attributes,
            receive_count: m.receive_count,
            sent_ms: m.sent_ms,
            first_receive_ms: m.first_receive_ms,
        }
    }
}

/// Where a consumer's messages come from.
pub trait Source: Send + Sync {
    /// Up to `max` messages of `queue`, each invisible for `visibility_ms`.
    fn receive(&self, queue: &str, max: usize, visibility_ms: i64) -> Result<Vec<Message>, String>;
    fn delete(&self, queue: &str, receipt: &str) -> Result<(), String>;
}

/// What became of one message of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Handled: delete it.
    Done,
    /// Not handled (the handler said why): it comes back after its visibility timeout.
    Keep,
}

/// One batch on one queue.
#[derive(Debug, Default)]
pub struct Round {
    pub received: usize,
    /// Messages handled but not deleted (they will come back), with why.
    pub problems: Vec<String>,
}

/// Receives up to `max` messages of `queue` and gives them to `handle`, which returns one
/// outcome per message, in order (a message without one is kept); deletes those `Done`.
/// `Err`: the queue could not be read.
pub fn round(
    source: &dyn Source,
    queue: &str,
    max: usize,
    visibility_ms: i64,
    handle: impl FnOnce(&[Message]) -> Vec<Outcome>,
) -> Result<Round, String> {
    let batch = source.receive(queue, max, visibility_ms)?;
    if batch.is_empty() {
        return Ok(Round::default());
    }
    let outcomes = handle(&batch);
    let mut problems = Vec::new();
    for (m, outcome) in batch.iter().zip(outcomes) {
        if outcome == Outcome::Done
            && let Err(e) = source.delete(queue, &m.receipt)
        {
            problems.push(format!("message {} could not be deleted: {e}", m.id));
        }
    }
    Ok(Round {
        received: batch.len(),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Three messages; remembers what was deleted.
    #[derive(Default)]
    struct Fake {
        deleted: Mutex<Vec<String>>,
    }

    impl Source for Fake {
        fn receive(&self, _: &str, max: usize, _: i64) -> Result<Vec<Message>, String> {
            let message = |i: usize| Message {
                id: format!("m{i}"),
                receipt: format!("r{i}"),
                body: String::new(),
                attributes: "{}".into(),
                receive_count: 1,
                sent_ms: 0,
                first_receive_ms: None,
            };
            Ok((0..3.min(max)).map(message).collect())
        }
        fn delete(&self, _: &str, receipt: &str) -> Result<(), String> {
            if receipt == "r2" {
                return Err("gone".into());
            }
            self.deleted.lock().unwrap().push(receipt.into());
            Ok(())
        }
    }

    #[test]
    fn deletes_what_was_done_keeps_the_rest_and_reports_failed_deletes() {
        let fake = Fake::default();
        let r = round(&fake, "q", 10, 1_000, |batch| {
            assert_eq!(batch.len(), 3);
            vec![Outcome::Done, Outcome::Keep, Outcome::Done]
        })
        .unwrap();
        assert_eq!(r.received, 3);
        assert_eq!(*fake.deleted.lock().unwrap(), ["r0"]);
        assert_eq!(r.problems, ["message m2 could not be deleted: gone"]);
        let r = round(&fake, "q", 10, 1_000, |_| vec![Outcome::Done]).unwrap();
        assert_eq!(r.received, 3, "messages without an outcome are kept");
        assert_eq!(fake.deleted.lock().unwrap().len(), 2);
    }
}
