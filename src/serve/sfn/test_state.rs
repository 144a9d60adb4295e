//! `TestState`: one state run in isolation (`testing::test_state`), with the server's handlers
//! for the Task states the request does not mock.

use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply, too_long};
use crate::testing::test_state::{Env, Refusal, Request, test_state};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

const MAX_DEFINITION: usize = 1_048_576;
/// AWS stops a TestState call after five minutes.
const LIMIT: Duration = Duration::from_secs(300);
const GRACE: Duration = Duration::from_secs(1);

pub fn call(app: &App, body: &Body) -> Reply {
    let definition = body.str("definition")?;
    if definition.chars().count() > MAX_DEFINITION {
        return Err(too_long("definition", definition, MAX_DEFINITION));
    }
    let req = Request::from_json(&body.0).map_err(refused)?;
    let limit = app.settings.sync_timeout.min(LIMIT);
    #[allow(clippy::disallowed_methods)] // an edge: the run's commands end by the wall clock
    let handlers = app
        .settings
        .handlers
        .router_until(Some(app.store.clone()), Some(Instant::now() + limit))
        .map_err(ApiError::internal)?;
    let env = Env {
        region: app.settings.region.clone(),
        account: app.settings.account.clone(),
        start_ms: app.now(),
        execution_name: uuid::Uuid::new_v4().to_string(),
        machine_name: uuid::Uuid::new_v4().to_string(),
        seed: crate::runtime::seed().map_err(ApiError::internal)?,
    };
    // On a thread of its own: handlers for real AWS endpoints run (and drop) a tokio runtime of
    // their own, which tokio refuses inside the server's.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Virtual time: a Wait state or a retry back-off does not hold the call up.
        let clock = crate::runtime::clock::VirtualClock::new(env.start_ms);
        let _ = tx.send(test_state(&req, &env, handlers, &clock));
    });
    match rx.recv_timeout(limit + GRACE) {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(r)) => Err(refused(r)),
        Err(RecvTimeoutError::Timeout) => Ok(serde_json::json!({
            "status": "FAILED",
            "error": "States.Timeout",
            "cause": format!("The state did not finish within {} seconds.", limit.as_secs()),
        })),
        Err(RecvTimeoutError::Disconnected) => Err(ApiError::internal("the tested state panicked")),
    }
}

fn refused(r: Refusal) -> ApiError {
    ApiError::new(r.code, r.message)
}
