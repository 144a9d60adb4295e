//! The queues the runtime reads (through `consumer::round`) and writes: the embedded queue
//! (`Embedded`) and an SQS endpoint (`Remote`, moto or AWS).
//!
//! Conductor names its queues by event (`sqs:NAME`, `sqs:URL`, `sqs:ARN`,
//! `conductor:WORKFLOW:NAME`) and `Queues` routes them: `conductor:` queues are always the
//! embedded queue; `sqs:` queues are the embedded queue, or the SQS endpoint when one is
//! configured. A queue that does not exist is created on first send, as Conductor does; the send
//! itself is `sqs:sendMessage`'s (`integrations::sqs`), so an EVENT and a Task reach a queue the
//! same way. A plain queue name (`--worker`, queue triggers) is the embedded queue of that name.

use crate::integrations::aws;
use crate::integrations::sqs::{self, Backend, SendRequest};
use crate::runtime::clock::{SharedClock, SystemClock};
use crate::runtime::consumer::{Message, Source};
use crate::store::queue::{QueueStore, redrive};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use std::sync::{Arc, Mutex};

/// A queue that is also written to: Conductor's EVENT sinks and task queues.
pub trait EventQueues: Source {
    /// Sends `body` as the publication `id` (an EVENT task's id); returns the message id. On
    /// the embedded queue `id` is the message id, so a publication performed twice (by a node
    /// that died before recording it) reaches each handler once; SQS assigns its own ids.
    fn send(&self, event: &str, body: &str, id: &str) -> Result<String, String>;
}

/// `sqs:https://…/123/orders` and `sqs:arn:aws:sqs:…:orders` name the queue `orders`.
pub fn queue_of(event: &str) -> &str {
    let rest = event.split_once(':').map_or(event, |(_, r)| r);
    if rest.starts_with("http://") || rest.starts_with("https://") {
        return crate::integrations::sqs::queue_name(rest);
    }
    if rest.starts_with("arn:") {
        return rest.rsplit(':').next().unwrap_or(rest);
    }
    rest
}

/// Both kinds behind one door: `conductor:` on the embedded queue, `sqs:` on `sqs`.
pub struct Queues {
    pub embedded: Arc<Embedded>,
    pub sqs: Arc<dyn EventQueues>,
}

impl Queues {
    /// `conductor:` on the embedded queue of `store`; `sqs:` on the SQS endpoint when one is
    /// configured, else on the embedded queue too.
    pub fn new(store: &Arc<dyn crate::store::Store>, sqs_endpoint: Option<&str>) -> Queues {
        let embedded = Arc::new(Embedded {
            store: store.clone(),
            clock: SystemClock::shared(),
        });
        let sqs: Arc<dyn EventQueues> = match sqs_endpoint {
            Some(endpoint) => Arc::new(Remote::new(endpoint)),
            None => embedded.clone(),
        };
        Queues { embedded, sqs }
    }

    fn pick(&self, event: &str) -> &dyn EventQueues {
        if event.starts_with("sqs:") {
            self.sqs.as_ref()
        } else {
            self.embedded.as_ref()
        }
    }
}

impl EventQueues for Queues {
    fn send(&self, event: &str, body: &str, id: &str) -> Result<String, String> {
        self.pick(event).send(event, body, id)
    }
}

impl Source for Queues {
    fn receive(&self, event: &str, max: usize, visibility_ms: i64) -> Result<Vec<Message>, String> {
        self.pick(event).receive(event, max, visibility_ms)
    }
    fn delete(&self, event: &str, receipt: &str) -> Result<(), String> {
        self.pick(event).delete(event, receipt)
    }
}

/// Queues in stepwise's own store. `sqs:` events name the queue as SQS would; `conductor:`
/// events keep their whole name as the queue's; a plain name is the queue's.
pub struct Embedded {
    pub store: Arc<dyn QueueStore + Send + Sync>,
    pub clock: SharedClock,
}

impl Embedded {
    fn name(event: &str) -> &str {
        if event.starts_with("sqs:") {
            queue_of(event)
        } else {
            event
        }
    }

    /// Sends to a queue by its own name (the task queues of worker tasks), creating it first
    /// when it does not exist (Conductor's way); the send itself is `sqs:sendMessage`'s.
    pub fn send_to(&self, queue: &str, body: &str) -> Result<String, String> {
        self.send_as(queue, body, None)
    }

    /// `send_to` with the message's id.
    fn send_as(&self, queue: &str, body: &str, id: Option<&str>) -> Result<String, String> {
        self.store
            .create_queue(queue, "{}", self.clock.now_ms())
            .map_err(|e| e.to_string())?;
        let clock = self.clock.clone();
        let sender = sqs::embedded::Embedded::new(self.store.clone(), move || clock.now_ms());
        let request = SendRequest {
            message_id: id.map(str::to_string),
            ..SendRequest::body(queue, body)
        };
        sender
            .send_to_queue(queue, &request)
            .map(|sent| sent.message_id)
            .map_err(|e| e.to_string())
    }
}

impl EventQueues for Embedded {
    fn send(&self, event: &str, body: &str, id: &str) -> Result<String, String> {
        self.send_as(Self::name(event), body, Some(id))
    }
}

