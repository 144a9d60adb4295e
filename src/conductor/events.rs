//! Event handlers: for one message from a queue, which handlers' conditions hold and what their
//! actions become once `${...}` is resolved against the message (Conductor's
//! `DefaultEventProcessor` and `SimpleActionProcessor`). Pure: the runtime performs the actions,
//! once per `(handler, message, action)`.

use super::def::{ActionKind, EventHandler, TaskDetails};
use super::document::resolve_in;
use super::expr::expand_inline_json;
use super::js::{Script, conductor_truthy};
use serde_json::{Map, Value, json};

/// An action with its values resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    StartWorkflow {
        name: String,
        version: Option<i64>,
        correlation_id: Option<String>,
        /// With `conductor.event.messageId` and `conductor.event.name`.
        input: Map<String, Value>,
        /// The action's `taskToDomain`, else the message's (an EVENT task's carries its
        /// workflow's).
        task_to_domain: crate::conductor::domains::TaskToDomain,
    },
    /// complete_task (`failed` false) or fail_task.
    UpdateTask {
        failed: bool,
        workflow_id: Option<String>,
        task_ref: Option<String>,
        task_id: Option<String>,
        /// The task's new output: the resolved details, and the message's id and event.
        output: Map<String, Value>,
        reason: Option<String>,
    },
    Terminate {
        workflow_id: Option<String>,
        reason: Option<String>,
    },
    UpdateVariables {
        workflow_id: Option<String>,
        variables: Map<String, Value>,
        append_array: bool,
    },
}

/// What one handler does with one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The condition did not hold (recorded as SKIPPED).
    Skipped,
    /// The actions, in order, each to run once.
    Run(Vec<Resolved>),
}

/// The payload as Conductor reads a message body: JSON, else the text itself.
pub fn payload_of(body: &str) -> Value {
    // JSON nested deeper than stepwise accepts stays text, as a body that is not JSON does: a
    // workflow started with it could not be stored and read back.
    serde_json::from_str(body)
        .ok()
        .filter(|v| crate::data::depth::check("", v).is_ok())
        .unwrap_or_else(|| Value::from(body))
}

/// Decides what `handler` does with a message. `Err` when its condition cannot be evaluated:
/// the message is left on the queue, to be delivered again.
pub fn decide(
    handler: &EventHandler,
    event: &str,
    message_id: &str,
    payload: &Value,
) -> Result<Decision, String> {
    if !holds(handler, payload)? {
        return Ok(Decision::Skipped);
    }
    let actions = handler
        .actions
        .iter()
        .map(|a| {
            let doc = if a.expand_inline_json {
                expand_inline_json(payload)
            } else {
                payload.clone()
            };
            resolve(&a.kind, &doc, event, message_id)
        })
        .collect();
    Ok(Decision::Run(actions))
}

fn holds(handler: &EventHandler, payload: &Value) -> Result<bool, String> {
    let Some(condition) = handler
        .condition
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    else {
        return Ok(true);
    };
    let expanded = expand_inline_json(payload);
    if handler.evaluator_type.as_deref() == Some("value-param") {
        return Ok(conductor_truthy(
            expanded.get(condition).unwrap_or(&Value::Null),
        ));
    }
    let script = Script::parse(condition)
        .map_err(|e| format!("event handler '{}': condition: {e}", handler.name))?;
    let v = script
        .eval(&expanded)
        .map_err(|e| format!("event handler '{}': condition: {e}", handler.name))?;
    Ok(conductor_truthy(&v))
}

fn resolve(kind: &ActionKind, doc: &Value, event: &str, message_id: &str) -> Resolved {
    let r = |v: &Value| resolve_in(doc, v, None);
    let text = |v: Option<&Value>| v.map(&r).and_then(|v| string_of(&v));
    let stamp = |m: &mut Map<String, Value>| {
        m.insert("conductor.event.messageId".into(), Value::from(message_id));
        m.insert("conductor.event.name".into(), Value::from(event));
    };
    match kind {
        ActionKind::StartWorkflow {
            name,
            version,
            correlation_id,
            input,
            task_to_domain,
        } => {
            let mut input = object(r(&Value::Object(input.clone())));
            stamp(&mut input);
            let task_to_domain = match task_to_domain.is_empty() {
                false => Value::Object(task_to_domain.clone()),
                true => r(&Value::from("${taskToDomain}")),
            };
            Resolved::StartWorkflow {
                name: name.clone(),
                version: *version,
                correlation_id: text(correlation_id.as_ref()),
                input,
                // A message's map that is not one of strings routes nothing.
                task_to_domain: crate::conductor::domains::parse(Some(&task_to_domain))
                    .unwrap_or_default(),
            }
        }
        ActionKind::CompleteTask(td) | ActionKind::FailTask(td) => {
            let failed = matches!(kind, ActionKind::FailTask(_));
            let mut output = object(r(&details(td)));
            let field = |k: &str| output.get(k).and_then(string_of);
            let (workflow_id, task_ref, task_id, reason) = (
                field("workflowId"),
                field("taskRefName"),
                field("taskId"),
                field("reasonForIncompletion"),
            );
            stamp(&mut output);
            Resolved::UpdateTask {
                failed,
                workflow_id,
                task_ref,
                task_id,
                output,
                reason,
            }
        }
        ActionKind::TerminateWorkflow {
            workflow_id,
            termination_reason,
        } => Resolved::Terminate {
            workflow_id: text(Some(workflow_id)),
            reason: text(termination_reason.as_ref()),
        },
        ActionKind::UpdateWorkflowVariables {
            workflow_id,
            variables,
            append_array,
        } => Resolved::UpdateVariables {
            workflow_id: text(Some(workflow_id)),
            variables: object(r(&Value::Object(variables.clone()))),
            append_array: *append_array,
        },
    }
}

/// complete_task/fail_task's map before resolution: the ids, then the output's keys on top.
fn details(td: &TaskDetails) -> Value {
    let or_null = |v: &Option<Value>| v.clone().unwrap_or(Value::Null);
    let mut m = json!({
        "workflowId": or_null(&td.workflow_id),
        "taskId": or_null(&td.task_id),
        "taskRefName": or_null(&td.task_ref_name),
        "reasonForIncompletion": or_null(&td.reason_for_incompletion),
    });
    if let Some(obj) = m.as_object_mut() {
        obj.extend(td.output.clone());
    }
    m
}

/// The map of a JSON object (`{}` for anything else).
pub fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A non-empty string value (numbers as their text), else `None`.
fn string_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_json_unless_it_is_not_or_nests_too_deeply() {
        assert_eq!(payload_of(r#"{"a": [1]}"#), serde_json::json!({"a": [1]}));
        assert_eq!(payload_of("plain"), Value::from("plain"));
        let deep = format!("{}1{}", "[".repeat(101), "]".repeat(101));
        assert_eq!(payload_of(&deep), Value::from(deep.as_str()));
    }
}
