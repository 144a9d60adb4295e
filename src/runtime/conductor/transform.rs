//! JSON_JQ_TRANSFORM tasks, run out of the process: the stepwise binary's hidden `internal-jq`
//! command gets the task input on stdin and prints the task output (or the error). A jq program
//! can loop or recurse without end, so it runs in a child that is killed after `TIME_LIMIT`,
//! and a crash of the child fails the task instead of the server.
#![allow(clippy::disallowed_methods)] // an edge: waits for a child process by the clock

use super::Conductor;
use crate::conductor::events::object;
use crate::conductor::ops::{self, TaskUpdate};
use crate::conductor::workflow::{TaskStatus, Workflow};
use serde_json::{Map, Value, json};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a jq program may run.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

impl Conductor {
    /// Runs the task's jq program and records the outcome as the task's.
    pub(crate) fn transform(&self, wf: &Workflow, task_id: &str) -> Result<(), String> {
        let Some(task) = wf.task(task_id).filter(|t| !t.status.is_terminal()) else {
            return Ok(());
        };
        let outcome = match &self.helper {
            Some(exe) => run_child(exe, &task.input_data),
            None => Err("JSON_JQ_TRANSFORM runs in the stepwise binary (stepwise run, stepwise serve); this host has none".into()),
        };
        let update = match outcome {
            Ok(output) => TaskUpdate::new(task_id, TaskStatus::Completed, output),
            Err(e) => TaskUpdate::new(task_id, TaskStatus::Failed, object(json!({"error": e})))
                .because(Some(e)),
        };
        self.apply_quietly(&wf.workflow_id, &mut |cx, wf| {
            ops::update_task(cx, wf, update.clone()).map(|_| ())
        })
        .map_err(|e| e.message)
    }
}

fn run_child(
    exe: &std::path::Path,
    input: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut child = Command::new(exe)
        .arg("internal-jq")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start {} for jq: {e}", exe.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(Value::Object(input.clone()).to_string().as_bytes());
    }
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_string(&mut out);
        }
        out
    });
    let deadline = Instant::now() + TIME_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the jq program ran longer than {} s",
                    TIME_LIMIT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("jq: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    let answer: Value = serde_json::from_str(&out).map_err(|_| {
        format!("the jq program stopped without an answer ({status}): it may recurse without end")
    })?;
    match (answer.get("output"), answer.get("error")) {
        (Some(Value::Object(o)), _) => Ok(o.clone()),
        (_, Some(Value::String(e))) => Err(e.clone()),
        _ => Err("jq gave an answer stepwise cannot read".into()),
    }
}

/// The child's side (`stepwise internal-jq`): the task input on stdin, `{"output": ...}` or
/// `{"error": "..."}` on stdout.
pub fn child_main() -> std::process::ExitCode {
    let mut text = String::new();
    let answer = match std::io::stdin().read_to_string(&mut text) {
        Err(e) => json!({"error": format!("could not read the task input: {e}")}),
        Ok(_) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(input)) => match crate::conductor::jq::transform(&input) {
                Ok(output) => json!({"output": output}),
                Err(e) => json!({"error": e}),
            },
            _ => json!({"error": "the task input is not a JSON object"}),
        },
    };
    println!("{answer}");
    std::process::ExitCode::SUCCESS
}
