//! The decider: given a workflow and something that happened (a start, a task update, a timer),
//! schedules what comes next, as Conductor's `DeciderService` does. Pure: time and ids come in as
//! values; what must happen outside (messages to publish, tasks to queue for workers, children
//! to start) is appended to `Workflow::pending` for the runtime to perform after saving.
//!
//! Where a task is in the definition is found by its reference name (unique in a definition):
//! every task list — the top level, each fork branch, each SWITCH case, each DO_WHILE body — is
//! indexed with its parent, so "what follows this task" is the next task of its list, or, at the
//! end of a list, whatever follows the list's owner.

use super::def::{TaskDef, TaskKind, WorkflowDef, WorkflowTask};
use super::schedule;
use super::workflow::{Effect, Task, TaskStatus, Workflow, WorkflowStatus};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Everything a decision may use besides the workflow.
pub struct Ctx<'a> {
    pub def: &'a WorkflowDef,
    /// Registered task definitions, by name (retries, input templates).
    pub task_defs: &'a dyn Fn(&str) -> Option<TaskDef>,
    pub now: i64,
    /// A fresh task id (a UUID in production, a counter in tests).
    pub ids: &'a mut dyn FnMut() -> String,
    /// Whether this process can publish to an EVENT's queue (`Err`: why not, e.g. no broker
    /// configured for its kind): an EVENT that cannot be published fails, as Conductor's does.
    pub sinks: &'a dyn Fn(&str) -> Result<(), String>,
    /// When a worker of a task type (first) last polled in a domain (second): task domains
    /// given as lists pick the first domain polled lately (`domains`).
    pub last_poll: &'a dyn Fn(&str, &str) -> Option<i64>,
}

/// Who owns a task list.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Owner {
    Top,
    Fork(String),
    Case(String),
    Loop(String),
}

/// The task lists of a definition and where each task reference sits.
pub(super) struct Index<'d> {
    lists: Vec<(&'d [WorkflowTask], Owner)>,
    slots: HashMap<&'d str, (usize, usize)>,
}

impl<'d> Index<'d> {
    pub(super) fn new(def: &'d WorkflowDef) -> Index<'d> {
        let mut ix = Index {
            lists: Vec::new(),
            slots: HashMap::new(),
        };
        ix.add(&def.tasks, Owner::Top);
        ix
    }

    fn add(&mut self, list: &'d [WorkflowTask], owner: Owner) {
        let id = self.lists.len();
        self.lists.push((list, owner));
        for (pos, t) in list.iter().enumerate() {
            self.slots.insert(t.task_reference_name.as_str(), (id, pos));
            let r = || t.task_reference_name.clone();
            match &t.kind {
                TaskKind::ForkJoin { branches } => {
                    for b in branches {
                        self.add(b, Owner::Fork(r()));
                    }
                }
                TaskKind::Switch {
                    cases,
                    default_case,
                    ..
                } => {
                    for (_, c) in cases {
                        self.add(c, Owner::Case(r()));
                    }
                    self.add(default_case, Owner::Case(r()));
                }
                TaskKind::DoWhile { loop_over, .. } => self.add(loop_over, Owner::Loop(r())),
                _ => {}
            }
        }
    }

    pub(super) fn task(&self, def_ref: &str) -> Option<&'d WorkflowTask> {
        let (list, pos) = *self.slots.get(def_ref)?;
        self.lists[list].0.get(pos)
    }

    /// The task after `def_ref` in its list, or the list's owner when it was the last.
    fn after(&self, def_ref: &str) -> Next<'d> {
        let Some(&(list, pos)) = self.slots.get(def_ref) else {
            return Next::Nothing;
        };
        let (tasks, owner) = &self.lists[list];
        match tasks.get(pos + 1) {
            Some(t) => Next::Task(t),
            None => match owner {
                Owner::Top | Owner::Fork(_) => Next::Nothing,
                Owner::Case(sw) => Next::EndOfCase(sw.clone()),
                Owner::Loop(lp) => Next::EndOfIteration(lp.clone()),
            },
        }
    }

    /// The task after `def_ref` in its own list, if any.
    fn sibling(&self, def_ref: &str) -> Option<&'d WorkflowTask> {
        let (list, pos) = *self.slots.get(def_ref)?;
        self.lists[list].0.get(pos + 1)
    }

    /// Every task reference inside the DO_WHILE `loop_ref`'s body (at any depth).
    pub(super) fn body_of(&self, loop_ref: &str) -> Vec<&'d str> {
        let Some(TaskKind::DoWhile { loop_over, .. }) = self.task(loop_ref).map(|t| &t.kind) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        collect_refs(loop_over, &mut out);
        out
    }
}

