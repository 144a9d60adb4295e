//! Local commands as task handlers: `--lambda NAME=COMMAND` and `--task STATE=COMMAND`.
//!
//! The command runs through `sh -c` with the payload as JSON on stdin; its stdout (JSON) is the
//! result. A non-zero exit, or `{"errorType": ..., "errorMessage": ...}` on stdout, is a task
//! failure shaped the way Lambda reports function errors.
//!
//! A command is bounded ([`child`]): it is killed with its children at its Task's
//! `TimeoutSeconds` (`States.Timeout`, as AWS ends such a task), or at the `--command-timeout`
//! cap when the Task has none, and more than [`STDOUT_CAP`] bytes of stdout fail the task
//! with `States.DataLimitExceeded`.
#![allow(clippy::disallowed_methods)] // an edge: a command's deadline is measured from its start

use super::{Handler, Reply, child, lambda_function};
use crate::asl::model::{Pattern, ResourceKind};
use crate::engine::Invocation;
use crate::engine::failure::{DATA_LIMIT, MAX_PAYLOAD_BYTES, TIMEOUT};
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

/// How long a command of a Task without `TimeoutSeconds` (or a Conductor or queue worker's
/// command) may run: Lambda's own maximum, so that nothing that could run on AWS is cut short,
/// while a hung command does not hold its execution for good. AWS's own default Task timeout
/// (99999999 s) is no bound at all.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The most stdout a command may print: the payload limit with room for pretty-printing (the
/// engine checks the result's compact size against [`MAX_PAYLOAD_BYTES`] afterwards).
pub const STDOUT_CAP: usize = 4 * MAX_PAYLOAD_BYTES;

/// How long after its Task's `TimeoutSeconds` a command is killed: the engine's own timer,
/// due at that moment, ends the task first whenever its driver is free to fire it, so the
/// history reads `TaskTimedOut` as on AWS; the kill frees the process (and is the outcome when
/// the driver is busy with this very command).
const TIMER_FIRST: Duration = Duration::from_millis(250);

/// How much of the end of a command's stderr is kept for a failure's cause.
const STDERR_TAIL: usize = 4096;

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
    /// The cap for commands of Tasks without `TimeoutSeconds`; `None`: [`DEFAULT_COMMAND_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// When the whole run ends (a synchronous Express execution): no command outlives it.
    pub deadline: Option<Instant>,
}

impl Handler for Commands {
    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        let timeout = self.timeout_of(inv.timeout_seconds);
        if let Some(b) = self.tasks.iter().find(|b| b.name == inv.state_name) {
            return Some(run_task(self.shell(&b.command), &b.command, inv, timeout));
        }
        let function = lambda_function(inv)?;
        let b = self.lambdas.iter().find(|b| b.name == function)?;
        Some(run_lambda(self.shell(&b.command), &b.command, inv, timeout))
    }

    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        let bound = self.tasks.iter().any(|b| b.name == inv.state_name)
            || lambda_function(inv).is_some_and(|f| self.lambdas.iter().any(|b| b.name == f));
        bound.then_some(false)
    }
}

/// `--task`: the effective input in, the raw result out.
impl Commands {
    /// Runs `command` through the shell with `input` on stdin, as the handlers do; `Ok(true)`
    /// when it exited 0 without printing a function error (used by queue workers).
    pub fn run_for_event(&self, command: &str, input: &Value) -> Result<bool, String> {
        let outcome = run(self.shell(command), command, input, self.timeout_of(None));
        Ok(matches!(outcome.map_err(|f| f.cause)?, Outcome::Value(_)))
    }

    /// Runs `command` with `input` on stdin: its JSON result, or `(error, cause)` when it
    /// failed (a non-zero exit, or a function error it printed). Conductor's worker tasks.
    pub fn run_value(&self, command: &str, input: &Value) -> Result<Value, (String, String)> {
        match run(self.shell(command), command, input, self.timeout_of(None)) {
            Ok(Outcome::Value(v)) => Ok(v),
            Ok(Outcome::FunctionError { error, cause }) => Err((error, cause)),
            Err(Failed { error, cause }) => {
                Err((error.strip_prefix("States.").unwrap_or(error).into(), cause))
            }
        }
    }

