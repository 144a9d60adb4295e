//! What can happen to a workflow — start, task updates (by id or by reference name), timers,
//! polls, terminate, pause/resume, retry, a child ending — each applied through the decider.
//! Pure; the runtime loads, applies, saves and then performs `Workflow::pending`.

use super::decide::{Ctx, Decider};
use super::workflow::{Task, TaskStatus, Workflow, WorkflowStatus};
use serde_json::{Map, Value};

/// A request the workflow refuses, with Conductor's HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    pub status: u16,
    pub message: String,
}

impl OpError {
    pub fn not_found(message: impl Into<String>) -> OpError {
        OpError {
            status: 404,
            message: message.into(),
        }
    }
    pub fn conflict(message: impl Into<String>) -> OpError {
        OpError {
            status: 409,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> OpError {
        OpError {
            status: 400,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// How a workflow starts.
#[derive(Debug, Clone, Default)]
pub struct Start {
    pub workflow_id: String,
    pub input: Map<String, Value>,
    pub correlation_id: Option<String>,
    /// The event that started it (event handlers).
    pub event: Option<String>,
    /// `(parent workflow id, parent SUB_WORKFLOW task id)`.
    pub parent: Option<(String, String)>,
    /// Where its worker tasks are queued (`domains`).
    pub task_to_domain: super::domains::TaskToDomain,
}

/// A new execution of `cx.def`, its first tasks scheduled.
pub fn start(cx: &mut Ctx, s: Start) -> Workflow {
    let def = cx.def;
    let mut input = s.input;
    for (k, v) in &def.input_template {
        input.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let (parent_workflow_id, parent_workflow_task_id) = s.parent.unzip();
    let mut wf = Workflow {
        workflow_id: s.workflow_id,
        name: def.name.clone(),
        version: def.version,
        status: WorkflowStatus::Running,
        input,
        output: Map::new(),
        correlation_id: s.correlation_id,
        reason_for_incompletion: None,
        variables: def.variables.clone(),
        tasks: Vec::new(),
        create_time: cx.now,
        update_time: cx.now,
        end_time: 0,
        event: s.event,
        parent_workflow_id,
        parent_workflow_task_id,
        definition: def.raw.clone(),
        pending: Vec::new(),
        next_seq: 0,
        timeout_at: (def.timeout_seconds > 0
            && def.timeout_policy == super::def::WorkflowTimeoutPolicy::TimeOutWf)
            .then(|| {
                cx.now
                    .saturating_add((def.timeout_seconds.min(1 << 40) as i64) * 1000)
            }),
        applied_events: Vec::new(),
        task_to_domain: s.task_to_domain,
    };
    Decider::new(cx, &mut wf).begin();
    wf
}

/// A worker's or API's result for a task (Conductor's `TaskResult`).
#[derive(Debug, Clone)]
pub struct TaskUpdate {
    pub task_id: String,
    pub status: TaskStatus,
    pub output: Map<String, Value>,
    /// Merge into the task's output (the by-reference API) instead of replacing it.
    pub merge: bool,
    pub reason: Option<String>,
    pub worker_id: Option<String>,
    pub callback_after_seconds: u64,
}

impl TaskUpdate {
    /// `status` with `output` replacing the task's output, nothing else said.
    pub fn new(task_id: &str, status: TaskStatus, output: Map<String, Value>) -> TaskUpdate {
        TaskUpdate {
            task_id: task_id.to_string(),
            status,
            output,
            merge: false,
            reason: None,
            worker_id: None,
            callback_after_seconds: 0,
        }
    }

    /// With a reason for incompletion.
    pub fn because(mut self, reason: Option<String>) -> TaskUpdate {
        self.reason = reason;
        self
    }
}

/// Whether an update changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Updated,
    /// The task or the workflow had already ended: Conductor ignores the update.
    Ignored,
}

pub fn update_task(cx: &mut Ctx, wf: &mut Workflow, u: TaskUpdate) -> Result<Applied, OpError> {
    let now = cx.now;
    let ended = wf.status.is_terminal();
    let Some(t) = wf.task_mut(&u.task_id) else {
        return Err(OpError::not_found(format!(
            "No such task found by id: {}",
            u.task_id
        )));
    };
    if ended || t.status.is_terminal() {
        return Ok(Applied::Ignored);
    }
    if u.merge {
        t.output_data.extend(u.output);
    } else {
        t.output_data = u.output;
    }
    t.update_time = now;
    if u.worker_id.is_some() {
        t.worker_id = u.worker_id;
    }
    if u.status == TaskStatus::InProgress {
        in_progress(t, u.callback_after_seconds, now);
        // Progress: the response timeout starts again.
        if let Some(def) = task_def_of(cx, wf, &u.task_id)
            && let Some(t) = wf.task_mut(&u.task_id)
            && t.status == TaskStatus::InProgress
        {
            t.timeout_at = super::timeouts::when_in_progress(&def, t, now);
        }
        return Ok(Applied::Updated);
    }
    t.status = u.status;
    t.reason_for_incompletion = u.reason;
    t.end_time = now;
    if t.start_time == 0 {
        t.start_time = now;
    }
    Decider::new(cx, wf).settle();
    Ok(Applied::Updated)
}

/// `IN_PROGRESS` with `callbackAfterSeconds`: a worker task goes back to the queue after the delay.
fn in_progress(t: &mut Task, callback_after: u64, now: i64) {
    t.callback_after_seconds = callback_after;
    if t.task_type == "SIMPLE" && callback_after > 0 {
        t.status = TaskStatus::Scheduled;
        t.wait_until = Some(now + (callback_after.min(1 << 31) as i64) * 1000);
    }
}

/// The pending task with reference name `task_ref` (the bare name matches the highest DO_WHILE
/// iteration), as Conductor's update-by-reference and `complete_task` find it.
pub fn pending_by_ref<'w>(wf: &'w Workflow, task_ref: &str) -> Option<&'w Task> {
    let exact = wf
        .tasks
        .iter()
        .rev()
        .find(|t| t.reference_task_name == task_ref && !t.status.is_terminal());
    exact.or_else(|| {
        wf.tasks
            .iter()
            .filter(|t| t.def_ref == task_ref && !t.status.is_terminal())
            .max_by_key(|t| (t.iteration, t.seq))
    })
}

/// The last task with reference name `task_ref`, ended or not (event handlers target it).
pub fn last_by_ref<'w>(wf: &'w Workflow, task_ref: &str) -> Option<&'w Task> {
    pending_by_ref(wf, task_ref).or_else(|| {
        wf.tasks
            .iter()
            .rev()
            .find(|t| t.reference_task_name == task_ref || t.def_ref == task_ref)
    })
}

/// Fires what is due: WAIT deadlines, worker tasks whose delay ended, the workflow's timeout.
pub fn tick(cx: &mut Ctx, wf: &mut Workflow) {
    if wf.status != WorkflowStatus::Running {
        return;
    }
    let now = cx.now;
    if wf.timeout_at.is_some_and(|at| at <= now) {
        let reason = format!(
            "Workflow timed out after {} seconds (timeoutSeconds, TIME_OUT_WF)",
            cx.def.timeout_seconds
        );
        Decider::new(cx, wf).end_workflow(WorkflowStatus::TimedOut, Some(reason), None);
        return;
    }
    let mut ready = Vec::new();
    for t in wf.tasks.iter_mut() {
        if t.status.is_terminal() || t.wait_until.is_none_or(|at| at > now) {
            continue;
        }
        t.wait_until = None;
        match (t.task_type.as_str(), t.status) {
            ("WAIT", TaskStatus::InProgress) => {
                t.status = TaskStatus::Completed;
                t.end_time = now;
                t.update_time = now;
            }
            (_, TaskStatus::Scheduled) => ready.push(super::workflow::Effect::Enqueue {
                task_type: t.task_def_name.clone(),
                task_id: t.task_id.clone(),
                domain: t.domain.clone(),
            }),
            _ => {}
        }
    }
    wf.pending.extend(ready);
    let mut d = Decider::new(cx, wf);
    super::timeouts::expire(&mut d);
    d.settle();
}

/// A worker took the task (`GET /api/tasks/poll/{type}`): `None` when it is no longer waiting
/// to be polled (a duplicate queue entry, a canceled workflow).
pub fn poll(
    cx: &mut Ctx,
    wf: &mut Workflow,
    task_id: &str,
    worker_id: Option<&str>,
) -> Option<Task> {
    let now = cx.now;
    if wf.status != WorkflowStatus::Running {
        return None;
    }
    let def = task_def_of(cx, wf, task_id)?;
    let t = wf.task_mut(task_id)?;
    if t.status != TaskStatus::Scheduled || t.wait_until.is_some() {
        return None;
    }
    t.status = TaskStatus::InProgress;
    if t.start_time == 0 {
        t.start_time = now;
    }
    t.update_time = now;
    t.poll_count += 1;
    t.callback_after_seconds = 0;
    t.worker_id = worker_id.map(str::to_string);
    t.timeout_at = super::timeouts::when_in_progress(&def, t, now);
    Some(t.clone())
}

/// The definition (registered, inline or Conductor's defaults) of one of the workflow's tasks.
fn task_def_of(cx: &mut Ctx, wf: &mut Workflow, task_id: &str) -> Option<super::def::TaskDef> {
    let t = wf.task(task_id)?;
    let (def_ref, name) = (t.def_ref.clone(), t.task_def_name.clone());
    let d = Decider::new(cx, wf);
    match d.index.task(&def_ref) {
        Some(wt) => Some(d.task_def(wt)),
        // A task a FORK_JOIN_DYNAMIC forked: not in the definition, known by its name.
        None => {
            Some((d.cx.task_defs)(&name).unwrap_or_else(|| super::def::default_task_def(&name)))
        }
    }
}

/// `DELETE /api/workflow/{id}`: TERMINATED, its running tasks CANCELED.
pub fn terminate(cx: &mut Ctx, wf: &mut Workflow, reason: Option<String>) -> Result<(), OpError> {
    match wf.status {
        WorkflowStatus::Terminated => Ok(()),
        s if s.is_terminal() => Err(OpError::conflict(format!(
            "Cannot terminate a {} workflow.",
            s.name()
        ))),
        _ => {
            Decider::new(cx, wf).terminate_by_request(reason);
            Ok(())
        }
    }
}

pub fn pause(wf: &mut Workflow, now: i64) -> Result<(), OpError> {
    match wf.status {
        WorkflowStatus::Running | WorkflowStatus::Paused => {
            wf.status = WorkflowStatus::Paused;
            wf.update_time = now;
            Ok(())
        }
        s => Err(OpError::conflict(format!(
            "The workflow {} is {} and cannot be paused",
            wf.workflow_id,
            s.name()
        ))),
    }
}

pub fn resume(cx: &mut Ctx, wf: &mut Workflow) -> Result<(), OpError> {
    if wf.status != WorkflowStatus::Paused {
        return Err(OpError::conflict(format!(
            "The workflow {} is not PAUSED, it is {}",
            wf.workflow_id,
            wf.status.name()
        )));
    }
    wf.status = WorkflowStatus::Running;
    Decider::new(cx, wf).settle();
    Ok(())
}

/// `POST /api/workflow/{id}/retry`: the last failed task runs again and the workflow resumes.
pub fn retry(cx: &mut Ctx, wf: &mut Workflow) -> Result<(), OpError> {
    if !matches!(
        wf.status,
        WorkflowStatus::Failed | WorkflowStatus::TimedOut | WorkflowStatus::Terminated
    ) {
        return Err(OpError::conflict(format!(
            "Workflow is in {} state: only FAILED, TIMED_OUT or TERMINATED workflows can be retried",
            wf.status.name()
        )));
    }
    let Some(i) = wf
        .tasks
        .iter()
        .rposition(|t| !t.status.is_successful() && !t.retried)
    else {
        return Err(OpError::bad_request(
            "There are no failed tasks! Use restart if you want to attempt entire workflow execution again.",
        ));
    };
    let failed = wf.tasks[i].clone();
    wf.tasks[i].retried = true;
    wf.status = WorkflowStatus::Running;
    wf.reason_for_incompletion = None;
    wf.end_time = 0;
    let mut d = Decider::new(cx, wf);
    if let Some(wt) = d.index.task(&failed.def_ref) {
        super::schedule::retry(&mut d, wt, &failed, 0);
    }
    // Canceled siblings (other fork branches) run again too.
    reschedule_canceled(&mut d);
    d.settle();
    Ok(())
}

/// `POST /api/workflow/{id}/restart`: an ended workflow runs again from its first task, with
/// the same id and input (`cx.def` is the definition to run: the one it ran, or with
/// `useLatestDefinitions` the latest registered). A COMPLETED workflow whose definition says
/// `restartable: false` cannot be restarted.
pub fn restart(cx: &mut Ctx, wf: &mut Workflow) -> Result<(), OpError> {
    if !wf.status.is_terminal() {
        return Err(OpError::conflict(format!(
            "Workflow: {} is not in terminal state, unable to restart.",
            wf.workflow_id
        )));
    }
    if !cx.def.restartable && wf.status == WorkflowStatus::Completed {
        return Err(OpError::not_found(format!(
            "Workflow: {} is non-restartable",
            wf.workflow_id
        )));
    }
    wf.tasks.clear();
    wf.create_time = cx.now;
    wf.definition = cx.def.raw.clone();
    wf.version = cx.def.version;
    wf.variables = cx.def.variables.clone();
    reopen(wf);
    Decider::new(cx, wf).begin();
    Ok(())
}

/// What `rerun` is asked (Conductor's `RerunWorkflowRequest`).
#[derive(Debug, Clone, Default)]
pub struct Rerun {
    /// The task to run again; `None`: the whole workflow.
    pub task_id: Option<String>,
    pub task_input: Option<Map<String, Value>>,
    pub workflow_input: Option<Map<String, Value>>,
    pub correlation_id: Option<String>,
}

/// `POST /api/workflow/{id}/rerun`: an ended workflow runs again from one of its tasks (the tasks
/// after it, by sequence, are dropped; with `taskInput` the task gets that input), or from the
/// start with a new input.
pub fn rerun(cx: &mut Ctx, wf: &mut Workflow, r: Rerun) -> Result<(), OpError> {
    if !wf.status.is_terminal() {
        return Err(OpError::conflict(format!(
            "Workflow: {} is not in terminal state, unable to rerun.",
            wf.workflow_id
        )));
    }
    let from = match &r.task_id {
        Some(id) => Some(
            wf.task(id)
                .cloned()
                .ok_or_else(|| OpError::bad_request(format!("Task {id} not found")))?,
        ),
        None => None,
    };
    if let Some(input) = r.workflow_input {
        wf.input = input;
    }
    if let Some(c) = r.correlation_id {
        wf.correlation_id = Some(c);
    }
    reopen(wf);
    let Some(from) = from else {
        wf.tasks.clear();
        Decider::new(cx, wf).begin();
        return Ok(());
    };
    wf.tasks.retain(|t| t.seq < from.seq);
    // The JOIN of a fork the task ran in waits again; the fork's canceled branches run again.
    for t in wf.tasks.iter_mut().filter(|t| !t.status.is_successful()) {
        if t.task_type == "JOIN" {
            t.status = TaskStatus::InProgress;
            t.executed = false;
            t.end_time = 0;
            t.reason_for_incompletion = None;
        }
    }
    let mut d = Decider::new(cx, wf);
    if let Some(wt) = d.index.task(&from.def_ref) {
        let before = d.wf.tasks.len();
        super::schedule::schedule(&mut d, wt, from.iteration);
        if let (Some(input), Some(t)) = (r.task_input, d.wf.tasks.get_mut(before))
            && !t.status.is_terminal()
        {
            t.input_data = input;
        }
    }
    reschedule_canceled(&mut d);
    d.settle();
    Ok(())
}

/// An ended workflow RUNNING again: no reason, no end, no output.
fn reopen(wf: &mut Workflow) {
    wf.status = WorkflowStatus::Running;
    wf.reason_for_incompletion = None;
    wf.end_time = 0;
    wf.output = Map::new();
}

/// `PUT /api/workflow/{id}/skiptask/{taskReferenceName}`: a task not reached yet is recorded
/// SKIPPED (with the request's input and output) and passed over when the workflow reaches it.
pub fn skip_task(
    cx: &mut Ctx,
    wf: &mut Workflow,
    task_ref: &str,
    input: Map<String, Value>,
    output: Map<String, Value>,
) -> Result<(), OpError> {
    if wf.status != WorkflowStatus::Running {
        return Err(OpError::conflict(format!(
            "The workflow {} is not running so the task referenced by {task_ref} cannot be skipped",
            wf.workflow_id
        )));
    }
    let mut d = Decider::new(cx, wf);
    let Some(wt) = d.index.task(task_ref) else {
        return Err(OpError::conflict(format!(
            "The task referenced by {task_ref} does not exist in the WorkflowDefinition {}",
            d.wf.name
        )));
    };
    if d.wf.tasks.iter().any(|t| t.reference_task_name == task_ref) {
        return Err(OpError::conflict(format!(
            "The task referenced {task_ref} has already been processed, cannot be skipped"
        )));
    }
    let i = super::schedule::placeholder(&mut d, wt);
    let now = d.now();
    let t = &mut d.wf.tasks[i];
    t.status = TaskStatus::Skipped;
    t.input_data = input;
    t.output_data = output;
    t.end_time = now;
    // Acted on when the workflow reaches it (`Decider::advance`), not now.
    t.executed = true;
    d.settle();
    Ok(())
}

fn reschedule_canceled(d: &mut Decider) {
    let canceled: Vec<Task> =
        d.wf.tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Canceled && !t.retried)
            .cloned()
            .collect();
    for t in canceled {
        if let Some(i) = d.wf.tasks.iter().position(|x| x.task_id == t.task_id) {
            d.wf.tasks[i].retried = true;
        }
        if let Some(wt) = d.index.task(&t.def_ref) {
            super::schedule::retry(d, wt, &t, 0);
        }
    }
}

/// A SUB_WORKFLOW's child ended: the task takes its status (TERMINATED → CANCELED) and output.
pub fn child_ended(cx: &mut Ctx, wf: &mut Workflow, task_id: &str, child: &Workflow) {
    let status = match child.status {
        WorkflowStatus::Completed => TaskStatus::Completed,
        WorkflowStatus::Failed => TaskStatus::Failed,
        WorkflowStatus::TimedOut => TaskStatus::TimedOut,
        WorkflowStatus::Terminated => TaskStatus::Canceled,
        WorkflowStatus::Running | WorkflowStatus::Paused => return,
    };
    let mut output = child.output.clone();
    output.insert(
        "subWorkflowId".into(),
        Value::from(child.workflow_id.as_str()),
    );
    let update = TaskUpdate {
        merge: true,
        ..TaskUpdate::new(task_id, status, output).because(child.reason_for_incompletion.clone())
    };
    let _ = update_task(cx, wf, update);
}
