//! Task tokens: `SendTaskSuccess`, `SendTaskFailure`, `SendTaskHeartbeat`.

use crate::runtime::durable::Error as RuntimeError;
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply};
use serde_json::json;

fn answer(outcome: Result<(), RuntimeError>) -> Reply {
    match outcome {
        Ok(()) => Ok(json!({})),
        Err(RuntimeError::Callback { code, message }) => Err(ApiError::new(code, message)),
        Err(RuntimeError::NoSuchExecution(_)) => Err(ApiError::new(
            "TaskDoesNotExist",
            "Task Does Not Exist: the execution of this task no longer exists",
        )),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// The API model's length limits: over them is a `ValidationException`, before the token is
/// looked at.
const MAX_TOKEN: usize = 2048;
const MAX_OUTPUT: usize = 262_144;
const MAX_ERROR: usize = 256;
const MAX_CAUSE: usize = 32_768;

fn token(body: &Body) -> Result<&str, ApiError> {
    body.bounded("taskToken", MAX_TOKEN)?
        .ok_or_else(|| ApiError::missing("taskToken"))
}

pub fn success(app: &App, body: &Body) -> Reply {
    let token = token(body)?;
    let output = body
        .bounded("output", MAX_OUTPUT)?
        .ok_or_else(|| ApiError::missing("output"))?;
    answer(app.durable(|d| d.send_task_success(token, output)))
}

pub fn failure(app: &App, body: &Body) -> Reply {
    let token = token(body)?;
    let error = body.bounded("error", MAX_ERROR)?.map(str::to_string);
    let cause = body.bounded("cause", MAX_CAUSE)?.map(str::to_string);
    answer(app.durable(|d| d.send_task_failure(token, error, cause)))
}

pub fn heartbeat(app: &App, body: &Body) -> Reply {
    let token = token(body)?;
    answer(app.durable(|d| d.send_task_heartbeat(token)))
}
