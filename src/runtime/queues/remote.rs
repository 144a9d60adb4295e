//! Conductor's `sqs:` queues on an SQS endpoint, through `aws-sdk-sqs` (the `aws` feature).

use super::{EventQueues, queue_of};
use crate::integrations::aws;
use crate::integrations::sqs::{self, Backend, SendRequest};
use crate::runtime::consumer::{Message, Source};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use std::sync::Mutex;

/// An SQS endpoint through `aws-sdk-sqs`: queue names are looked up (and created when missing),
/// URLs used as given.
pub struct Remote {
    endpoint: String,
    /// `sqs:sendMessage`'s backend: sends, and the connection receives use too.
    sender: sqs::remote::Remote,
    urls: Mutex<crate::runtime::bounded::Bounded<String>>,
}

/// The SQS connection (`sqs:sendMessage`'s), and the queue URLs found so far by name.
struct Conn<'a> {
    sqs: &'a sqs::remote::Conn,
    urls: &'a Mutex<crate::runtime::bounded::Bounded<String>>,
}

impl Remote {
    pub fn new(endpoint: &str) -> Remote {
        Remote {
            endpoint: endpoint.to_string(),
            sender: sqs::remote::Remote::new(endpoint),
            urls: Mutex::new(crate::runtime::bounded::Bounded::new(1_024, 1024 * 1024)),
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