fn collect_refs<'d>(list: &'d [WorkflowTask], out: &mut Vec<&'d str>) {
    for t in list {
        out.push(&t.task_reference_name);
        match &t.kind {
            TaskKind::ForkJoin { branches } => branches.iter().for_each(|b| collect_refs(b, out)),
            TaskKind::Switch {
                cases,
                default_case,
                ..
            } => {
                cases.iter().for_each(|(_, c)| collect_refs(c, out));
                collect_refs(default_case, out);
            }
            TaskKind::DoWhile { loop_over, .. } => collect_refs(loop_over, out),
            _ => {}
        }
    }
}

enum Next<'d> {
    Task(&'d WorkflowTask),
    EndOfCase(String),
    EndOfIteration(String),
    Nothing,
}

/// A decision in progress over one workflow.
pub struct Decider<'a, 'c> {
    pub(super) cx: &'a mut Ctx<'c>,
    pub(super) wf: &'a mut Workflow,
    pub(super) index: Index<'c>,
}

impl<'a, 'c> Decider<'a, 'c> {
    pub fn new(cx: &'a mut Ctx<'c>, wf: &'a mut Workflow) -> Self {
        let index = Index::new(cx.def);
        Decider { cx, wf, index }
    }

    pub(super) fn now(&self) -> i64 {
        self.cx.now
    }

