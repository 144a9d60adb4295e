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

pub fn success(app: &App, body: &Body) -> Reply {
    let token = body.str("taskToken")?;
    let output = body.str("output")?;
    answer(app.durable(|d| d.send_task_success(token, output)))
}

pub fn failure(app: &App, body: &Body) -> Reply {
    let token = body.str("taskToken")?;
    let error = body.opt_str("error")?.map(str::to_string);
    let cause = body.opt_str("cause")?.map(str::to_string);
    answer(app.durable(|d| d.send_task_failure(token, error, cause)))
}

pub fn heartbeat(app: &App, body: &Body) -> Reply {
    let token = body.str("taskToken")?;
    answer(app.durable(|d| d.send_task_heartbeat(token)))
}
