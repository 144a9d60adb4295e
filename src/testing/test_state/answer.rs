//! Reads TestState's answer from the run: `status` (SUCCEEDED, FAILED, CAUGHT_ERROR,
//! RETRIABLE), `output`, `error`/`cause`, `nextState`, and at DEBUG and TRACE the
//! `inspectionData` with the fields AWS reports for the state's type and query language.

use super::request::{Level, Request};
use super::wrap::{STATE, Wrapped};
use crate::engine::history::Details;
use crate::engine::probe::Probe;
use crate::engine::{Status, Trace};
use crate::runtime::local::Finished;
use serde_json::{Map, Value, json};

/// What the history says about the tested state.
#[derive(Default)]
struct Seen {
    output: Option<Value>,
    assigned: Map<String, Value>,
    next: Option<String>,
    /// The last error reported before the state moved on (what a Catcher caught).
    error: Option<(Option<String>, Option<String>)>,
}

fn seen(finished: &Finished) -> Seen {
    let mut s = Seen::default();
    let mut exited = false;
    for ev in &finished.history {
        match &ev.details {
            Details::StateExited {
                name,
                output,
                assigned,
            } if &**name == STATE => {
                exited = true;
                s.output = Some(Value::clone(output));
                if let Some(a) = assigned {
                    s.assigned
                        .extend(a.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
            Details::StateEntered { name, .. } if exited && &**name != STATE => {
                s.next = Some(name.to_string());
                break;
            }
            _ if !exited => {
                if let Value::Object(m) = ev.to_aws_json() {
                    for (k, v) in &m {
                        if k.ends_with("EventDetails") && v.get("error").is_some() {
                            let text = |f: &str| v.get(f).and_then(Value::as_str).map(String::from);
                            s.error = Some((text("error"), text("cause")));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    s
}

pub fn answer(
    req: &Request,
    wrapped: &Wrapped,
    finished: &Finished,
    probe: &Probe,
    limits: Option<Map<String, Value>>,
) -> Value {
    let seen = seen(finished);
    let caught = finished.trace.iter().find_map(|t| match t {
        Trace::Caught { catcher, .. } => Some(*catcher),
        _ => None,
    });
    let failure = match &finished.status {
        Status::Succeeded { .. } | Status::Running => None,
        Status::Failed { error, cause }
        | Status::TimedOut { error, cause }
        | Status::Aborted { error, cause } => Some((error.clone(), cause.clone())),
    };
    let error = if caught.is_some() {
        seen.error.clone()
    } else {
        failure.clone()
    };
    let retry = error
        .as_ref()
        .and_then(|(e, _)| retrier(&wrapped.state, e.as_deref(), req.config.retrier_retry_count));
    let mut out = Map::new();
    let mut details = Map::new();
    match (retry, caught, &failure) {
        (Some((index, backoff)), _, _) => {
            out.insert("status".into(), json!("RETRIABLE"));
            details.insert("retryIndex".into(), json!(index));
            details.insert("retryBackoffIntervalSeconds".into(), json!(backoff));
        }
        (None, Some(index), _) => {
            out.insert("status".into(), json!("CAUGHT_ERROR"));
            details.insert("catchIndex".into(), json!(index));
        }
        (None, None, Some(_)) => {
            out.insert("status".into(), json!("FAILED"));
        }
        (None, None, None) => {
            out.insert("status".into(), json!("SUCCEEDED"));
        }
    }
    if retry.is_none() {
        let output = seen.output.clone().or(match &finished.status {
            Status::Succeeded { output } => Some(output.clone()),
            _ => None,
        });
        if failure.is_none() || caught.is_some() {
            if let Some(o) = output {
                out.insert("output".into(), json!(o.to_string()));
            }
            if let Some(next) = &seen.next {
                out.insert("nextState".into(), json!(next));
            }
        }
    }
    if let Some((e, c)) = &error {
        if let Some(e) = e {
            out.insert("error".into(), json!(e));
        }
        if let Some(c) = c {
            let hint = if c.contains(&format!("No handler for Task state '{STATE}'")) {
                " For TestState, give the Task's answer with 'mock' ({\"result\": \"...\"} or {\"errorOutput\": {...}})."
            } else {
                ""
            };
            out.insert("cause".into(), json!(format!("{c}{hint}")));
        }
    }
    if req.level >= Level::Debug {
        let mut data = inspection(req, wrapped, probe, &seen);
        if let Some(l) = limits {
            data.extend(l);
        }
        if !details.is_empty() {
            data.insert("errorDetails".into(), Value::Object(details));
        }
        out.insert("inspectionData".into(), Value::Object(data));
    }
    Value::Object(out)
}

/// The fields AWS reports for this kind of state (as recorded against AWS): JSONata states
/// show only their input; a Pass with `Result` skips InputPath and Parameters; a mocked
/// Parallel shows what follows its result; Choice, Succeed, Fail and Wait stop at InputPath.
fn inspection(req: &Request, wrapped: &Wrapped, probe: &Probe, seen: &Seen) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("input".into(), json!(req.input.to_string()));
    if !wrapped.jsonata {
        let stages: &[&str] = match wrapped.kind.as_str() {
            "Pass" if wrapped.state.get("Result").is_some() => {
                &["result", "afterResultSelector", "afterResultPath"]
            }
            "Pass" => &[
                "afterInputPath",
                "afterParameters",
                "afterResultSelector",
                "afterResultPath",
            ],
            "Task" => &[
                "afterInputPath",
                "afterParameters",
                "result",
                "afterResultSelector",
                "afterResultPath",
            ],
            "Parallel" | "Map" => &["afterResultSelector", "afterResultPath"],
            _ => &["afterInputPath"],
        };
        for stage in stages {
            let value = probe.value(STATE, stage).cloned().or_else(|| {
                // A Fail state has no InputPath: its input is what it works on.
                (*stage == "afterInputPath" && wrapped.kind == "Fail").then(|| req.input.clone())
            });
            if let Some(v) = value {
                data.insert((*stage).into(), json!(v.to_string()));
            }
        }
    }
    if !req.variables.is_empty() || !seen.assigned.is_empty() {
        let mut vars = req.variables.clone();
        vars.extend(seen.assigned.iter().map(|(k, v)| (k.clone(), v.clone())));
        data.insert("variables".into(), json!(Value::Object(vars).to_string()));
    }
    data
}

/// The retrier that would retry `error` (its index and back-off in seconds), if it has
/// attempts left after `retried` retries.
fn retrier(state: &Value, error: Option<&str>, retried: u64) -> Option<(usize, f64)> {
    let retriers = state.get("Retry")?.as_array()?;
    let (index, r) = retriers.iter().enumerate().find(|(_, r)| {
        r.get("ErrorEquals")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|n| match n {
                "States.ALL" => true,
                "States.TaskFailed" => error != Some(crate::engine::failure::TIMEOUT),
                name => error == Some(name),
            })
    })?;
    let max_attempts = r.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3);
    if retried >= max_attempts {
        return None;
    }
    let interval = r
        .get("IntervalSeconds")
        .and_then(Value::as_f64)
        .unwrap_or(1.0);
    let rate = r.get("BackoffRate").and_then(Value::as_f64).unwrap_or(2.0);
    let mut secs = interval * rate.powi(retried.min(1000) as i32);
    if let Some(max) = r.get("MaxDelaySeconds").and_then(Value::as_f64) {
        secs = secs.min(max);
    }
    Some((index, secs))
}
