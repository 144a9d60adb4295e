//! SQS's Query protocol, which older SDKs and the AWS CLI v1 (botocore before 1.34.90) speak:
//! `Action=SendMessage&QueueUrl=...` as a form, answered in XML. A request is translated into the
//! JSON body its operation takes (`form.rs`), run by the same operation code as AWS JSON, and its
//! JSON answer written as the operation's XML (`xml.rs`). The checks of the request's head and
//! its signature happen before, in `http.rs`, as for every request.

mod form;
pub mod xml;

use crate::serve::App;
use crate::serve::protocol::{ApiError, Body};
use std::sync::Arc;

/// The actions served (every SQS operation served in AWS JSON), and whether the answer has an
/// `<{Action}Result>`: not for operations without an output in SQS's model, whose clients look
/// for none.
const ACTIONS: &[(&str, bool)] = &[
    ("CreateQueue", true),
    ("GetQueueUrl", true),
    ("ListQueues", true),
    ("DeleteQueue", false),
    ("PurgeQueue", false),
    ("GetQueueAttributes", true),
    ("SetQueueAttributes", false),
    ("ListDeadLetterSourceQueues", true),
    ("SendMessage", true),
    ("SendMessageBatch", true),
    ("ReceiveMessage", true),
    ("DeleteMessage", false),
    ("DeleteMessageBatch", true),
    ("ChangeMessageVisibility", false),
    ("ChangeMessageVisibilityBatch", true),
];

/// A Query request as it arrived.
pub struct Request<'a> {
    /// The URL's query string (after `?`), still encoded.
    pub query: &'a str,
    /// The form body.
    pub body: &'a [u8],
    /// The URL's path: a queue's URL, when the client posted there without `QueueUrl`.
    pub path: &'a str,
    /// `http://` and the Host the client reached the server at.
    pub origin: Option<String>,
}

/// An answer: its HTTP status and XML.
pub struct Answer {
    pub status: u16,
    pub xml: String,
    /// The action it answered (`None`: the form named none that is served), for the log.
    pub action: Option<&'static str>,
}

/// Runs the request's action; `request_id` goes into the XML.
pub async fn call(app: Arc<App>, req: Request<'_>, request_id: &str) -> Answer {
    match run(app, req).await {
        Ok((action, result)) => Answer {
            status: 200,
            xml: xml::answer(action, result.as_ref(), request_id),
            action: Some(action),
        },
        Err(e) => Answer {
            status: e.status,
            xml: xml::error(&e, request_id),
            action: None,
        },
    }
}

async fn run(
    app: Arc<App>,
    req: Request<'_>,
) -> Result<
    (
        &'static str,
        Option<serde_json::Map<String, serde_json::Value>>,
    ),
    ApiError,
> {
    let pairs = form_urlencoded::parse(req.query.as_bytes())
        .chain(form_urlencoded::parse(req.body))
        .map(|(k, v)| (k, v.into_owned()));
    let (action, mut body) = form::request(pairs)?;
    let Some(&(action, has_result)) = ACTIONS.iter().find(|(a, _)| *a == action) else {
        return Err(invalid_action(&action));
    };
    if !body.contains_key("QueueUrl") && req.path.trim_matches('/').contains('/') {
        let base = req.origin.as_deref().unwrap_or(&app.settings.base_url);
        body.insert("QueueUrl".into(), format!("{base}{}", req.path).into());
    }
    let origin = req.origin;
    let answer = super::call(app, action, Body(body), origin).await?;
    let result = match answer {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    Ok((action, has_result.then_some(result)))
}

fn invalid_action(action: &str) -> ApiError {
    let shown: String = action.chars().take(100).collect();
    ApiError::new(
        "InvalidAction",
        format!(
            "The action {shown} is not valid for this endpoint: stepwise serves the SQS actions {}",
            ACTIONS
                .iter()
                .map(|(a, _)| *a)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .with_query_code("InvalidAction")
}
