//! A Conductor workflow execution as Conductor shows it: the workflow with its status, input,
//! output and variables, and its task list (taskId, seq, referenceTaskName, statuses, input and
//! output data). The decider changes it; the REST API and `${...}` expressions read it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use super::domains::TaskToDomain;

pub use crate::status::{TaskStatus, WorkflowStatus};

/// One task of the execution (a retry is a new task with a new id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub task_id: String,
    /// `SIMPLE`, `WAIT`, `EVENT`, `FORK` (for a FORK_JOIN), `JOIN`, `SWITCH`, ...
    pub task_type: String,
    pub task_def_name: String,
    /// The runtime reference name: `ref`, or `ref__N` inside a DO_WHILE iteration.
    pub reference_task_name: String,
    /// The reference name in the definition.
    pub def_ref: String,
    pub status: TaskStatus,
    pub input_data: Map<String, Value>,
    pub output_data: Map<String, Value>,
    pub seq: u32,
    pub retry_count: u32,
    pub poll_count: u32,
    pub iteration: u32,
    pub scheduled_time: i64,
    pub start_time: i64,
    pub end_time: i64,
    pub update_time: i64,
    pub reason_for_incompletion: Option<String>,
    pub worker_id: Option<String>,
    pub callback_after_seconds: u64,
    pub retried: bool,
    pub retried_task_id: Option<String>,
    /// Set once the decider has acted on the task's end (scheduled what follows, or failed the
    /// workflow), so that it acts once.
    pub executed: bool,
    /// A WAIT's deadline, or when a SCHEDULED task becomes pollable (start delay, retry delay,
    /// `callbackAfterSeconds`).
    pub wait_until: Option<i64>,
    pub sub_workflow_id: Option<String>,
    /// When a worker task times out (`timeouts.rs`).
    #[serde(default)]
    pub timeout_at: Option<i64>,
    /// A WAIT or HUMAN task's task token, given by the runtime when it saves the task: it closes
    /// the task as SendTaskSuccess/SendTaskFailure close an ASL task.
    #[serde(default)]
    pub task_token: Option<String>,
    /// The domain a worker task was queued in (`domains`): it waits on `DOMAIN:TYPE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

impl Task {
    /// The task as Conductor's API returns it. `workflow` supplies the workflow-level fields;
    /// `workflow_task` is the task's definition as given.
    pub fn to_json(&self, workflow: &Workflow, workflow_task: Option<&Value>) -> Value {
        let mut t = json!({
            "taskType": self.task_type,
            "status": self.status.name(),
            "inputData": self.input_data,
            "referenceTaskName": self.reference_task_name,
            "retryCount": self.retry_count,
            "seq": self.seq,
            "correlationId": workflow.correlation_id,
            "pollCount": self.poll_count,
            "taskDefName": self.task_def_name,
            "scheduledTime": self.scheduled_time,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "updateTime": self.update_time,
            "startDelayInSeconds": 0,
            "retriedTaskId": self.retried_task_id,
            "retried": self.retried,
            "executed": self.executed,
            "callbackFromWorker": true,
            "responseTimeoutSeconds": 0,
            "workflowInstanceId": workflow.workflow_id,
            "workflowType": workflow.name,
            "taskId": self.task_id,
            "reasonForIncompletion": self.reason_for_incompletion,
            "callbackAfterSeconds": self.callback_after_seconds,
            "workerId": self.worker_id,
            "outputData": self.output_data,
            "domain": self.domain,
            "rateLimitPerFrequency": 0,
            "rateLimitFrequencyInSeconds": 0,
            "workflowPriority": 0,
            "iteration": self.iteration,
            "subworkflowChanged": false,
            "firstStartTime": 0,
            "queueWaitTime": 0,
            "loopOverTask": self.iteration > 0,
        });
        if let Some(wt) = workflow_task {
            t["workflowTask"] = wt.clone();
        }
        if let Some(id) = &self.sub_workflow_id {
            t["subWorkflowId"] = Value::from(id.as_str());
        }
        if let Some(token) = &self.task_token {
            t["taskToken"] = Value::from(token.as_str());
        }
        t
    }

    /// What `${ref.…}` reads.
    pub fn expression_view(&self, workflow_id: &str) -> Value {
        json!({
            "input": self.input_data,
            "output": self.output_data,
            "taskType": self.task_type,
            "status": self.status.name(),
            "referenceTaskName": self.reference_task_name,
            "retryCount": self.retry_count,
            "pollCount": self.poll_count,
            "taskDefName": self.task_def_name,
            "scheduledTime": self.scheduled_time,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "workflowInstanceId": workflow_id,
            "taskId": self.task_id,
            "reasonForIncompletion": self.reason_for_incompletion,
            "callbackAfterSeconds": self.callback_after_seconds,
            "workerId": self.worker_id,
            "iteration": self.iteration,
        })
    }
}

