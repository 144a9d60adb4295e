//! The Step Functions operations (`X-Amz-Target: AWSStepFunctions.<Operation>`), one file per
//! group: state machines, definition checks (and what Express refuses), executions, task
//! tokens, activities, TestState, and state machine versions and aliases.

mod activities;
mod aliases;
mod arns;
mod definitions;
pub mod executions;
mod express;
pub mod machines;
pub mod map_runs;
mod references;
pub mod shapes;
mod tags;
mod targets;
mod tasks;
mod test_state;
mod versions;

use super::App;
use super::http::{blocking, unknown_operation};
use super::protocol::{Body, Reply};
use std::sync::Arc;

pub async fn call(app: Arc<App>, op: &str, body: Body) -> Reply {
    if op == "GetActivityTask" {
        return activities::get_task(app, body).await;
    }
    let op = op.to_string();
    blocking(app, move |app| call_sync(app, &op, &body)).await
}

fn call_sync(app: &App, op: &str, body: &Body) -> Reply {
    match op {
        "CreateStateMachine" => machines::one_at_a_time(|| machines::create(app, body)),
        "UpdateStateMachine" => machines::one_at_a_time(|| machines::update(app, body)),
        "DescribeStateMachine" => machines::describe(app, body),
        "ListStateMachines" => machines::list(app, body),
        "DeleteStateMachine" => machines::delete(app, body),
        "PublishStateMachineVersion" => {
            machines::one_at_a_time(|| versions::publish_api(app, body))
        }
        "ListStateMachineVersions" => versions::list_api(app, body),
        "DeleteStateMachineVersion" => machines::one_at_a_time(|| versions::delete_api(app, body)),
        "CreateStateMachineAlias" => machines::one_at_a_time(|| aliases::create(app, body)),
        "DescribeStateMachineAlias" => aliases::describe(app, body),
        "UpdateStateMachineAlias" => machines::one_at_a_time(|| aliases::update(app, body)),
        "ListStateMachineAliases" => aliases::list(app, body),
        "DeleteStateMachineAlias" => machines::one_at_a_time(|| aliases::delete(app, body)),
        "ValidateStateMachineDefinition" => definitions::validate(body),
        "TestState" => test_state::call(app, body),
        "DescribeStateMachineForExecution" => machines::for_execution(app, body),
        "StartExecution" => executions::start_api(app, body),
        "StartSyncExecution" => executions::start_sync(app, body),
        "DescribeExecution" => executions::describe(app, body),
        "ListExecutions" => match body.opt_str("mapRunArn")? {
            Some(run) => map_runs::executions(app, body, run),
            None => executions::list(app, body),
        },
        "DescribeMapRun" => map_runs::describe(app, body),
        "ListMapRuns" => map_runs::list(app, body),
        "UpdateMapRun" => map_runs::update(app, body),
        "StopExecution" => executions::stop(app, body),
        "RedriveExecution" => executions::redrive(app, body),
        "TagResource" => tags::tag(app, body),
        "UntagResource" => tags::untag(app, body),
        "ListTagsForResource" => tags::list(app, body),
        "GetExecutionHistory" => executions::history(app, body),
        "SendTaskSuccess" => tasks::success(app, body),
        "SendTaskFailure" => tasks::failure(app, body),
        "SendTaskHeartbeat" => tasks::heartbeat(app, body),
        "CreateActivity" => activities::create(app, body),
        "DescribeActivity" => activities::describe(app, body),
        "ListActivities" => activities::list(app, body),
        "DeleteActivity" => activities::delete(app, body),
        _ => Err(unknown_operation(&format!("AWSStepFunctions.{op}"))),
    }
}
