//! The HTTP side: serve each connection (with timeouts, and closed by `connections.rs` to make
//! room at the cap), check each request's head (`guard.rs`), read its body (refusing bodies over
//! the limit or too slow), check its proof of `--auth-token` (`auth.rs`), route it on
//! `X-Amz-Target` (or to Conductor under `/api/`, or to SQS's Query protocol for forms with an
//! `Action`) and write the answer. Any other path is accepted, so clients that post to a queue
//! URL reach the same operations.

use super::App;
use super::connections::Ticket;
use super::guard::{Api, Refusal};
use super::protocol::{ApiError, Body, Reply};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The largest request body accepted: a 1 MiB definition or SQS batch, JSON-escaped, with room.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Serves one connection until the client closes it, it stays idle (or sends its head slower
/// than) `idle` — hyper's header-read timeout runs from the moment a head is awaited, so it is
/// the keep-alive idle timeout too — or `ticket`'s slot is closed to make room. A request's body
/// must arrive within `idle` too.
pub async fn connection(
    app: Arc<App>,
    stream: tokio::net::TcpStream,
    ticket: Ticket,
    idle: Duration,
) {
    let _ = stream.set_nodelay(true);
    let io = hyper_util::rt::TokioIo::new(stream);
    let slot = ticket.slot.clone();
    let service = hyper::service::service_fn(move |req| {
        let (app, slot) = (app.clone(), slot.clone());
        async move {
            slot.set_busy(true, app.now());
            #[allow(clippy::disallowed_methods)] // an edge: the request log's duration
            let started = std::time::Instant::now();
            let operation = operation_of(&req);
            let answer = handle(app.clone(), req, idle).await;
            slot.set_busy(false, app.now());
            if let Ok(r) = &answer {
                let operation = r
                    .extensions()
                    .get::<LoggedAs>()
                    .map_or(operation, |l| l.0.clone());
                tracing::info!(
                    operation = %operation,
                    status = r.status().as_u16(),
                    ms = started.elapsed().as_secs_f64() * 1000.0,
                    "request"
                );
            }
            answer
        }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(idle)
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::select! {
        _ = served => {}
        _ = ticket.slot.closed() => {}
    }
}

/// How an answer names its request in the log when the head could not (a Query action is in
/// the body).
#[derive(Clone)]
struct LoggedAs(String);

/// How a request is named in the log: its `X-Amz-Target`, else its method and path.
fn operation_of(req: &Request<Incoming>) -> String {
    match req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        Some(target) => target.chars().take(100).collect(),
        None => format!(
            "{} {}",
            req.method(),
            req.uri().path().chars().take(200).collect::<String>()
        ),
    }
}

/// Checks the head, reads the body, checks the proof of the token, then answers.
async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
    body_timeout: Duration,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (head, body) = req.into_parts();
    let api = Api::of(&head);
    let guard = &app.settings.guard;
    if let Err(refusal) = guard.check(&head.headers, api) {
        return Ok(refused(api, &refusal));
    }
    let bytes = match read_body(body, body_timeout).await {
        Ok(b) => b,
        Err(e) => return Ok(failed(api, &e)),
    };
    if let Some(token) = &guard.token
        && let Some(refusal) = authenticate(&app, token, api, &head, &bytes)
    {
        return Ok(refusal);
    }
    Ok(answer(app, api, &head, bytes).await)
}

/// `None` when the request proves `token` (or needs not); else the answer refusing it.
fn authenticate(
    app: &App,
    token: &str,
    api: Api,
    head: &hyper::http::request::Parts,
    body: &[u8],
) -> Option<Response<Full<Bytes>>> {
    if api == Api::Conductor
        && head.uri.path() == "/api/token"
        && head.method == hyper::Method::POST
    {
        return Some(token_exchange(token, body));
    }
    // `GET` of anything but the console and the APIs is the health answer, which tells
    // nothing: open to load balancers.
    if api == Api::Other && head.method == hyper::Method::GET {
        return None;
    }
    // The console proves the token with its session cookie, or asks for it.
    if api == Api::Console {
        return super::console::session::check(token, head, body);
    }
    let signed = super::sigv4::Signed {
        method: head.method.as_str(),
        path: head.uri.path(),
        query: head.uri.query().unwrap_or(""),
        headers: &head.headers,
        body,
    };
    let denied = super::auth::check(token, &signed, app.now()).err()?;
    let e = ApiError {
        status: denied.status(),
        code: denied.aws_code().into(),
        message: denied.message(),
        query_code: None,
    };
    Some(failed(api, &e))
}

/// The operation's answer.
async fn answer(
    app: Arc<App>,
    api: Api,
    head: &hyper::http::request::Parts,
    bytes: Bytes,
) -> Response<Full<Bytes>> {
    let target = head
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok());
    match (api, target) {
        (Api::Conductor, _) => conductor(app, head, bytes).await,
        (Api::Console, _) => super::console::answer(app, head, bytes).await,
        (Api::Query, _) => query(app, head, &bytes).await,
        (Api::Aws, Some(target)) => {
            let reply = match Body::parse(&bytes) {
                Ok(body) => route(app, target, body, origin(head)).await,
                Err(e) => Err(e),
            };
            match reply {
                Ok(v) => json_response(StatusCode::OK, &v),
                Err(e) => error(&e),
            }
        }
        _ => without_target(head),
    }
}

