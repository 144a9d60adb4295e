//! `stepwise queue create|list|send|receive|purge|delete`: the embedded queue, by hand. Output is
//! shaped as the SQS API answers (CreateQueue, ListQueues, SendMessage, ReceiveMessage).

use super::report::usage;
use crate::integrations::sqs::md5;
use crate::runtime::clock::system_now_ms;
use crate::store::Store;
use crate::store::queue::NewMessage;
use clap::Subcommand;
use serde_json::{Map, Value, json};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    #[command(flatten)]
    db: super::store::Db,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Create a queue (no change when it exists).
    Create {
        name: String,
        /// SQS attributes, e.g. `--attribute VisibilityTimeout=60`; FIFO queues end in `.fifo`.
        #[arg(long = "attribute", value_name = "NAME=VALUE")]
        attributes: Vec<String>,
    },
    /// The queues and how many messages they hold.
    List,
    /// Send BODY to the queue.
    Send {
        name: String,
        body: String,
        #[arg(long)]
        delay_seconds: Option<i64>,
        #[arg(long)]
        message_group_id: Option<String>,
        #[arg(long)]
        message_deduplication_id: Option<String>,
    },
    /// Receive messages; they stay invisible for the visibility timeout unless `--delete`.
    Receive {
        name: String,
        #[arg(long, default_value_t = 1)]
        max_number_of_messages: usize,
        #[arg(long, default_value_t = 30)]
        visibility_timeout: i64,
        /// Delete what was received (consume it).
        #[arg(long)]
        delete: bool,
    },
    /// Delete every message of the queue.
    Purge { name: String },
    /// Delete the queue and its messages.
    Delete { name: String },
}

pub fn main(args: Args) -> ExitCode {
    let (_, store) = match args.db.open() {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    match run(&*store, args.action) {
        Ok(doc) => {
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn url(name: &str) -> String {
    format!(
        "https://sqs.{}.amazonaws.com/{}/{name}",
        crate::arn::DEFAULT_REGION,
        crate::arn::DEFAULT_ACCOUNT
    )
}

fn missing(name: &str) -> ExitCode {
    eprintln!(
        "An error occurred (AWS.SimpleQueueService.NonExistentQueue): The specified queue does not exist: '{name}'; create it with `stepwise queue create {name}`"
    );
    ExitCode::from(1)
}

fn run(store: &dyn Store, action: Action) -> Result<Value, ExitCode> {
    let now = system_now_ms();
    match action {
        Action::Create { name, attributes } => {
            let attrs = parse_attributes(&name, &attributes).map_err(usage)?;
            store
                .create_queue(&name, &attrs.to_string(), now)
                .map_err(usage)?;
            Ok(json!({ "QueueUrl": url(&name) }))
        }
        Action::List => {
            let queues = store.list_queues("").map_err(usage)?;
            let mut list = Vec::new();
            for q in &queues {
                let c = store.queue_counts(&q.name, now).map_err(usage)?;
                list.push(json!({"QueueUrl": url(&q.name), "Visible": c.visible, "InFlight": c.in_flight, "Delayed": c.delayed}));
            }
            Ok(json!({ "Queues": list }))
        }
        Action::Send {
            name,
            body,
            delay_seconds,
            message_group_id,
            message_deduplication_id,
        } => {
            let delay_ms = match delay_seconds {
                Some(s) => s.max(0) * 1000,
                None => store
                    .queue(&name)
                    .map_err(usage)?
                    .map_or(0, |q| crate::store::queue::queue_delay_ms(&q.attributes)),
            };
            let message = NewMessage {
                queue: name.clone(),
                id: uuid::Uuid::new_v4().to_string(),
                body: body.clone(),
                attributes: "{}".into(),
                visible_at_ms: now + delay_ms,
                sent_ms: now,
                group_id: message_group_id,
                deduplication_id: message_deduplication_id,
            };
            let stored = store
                .send_message(&message)
                .map_err(usage)?
                .ok_or_else(|| missing(&name))?;
            Ok(json!({ "MessageId": stored.id, "MD5OfMessageBody": md5::of_body(&body) }))
        }
        Action::Receive {
            name,
            max_number_of_messages,
            visibility_timeout,
            delete,
        } => {
            if store.queue(&name).map_err(usage)?.is_none() {
                return Err(missing(&name));
            }
            let got = store
                .receive_messages(
                    &name,
                    max_number_of_messages.clamp(1, 10),
                    visibility_timeout * 1000,
                    now,
                )
                .map_err(usage)?;
            let mut messages = Vec::new();
            for m in &got {
                if delete && let Some(h) = &m.receipt_handle {
                    store.delete_message(&name, h).map_err(usage)?;
                }
                messages.push(json!({
                    "MessageId": m.id,
                    "ReceiptHandle": m.receipt_handle,
                    "MD5OfBody": md5::of_body(&m.body),
                    "Body": m.body,
                    "Attributes": {"ApproximateReceiveCount": m.receive_count.to_string(), "SentTimestamp": m.sent_ms.to_string()},
                }));
            }
            Ok(json!({ "Messages": messages }))
        }
        Action::Purge { name } => {
            store.purge_queue(&name).map_err(usage)?;
            Ok(json!({}))
        }
        Action::Delete { name } => match store.delete_queue(&name).map_err(usage)? {
            true => Ok(json!({})),
            false => Err(missing(&name)),
        },
    }
}

fn parse_attributes(name: &str, given: &[String]) -> Result<Value, String> {
    let mut m = Map::new();
    for a in given {
        let (k, v) = a
            .split_once('=')
            .ok_or_else(|| format!("--attribute expects NAME=VALUE, got '{a}'"))?;
        m.insert(k.to_string(), json!(v));
    }
    if name.ends_with(".fifo") {
        m.entry("FifoQueue").or_insert(json!("true"));
    }
    Ok(Value::Object(m))
}
