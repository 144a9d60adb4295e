//! Local commands as task handlers: `--lambda NAME=COMMAND` and `--task STATE=COMMAND`.
//!
//! The command runs through `sh -c` with the payload as JSON on stdin; its stdout (JSON) is the
//! result. A non-zero exit, or `{"errorType": ..., "errorMessage": ...}` on stdout, is a task
//! failure shaped the way Lambda reports function errors.

use super::{Handler, Reply, lambda_function};
use crate::asl::model::{Pattern, ResourceKind};
use crate::engine::Invocation;
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

/// A `NAME=COMMAND` binding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Binding {
    pub name: String,
    pub command: String,
}

impl std::str::FromStr for Binding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('=') {
            Some((name, command)) if !name.is_empty() && !command.trim().is_empty() => {
                Ok(Binding {
                    name: name.to_string(),
                    command: command.to_string(),
                })
            }
            _ => Err(format!("expected NAME=COMMAND, got '{s}'")),
        }
    }
}

/// Runs commands for Task states by state name (`--task`) or Lambda function (`--lambda`).
#[derive(Debug, Default)]
pub struct Commands {
    pub tasks: Vec<Binding>,
    pub lambdas: Vec<Binding>,
    /// Where the commands run (the directory `stepwise run` was started in).
    pub cwd: Option<std::path::PathBuf>,
    /// Extra environment, e.g. `STEPWISE_DB` so a command can call `stepwise task success`.
    pub env: Vec<(String, String)>,
}

impl Handler for Commands {
    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        if let Some(b) = self.tasks.iter().find(|b| b.name == inv.state_name) {
            return Some(run_task(self.shell(&b.command), &b.command, inv));
        }
        let function = lambda_function(inv)?;
        let b = self.lambdas.iter().find(|b| b.name == function)?;
        Some(run_lambda(self.shell(&b.command), &b.command, inv))
    }
}

/// `--task`: the effective input in, the raw result out.
impl Commands {
    /// Runs `command` through the shell with `input` on stdin, as the handlers do; `Ok(true)`
    /// when it exited 0 without printing a function error (used by queue workers).
    pub fn run_for_event(&self, command: &str, input: &Value) -> Result<bool, String> {
        Ok(matches!(
            run(self.shell(command), command, input)?,
            Outcome::Value(_)
        ))
    }

    /// Runs `command` with `input` on stdin: its JSON result, or `(error, cause)` when it
    /// failed (a non-zero exit, or a function error it printed). Conductor's worker tasks.
    pub fn run_value(&self, command: &str, input: &Value) -> Result<Value, (String, String)> {
        match run(self.shell(command), command, input) {
            Ok(Outcome::Value(v)) => Ok(v),
            Ok(Outcome::FunctionError { error, cause }) => Err((error, cause)),
            Err(cause) => Err(("TaskFailed".into(), cause)),
        }
    }

    fn shell(&self, command: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        if let Some(dir) = &self.cwd {
            c.current_dir(dir);
        }
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }
}

fn run_task(cmd: Command, command: &str, inv: &Invocation) -> Reply {
    match run(cmd, command, &inv.payload) {
        // A callback task: the command hands the token on; the result comes with the callback.
        Ok(Outcome::Value(_)) if inv.resource.pattern == Pattern::WaitForTaskToken => {
            Reply::Pending(Value::Null)
        }
        Ok(Outcome::Value(v)) => Reply::Succeeded(v),
        Ok(Outcome::FunctionError { error, cause }) => Reply::Failed {
            error: Some(error),
            cause: Some(cause),
        },
        Err(cause) => Reply::Failed {
            error: Some("States.TaskFailed".into()),
            cause: Some(cause),
        },
    }
}

/// `--lambda`: the function's payload in; the plain ARN gets the payload back, `lambda:invoke`
/// gets AWS's invoke envelope.
fn run_lambda(cmd: Command, command: &str, inv: &Invocation) -> Reply {
    let optimized = matches!(inv.resource.kind, ResourceKind::Service { .. });
    let input = if optimized {
        inv.payload.get("Payload").cloned().unwrap_or(json!({}))
    } else {
        inv.payload.clone()
    };
    let outcome = match run(cmd, command, &input) {
        Ok(o) => o,
        Err(cause) => {
            return Reply::Failed {
                error: Some("Lambda.Unknown".into()),
                cause: Some(cause),
            };
        }
    };
    match outcome {
        Outcome::FunctionError { error, cause } => Reply::Failed {
            error: Some(error),
            cause: Some(cause),
        },
        Outcome::Value(_) if inv.resource.pattern == Pattern::WaitForTaskToken => {
            Reply::Pending(envelope(json!(null)))
        }
        Outcome::Value(v) if optimized => Reply::Succeeded(envelope(v)),
        Outcome::Value(v) => Reply::Succeeded(v),
    }
}

/// The result of `arn:aws:states:::lambda:invoke`, as AWS shapes it.
pub fn envelope(payload: Value) -> Value {
    let request_id = uuid::Uuid::new_v4().to_string();
    json!({
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Type": ["application/json"]
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Type": "application/json",
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id
            },
            "HttpStatusCode": 200
        },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StatusCode": 200
    })
}

enum Outcome {
    Value(Value),
    FunctionError { error: String, cause: String },
}

/// Runs `sh -c command` with `input` on stdin. `Err` carries a cause for a crashed command.
fn run(mut cmd: Command, command: &str, input: &Value) -> Result<Outcome, String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("Could not start command `{command}`: {e}"))?;
    let text = input.to_string();
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(text.as_bytes());
    });
    let out = child
        .wait_with_output()
        .map_err(|e| format!("Command `{command}` could not be awaited: {e}"))?;
    let _ = writer.join();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let parsed: Option<Value> = if stdout.trim().is_empty() {
        Some(Value::Null)
    } else {
        serde_json::from_str(stdout.trim()).ok()
    };
    if let Some(err) = parsed.as_ref().and_then(function_error) {
        return Ok(err);
    }
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: String = stderr
            .trim()
            .chars()
            .rev()
            .take(500)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(format!(
            "Command `{command}` exited with {}: {tail}",
            out.status
        ));
    }
    parsed.map(Outcome::Value).ok_or_else(|| {
        let shown: String = stdout.trim().chars().take(200).collect();
        format!("Command `{command}` printed output that is not JSON: {shown}")
    })
}

/// `{"errorType": ..., "errorMessage": ...}`: a function error, with Lambda's cause shape.
fn function_error(v: &Value) -> Option<Outcome> {
    let error = v.get("errorType")?.as_str()?.to_string();
    let mut cause = serde_json::Map::new();
    cause.insert(
        "errorMessage".into(),
        v.get("errorMessage").cloned().unwrap_or(Value::Null),
    );
    cause.insert("errorType".into(), json!(error));
    if let Some(trace) = v.get("stackTrace") {
        cause.insert("stackTrace".into(), trace.clone());
    }
    Some(Outcome::FunctionError {
        error,
        cause: Value::Object(cause).to_string(),
    })
}
