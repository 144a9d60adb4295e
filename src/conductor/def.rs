//! Conductor definitions: `WorkflowDef`, `TaskDef` and event-handler JSON → typed, validated model,
//! with every problem reported as a [`Diagnostic`] carrying a JSON Pointer into the document.
//!
//! Reading follows Conductor's Jackson setup: unknown properties are ignored (never rejected), an
//! explicit `null` means "absent" (the default applies), enum names are case-sensitive, and numbers
//! must be JSON integers. Validation follows conductor-oss's registration checks
//! (`WorkflowTaskTypeConstraint`, `TaskDef` bean constraints) plus the problems stepwise would
//! otherwise only hit at run time (a malformed literal WAIT input, a missing terminationStatus).
//!
//! ```
//! use serde_json::json;
//! use stepwise::conductor::def::{load_workflow, TaskKind};
//!
//! let wf = load_workflow(&json!({
//!     "name": "greet",
//!     "tasks": [{"name": "hello", "taskReferenceName": "hello_ref", "type": "WAIT",
//!                "inputParameters": {"duration": "10s"}}]
//! })).expect("a valid definition");
//! assert_eq!(wf.version, 1);
//! assert_eq!(wf.tasks[0].kind, TaskKind::Wait);
//! ```
//!
//! Diagnostic codes: `SCHEMA_VALIDATION_FAILED` (wrong type, missing or empty required field,
//! value out of range, JavaScript that does not compile), `DUPLICATE_TASK_REFERENCE`, `INVALID_DURATION` (a literal WAIT `duration` or
//! `until` that does not parse), `MISSING_JOIN` (a FORK_JOIN not followed by a JOIN),
//! `UNSUPPORTED_FEATURE` (valid Conductor that stepwise does not run; the message says what to use).
//! A missing field's pointer names the place it should be (`/tasks/0/sink`).

mod event;
mod kinds;
mod read;
mod script;
mod task_def;
mod tasks;
#[cfg(test)]
mod tests;

use crate::data::diagnostic::Diagnostic;
use serde_json::{Map, Value};

/// A workflow definition (`POST /api/metadata/workflow`).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowDef {
    pub name: String,
    /// Default 1.
    pub version: i64,
    pub description: Option<String>,
    /// The top-level task list, with JOINs synthesized after forks where needed (see [`TaskKind::ForkJoin`]).
    pub tasks: Vec<WorkflowTask>,
    /// Documentation only: Conductor does not enforce it.
    pub input_parameters: Vec<String>,
    /// `${…}` expressions, resolved when the workflow completes.
    pub output_parameters: Map<String, Value>,
    /// The workflow started when this one fails; `None` when absent or blank (the Python SDK sends `""`).
    pub failure_workflow: Option<String>,
    pub timeout_policy: WorkflowTimeoutPolicy,
    /// 0 = no workflow timeout.
    pub timeout_seconds: u64,
    /// Initial workflow variables.
    pub variables: Map<String, Value>,
    /// Defaults merged into the workflow input (keys the input lacks).
    pub input_template: Map<String, Value>,
    pub owner_email: Option<String>,
    /// Default true.
    pub restartable: bool,
    /// Always 2 (Conductor rejects anything else).
    pub schema_version: i64,
    /// The definition as given (Conductor returns it from GET /api/metadata/workflow and inside executions).
    pub raw: Value,
}

/// `timeoutPolicy` of a workflow: what happens when `timeoutSeconds` passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkflowTimeoutPolicy {
    /// `TIME_OUT_WF`: the workflow ends `TIMED_OUT`.
    TimeOutWf,
    /// `ALERT_ONLY` (the default): only a metric; the workflow keeps running.
    #[default]
    AlertOnly,
}

impl WorkflowTimeoutPolicy {
    /// The name Conductor writes (`"TIME_OUT_WF"`, `"ALERT_ONLY"`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowTimeoutPolicy::TimeOutWf => "TIME_OUT_WF",
            WorkflowTimeoutPolicy::AlertOnly => "ALERT_ONLY",
        }
    }
}

