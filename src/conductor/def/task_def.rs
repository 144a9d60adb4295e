//! `TaskDef` JSON → [`TaskDef`], registered (`/api/metadata/taskdefs`) or inline (`taskDefinition`).

use super::read::{Cx, Obj};
use super::{RetryLogic, TaskDef, TaskTimeoutPolicy};
use serde_json::Value;

const RETRY_LOGIC: [(&str, RetryLogic); 3] = [
    ("FIXED", RetryLogic::Fixed),
    ("EXPONENTIAL_BACKOFF", RetryLogic::ExponentialBackoff),
    ("LINEAR_BACKOFF", RetryLogic::LinearBackoff),
];

const TIMEOUT_POLICY: [(&str, TaskTimeoutPolicy); 3] = [
    ("RETRY", TaskTimeoutPolicy::Retry),
    ("TIME_OUT_WF", TaskTimeoutPolicy::TimeOutWf),
    ("ALERT_ONLY", TaskTimeoutPolicy::AlertOnly),
];

/// A registered task definition: `name` is required, and Conductor's bean constraints apply
/// (`responseTimeoutSeconds` ≥ 1 and, with a `timeoutSeconds`, no larger than it;
/// `backoffScaleFactor` ≥ 1).
pub fn registered(obj: &Obj, raw: &Value, cx: &mut Cx) -> TaskDef {
    let name = obj.name("name", cx);
    let def = fields(obj, name, raw, cx);
    check_registered(obj, &def, cx);
    def
}

/// An inline `taskDefinition`: Conductor does not validate it, and its `name` defaults to the task's.
pub fn inline(obj: &Obj, raw: &Value, task_name: &str, cx: &mut Cx) -> TaskDef {
    let name = match obj.get("name") {
        Some(_) => obj.name("name", cx),
        None => task_name.to_string(),
    };
    fields(obj, name, raw, cx)
}

fn fields(obj: &Obj, name: String, raw: &Value, cx: &mut Cx) -> TaskDef {
    TaskDef {
        name,
        retry_count: obj.opt_u32("retryCount", cx).unwrap_or(3),
        retry_logic: obj.choice("retryLogic", &RETRY_LOGIC, RetryLogic::Fixed, cx),
        retry_delay_seconds: obj.count("retryDelaySeconds", 60, cx),
        backoff_scale_factor: obj.count("backoffScaleFactor", 1, cx),
        max_retry_delay_seconds: obj.count("maxRetryDelaySeconds", 0, cx),
        timeout_seconds: obj.count("timeoutSeconds", 0, cx),
        timeout_policy: obj.choice(
            "timeoutPolicy",
            &TIMEOUT_POLICY,
            TaskTimeoutPolicy::TimeOutWf,
            cx,
        ),
        response_timeout_seconds: obj.count("responseTimeoutSeconds", 3600, cx),
        poll_timeout_seconds: obj.count("pollTimeoutSeconds", 0, cx),
        input_template: obj.object("inputTemplate", cx),
        raw: raw.clone(),
    }
}

fn check_registered(obj: &Obj, def: &TaskDef, cx: &mut Cx) {
    let (response, timeout) = (def.response_timeout_seconds, def.timeout_seconds);
    if response == 0 {
        let msg = "The field 'responseTimeoutSeconds' must be at least 1";
        cx.schema(&obj.at("responseTimeoutSeconds"), msg);
    } else if timeout > 0 && response > timeout {
        let msg = format!(
            "TaskDef {}: responseTimeoutSeconds ({response}) must not exceed timeoutSeconds ({timeout}); lower it or raise timeoutSeconds",
            def.name
        );
        cx.schema(&obj.at("responseTimeoutSeconds"), msg);
    }
    if def.backoff_scale_factor == 0 {
        cx.schema(
            &obj.at("backoffScaleFactor"),
            "The field 'backoffScaleFactor' must be at least 1",
        );
    }
}
