//! `stepwise serve` driven by boto3 and the AWS CLI: the Step Functions API. Each case runs one
//! script of `tests/clients/` against its own server.

mod support;

use support::{Server, python, run_client};

#[test]
fn boto3_smoke() {
    let Some(py) = python("boto3_smoke") else {
        return;
    };
    let server = Server::start("smoke", &[]);
    run_client(&py, &server, "sfn_smoke.py", &[]);
}

/// Create (idempotent), describe, list with a paginator, update with revisions and
/// DescribeStateMachineForExecution, delete, InvalidDefinition, InvalidName, Validate.
#[test]
fn state_machines() {
    let Some(py) = python("state_machines") else {
        return;
    };
    let server = Server::start("machines", &[]);
    run_client(&py, &server, "sfn_machines.py", &[]);
}

/// StartExecution (default names, idempotency, every error), DescribeExecution, ListExecutions
/// with statusFilter and a paginator, StopExecution, GetExecutionHistory pages, reverseOrder and
/// includeExecutionData, StartSyncExecution on Express machines, a Wait of 1 s.
#[test]
fn executions() {
    let Some(py) = python("executions") else {
        return;
    };
    let server = Server::start("executions", &[]);
    run_client(&py, &server, "sfn_executions.py", &[]);
}

/// `.waitForTaskToken` answered with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, and
/// TaskTimedOut, InvalidToken, TaskDoesNotExist, InvalidOutput and validation errors as boto3's
/// modeled exceptions. The callback state runs a command that hands the token nowhere: the
/// script reads it from the TaskScheduled event.
#[test]
fn callbacks() {
    let Some(py) = python("callbacks") else {
        return;
    };
    let server = Server::start("callbacks", &["--task", NOTIFY_COMMAND]);
    run_client(&py, &server, "sfn_callbacks.py", &[]);
}

/// A Task state `Notify` whose command swallows its input: the task waits for its callback.
const NOTIFY_COMMAND: &str = "Notify=cat >/dev/null; echo {}";

/// CreateActivity (idempotent), Describe, List, Delete, ActivityDoesNotExist; worker threads
/// long-polling GetActivityTask get tasks as soon as executions schedule them, one task per
/// worker, and a worker that gave up its poll does not swallow the next task.
#[test]
fn activities() {
    let Some(py) = python("activities") else {
        return;
    };
    let server = Server::start("activities", &[]);
    run_client(&py, &server, "sfn_activities.py", &[]);
}

/// The AWS CLI: create-state-machine, start-execution, get-execution-history (the token; its
/// own pagination), send-task-success, describe-execution, list-executions; errors print
/// `An error occurred (Code)` and exit 255.
#[test]
fn aws_cli() {
    let Some(py) = python("aws_cli") else {
        return;
    };
    let server = Server::start("cli", &["--task", NOTIFY_COMMAND]);
    run_client(&py, &server, "sfn_cli.py", &[]);
}
