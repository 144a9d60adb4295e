//! Step Functions calling itself, made by the runtime against its own store: child executions
//! (`states:startExecution[.sync|.sync:2|.waitForTaskToken]`, `aws-sdk:sfn:startExecution`),
//! task tokens answered by a Task (`aws-sdk:sfn:sendTaskSuccess`...), and describing or stopping
//! an execution. The shapes are `integrations/states.rs`'s.
//!
//! Durability: a child is started by its parent's outbox entry, at least once, under a name
//! derived from the parent's task when the Task gives none, so a repeated start finds the child
//! it made. A child that a `.sync` task waits for carries a [`ParentLink`] in its settings; the
//! commit that ends it adds an outbox entry ([`Answer`]) that moves the parent on, so a crash
//! between the two loses nothing. Stopping a parent stops its `.sync` children.

use super::{Asl, Guard};
use crate::engine::{CallbackOutcome, Event, ExecutionInfo, Invocation, WaitId};
use crate::integrations::Reply;
use crate::integrations::map_run;
use crate::integrations::states::{self, Call, Mode, ServiceError};
use crate::runtime::config::{HandlerConfig, ParentLink};
use crate::runtime::decider::Error;
use crate::store::{
    Commit, Decider, Error as StoreError, ExecutionRecord, ExecutionStatus, OutboxRecord,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The end of a child execution, for the parent task that waits for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Answer {
    task: WaitId,
    outcome: CallbackOutcome,
}

impl Answer {
    /// The step it makes in the parent (ignored there when the task is no longer awaited).
    pub(super) fn event(&self) -> Event {
        Event::Callback {
            task: self.task,
            outcome: self.outcome.clone(),
        }
    }
}

/// When `record` (just written by a step) has ended and a `.sync` parent waits for it: the
/// outbox entry that answers the parent, in the same commit.
pub(super) fn report_end(record: &ExecutionRecord, commit: &mut Commit) {
    if record.status == ExecutionStatus::Running || !record.config.contains("\"parent\"") {
        return;
    }
    let Some(link) = serde_json::from_str::<HandlerConfig>(&record.config)
        .ok()
        .and_then(|c| c.parent)
        .filter(|l| l.mode.waits())
    else {
        return;
    };
    let answer = Answer {
        task: link.task,
        outcome: states::outcome(record, link.mode),
    };
    let payload = serde_json::to_string(&super::Work::Answer(Box::new(answer))).unwrap_or_default();
    commit.new_outbox.push(OutboxRecord {
        id: 0,
        execution_arn: link.execution_arn,
        decider: Decider::Asl,
        payload,
        lease_until_ms: 0,
        attempts: 0,
        lease_owner: None,
    });
}

/// `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|ALIAS]` → (region, account, name).
fn machine_parts(arn: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        [
            "arn",
            partition,
            "states",
            region,
            account,
            "stateMachine",
            name,
            ..,
        ] if partition.starts_with("aws")
            && !region.is_empty()
            && !account.is_empty()
            && !name.is_empty()
            && parts.len() <= 8 =>
        {
            Some((region, account, name))
        }
        _ => None,
    }
}

