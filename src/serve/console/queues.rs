//! The queues page (each queue's visible, in-flight and delayed messages, its dead-letter
//! queue, and which queues are others' dead-letter queues) and a queue's page (its attributes
//! and a peek at its messages, which receives nothing and changes nothing).

use super::html::{self, esc, q, short_arn};
use super::{App, Failure, Form, Page, sqs};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

const PEEK: usize = 50;

/// Every queue's attributes, by name.
async fn all(app: &Arc<App>) -> Result<BTreeMap<String, Value>, Failure> {
    let listed = sqs(app, "ListQueues", json!({"MaxResults": 1000})).await?;
    let mut out = BTreeMap::new();
    for url in listed["QueueUrls"].as_array().into_iter().flatten() {
        let Some(url) = url.as_str() else { continue };
        let name = url.rsplit('/').next().unwrap_or(url).to_string();
        let attributes = sqs(
            app,
            "GetQueueAttributes",
            json!({"QueueUrl": url, "AttributeNames": ["All"]}),
        )
        .await?;
        out.insert(name, attributes["Attributes"].clone());
    }
    Ok(out)
}

/// The dead-letter queue's name of a queue's `RedrivePolicy`.
fn dead_letter_of(attributes: &Value) -> Option<String> {
    let policy: Value = serde_json::from_str(attributes["RedrivePolicy"].as_str()?).ok()?;
    Some(short_arn(policy["deadLetterTargetArn"].as_str()?).to_string())
}

/// `GET /console/queues`.
pub async fn list(app: &Arc<App>) -> Page {
    let queues = all(app).await?;
    let mut out = String::from("<h1>Queues</h1>");
    if queues.is_empty() {
        out.push_str(&html::notice("", "No queues yet."));
        return Ok(html::page("Queues", html::Section::Queues, false, &out));
    }
    let dead_letter_for: BTreeMap<String, Vec<String>> =
        queues.iter().fold(BTreeMap::new(), |mut acc, (name, a)| {
            if let Some(dlq) = dead_letter_of(a) {
                acc.entry(dlq).or_default().push(name.clone());
            }
            acc
        });
    out.push_str(
        "<table><thead><tr><th>Queue</th><th>Visible</th><th>In flight</th><th>Delayed</th>\
         <th>Dead-letter queue</th><th>Dead-letter queue of</th></tr></thead><tbody>",
    );
    for (name, a) in &queues {
        let count = |k: &str| esc(a[k].as_str().unwrap_or("0"));
        let dlq = dead_letter_of(a)
            .map(|d| format!("<a href=\"/console/queue?name={}\">{}</a>", q(&d), esc(&d)))
            .unwrap_or_default();
        let sources = dead_letter_for
            .get(name)
            .map(|s| s.iter().map(|n| esc(n)).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td><a href=\"/console/queue?name={}\">{}</a></td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{dlq}</td><td>{sources}</td></tr>",
            q(name),
            esc(name),
            count("ApproximateNumberOfMessages"),
            count("ApproximateNumberOfMessagesNotVisible"),
            count("ApproximateNumberOfMessagesDelayed"),
        );
    }
    out.push_str("</tbody></table>");
    Ok(html::page("Queues", html::Section::Queues, false, &out))
}

/// `GET /console/queue?name=NAME`.
pub async fn queue(app: &Arc<App>, query: &Form) -> Page {
    let name = query
        .get("name")
        .ok_or_else(|| Failure::new(400, "which queue? /console/queue?name=NAME"))?
        .to_string();
    let url = app.queue_url(None, &name);
    let attributes = sqs(
        app,
        "GetQueueAttributes",
        json!({"QueueUrl": url, "AttributeNames": ["All"]}),
    )
    .await?;
    let messages = {
        let name = name.clone();
        super::read(app, move |app| {
            Ok(app.store.peek_messages(&name, PEEK, app.now())?)
        })
        .await?
    };
    let now = app.now();
    let mut out = format!(
        "<h1>{}</h1><dl class=\"facts\"><dt>URL</dt><dd class=\"mono\">{}</dd></dl>",
        esc(&name),
        esc(&url)
    );
    out.push_str("<details><summary>Attributes</summary>");
    out.push_str(&html::value_block(&attributes["Attributes"]));
    out.push_str("</details>");
    let _ = write!(
        out,
        "<h2>Messages</h2><p class=\"muted\">The oldest {PEEK}, seen without receiving them.</p>"
    );
    if messages.is_empty() {
        out.push_str(&html::notice("", "The queue is empty."));
    } else {
        out.push_str(
            "<table><thead><tr><th>Message id</th><th>Sent</th><th>State</th><th>Receives</th>\
             <th>Body</th></tr></thead><tbody>",
        );
        for m in &messages {
            let state = match (m.visible_at_ms <= now, m.receipt_handle.is_some()) {
                (true, _) => "visible",
                (false, true) => "in flight",
                (false, false) => "delayed",
            };
            let _ = write!(
                out,
                "<tr><td class=\"mono\">{}</td><td>{}</td><td>{state}</td><td class=\"num\">{}</td>\
                 <td><details><summary>{}</summary>{}</details></td></tr>",
                esc(&m.id),
                html::time_ms(m.sent_ms),
                m.receive_count,
                esc(&m.body.chars().take(80).collect::<String>()),
                html::json_block(&m.body),
            );
        }
        out.push_str("</tbody></table>");
    }
    Ok(html::page(&name, html::Section::Queues, false, &out))
}
