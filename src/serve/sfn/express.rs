//! What an Express state machine may not contain: activities and the `.sync` and
//! `.waitForTaskToken` patterns (an Express execution cannot wait for a callback). AWS refuses
//! them when the machine is created, updated or validated with type `EXPRESS`.

use crate::asl::Diagnostic;
use crate::data::diagnostic::escape_token;
use serde_json::{Map, Value};

/// Every Task of the definition (nested ones included) an Express machine cannot run.
pub fn problems(definition: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(states) = definition.get("States").and_then(Value::as_object) {
        walk(states, "", &mut out);
    }
    out
}

fn walk(states: &Map<String, Value>, base: &str, out: &mut Vec<Diagnostic>) {
    for (name, state) in states {
        let at = format!("{base}/States/{}", escape_token(name));
        match state.get("Type").and_then(Value::as_str) {
            Some("Task") => {
                if let Some(message) = state
                    .get("Resource")
                    .and_then(Value::as_str)
                    .and_then(refusal)
                {
                    out.push(Diagnostic {
                        code: "SCHEMA_VALIDATION_FAILED",
                        pointer: Some(format!("{at}/Resource")),
                        message: message.to_string(),
                    });
                }
            }
            Some("Parallel") => {
                let branches = state.get("Branches").and_then(Value::as_array);
                for (i, branch) in branches.into_iter().flatten().enumerate() {
                    nested(branch, &format!("{at}/Branches/{i}"), out);
                }
            }
            Some("Map") => {
                for key in ["ItemProcessor", "Iterator"] {
                    if let Some(processor) = state.get(key) {
                        nested(processor, &format!("{at}/{key}"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn nested(block: &Value, at: &str, out: &mut Vec<Diagnostic>) {
    if let Some(states) = block.get("States").and_then(Value::as_object) {
        walk(states, at, out);
    }
}

/// AWS's message for a resource Express refuses (the trailing spaces are AWS's).
fn refusal(resource: &str) -> Option<&'static str> {
    if resource.starts_with("arn:") && resource.split(':').nth(5) == Some("activity") {
        Some("Express state machine does not support Activity ARN")
    } else if resource.ends_with(".waitForTaskToken") {
        Some("Express state machine does not support '.waitForTaskToken' service integration ")
    } else if resource.ends_with(".sync") || resource.ends_with(".sync:2") {
        Some("Express state machine does not support '.sync' service integration ")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointers(definition: Value) -> Vec<String> {
        problems(&definition)
            .into_iter()
            .filter_map(|d| d.pointer)
            .collect()
    }

    #[test]
    fn refuses_callbacks_activities_and_sync_at_any_depth() {
        let task = |r: &str| json!({"Type": "Task", "Resource": r, "End": true});
        let found = pointers(json!({"StartAt": "A", "States": {
            "A": task("arn:aws:states:us-east-1:123456789012:activity:work"),
            "B": task("arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
            "C": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "D", "States": {"D": task("arn:aws:states:::states:startExecution.sync:2")}}
            ]},
            "E": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "F", "States": {
                "F": task("arn:aws:states:::lambda:invoke")
            }}},
        }}));
        assert_eq!(
            found,
            [
                "/States/A/Resource",
                "/States/B/Resource",
                "/States/C/Branches/0/States/D/Resource"
            ]
        );
    }
}
