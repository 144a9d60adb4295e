//! Definition-time warnings about Task states stepwise cannot call: a valid definition may
//! still name a service integration stepwise has no client for. `stepwise validate` and `run`
//! print them; the definition stays valid (a mock or `--task` command can serve such a task).

use super::{Route, route};
use crate::asl::model::ResourceKind;
use serde_json::Value;

/// A Task state stepwise cannot call: where its `Resource` is, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// JSON pointer to the `Resource` field.
    pub pointer: String,
    pub message: String,
}

/// The warnings for a definition (any depth: Parallel branches, Map processors).
pub fn warnings(definition: &Value) -> Vec<Warning> {
    let mut out = Vec::new();
    walk(definition, "", &mut out);
    out
}

fn walk(block: &Value, at: &str, out: &mut Vec<Warning>) {
    let Some(states) = block.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let here = format!("{at}/States/{}", escape(name));
        if state.get("Type").and_then(Value::as_str) == Some("Task")
            && let Some(arn) = state.get("Resource").and_then(Value::as_str)
            && let Some(message) = uncallable(arn)
        {
            out.push(Warning {
                pointer: format!("{here}/Resource"),
                message,
            });
        }
        if let Some(branches) = state.get("Branches").and_then(Value::as_array) {
            for (i, b) in branches.iter().enumerate() {
                walk(b, &format!("{here}/Branches/{i}"), out);
            }
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(p) = state.get(key) {
                walk(p, &format!("{here}/{key}"), out);
            }
        }
    }
}

/// Why stepwise cannot call the resource `arn`; `None` when it can (or when a handler other
/// than the AWS services serves it).
pub fn uncallable(arn: &str) -> Option<String> {
    let (kind, _) = crate::asl::load::classify_resource(arn)?;
    if let Some((route, _)) = route(&kind) {
        return match route {
            Route::Cannot(why) => Some(why),
            _ => None,
        };
    }
    let ResourceKind::Service { service, action } = &kind else {
        return None;
    };
    let base = action.split('.').next().unwrap_or_default();
    let served = match service.as_str() {
        "lambda" => base == "invoke",
        "sqs" => base == "sendMessage",
        // Step Functions itself (nested executions), and its API through aws-sdk.
        "states" | "aws-sdk:sfn" => true,
        _ => false,
    };
    (!served).then(|| super::cannot_call(&format!("the {service}:{action} integration")))
}

/// `~` and `/` escaped as JSON pointers escape them.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tasks_stepwise_cannot_call_are_named_with_their_pointer() {
        let def = json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "Next": "B"},
            "B": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:invoke", "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "G", "States": {
                "G": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": true}}}],
                "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": {"StartAt": "S", "States": {
                "S": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": true}}},
                "Next": "L"},
            "L": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true}
        }});
        let w = warnings(&def);
        let pointers: Vec<&str> = w.iter().map(|w| w.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/States/B/Resource",
                "/States/P/Branches/0/States/G/Resource"
            ]
        );
        assert!(
            w[1].message.contains("glue:startJobRun.sync"),
            "{}",
            w[1].message
        );
    }
}
