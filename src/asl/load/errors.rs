//! Retry and Catch, Task resources and Map processor configuration.

use super::fields::{Cx, MAX_SECONDS, Obj};
use super::states::MAX_EXECUTION_SECONDS;
use crate::asl::model::{
    Catcher, Caught, ErrorHandling, Pattern, Resource, ResourceKind, Retrier, StateId,
};
use serde_json::Value;

pub(super) fn error_handling(obj: &Obj, t: &super::states::Targets, cx: &mut Cx) -> ErrorHandling {
    ErrorHandling {
        retry: list(obj, "Retry", cx, retrier),
        catch: list(obj, "Catch", cx, |o, cx| catcher(o, t, cx)),
    }
}

/// `Retry` alone (JSONata Map states, whose Catchers are not supported yet).
pub(super) fn retriers(obj: &Obj, cx: &mut Cx) -> Vec<Retrier> {
    list(obj, "Retry", cx, retrier)
}

pub(super) fn list<T>(
    obj: &Obj,
    key: &str,
    cx: &mut Cx,
    mut each: impl FnMut(&Obj, &mut Cx) -> Option<T>,
) -> Vec<T> {
    let Some(v) = obj.get(key) else {
        return Vec::new();
    };
    let Some(items) = v.as_array() else {
        cx.schema(obj.at(key), format!("The field '{key}' must be an array"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let ptr = format!("{}/{i}", obj.at(key));
        match item.as_object() {
            Some(map) => out.extend(each(&Obj::new(map, ptr), cx)),
            None => cx.schema(ptr, format!("Each entry of '{key}' must be an object")),
        }
    }
    check_states_all_last(obj, key, items.len(), cx);
    out
}

/// `States.ALL` must be alone in its `ErrorEquals`, and only in the last retrier/catcher.
fn check_states_all_last(obj: &Obj, key: &str, count: usize, cx: &mut Cx) {
    let Some(Value::Array(items)) = obj.get(key) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let Some(Value::Array(errors)) = item.get("ErrorEquals") else {
            continue;
        };
        if !errors.iter().any(|e| e == "States.ALL") {
            continue;
        }
        let ptr = format!("{}/{i}/ErrorEquals", obj.at(key));
        if errors.len() > 1 {
            cx.schema(ptr.clone(), "States.ALL must appear alone in 'ErrorEquals'");
        }
        if i + 1 != count {
            cx.schema(
                ptr,
                format!(
                    "States.ALL must be in the last entry of '{key}'; move this entry to the end"
                ),
            );
        }
    }
}

pub(super) fn error_equals(obj: &Obj, cx: &mut Cx) -> Vec<String> {
    match obj.required("ErrorEquals", cx) {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .filter_map(|e| {
                let s = e.as_str();
                if s.is_none() {
                    cx.schema(
                        obj.at("ErrorEquals"),
                        "'ErrorEquals' must contain error names (strings)",
                    );
                }
                s.map(str::to_string)
            })
            .collect(),
        Some(_) => {
            cx.schema(
                obj.at("ErrorEquals"),
                "'ErrorEquals' must be a non-empty array of error names",
            );
            Vec::new()
        }
        None => Vec::new(),
    }
}

fn retrier(obj: &Obj, cx: &mut Cx) -> Option<Retrier> {
    obj.only(
        &[
            "ErrorEquals",
            "IntervalSeconds",
            "MaxAttempts",
            "BackoffRate",
            "MaxDelaySeconds",
            "JitterStrategy",
            "Comment",
        ],
        cx,
    );
    obj.opt_str("Comment", cx);
    let full_jitter = match obj.opt_str("JitterStrategy", cx) {
        None | Some("NONE") => false,
        Some("FULL") => true,
        Some(other) => {
            cx.schema(
                obj.at("JitterStrategy"),
                format!("The field 'JitterStrategy' should be FULL or NONE, not '{other}'"),
            );
            false
        }
    };
    Some(Retrier {
        error_equals: error_equals(obj, cx),
        interval_seconds: obj
            .opt_int("IntervalSeconds", 1, MAX_SECONDS, cx)
            .unwrap_or(1),
        max_attempts: obj.opt_int("MaxAttempts", 0, MAX_SECONDS, cx).unwrap_or(3),
        backoff_rate: obj.opt_num("BackoffRate", 1.0, f64::MAX, cx).unwrap_or(2.0),
        max_delay_seconds: obj.opt_int("MaxDelaySeconds", 1, MAX_EXECUTION_SECONDS, cx),
        full_jitter,
    })
}

fn catcher(obj: &Obj, t: &super::states::Targets, cx: &mut Cx) -> Option<Catcher> {
    obj.only(
        &["ErrorEquals", "Next", "ResultPath", "Comment", "Assign"],
        cx,
    );
    let error_equals = error_equals(obj, cx);
    let result_path = obj.result_path(cx);
    let next: Option<StateId> = t.resolve(obj, "Next", cx);
    let assign = super::assign::assign(obj.get("Assign"), &obj.at("Assign"), cx);
    Some(Catcher {
        error_equals,
        next: next?,
        caught: Caught::JsonPath {
            result_path,
            assign,
        },
    })
}

/// Classifies a Task's `Resource` ARN.
pub(super) fn resource(arn: &str, ptr: &str, cx: &mut Cx) -> Resource {
    match classify(arn) {
        Some((kind, pattern)) => Resource {
            arn: arn.to_string(),
            kind,
            pattern,
        },
        None => {
            cx.schema(
                ptr.to_string(),
                format!("The resource provided {arn} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."),
            );
            Resource {
                arn: arn.to_string(),
                kind: ResourceKind::Service {
                    service: String::new(),
                    action: String::new(),
                },
                pattern: Pattern::RequestResponse,
            }
        }
    }
}

/// A Task `Resource` ARN's kind and integration pattern; `None` when it is not one.
pub fn classify(arn: &str) -> Option<(ResourceKind, Pattern)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return None;
    }
    let rest = parts[5];
    match parts[2] {
        "lambda" => {
            let name = rest.strip_prefix("function:")?.split(':').next()?;
            (!name.is_empty()).then(|| {
                (
                    ResourceKind::LambdaFunction {
                        function: name.to_string(),
                    },
                    Pattern::RequestResponse,
                )
            })
        }
        "states" if parts[3].is_empty() && parts[4].is_empty() => service(rest),
        // AWS also accepts a service integration written with a region and account
        // (`arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject`).
        "states" if !rest.starts_with("activity:") => service(rest),
        "states" => {
            let name = rest.strip_prefix("activity:")?;
            (!name.is_empty()).then(|| {
                (
                    ResourceKind::Activity {
                        name: name.to_string(),
                    },
                    Pattern::RequestResponse,
                )
            })
        }
        _ => None,
    }
}

/// `SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken]`, or `aws-sdk:SERVICE:ACTION`.
fn service(rest: &str) -> Option<(ResourceKind, Pattern)> {
    let (service, action) = match rest.strip_prefix("aws-sdk:") {
        Some(sdk) => {
            let (svc, action) = sdk.split_once(':')?;
            (format!("aws-sdk:{svc}"), action)
        }
        None => {
            let (svc, action) = rest.split_once(':')?;
            (svc.to_string(), action)
        }
    };
    if service.is_empty() || action.is_empty() {
        return None;
    }
    let pattern = if action.ends_with(".waitForTaskToken") {
        Pattern::WaitForTaskToken
    } else if action.ends_with(".sync") || action.ends_with(".sync:2") {
        Pattern::Sync
    } else {
        Pattern::RequestResponse
    };
    Some((
        ResourceKind::Service {
            service,
            action: action.to_string(),
        },
        pattern,
    ))
}
