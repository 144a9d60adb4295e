//! The executions list (all machines or one, by status, newest first, paged by position so a
//! page reads only its own rows) and an execution's page: its path drawn on the graph, the
//! waiting tasks with their tokens and buttons, and the event history, a page at a time.

use super::html::{self, esc, q, short_arn};
use super::{App, Failure, Form, Page, sfn};
use crate::store::{ExecutionFilter, ExecutionStatus, ExecutionSummary, TokenRecord};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::sync::Arc;

/// The statuses a list can be filtered by: every status an execution can be in
/// (`PENDING_REDRIVE` is a filter of AWS's only; no stepwise execution is stored in it).
pub fn statuses() -> impl Iterator<Item = &'static str> {
    ExecutionStatus::ALL
        .iter()
        .filter(|s| **s != ExecutionStatus::PendingRedrive)
        .map(|s| s.name())
}

const PAGE: usize = 50;
const HISTORY_PAGE: usize = 100;

/// A status filter as given, checked.
pub fn status_filter(s: &str) -> Result<ExecutionStatus, Failure> {
    ExecutionStatus::parse(s)
        .filter(|x| *x != ExecutionStatus::PendingRedrive)
        .ok_or_else(|| {
            Failure::new(
                400,
                format!(
                    "status {s:?} is not one of {}",
                    statuses().collect::<Vec<_>>().join(", ")
                ),
            )
        })
}

/// `GET /console/executions[?machine=ARN][&status=S][&after=MS|ARN]`.
pub async fn list(app: &Arc<App>, query: &Form) -> Page {
    let machine = query.get("machine").map(str::to_string);
    let status = query.get("status").map(status_filter).transpose()?;
    let after = query.get("after").and_then(|a| {
        let (ms, arn) = a.split_once('|')?;
        Some((ms.parse::<i64>().ok()?, arn.to_string()))
    });
    let filter = ExecutionFilter {
        machine_arn: machine.clone(),
        status,
        limit: PAGE + 1,
        after: after.clone(),
    };
    let mut rows = super::read(app, move |app| Ok(app.store.list_executions(&filter)?)).await?;
    let more = rows.len() > PAGE;
    rows.truncate(PAGE);
    let mut out = String::from("<h1>Executions</h1>");
    if let Some(m) = &machine {
        let _ = write!(
            out,
            "<p>of <a href=\"/console/machine?arn={}\">{}</a> · <a href=\"/console/executions\">all machines</a></p>",
            q(m),
            esc(short_arn(m))
        );
    }
    out.push_str(&super::machines::status_form(
        "/console/executions",
        machine.as_deref().unwrap_or(""),
        query.get("status"),
    ));
    out.push_str(&rows_table(&rows, machine.is_none()));
    let mut base = String::from("/console/executions?");
    if let Some(m) = &machine {
        let _ = write!(base, "machine={}&", q(m));
    }
    if let Some(s) = query.get("status") {
        let _ = write!(base, "status={}&", q(s));
    }
    let next = rows
        .last()
        .filter(|_| more)
        .map(|r| format!("{base}after={}", q(&format!("{}|{}", r.start_ms, r.arn))));
    let first = after.map(|_| base.trim_end_matches(['&', '?']).to_string());
    out.push_str(&html::pager(first.as_deref(), next.as_deref()));
    Ok(html::page(
        "Executions",
        html::Section::Executions,
        false,
        &out,
    ))
}

