//! The HTTP side: accept connections, read each request (refusing bodies over the limit), route
//! it on `X-Amz-Target` and write the AWS JSON 1.0 answer. Any path is accepted, so clients that
//! post to a queue URL reach the same operations.

use super::App;
use super::protocol::{ApiError, Body, Reply};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::convert::Infallible;
use std::sync::Arc;

/// The largest request body accepted: a 1 MiB definition or SQS batch, JSON-escaped, with room.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Serves one connection until the client closes it.
pub async fn connection(app: Arc<App>, stream: tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
    let io = hyper_util::rt::TokioIo::new(stream);
    let service = hyper::service::service_fn(move |req| handle(app.clone(), req));
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let origin = req
        .headers()
        .get("host")
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .map(|h| format!("http://{h}"));
    if req.uri().path().starts_with("/api") {
        return Ok(conductor(app, req).await);
    }
    let Some(target) = target else {
        return Ok(without_target(&req));
    };
    let bytes = match Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Ok(error(&ApiError {
                status: 413,
                code: "RequestEntityTooLargeException".into(),
                message: format!("Request body is larger than {MAX_BODY_BYTES} bytes"),
                query_code: None,
            }));
        }
        // The client went away while sending: there is nobody to answer.
        Err(e) => return Ok(error(&ApiError::new("IncompleteRequest", e.to_string()))),
    };
    let reply = match Body::parse(&bytes) {
        Ok(body) => route(app, &target, body, origin).await,
        Err(e) => Err(e),
    };
    Ok(match reply {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => error(&e),
    })
}

/// Conductor's REST API: read the body, then run the operation on the blocking pool.
async fn conductor(app: Arc<App>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let body = match Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) => {
            let err = crate::conductor::ops::OpError {
                status: if e.is::<http_body_util::LengthLimitError>() {
                    413
                } else {
                    400
                },
                message: format!("the request body could not be read: {e}"),
            };
            return rest_response(super::conductor::Answer::error(&err));
        }
    };
    let Some(request) = super::conductor::Request::new(&method, &path, body) else {
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

/// `GET /` and friends: a health answer for people and load balancers; anything else without an
/// `X-Amz-Target` is not an AWS JSON request.
fn without_target(req: &Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() == hyper::Method::GET {
        let mut r = Response::new(Full::new(Bytes::from_static(
            b"stepwise: AWS Step Functions and SQS APIs (AWS JSON 1.0, POST with X-Amz-Target)\n",
        )));
        r.headers_mut()
            .insert("content-type", "text/plain".parse().expect("static header"));
        return r;
    }
    error(&ApiError::new(
        "MissingAction",
        "The request has no X-Amz-Target header: stepwise speaks the AWS JSON 1.0 protocol \
         (X-Amz-Target: AWSStepFunctions.<Operation> or AmazonSQS.<Operation>)",
    ))
}

fn json_response(status: StatusCode, v: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert("content-type", CONTENT_TYPE.parse().expect("static header"));
    if let Ok(id) = uuid::Uuid::new_v4().to_string().parse() {
        h.insert("x-amzn-requestid", id);
    }
    r
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
