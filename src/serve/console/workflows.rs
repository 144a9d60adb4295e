//! Conductor: the workflow definitions and the newest workflow executions, and a workflow
//! execution's page (its graph with each task's status, the task list, and buttons to complete
//! or fail the tasks a person or an event must finish).

use super::html::{self, esc, q};
use super::{App, Failure, Form, Page};
use serde_json::Value;
use std::fmt::Write;
use std::sync::Arc;

const NEWEST: usize = 100;

/// `GET /console/workflows[?name=NAME]`.
pub async fn list(app: &Arc<App>) -> Page {
    let defs = super::conductor(app, "GET", "/api/metadata/workflow", Vec::new()).await?;
    let mut out = String::from("<h1>Conductor workflows</h1>");
    let defs = defs.as_array().cloned().unwrap_or_default();
    if defs.is_empty() {
        out.push_str(&html::notice(
            "",
            "No workflow definitions: register one with POST /api/metadata/workflow (conductor-python's MetadataClient), or start serve with --conductor DIR.",
        ));
    } else {
        out.push_str("<table><thead><tr><th>Name</th><th>Version</th><th>Tasks</th><th>Description</th></tr></thead><tbody>");
        for d in &defs {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(d["name"].as_str().unwrap_or_default()),
                d["version"],
                d["tasks"].as_array().map_or(0, Vec::len),
                esc(d["description"].as_str().unwrap_or_default()),
            );
        }
        out.push_str("</tbody></table>");
    }
    let rows = super::read(app, |app| {
        Ok(app.conductor.store.list_workflows(None, NEWEST)?)
    })
    .await?;
    let _ = write!(out, "<h2>Newest {NEWEST} workflow executions</h2>");
    if rows.is_empty() {
        out.push_str(&html::notice("", "No workflow executions."));
    } else {
        out.push_str("<table><thead><tr><th>Workflow id</th><th>Name</th><th>Status</th><th>Correlation id</th><th>Started</th></tr></thead><tbody>");
        for w in &rows {
            let _ = write!(
                out,
                "<tr><td><a class=\"mono\" href=\"/console/workflow?id={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                q(&w.id),
                esc(&w.id),
                esc(&w.name),
                html::badge(w.status.name()),
                esc(w.correlation_id.as_deref().unwrap_or("")),
                html::time_ms(w.created_ms),
            );
        }
        out.push_str("</tbody></table>");
    }
    Ok(html::page(
        "Conductor workflows",
        html::Section::Workflows,
        false,
        &out,
    ))
}

/// `GET /console/workflow?id=ID`.
pub async fn workflow(app: &Arc<App>, query: &Form) -> Page {
    let id = query
        .get("id")
        .ok_or_else(|| Failure::new(400, "which workflow? /console/workflow?id=ID"))?;
    let path = format!("/api/workflow/{}?includeTasks=true", q(id));
    let w = super::conductor(app, "GET", &path, Vec::new()).await?;
    let status = w["status"].as_str().unwrap_or_default();
    let running = matches!(status, "RUNNING" | "PAUSED");
    let name = w["workflowName"]
        .as_str()
        .or_else(|| w["workflowDefinition"]["name"].as_str())
        .unwrap_or_default();
    let tasks = w["tasks"].as_array().cloned().unwrap_or_default();
    let overlay = crate::graph::trace::of_workflow_tasks(&tasks, status);
    let mut live = format!(
        "<h1>{} {}</h1><dl class=\"facts\"><dt>Workflow id</dt><dd class=\"mono\">{}</dd>\
         <dt>Started</dt><dd>{}</dd>",
        esc(name),
        html::badge(status),
        esc(id),
        w["startTime"]
            .as_i64()
            .map(html::time_ms)
            .unwrap_or_default(),
    );
    if let Some(reason) = w["reasonForIncompletion"].as_str() {
        let _ = write!(live, "<dt>Reason</dt><dd>{}</dd>", esc(reason));
    }
    live.push_str("</dl><div class=\"cols\"><section>");
    live.push_str(&super::graph_svg(
        &w["workflowDefinition"],
        name,
        Some(&overlay),
    ));
    live.push_str("</section><section><h2>Tasks</h2>");
    live.push_str(&task_table(id, &tasks));
    live.push_str("<h2>Input</h2>");
    live.push_str(&html::value_block(&w["input"]));
    if !w["output"].is_null() {
        live.push_str("<h2>Output</h2>");
        live.push_str(&html::value_block(&w["output"]));
    }
    live.push_str("</section></div>");
    let out = format!("<div id=\"live\">{live}</div>");
    Ok(html::page(name, html::Section::Workflows, running, &out))
}

fn task_table(workflow: &str, tasks: &[Value]) -> String {
    let mut out = String::from(
        "<table><thead><tr><th>Task</th><th>Type</th><th>Status</th><th>Details</th></tr></thead><tbody>",
    );
    for t in tasks {
        let status = t["status"].as_str().unwrap_or_default();
        let kind = t["taskType"].as_str().unwrap_or_default();
        let waiting =
            matches!(status, "IN_PROGRESS" | "SCHEDULED") && matches!(kind, "WAIT" | "HUMAN");
        let mut details = format!(
            "<details><summary>show</summary>{}</details>",
            html::value_block(&serde_json::json!({
                "taskId": t["taskId"], "inputData": t["inputData"], "outputData": t["outputData"],
                "reasonForIncompletion": t["reasonForIncompletion"], "retryCount": t["retryCount"],
            }))
        );
        if waiting {
            let _ = write!(
                details,
                "<form class=\"task\" method=\"post\" action=\"/console/workflow/task\">\
                 <input type=\"hidden\" name=\"workflow\" value=\"{}\">\
                 <input type=\"hidden\" name=\"task\" value=\"{}\">\
                 <label>Output (JSON)<textarea name=\"output\" rows=\"2\">{{}}</textarea></label>\
                 <button class=\"primary\" name=\"status\" value=\"COMPLETED\">Complete</button> \
                 <button name=\"status\" value=\"FAILED\">Fail</button></form>",
                esc(workflow),
                esc(t["taskId"].as_str().unwrap_or_default()),
            );
        }
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{details}</td></tr>",
            esc(t["referenceTaskName"].as_str().unwrap_or_default()),
            esc(kind),
            html::badge(status),
        );
    }
    out.push_str("</tbody></table>");
    out
}
