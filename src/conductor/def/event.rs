//! Event-handler JSON (`POST /api/event`) → [`EventHandler`] and its actions.

use super::read::{Cx, Obj, SCHEMA, UNSUPPORTED, index};
use super::script;
use super::{Action, ActionKind, EventHandler, TaskDetails};
use serde_json::Value;

const ACTIONS: [&str; 5] = [
    "start_workflow",
    "complete_task",
    "fail_task",
    "terminate_workflow",
    "update_workflow_variables",
];

/// The handler object `obj`, whose JSON is `raw`.
pub fn handler(obj: &Obj, raw: &Value, cx: &mut Cx) -> EventHandler {
    let name = obj.name("name", cx);
    let event = obj.name("event", cx);
    if !event.is_empty() && !event.contains(':') {
        let msg = format!(
            "The event \"{event}\" must be \"<queueType>:<queueName>\", for example \"sqs:my_queue\""
        );
        cx.schema(&obj.at("event"), msg);
    }
    let condition = obj.opt_str("condition", cx).filter(|c| !c.is_empty());
    let evaluator_type = obj.opt_str("evaluatorType", cx);
    if let Some(source) = condition.filter(|_| evaluator_type != Some("value-param")) {
        script::check(source, &obj.at("condition"), "The condition", cx);
    }
    EventHandler {
        name,
        event,
        condition: condition.map(String::from),
        evaluator_type: evaluator_type.map(String::from),
        active: obj.flag("active", false, cx),
        actions: actions(obj, cx),
        raw: raw.clone(),
    }
}

fn actions(obj: &Obj, cx: &mut Cx) -> Vec<Action> {
    let Some(items) = obj.opt_array("actions", cx) else {
        if obj.get("actions").is_none() {
            cx.schema(
                &obj.at("actions"),
                "The field 'actions' is required and must contain at least one action",
            );
        }
        return Vec::new();
    };
    if items.is_empty() {
        cx.schema(
            &obj.at("actions"),
            "The field 'actions' must contain at least one action",
        );
    }
    let ptr = obj.at("actions");
    let actions = items.iter().enumerate();
    actions
        .filter_map(|(i, item)| action(item, index(&ptr, i), cx))
        .collect()
}

/// One action: `action` names it, and the object under that same name holds its details.
fn action(v: &Value, ptr: String, cx: &mut Cx) -> Option<Action> {
    let obj = Obj::of(v, ptr, "An action", cx)?;
    let expand_inline_json = obj.flag("expandInlineJSON", false, cx);
    let name = obj.req_str("action", cx)?;
    if !ACTIONS.contains(&name) {
        unknown_action(&obj, name, cx);
        return None;
    }
    let body = obj.req_obj(name, cx)?;
    let kind = match name {
        "start_workflow" => start_workflow(&body, cx),
        "complete_task" => ActionKind::CompleteTask(details(&body, cx)),
        "fail_task" => ActionKind::FailTask(details(&body, cx)),
        "terminate_workflow" => ActionKind::TerminateWorkflow {
            workflow_id: body.req_value("workflowId", cx),
            termination_reason: body.value("terminationReason"),
        },
        _ => ActionKind::UpdateWorkflowVariables {
            workflow_id: body.req_value("workflowId", cx),
            variables: body.object("variables", cx),
            append_array: body.flag("appendArray", false, cx),
        },
    };
    Some(Action {
        kind,
        expand_inline_json,
    })
}

fn unknown_action(obj: &Obj, name: &str, cx: &mut Cx) {
    let allowed = ACTIONS.join(", ");
    let (code, msg) = match name {
        "start_agent" => (
            UNSUPPORTED,
            format!("stepwise does not run the start_agent action; use one of {allowed}"),
        ),
        _ => (
            SCHEMA,
            format!("The action \"{name}\" is not one of {allowed}"),
        ),
    };
    cx.push(code, &obj.at("action"), msg);
}

fn start_workflow(body: &Obj, cx: &mut Cx) -> ActionKind {
    ActionKind::StartWorkflow {
        name: body.name("name", cx),
        version: body.int("version", cx),
        correlation_id: body.value("correlationId"),
        input: body.object("input", cx),
        task_to_domain: body.object("taskToDomain", cx),
    }
}

/// `complete_task` / `fail_task` details. Unknown keys (the seed's `"input": {}`) are ignored.
fn details(body: &Obj, cx: &mut Cx) -> TaskDetails {
    TaskDetails {
        workflow_id: body.value("workflowId"),
        task_ref_name: body.value("taskRefName"),
        task_id: body.value("taskId"),
        output: body.object("output", cx),
        reason_for_incompletion: body.value("reasonForIncompletion"),
    }
}
