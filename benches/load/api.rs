//! One client connection as the workload uses it: a call is timed under its operation's label,
//! its answer parsed, a dropped connection reopened; failures are values the caller classifies.

use super::stats::Stats;
use crate::support::Client;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

pub struct Api {
    addr: String,
    client: Option<Client>,
    pub stats: Arc<Stats>,
}

/// An error answer (`code` is AWS's `__type` without its prefix) or a transport failure
/// (`code` is `io`).
#[derive(Debug)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl Api {
    pub fn new(addr: &str, stats: Arc<Stats>) -> Api {
        Api {
            addr: addr.to_string(),
            client: None,
            stats,
        }
    }

    /// A Step Functions call timed as `label`.
    pub fn sfn(&mut self, label: &'static str, op: &str, body: &Value) -> Result<Value, Failure> {
        self.call(label, &format!("AWSStepFunctions.{op}"), body)
    }

    /// An SQS call timed as `label`.
    pub fn sqs(&mut self, label: &'static str, op: &str, body: &Value) -> Result<Value, Failure> {
        self.call(label, &format!("AmazonSQS.{op}"), body)
    }

    /// As `sfn`, and a failure is an unintended error.
    pub fn sfn_ok(&mut self, label: &'static str, op: &str, body: &Value) -> Option<Value> {
        let out = self.sfn(label, op, body);
        self.expect(label, out)
    }

    /// As `sqs`, and a failure is an unintended error.
    pub fn sqs_ok(&mut self, label: &'static str, op: &str, body: &Value) -> Option<Value> {
        let out = self.sqs(label, op, body);
        self.expect(label, out)
    }

    /// One long poll (1 s, up to 10 messages) of `queue`: its messages; after a failure (counted
    /// by `sqs_ok`), none, a tenth of a second later.
    pub fn receive(&mut self, label: &'static str, queue: &str) -> Vec<Value> {
        let body =
            serde_json::json!({"QueueUrl": queue, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1});
        match self.sqs_ok(label, "ReceiveMessage", &body) {
            Some(out) => out["Messages"].as_array().cloned().unwrap_or_default(),
            None => {
                std::thread::sleep(std::time::Duration::from_millis(100));
                Vec::new()
            }
        }
    }

    fn expect(&self, label: &str, out: Result<Value, Failure>) -> Option<Value> {
        out.map_err(|f| {
            self.stats
                .unintended(&format!("{label}: {}", f.code), f.message)
        })
        .ok()
    }

    fn call(&mut self, label: &'static str, target: &str, body: &Value) -> Result<Value, Failure> {
        let io = |e: std::io::Error| Failure {
            code: "io".into(),
            message: e.to_string(),
        };
        if self.client.is_none() {
            self.client = Some(Client::connect(&self.addr).map_err(io)?);
        }
        let client = self.client.as_mut().expect("connected");
        let t = Instant::now();
        let answer = client.try_target(target, &body.to_string());
        let elapsed = t.elapsed();
        let (status, text) = answer.map_err(|e| {
            self.client = None;
            io(e)
        })?;
        self.stats.record(label, elapsed);
        let value: Value = serde_json::from_str(&text).map_err(|e| Failure {
            code: "unreadable answer".into(),
            message: format!("{e}: {text}"),
        })?;
        if status == 200 {
            return Ok(value);
        }
        let kind = value["__type"].as_str().unwrap_or("no __type");
        Err(Failure {
            code: format!("{status} {}", kind.rsplit('#').next().unwrap_or(kind)),
            message: value["message"]
                .as_str()
                .or(value["Message"].as_str())
                .unwrap_or(&text)
                .to_string(),
        })
    }
}
