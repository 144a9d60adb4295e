//! An execution's history read as an [`Overlay`]: which states ran and how each ended
//! (succeeded, failed, caught, in progress, waiting for a token), how often each was entered and
//! retried, the failing state's error and cause, and the transitions taken.
//!
//! Events are the AWS-shaped ones the store keeps (`HistoryEvent::to_aws_json`). A state's own
//! events (`TaskScheduled`, `TaskFailed`, ...) name no state: they are attributed through their
//! `previousEventId` chain to the `*StateEntered` that began it, as AWS chains them.

use super::{END, Mark, Overlay, START, Status};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// The overlay of an execution whose history is `events` (in id order); `waiting` names the
/// states with an open task token.
pub fn of_history(events: &[Value], waiting: &BTreeSet<String>) -> Overlay {
    let mut states: HashMap<String, Run> = HashMap::new();
    let mut state_of: HashMap<u64, String> = HashMap::new();
    let mut overlay = Overlay::default();
    let mut ended: Option<(String, Option<String>)> = None;
    for e in events {
        let id = e["id"].as_u64().unwrap_or(0);
        let previous = e["previousEventId"].as_u64().unwrap_or(0);
        let kind = e["type"].as_str().unwrap_or_default();
        let inherited = state_of.get(&previous).cloned();
        let named = details(e)
            .and_then(|d| d["name"].as_str())
            .map(str::to_string);
        if kind.ends_with("StateEntered") {
            let Some(name) = named else { continue };
            let run = states.entry(name.clone()).or_default();
            run.entered += 1;
            run.open += 1;
            run.failed_last = false;
            let from = inherited.unwrap_or_else(|| START.to_string());
            overlay.taken.insert((from, name.clone()));
            state_of.insert(id, name);
            continue;
        }
        if kind.ends_with("StateExited") {
            let Some(name) = named else { continue };
            let run = states.entry(name.clone()).or_default();
            run.open = run.open.saturating_sub(1);
            state_of.insert(id, name);
            continue;
        }
        if kind == "ExecutionStarted" {
            state_of.insert(id, START.to_string());
            continue;
        }
        if let Some(status) = kind.strip_prefix("Execution") {
            match status {
                "Succeeded" => {
                    if let Some(from) = inherited {
                        overlay.taken.insert((from, END.to_string()));
                    }
                    ended = Some(("SUCCEEDED".into(), None));
                }
                "Failed" | "Aborted" | "TimedOut" => {
                    let status = match status {
                        "Failed" => "FAILED",
                        "Aborted" => "ABORTED",
                        _ => "TIMED_OUT",
                    };
                    ended = Some((status.into(), failure(e)));
                }
                _ => {}
            }
            continue;
        }
        let Some(name) = inherited else { continue };
        state_of.insert(id, name.clone());
        let run = states.entry(name).or_default();
        if kind.ends_with("Scheduled") {
            run.attempts += 1;
            run.failed_last = false;
        } else if kind.ends_with("Failed") || kind.ends_with("TimedOut") {
            if !kind.starts_with("MapIteration") {
                run.failed_last = true;
                run.note = failure(e).or(run.note.take());
            }
        } else if kind.ends_with("Succeeded") {
            run.failed_last = false;
        }
    }
    let finished = ended.is_some();
    for (name, run) in states {
        let status = if run.open > 0 && !finished {
            if waiting.contains(&name) {
                Status::Waiting
            } else {
                Status::Running
            }
        } else if run.open > 0 {
            // Ended without leaving it: where the execution failed, or a Fail state (or an
            // uncaught error) inside a branch whose Parallel or Map caught it.
            Status::Failed
        } else if run.failed_last {
            Status::Caught
        } else {
            Status::Succeeded
        };
        let note = match (status, &run.note, &ended) {
            (Status::Failed, None, Some((_, Some(why)))) => Some(why.clone()),
            _ => run.note.clone(),
        };
        overlay.marks.insert(
            name,
            Mark {
                status,
                entered: run.entered,
                retries: run.attempts.saturating_sub(run.entered),
                note: note.filter(|_| matches!(status, Status::Failed | Status::Caught)),
            },
        );
    }
    overlay.caption = Some(match ended {
        Some((status, Some(why))) => format!("{status}: {why}"),
        Some((status, None)) => status,
        None => "RUNNING".into(),
    });
    overlay
}

