//! The web console: `GET /` and the pages under `/console/` — state machines with their graphs,
//! executions (filtered, newest first, paged) and an execution's page (its path drawn on the
//! graph, the history paged, the waiting tasks with their tokens and buttons to answer them or
//! stop the execution), queues (counts, dead-letter targets, a peek at messages) and Conductor
//! workflows with their executions.
//!
//! Pages read through the API's own operations (`sfn::call`, `sqs::call`, Conductor's
//! `conductor::call`) where one answers the question, and the store only for what no operation
//! gives (all executions of all machines, a peek at messages). The buttons are forms that post
//! to `actions.rs`, which runs the same operations as the API. Requests come through the same
//! guard as the API's (Host, Origin, content type) and, with `--auth-token`, `session.rs`.
//!
//! - `html.rs` — escaping, the page frame, small pieces; `assets/` — the stylesheet and script.
//! - `machines.rs`, `executions.rs`, `queues.rs`, `workflows.rs` — the pages.
//! - `actions.rs` — the buttons; `session.rs` — the login.

mod actions;
mod executions;
mod html;
mod machines;
mod queues;
pub mod session;
mod workflows;

use super::App;
use super::protocol::{Body, Reply};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::http::request::Parts;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The console's answer to a request the guard (and the session) let in.
pub async fn answer(app: Arc<App>, head: &Parts, body: Bytes) -> Response<Full<Bytes>> {
    let path = head.uri.path();
    let query = Form::parse(head.uri.query().unwrap_or("").as_bytes());
    if head.method == hyper::Method::POST {
        if !head.headers.contains_key("origin") {
            let refusal = super::guard::Refusal::NoOrigin;
            return failed(refusal.status(), &refusal.message());
        }
        let form = Form::parse(&body);
        return match path {
            "/console/login" => redirect("/"),
            _ => actions::post(&app, path, &form).await,
        };
    }
    if head.method != hyper::Method::GET && head.method != hyper::Method::HEAD {
        return failed(405, "the console answers GET, and POST from its forms");
    }
    let page = match path {
        "/" => machines::home(&app).await,
        "/console/assets/console.css" => {
            return asset(include_str!("assets/console.css"), "text/css");
        }
        "/console/assets/console.js" => {
            return asset(include_str!("assets/console.js"), "text/javascript");
        }
        "/console/machine" => machines::machine(&app, &query).await,
        "/console/executions" => executions::list(&app, &query).await,
        "/console/execution" => executions::execution(&app, &query).await,
        "/console/queues" => queues::list(&app).await,
        "/console/queue" => queues::queue(&app, &query).await,
        "/console/workflows" => workflows::list(&app).await,
        "/console/workflow" => workflows::workflow(&app, &query).await,
        _ => Err(Failure::new(
            404,
            format!("there is no console page at {path}"),
        )),
    };
    match page {
        Ok(html) => respond(200, html),
        Err(f) => failed(f.status, &f.message),
    }
}

/// Why a page could not be shown.
pub struct Failure {
    pub status: u16,
    pub message: String,
}

impl Failure {
    pub fn new(status: u16, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl From<super::protocol::ApiError> for Failure {
    fn from(e: super::protocol::ApiError) -> Failure {
        Failure::new(e.status, format!("{}: {}", e.code, e.message))
    }
}

impl From<crate::store::Error> for Failure {
    fn from(e: crate::store::Error) -> Failure {
        Failure::new(500, e.to_string())
    }
}

pub type Page = Result<String, Failure>;

/// A Step Functions operation, as the API runs it.
async fn sfn(app: &Arc<App>, op: &str, body: Value) -> Reply {
    super::sfn::call(app.clone(), op, body_of(body)).await
}

/// An SQS operation, as the API runs it.
async fn sqs(app: &Arc<App>, op: &str, body: Value) -> Reply {
    super::sqs::call(app.clone(), op, body_of(body), None).await
}

/// A Conductor REST call, as the API answers it: its JSON, or its error.
async fn conductor(
    app: &Arc<App>,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> Result<Value, Failure> {
    let Some(request) = super::conductor::Request::new(method, path, body) else {
        return Err(Failure::new(
            404,
            format!("no Conductor resource at {path}"),
        ));
    };
    let app = app.clone();
    let answer =
        tokio::task::spawn_blocking(move || super::conductor::call(&app.conductor, &request))
            .await
            .map_err(|e| Failure::new(500, e.to_string()))?;
    let value: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    if answer.status >= 400 {
        let message = value["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&answer.body).into_owned());
        return Err(Failure::new(answer.status, message));
    }
    Ok(value)
}

/// Reads the store off the async threads.
async fn read<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&App) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || f(&app))
        .await
        .map_err(|e| Failure::new(500, e.to_string()))?
}

fn body_of(v: Value) -> Body {
    match v {
        Value::Object(m) => Body(m),
        _ => Body(serde_json::Map::new()),
    }
}

/// A form or a query string, decoded.
pub struct Form(HashMap<String, String>);

impl Form {
    pub fn parse(bytes: &[u8]) -> Form {
        Form(form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// The field, when given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// `path` when it is a path of this server (`/…`, not `//host`), else `/`: where a form may
/// send the browser back to.
pub fn local_path(path: &str) -> &str {
    if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') {
        path
    } else {
        "/"
    }
}

/// A page's answer, with the headers every console page carries.
pub fn respond(status: u16, html: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(html)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    let h = r.headers_mut();
    for (name, value) in [
        ("content-type", "text/html; charset=utf-8"),
        (
            "content-security-policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        h.insert(name, hyper::header::HeaderValue::from_static(value));
    }
    r
}

/// After a form: back to a page (303, so a reload does not post again).
pub fn redirect(to: &str) -> Response<Full<Bytes>> {
    let mut r = respond(303, String::new());
    if let Ok(v) = local_path(to).parse() {
        r.headers_mut().insert("location", v);
    }
    r
}

/// An error page.
pub fn failed(status: u16, message: &str) -> Response<Full<Bytes>> {
    let body = format!(
        "<h1>{status}</h1>{}<p><a href=\"/\">Back to the state machines</a></p>",
        html::notice("bad", message)
    );
    respond(
        status,
        html::page("Error", html::Section::None, false, &body),
    )
}

fn asset(text: &'static str, content_type: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    let h = r.headers_mut();
    h.insert(
        "content-type",
        hyper::header::HeaderValue::from_static(content_type),
    );
    h.insert(
        "cache-control",
        hyper::header::HeaderValue::from_static("max-age=300"),
    );
    h.insert(
        "x-content-type-options",
        hyper::header::HeaderValue::from_static("nosniff"),
    );
    r
}

/// The graph of a definition (or a Conductor workflow's) as an inline SVG, with an
/// execution's overlay.
fn graph_svg(definition: &Value, title: &str, overlay: Option<&crate::graph::Overlay>) -> String {
    let g = if definition.get("States").is_some() {
        crate::graph::of_definition(definition)
    } else {
        crate::graph::workflow::of_workflow(definition)
    };
    format!(
        "<div class=\"graph\">{}</div>",
        crate::graph::svg::render(&g, title, overlay)
    )
}