/// One task of a workflow definition, at any depth.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowTask {
    /// For SIMPLE tasks, the task-definition name and the queue workers poll.
    pub name: String,
    /// Unique across the whole definition, nested lists included.
    pub task_reference_name: String,
    /// `type` as written (default "SIMPLE"), from which the runtime task's `taskType` comes: for
    /// FORK_JOIN it is "FORK", for SIMPLE the task `name`, for an unknown type the type itself.
    pub type_name: String,
    pub kind: TaskKind,
    /// `${…}` expressions, resolved when the task is scheduled.
    pub input_parameters: Map<String, Value>,
    /// A failure leaves the task COMPLETED_WITH_ERRORS and the workflow continues.
    pub optional: bool,
    /// Seconds before a scheduled task can be polled.
    pub start_delay: u64,
    /// EVENT (and other system tasks): stay IN_PROGRESS until completed from outside.
    pub async_complete: bool,
    /// Overrides the task definition's `retryCount`.
    pub retry_count: Option<u32>,
    /// Inline `taskDefinition`, if given (its `name` defaults to the task's `name`).
    pub task_definition: Option<TaskDef>,
    /// This task as given (it appears as `workflowTask` in the task JSON Conductor returns);
    /// for a synthesized JOIN, the fields it was made with.
    pub raw: Value,
}

/// What a task does, by `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskKind {
    /// `SIMPLE`: completed by a worker. Also every `type` Conductor does not know: Conductor maps
    /// unknown types to USER_DEFINED, a worker task whose runtime `taskType` (and poll queue) is
    /// the type string; [`WorkflowTask::type_name`] keeps it. Types are case-sensitive, as in
    /// Conductor, so `"wait"` is such a worker task, not a WAIT.
    Simple,
    /// `EVENT`: publishes to `sink` (`sqs:<queue>`, `conductor[:<name>]`, …; may hold `${…}`).
    Event { sink: String },
    /// `duration`/`until` come from the resolved inputs at run time (literals are checked at load).
    Wait,
    /// `HUMAN`: IN_PROGRESS until completed from outside.
    Human,
    /// `FORK_JOIN`: runs the branches in parallel; the runtime task's `taskType` is "FORK".
    ///
    /// Conductor requires the next task in the same list to be a JOIN. Leniency: when it is not
    /// but the FORK_JOIN carries `joinOn` (the Python SDK's `ForkTask` emits that and no JOIN),
    /// the loader inserts a JOIN right after it, named `<forkName>_join` with reference
    /// `<forkRef>_join` and the fork's `joinOn`.
    ForkJoin { branches: Vec<Vec<WorkflowTask>> },
    /// `JOIN`: waits for the `join_on` references only (default none: completes at once).
    Join { join_on: Vec<String> },
    /// SWITCH, and the deprecated DECISION mapped onto it (caseValueParam → ValueParam with that key;
    /// caseExpression → JavaScript; caseExpression wins when both are given, as in Conductor).
    /// Cases keep definition order; `type_name` tells DECISION apart (it falls back to the default
    /// case when the chosen case is an empty list; SWITCH does not).
    Switch {
        evaluator: Evaluator,
        expression: String,
        cases: Vec<(String, Vec<WorkflowTask>)>,
        default_case: Vec<WorkflowTask>,
    },
    /// `DO_WHILE`: runs `loop_over` once, then again while the JavaScript `loop_condition` holds.
    DoWhile {
        loop_condition: String,
        loop_over: Vec<WorkflowTask>,
    },
    /// `SET_VARIABLE`: copies its inputs into the workflow variables.
    SetVariable,
    /// `TERMINATE`: ends the whole workflow with `inputParameters.terminationStatus`.
    Terminate,
    /// `SUB_WORKFLOW`: runs workflow `name` (`version` `None` = latest) and waits for it, its
    /// worker tasks in the domains of `subWorkflowParam.taskToDomain` (`None`: the parent's).
    SubWorkflow {
        name: String,
        version: Option<i64>,
        task_to_domain: Option<crate::conductor::domains::TaskToDomain>,
    },
    /// INLINE: evaluatorType/expression are in input_parameters (defaults evaluatorType "javascript").
    Inline,
    /// `JSON_JQ_TRANSFORM`: `inputParameters.queryExpression` is jq over the inputs.
    JsonJqTransform,
    /// `NOOP`: completes at once.
    Noop,
    /// `HTTP`: the runtime makes the request in `inputParameters.http_request` (or, in the flat
    /// form, in `inputParameters` itself) and records the response as the task's output.
    Http,
    /// `DYNAMIC`: a worker task whose name (and poll queue) is the input `name_param`
    /// (`dynamicTaskNameParam`, default `taskToSchedule`), resolved when it is scheduled.
    Dynamic { name_param: String },
    /// `EXCLUSIVE_JOIN`: after a SWITCH, ends with the first of `join_on` that ran (else of
    /// `default_join_on`, `defaultExclusiveJoinTask`) and takes its output.
    ExclusiveJoin {
        join_on: Vec<String>,
        default_join_on: Vec<String>,
    },
    /// `START_WORKFLOW`: starts `inputParameters.startWorkflow` (`name`, `version`, `input`,
    /// `correlationId`) without waiting for it; the output is its `workflowId`.
    StartWorkflow,
    /// `FORK_JOIN_DYNAMIC`: forks the tasks listed in the input `tasks_param`
    /// (`dynamicForkTasksParam`) with inputs from `inputs_param`, or, without it, one
    /// `forkTaskName` task per item of the input `forkTaskInputs`; the JOIN after it waits for them.
    ForkJoinDynamic {
        tasks_param: Option<String>,
        inputs_param: Option<String>,
    },
}

