//! Queue workers (`--worker QUEUE=COMMAND`): what an SQS-triggered Lambda does, locally. Each
//! batch of messages from the embedded queue is given to COMMAND as the event Lambda receives
//! from an SQS trigger; the messages are deleted when the command succeeds, and come back after
//! their visibility timeout when it fails.

use crate::integrations::command::{Binding, Commands};
use crate::integrations::sqs::md5;
use crate::store::queue::{MessageRecord, QueueStore};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Lambda's default batch size for SQS triggers.
const BATCH: usize = 10;
/// How long a batch stays invisible while the command runs.
const VISIBILITY_MS: i64 = 30_000;

pub struct Workers {
    pub bindings: Vec<Binding>,
    pub store: Arc<dyn QueueStore + Send + Sync>,
    pub commands: Commands,
    pub region: String,
    pub account: String,
}

impl Workers {
    /// Gives every binding one batch, if its queue has messages. Returns how many messages were
    /// handed out; command failures are reported on stderr (the messages return later).
    pub fn poll(&self, now_ms: i64) -> Result<usize, String> {
        let mut handled = 0;
        for b in &self.bindings {
            let batch = self
                .store
                .receive_messages(&b.name, BATCH, VISIBILITY_MS, now_ms)
                .map_err(|e| e.to_string())?;
            if batch.is_empty() {
                continue;
            }
            handled += batch.len();
            let event = self.event(&b.name, &batch);
            match self.commands.run_for_event(&b.command, &event) {
                Ok(true) => {
                    for m in &batch {
                        if let Some(h) = &m.receipt_handle {
                            self.store
                                .delete_message(&b.name, h)
                                .map_err(|e| e.to_string())?;
                        }
                    }
                }
                Ok(false) => eprintln!(
                    "worker {}: `{}` reported an error; the messages return after their visibility timeout",
                    b.name, b.command
                ),
                Err(e) => eprintln!(
                    "worker {}: {e}; the messages return after their visibility timeout",
                    b.name
                ),
            }
        }
        Ok(handled)
    }

    /// `{"Records": [...]}` as Lambda's SQS event source delivers it.
    fn event(&self, queue: &str, batch: &[MessageRecord]) -> Value {
        let arn = format!("arn:aws:sqs:{}:{}:{queue}", self.region, self.account);
        let records: Vec<Value> = batch.iter().map(|m| self.record(&arn, m)).collect();
        json!({ "Records": records })
    }

    fn record(&self, arn: &str, m: &MessageRecord) -> Value {
        let attributes: Value =
            serde_json::from_str(&m.attributes).unwrap_or(Value::Object(Map::new()));
        json!({
            "messageId": m.id,
            "receiptHandle": m.receipt_handle,
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
