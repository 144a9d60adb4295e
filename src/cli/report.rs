//! How a finished execution is shown: one JSON object for programs, text for people.

use super::Format;
use crate::engine::Status;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Instant;

/// A usage or input problem: printed with `error:` and exit code 2.
pub fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// Prints the outcome; exit 0 when it succeeded, 1 otherwise.
pub fn report(
    format: Format,
    with_history: bool,
    status: &Status,
    history: &[Value],
    started: Instant,
) -> ExitCode {
    let mut doc = status_json(status);
    if with_history {
        doc["history"] = Value::Array(history.to_vec());
    }
    if format == Format::Json {
        outln!("{doc}");
    } else {
        text(status, with_history, history, started);
    }
    if matches!(status, Status::Succeeded { .. }) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn text(status: &Status, with_history: bool, history: &[Value], started: Instant) {
    if let Status::Succeeded { output } = status {
        outln!(
            "{}",
            serde_json::to_string_pretty(output).unwrap_or_default()
        );
    }
    if with_history {
        for e in history {
            eprintln!(
                "{:>5}  {:<28} {}",
                e["id"],
                e["type"].as_str().unwrap_or(""),
                state_name(e).unwrap_or("")
            );
        }
    }
    let took = started.elapsed().as_secs_f64() * 1000.0;
    match status {
        Status::Succeeded { .. } => eprintln!("SUCCEEDED ({} events, {took:.1} ms)", history.len()),
        Status::Failed { error, cause }
        | Status::TimedOut { error, cause }
        | Status::Aborted { error, cause } => {
            eprintln!(
                "{}: {}",
                status.name(),
                error.as_deref().unwrap_or("(no error name)")
            );
            if let Some(c) = cause {
                eprintln!("cause: {c}");
            }
        }
        Status::Running => eprintln!("RUNNING"),
    }
}

/// The state an event belongs to, when its details name one.
fn state_name(event: &Value) -> Option<&str> {
    event
        .as_object()?
        .values()
        .find_map(|v| v.get("name"))
        .and_then(Value::as_str)
}

/// `{"status":"SUCCEEDED","output":...}` or `{"status":"FAILED","error":...,"cause":...}`.
pub fn status_json(status: &Status) -> Value {
    match status {
        Status::Succeeded { output } => json!({"status": "SUCCEEDED", "output": output}),
        Status::Failed { error, cause }
        | Status::TimedOut { error, cause }
        | Status::Aborted { error, cause } => {
            json!({"status": status.name(), "error": error, "cause": cause})
        }
        Status::Running => json!({"status": "RUNNING"}),
    }
}
