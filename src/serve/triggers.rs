//! Queue triggers: a queue whose messages start executions of a state machine, one per message
//! (the body is the input). The message id names the execution, so a message delivered twice
//! starts one execution; the message is deleted once its execution exists. A message whose
//! execution cannot start stays, becomes visible again, and goes to the queue's dead-letter
//! queue after `maxReceiveCount` receives. The queue is read by `runtime::consumer::round`.

use super::App;
use super::sfn::executions::{machine_arn_of, start};
use crate::runtime::consumer::{self, Message, Outcome};
use crate::runtime::queues::Embedded;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Trigger {
    pub queue: String,
    /// A state machine name or ARN.
    pub state_machine: String,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
}

fn default_batch() -> usize {
    10
}

/// The triggers file: `{"triggers": [{"queue", "stateMachine", "batchSize"}]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggersFile {
    pub triggers: Vec<Trigger>,
}

impl std::str::FromStr for Trigger {
    type Err = String;

    /// `QUEUE=STATE_MACHINE` (batch size 10; the triggers file can set another).
    fn from_str(s: &str) -> Result<Trigger, String> {
        let (queue, machine) = s
            .split_once('=')
            .filter(|(q, m)| !q.is_empty() && !m.is_empty())
            .ok_or_else(|| format!("expected QUEUE=STATE_MACHINE, got '{s}'"))?;
        Ok(Trigger {
            queue: queue.to_string(),
            state_machine: machine.to_string(),
            batch_size: default_batch(),
        })
    }
}

/// Receives one batch per trigger and starts its executions. Returns how many messages it took.
pub fn poll(app: &App) -> usize {
    let source = Embedded {
        store: app.store.clone(),
        clock: app.clock.clone(),
    };
    let mut received = 0;
    for t in &app.settings.triggers {
        let visibility = super::sqs::visibility_timeout_ms(app, &t.queue);
        let machine = machine_arn_of(app, &t.state_machine);
        let start_each = |batch: &[Message]| {
            let started = |m: &Message| match start(app, &machine, Some(&m.id), Some(&m.body)) {
                Ok(_) => Outcome::Done,
                // Started by an earlier delivery of this message.
                Err(e) if e.code == "ExecutionAlreadyExists" => Outcome::Done,
                Err(e) => {
                    tracing::warn!(
                        "message {} on queue {} did not start {}: {}: {} (it stays on the queue)",
                        m.id,
                        t.queue,
                        t.state_machine,
                        e.code,
                        e.message
                    );
                    Outcome::Keep
                }
            };
            batch.iter().map(started).collect()
        };
        let batch = t.batch_size.clamp(1, 10);
        match consumer::round(&source, &t.queue, batch, visibility, start_each) {
            Ok(round) => {
                for p in round.problems {
                    tracing::warn!("trigger on queue {}: {p}", t.queue);
                }
                received += round.received;
            }
            Err(e) => tracing::warn!("trigger on queue {}: {e}", t.queue),
        }
    }
    received
}