/// A child's name when the Task gives none: the same for every delivery of one invocation.
fn derived_name(parent: &str, inv: &Invocation) -> String {
    let mut h = Sha256::new();
    h.update(parent.as_bytes());
    h.update(format!(
        "/{}/{}/{}/{}",
        inv.task, inv.state_name, inv.invocation, inv.retry_count
    ));
    let d = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&d[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

impl Asl {
    /// Makes a Task's call to Step Functions; `parent` is the calling execution's row.
    pub(super) fn call_sfn(
        &mut self,
        parent: &ExecutionRecord,
        inv: &Invocation,
        call: Call,
    ) -> Reply {
        let sdk = matches!(
            &inv.resource.kind,
            crate::asl::model::ResourceKind::Service { service, .. } if service == "aws-sdk:sfn"
        );
        let result = match call {
            Call::Start {
                machine_arn,
                name,
                input,
                mode,
            } => self.start_child(parent, inv, &machine_arn, name, &input, mode),
            Call::SendSuccess { token, output } => self.answer_token(&token, Ok(output)),
            Call::SendFailure {
                token,
                error,
                cause,
            } => self.answer_token(&token, Err((error, cause))),
            Call::Heartbeat { token } => self.beat(&token),
            Call::Describe { arn } => self.describe(&arn),
            Call::Stop { arn, error, cause } => self.stop_execution(&arn, error, cause),
            Call::MapRun(request) => self.start_map_run(parent, inv, &request),
        };
        result.unwrap_or_else(|e| e.reply(sdk))
    }

    fn start_child(
        &mut self,
        parent: &ExecutionRecord,
        inv: &Invocation,
        machine_arn: &str,
        name: Option<String>,
        input: &str,
        mode: Mode,
    ) -> Result<Reply, ServiceError> {
        let (region, account, machine_name) = machine_parts(machine_arn).ok_or_else(|| {
            ServiceError::new(
                "InvalidArn",
                format!("Invalid Arn: 'Resource type not valid in this context: {machine_arn}'"),
            )
        })?;
        let config: HandlerConfig = serde_json::from_str(&parent.config).unwrap_or_default();
        let missing = || {
            tracing::warn!(
                machine = %machine_name,
                "a Task starts state machine '{machine_name}', which is not known here: give its definition to `stepwise run` with --state-machines DIR or --state-machine-file {machine_name}=FILE, or create it (serve: CreateStateMachine, --state-machines DIR)"
            );
            ServiceError::new(
                "StateMachineDoesNotExist",
                format!("State Machine Does Not Exist: '{machine_arn}'"),
            )
        };
        let (definition, role_arn) = match config.state_machines.get(machine_name) {
            Some(d) => (d.clone(), crate::arn::role(account)),
            None => self.registered(machine_name)?.ok_or_else(missing)?,
        };
        let machine = self.machine(&definition).map_err(|why| {
            ServiceError::new(
                "InvalidDefinition",
                format!("state machine '{machine_name}' cannot run: {why}"),
            )
        })?;
        let name = name.unwrap_or_else(|| derived_name(&parent.arn, inv));
        crate::arn::check_name(&name).map_err(|e| ServiceError::new("InvalidName", e))?;
        let input_value: Value = serde_json::from_str(input).map_err(|e| {
            ServiceError::new(
                "InvalidExecutionInput",
                format!("Invalid State Machine Execution Input: '{e}'"),
            )
        })?;
        let arn = crate::arn::execution(region, account, machine_name, &name);
        let link = ParentLink {
            execution_arn: parent.arn.clone(),
            task: inv.task,
            mode,
        };
        let child_config = HandlerConfig {
            mock_config: None,
            test_case: None,
            mock_state_machine: None,
            parent: Some(link.clone()),
            ..config
        };
        let info = ExecutionInfo {
            execution_arn: arn.clone(),
            name,
            state_machine_arn: crate::arn::state_machine(region, account, machine_name),
            state_machine_name: machine_name.to_string(),
            role_arn,
            region: region.to_string(),
            start_ms: self.clock.now_ms(),
            input: input_value.clone(),
        };
        let seed = crate::runtime::seed().map_err(|e| ServiceError::new("Internal", e))?;
        let child = match self.start(&definition, machine, info, seed, &child_config) {
            Ok(_) => self.store.execution(&arn).ok().flatten(),
            Err(Error::Store(StoreError::AlreadyExists { .. })) => {
                let existing = self.store.execution(&arn).ok().flatten();
                existing.filter(|e| ours(e, &link, &input_value))
            }
            Err(e) => return Err(ServiceError::new("Internal", e.to_string())),
        };
        let child = child.ok_or_else(|| {
            ServiceError::new(
                "ExecutionAlreadyExists",
                format!("Execution Already Exists: '{arn}'"),
            )
        })?;
        tracing::debug!(parent = %parent.arn, child = %arn, "child execution started");
        let started = states::started(&child, mode);
        Ok(match mode {
            Mode::Start | Mode::Sdk => Reply::Succeeded(started),
            Mode::Sync | Mode::Sync2 | Mode::Token | Mode::MapRun => Reply::Pending(started),
        })
    }

    /// Starts a Distributed Map's Map Run: an execution of its own, under the Map Run's ARN,
    /// that runs the items as children (`integrations/map_run.rs`) and answers the Map when it
    /// ends.
    fn start_map_run(
        &mut self,
        parent: &ExecutionRecord,
        inv: &Invocation,
        req: &map_run::Request,
    ) -> Result<Reply, ServiceError> {
        let (region, account, _) = machine_parts(&parent.machine_arn).ok_or_else(|| {
            ServiceError::new(
                "InvalidArn",
                format!(
                    "the parent's state machine ARN '{}' names no region and account",
                    parent.machine_arn
                ),
            )
        })?;
        let run_id = derived_name(&parent.arn, inv);
        let child_machine = req.child_machine_name(&parent.machine_name);
        let children = crate::arn::state_machine(region, account, &child_machine);
        let arn = format!("arn:aws:states:{region}:{account}:mapRun:{child_machine}:{run_id}");
        let definition = map_run::definition(req, &children, &run_id, &arn).to_string();
        let machine = self.machine(&definition).map_err(|why| {
            ServiceError::new("Internal", format!("the Map Run cannot run: {why}"))
        })?;
        let mut config: HandlerConfig = serde_json::from_str(&parent.config).unwrap_or_default();
        config
            .state_machines
            .insert(child_machine.clone(), req.definition.clone());
        let link = ParentLink {
            execution_arn: parent.arn.clone(),
            task: inv.task,
            mode: Mode::MapRun,
        };
        let run_config = HandlerConfig {
            mock_config: None,
            test_case: None,
            mock_state_machine: None,
            parent: Some(link.clone()),
            ..config
        };
        let input = json!({
            "items": req.items.clone().unwrap_or_default(),
            "mapRun": {
                "executionArn": parent.arn,
                "maxConcurrency": req.max_concurrency,
                "toleratedFailureCount": req.tolerated_count.unwrap_or(0),
                "toleratedFailurePercentage": req.tolerated_percentage.unwrap_or(0.0),
                "executionType": req.execution_type,
            },
        });
        let info = ExecutionInfo {
            execution_arn: arn.clone(),
            name: run_id,
            state_machine_arn: format!("arn:aws:states:{region}:{account}:mapRun:{child_machine}"),
            state_machine_name: child_machine,
            role_arn: crate::arn::role(account),
            region: region.to_string(),
            start_ms: self.clock.now_ms(),
            input: input.clone(),
        };
        let seed = crate::runtime::seed().map_err(|e| ServiceError::new("Internal", e))?;
        match self.start(&definition, machine, info, seed, &run_config) {
            Ok(_) => {}
            Err(Error::Store(StoreError::AlreadyExists { .. })) => {
                let existing = self.store.execution(&arn).ok().flatten();
                if !existing.is_some_and(|e| ours(&e, &link, &input)) {
                    return Err(ServiceError::new(
                        "ExecutionAlreadyExists",
                        format!("Map Run Already Exists: '{arn}'"),
                    ));
                }
            }
            Err(e) => return Err(ServiceError::new("Internal", e.to_string())),
        }
        tracing::debug!(parent = %parent.arn, map_run = %arn, "map run started");
        Ok(Reply::Pending(json!({"MapRunArn": arn})))
    }

    /// A registered state machine's definition and role (`serve`'s `CreateStateMachine`).
    fn registered(&self, name: &str) -> Result<Option<(String, String)>, ServiceError> {
        let record = self
            .store
            .resource("stateMachine", name)
            .map_err(|e| ServiceError::new("Internal", e.to_string()))?;
        Ok(record.and_then(|r| {
            let body: Value = serde_json::from_str(&r.body).ok()?;
            let definition = body.get("definition")?.as_str()?.to_string();
            let role = body
                .get("roleArn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            Some((definition, role))
        }))
    }

    /// `SendTaskSuccess`/`SendTaskFailure` from a Task.
    fn answer_token(
        &mut self,
        token: &str,
        outcome: Result<String, (Option<String>, Option<String>)>,
    ) -> Result<Reply, ServiceError> {
        let record = self.open_token(token)?;
        let outcome = match outcome {
            Ok(text) => {
                let output = serde_json::from_str(&text).map_err(|e| {
                    ServiceError::new("InvalidOutput", format!("Invalid Output: '{e}'"))
                })?;
                CallbackOutcome::Success(output)
            }
            Err((error, cause)) => CallbackOutcome::Failure { error, cause },
        };
        let task = record.task;
        self.apply(
            &record.execution_arn,
            Event::Callback { task, outcome },
            Guard::OpenTask(task),
            Commit::default(),
        )
        .map_err(service_error)?;
        Ok(Reply::Succeeded(json!({})))
    }

    fn beat(&mut self, token: &str) -> Result<Reply, ServiceError> {
        let record = self.open_token(token)?;
        let task = record.task;
        self.apply(
            &record.execution_arn,
            Event::TaskHeartbeat { task },
            Guard::OpenTask(task),
            Commit::default(),
        )
        .map_err(service_error)?;
        Ok(Reply::Succeeded(json!({})))
    }

    fn open_token(&self, token: &str) -> Result<crate::store::TokenRecord, ServiceError> {
        let well_formed = (1..=2048).contains(&token.len())
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Err(ServiceError::new(
                "InvalidToken",
                "Invalid Token: 'Invalid token'",
            ));
        }
        let record = self
            .store
            .token(token)
            .map_err(|e| ServiceError::new("Internal", e.to_string()))?
            .ok_or_else(|| {
                ServiceError::new(
                    "TaskDoesNotExist",
                    "Task Does Not Exist: no task was scheduled with this token",
                )
            })?;
        if !record.open {
            return Err(ServiceError::new(
                "TaskTimedOut",
                "Task Timed Out: 'Provided task does not exist anymore'",
            ));
        }
        if record.decider != Decider::Asl {
            return Err(ServiceError::new(
                "InvalidToken",
                "Invalid Token: it belongs to a Conductor task; answer it through Conductor's task API",
            ));
        }
        Ok(record)
    }

    fn describe(&self, arn: &str) -> Result<Reply, ServiceError> {
        let record = self.existing(arn)?;
        Ok(Reply::Succeeded(states::described(&record, Mode::Sdk)))
    }

    fn existing(&self, arn: &str) -> Result<ExecutionRecord, ServiceError> {
        self.store
            .execution(arn)
            .map_err(|e| ServiceError::new("Internal", e.to_string()))?
            .ok_or_else(|| {
                ServiceError::new(
                    "ExecutionDoesNotExist",
                    format!("Execution Does Not Exist: '{arn}'"),
                )
            })
    }

    fn stop_execution(
        &mut self,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<Reply, ServiceError> {
        self.existing(arn)?;
        self.stop(arn, error, cause).map_err(service_error)?;
        let stopped = self.existing(arn)?.stop_ms.unwrap_or(self.clock.now_ms());
        Ok(Reply::Succeeded(json!({
            "StopDate": crate::data::timestamp::format_millis(stopped)
        })))
    }

    /// Stops the `.sync` children of `arn` that still run (after `arn` was stopped): those
    /// its history shows submitted and not yet answered.
    pub(super) fn stop_children(
        &mut self,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> super::Result<()> {
        for child in self.waited_children(arn)? {
            let running = self
                .store
                .execution(&child)?
                .is_some_and(|c| c.status == ExecutionStatus::Running);
            if running {
                tracing::debug!(parent = %arn, child = %child, "stopping a child with its parent");
                self.stop(&child, error.clone(), cause.clone())?;
            }
        }
        Ok(())
    }

    /// The children `.sync` tasks of `arn` started and its Map Runs, from its history.
    fn waited_children(&self, arn: &str) -> super::Result<Vec<String>> {
        let mut children = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.history(arn, after, 1000)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for row in &page {
                if !row.json.contains("startExecution.sync") && !row.json.contains("MapRunStarted")
                {
                    continue;
                }
                let Ok(event) = serde_json::from_str::<Value>(&row.json) else {
                    continue;
                };
                if let Some(run) = event["mapRunStartedEventDetails"]["mapRunArn"].as_str() {
                    children.push(run.to_string());
                    continue;
                }
                let details = &event["taskSubmittedEventDetails"];
                if details["resourceType"] != "states" {
                    continue;
                }
                let output: Value = details["output"]
                    .as_str()
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_default();
                if let Some(child) = output["ExecutionArn"].as_str() {
                    children.push(child.to_string());
                }
            }
        }
        Ok(children)
    }
}

/// Whether an existing execution is the child this task started (a repeated delivery), or one
/// AWS would start again without complaint (running, same input).
fn ours(existing: &ExecutionRecord, link: &ParentLink, input: &Value) -> bool {
    let config: HandlerConfig = serde_json::from_str(&existing.config).unwrap_or_default();
    if config.parent.as_ref() == Some(link) {
        return true;
    }
    existing.status == ExecutionStatus::Running
        && serde_json::from_str::<Value>(&existing.input).ok().as_ref() == Some(input)
}

fn service_error(e: Error) -> ServiceError {
    match e {
        Error::Callback { code, message } => ServiceError::new(code, message),
        Error::NoSuchExecution(arn) => ServiceError::new(
            "ExecutionDoesNotExist",
            format!("Execution Does Not Exist: '{arn}'"),
        ),
        other => ServiceError::new("Internal", other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_arns_name_region_account_and_machine() {
        assert_eq!(
            machine_parts("arn:aws:states:eu-west-1:123456789012:stateMachine:Child"),
            Some(("eu-west-1", "123456789012", "Child"))
        );
        assert_eq!(
            machine_parts("arn:aws:states:eu-west-1:123456789012:stateMachine:Child:prod"),
            Some(("eu-west-1", "123456789012", "Child"))
        );
        for bad in [
            "Child",
            "arn:aws:states:eu-west-1:123456789012:activity:A",
            "arn:aws:states:::stateMachine:Child",
        ] {
            assert_eq!(machine_parts(bad), None, "{bad}");
        }
    }
}
