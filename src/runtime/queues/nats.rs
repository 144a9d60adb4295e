//! Conductor's `nats:` event queues on a NATS server, through async-nats (the `nats` feature).
//!
//! `nats:SUBJECT` publishes to and subscribes to SUBJECT; `nats:SUBJECT:GROUP` subscribes in the
//! queue group GROUP, so several stepwise nodes share the messages (Conductor's `subject:queue`).
//! Publishing sets the `Nats-Msg-Id` header to the EVENT task's id (the id handlers deduplicate
//! on; JetStream's deduplication header too) and flushes, so the server holds the message before
//! the EVENT completes.
//!
//! Core NATS delivers to whoever is subscribed at that moment and keeps nothing, as in
//! Conductor: a handler's subject is subscribed to from the moment the handler is registered on
//! this node (`listen_to`), or, for one registered on another node, from this node's next
//! listening round. What a subscription received waits here until the listener reads it; a
//! message a handler keeps (an action failed) is offered again after its visibility timeout, as
//! long as this process lives.

use super::EventQueues;
use super::background::Background;
use crate::runtime::clock::system_now_ms;
use crate::runtime::consumer::{Message, Source};
use async_nats::{Client, HeaderMap, Subscriber};
use futures_util::{FutureExt, StreamExt};
use std::collections::HashMap;
use std::sync::Mutex;

/// The header that carries a message's id.
const MSG_ID: &str = "Nats-Msg-Id";

/// Messages received and not yet done, per subject, at most: past it the subscription's own
/// buffer holds the rest.
const MAX_IN_FLIGHT: usize = 10_000;

/// A NATS server at `url` (`nats://host:4222`).
pub struct Nats {
    url: String,
    rt: Background,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    client: Option<Client>,
    /// By event.
    subscriptions: HashMap<String, Subscription>,
}

struct Subscription {
    subscriber: Subscriber,
    /// Receipt → the message and when it was last handed out.
    in_flight: HashMap<String, (Message, i64)>,
}

impl Nats {
    pub fn new(url: &str) -> Result<Nats, String> {
        Ok(Nats {
            url: url.to_string(),
            rt: Background::new("stepwise-nats")?,
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client, connected on first use (it reconnects, and resubscribes, by itself).
    fn client(&self, state: &mut State) -> Result<Client, String> {
        if let Some(c) = &state.client {
            return Ok(c.clone());
        }
        let c = self.rt.run(
            &format!(
                "connecting to the NATS server {}",
                crate::store::redact::without_password(&self.url)
            ),
            async_nats::connect(self.url.as_str()),
        )?;
        state.client = Some(c.clone());
        Ok(c)
    }

    /// Subscribes to `event` unless this process already does.
    fn subscribe<'a>(
        &self,
        state: &'a mut State,
        event: &str,
    ) -> Result<&'a mut Subscription, String> {
        if !state.subscriptions.contains_key(event) {
            let (subject, group) = subject_of(event)?;
            let client = self.client(state)?;
            let what = format!("subscribing to {event}");
            let subscriber = match group {
                Some(g) => self.rt.run(
                    &what,
                    client.queue_subscribe(subject.to_string(), g.to_string()),
                )?,
                None => self.rt.run(&what, client.subscribe(subject.to_string()))?,
            };
            let s = Subscription {
                subscriber,
                in_flight: HashMap::new(),
            };
            state.subscriptions.insert(event.to_string(), s);
        }
        Ok(state.subscriptions.get_mut(event).expect("inserted above"))
    }
}

/// `nats:SUBJECT[:GROUP]` → (SUBJECT, GROUP).
fn subject_of(event: &str) -> Result<(&str, Option<&str>), String> {
    let rest = event.strip_prefix("nats:").unwrap_or(event);
    let (subject, group) = match rest.split_once(':') {
        Some((s, g)) => (s, Some(g).filter(|g| !g.is_empty())),
        None => (rest, None),
    };
    if subject.is_empty() {
        return Err(format!("\"{event}\" names no subject: write nats:SUBJECT"));
    }
    Ok((subject, group))
}

impl EventQueues for Nats {
    fn send(&self, event: &str, body: &str, id: &str) -> Result<String, String> {
        let (subject, _) = subject_of(event)?;
        let client = self.client(&mut self.state())?;
        let mut headers = HeaderMap::new();
        headers.insert(MSG_ID, id);
        let payload = body.to_string().into_bytes().into();
        self.rt.run(&format!("publishing to {event}"), async {
            client
                .publish_with_headers(subject.to_string(), headers, payload)
                .await
                .map_err(|e| e.to_string())?;
            client.flush().await.map_err(|e| e.to_string())
        })?;
        Ok(id.to_string())
    }

    fn listen_to(&self, event: &str) -> Result<(), String> {
        self.subscribe(&mut self.state(), event).map(|_| ())
    }
}

impl Source for Nats {
    fn receive(&self, event: &str, max: usize, visibility_ms: i64) -> Result<Vec<Message>, String> {
        let mut state = self.state();
        let s = self.subscribe(&mut state, event)?;
        let now = system_now_ms();
        let mut out = Vec::new();
        for (m, at) in s.in_flight.values_mut() {
            if out.len() < max && now - *at >= visibility_ms {
                *at = now;
                m.receive_count += 1;
                out.push(m.clone());
            }
        }
        while out.len() < max && s.in_flight.len() < MAX_IN_FLIGHT {
            let Some(Some(got)) = s.subscriber.next().now_or_never() else {
                break;
            };
            let id = got
                .headers
                .as_ref()
                .and_then(|h| h.get(MSG_ID))
                .map(|v| v.as_str().to_string())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let m = Message {
                receipt: uuid::Uuid::new_v4().to_string(),
                id,
                body: String::from_utf8_lossy(&got.payload).into_owned(),
                attributes: "{}".into(),
                receive_count: 1,
                sent_ms: now,
                first_receive_ms: Some(now),
            };
            s.in_flight.insert(m.receipt.clone(), (m.clone(), now));
            out.push(m);
        }
        Ok(out)
    }

    fn delete(&self, event: &str, receipt: &str) -> Result<(), String> {
        if let Some(s) = self.state().subscriptions.get_mut(event) {
            s.in_flight.remove(receipt);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::subject_of;

    #[test]
    fn a_subject_may_name_its_queue_group() {
        assert_eq!(
            subject_of("nats:orders.ready").unwrap(),
            ("orders.ready", None)
        );
        assert_eq!(
            subject_of("nats:orders.ready:workers").unwrap(),
            ("orders.ready", Some("workers"))
        );
        assert!(
            subject_of("nats:")
                .unwrap_err()
                .contains("names no subject")
        );
    }
}
