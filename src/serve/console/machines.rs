//! The home page (state machines, the newest executions) and a state machine's page (its graph,
//! definition and executions).

use super::executions::{rows_table, status_filter, statuses};
use super::html::{self, esc, q};
use super::{App, Failure, Form, Page, sfn};
use crate::store::ExecutionFilter;
use serde_json::{Value, json};
use std::fmt::Write;
use std::sync::Arc;

/// `GET /`: every state machine, and the ten newest executions of any.
pub async fn home(app: &Arc<App>) -> Page {
    let mut machines = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"maxResults": 1000});
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let page = sfn(app, "ListStateMachines", body).await?;
        machines.extend(
            page["stateMachines"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        token = page["nextToken"].as_str().map(str::to_string);
        if token.is_none() || machines.len() >= 10_000 {
            break;
        }
    }
    let mut out = String::from("<h1>State machines</h1>");
    if machines.is_empty() {
        out.push_str(&html::notice(
            "",
            "No state machines yet: create one with the AWS CLI or an SDK (aws stepfunctions create-state-machine --endpoint-url …), or start serve with --state-machines DIR.",
        ));
    } else {
        out.push_str("<table><thead><tr><th>Name</th><th>Type</th><th>Created</th><th></th></tr></thead><tbody>");
        for m in &machines {
            let arn = m["stateMachineArn"].as_str().unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td><a href=\"/console/machine?arn={}\">{}</a></td><td>{}</td><td>{}</td>\
                 <td><a href=\"/console/executions?machine={}\">executions</a></td></tr>",
                q(arn),
                esc(m["name"].as_str().unwrap_or_default()),
                esc(m["type"].as_str().unwrap_or_default()),
                html::time_epoch(&m["creationDate"]),
                q(arn),
            );
        }
        out.push_str("</tbody></table>");
    }
    let recent = super::read(app, |app| {
        Ok(app.store.list_executions(&ExecutionFilter {
            limit: 10,
            ..Default::default()
        })?)
    })
    .await?;
    out.push_str("<h2>Newest executions</h2>");
    out.push_str(&rows_table(&recent, true));
    out.push_str("<p><a href=\"/console/executions\">All executions »</a></p>");
    Ok(html::page(
        "State machines",
        html::Section::Machines,
        false,
        &out,
    ))
}

/// `GET /console/machine?arn=…[&status=…][&next=…]`: the graph, the definition and the
/// machine's executions, newest first.
pub async fn machine(app: &Arc<App>, query: &Form) -> Page {
    let arn = query
        .get("arn")
        .ok_or_else(|| Failure::new(400, "which state machine? /console/machine?arn=ARN"))?;
    let m = sfn(app, "DescribeStateMachine", json!({"stateMachineArn": arn})).await?;
    let name = m["name"].as_str().unwrap_or_default();
    let definition_text = m["definition"].as_str().unwrap_or_default();
    let definition: Value = serde_json::from_str(definition_text).unwrap_or(Value::Null);
    let mut out = format!("<h1>{}</h1>", esc(name));
    let _ = write!(
        out,
        "<dl class=\"facts\"><dt>ARN</dt><dd class=\"mono\">{}</dd><dt>Type</dt><dd>{}</dd>\
         <dt>Created</dt><dd>{}</dd></dl>",
        esc(arn),
        esc(m["type"].as_str().unwrap_or_default()),
        html::time_epoch(&m["creationDate"]),
    );
    out.push_str(&super::graph_svg(&definition, name, None));
    let _ = write!(
        out,
        "<details><summary>Definition</summary>{}</details>",
        html::json_block(definition_text)
    );
    out.push_str("<h2>Executions</h2>");
    out.push_str(&status_form("/console/machine", arn, query.get("status")));
    let mut body = json!({"stateMachineArn": arn, "maxResults": 50});
    if let Some(s) = query.get("status") {
        body["statusFilter"] = json!(status_filter(s)?.name());
    }
    if let Some(t) = query.get("next") {
        body["nextToken"] = json!(t);
    }
    if m["type"] == "EXPRESS" {
        out.push_str(&html::notice(
            "",
            "Express executions are not recorded (as on AWS): start them with StartSyncExecution to see their result.",
        ));
    } else {
        let page = sfn(app, "ListExecutions", body).await?;
        let rows = page["executions"].as_array().cloned().unwrap_or_default();
        out.push_str(&super::executions::api_table(&rows));
        let base = format!(
            "/console/machine?arn={}{}",
            q(arn),
            query
                .get("status")
                .map(|s| format!("&status={}", q(s)))
                .unwrap_or_default()
        );
        let next = page["nextToken"]
            .as_str()
            .map(|t| format!("{base}&next={}", q(t)));
        let first = query.get("next").map(|_| base.clone());
        out.push_str(&html::pager(first.as_deref(), next.as_deref()));
    }
    Ok(html::page(name, html::Section::Machines, false, &out))
}

/// The status filter of an executions list, as a form (works without JavaScript).
pub fn status_form(action: &str, machine_arn: &str, current: Option<&str>) -> String {
    let mut options = String::from("<option value=\"\">any status</option>");
    for s in statuses() {
        let selected = if current == Some(s) { " selected" } else { "" };
        let _ = write!(options, "<option{selected}>{s}</option>");
    }
    let field = if action == "/console/machine" {
        "arn"
    } else {
        "machine"
    };
    let hidden = if machine_arn.is_empty() {
        String::new()
    } else {
        format!(
            "<input type=\"hidden\" name=\"{field}\" value=\"{}\">",
            esc(machine_arn)
        )
    };
    format!(
        "<form class=\"filters\" method=\"get\" action=\"{action}\">{hidden}\
         <label>Status <select name=\"status\">{options}</select></label>\
         <button>Filter</button></form>"
    )
}
