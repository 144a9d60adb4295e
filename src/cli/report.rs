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

/// What a report says of the history: every event (`--history`), or only how many there were.
pub enum History {
    Shown(Vec<Value>),
    Counted(u64),
}

impl History {
    fn len(&self) -> u64 {
        match self {
            History::Shown(events) => events.len() as u64,
            History::Counted(n) => *n,
        }
    }
}

/// Prints the outcome; exit 0 when it succeeded, 1 otherwise.
pub fn report(format: Format, status: &Status, history: History, started: Instant) -> ExitCode {
    let code = if matches!(status, Status::Succeeded { .. }) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if format == Format::Json {
        let mut doc = status_json(status);
        if let History::Shown(events) = history {
            doc["history"] = Value::Array(events);
        }
        outln!("{doc}");
    } else {
        text(status, &history, started);
    }
    code
}

fn text(status: &Status, history: &History, started: Instant) {
    if let Status::Succeeded { output } = status {
        outln!(
            "{}",
            serde_json::to_string_pretty(output).unwrap_or_default()
        );
    }
    if let History::Shown(events) = history {
        for e in events {
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
