//! Executions: start (durably, or synchronously for Express), describe, list, stop, history.

use super::arns::{check_execution, check_name, express_arn};
use super::definitions::invalid_definition;
use super::machines::MachineBody;
use super::shapes::{description, status_filter, summary};
use crate::engine::ExecutionInfo;
use crate::runtime::durable::Error as RuntimeError;
use crate::serve::App;
use crate::serve::protocol::{
    ApiError, Body, Reply, epoch, max_results, page_position, page_token,
};
use crate::store::{Error as StoreError, ExecutionFilter, ExecutionRecord, ExecutionStatus};
use serde_json::{Value, json};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

const MAX_PAYLOAD: usize = crate::engine::failure::MAX_PAYLOAD_BYTES;

pub fn load(app: &App, arn: &str) -> Result<ExecutionRecord, ApiError> {
    check_execution(arn)?;
    app.store.execution(arn)?.ok_or_else(|| {
        ApiError::new(
            "ExecutionDoesNotExist",
            format!("Execution Does Not Exist: '{arn}'"),
        )
    })
}

/// The execution input as AWS checks it.
fn parse_input(text: &str) -> Result<Value, ApiError> {
    if text.len() > MAX_PAYLOAD {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to {MAX_PAYLOAD}"
        )));
    }
    if text.trim().is_empty() {
        return Err(ApiError::new(
            "InvalidExecutionInput",
            "Invalid State Machine Execution Input: 'Invalid execution input.'",
        ));
    }
    let invalid = |e: String| {
        ApiError::new(
            "InvalidExecutionInput",
            format!("Invalid State Machine Execution Input: '{e}'"),
        )
    };
    let input = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    crate::data::depth::check("The input", &input).map_err(invalid)?;
    Ok(input)
}

/// What `StartExecution` answers.
pub struct Started {
    pub arn: String,
    pub start_ms: i64,
}

