//! The console's HTML: escaping, the page frame (header, navigation, embedded stylesheet and
//! script), and the small pieces every page uses (times, status badges, JSON blocks, pagers).
//! Pages are whole documents rendered on the server, readable with JavaScript disabled.

use std::fmt::Write;

/// Text made safe for HTML content and attribute values (newlines kept, for `<pre>`).
pub fn esc(s: &str) -> String {
    crate::data::xml::escape(s, false)
}

/// A query string value.
pub fn q(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The sections of the navigation bar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Machines,
    Executions,
    Queues,
    Workflows,
    None,
}

/// A whole page: `live` makes the script refresh `#live` while the page's subject runs.
pub fn page(title: &str, section: Section, live: bool, body: &str) -> String {
    let mut nav = String::new();
    for (s, href, label) in [
        (Section::Machines, "/", "State machines"),
        (Section::Executions, "/console/executions", "Executions"),
        (Section::Queues, "/console/queues", "Queues"),
        (Section::Workflows, "/console/workflows", "Conductor"),
    ] {
        let current = if s == section {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(nav, "<a href=\"{href}\"{current}>{label}</a>");
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · stepwise</title>\
         <link rel=\"stylesheet\" href=\"/console/assets/console.css\">\
         <script src=\"/console/assets/console.js\" defer></script></head>\
         <body data-live=\"{live}\"><header><a class=\"brand\" href=\"/\">stepwise</a>\
         <nav>{nav}</nav></header><main>{body}</main></body></html>\n",
        title = esc(title),
    )
}

/// A time given in epoch milliseconds, as UTC text.
pub fn time_ms(ms: i64) -> String {
    let text = crate::data::timestamp::format_millis(ms);
    format!("<time datetime=\"{t}\">{t}</time>", t = esc(&text))
}

/// A time in the AWS API's epoch seconds.
pub fn time_epoch(v: &serde_json::Value) -> String {
    match v.as_f64() {
        Some(s) => time_ms((s * 1000.0).round() as i64),
        None => String::new(),
    }
}

/// An execution's or a task's status as a coloured badge.
pub fn badge(status: &str) -> String {
    let class = match status {
        "SUCCEEDED" | "COMPLETED" => "ok",
        "FAILED" | "TIMED_OUT" | "FAILED_WITH_TERMINAL_ERROR" | "TERMINATED" | "CANCELED" => "bad",
        "ABORTED" | "PAUSED" | "PENDING_REDRIVE" | "SKIPPED" => "warn",
        "RUNNING" | "IN_PROGRESS" | "SCHEDULED" => "run",
        _ => "other",
    };
    format!("<span class=\"badge {class}\">{}</span>", esc(status))
}

/// JSON text pretty-printed in a block (text that is not JSON as it is).
pub fn json_block(text: &str) -> String {
    let pretty = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string());
    format!("<pre class=\"json\">{}</pre>", esc(&pretty))
}

/// A JSON value pretty-printed in a block.
pub fn value_block(v: &serde_json::Value) -> String {
    let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
    format!("<pre class=\"json\">{}</pre>", esc(&pretty))
}

/// "Next page" and "first page" links.
pub fn pager(first: Option<&str>, next: Option<&str>) -> String {
    let mut out = String::from("<p class=\"pager\">");
    if let Some(href) = first {
        let _ = write!(out, "<a href=\"{}\">« first page</a> ", esc(href));
    }
    if let Some(href) = next {
        let _ = write!(
            out,
            "<a href=\"{}\" rel=\"next\">next page »</a>",
            esc(href)
        );
    }
    out.push_str("</p>");
    out
}

/// A message for the user in the page.
pub fn notice(class: &str, text: &str) -> String {
    format!("<p class=\"notice {class}\">{}</p>", esc(text))
}

/// The last `:`-separated part of an ARN (a name), for short links.
pub fn short_arn(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(q("arn:aws:states:x y&z"), "arn%3Aaws%3Astates%3Ax+y%26z");
    }

    #[test]
    fn pages_escape_their_title() {
        let p = page("<script>", Section::None, false, "");
        assert!(p.contains("&lt;script&gt; · stepwise"));
        assert!(!p.contains("<title><script>"));
    }
}