/// `http://` and the request's Host: what queue URLs point at.
fn origin(head: &hyper::http::request::Parts) -> Option<String> {
    head.headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .map(|h| format!("http://{h}"))
}

/// The body, at most `MAX_BODY_BYTES`, within `timeout`.
async fn read_body(body: Incoming, timeout: Duration) -> Result<Bytes, ApiError> {
    let read = tokio::time::timeout(timeout, Limited::new(body, MAX_BODY_BYTES).collect());
    match read.await {
        Ok(Ok(b)) => Ok(b.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError {
            status: 413,
            code: "RequestEntityTooLargeException".into(),
            message: format!("Request body is larger than {MAX_BODY_BYTES} bytes"),
            query_code: None,
        }),
        Ok(Err(e)) => Err(ApiError::new("IncompleteRequest", e.to_string())),
        Err(_) => Err(ApiError {
            status: 408,
            code: "RequestTimeout".into(),
            message: format!(
                "the request body did not arrive within {} s (serve --idle-timeout)",
                timeout.as_secs()
            ),
            query_code: None,
        }),
    }
}

/// A refusal of the request's head, in the form of its API.
fn refused(api: Api, refusal: &Refusal) -> Response<Full<Bytes>> {
    let code = match refusal {
        Refusal::ContentType(_) => "UnsupportedMediaType",
        Refusal::Host(_) | Refusal::Origin(_) => "AccessDeniedException",
        Refusal::Unsigned | Refusal::NoOrigin => "MissingAuthenticationTokenException",
    };
    let e = ApiError {
        status: refusal.status(),
        code: code.into(),
        message: refusal.message(),
        query_code: None,
    };
    failed(api, &e)
}

/// An error answer: AWS JSON for AWS requests, XML for Query requests, Conductor's JSON under
/// `/api/`, text otherwise.
fn failed(api: Api, e: &ApiError) -> Response<Full<Bytes>> {
    match api {
        Api::Aws => error(e),
        Api::Query => {
            let id = request_id();
            xml_response(e.status, super::sqs::query::xml::error(e, &id), &id)
        }
        Api::Conductor => rest_response(super::conductor::Answer::error(
            &crate::conductor::ops::OpError {
                status: e.status,
                message: e.message.clone(),
            },
        )),
        Api::Console => super::console::failed(e.status, &e.message),
        Api::Other => {
            let mut r = Response::new(Full::new(Bytes::from(format!("{}\n", e.message))));
            *r.status_mut() = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            r.headers_mut()
                .insert("content-type", "text/plain".parse().expect("static header"));
            r
        }
    }
}

/// `POST /api/token` with the server's token as `keySecret`: conductor-python's login.
fn token_exchange(token: &str, body: &[u8]) -> Response<Full<Bytes>> {
    match super::auth::token_exchange(token, body) {
        Some(v) => rest_response(super::conductor::Answer::json(&v)),
        None => rest_response(super::conductor::Answer::error(
            &crate::conductor::ops::OpError {
                status: 401,
                message: "keySecret is not the server's --auth-token".into(),
            },
        )),
    }
}