/// Starts an execution of a stored state machine: the API's `StartExecution` and queue
/// triggers. Idempotent for the same name and input while the first is running (Standard
/// only: an Express execution's ARN is new each time). Express executions run durably too, but
/// like AWS's they cannot be described, listed or stopped through the API.
pub fn start(
    app: &App,
    machine_arn: &str,
    name: Option<&str>,
    input: Option<&str>,
) -> Result<Started, ApiError> {
    let target = super::targets::resolve(app, machine_arn)?;
    let (record, body) = (&target.record, &target.body);
    let name = name.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    check_name(&name)?;
    let input_text = input.unwrap_or("{}");
    let input = parse_input(input_text)?;
    let machine = app
        .machine(&body.definition)
        .map_err(|d| invalid_definition(&d))?;
    let arn = if body.kind == "EXPRESS" {
        express_arn(app, &record.name, &name)
    } else {
        crate::arn::execution(
            &app.settings.region,
            &app.settings.account,
            &record.name,
            &name,
        )
    };
    let info = ExecutionInfo {
        execution_arn: arn.clone(),
        name,
        state_machine_arn: record.arn.clone(),
        state_machine_name: record.name.clone(),
        role_arn: body.role_arn.clone(),
        region: app.settings.region.clone(),
        start_ms: app.now(),
        input: input.clone(),
    };
    let start_ms = info.start_ms;
    let mut config = app.settings.handlers.clone();
    config.mock_state_machine = Some(record.name.clone());
    let seed = crate::runtime::seed().map_err(ApiError::internal)?;
    let started = app.durable(|d| d.start(&body.definition, machine, info, seed, &config));
    match started {
        Ok(arn) => {
            if body.kind != "EXPRESS" {
                super::targets::remember(app, &arn, &target.source)?;
            }
            Ok(Started { arn, start_ms })
        }
        Err(RuntimeError::Store(StoreError::AlreadyExists { arn })) => {
            let existing = load(app, &arn)?;
            let same_input = serde_json::from_str::<Value>(&existing.input).ok() == Some(input);
            if existing.status == ExecutionStatus::Running && same_input {
                Ok(Started {
                    arn,
                    start_ms: existing.start_ms,
                })
            } else {
                Err(ApiError::new(
                    "ExecutionAlreadyExists",
                    format!("Execution Already Exists: '{arn}'"),
                ))
            }
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}

pub fn start_api(app: &App, body: &Body) -> Reply {
    let started = start(
        app,
        body.str("stateMachineArn")?,
        body.opt_str("name")?,
        body.opt_str("input")?,
    )?;
    Ok(json!({"executionArn": started.arn, "startDate": epoch(started.start_ms)}))
}

/// `StartSyncExecution`: an Express execution run to its end in memory; answers 200 whatever
/// its outcome. As on AWS it may run five minutes (`Settings::sync_timeout`): then it answers
/// `TIMED_OUT`, and the execution is stopped and its commands killed.
pub fn start_sync(app: &App, body: &Body) -> Reply {
    let machine_arn = body.str("stateMachineArn")?;
    let target = super::targets::resolve(app, machine_arn)?;
    let (record, machine): (_, MachineBody) = (target.record, target.body);
    if machine.kind != "EXPRESS" {
        return Err(ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let name = body
        .opt_str("name")?
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    check_name(&name)?;
    let input_text = body.opt_str("input")?.unwrap_or("{}");
    let input = parse_input(input_text)?;
    let parsed = app
        .machine(&machine.definition)
        .map_err(|d| invalid_definition(&d))?;
    let arn = express_arn(app, &record.name, &name);
    let start_ms = app.now();
    let info = ExecutionInfo {
        execution_arn: arn.clone(),
        name: name.clone(),
        state_machine_arn: record.arn.clone(),
        state_machine_name: record.name.clone(),
        role_arn: machine.role_arn.clone(),
        region: app.settings.region.clone(),
        start_ms,
        input,
    };
    let limit = app
        .settings
        .sync_timeout
        .min(crate::integrations::child::FOREVER);
    #[allow(clippy::disallowed_methods)] // an edge: the run's commands end by the wall clock
    let mut router = app
        .settings
        .handlers
        .router_until(Some(app.store.clone()), Some(Instant::now() + limit))
        .map_err(ApiError::internal)?;
    // On a thread of its own: handlers for real AWS endpoints run (and drop) a tokio runtime of
    // their own, which tokio refuses inside the server's.
    let seed = crate::runtime::seed().map_err(ApiError::internal)?;
    let deadline_ms = start_ms.saturating_add(limit.as_millis() as i64);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let clock = crate::runtime::clock::SystemClock;
        let done = crate::runtime::local::run_until(
            &parsed,
            info,
            seed,
            &mut router,
            &clock,
            Some(deadline_ms),
        );
        let _ = tx.send(done);
    });
    // A handler that ignores the deadline (an SDK call) is not waited for beyond it: the run
    // stops at its next step, and the answer goes out now.
    let done = match rx.recv_timeout(limit + SYNC_GRACE) {
        Ok(done) => Some(done),
        Err(RecvTimeoutError::Timeout) => None,
        Err(RecvTimeoutError::Disconnected) => {
            return Err(ApiError::internal("the express execution panicked"));
        }
    };
    let stop_ms = app.now();
    let mut out = json!({
        "executionArn": arn,
        "stateMachineArn": record.arn,
        "name": name,
        "startDate": epoch(start_ms),
        "stopDate": epoch(stop_ms),
        "status": "TIMED_OUT",
        "input": input_text,
        "inputDetails": {"included": true},
        "billingDetails": {
            // Rounded up to the next 100 ms, at least 100, as AWS bills.
            "billedDurationInMilliseconds": ((stop_ms - start_ms).max(1) + 99) / 100 * 100,
            "billedMemoryUsedInMB": 64,
        },
    });
    use crate::engine::Status;
    let Some(done) = done.filter(|d| !d.out_of_time) else {
        out["status"] = json!("TIMED_OUT");
        out["error"] = json!(crate::engine::failure::TIMEOUT);
        out["cause"] = json!(format!(
            "The execution ran longer than the {} s a synchronous Express execution may run, and was stopped.",
            limit.as_secs()
        ));
        return Ok(out);
    };
    out["status"] = json!(done.status.name());
    match &done.status {
        Status::Succeeded { output } => {
            out["output"] = json!(output.to_string());
            out["outputDetails"] = json!({"included": true});
        }
        Status::Failed { error, cause }
        | Status::TimedOut { error, cause }
        | Status::Aborted { error, cause } => {
            if let Some(e) = error {
                out["error"] = json!(e);
            }
            if let Some(c) = cause {
                out["cause"] = json!(c);
            }
        }
        Status::Running => {}
    }
    Ok(out)
}

/// How long past its limit a synchronous execution's answer waits for the run to stop.
const SYNC_GRACE: Duration = Duration::from_secs(1);

pub fn describe(app: &App, body: &Body) -> Reply {
    let r = load(app, body.str("executionArn")?)?;
    let mut out = description(&r, epoch);
    super::targets::describe_into(app, &r.arn, &mut out)?;
    Ok(Value::Object(out))
}

pub fn list(app: &App, body: &Body) -> Reply {
    let given = body.str("stateMachineArn")?;
    // A version or alias ARN lists the executions started through it.
    let target = super::targets::resolve(app, given)?;
    let qualified = target.source.state_machine_version_arn.is_some();
    let (machine_arn, machine) = (target.record.arn.as_str(), &target.body);
    if machine.kind == "EXPRESS" {
        return Err(ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let status = body
        .opt_str("statusFilter")?
        .map(status_filter)
        .transpose()
        .map_err(|e| ApiError::validation(format!("1 validation error detected: {e}")))?;
    let max = max_results(body, 100, 1000)?;
    let after = match body.opt_str("nextToken")? {
        Some(t) => {
            let position = page_position(t)?;
            let (ms, arn) = position
                .split_once('|')
                .and_then(|(ms, arn)| Some((ms.parse::<i64>().ok()?, arn.to_string())))
                .ok_or_else(|| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?;
            Some((ms, arn))
        }
        None => None,
    };
    let mut filter = ExecutionFilter {
        machine_arn: Some(machine_arn.to_string()),
        status,
        limit: max + 1,
        after,
    };
    let mut rows = Vec::new();
    loop {
        let chunk = app.store.list_executions(&filter)?;
        let exhausted = chunk.len() <= max;
        filter.after = chunk.last().map(|r| (r.start_ms, r.arn.clone()));
        for r in chunk {
            if !qualified || super::targets::started_through(app, &r.arn, given)? {
                rows.push(r);
            }
        }
        if rows.len() > max || exhausted {
            break;
        }
    }
    let more = rows.len() > max;
    rows.truncate(max);
    let items: Vec<Value> = rows
        .iter()
        .map(|r| Value::Object(summary(r, epoch)))
        .collect();
    let mut out = json!({"executions": items});
    if more && let Some(last) = rows.last() {
        out["nextToken"] = json!(page_token(&format!("{}|{}", last.start_ms, last.arn)));
    }
    Ok(out)
}

pub fn stop(app: &App, body: &Body) -> Reply {
    let arn = body.str("executionArn")?;
    let error = body.bounded("error", 256)?.map(str::to_string);
    let cause = body.bounded("cause", 32_768)?.map(str::to_string);
    let r = load(app, arn)?;
    if r.status == ExecutionStatus::Running {
        app.durable(|d| d.stop(arn, error, cause))
            .map_err(ApiError::internal)?;
    }
    let r = load(app, arn)?;
    Ok(json!({"stopDate": epoch(r.stop_ms.unwrap_or(r.start_ms))}))
}

/// `RedriveExecution`: a failed, timed-out or aborted Standard execution continues from the
/// state that was running when it ended.
pub fn redrive(app: &App, body: &Body) -> Reply {
    let arn = body.str("executionArn")?;
    let r = load(app, arn)?;
    if arn.contains(":express:") {
        return Err(ApiError::new(
            "ExecutionNotRedrivable",
            "Express executions cannot be redriven",
        ));
    }
    match app.durable(|d| d.redrive(arn)) {
        Ok(()) => {}
        Err(RuntimeError::Callback { code, message }) => return Err(ApiError::new(code, message)),
        Err(e) => return Err(ApiError::internal(e)),
    }
    let _ = r;
    Ok(json!({"redriveDate": epoch(app.now())}))
}

pub fn history(app: &App, body: &Body) -> Reply {
    let arn = body.str("executionArn")?;
    load(app, arn)?;
    let max = max_results(body, 100, 1000)?;
    let reverse = body.opt_bool("reverseOrder")?.unwrap_or(false);
    let with_data = body.opt_bool("includeExecutionData")?.unwrap_or(true);
    // The token is the id of the last event given; the next page continues past it (below it,
    // in reverse order).
    let after: Option<u64> = match body.opt_str("nextToken")? {
        Some(t) => Some(
            page_position(t)?
                .parse()
                .map_err(|_| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?,
        ),
        None => None,
    };
    let rows = if reverse {
        app.store.history_reversed(arn, after, max + 1)?
    } else {
        app.store.history(arn, after.unwrap_or(0), max + 1)?
    };
    let more = rows.len() > max;
    let rows = &rows[..rows.len().min(max)];
    let events: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut event: Value = serde_json::from_str(&r.json).unwrap_or(Value::Null);
            event["timestamp"] = epoch(r.timestamp_ms);
            if !with_data {
                strip_data(&mut event);
            }
            event
        })
        .collect();
    let mut out = json!({"events": events});
    if more && let Some(last) = rows.last() {
        out["nextToken"] = json!(page_token(&last.id.to_string()));
    }
    Ok(out)
}

/// `includeExecutionData: false`: the events without their data: input, output, and a task's
/// parameters (its input). The `...Details` siblings stay.
fn strip_data(event: &mut Value) {
    if let Some(m) = event.as_object_mut() {
        for (key, details) in m.iter_mut() {
            if key.ends_with("EventDetails")
                && let Some(d) = details.as_object_mut()
            {
                d.remove("input");
                d.remove("output");
                d.remove("parameters");
            }
        }
    }
}

/// For triggers: the machine's ARN from a name or an ARN.
pub fn machine_arn_of(app: &App, name_or_arn: &str) -> String {
    if name_or_arn.starts_with("arn:") {
        name_or_arn.to_string()
    } else {
        super::arns::machine_arn(app, name_or_arn)
    }
}
