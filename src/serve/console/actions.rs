//! The console's buttons: each form runs the API's own operation (`SendTaskSuccess`,
//! `SendTaskFailure`, `StopExecution`; Conductor's task update) with the form's fields, then
//! sends the browser back to the page it came from. Errors are the operation's, by their AWS
//! names (`TaskDoesNotExist`, `InvalidOutput`, ...).

use super::{App, Failure, Form, failed, redirect, sfn};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn post(app: &Arc<App>, path: &str, form: &Form) -> Response<Full<Bytes>> {
    let done = match path {
        "/console/task/success" => success(app, form).await,
        "/console/task/failure" => failure(app, form).await,
        "/console/execution/stop" => stop(app, form).await,
        "/console/workflow/task" => conductor_task(app, form).await,
        _ => Err(Failure::new(
            404,
            format!("there is no console action at {path}"),
        )),
    };
    match done {
        Ok(back) => redirect(&back),
        Err(f) => failed(f.status, &f.message),
    }
}

fn field<'a>(form: &'a Form, name: &str) -> Result<&'a str, Failure> {
    form.get(name)
        .ok_or_else(|| Failure::new(400, format!("the form has no {name}")))
}

fn back(form: &Form) -> String {
    super::local_path(form.get("back").unwrap_or("/")).to_string()
}

async fn success(app: &Arc<App>, form: &Form) -> Result<String, Failure> {
    let body = json!({
        "taskToken": field(form, "token")?,
        "output": form.get("output").unwrap_or("{}"),
    });
    sfn(app, "SendTaskSuccess", body).await?;
    Ok(back(form))
}

async fn failure(app: &Arc<App>, form: &Form) -> Result<String, Failure> {
    let mut body = json!({"taskToken": field(form, "token")?});
    for name in ["error", "cause"] {
        if let Some(v) = form.get(name) {
            body[name] = json!(v);
        }
    }
    sfn(app, "SendTaskFailure", body).await?;
    Ok(back(form))
}

async fn stop(app: &Arc<App>, form: &Form) -> Result<String, Failure> {
    let arn = field(form, "arn")?;
    let mut body = json!({"executionArn": arn});
    for name in ["error", "cause"] {
        if let Some(v) = form.get(name) {
            body[name] = json!(v);
        }
    }
    sfn(app, "StopExecution", body).await?;
    Ok(format!("/console/execution?arn={}", super::html::q(arn)))
}

/// Completes or fails a Conductor task (a WAIT or HUMAN task) through `POST /api/tasks`.
async fn conductor_task(app: &Arc<App>, form: &Form) -> Result<String, Failure> {
    let workflow = field(form, "workflow")?;
    let status = form
        .get("status")
        .filter(|s| matches!(*s, "COMPLETED" | "FAILED" | "FAILED_WITH_TERMINAL_ERROR"))
        .unwrap_or("COMPLETED");
    let output: Value = match form.get("output") {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| Failure::new(400, format!("the output is not JSON: {e}")))?,
        None => json!({}),
    };
    let body = json!({
        "workflowInstanceId": workflow,
        "taskId": field(form, "task")?,
        "status": status,
        "outputData": output,
        "reasonForIncompletion": form.get("reason"),
    });
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    super::conductor(app, "POST", "/api/tasks", bytes).await?;
    Ok(format!("/console/workflow?id={}", super::html::q(workflow)))
}
