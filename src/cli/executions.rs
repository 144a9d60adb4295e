//! `stepwise executions list|describe|history|stop|purge`: the executions in the database, shaped
//! as ListExecutions, DescribeExecution and GetExecutionHistory return them; `purge` deletes
//! those that ended long ago.

use super::report::usage;
use crate::data::timestamp::format_millis;
use crate::runtime::clock::{Clock, SystemClock};
use crate::runtime::durable::Durable;
use crate::serve::sfn::shapes::{description, status_filter, summary};
use crate::store::{ExecutionFilter, ExecutionRecord, ExecutionStatus, Store};
use clap::Subcommand;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    #[command(flatten)]
    db: super::store::Db,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Newest first.
    List {
        /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (or PENDING_REDRIVE, which lists none).
        #[arg(long)]
        status: Option<String>,
        /// Only executions of this state machine (ARN).
        #[arg(long)]
        state_machine_arn: Option<String>,
        #[arg(long, default_value_t = 100)]
        max_results: usize,
    },
    /// Status, input, output or error, and the tokens of the tasks it waits for.
    Describe { execution_arn: String },
    /// The AWS-shaped history events.
    History {
        execution_arn: String,
        #[arg(long)]
        reverse_order: bool,
    },
    /// Ends a running execution (ABORTED).
    Stop {
        execution_arn: String,
        #[arg(long)]
        error: Option<String>,
        #[arg(long)]
        cause: Option<String>,
    },
    /// Deletes the executions that ended (SUCCEEDED, FAILED, TIMED_OUT, ABORTED) more than
    /// DURATION ago, with their history and tokens; running ones are never deleted.
    Purge {
        /// How long ended executions are kept: a whole number and a unit, e.g. 30m, 12h, 7d.
        #[arg(long, value_name = "DURATION", value_parser = super::age::parse)]
        older_than: std::time::Duration,
    },
}

pub fn main(args: Args) -> ExitCode {
    let (_, store) = match args.db.open() {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let result = match args.action {
        Action::List {
            status,
            state_machine_arn,
            max_results,
        } => list(&*store, status, state_machine_arn, max_results),
        Action::Describe { execution_arn } => describe(&*store, &execution_arn),
        Action::History {
            execution_arn,
            reverse_order,
        } => history(&*store, &execution_arn, reverse_order),
        Action::Stop {
            execution_arn,
            error,
            cause,
        } => stop(&store, &execution_arn, error, cause),
        Action::Purge { older_than } => purge(&*store, older_than),
    };
    match result {
        Ok(doc) => {
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn list(
    store: &dyn Store,
    status: Option<String>,
    machine: Option<String>,
    limit: usize,
) -> Result<Value, ExitCode> {
    let status = status
        .as_deref()
        .map(status_filter)
        .transpose()
        .map_err(usage)?;
    let filter = ExecutionFilter {
        machine_arn: machine,
        status,
        limit,
        after: None,
    };
    let rows = store.list_executions(&filter).map_err(usage)?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| Value::Object(summary(r, iso)))
        .collect();
    Ok(json!({ "executions": items }))
}

/// Timestamps for people: ISO 8601 text.
fn iso(ms: i64) -> Value {
    json!(format_millis(ms))
}

fn load(store: &dyn Store, arn: &str) -> Result<ExecutionRecord, ExitCode> {
    match store.execution(arn) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => {
            eprintln!(
                "An error occurred (ExecutionDoesNotExist): Execution Does Not Exist: '{arn}'"
            );
            Err(ExitCode::from(1))
        }
        Err(e) => Err(usage(e)),
    }
}

/// DescribeExecution's shape, plus `waitingTasks`: the state and token of every task the
/// execution waits for (how a user finds the token to answer).
fn describe(store: &dyn Store, arn: &str) -> Result<Value, ExitCode> {
    let r = load(store, arn)?;
    let mut m = description(&r, iso);
    let tokens = store.open_tokens(arn).map_err(usage)?;
    let waiting: Vec<Value> = tokens
        .iter()
        .map(|t| json!({"stateName": t.state_name, "taskToken": t.token}))
        .collect();
    m.insert("waitingTasks".into(), Value::Array(waiting));
    Ok(Value::Object(m))
}

fn history(store: &dyn Store, arn: &str, reverse: bool) -> Result<Value, ExitCode> {
    load(store, arn)?;
    let mut events = super::store::history_json(store, arn).map_err(usage)?;
    if reverse {
        events.reverse();
    }
    Ok(json!({ "events": events }))
}

fn stop(
    store: &Arc<dyn Store>,
    arn: &str,
    error: Option<String>,
    cause: Option<String>,
) -> Result<Value, ExitCode> {
    let r = load(&**store, arn)?;
    if r.status == ExecutionStatus::Running {
        let mut rt = Durable::new(store.clone(), SystemClock::shared());
        rt.stop(arn, error, cause)
            .map_err(|e| super::task::aws_error("StopExecution", &e))?;
    }
    let r = load(&**store, arn)?;
    Ok(json!({ "stopDate": format_millis(r.stop_ms.unwrap_or(r.start_ms)) }))
}

/// `{"deleted": N}`: how many executions went.
fn purge(store: &dyn Store, older_than: std::time::Duration) -> Result<Value, ExitCode> {
    let cutoff = super::age::before(SystemClock.now_ms(), older_than);
    let deleted = crate::store::retention::purge_ended(store, cutoff, || {}).map_err(usage)?;
    Ok(json!({ "deleted": deleted }))
}