/// The overlay of a Conductor workflow from its `tasks` (Conductor's Task JSON: each with
/// `referenceTaskName`, `taskType`, `status`, `reasonForIncompletion`), and its status.
/// A DO_WHILE iteration's tasks (`ref__2`) count for their task.
pub fn of_workflow_tasks(tasks: &[Value], status: &str) -> Overlay {
    let mut overlay = Overlay::default();
    for t in tasks {
        let reference = t["referenceTaskName"].as_str().unwrap_or_default();
        let name = match reference.rsplit_once("__") {
            Some((base, n)) if n.parse::<u32>().is_ok() => base,
            _ => reference,
        };
        let state = match t["status"].as_str().unwrap_or_default() {
            "COMPLETED" | "COMPLETED_WITH_ERRORS" => Status::Succeeded,
            "FAILED" | "FAILED_WITH_TERMINAL_ERROR" | "TIMED_OUT" | "CANCELED" => Status::Failed,
            "IN_PROGRESS" | "SCHEDULED"
                if matches!(t["taskType"].as_str(), Some("WAIT" | "HUMAN")) =>
            {
                Status::Waiting
            }
            "IN_PROGRESS" | "SCHEDULED" => Status::Running,
            _ => Status::NotReached,
        };
        let note = t["reasonForIncompletion"]
            .as_str()
            .filter(|r| !r.is_empty() && state == Status::Failed)
            .map(str::to_string);
        let mark = overlay.marks.entry(name.to_string()).or_insert(Mark {
            status: state,
            entered: 0,
            retries: 0,
            note: None,
        });
        if mark.entered > 0 && t["retryCount"].as_u64().unwrap_or(0) > 0 {
            mark.retries += 1;
        } else {
            mark.entered += 1;
        }
        mark.status = state;
        mark.note = note.or(mark.note.take());
    }
    // A failed attempt that a retry followed is not the task's end.
    overlay.caption = Some(status.to_string());
    overlay
}

/// What one state did, over all its entries.
#[derive(Default)]
struct Run {
    entered: u32,
    /// Entered and not exited yet.
    open: u32,
    /// Tasks scheduled: more than `entered` means retries.
    attempts: u32,
    /// Its last attempt failed.
    failed_last: bool,
    note: Option<String>,
}

/// The event's `…EventDetails` object.
fn details(e: &Value) -> Option<&Value> {
    e.as_object()?
        .iter()
        .find(|(k, _)| k.ends_with("EventDetails"))
        .map(|(_, v)| v)
}

/// `error: cause` of a failure event.
fn failure(e: &Value) -> Option<String> {
    let d = details(e)?;
    let error = d["error"].as_str();
    let cause = d["cause"].as_str();
    match (error, cause) {
        (Some(e), Some(c)) if !c.is_empty() => Some(format!("{e}: {c}")),
        (Some(e), _) => Some(e.to_string()),
        (None, Some(c)) => Some(c.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: u64, prev: u64, kind: &str, details: Value) -> Value {
        let mut e = json!({"id": id, "previousEventId": prev, "type": kind});
        if !details.is_null() {
            let key = format!("{}EventDetails", lower_first(kind));
            e[key] = details;
        }
        e
    }

    fn lower_first(s: &str) -> String {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    }

    #[test]
    fn a_retried_task_caught_then_a_pass() {
        let events = vec![
            ev(1, 0, "ExecutionStarted", json!({})),
            ev(2, 1, "TaskStateEntered", json!({"name": "Charge"})),
            ev(3, 2, "TaskScheduled", json!({})),
            ev(4, 3, "TaskFailed", json!({"error": "E", "cause": "c1"})),
            ev(5, 4, "TaskScheduled", json!({})),
            ev(6, 5, "TaskFailed", json!({"error": "E", "cause": "c2"})),
            ev(7, 6, "TaskStateExited", json!({"name": "Charge"})),
            ev(8, 7, "PassStateEntered", json!({"name": "Refund"})),
            ev(9, 8, "PassStateExited", json!({"name": "Refund"})),
            ev(10, 9, "ExecutionSucceeded", json!({})),
        ];
        let o = of_history(&events, &BTreeSet::new());
        let charge = &o.marks["Charge"];
        assert_eq!(charge.status, Status::Caught);
        assert_eq!(charge.retries, 1);
        assert_eq!(charge.note.as_deref(), Some("E: c2"));
        assert_eq!(o.marks["Refund"].status, Status::Succeeded);
        assert!(o.taken.contains(&(START.into(), "Charge".into())));
        assert!(o.taken.contains(&("Charge".into(), "Refund".into())));
        assert!(o.taken.contains(&("Refund".into(), END.into())));
        assert_eq!(o.caption.as_deref(), Some("SUCCEEDED"));
    }

    #[test]
    fn a_failed_execution_and_a_waiting_one() {
        let failed = vec![
            ev(1, 0, "ExecutionStarted", json!({})),
            ev(2, 1, "TaskStateEntered", json!({"name": "Check"})),
            ev(3, 2, "TaskScheduled", json!({})),
            ev(
                4,
                3,
                "TaskFailed",
                json!({"error": "OutOfStock", "cause": "no widgets"}),
            ),
            ev(
                5,
                4,
                "ExecutionFailed",
                json!({"error": "OutOfStock", "cause": "no widgets"}),
            ),
        ];
        let o = of_history(&failed, &BTreeSet::new());
        assert_eq!(o.marks["Check"].status, Status::Failed);
        assert_eq!(
            o.marks["Check"].note.as_deref(),
            Some("OutOfStock: no widgets")
        );
        assert_eq!(o.caption.as_deref(), Some("FAILED: OutOfStock: no widgets"));

        let waiting = &failed[..3];
        let o = of_history(waiting, &BTreeSet::from(["Check".to_string()]));
        assert_eq!(o.marks["Check"].status, Status::Waiting);
        assert_eq!(o.caption.as_deref(), Some("RUNNING"));
    }
}
