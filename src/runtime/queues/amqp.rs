//! Conductor's AMQP event queues (`amqp_queue:`, `amqp_exchange:`, `amqp:`) on a RabbitMQ
//! broker, through lapin (the `amqp` feature).
//!
//! Publishing is Conductor's: the queue or exchange declared first (durable by default), the
//! message persistent, `application/json`, its AMQP `message-id` the EVENT task's id; and it
//! waits for the broker's publisher confirm, so an EVENT completes only once the broker holds
//! its message.
//!
//! Receiving follows the consumer's contract (`consumer::Source`) with the broker's own
//! acknowledgements: `basic.get` without auto-ack, `basic.ack` on delete. A message the handler
//! keeps stays unacknowledged until its visibility timeout has passed, then it is returned to
//! the queue (`basic.nack` with requeue), as an SQS message becomes visible again; if the
//! connection drops, the broker requeues it itself. The message id handlers deduplicate on is
//! the AMQP `message-id` (Conductor's), so a redelivered message does not act twice.

use super::EventQueues;
use super::amqp_uri::{self, Target};
use super::background::Background;
use crate::runtime::clock::system_now_ms;
use crate::runtime::consumer::{Message, Source};
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// A RabbitMQ broker at `url` (`amqp://user:password@host:5672/vhost`).
pub struct Amqp {
    url: String,
    rt: Background,
    /// The connection, made on first use and again after any error.
    conn: Mutex<Option<Conn>>,
}

struct Conn {
    connection: Connection,
    /// Publishes, in confirm mode.
    publisher: Channel,
    /// One channel per queue read, with its unacknowledged deliveries.
    readers: HashMap<String, Reader>,
    /// Queues and exchanges declared on this connection (by event).
    declared: HashSet<String>,
    /// Numbers the reader channels, so a receipt from a channel since closed is told apart.
    next_reader: u64,
}

struct Reader {
    channel: Channel,
    id: u64,
    /// Delivery tag → when it was received.
    unacked: HashMap<u64, i64>,
}

impl Amqp {
    pub fn new(url: &str) -> Result<Amqp, String> {
        Ok(Amqp {
            url: url.to_string(),
            rt: Background::new("stepwise-amqp")?,
            conn: Mutex::new(None),
        })
    }

    /// Runs `f` on the connection (connecting first when there is none). After an error, what
    /// broke is dropped: a closed channel (its unacknowledged messages go back to the queue),
    /// or the whole connection, and the next call opens them again.
    fn with<T>(
        &self,
        f: impl FnOnce(&Background, &mut Conn) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut slot = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(self.connect()?);
        }
        let conn = slot.as_mut().expect("connected above");
        let r = f(&self.rt, conn);
        if r.is_err() {
            if conn.connection.status().connected() && conn.publisher.status().connected() {
                conn.readers.retain(|_, r| r.channel.status().connected());
                // A closed channel may have been the one that declared: declare again.
                conn.declared.clear();
            } else {
                *slot = None;
            }
        }
        r
    }

    fn connect(&self) -> Result<Conn, String> {
        let at = crate::store::redact::without_password(&self.url);
        let connection = self.rt.run(
            &format!("connecting to the AMQP broker {at}"),
            Connection::connect(&self.url, ConnectionProperties::default()),
        )?;
        let publisher = self
            .rt
            .run("opening an AMQP channel", connection.create_channel())?;
        self.rt.run(
            "enabling publisher confirms",
            publisher.confirm_select(ConfirmSelectOptions::default()),
        )?;
        Ok(Conn {
            connection,
            publisher,
            readers: HashMap::new(),
            declared: HashSet::new(),
            next_reader: 0,
        })
    }
}

impl Conn {
    /// Declares what `event` publishes to (`reading`: and the queue a handler reads), once per
    /// connection.
    fn declare(
        &mut self,
        rt: &Background,
        event: &str,
        t: &Target,
        reading: bool,
    ) -> Result<(), String> {
        let key = format!("{reading}:{event}");
        if self.declared.contains(&key) {
            return Ok(());
        }
        let ch = &self.publisher;
        let mut args = FieldTable::default();
        if let Some(p) = t.max_priority {
            args.insert("x-max-priority".into(), AMQPValue::LongInt(p));
        }
        let queue_options = QueueDeclareOptions {
            durable: t.durable,
            exclusive: t.exclusive,
            auto_delete: t.auto_delete,
            ..QueueDeclareOptions::default()
        };
        match &t.exchange_type {
            None => {
                rt.run(
                    &format!("declaring the queue {}", t.name),
                    ch.queue_declare(t.name.as_str().into(), queue_options, args),
                )?;
            }
            Some(kind) => {
                let options = ExchangeDeclareOptions {
                    durable: t.durable,
                    auto_delete: t.auto_delete,
                    ..ExchangeDeclareOptions::default()
                };
                rt.run(
                    &format!("declaring the exchange {}", t.name),
                    ch.exchange_declare(
                        t.name.as_str().into(),
                        exchange_kind(kind),
                        options,
                        FieldTable::default(),
                    ),
                )?;
                if reading {
                    let queue = t.bound_queue.as_str();
                    rt.run(
                        &format!("declaring the queue {queue}"),
                        ch.queue_declare(queue.into(), queue_options, args),
                    )?;
                    rt.run(
                        &format!("binding the queue {queue} to the exchange {}", t.name),
                        ch.queue_bind(
                            queue.into(),
                            t.name.as_str().into(),
                            t.routing_key.as_str().into(),
                            QueueBindOptions::default(),
                            FieldTable::default(),
                        ),
                    )?;
                }
            }
        }
        self.declared.insert(key);
        Ok(())
    }