    /// The task after `def_ref` in its own list (a FORK_JOIN's JOIN).
    pub(super) fn sibling(&self, def_ref: &str) -> Option<&'c WorkflowTask> {
        self.index.sibling(def_ref)
    }

    /// The domain a worker task of `task_type` scheduled now is queued in.
    pub(super) fn domain_for(&self, task_type: &str) -> Option<String> {
        let last_poll = |domain: &str| (self.cx.last_poll)(task_type, domain);
        let t2d = &self.wf.task_to_domain;
        super::domains::domain_for(t2d, task_type, self.cx.now, &last_poll)
    }

    pub(super) fn new_id(&mut self) -> String {
        (self.cx.ids)()
    }

    pub(super) fn effect(&mut self, e: Effect) {
        self.wf.pending.push(e);
    }

    /// Schedules the first task of the workflow.
    pub fn begin(&mut self) {
        match self.cx.def.tasks.first() {
            Some(first) => schedule::schedule(self, first, 0),
            None => self.complete_workflow(),
        }
        self.settle();
    }

    /// Acts on every task that ended and was not acted on yet, evaluates JOINs, and ends the
    /// workflow when nothing is left to do. Nothing happens while the workflow is paused.
    pub fn settle(&mut self) {
        if self.wf.status != WorkflowStatus::Running {
            return;
        }
        for _ in 0..10_000 {
            let progressed = self.evaluate_joins() | self.act_on_ended();
            if self.wf.status != WorkflowStatus::Running || !progressed {
                break;
            }
        }
        if self.wf.status == WorkflowStatus::Running
            && self.wf.tasks.iter().all(|t| t.status.is_terminal())
        {
            self.complete_workflow();
        }
        self.wf.update_time = self.now();
    }

    fn act_on_ended(&mut self) -> bool {
        let Some(i) = self
            .wf
            .tasks
            .iter()
            .position(|t| t.status.is_terminal() && !t.executed)
        else {
            return false;
        };
        self.wf.tasks[i].executed = true;
        let task = self.wf.tasks[i].clone();
        if task.status.is_successful() {
            self.advance(&task);
        } else {
            self.on_failure(i, &task);
        }
        true
    }

    /// What follows a task that ended well.
    pub(super) fn advance(&mut self, task: &Task) {
        match self.index.after(&task.def_ref) {
            Next::Task(next) => {
                // A task skipped ahead of time (`ops::skip_task`) is passed over.
                let skipped = self
                    .wf
                    .tasks
                    .iter()
                    .find(|t| {
                        t.status == TaskStatus::Skipped
                            && t.def_ref == next.task_reference_name
                            && task.iteration == 0
                    })
                    .cloned();
                match skipped {
                    Some(s) => self.advance(&s),
                    None => schedule::schedule(self, next, task.iteration),
                }
            }
            Next::EndOfCase(sw) => {
                if let Some(s) = self.latest(&sw).cloned() {
                    self.advance(&s);
                }
            }
            Next::EndOfIteration(lp) => super::looping::iteration_ended(self, &lp),
            Next::Nothing => {}
        }
    }

    fn on_failure(&mut self, i: usize, task: &Task) {
        let wt = self.index.task(&task.def_ref);
        if let Some(wt) = wt
            && let Some(delay) = self.retry_delay(wt, task)
        {
            self.wf.tasks[i].retried = true;
            schedule::retry(self, wt, task, delay);
            return;
        }
        if wt.is_some_and(|w| w.optional) {
            self.wf.tasks[i].status = TaskStatus::CompletedWithErrors;
            let t = self.wf.tasks[i].clone();
            self.advance(&t);
            return;
        }
        let status = match task.status {
            TaskStatus::TimedOut => WorkflowStatus::TimedOut,
            TaskStatus::Canceled => WorkflowStatus::Terminated,
            _ => WorkflowStatus::Failed,
        };
        let reason = task.reason_for_incompletion.clone().unwrap_or_else(|| {
            format!(
                "Task {} ({}) ended {}",
                task.task_id,
                task.reference_task_name,
                task.status.name()
            )
        });
        self.end_workflow(status, Some(reason), None);
    }

    /// The delay before a retry of `task`, when it gets one.
    fn retry_delay(&self, wt: &WorkflowTask, task: &Task) -> Option<i64> {
        let control_flow = matches!(
            wt.kind,
            TaskKind::ForkJoin { .. }
                | TaskKind::Join { .. }
                | TaskKind::ExclusiveJoin { .. }
                | TaskKind::ForkJoinDynamic { .. }
                | TaskKind::Switch { .. }
                | TaskKind::DoWhile { .. }
        );
        if control_flow || !task.status.is_retriable() {
            return None;
        }
        let def = self.task_def(wt);
        let allowed = wt.retry_count.unwrap_or(def.retry_count);
        if task.retry_count >= allowed {
            return None;
        }
        Some(retry_delay_ms(&def, task.retry_count))
    }

    /// The task's definition: inline, registered, or Conductor's defaults (a worker task retries
    /// 3 times, 60 s apart; a system task not at all).
    pub(super) fn task_def(&self, wt: &WorkflowTask) -> TaskDef {
        if let Some(d) = &wt.task_definition {
            return d.clone();
        }
        if let Some(d) = (self.cx.task_defs)(&wt.name) {
            return d;
        }
        let mut d = super::def::default_task_def(&wt.name);
        if !matches!(wt.kind, TaskKind::Simple) {
            d.retry_count = 0;
        }
        d
    }

    fn evaluate_joins(&mut self) -> bool {
        let mut progressed = false;
        for i in 0..self.wf.tasks.len() {
            let t = &self.wf.tasks[i];
            if t.status.is_terminal() {
                continue;
            }
            let iteration = t.iteration;
            let outcome = match self.index.task(&t.def_ref).map(|w| &w.kind) {
                Some(TaskKind::Join { .. }) if t.task_type == "JOIN" => {
                    // The JOIN's input holds what it waits for: its `joinOn`, or the tasks a
                    // FORK_JOIN_DYNAMIC before it forked.
                    let join_on: Vec<String> = t
                        .input_data
                        .get("joinOn")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    self.joined(&join_on, iteration).map(Ok)
                }
                Some(TaskKind::ExclusiveJoin {
                    join_on,
                    default_join_on,
                }) => self
                    .exclusively_joined(join_on, iteration)
                    .or_else(|| self.exclusively_joined(default_join_on, iteration)),
                _ => continue,
            };
            if let Some(Err(reason)) = outcome {
                let now = self.now();
                let t = &mut self.wf.tasks[i];
                t.status = TaskStatus::Failed;
                t.reason_for_incompletion = Some(reason);
                t.end_time = now;
                t.update_time = now;
                progressed = true;
            } else if let Some(Ok(output)) = outcome {
                let now = self.now();
                let t = &mut self.wf.tasks[i];
                t.status = TaskStatus::Completed;
                t.output_data = output;
                t.end_time = now;
                t.update_time = now;
                progressed = true;
            }
        }
        progressed
    }

    /// The JOIN's output once every task it waits for has ended: each one's output (if any),
    /// keyed by reference name.
    fn joined(&self, join_on: &[String], iteration: u32) -> Option<Map<String, Value>> {
        let mut out = Map::new();
        for r in join_on {
            let t = self.latest_in(r, iteration)?;
            if !t.status.is_terminal() || t.retried {
                return None;
            }
            if !t.output_data.is_empty() {
                out.insert(r.clone(), Value::Object(t.output_data.clone()));
            }
        }
        Some(out)
    }

    /// An EXCLUSIVE_JOIN's outcome, as Conductor's `ExclusiveJoin`: the first of `join_on` that
    /// was scheduled decides; once it ended, its output (or its failure).
    fn exclusively_joined(
        &self,
        join_on: &[String],
        iteration: u32,
    ) -> Option<Result<Map<String, Value>, String>> {
        let t = join_on
            .iter()
            .filter_map(|r| self.latest_in(r, iteration))
            .find(|t| t.status != TaskStatus::Skipped)?;
        if !t.status.is_terminal() || t.retried {
            return None;
        }
        if t.status.is_successful() {
            return Some(Ok(t.output_data.clone()));
        }
        Some(Err(t.reason_for_incompletion.clone().unwrap_or_else(
            || format!("{} ended {}", t.reference_task_name, t.status.name()),
        )))
    }

    /// The last task scheduled for a definition reference.
    pub(super) fn latest(&self, def_ref: &str) -> Option<&Task> {
        self.wf.tasks.iter().rev().find(|t| t.def_ref == def_ref)
    }

    fn latest_in(&self, def_ref: &str, iteration: u32) -> Option<&Task> {
        self.wf
            .tasks
            .iter()
            .rev()
            .find(|t| t.def_ref == def_ref && t.iteration == iteration)
    }

    fn complete_workflow(&mut self) {
        let output = if self.cx.def.output_parameters.is_empty() {
            self.wf
                .tasks
                .iter()
                .max_by_key(|t| t.seq)
                .map(|t| t.output_data.clone())
                .unwrap_or_default()
        } else {
            let params = Value::Object(self.cx.def.output_parameters.clone());
            match super::document::resolve(self.wf, &params, None) {
                Value::Object(m) => m,
                _ => Map::new(),
            }
        };
        self.end_workflow(WorkflowStatus::Completed, None, Some(output));
    }

    /// `DELETE /api/workflow/{id}`: TERMINATED, without the `failureWorkflow` (as OSS Conductor).
    pub fn terminate_by_request(&mut self, reason: Option<String>) {
        self.end(WorkflowStatus::Terminated, reason, None, false);
    }

    /// Ends the workflow: cancels what still runs, tells a parent, stops children, and starts
    /// the `failureWorkflow` when it did not complete.
    pub fn end_workflow(
        &mut self,
        status: WorkflowStatus,
        reason: Option<String>,
        output: Option<Map<String, Value>>,
    ) {
        self.end(status, reason, output, true);
    }

    fn end(
        &mut self,
        status: WorkflowStatus,
        reason: Option<String>,
        output: Option<Map<String, Value>>,
        failure_workflow: bool,
    ) {
        let now = self.now();
        let mut children = Vec::new();
        for t in self.wf.tasks.iter_mut().filter(|t| !t.status.is_terminal()) {
            t.status = TaskStatus::Canceled;
            t.executed = true;
            t.end_time = now;
            t.update_time = now;
            if let Some(child) = &t.sub_workflow_id {
                children.push(child.clone());
            }
        }
        for workflow_id in children {
            self.effect(Effect::TerminateChild {
                workflow_id,
                reason: format!("Parent workflow {} ended", self.wf.workflow_id),
            });
        }
        self.wf.status = status;
        self.wf.reason_for_incompletion = reason;
        if let Some(o) = output {
            self.wf.output = o;
        }
        self.wf.end_time = now;
        self.wf.update_time = now;
        if failure_workflow && status != WorkflowStatus::Completed {
            self.start_failure_workflow();
        }
        if let (Some(parent), Some(task)) = (
            self.wf.parent_workflow_id.clone(),
            self.wf.parent_workflow_task_id.clone(),
        ) {
            self.effect(Effect::NotifyParent {
                parent_workflow_id: parent,
                parent_task_id: task,
            });
        }
    }
}