/// Work the runtime performs after the workflow is saved: at least once, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    /// An EVENT task's message: `sink` as resolved (`sqs:NAME`, `conductor:WF:NAME`, ...).
    Publish {
        sink: String,
        message_id: String,
        body: Value,
    },
    /// A SIMPLE task became pollable: put it on its task type's queue, in its domain if it has
    /// one (Conductor's queue `DOMAIN:TYPE`).
    Enqueue {
        task_type: String,
        task_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        domain: Option<String>,
    },
    /// Start a SUB_WORKFLOW's child (idempotent: the child's id is chosen here).
    StartChild {
        workflow_id: String,
        name: String,
        version: Option<i64>,
        input: Map<String, Value>,
        parent_task_id: String,
        /// `subWorkflowParam.taskToDomain`; `None`: the parent's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task_to_domain: Option<TaskToDomain>,
    },
    /// This workflow (a child) ended: update the parent's SUB_WORKFLOW task.
    NotifyParent {
        parent_workflow_id: String,
        parent_task_id: String,
    },
    /// Cancel a running child (the parent ended).
    TerminateChild { workflow_id: String, reason: String },
    /// Run a JSON_JQ_TRANSFORM task's jq program over its input, out of the process (a jq
    /// program may loop or recurse without end), and report the result as the task's.
    Transform { task_id: String },
    /// Make an HTTP task's request and report the response as the task's (performed again after
    /// a crash: the request may be sent twice, as Conductor's system task may).
    Http { task_id: String },
    /// A START_WORKFLOW task's workflow (idempotent: its id is chosen here); then the task
    /// completes with `workflowId`, or fails when no such workflow is registered.
    StartWorkflow {
        task_id: String,
        workflow_id: String,
        name: String,
        version: Option<i64>,
        input: Map<String, Value>,
        correlation_id: Option<String>,
        /// The request's `taskToDomain`, else the starting workflow's.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        task_to_domain: TaskToDomain,
    },
    /// The definition's `failureWorkflow`, for a workflow that failed.
    StartFailureWorkflow {
        workflow_id: String,
        name: String,
        input: Map<String, Value>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    pub workflow_id: String,
    pub name: String,
    pub version: i64,
    pub status: WorkflowStatus,
    pub input: Map<String, Value>,
    pub output: Map<String, Value>,
    pub correlation_id: Option<String>,
    pub reason_for_incompletion: Option<String>,
    pub variables: Map<String, Value>,
    pub tasks: Vec<Task>,
    pub create_time: i64,
    pub update_time: i64,
    pub end_time: i64,
    /// The event that started it (`sqs:orders`), for workflows an event handler started.
    pub event: Option<String>,
    pub parent_workflow_id: Option<String>,
    pub parent_workflow_task_id: Option<String>,
    /// The definition the execution runs, as given (definitions change under it).
    pub definition: Value,
    /// Effects decided but not yet performed (the outbox, inside the row).
    pub pending: Vec<Effect>,
    pub next_seq: u32,
    /// `timeoutSeconds` with `TIME_OUT_WF`: when the workflow times out.
    #[serde(default)]
    pub timeout_at: Option<i64>,
    /// The event actions (`handler:message_action`) that updated its variables, the latest
    /// ones: a message delivered again after a crash does not apply its update twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied_events: Vec<String>,
    /// `taskToDomain` as the workflow was started with it: where its worker tasks are queued
    /// (`domains`). Kept by retry, restart and rerun; children inherit it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub task_to_domain: TaskToDomain,
}

impl Workflow {
    pub fn task(&self, task_id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.task_id == task_id)
    }

    pub fn task_mut(&mut self, task_id: &str) -> Option<&mut Task> {
        self.tasks.iter_mut().find(|t| t.task_id == task_id)
    }

    /// The earliest deadline of its tasks, when the workflow runs: when the driver must look at it.
    pub fn next_due(&self) -> Option<i64> {
        if self.status != WorkflowStatus::Running {
            return None;
        }
        self.tasks
            .iter()
            .filter(|t| !t.status.is_terminal())
            .flat_map(|t| [t.wait_until, t.timeout_at])
            .flatten()
            .chain(self.timeout_at)
            .min()
    }

    /// `GET /api/workflow/{id}`: Conductor's Workflow JSON.
    pub fn to_json(&self, include_tasks: bool) -> Value {
        let failed: Vec<&str> = self
            .tasks
            .iter()
            .filter(|t| !t.status.is_successful() && !t.retried)
            .map(|t| t.reference_task_name.as_str())
            .collect();
        let tasks: Vec<Value> = if include_tasks {
            let defs = crate::conductor::decide::definition_tasks(&self.definition);
            self.tasks
                .iter()
                .map(|t| t.to_json(self, defs.get(t.def_ref.as_str()).copied()))
                .collect()
        } else {
            Vec::new()
        };
        json!({
            "ownerApp": null,
            "createTime": self.create_time,
            "updateTime": self.update_time,
            "createdBy": null,
            "status": self.status.name(),
            "startTime": self.create_time,
            "endTime": self.end_time,
            "workflowId": self.workflow_id,
            "parentWorkflowId": self.parent_workflow_id,
            "parentWorkflowTaskId": self.parent_workflow_task_id,
            "tasks": tasks,
            "input": self.input,
            "output": self.output,
            "correlationId": self.correlation_id,
            "reRunFromWorkflowId": null,
            "reasonForIncompletion": self.reason_for_incompletion,
            "event": self.event,
            "taskToDomain": super::domains::to_json(&self.task_to_domain),
            "failedReferenceTaskNames": failed,
            "failedTaskNames": [],
            "workflowDefinition": self.definition,
            "priority": 0,
            "variables": self.variables,
            "lastRetriedTime": 0,
            "history": [],
            "workflowName": self.name,
            "workflowVersion": self.version,
        })
    }
}
