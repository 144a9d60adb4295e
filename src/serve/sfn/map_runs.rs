//! Map Runs: the runs of child executions a Distributed Map starts (`DescribeMapRun`,
//! `ListMapRuns`, `ListExecutions` with `mapRunArn`). The runtime keeps a Map Run as an execution
//! of its own under the Map Run's ARN (`runtime/asl/nested.rs`); its children are executions of
//! `arn:…:stateMachine:PARENT/LABEL` named `RUN-INDEX`.

use super::shapes::summary;
use crate::serve::App;
use crate::serve::protocol::{
    ApiError, Body, Reply, epoch, max_results, page_position, page_token,
};
use crate::store::{ExecutionFilter, ExecutionRecord, ExecutionStatus, ExecutionSummary};
use serde_json::{Value, json};

/// `arn:aws:states:R:A:mapRun:PARENT/LABEL:RUN` → (children's machine ARN, RUN).
fn parts(arn: &str) -> Result<(String, &str), ApiError> {
    let invalid = || ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'"));
    let fields: Vec<&str> = arn.split(':').collect();
    match fields.as_slice() {
        [
            "arn",
            partition,
            "states",
            region,
            account,
            "mapRun",
            machine,
            run,
        ] if machine.contains('/') && !run.is_empty() => Ok((
            format!("arn:{partition}:states:{region}:{account}:stateMachine:{machine}"),
            run,
        )),
        _ => Err(invalid()),
    }
}

fn load(app: &App, arn: &str) -> Result<ExecutionRecord, ApiError> {
    parts(arn)?;
    app.store
        .execution(arn)?
        .ok_or_else(|| ApiError::new("ResourceNotFound", format!("Resource Not Found: '{arn}'")))
}

/// The run's children, oldest first.
fn children(app: &App, arn: &str) -> Result<Vec<ExecutionSummary>, ApiError> {
    let (machine, run) = parts(arn)?;
    let prefix = format!("{run}-");
    let filter = ExecutionFilter {
        machine_arn: Some(machine),
        ..ExecutionFilter::default()
    };
    let mut rows: Vec<ExecutionSummary> = app
        .store
        .list_executions(&filter)?
        .into_iter()
        .filter(|r| r.name.starts_with(&prefix))
        .collect();
    rows.reverse();
    Ok(rows)
}

/// A Map Run's status: an execution's, with a timed-out run reading as failed.
fn status(s: ExecutionStatus) -> &'static str {
    match s {
        ExecutionStatus::Running => "RUNNING",
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Aborted => "ABORTED",
        _ => "FAILED",
    }
}

pub fn describe(app: &App, body: &Body) -> Reply {
    let arn = body.str("mapRunArn")?;
    let run = load(app, arn)?;
    let input: Value = serde_json::from_str(&run.input).unwrap_or_default();
    let settings = &input["mapRun"];
    let kids = children(app, arn)?;
    let count = |s: ExecutionStatus| kids.iter().filter(|k| k.status == s).count();
    let given = input["items"].as_array().map_or(0, Vec::len);
    let total = if run.status == ExecutionStatus::Running {
        given.max(kids.len())
    } else {
        kids.len()
    };
    let succeeded = count(ExecutionStatus::Succeeded);
    let (max_concurrency, tolerated_count, tolerated_percentage) = limits(&run, settings);
    let counts = json!({
        "aborted": count(ExecutionStatus::Aborted),
        "failed": count(ExecutionStatus::Failed),
        "pending": total.saturating_sub(kids.len()),
        "resultsWritten": succeeded,
        "running": count(ExecutionStatus::Running),
        "succeeded": succeeded,
        "timedOut": count(ExecutionStatus::TimedOut),
        "total": total,
    });
    let mut out = json!({
        "mapRunArn": arn,
        "executionArn": settings["executionArn"],
        "status": status(run.status),
        "startDate": epoch(run.start_ms),
        "maxConcurrency": max_concurrency,
        "toleratedFailurePercentage": tolerated_percentage,
        "toleratedFailureCount": tolerated_count,
        "itemCounts": counts,
        "executionCounts": counts,
        "redriveCount": 0,
    });
    if let Some(stop) = run.stop_ms {
        out["stopDate"] = epoch(stop);
    }
    Ok(out)
}