/// Receives with the queue's dead-letter policy applied.
impl Source for Embedded {
    fn receive(&self, event: &str, max: usize, visibility_ms: i64) -> Result<Vec<Message>, String> {
        let now = self.clock.now_ms();
        let got = redrive::receive(&*self.store, Self::name(event), max, visibility_ms, now)
            .map_err(|e| e.to_string())?;
        Ok(got.messages.into_iter().map(Message::from).collect())
    }

    fn delete(&self, event: &str, receipt: &str) -> Result<(), String> {
        self.store
            .delete_message(Self::name(event), receipt)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// An SQS endpoint through `aws-sdk-sqs`: queue names are looked up (and created when missing),
/// URLs used as given.
pub struct Remote {
    endpoint: String,
    /// `sqs:sendMessage`'s backend: sends, and the connection receives use too.
    sender: sqs::remote::Remote,
    urls: Mutex<super::bounded::Bounded<String>>,
}

/// The SQS connection (`sqs:sendMessage`'s), and the queue URLs found so far by name.
struct Conn<'a> {
    sqs: &'a sqs::remote::Conn,
    urls: &'a Mutex<super::bounded::Bounded<String>>,
}

impl Remote {
    pub fn new(endpoint: &str) -> Remote {
        Remote {
            endpoint: endpoint.to_string(),
            sender: sqs::remote::Remote::new(endpoint),
            urls: Mutex::new(super::bounded::Bounded::new(1_024, 1024 * 1024)),
        }
    }

    fn conn(&self) -> Result<Conn<'_>, String> {
        let sqs = self.sender.conn().map_err(|e| e.to_string())?;
        Ok(Conn {
            sqs,
            urls: &self.urls,
        })
    }

    /// The queue's URL: given in the event, or found by name (created when missing).
    fn url(&self, c: &Conn, event: &str) -> Result<String, String> {
        let rest = event.split_once(':').map_or(event, |(_, r)| r);
        if rest.starts_with("http://") || rest.starts_with("https://") {
            return Ok(rest.to_string());
        }
        let name = queue_of(event).to_string();
        let cached = c.urls.lock().ok().and_then(|m| m.get(&name).cloned());
        if let Some(u) = cached {
            return Ok(u);
        }
        let found = c
            .sqs
            .rt
            .block_on(c.sqs.client.get_queue_url().queue_name(&name).send())
            .ok()
            .and_then(|o| o.queue_url().map(str::to_string));
        let url = match found {
            Some(u) => u,
            None => c
                .sqs
                .rt
                .block_on(c.sqs.client.create_queue().queue_name(&name).send())
                .map_err(|e| self.failed("CreateQueue", &name, &e))?
                .queue_url()
                .map(str::to_string)
                .ok_or_else(|| format!("SQS created {name} but gave no URL"))?,
        };
        if let Ok(mut m) = c.urls.lock() {
            m.insert(name, url.clone());
        }
        Ok(url)
    }

    fn failed(&self, op: &str, queue: &str, e: &dyn std::fmt::Debug) -> String {
        format!(
            "SQS {op} for {queue} at {} failed: {e:?}",
            aws::url(&self.endpoint).unwrap_or_else(|| "AWS".into())
        )
    }
}

/// A send is `sqs:sendMessage`'s, to the queue's URL.
impl EventQueues for Remote {
    fn send(&self, event: &str, body: &str, _id: &str) -> Result<String, String> {
        let url = self.url(&self.conn()?, event)?;
        self.sender
            .send(&SendRequest::body(&url, body))
            .map(|sent| sent.message_id)
            .map_err(|e| e.to_string())
    }
}

/// Messages with their receive count and send time (`ApproximateReceiveCount`,
/// `SentTimestamp`); message attributes are not asked for.
impl Source for Remote {
    fn receive(&self, event: &str, max: usize, visibility_ms: i64) -> Result<Vec<Message>, String> {
        let c = self.conn()?;
        let url = self.url(&c, event)?;
        let request = c
            .sqs
            .client
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .visibility_timeout((visibility_ms / 1000).clamp(0, 43_200) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp);
        let out = c
            .sqs
            .rt
            .block_on(request.send())
            .map_err(|e| self.failed("ReceiveMessage", &url, &e))?;
        Ok(out
            .messages()
            .iter()
            .map(|m| {
                let number = |name| {
                    m.attributes()
                        .and_then(|a| a.get(&name))
                        .and_then(|v| v.parse::<i64>().ok())
                };
                Message {
                    id: m.message_id().unwrap_or_default().to_string(),
                    receipt: m.receipt_handle().unwrap_or_default().to_string(),
                    body: m.body().unwrap_or_default().to_string(),
                    attributes: "{}".into(),
                    receive_count: number(MessageSystemAttributeName::ApproximateReceiveCount)
                        .unwrap_or(1),
                    sent_ms: number(MessageSystemAttributeName::SentTimestamp).unwrap_or(0),
                    first_receive_ms: None,
                }
            })
            .collect())
    }

    fn delete(&self, event: &str, receipt: &str) -> Result<(), String> {
        let c = self.conn()?;
        let url = self.url(&c, event)?;
        c.sqs
            .rt
            .block_on(
                c.sqs
                    .client
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(receipt)
                    .send(),
            )
            .map(|_| ())
            .map_err(|e| self.failed("DeleteMessage", &url, &e))
    }
}
