//! The resources the workload uses, created through the API before the clients start: two
//! queues, an activity and four state machines (one per `tracker::Kind`).

use super::api::Api;
use super::tracker::Kind;
use serde_json::{Value, json};

/// Seconds the timing-out callback Task waits for its token.
pub const TIMEOUT_SECONDS: u64 = 2;

pub struct Setup {
    /// Where the callback Tasks send their tokens.
    pub callbacks_url: String,
    /// Plain SQS traffic, no executions involved.
    pub plain_url: String,
    pub activity: String,
    machines: Vec<(Kind, String)>,
}

impl Setup {
    pub fn create(api: &mut Api) -> Result<Setup, String> {
        let mut ok = |label, op: &str, body: Value, sqs: bool| {
            let out = if sqs {
                api.sqs(label, op, &body)
            } else {
                api.sfn(label, op, &body)
            };
            out.map_err(|e| format!("{op}: {e}"))
        };
        let url = |v: Value| v["QueueUrl"].as_str().unwrap_or_default().to_string();
        let callbacks_url = url(ok(
            "setup",
            "CreateQueue",
            json!({"QueueName": "load-callbacks"}),
            true,
        )?);
        let plain_url = url(ok(
            "setup",
            "CreateQueue",
            json!({"QueueName": "load-plain"}),
            true,
        )?);
        let activity = ok(
            "setup",
            "CreateActivity",
            json!({"name": "load-work"}),
            false,
        )?["activityArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut machines = Vec::new();
        for kind in Kind::ALL {
            let definition = definition(kind, &callbacks_url, &activity);
            let created = ok(
                "setup",
                "CreateStateMachine",
                json!({
                    "name": format!("load-{kind:?}").to_lowercase(),
                    "definition": definition.to_string(),
                    "roleArn": "arn:aws:iam::123456789012:role/load",
                }),
                false,
            )?;
            let arn = created["stateMachineArn"].as_str().unwrap_or_default();
            machines.push((kind, arn.to_string()));
        }
        Ok(Setup {
            callbacks_url,
            plain_url,
            activity,
            machines,
        })
    }

    pub fn machine(&self, kind: Kind) -> &str {
        &self
            .machines
            .iter()
            .find(|(k, _)| *k == kind)
            .expect("every kind")
            .1
    }
}

fn definition(kind: Kind, queue: &str, activity: &str) -> Value {
    let done = json!({"Type": "Pass", "End": true});
    match kind {
        Kind::Wait => json!({"StartAt": "Fan", "States": {
            "Fan": {"Type": "Map", "ItemsPath": "$.waits", "MaxConcurrency": 0,
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Sleep",
                    "States": {"Sleep": {"Type": "Wait", "SecondsPath": "$", "End": true}}},
                "ResultPath": null, "Next": "Done"},
            "Done": done
        }}),
        Kind::Callback | Kind::Timeout => json!({"StartAt": "Ask", "States": {
            "Ask": {"Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue,
                    "MessageBody": {"token.$": "$$.Task.Token", "late.$": "$.late", "t.$": "$.t"}},
                "TimeoutSeconds": if kind == Kind::Timeout { TIMEOUT_SECONDS } else { 120 },
                "Next": "Done"},
            "Done": done
        }}),
        Kind::Activity => json!({"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": activity, "HeartbeatSeconds": 60,
                "TimeoutSeconds": 120, "Next": "Done"},
            "Done": done
        }}),
    }
}