    /// The Task's `TimeoutSeconds` when it has one, else the cap; sooner if the run ends first.
    fn timeout_of(&self, task_seconds: Option<u64>) -> Timeout {
        let by = match task_seconds {
            Some(s) => Timeout {
                after: Duration::from_secs(s).saturating_add(TIMER_FIRST),
                bound: Bound::Task,
            },
            None => Timeout {
                after: self.timeout.unwrap_or(DEFAULT_COMMAND_TIMEOUT),
                bound: Bound::Cap,
            },
        };
        let left = self
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        match left {
            Some(left) if left < by.after => Timeout {
                after: left,
                bound: Bound::Run,
            },
            _ => by,
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

fn run_task(cmd: Command, command: &str, inv: &Invocation, timeout: Timeout) -> Reply {
    match run(cmd, command, &inv.payload, timeout) {
        // A callback task: the command hands the token on; the result comes with the callback.
        Ok(Outcome::Value(_)) if inv.resource.pattern == Pattern::WaitForTaskToken => {
            Reply::Pending(Value::Null)
        }
        Ok(Outcome::Value(v)) => Reply::Succeeded(v),
        Ok(Outcome::FunctionError { error, cause }) => Reply::Failed {
            error: Some(error),
            cause: Some(cause),
        },
        Err(Failed { error, cause }) => Reply::Failed {
            error: Some(error.into()),
            cause: Some(cause),
        },
    }
}

/// `--lambda`: the function's payload in; the plain ARN gets the payload back, `lambda:invoke`
/// gets AWS's invoke envelope.
fn run_lambda(cmd: Command, command: &str, inv: &Invocation, timeout: Timeout) -> Reply {
    let optimized = matches!(inv.resource.kind, ResourceKind::Service { .. });
    let input = if optimized {
        inv.payload.get("Payload").cloned().unwrap_or(json!({}))
    } else {
        inv.payload.clone()
    };
    let outcome = match run(cmd, command, &input, timeout) {
        Ok(o) => o,
        // A crashed function is `Lambda.Unknown`, as AWS reports a function that died.
        Err(Failed { error, cause }) => {
            let error = if error == "States.TaskFailed" {
                "Lambda.Unknown"
            } else {
                error
            };
            return Reply::Failed {
                error: Some(error.into()),
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

/// Why a command gave no result: a failure for the task.
struct Failed {
    error: &'static str,
    cause: String,
}

impl Failed {
    fn crashed(cause: String) -> Self {
        Failed {
            error: "States.TaskFailed",
            cause,
        }
    }
}

/// Runs `sh -c command` with `input` on stdin until `timeout`: its JSON result or function
/// error, or why it failed (it crashed, timed out or printed too much).
fn run(cmd: Command, command: &str, input: &Value, timeout: Timeout) -> Result<Outcome, Failed> {
    let limits = child::Limits {
        deadline: Instant::now() + timeout.after.min(child::FOREVER),
        stdout_cap: STDOUT_CAP,
        stderr_tail: STDERR_TAIL,
    };
    let out = match child::run(cmd, input.to_string().into_bytes(), limits) {
        Ok(out) => out,
        Err(child::Stopped::Spawn(e)) => {
            return Err(Failed::crashed(format!(
                "Could not start command `{command}`: {e}"
            )));
        }
        Err(child::Stopped::TimedOut { stderr }) => return Err(timeout.failure(command, &stderr)),
        Err(child::Stopped::TooMuchOutput { .. }) => {
            return Err(Failed {
                error: DATA_LIMIT,
                cause: format!(
                    "Command `{command}` printed more than {STDOUT_CAP} bytes on stdout and was stopped: a task's result may be at most {MAX_PAYLOAD_BYTES} bytes. Write large data to a file or a store and return a reference to it."
                ),
            });
        }
    };
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
        return Err(Failed::crashed(format!(
            "Command `{command}` exited with {}: {}",
            out.status,
            tail(&out.stderr)
        )));
    }
    parsed.map(Outcome::Value).ok_or_else(|| {
        let shown: String = stdout.trim().chars().take(200).collect();
        Failed::crashed(format!(
            "Command `{command}` printed output that is not JSON: {shown}"
        ))
    })
}

/// The last 500 characters of stderr, for a cause.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let skip = text.chars().count().saturating_sub(500);
    text.chars().skip(skip).collect()
}

/// How long a command may run, and where that bound came from (for the failure's cause).
#[derive(Debug, Clone, Copy)]
struct Timeout {
    after: Duration,
    bound: Bound,
}

#[derive(Debug, Clone, Copy)]
enum Bound {
    /// The Task's `TimeoutSeconds`.
    Task,
    /// `--command-timeout`, for Tasks without `TimeoutSeconds`.
    Cap,
    /// The end of the whole run (`Commands::deadline`).
    Run,
}

impl Timeout {
    /// `States.Timeout`, as AWS ends a task that outlives its `TimeoutSeconds`.
    fn failure(self, command: &str, stderr: &[u8]) -> Failed {
        let secs = self.after.as_secs(); // whole seconds: without `TIMER_FIRST`
        let why = match self.bound {
            Bound::Task => format!("the Task's TimeoutSeconds ({secs} s)"),
            Bound::Cap => format!(
                "the cap for commands of Tasks without TimeoutSeconds ({secs} s): give the Task a TimeoutSeconds, or raise the cap with --command-timeout"
            ),
            Bound::Run => "the execution ran out of time".to_string(),
        };
        let mut cause =
            format!("Command `{command}` was killed (with its child processes) after {why}.");
        let stderr = tail(stderr);
        if !stderr.is_empty() {
            cause.push_str(&format!(" Its stderr ended with: {stderr}"));
        }
        Failed {
            error: TIMEOUT,
            cause,
        }
    }
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
