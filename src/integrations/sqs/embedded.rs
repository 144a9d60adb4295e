//! The embedded queue as an SQS backend: queues live in stepwise's own store. Its sends are
//! effects performed from the outbox (`sqs:` tasks, Conductor events and task queues), so they
//! use `send_message_unflushed`: the commit that marks the effect done makes them durable.

use super::{Backend, SendRequest, Sent, SqsError, md5, queue_name};
use crate::store::queue::{NewMessage, QueueStore, queue_delay_ms};
use std::sync::Arc;

pub struct Embedded {
    store: Arc<dyn QueueStore + Send + Sync>,
    now_ms: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl Embedded {
    /// Sends to the queues of `store`, at the time `now_ms` gives.
    pub fn new(
        store: Arc<dyn QueueStore + Send + Sync>,
        now_ms: impl Fn() -> i64 + Send + Sync + 'static,
    ) -> Self {
        Embedded {
            store,
            now_ms: Arc::new(now_ms),
        }
    }
}

impl Backend for Embedded {
    fn local(&self) -> bool {
        true
    }

    fn send(&self, r: &SendRequest) -> Result<Sent, SqsError> {
        self.send_to_queue(queue_name(&r.queue_url), r)
    }
}

impl Embedded {
    /// `send` to the queue named `name` as it is (a Conductor queue's name may hold `/`, which
    /// a queue URL would not keep).
    pub fn send_to_queue(&self, name: &str, r: &SendRequest) -> Result<Sent, SqsError> {
        let now = (self.now_ms)();
        let delay_ms = match r.delay_seconds {
            Some(s @ 0..=900) => s * 1000,
            Some(s) => {
                return Err(SqsError {
                    code: "InvalidParameterValueException".into(),
                    error_code: "InvalidParameterValue".into(),
                    status: 400,
                    message: format!(
                        "Value {s} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided."
                    ),
                    hint: None,
                });
            }
            None => self
                .store
                .queue(name)
                .ok()
                .flatten()
                .map_or(0, |q| queue_delay_ms(&q.attributes)),
        };
        let message = NewMessage {
            queue: name.to_string(),
            id: r
                .message_id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            body: r.body.clone(),
            attributes: r.attributes.to_string(),
            visible_at_ms: now + delay_ms,
            sent_ms: now,
            group_id: r.group_id.clone(),
            deduplication_id: r.deduplication_id.clone(),
        };
        match self.store.send_message_unflushed(&message) {
            Ok(Some(stored)) => Ok(Sent {
                message_id: stored.id,
                md5_of_body: md5::of_body(&r.body),
                md5_of_attributes: md5::of_attributes(&r.attributes),
            }),
            Ok(None) => Err(SqsError {
                code: "QueueDoesNotExistException".into(),
                error_code: "AWS.SimpleQueueService.NonExistentQueue".into(),
                status: 400,
                message: "The specified queue does not exist.".into(),
                hint: Some(format!(
                    "(stepwise: the embedded queue '{name}' does not exist; create it with `stepwise queue create {name}`, or point sqs: tasks at an SQS endpoint with --sqs-endpoint URL)"
                )),
            }),
            Err(e) => Err(SqsError {
                code: "AmazonSQSException".into(),
                error_code: "InternalError".into(),
                status: 500,
                message: format!("The embedded queue could not store the message: {e}"),
                hint: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    /// `DelaySeconds` beyond SQS's 900 is SQS's error, whatever its size (no overflow).
    #[test]
    fn a_delay_beyond_900_seconds_is_invalid() {
        let store = Arc::new(MemoryStore::new());
        store.create_queue("q", "{}", 0).unwrap();
        let e = Embedded::new(store, || 1_000);
        let mut r = SendRequest::body("https://sqs.local/123456789012/q", "{}");
        for delay in [901, i64::MAX, -1] {
            r.delay_seconds = Some(delay);
            let err = e.send(&r).unwrap_err();
            assert_eq!(err.code, "InvalidParameterValueException", "{delay}");
        }
        r.delay_seconds = Some(900);
        assert!(e.send(&r).is_ok());
    }
}