impl Decider<'_, '_> {
    /// Conductor's `failureWorkflow`: its input is the failed workflow's input with
    /// `workflowId`, `reason`, `failureStatus`, `failureTaskId` and `failedWorkflow`; its id goes
    /// into the failed workflow's output as `conductor.failure_workflow`. A name starting with
    /// `$` is read from the input (`$workflow.input.key`).
    fn start_failure_workflow(&mut self) {
        let Some(name) = self.cx.def.failure_workflow.clone() else {
            return;
        };
        let name = match name.strip_prefix('$') {
            Some(path) => match path.split('.').nth(2).and_then(|k| self.wf.input.get(k)) {
                Some(Value::String(n)) => n.clone(),
                _ => return,
            },
            None => name,
        };
        let mut input = self.wf.input.clone();
        let failed_task = self
            .wf
            .tasks
            .iter()
            .rev()
            .find(|t| !t.status.is_successful() && t.status != TaskStatus::Canceled)
            .map(|t| t.task_id.clone());
        input.insert(
            "workflowId".into(),
            Value::from(self.wf.workflow_id.as_str()),
        );
        input.insert(
            "reason".into(),
            self.wf
                .reason_for_incompletion
                .clone()
                .map_or(Value::Null, Value::from),
        );
        input.insert("failureStatus".into(), Value::from(self.wf.status.name()));
        if let Some(id) = failed_task {
            input.insert("failureTaskId".into(), Value::from(id));
        }
        input.insert("failedWorkflow".into(), self.wf.to_json(true));
        let workflow_id = self.new_id();
        self.wf.output.insert(
            "conductor.failure_workflow".into(),
            Value::from(workflow_id.as_str()),
        );
        self.effect(Effect::StartFailureWorkflow {
            workflow_id,
            name,
            input,
        });
    }
}

