//! A kind of event queue this process cannot reach: not configured (`--amqp-url`, `--nats-url`),
//! or left out of the build (its cargo feature). Every send and receive fails saying which.

use super::EventQueues;
use crate::runtime::consumer::{Message, Source};

pub struct Unavailable(pub String);

impl EventQueues for Unavailable {
    fn send(&self, _event: &str, _body: &str, _id: &str) -> Result<String, String> {
        Err(self.0.clone())
    }

    fn can_send(&self, _event: &str) -> Result<(), String> {
        Err(self.0.clone())
    }
}

impl Source for Unavailable {
    fn receive(
        &self,
        _event: &str,
        _max: usize,
        _visibility_ms: i64,
    ) -> Result<Vec<Message>, String> {
        Err(self.0.clone())
    }

    fn delete(&self, _event: &str, _receipt: &str) -> Result<(), String> {
        Err(self.0.clone())
    }
}