/// A table of executions from the store.
pub fn rows_table(rows: &[ExecutionSummary], with_machine: bool) -> String {
    if rows.is_empty() {
        return html::notice("", "No executions.");
    }
    let mut out = String::from("<table><thead><tr><th>Name</th>");
    if with_machine {
        out.push_str("<th>State machine</th>");
    }
    out.push_str("<th>Status</th><th>Started</th><th>Stopped</th></tr></thead><tbody>");
    for r in rows {
        let _ = write!(
            out,
            "<tr><td><a href=\"/console/execution?arn={}\">{}</a></td>",
            q(&r.arn),
            esc(&r.name)
        );
        if with_machine {
            let _ = write!(
                out,
                "<td><a href=\"/console/machine?arn={}\">{}</a></td>",
                q(&r.machine_arn),
                esc(short_arn(&r.machine_arn))
            );
        }
        let _ = write!(
            out,
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            html::badge(r.status.name()),
            html::time_ms(r.start_ms),
            r.stop_ms.map(html::time_ms).unwrap_or_default()
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// A table of executions from `ListExecutions`' answer.
pub fn api_table(rows: &[Value]) -> String {
    if rows.is_empty() {
        return html::notice("", "No executions.");
    }
    let mut out = String::from(
        "<table><thead><tr><th>Name</th><th>Status</th><th>Started</th><th>Stopped</th></tr></thead><tbody>",
    );
    for r in rows {
        let _ = write!(
            out,
            "<tr><td><a href=\"/console/execution?arn={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            q(r["executionArn"].as_str().unwrap_or_default()),
            esc(r["name"].as_str().unwrap_or_default()),
            html::badge(r["status"].as_str().unwrap_or_default()),
            html::time_epoch(&r["startDate"]),
            html::time_epoch(&r["stopDate"]),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// `GET /console/execution?arn=ARN[&history=TOKEN][&order=newest]`.
pub async fn execution(app: &Arc<App>, query: &Form) -> Page {
    let arn = query
        .get("arn")
        .ok_or_else(|| Failure::new(400, "which execution? /console/execution?arn=ARN"))?
        .to_string();
    let e = sfn(app, "DescribeExecution", json!({"executionArn": arn})).await?;
    let status = e["status"].as_str().unwrap_or_default().to_string();
    let running = status == "RUNNING";
    let machine = sfn(
        app,
        "DescribeStateMachineForExecution",
        json!({"executionArn": arn}),
    )
    .await?;
    let definition: Value =
        serde_json::from_str(machine["definition"].as_str().unwrap_or("null")).unwrap_or_default();
    let (overlay, tokens) = {
        let arn = arn.clone();
        super::read(app, move |app| {
            let rows = app.store.history(&arn, 0, 0)?;
            let events: Vec<Value> = rows
                .iter()
                .filter_map(|r| serde_json::from_str(&r.json).ok())
                .collect();
            let tokens = app.store.open_tokens(&arn)?;
            let waiting: BTreeSet<String> = tokens.iter().map(|t| t.state_name.clone()).collect();
            Ok((crate::graph::trace::of_history(&events, &waiting), tokens))
        })
        .await?
    };
    let name = e["name"].as_str().unwrap_or_default();
    let machine_arn = e["stateMachineArn"].as_str().unwrap_or_default();
    let mut live = String::new();
    let _ = write!(
        live,
        "<h1>{} {}</h1><dl class=\"facts\"><dt>ARN</dt><dd class=\"mono\">{}</dd>\
         <dt>State machine</dt><dd><a href=\"/console/machine?arn={}\">{}</a></dd>\
         <dt>Started</dt><dd>{}</dd>",
        esc(name),
        html::badge(&status),
        esc(&arn),
        q(machine_arn),
        esc(short_arn(machine_arn)),
        html::time_epoch(&e["startDate"]),
    );
    if !e["stopDate"].is_null() {
        let _ = write!(
            live,
            "<dt>Stopped</dt><dd>{}</dd>",
            html::time_epoch(&e["stopDate"])
        );
    }
    for field in ["error", "cause"] {
        if let Some(v) = e[field].as_str() {
            let _ = write!(live, "<dt>{field}</dt><dd class=\"mono\">{}</dd>", esc(v));
        }
    }
    live.push_str("</dl>");
    if running {
        let _ = write!(
            live,
            "<form class=\"inline\" method=\"post\" action=\"/console/execution/stop\">\
             <input type=\"hidden\" name=\"arn\" value=\"{}\">\
             <button class=\"danger\">Stop execution</button></form>",
            esc(&arn)
        );
    }
    live.push_str("<div class=\"cols\"><section>");
    live.push_str(&super::graph_svg(&definition, name, Some(&overlay)));
    live.push_str("</section><section>");
    live.push_str(&waiting_tasks(&arn, &tokens));
    live.push_str("<h2>Input</h2>");
    live.push_str(&html::json_block(e["input"].as_str().unwrap_or("")));
    if let Some(output) = e["output"].as_str() {
        live.push_str("<h2>Output</h2>");
        live.push_str(&html::json_block(output));
    }
    live.push_str("</section></div>");
    live.push_str(&history(app, &arn, query).await?);
    let out = format!("<div id=\"live\">{live}</div>");
    Ok(html::page(name, html::Section::Executions, running, &out))
}

/// The tasks waiting for their token, each with forms to answer it.
fn waiting_tasks(arn: &str, tokens: &[TokenRecord]) -> String {
    if tokens.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>Waiting for a task token</h2>");
    for t in tokens {
        let _ = write!(
            out,
            "<form class=\"task\" method=\"post\" action=\"/console/task/success\" data-state=\"{state}\">\
             <strong>{state}</strong> · since {since}<br><code class=\"token\">{token}</code>\
             <input type=\"hidden\" name=\"token\" value=\"{token}\">\
             <input type=\"hidden\" name=\"back\" value=\"{back}\">\
             <label>Output (JSON)<textarea name=\"output\" rows=\"3\">{{}}</textarea></label>\
             <button class=\"primary\" name=\"send\" value=\"success\">Send task success</button></form>\
             <form class=\"task\" method=\"post\" action=\"/console/task/failure\">\
             <input type=\"hidden\" name=\"token\" value=\"{token}\">\
             <input type=\"hidden\" name=\"back\" value=\"{back}\">\
             <input type=\"text\" name=\"error\" placeholder=\"error\" aria-label=\"error\"> \
             <input type=\"text\" name=\"cause\" placeholder=\"cause\" aria-label=\"cause\"> \
             <button name=\"send\" value=\"failure\">Send task failure</button></form>",
            state = esc(&t.state_name),
            since = html::time_ms(t.created_ms),
            token = esc(&t.token),
            back = esc(&format!("/console/execution?arn={}", q(arn))),
        );
    }
    out
}

/// One page of the event history, through `GetExecutionHistory`.
async fn history(app: &Arc<App>, arn: &str, query: &Form) -> Result<String, Failure> {
    let newest = query.get("order") == Some("newest");
    let mut body = json!({"executionArn": arn, "maxResults": HISTORY_PAGE, "reverseOrder": newest});
    if let Some(t) = query.get("history") {
        body["nextToken"] = json!(t);
    }
    let page = sfn(app, "GetExecutionHistory", body).await?;
    let events = page["events"].as_array().cloned().unwrap_or_default();
    let base = format!(
        "/console/execution?arn={}{}",
        q(arn),
        if newest { "&order=newest" } else { "" }
    );
    let flip = format!(
        "/console/execution?arn={}{}",
        q(arn),
        if newest { "" } else { "&order=newest" }
    );
    let mut out = format!(
        "<h2 id=\"history\">Events</h2><p class=\"muted\">{} first · <a href=\"{}#history\">{}</a></p>",
        if newest { "newest" } else { "oldest" },
        esc(&flip),
        if newest {
            "oldest first"
        } else {
            "newest first"
        }
    );
    out.push_str(
        "<table class=\"history\"><thead><tr><th>ID</th><th>Type</th><th>Step</th><th>Time</th><th>Details</th></tr></thead><tbody>",
    );
    for ev in &events {
        let details = ev
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.ends_with("EventDetails")))
            .map(|(_, v)| v);
        let step = details.and_then(|d| d["name"].as_str()).unwrap_or_default();
        let shown = details
            .map(|d| {
                format!(
                    "<details><summary>show</summary>{}</details>",
                    html::value_block(d)
                )
            })
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ev["id"],
            esc(ev["type"].as_str().unwrap_or_default()),
            esc(step),
            html::time_epoch(&ev["timestamp"]),
            shown
        );
    }
    out.push_str("</tbody></table>");
    let next = page["nextToken"]
        .as_str()
        .map(|t| format!("{base}&history={}#history", q(t)));
    let first = query.get("history").map(|_| format!("{base}#history"));
    out.push_str(&html::pager(first.as_deref(), next.as_deref()));
    Ok(out)
}