/// Conductor's retry delay: FIXED, LINEAR_BACKOFF (× scale × attempt), EXPONENTIAL_BACKOFF
/// (× 2^attempt), capped by `maxRetryDelaySeconds` when set.
pub fn retry_delay_ms(def: &TaskDef, attempt: u32) -> i64 {
    use super::def::RetryLogic;
    let base = def.retry_delay_seconds;
    let secs = match def.retry_logic {
        RetryLogic::Fixed => base,
        RetryLogic::LinearBackoff => base
            .saturating_mul(def.backoff_scale_factor)
            .saturating_mul(u64::from(attempt) + 1),
        RetryLogic::ExponentialBackoff => base.saturating_mul(1u64 << attempt.min(30)),
    };
    let secs = if def.max_retry_delay_seconds > 0 {
        secs.min(def.max_retry_delay_seconds)
    } else {
        secs
    };
    (secs.min(u64::from(u32::MAX)) as i64) * 1000
}

/// Reference name → the task as written, for every task of a definition given as JSON (the
/// `workflowTask` of the task JSON).
pub fn definition_tasks(definition: &Value) -> HashMap<&str, &Value> {
    let mut out = HashMap::new();
    if let Some(tasks) = definition.get("tasks").and_then(Value::as_array) {
        walk_tasks(tasks, &mut out, 0);
    }
    out
}

fn walk_tasks<'v>(tasks: &'v [Value], out: &mut HashMap<&'v str, &'v Value>, depth: usize) {
    if depth > 64 {
        return;
    }
    for t in tasks {
        if let Some(r) = t.get("taskReferenceName").and_then(Value::as_str) {
            out.insert(r, t);
        }
        let lists = ["loopOver", "defaultCase"]
            .iter()
            .filter_map(|k| t.get(*k).and_then(Value::as_array));
        for l in lists {
            walk_tasks(l, out, depth + 1);
        }
        for branch in t
            .get("forkTasks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(b) = branch.as_array() {
                walk_tasks(b, out, depth + 1);
            }
        }
        for case in t
            .get("decisionCases")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.values())
        {
            if let Some(c) = case.as_array() {
                walk_tasks(c, out, depth + 1);
            }
        }
    }
}
