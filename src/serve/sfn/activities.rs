//! Activities: create, describe, list, delete, and `GetActivityTask` (a long poll on the
//! activity's embedded queue, see `integrations::activity`).

use super::arns::{activity_arn, check_name, name_of};
use crate::integrations::activity::queue_of;
use crate::runtime::durable::Error as RuntimeError;
use crate::serve::App;
use crate::serve::http::blocking;
use crate::serve::protocol::{ApiError, Body, Reply, epoch, page_by_name};
use crate::store::ResourceRecord;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const KIND: &str = "activity";
/// How long `GetActivityTask` waits for a task, as AWS.
const LONG_POLL: Duration = Duration::from_secs(60);

fn load(app: &App, arn: &str) -> Result<ResourceRecord, ApiError> {
    let name = name_of(arn, "activity")?;
    app.store
        .resource(KIND, name)?
        .filter(|r| r.arn == arn)
        .ok_or_else(|| {
            ApiError::new(
                "ActivityDoesNotExist",
                format!("Activity Does Not Exist: '{arn}'"),
            )
        })
}

pub fn create(app: &App, body: &Body) -> Reply {
    let name = body.str("name")?;
    check_name(name)?;
    let now = app.now();
    let record = ResourceRecord {
        kind: KIND.into(),
        name: name.into(),
        arn: activity_arn(app, name),
        body: "{}".into(),
        created_ms: now,
    };
    let stored = app.store.put_resource(&record, true)?;
    app.store.create_queue(&queue_of(name), "{}", now)?;
    super::tags::add(app, &stored.arn, body.get("tags"))?;
    Ok(json!({"activityArn": stored.arn, "creationDate": epoch(stored.created_ms)}))
}

pub fn describe(app: &App, body: &Body) -> Reply {
    let r = load(app, body.str("activityArn")?)?;
    Ok(json!({"activityArn": r.arn, "name": r.name, "creationDate": epoch(r.created_ms)}))
}

pub fn list(app: &App, body: &Body) -> Reply {
    let all = app.store.list_resources(KIND)?;
    page_by_name(
        body,
        "activities",
        &all,
        |r| &r.name,
        |r| json!({"activityArn": r.arn, "name": r.name, "creationDate": epoch(r.created_ms)}),
    )
}

/// Tasks already scheduled stay scheduled until they time out, as on AWS; new ones fail.
pub fn delete(app: &App, body: &Body) -> Reply {
    let arn = body.str("activityArn")?;
    let name = name_of(arn, "activity")?;
    app.store.delete_resource(KIND, name)?;
    app.store.delete_queue(&queue_of(name))?;
    super::tags::forget(app, arn);
    Ok(json!({}))
}

/// Takes one scheduled task, waiting up to 60 s; `{}` (no token) when none came.
pub async fn get_task(app: Arc<App>, body: Body) -> Reply {
    let arn = body.str("activityArn")?.to_string();
    let worker = body.bounded("workerName", 80)?.map(str::to_string);
    let checked = arn.clone();
    blocking(app.clone(), move |app| {
        load(app, &checked).map(|_| Value::Null)
    })
    .await?;
    let queue = queue_of(name_of(&arn, "activity")?);
    let deadline = tokio::time::Instant::now() + LONG_POLL;
    loop {
        let notified = app.arrivals.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let (q, w) = (queue.clone(), worker.clone());
        let taken = blocking(app.clone(), move |app| take(app, &q, w)).await?;
        if !taken.is_null() {
            return Ok(taken);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(json!({}));
        }
        // Other processes may schedule tasks too: look again at least every 200 ms.
        let wait = (deadline - now).min(Duration::from_millis(200));
        let _ = tokio::time::timeout(wait, notified).await;
    }
}

/// One task from the queue, removed (a task goes to one worker) and recorded as started by
/// `worker` (`ActivityStarted`); `null` when there is none. Tasks whose execution stopped, or
/// that timed out, before a worker came are dropped on the way: AWS hands a worker only tasks it
/// can still answer.
fn take(app: &App, queue: &str, worker: Option<String>) -> Reply {
    loop {
        let now = app.now();
        // Durable with `activity_started`'s commit below.
        let Some(m) = app.store.take_message(queue, now)? else {
            return Ok(Value::Null);
        };
        let task: Value = serde_json::from_str(&m.body).map_err(ApiError::internal)?;
        let token = task["taskToken"].as_str().unwrap_or_default();
        match app.durable(|d| d.activity_started(token, worker.clone())) {
            Ok(()) => return Ok(task),
            Err(RuntimeError::Callback { .. } | RuntimeError::NoSuchExecution(_)) => continue,
            Err(e) => return Err(ApiError::internal(e)),
        }
    }
}
