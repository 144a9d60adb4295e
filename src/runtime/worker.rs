//! Queue workers (`--worker QUEUE=COMMAND`): what an SQS-triggered Lambda does, locally. Each
//! batch of messages from the embedded queue (read by `consumer::round`) is given to COMMAND as
//! the event Lambda receives from an SQS trigger; the messages are deleted when the command
//! succeeds, come back after their visibility timeout when it fails, and go to the queue's
//! dead-letter queue after its `maxReceiveCount`.

use crate::integrations::command::{Binding, Commands};
use crate::integrations::sqs::md5;
use crate::runtime::consumer::{self, Message, Outcome};
use crate::runtime::queues::Embedded;
use serde_json::{Map, Value, json};

/// Lambda's default batch size for SQS triggers.
const BATCH: usize = 10;
/// How long a batch stays invisible while the command runs.
const VISIBILITY_MS: i64 = 30_000;

pub struct Workers {
    pub bindings: Vec<Binding>,
    pub source: Embedded,
    pub commands: Commands,
    pub region: String,
    pub account: String,
}

impl Workers {
    /// Gives every binding one batch, if its queue has messages. Returns how many messages were
    /// handed out; command failures are reported on stderr (the messages return later).
    pub fn poll(&self) -> Result<usize, String> {
        let mut handled = 0;
        for b in &self.bindings {
            let run = |batch: &[Message]| {
                let outcome = match self
                    .commands
                    .run_for_event(&b.command, &self.event(&b.name, batch))
                {
                    Ok(true) => Outcome::Done,
                    Ok(false) => {
                        tracing::warn!(
                            "worker {}: `{}` reported an error; the messages return after their visibility timeout",
                            b.name,
                            b.command
                        );
                        Outcome::Keep
                    }
                    Err(e) => {
                        tracing::warn!(
                            "worker {}: {e}; the messages return after their visibility timeout",
                            b.name
                        );
                        Outcome::Keep
                    }
                };
                vec![outcome; batch.len()]
            };
            let round = consumer::round(&self.source, &b.name, BATCH, VISIBILITY_MS, run)?;
            for p in &round.problems {
                tracing::warn!("worker {}: {p}", b.name);
            }
            handled += round.received;
        }
        Ok(handled)
    }

    /// `{"Records": [...]}` as Lambda's SQS event source delivers it.
    fn event(&self, queue: &str, batch: &[Message]) -> Value {
        let arn = format!("arn:aws:sqs:{}:{}:{queue}", self.region, self.account);
        let records: Vec<Value> = batch.iter().map(|m| self.record(&arn, m)).collect();
        json!({ "Records": records })
    }

    fn record(&self, arn: &str, m: &Message) -> Value {
        let attributes: Value =
            serde_json::from_str(&m.attributes).unwrap_or(Value::Object(Map::new()));
        json!({
            "messageId": m.id,
            "receiptHandle": m.receipt,
            "body": m.body,
            "attributes": {
                "ApproximateReceiveCount": m.receive_count.to_string(),
                "SentTimestamp": m.sent_ms.to_string(),
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": m.first_receive_ms.unwrap_or(m.sent_ms).to_string()
            },
            "messageAttributes": lambda_attributes(&attributes),
            "md5OfBody": md5::of_body(&m.body),
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "awsRegion": self.region
        })
    }
}

/// Lambda spells message attributes in camelCase, with list fields.
fn lambda_attributes(attributes: &Value) -> Value {
    let Some(map) = attributes.as_object() else {
        return json!({});
    };
    let converted: Map<String, Value> = map
        .iter()
        .map(|(name, a)| {
            let mut out = Map::new();
            if let Some(s) = a.get("StringValue") {
                out.insert("stringValue".into(), s.clone());
            }
            if let Some(b) = a.get("BinaryValue") {
                out.insert("binaryValue".into(), b.clone());
            }
            out.insert("stringListValues".into(), json!([]));
            out.insert("binaryListValues".into(), json!([]));
            out.insert(
                "dataType".into(),
                a.get("DataType").cloned().unwrap_or(json!("String")),
            );
            (name.clone(), Value::Object(out))
        })
        .collect();
    Value::Object(converted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::clock::{Clock, VirtualClock};
    use crate::runtime::config::HandlerConfig;
    use crate::store::queue::NewMessage;
    use crate::store::{MemoryStore, Store};
    use std::sync::Arc;

    /// A command that keeps failing leaves its messages to come back, and after the queue's
    /// `maxReceiveCount` they go to its dead-letter queue: the one consumer applies the policy.
    #[test]
    fn a_failing_command_sends_its_messages_to_the_dead_letter_queue() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let clock = VirtualClock::shared(1_000);
        store.create_queue("dlq", "{}", 0).unwrap();
        let policy = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":"2"}"#;
        let attributes = serde_json::json!({ "RedrivePolicy": policy }).to_string();
        store.create_queue("jobs", &attributes, 0).unwrap();
        let message = NewMessage {
            queue: "jobs".into(),
            id: "m-1".into(),
            body: "{}".into(),
            attributes: "{}".into(),
            visible_at_ms: 0,
            sent_ms: 0,
            group_id: None,
            deduplication_id: None,
        };
        store.send_message(&message).unwrap();
        let workers = Workers {
            bindings: vec!["jobs=exit 1".parse().unwrap()],
            source: Embedded {
                store: store.clone(),
                clock: clock.clone(),
            },
            commands: HandlerConfig::default().commands(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
        };
        for receive in 1..=2 {
            assert_eq!(workers.poll().unwrap(), 1, "receive {receive}");
            clock.advance(VISIBILITY_MS);
        }
        assert_eq!(
            workers.poll().unwrap(),
            0,
            "the third receive moves it instead"
        );
        assert_eq!(
            store.queue_counts("dlq", clock.now_ms()).unwrap().visible,
            1
        );
        assert_eq!(
            store.queue_counts("jobs", clock.now_ms()).unwrap().visible,
            0
        );
    }
}
