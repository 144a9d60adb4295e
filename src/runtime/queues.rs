//! The queues the runtime reads (through `consumer::round`) and writes: the embedded queue
//! (`Embedded`), an SQS endpoint (`Remote`, moto or AWS), a RabbitMQ broker (`amqp.rs`) and a
//! NATS server (`nats.rs`).
//!
//! Conductor names its queues by event (`sqs:NAME`, `sqs:URL`, `sqs:ARN`,
//! `conductor:WORKFLOW:NAME`, `amqp_queue:NAME`, `amqp_exchange:NAME`, `nats:SUBJECT`) and
//! `Queues` routes them: `conductor:` queues are always the embedded queue; `sqs:` queues are
//! the embedded queue, or the SQS endpoint when one is configured; `amqp*:` and `nats:` go to
//! the broker configured for them (`Brokers`), and fail saying how to configure one when none
//! is. A queue that does not exist is created on first send, as Conductor does; the send
//! itself is `sqs:sendMessage`'s (`integrations::sqs`), so an EVENT and a Task reach a queue the
//! same way. A plain queue name (`--worker`, queue triggers) is the embedded queue of that name.

#[cfg(feature = "amqp")]
mod amqp;
pub mod amqp_uri;
#[cfg(any(feature = "amqp", feature = "nats"))]
mod background;
#[cfg(feature = "nats")]
mod nats;
#[cfg(feature = "aws")]
mod remote;
#[cfg(not(feature = "aws"))]
#[path = "queues/remote_without_sdk.rs"]
mod remote;
mod unavailable;

use crate::integrations::sqs::{self, SendRequest};
use crate::runtime::clock::{SharedClock, SystemClock};
use crate::runtime::consumer::{Message, Source};
use crate::store::queue::{QueueStore, redrive};
pub use remote::Remote;
use std::sync::Arc;

/// A queue that is also written to: Conductor's EVENT sinks and task queues.
pub trait EventQueues: Source {
    /// Sends `body` as the publication `id` (an EVENT task's id); returns the message id. On
    /// the embedded queue `id` is the message id, so a publication performed twice (by a node
    /// that died before recording it) reaches each handler once; SQS assigns its own ids.
    fn send(&self, event: &str, body: &str, id: &str) -> Result<String, String>;

    /// Whether `event` can be sent to at all (`Err`: why not, for good: no broker configured).
    fn can_send(&self, _event: &str) -> Result<(), String> {
        Ok(())
    }

    /// Starts listening to `event` now, where messages sent before anyone listens are lost
    /// (NATS): an event handler registered here hears every message sent after it is.
    fn listen_to(&self, _event: &str) -> Result<(), String> {
        Ok(())
    }
}

/// The brokers Conductor's `amqp*:` and `nats:` events reach (`--amqp-url`, `--nats-url`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Brokers {
    /// `amqp://user:password@host:5672/vhost`
    pub amqp_url: Option<String>,
    /// `nats://host:4222`
    pub nats_url: Option<String>,
}

impl Brokers {
    pub fn any(&self) -> bool {
        self.amqp_url.is_some() || self.nats_url.is_some()
    }

    fn amqp(&self) -> Arc<dyn EventQueues> {
        let unconfigured = "no AMQP broker is configured for amqp_queue:/amqp_exchange: events: start stepwise with --amqp-url amqp://USER:PASSWORD@HOST:5672/%2f (or STEPWISE_AMQP_URL)";
        open(self.amqp_url.as_deref(), unconfigured, |url| {
            #[cfg(feature = "amqp")]
            return amqp::Amqp::new(url).map(|a| Arc::new(a) as Arc<dyn EventQueues>);
            #[cfg(not(feature = "amqp"))]
            {
                let _ = url;
                Err("this stepwise was built without AMQP: build it with --features amqp".into())
            }
        })
    }

    fn nats(&self) -> Arc<dyn EventQueues> {
        let unconfigured = "no NATS server is configured for nats: events: start stepwise with --nats-url nats://HOST:4222 (or STEPWISE_NATS_URL)";
        open(self.nats_url.as_deref(), unconfigured, |url| {
            #[cfg(feature = "nats")]
            return nats::Nats::new(url).map(|n| Arc::new(n) as Arc<dyn EventQueues>);
            #[cfg(not(feature = "nats"))]
            {
                let _ = url;
                Err("this stepwise was built without NATS: build it with --features nats".into())
            }
        })
    }
}

/// The broker at `url` (made by `make`), or one whose every call fails saying why there is none.
fn open(
    url: Option<&str>,
    unconfigured: &str,
    make: impl FnOnce(&str) -> Result<Arc<dyn EventQueues>, String>,
) -> Arc<dyn EventQueues> {
    match url.map(make) {
        Some(Ok(queues)) => queues,
        Some(Err(why)) => unavailable(&why),
        None => unavailable(unconfigured),
    }
}

fn unavailable(why: &str) -> Arc<dyn EventQueues> {
    Arc::new(unavailable::Unavailable(why.to_string()))
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

/// Every kind behind one door: `conductor:` on the embedded queue, `sqs:` on `sqs`, `amqp*:` on
/// `amqp`, `nats:` on `nats`.
pub struct Queues {
    pub embedded: Arc<Embedded>,
    pub sqs: Arc<dyn EventQueues>,
    pub amqp: Arc<dyn EventQueues>,
    pub nats: Arc<dyn EventQueues>,
}

impl Queues {
    /// `conductor:` on the embedded queue of `store`; `sqs:` on the SQS endpoint when one is
    /// configured, else on the embedded queue too; `amqp*:` and `nats:` on `brokers`.
    pub fn new(
        store: &Arc<dyn crate::store::Store>,
        sqs_endpoint: Option<&str>,
        brokers: &Brokers,
    ) -> Queues {
        let embedded = Arc::new(Embedded {
            store: store.clone(),
            clock: SystemClock::shared(),
        });
        let sqs: Arc<dyn EventQueues> = match sqs_endpoint {
            Some(endpoint) => Arc::new(Remote::new(endpoint)),
            None => embedded.clone(),
        };
        Queues {
            embedded,
            sqs,
            amqp: brokers.amqp(),
            nats: brokers.nats(),
        }
    }

    /// Every queue on `embedded` (whose clock may be a test's), no broker configured.
    pub fn on_embedded(embedded: Arc<Embedded>) -> Queues {
        let none = Brokers::default();
        Queues {
            sqs: embedded.clone(),
            embedded,
            amqp: none.amqp(),
            nats: none.nats(),
        }
    }

    fn pick(&self, event: &str) -> &dyn EventQueues {
        match event.split_once(':').map(|(kind, _)| kind) {
            Some("sqs") => self.sqs.as_ref(),
            Some("amqp" | "amqp_queue" | "amqp_exchange") => self.amqp.as_ref(),
            Some("nats") => self.nats.as_ref(),
            _ => self.embedded.as_ref(),
        }
    }
}

impl EventQueues for Queues {
    fn send(&self, event: &str, body: &str, id: &str) -> Result<String, String> {
        self.pick(event).send(event, body, id)
    }
    fn can_send(&self, event: &str) -> Result<(), String> {
        self.pick(event).can_send(event)
    }
    fn listen_to(&self, event: &str) -> Result<(), String> {
        self.pick(event).listen_to(event)
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
