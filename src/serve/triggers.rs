//! Queue triggers: a queue whose messages start executions of a state machine, one per message
//! (the body is the input). The message id names the execution, so a message delivered twice
//! starts one execution; the message is deleted once its execution exists. A message whose
//! execution cannot start stays, becomes visible again, and goes to the queue's dead-letter
//! queue after `maxReceiveCount` receives.

use super::App;
use super::sfn::executions::{machine_arn_of, start};
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

/// Receives one batch per trigger and starts its executions. Returns how many started.
pub fn poll(app: &App) -> usize {
    let mut started = 0;
    for t in &app.settings.triggers {
        let now = app.now();
        let visibility = super::sqs::visibility_timeout_ms(app, &t.queue);
        let batch = t.batch_size.clamp(1, 10);
        let messages = match super::sqs::receive(app, &t.queue, batch, visibility, now) {
            Ok(m) => m,
            Err(e) => {
                eprintln!(
                    "stepwise serve: trigger on queue {}: {}",
                    t.queue, e.message
                );
                continue;
            }
        };
        let machine = machine_arn_of(app, &t.state_machine);
        for m in messages {
            match start(app, &machine, Some(&m.id), Some(&m.body)) {
                Ok(_) => {
                    started += 1;
                    if let Some(h) = &m.receipt_handle
                        && let Err(e) = app.store.delete_message(&t.queue, h)
                    {
                        eprintln!("stepwise serve: trigger on queue {}: {e}", t.queue);
                    }
                }
                Err(e) if e.code == "ExecutionAlreadyExists" => {
                    // Started by an earlier delivery of this message.
                    if let Some(h) = &m.receipt_handle {
                        let _ = app.store.delete_message(&t.queue, h);
                    }
                }
                Err(e) => eprintln!(
                    "stepwise serve: message {} on queue {} did not start {}: {}: {} (it stays on the queue)",
                    m.id, t.queue, t.state_machine, e.code, e.message
                ),
            }
        }
    }
    started
}
