//! Conductor's `sqs:` queues in a build without the `aws` feature: with an SQS endpoint
//! configured, sends and receives fail saying which feature reaches it.

use super::EventQueues;
use crate::integrations::sqs;
use crate::runtime::consumer::{Message, Source};

pub struct Remote {
    sender: sqs::remote::Remote,
}

impl Remote {
    pub fn new(endpoint: &str) -> Remote {
        Remote {
            sender: sqs::remote::Remote::new(endpoint),
        }
    }

    fn unavailable<T>(&self) -> Result<T, String> {
        Err(self.sender.unavailable().to_string())
    }
}

impl EventQueues for Remote {
    fn send(&self, _event: &str, _body: &str, _id: &str) -> Result<String, String> {
        self.unavailable()
    }
}

impl Source for Remote {
    fn receive(
        &self,
        _queue: &str,
        _max: usize,
        _visibility_ms: i64,
    ) -> Result<Vec<Message>, String> {
        self.unavailable()
    }

    fn delete(&self, _queue: &str, _receipt: &str) -> Result<(), String> {
        self.unavailable()
    }
}