impl TaskKind {
    /// The task lists nested in this task, in definition order (branches; cases then default; loop body).
    pub fn children(&self) -> Vec<&[WorkflowTask]> {
        match self {
            TaskKind::ForkJoin { branches } => branches.iter().map(Vec::as_slice).collect(),
            TaskKind::Switch {
                cases,
                default_case,
                ..
            } => cases
                .iter()
                .map(|(_, tasks)| tasks.as_slice())
                .chain([default_case.as_slice()])
                .collect(),
            TaskKind::DoWhile { loop_over, .. } => vec![loop_over.as_slice()],
            _ => Vec::new(),
        }
    }
}

/// How a SWITCH picks its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluator {
    /// `"value-param"`: the expression is an input key; its value (as a Java string) is the case.
    ValueParam,
    /// `"javascript"` or `"graaljs"`: the expression is JavaScript with `$` bound to the inputs.
    JavaScript,
}

/// A task definition (`POST /api/metadata/taskdefs`, or inline as `taskDefinition`).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDef {
    pub name: String,
    /// Default 3.
    pub retry_count: u32,
    pub retry_logic: RetryLogic,
    /// Default 60.
    pub retry_delay_seconds: u64,
    /// Default 1; used by LINEAR_BACKOFF.
    pub backoff_scale_factor: u64,
    /// Cap on the retry delay; 0 (default) = none.
    pub max_retry_delay_seconds: u64,
    /// 0 (default) = no overall task timeout.
    pub timeout_seconds: u64,
    pub timeout_policy: TaskTimeoutPolicy,
    /// Default 3600: a worker must report within this long after polling.
    pub response_timeout_seconds: u64,
    /// 0 (default) = a scheduled task may wait for a worker forever.
    pub poll_timeout_seconds: u64,
    /// Defaults merged into the task input.
    pub input_template: Map<String, Value>,
    pub raw: Value,
}

/// `retryLogic` of a task definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryLogic {
    /// `FIXED` (default): wait `retryDelaySeconds` each time.
    #[default]
    Fixed,
    /// `EXPONENTIAL_BACKOFF`: the delay doubles with each retry.
    ExponentialBackoff,
    /// `LINEAR_BACKOFF`: the delay grows by `retryDelaySeconds * backoffScaleFactor` each retry.
    LinearBackoff,
}

/// `timeoutPolicy` of a task definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskTimeoutPolicy {
    /// `RETRY`: a timed-out task is retried.
    Retry,
    /// `TIME_OUT_WF` (default): the workflow times out too.
    #[default]
    TimeOutWf,
    /// `ALERT_ONLY`: only a metric.
    AlertOnly,
}

/// An event handler (`POST /api/event`): actions run for each message on `event`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHandler {
    pub name: String,
    /// `<queueType>:<queueName>`, matched by exact string equality (`sqs:my_queue`).
    pub event: String,
    /// `None` (absent or empty) = always run.
    pub condition: Option<String>,
    pub evaluator_type: Option<String>,
    /// Default FALSE: inactive handlers are never subscribed.
    pub active: bool,
    /// At least one.
    pub actions: Vec<Action>,
    pub raw: Value,
}

/// One action of an event handler.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub kind: ActionKind,
    /// `expandInlineJSON`: parse JSON strings inside the message before resolving `${…}`.
    pub expand_inline_json: bool,
}