pub fn list(app: &App, body: &Body) -> Reply {
    let parent = body.str("executionArn")?;
    super::executions::load(app, parent)?;
    let mut runs = Vec::new();
    let mut after = 0;
    loop {
        let page = app.store.history(parent, after, 1000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in page.iter().filter(|r| r.json.contains("MapRunStarted")) {
            let event: Value = serde_json::from_str(&row.json).unwrap_or_default();
            let Some(arn) = event["mapRunStartedEventDetails"]["mapRunArn"].as_str() else {
                continue;
            };
            let Ok(run) = load(app, arn) else { continue };
            let (machine, _) = parts(arn)?;
            let mut item = json!({
                "executionArn": parent,
                "mapRunArn": arn,
                "stateMachineArn": machine,
                "startDate": epoch(run.start_ms),
            });
            if let Some(stop) = run.stop_ms {
                item["stopDate"] = epoch(stop);
            }
            runs.push(item);
        }
    }
    Ok(json!({"mapRuns": runs}))
}

/// `UpdateMapRun`: new `maxConcurrency`, `toleratedFailureCount` or
/// `toleratedFailurePercentage` for a running Map Run; more children start at once when the
/// concurrency grows.
pub fn update(app: &App, body: &Body) -> Reply {
    let arn = body.str("mapRunArn")?;
    let run = load(app, arn)?;
    let bad = |m: &str| ApiError::validation(format!("1 validation error detected: {m}"));
    let max_concurrency = match body.opt_i64("maxConcurrency")? {
        Some(n) if !(0..=10_000).contains(&n) => {
            return Err(bad(
                "Value at 'maxConcurrency' failed to satisfy constraint: Member must have value between 0 and 10000",
            ));
        }
        n => n.map(|n| n as u64),
    };
    let tolerated_count = match body.opt_i64("toleratedFailureCount")? {
        Some(n) if n < 0 => {
            return Err(bad(
                "Value at 'toleratedFailureCount' failed to satisfy constraint: Member must have value greater than or equal to 0",
            ));
        }
        n => n.map(|n| n as u64),
    };
    let tolerated_percentage = match body.get("toleratedFailurePercentage") {
        None => None,
        Some(v) => match v.as_f64() {
            Some(p) if (0.0..=100.0).contains(&p) => Some(p),
            _ => {
                return Err(bad(
                    "Value at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100",
                ));
            }
        },
    };
    if run.status == ExecutionStatus::Running {
        app.durable(|d| {
            d.update_map_run(arn, max_concurrency, tolerated_count, tolerated_percentage)
        })
        .map_err(ApiError::internal)?;
    }
    Ok(json!({}))
}

/// The run's limits: those of its running Map (changed by `UpdateMapRun`), else those it
/// started with.
fn limits(run: &ExecutionRecord, settings: &Value) -> (Value, Value, Value) {
    let state: Value = serde_json::from_str(&run.state).unwrap_or_default();
    let live = state["frames"]
        .as_array()
        .and_then(|frames| frames.iter().find_map(|f| f["wait"].get("Children")));
    match live {
        Some(join) => (
            join["max_concurrency"].clone(),
            json!(join["tolerated_count"].as_u64().unwrap_or(0)),
            json!(join["tolerated_percentage"].as_f64().unwrap_or(0.0)),
        ),
        None => (
            settings["maxConcurrency"].clone(),
            settings["toleratedFailureCount"].clone(),
            settings["toleratedFailurePercentage"].clone(),
        ),
    }
}

/// `ListExecutions` with `mapRunArn`: the run's children, newest first, paged.
pub fn executions(app: &App, body: &Body, arn: &str) -> Reply {
    load(app, arn)?;
    let max = max_results(body, 100, 1000)?;
    let start = match body.opt_str("nextToken")? {
        Some(t) => page_position(t)?
            .parse::<usize>()
            .map_err(|_| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?,
        None => 0,
    };
    let mut rows = children(app, arn)?;
    rows.reverse();
    let status = body.opt_str("statusFilter")?;
    let rows: Vec<&ExecutionSummary> = rows
        .iter()
        .filter(|r| status.is_none_or(|s| r.status.name() == s))
        .collect();
    let page: Vec<Value> = rows
        .iter()
        .skip(start)
        .take(max)
        .map(|r| {
            let mut m = summary(r, epoch);
            m.insert("mapRunArn".into(), json!(arn));
            Value::Object(m)
        })
        .collect();
    let mut out = json!({"executions": page});
    if start + max < rows.len() {
        out["nextToken"] = json!(page_token(&(start + max).to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_run_arns_name_the_children_machine_and_the_run() {
        let (machine, run) = parts("arn:aws:states:us-east-1:123456789012:mapRun:orders/Lines:abc")
            .unwrap_or_default();
        assert_eq!(
            machine,
            "arn:aws:states:us-east-1:123456789012:stateMachine:orders/Lines"
        );
        assert_eq!(run, "abc");
        assert!(parts("arn:aws:states:us-east-1:123456789012:execution:orders:abc").is_err());
    }
}