    fn reader(&mut self, rt: &Background, queue: &str) -> Result<&mut Reader, String> {
        if !self.readers.contains_key(queue) {
            let channel = rt.run("opening an AMQP channel", self.connection.create_channel())?;
            self.next_reader += 1;
            let reader = Reader {
                channel,
                id: self.next_reader,
                unacked: HashMap::new(),
            };
            self.readers.insert(queue.to_string(), reader);
        }
        Ok(self.readers.get_mut(queue).expect("inserted above"))
    }
}

impl EventQueues for Amqp {
    fn send(&self, event: &str, body: &str, id: &str) -> Result<String, String> {
        let t = amqp_uri::parse(event)?;
        self.with(|rt, c| {
            c.declare(rt, event, &t, false)?;
            let (exchange, key) = match t.exchange_type {
                Some(_) => (t.name.as_str(), t.routing_key.as_str()),
                None => ("", t.name.as_str()),
            };
            let properties = BasicProperties::default()
                .with_message_id(id.into())
                .with_content_type("application/json".into())
                .with_content_encoding("UTF-8".into())
                .with_delivery_mode(t.delivery_mode)
                .with_timestamp(u64::try_from(system_now_ms() / 1000).unwrap_or(0));
            let confirm = rt.run(&format!("publishing to {event}"), async {
                c.publisher
                    .basic_publish(
                        exchange.into(),
                        key.into(),
                        BasicPublishOptions::default(),
                        body.as_bytes(),
                        properties,
                    )
                    .await?
                    .await
            })?;
            if confirm.is_nack() {
                return Err(format!("the AMQP broker refused the message to {event}"));
            }
            Ok(id.to_string())
        })
    }

    /// Declares the queue a handler reads (for an exchange: bound to it), so what is published
    /// from now on waits there for the listener.
    fn listen_to(&self, event: &str) -> Result<(), String> {
        let t = amqp_uri::parse(event)?;
        self.with(|rt, c| c.declare(rt, event, &t, true))
    }
}

impl Source for Amqp {
    fn receive(&self, event: &str, max: usize, visibility_ms: i64) -> Result<Vec<Message>, String> {
        let t = amqp_uri::parse(event)?;
        self.with(|rt, c| {
            c.declare(rt, event, &t, true)?;
            let reader = c.reader(rt, t.queue())?;
            let now = system_now_ms();
            // Kept past their visibility: back to the queue, for this or another consumer.
            let expired: Vec<u64> = reader
                .unacked
                .iter()
                .filter(|(_, at)| now - **at >= visibility_ms)
                .map(|(tag, _)| *tag)
                .collect();
            for tag in expired {
                let requeue = BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                };
                rt.run(
                    "returning a message to its queue",
                    reader.channel.basic_nack(tag, requeue),
                )?;
                reader.unacked.remove(&tag);
            }
            let mut out = Vec::new();
            while out.len() < max {
                let got = rt.run(
                    &format!("reading {}", t.queue()),
                    reader
                        .channel
                        .basic_get(t.queue().into(), BasicGetOptions { no_ack: false }),
                )?;
                let Some(got) = got else { break };
                let d = got.delivery;
                reader.unacked.insert(d.delivery_tag, now);
                let id = d
                    .properties
                    .message_id()
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                let sent_ms = d
                    .properties
                    .timestamp()
                    .map_or(now, |s| i64::try_from(s).unwrap_or(0).saturating_mul(1000));
                out.push(Message {
                    id,
                    receipt: format!("{}:{}", reader.id, d.delivery_tag),
                    body: String::from_utf8_lossy(&d.data).into_owned(),
                    attributes: "{}".into(),
                    receive_count: if d.redelivered { 2 } else { 1 },
                    sent_ms,
                    first_receive_ms: None,
                });
            }
            Ok(out)
        })
    }

    fn delete(&self, event: &str, receipt: &str) -> Result<(), String> {
        let t = amqp_uri::parse(event)?;
        let stale = || {
            format!("{event}: the message {receipt} was returned to its queue before it was done")
        };
        let (reader_id, tag) = receipt
            .split_once(':')
            .and_then(|(r, t)| Some((r.parse::<u64>().ok()?, t.parse::<u64>().ok()?)))
            .ok_or_else(stale)?;
        self.with(|rt, c| {
            let Some(reader) = c.readers.get_mut(t.queue()) else {
                return Err(stale());
            };
            // Acknowledging a tag the channel does not hold would close the channel.
            if reader.id != reader_id || reader.unacked.remove(&tag).is_none() {
                return Err(stale());
            }
            rt.run(
                "acknowledging a message",
                reader.channel.basic_ack(tag, BasicAckOptions::default()),
            )
        })
    }
}

fn exchange_kind(kind: &str) -> ExchangeKind {
    match kind.to_ascii_lowercase().as_str() {
        "direct" => ExchangeKind::Direct,
        "fanout" => ExchangeKind::Fanout,
        "headers" => ExchangeKind::Headers,
        "topic" => ExchangeKind::Topic,
        _ => ExchangeKind::Custom(kind.to_string()),
    }
}