/// What an action does (`action` and its same-named object). Values stay JSON: they hold `${…}`.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// `start_workflow` (`version` `None` = latest).
    StartWorkflow {
        name: String,
        version: Option<i64>,
        correlation_id: Option<Value>,
        input: Map<String, Value>,
        task_to_domain: Map<String, Value>,
    },
    /// `complete_task`.
    CompleteTask(TaskDetails),
    /// `fail_task`.
    FailTask(TaskDetails),
    /// `terminate_workflow` (Orkes; conductor-oss fails it at run time).
    TerminateWorkflow {
        workflow_id: Value,
        termination_reason: Option<Value>,
    },
    /// `update_workflow_variables` (Orkes; conductor-oss fails it at run time).
    UpdateWorkflowVariables {
        workflow_id: Value,
        variables: Map<String, Value>,
        append_array: bool,
    },
}

/// The task a complete/fail action targets: `task_id`, or `workflow_id` + `task_ref_name`.
/// Values stay JSON (they hold `${...}` expressions resolved later against the message).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDetails {
    pub workflow_id: Option<Value>,
    pub task_ref_name: Option<Value>,
    pub task_id: Option<Value>,
    /// Merged into the task output.
    pub output: Map<String, Value>,
    pub reason_for_incompletion: Option<Value>,
}

impl WorkflowDef {
    /// Every task at any depth, in definition order (depth first).
    pub fn all_tasks(&self) -> Vec<&WorkflowTask> {
        let mut out = Vec::new();
        collect(&self.tasks, &mut out);
        out
    }
}

fn collect<'a>(tasks: &'a [WorkflowTask], out: &mut Vec<&'a WorkflowTask>) {
    for task in tasks {
        out.push(task);
        for list in task.kind.children() {
            collect(list, out);
        }
    }
}

/// Reads and validates a workflow definition.
pub fn load_workflow(doc: &Value) -> Result<WorkflowDef, Vec<Diagnostic>> {
    let obj = read::root(doc, "A workflow definition")?;
    let mut ld = tasks::Load::default();
    let def = tasks::workflow(&obj, doc, &mut ld);
    ld.cx.finish(def)
}

/// Reads task definitions given as one object or an array of them (the body of
/// `POST /api/metadata/taskdefs` is an array).
pub fn load_task_defs(doc: &Value) -> Result<Vec<TaskDef>, Vec<Diagnostic>> {
    let Some(items) = doc.as_array() else {
        return load_task_def(doc).map(|def| vec![def]);
    };
    let mut cx = read::Cx::default();
    if items.is_empty() {
        cx.schema("", "The list of task definitions must not be empty");
    }
    let mut defs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if let Some(obj) = read::Obj::of(item, read::index("", i), "A task definition", &mut cx) {
            defs.push(task_def::registered(&obj, item, &mut cx));
        }
    }
    cx.finish(defs)
}

/// Reads and validates one task definition.
pub fn load_task_def(doc: &Value) -> Result<TaskDef, Vec<Diagnostic>> {
    let obj = read::root(doc, "A task definition")?;
    let mut cx = read::Cx::default();
    let def = task_def::registered(&obj, doc, &mut cx);
    cx.finish(def)
}

/// Reads and validates an event handler.
pub fn load_event_handler(doc: &Value) -> Result<EventHandler, Vec<Diagnostic>> {
    let obj = read::root(doc, "An event handler")?;
    let mut cx = read::Cx::default();
    let handler = event::handler(&obj, doc, &mut cx);
    cx.finish(handler)
}

/// The definition Conductor makes up for a task with none registered: the defaults of
/// `TaskDef` (3 retries, 60 s apart, a one-hour response timeout).
pub fn default_task_def(name: &str) -> TaskDef {
    TaskDef {
        name: name.to_string(),
        retry_count: 3,
        retry_logic: RetryLogic::Fixed,
        retry_delay_seconds: 60,
        backoff_scale_factor: 1,
        max_retry_delay_seconds: 0,
        timeout_seconds: 0,
        timeout_policy: TaskTimeoutPolicy::TimeOutWf,
        response_timeout_seconds: 3600,
        poll_timeout_seconds: 0,
        input_template: Map::new(),
        raw: serde_json::json!({"name": name}),
    }
}