/// Conductor's REST API: run the operation on the blocking pool.
async fn conductor(
    app: Arc<App>,
    head: &hyper::http::request::Parts,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let method = head.method.to_string();
    let path = head
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let Some(request) = super::conductor::Request::new(&method, &path, body.to_vec()) else {
        return rest_response(super::conductor::Answer::empty(404));
    };
    let answer =
        tokio::task::spawn_blocking(move || super::conductor::call(&app.conductor, &request))
            .await
            .unwrap_or_else(|e| {
                super::conductor::Answer::error(&crate::conductor::ops::OpError {
                    status: 500,
                    message: format!("the operation failed: {e}"),
                })
            });
    rest_response(answer)
}

fn rest_response(a: super::conductor::Answer) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(a.body)));
    *r.status_mut() = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = a.content_type.parse() {
        r.headers_mut().insert("content-type", v);
    }
    r
}

/// `origin` is `http://` and the request's Host: what queue URLs point at.
async fn route(app: Arc<App>, target: &str, body: Body, origin: Option<String>) -> Reply {
    match target.split_once('.') {
        Some(("AWSStepFunctions", op)) => super::sfn::call(app, op, body).await,
        Some(("AmazonSQS", op)) => super::sqs::call(app, op, body, origin).await,
        _ => Err(unknown_operation(target)),
    }
}

pub fn unknown_operation(target: &str) -> ApiError {
    ApiError::new(
        "UnknownOperationException",
        format!("Operation {target} is not supported by stepwise"),
    )
}

/// Runs a synchronous operation on the blocking pool: it completes even if the client leaves.
pub async fn blocking(app: Arc<App>, f: impl FnOnce(&App) -> Reply + Send + 'static) -> Reply {
    tokio::task::spawn_blocking(move || f(&app))
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(format!("the operation failed: {e}"))))
}

/// SQS's Query protocol: the form's action, answered in XML.
async fn query(
    app: Arc<App>,
    head: &hyper::http::request::Parts,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let id = request_id();
    let request = super::sqs::query::Request {
        query: head.uri.query().unwrap_or(""),
        body,
        path: head.uri.path(),
        origin: origin(head),
    };
    let answer = super::sqs::query::call(app, request, &id).await;
    let mut r = xml_response(answer.status, answer.xml, &id);
    if let Some(action) = answer.action {
        r.extensions_mut()
            .insert(LoggedAs(format!("AmazonSQS.{action} (Query)")));
    }
    r
}

/// `GET /` and friends: a health answer for people and load balancers; anything else without an
/// `X-Amz-Target` is not an AWS JSON request.
fn without_target(head: &hyper::http::request::Parts) -> Response<Full<Bytes>> {
    if head.method == hyper::Method::GET {
        let mut r = Response::new(Full::new(Bytes::from_static(
            b"stepwise: AWS Step Functions and SQS APIs (AWS JSON 1.0, POST with X-Amz-Target; SQS also in its Query protocol)\n",
        )));
        r.headers_mut()
            .insert("content-type", "text/plain".parse().expect("static header"));
        return r;
    }
    error(&ApiError::new(
        "MissingAction",
        "The request has no X-Amz-Target header: stepwise speaks the AWS JSON 1.0 protocol \
         (X-Amz-Target: AWSStepFunctions.<Operation> or AmazonSQS.<Operation>), and SQS's Query \
         protocol (Content-Type: application/x-www-form-urlencoded, Action=<Operation>)",
    ))
}

fn json_response(status: StatusCode, v: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert("content-type", CONTENT_TYPE.parse().expect("static header"));
    if let Ok(id) = request_id().parse() {
        h.insert("x-amzn-requestid", id);
    }
    r
}

/// A Query answer: `xml` with its request id in the header too, as SQS sends it.
fn xml_response(status: u16, xml: String, id: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(xml)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let h = r.headers_mut();
    h.insert("content-type", "text/xml".parse().expect("static header"));
    if let Ok(id) = id.parse() {
        h.insert("x-amzn-requestid", id);
    }
    r
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn error(e: &ApiError) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = json_response(status, &e.body());
    if let Some(q) = &e.query_code {
        let fault = if e.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        if let Ok(v) = format!("{q};{fault}").parse() {
            r.headers_mut().insert("x-amzn-query-error", v);
        }
    }
    r
}
