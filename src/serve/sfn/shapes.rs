//! DescribeExecution's and ListExecutions' shapes of a stored execution, shared by the API
//! (timestamps as epoch seconds) and `stepwise executions` (ISO text): `date` renders them.

use crate::store::{ExecutionRecord, ExecutionStatus, ExecutionSummary};
use serde_json::{Map, Value, json};

/// How a timestamp (epoch milliseconds) is written.
pub type Date = fn(i64) -> Value;

/// ListExecutions' `statusFilter` (and `stepwise executions list --status`): a status, or the
/// constraint it fails, in AWS's words.
pub fn status_filter(s: &str) -> Result<ExecutionStatus, String> {
    ExecutionStatus::parse(s).ok_or_else(|| {
        format!(
            "Value '{s}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            ExecutionStatus::names()
        )
    })
}

/// A ListExecutions item.
pub fn summary(x: &ExecutionSummary, date: Date) -> Map<String, Value> {
    common(
        &x.arn,
        &x.machine_arn,
        &x.name,
        x.status,
        (x.start_ms, x.stop_ms),
        date,
    )
}

/// DescribeExecution's answer.
pub fn description(r: &ExecutionRecord, date: Date) -> Map<String, Value> {
    let mut m = common(
        &r.arn,
        &r.machine_arn,
        &r.name,
        r.status,
        (r.start_ms, r.stop_ms),
        date,
    );
    m.insert("input".into(), json!(r.input));
    m.insert("inputDetails".into(), json!({"included": true}));
    if let Some(out) = &r.output {
        m.insert("output".into(), json!(out));
        m.insert("outputDetails".into(), json!({"included": true}));
    }
    if let Some(e) = &r.error {
        m.insert("error".into(), json!(e));
    }
    if let Some(c) = &r.cause {
        m.insert("cause".into(), json!(c));
    }
    // Kept in the engine's state only once redriven: most descriptions read no state at all.
    let redrives = match r.state.contains("\"redrive_count\"") {
        true => serde_json::from_str::<Value>(&r.state)
            .ok()
            .and_then(|s| s["redrive_count"].as_u64())
            .unwrap_or(0),
        false => 0,
    };
    m.insert("redriveCount".into(), json!(redrives));
    let redrivable = matches!(
        r.status,
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted
    ) && !r.arn.contains(":express:");
    if redrivable {
        m.insert("redriveStatus".into(), json!("REDRIVABLE"));
        return m;
    }
    m.insert("redriveStatus".into(), json!("NOT_REDRIVABLE"));
    let reason = format!("Execution is {} and cannot be redriven", r.status);
    m.insert("redriveStatusReason".into(), json!(reason));
    m
}

/// The fields both share, in AWS's order.
fn common(
    arn: &str,
    machine_arn: &str,
    name: &str,
    status: ExecutionStatus,
    (start_ms, stop_ms): (i64, Option<i64>),
    date: Date,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("executionArn".into(), json!(arn));
    m.insert("stateMachineArn".into(), json!(machine_arn));
    m.insert("name".into(), json!(name));
    m.insert("status".into(), json!(status.name()));
    m.insert("startDate".into(), date(start_ms));
    if let Some(stop) = stop_ms {
        m.insert("stopDate".into(), date(stop));
    }
    m.insert("redriveCount".into(), json!(0));
    m
}
