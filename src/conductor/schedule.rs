//! Scheduling one task of the definition, per type, as Conductor's task mappers and system
//! tasks do: the runtime task(s) it creates, their first status, inputs and outputs.

use super::decide::Decider;
use super::def::{Evaluator, TaskKind, WorkflowTask};
use super::document::{self, resolve_map};
use super::domains::TaskToDomain;
use super::expr::java_to_string;
use super::js::Script;
use super::workflow::{Effect, Task, TaskStatus, WorkflowStatus};
use serde_json::{Map, Value, json};

/// Variables above this size fail SET_VARIABLE (Conductor's default threshold).
const MAX_VARIABLES_BYTES: usize = 256 * 1024;

/// Creates the runtime task for `wt` (in DO_WHILE iteration `iteration`, 0 outside loops) and
/// runs what Conductor runs at once (EVENT publishes, SWITCH picks a case, FORK its branches).
pub fn schedule(d: &mut Decider, wt: &WorkflowTask, iteration: u32) {
    if d.wf.status != WorkflowStatus::Running {
        return;
    }
    let i = new_task(d, wt, iteration);
    let raw_input = with_template(d, wt);
    let task_id = d.wf.tasks[i].task_id.clone();
    let input = resolve_map(d.wf, &raw_input, &task_id);
    d.wf.tasks[i].input_data = input.clone();
    match &wt.kind {
        TaskKind::Simple => simple(d, i, wt),
        TaskKind::Wait => wait(d, i, &input),
        TaskKind::Human => start(d, i),
        TaskKind::Event { sink } => event(d, i, wt, sink),
        TaskKind::ForkJoin { branches } => fork(d, i, wt, branches, iteration),
        TaskKind::Join { join_on } => {
            d.wf.tasks[i].input_data = json!({"joinOn": join_on})
                .as_object()
                .cloned()
                .unwrap_or_default();
            start(d, i);
        }
        TaskKind::Switch {
            evaluator,
            expression,
            cases,
            default_case,
        } => switch(
            d,
            i,
            (evaluator, expression),
            cases,
            default_case,
            iteration,
        ),
        TaskKind::DoWhile { loop_over, .. } => {
            // The loop's own `iteration` stays its place outside; the count is in its output.
            start(d, i);
            d.wf.tasks[i]
                .output_data
                .insert("iteration".into(), json!(1));
            if let Some(first) = loop_over.first() {
                schedule(d, first, 1);
            }
        }
        TaskKind::SetVariable => set_variable(d, i, input),
        TaskKind::Terminate => terminate(d, i, &input),
        TaskKind::SubWorkflow {
            name,
            version,
            task_to_domain,
        } => sub_workflow(d, i, (name, *version), task_to_domain.clone(), input),
        TaskKind::Inline => inline(d, i, &input),
        TaskKind::JsonJqTransform => {
            start(d, i);
            let task_id = d.wf.tasks[i].task_id.clone();
            d.effect(Effect::Transform { task_id });
        }
        TaskKind::Noop => finish(d, i, TaskStatus::Completed, None),
        TaskKind::Http => {
            start(d, i);
            let task_id = d.wf.tasks[i].task_id.clone();
            d.effect(Effect::Http { task_id });
        }
        TaskKind::Dynamic { name_param } => dynamic(d, i, wt, name_param, &input),
        TaskKind::ExclusiveJoin {
            join_on,
            default_join_on,
        } => {
            let t = &mut d.wf.tasks[i];
            t.input_data = json!({"joinOn": join_on, "defaultExclusiveJoinTask": default_join_on})
                .as_object()
                .cloned()
                .unwrap_or_default();
            start(d, i);
        }
        TaskKind::StartWorkflow => start_workflow(d, i, &input),
        TaskKind::ForkJoinDynamic {
            tasks_param,
            inputs_param,
        } => {
            // Conductor names list-form tasks after the fork too once another dynamic fork ran.
            let another = d.wf.tasks[..i].iter().any(|t| {
                d.index
                    .task(&t.def_ref)
                    .is_some_and(|w| matches!(w.kind, TaskKind::ForkJoinDynamic { .. }))
            });
            let forked = super::dynamic_fork::forked_tasks(
                wt,
                another,
                tasks_param.as_deref(),
                inputs_param.as_deref(),
                &input,
            );
            match forked {
                Ok(tasks) => fork_dynamic(d, i, wt, &tasks, iteration),
                Err(reason) => finish(d, i, TaskStatus::FailedWithTerminalError, Some(reason)),
            }
        }
    }
}

/// A retry of `failed`: a new task (new id, `retryCount + 1`), after `delay_ms` for a worker task.
pub fn retry(d: &mut Decider, wt: &WorkflowTask, failed: &Task, delay_ms: i64) {
    let before = d.wf.tasks.len();
    if matches!(wt.kind, TaskKind::Simple) && delay_ms > 0 {
        let i = new_task(d, wt, failed.iteration);
        let raw_input = with_template(d, wt);
        let id = d.wf.tasks[i].task_id.clone();
        d.wf.tasks[i].input_data = resolve_map(d.wf, &raw_input, &id);
        d.wf.tasks[i].wait_until = Some(d.now() + delay_ms);
        d.wf.tasks[i].domain = d.domain_for(&wt.name);
    } else {
        schedule(d, wt, failed.iteration);
    }
    if let Some(t) = d.wf.tasks.get_mut(before) {
        t.retry_count = failed.retry_count + 1;
        t.retried_task_id = Some(failed.task_id.clone());
    }
}

/// A task of `wt` recorded without being scheduled (`ops::skip_task` marks it SKIPPED).
pub fn placeholder(d: &mut Decider, wt: &WorkflowTask) -> usize {
    new_task(d, wt, 0)
}

fn new_task(d: &mut Decider, wt: &WorkflowTask, iteration: u32) -> usize {
    let task_id = d.new_id();
    let now = d.now();
    let reference = if iteration > 0 && !matches!(wt.kind, TaskKind::DoWhile { .. }) {
        format!("{}__{iteration}", wt.task_reference_name)
    } else {
        wt.task_reference_name.clone()
    };
    d.wf.next_seq += 1;
    d.wf.tasks.push(Task {
        task_id,
        task_type: runtime_type(wt),
        task_def_name: wt.name.clone(),
        reference_task_name: reference,
        def_ref: wt.task_reference_name.clone(),
        status: TaskStatus::Scheduled,
        input_data: Map::new(),
        output_data: Map::new(),
        seq: d.wf.next_seq,
        retry_count: 0,
        poll_count: 0,
        iteration,
        scheduled_time: now,
        start_time: 0,
        end_time: 0,
        update_time: now,
        reason_for_incompletion: None,
        worker_id: None,
        callback_after_seconds: 0,
        retried: false,
        retried_task_id: None,
        executed: false,
        wait_until: None,
        sub_workflow_id: None,
        timeout_at: None,
        task_token: None,
        domain: None,
    });
    d.wf.tasks.len() - 1
}

/// The task type Conductor records: `FORK` for a FORK_JOIN, `SWITCH` for a DECISION mapped onto
/// it, the written type otherwise.
fn runtime_type(wt: &WorkflowTask) -> String {
    match &wt.kind {
        TaskKind::ForkJoin { .. } | TaskKind::ForkJoinDynamic { .. } => "FORK".into(),
        TaskKind::Simple => "SIMPLE".into(),
        _ => wt.type_name.clone(),
    }
}

/// The inputs with the task definition's `inputTemplate` under them.
fn with_template(d: &Decider, wt: &WorkflowTask) -> Map<String, Value> {
    let mut input = wt.input_parameters.clone();
    let template = d.task_def(wt).input_template;
    for (k, v) in template {
        let missing = input.get(&k).is_none_or(Value::is_null);
        if missing {
            input.insert(k, v);
        }
    }
    input
}

fn start(d: &mut Decider, i: usize) {
    let now = d.now();
    let t = &mut d.wf.tasks[i];
    t.status = TaskStatus::InProgress;
    t.start_time = now;
}

fn finish(d: &mut Decider, i: usize, status: TaskStatus, reason: Option<String>) {
    let now = d.now();
    let t = &mut d.wf.tasks[i];
    if t.start_time == 0 {
        t.start_time = now;
    }
    t.status = status;
    t.end_time = now;
    t.update_time = now;
    t.reason_for_incompletion = reason;
}

fn simple(d: &mut Decider, i: usize, wt: &WorkflowTask) {
    d.wf.tasks[i].timeout_at = super::timeouts::when_scheduled(&d.task_def(wt), d.now());
    d.wf.tasks[i].domain = d.domain_for(&wt.name);
    if wt.start_delay > 0 {
        d.wf.tasks[i].wait_until = Some(d.now() + (wt.start_delay as i64) * 1000);
        return;
    }
    let t = &d.wf.tasks[i];
    let enqueue = Effect::Enqueue {
        task_type: wt.name.clone(),
        task_id: t.task_id.clone(),
        domain: t.domain.clone(),
    };
    d.effect(enqueue);
}

fn wait(d: &mut Decider, i: usize, input: &Map<String, Value>) {
    start(d, i);
    let text = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match (text("duration"), text("until")) {
        (Some(_), Some(_)) => finish(
            d,
            i,
            TaskStatus::FailedWithTerminalError,
            Some("Both 'duration' and 'until' specified. Please provide only one input".into()),
        ),
        (Some(duration), None) => match super::duration::parse_duration(&duration) {
            Some(secs) => {
                d.wf.tasks[i].wait_until = Some(d.now() + (secs.min(1 << 40) as i64) * 1000)
            }
            None => finish(
                d,
                i,
                TaskStatus::FailedWithTerminalError,
                Some(format!(
                    "Invalid wait duration format: {duration} (use e.g. 10s, 1m 30s, 2 hours 30 minutes)"
                )),
            ),
        },
        (None, Some(until)) => match super::duration::parse_until(&until) {
            Some(at) => d.wf.tasks[i].wait_until = Some(at.max(d.now())),
            None => finish(
                d,
                i,
                TaskStatus::FailedWithTerminalError,
                Some(format!(
                    "Invalid/Unsupported Wait Until format.  Provided: {until}"
                )),
            ),
        },
        // No deadline: waits for a task update or an event handler.
        (None, None) => {}
    }
}

fn event(d: &mut Decider, i: usize, wt: &WorkflowTask, sink: &str) {
    let task_id = d.wf.tasks[i].task_id.clone();
    let sink = match document::resolve(d.wf, &Value::from(sink), Some(&task_id)) {
        Value::String(s) => s,
        other => java_to_string(&other),
    };
    let mut payload = d.wf.tasks[i].input_data.clone();
    payload.insert("sink".into(), Value::from(sink.as_str()));
    payload.insert("asyncComplete".into(), Value::from(wt.async_complete));
    d.wf.tasks[i].input_data = payload.clone();
    start(d, i);
    payload.insert(
        "workflowInstanceId".into(),
        Value::from(d.wf.workflow_id.as_str()),
    );
    payload.insert("workflowType".into(), Value::from(d.wf.name.as_str()));
    payload.insert("workflowVersion".into(), Value::from(d.wf.version));
    payload.insert(
        "correlationId".into(),
        d.wf.correlation_id.clone().map_or(Value::Null, Value::from),
    );
    payload.insert(
        "taskToDomain".into(),
        super::domains::to_json(&d.wf.task_to_domain),
    );
    let queue = match queue_name(&sink, &d.wf.name, &wt.task_reference_name) {
        Ok(q) => q,
        Err(reason) => {
            d.wf.tasks[i].output_data = payload;
            return finish(d, i, TaskStatus::Failed, Some(reason));
        }
    };
    if let Err(why) = (d.cx.sinks)(&queue) {
        d.wf.tasks[i].output_data = payload;
        return finish(
            d,
            i,
            TaskStatus::Failed,
            Some(format!("Error loading queue:{queue}, error: {why}")),
        );
    }
    payload.insert("event_produced".into(), Value::from(queue.as_str()));
    d.wf.tasks[i].output_data = payload.clone();
    d.effect(Effect::Publish {
        sink: queue,
        message_id: task_id,
        body: Value::Object(payload),
    });
    if !wt.async_complete {
        finish(d, i, TaskStatus::Completed, None);
    }
}

/// The event an EVENT sink publishes to (Conductor's `computeQueueName`): `conductor` and
/// `conductor:NAME` become `conductor:WORKFLOW:REF|NAME`; `sqs:`, `amqp*:` and `nats:` events stay.
pub fn queue_name(sink: &str, workflow: &str, task_ref: &str) -> Result<String, String> {
    if sink == "conductor" {
        return Ok(format!("conductor:{workflow}:{task_ref}"));
    }
    if let Some(name) = sink.strip_prefix("conductor:") {
        return Ok(format!("conductor:{workflow}:{name}"));
    }
    if sink.starts_with("conductor") {
        return Err(format!("Invalid / Unsupported sink specified: {sink}"));
    }
    match sink.split_once(':') {
        Some(("sqs" | "amqp" | "amqp_queue" | "amqp_exchange" | "nats", name))
            if !name.is_empty() =>
        {
            Ok(sink.to_string())
        }
        Some((kind, _)) => Err(format!(
            "Error loading queue:{sink}, error: Unknown queue type {kind} (stepwise publishes to sqs:NAME, sqs:URL, sqs:ARN, amqp_queue:NAME, amqp_exchange:NAME, nats:SUBJECT and conductor[:NAME])"
        )),
        None => Err(format!("Invalid / Unsupported sink specified: {sink}")),
    }
}

fn fork(
    d: &mut Decider,
    i: usize,
    wt: &WorkflowTask,
    branches: &[Vec<WorkflowTask>],
    iteration: u32,
) {
    finish(d, i, TaskStatus::Completed, None);
    // The decider does not act on the FORK itself: its branches and JOIN are scheduled here.
    d.wf.tasks[i].executed = true;
    for b in branches {
        if let Some(first) = b.first() {
            schedule(d, first, iteration);
        }
    }
    let Some(join) = d.sibling(&wt.task_reference_name) else {
        return;
    };
    if d.wf.status == WorkflowStatus::Running {
        schedule(d, join, iteration);
    } else {
        // A branch ended the workflow (TERMINATE) while the fork was being scheduled: the JOIN
        // is listed, CANCELED, as Conductor lists it.
        let j = new_task(d, join, iteration);
        d.wf.tasks[j].status = TaskStatus::Canceled;
        d.wf.tasks[j].executed = true;
    }
}

/// Schedules the tasks a FORK_JOIN_DYNAMIC forked, then its JOIN, waiting for them (Conductor
/// records them in the fork's input as `forkedTasks` and `forkedTaskInputs`).
fn fork_dynamic(
    d: &mut Decider,
    i: usize,
    wt: &WorkflowTask,
    tasks: &[WorkflowTask],
    iteration: u32,
) {
    let refs: Vec<String> = tasks
        .iter()
        .map(|t| t.task_reference_name.clone())
        .collect();
    let inputs: Map<String, Value> = tasks
        .iter()
        .map(|t| {
            let input = Value::Object(t.input_parameters.clone());
            (t.task_reference_name.clone(), input)
        })
        .collect();
    let f = &mut d.wf.tasks[i];
    f.input_data.insert("forkedTasks".into(), json!(refs));
    f.input_data
        .insert("forkedTaskInputs".into(), Value::Object(inputs));
    finish(d, i, TaskStatus::Completed, None);
    d.wf.tasks[i].executed = true;
    for t in tasks {
        schedule(d, t, iteration);
    }
    let Some(join) = d.sibling(&wt.task_reference_name) else {
        return;
    };
    if d.wf.status != WorkflowStatus::Running {
        return;
    }
    let j = d.wf.tasks.len();
    schedule(d, join, iteration);
    if let Some(t) = d.wf.tasks.get_mut(j)
        && t.task_type == "JOIN"
    {
        t.input_data.insert("joinOn".into(), json!(refs));
    }
}

fn switch(
    d: &mut Decider,
    i: usize,
    (evaluator, expression): (&Evaluator, &String),
    cases: &[(String, Vec<WorkflowTask>)],
    default_case: &[WorkflowTask],
    iteration: u32,
) {
    start(d, i);
    let input = Value::Object(d.wf.tasks[i].input_data.clone());
    let result = match evaluator {
        Evaluator::ValueParam => Ok(input
            .get(expression.as_str())
            .cloned()
            .unwrap_or(Value::Null)),
        Evaluator::JavaScript => Script::parse(expression)
            .and_then(|s| s.eval(&input))
            .map_err(|e| e.to_string()),
    };
    let key = match result {
        Ok(Value::String(s)) => s,
        Ok(v) => java_to_string(&v),
        Err(e) => return finish(d, i, TaskStatus::Failed, Some(e)),
    };
    let t = &mut d.wf.tasks[i];
    t.input_data
        .insert("case".into(), Value::from(key.as_str()));
    t.output_data
        .insert("evaluationResult".into(), json!([key]));
    t.output_data
        .insert("selectedCase".into(), Value::from(key.as_str()));
    finish(d, i, TaskStatus::Completed, None);
    d.wf.tasks[i].executed = true;
    let decision = d.wf.tasks[i].task_type == "DECISION";
    let selected = cases
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, c)| c.as_slice())
        // A DECISION falls back to its default on an empty case too (a SWITCH does not).
        .filter(|c| !(decision && c.is_empty()))
        .unwrap_or(default_case);
    match selected.first() {
        Some(first) => schedule(d, first, iteration),
        None => {
            let t = d.wf.tasks[i].clone();
            d.advance(&t);
        }
    }
}

fn set_variable(d: &mut Decider, i: usize, input: Map<String, Value>) {
    let before = d.wf.variables.clone();
    d.wf.variables.extend(input);
    let size = serde_json::to_string(&d.wf.variables).map_or(0, |s| s.len());
    if size > MAX_VARIABLES_BYTES {
        d.wf.variables = before;
        let reason = format!(
            "The variables payload size: {size} is greater than the permissible limit: {MAX_VARIABLES_BYTES} bytes"
        );
        return finish(d, i, TaskStatus::FailedWithTerminalError, Some(reason));
    }
    finish(d, i, TaskStatus::Completed, None);
}

fn terminate(d: &mut Decider, i: usize, input: &Map<String, Value>) {
    let status = match input.get("terminationStatus").and_then(Value::as_str) {
        Some("COMPLETED") => WorkflowStatus::Completed,
        Some("FAILED") => WorkflowStatus::Failed,
        Some("TERMINATED") => WorkflowStatus::Terminated,
        _ => {
            return finish(
                d,
                i,
                TaskStatus::Failed,
                Some(
                    "given termination status is not valid (COMPLETED, FAILED or TERMINATED)"
                        .into(),
                ),
            );
        }
    };
    let output = match input.get("workflowOutput") {
        Some(Value::Object(m)) => m.clone(),
        Some(Value::Null) | None => Map::new(),
        Some(other) => json!({"output": other})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    };
    d.wf.tasks[i].output_data = output.clone();
    finish(d, i, TaskStatus::Completed, None);
    d.wf.tasks[i].executed = true;
    let task_id = d.wf.tasks[i].task_id.clone();
    let reason = input
        .get("terminationReason")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("Workflow is {} by TERMINATE task: {task_id}", status.name()));
    let reason = (status != WorkflowStatus::Completed).then_some(reason);
    d.end_workflow(status, reason, Some(output));
}

fn sub_workflow(
    d: &mut Decider,
    i: usize,
    (name, version): (&str, Option<i64>),
    task_to_domain: Option<TaskToDomain>,
    input: Map<String, Value>,
) {
    start(d, i);
    let child = d.new_id();
    let parent_task_id = d.wf.tasks[i].task_id.clone();
    let t = &mut d.wf.tasks[i];
    t.sub_workflow_id = Some(child.clone());
    t.output_data
        .insert("subWorkflowId".into(), Value::from(child.as_str()));
    d.effect(Effect::StartChild {
        workflow_id: child,
        name: name.to_string(),
        version,
        input,
        parent_task_id,
        task_to_domain,
    });
}

/// DYNAMIC, as Conductor's `DynamicTaskMapper`: a worker task named by the input `name_param`;
/// without that input the workflow fails.
fn dynamic(
    d: &mut Decider,
    i: usize,
    wt: &WorkflowTask,
    name_param: &str,
    input: &Map<String, Value>,
) {
    let Some(name) = input
        .get(name_param)
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        let reason = format!(
            "Cannot map a dynamic task based on the parameter and input. Parameter= {name_param}, input= {}",
            Value::Object(input.clone())
        );
        finish(d, i, TaskStatus::FailedWithTerminalError, Some(reason));
        return;
    };
    let resolved = WorkflowTask {
        name: name.to_string(),
        kind: TaskKind::Simple,
        ..wt.clone()
    };
    let t = &mut d.wf.tasks[i];
    t.task_type = name.to_string();
    t.task_def_name = name.to_string();
    simple(d, i, &resolved);
}

/// START_WORKFLOW: starts `startWorkflow.name` as an effect; the task completes once it has.
fn start_workflow(d: &mut Decider, i: usize, input: &Map<String, Value>) {
    let request = input.get("startWorkflow").and_then(Value::as_object);
    let Some(name) = request
        .and_then(|r| r.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        let reason = "Error starting workflow: startWorkflow.name is required (inputParameters.startWorkflow: {name, version, input, correlationId})";
        return finish(
            d,
            i,
            TaskStatus::FailedWithTerminalError,
            Some(reason.into()),
        );
    };
    let field = |k: &str| request.and_then(|r| r.get(k));
    let version = field("version").and_then(Value::as_i64);
    let start_input = field("input")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let correlation_id = field("correlationId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| d.wf.correlation_id.clone());
    // Conductor's StartWorkflow task: the request's taskToDomain, else the starting workflow's.
    let task_to_domain = match super::domains::parse(field("taskToDomain")) {
        Ok(t) if !t.is_empty() => t,
        Ok(_) => d.wf.task_to_domain.clone(),
        Err(reason) => {
            let reason = format!("Error starting workflow: startWorkflow.{reason}");
            return finish(d, i, TaskStatus::FailedWithTerminalError, Some(reason));
        }
    };
    start(d, i);
    let workflow_id = d.new_id();
    let task_id = d.wf.tasks[i].task_id.clone();
    d.effect(Effect::StartWorkflow {
        task_id,
        workflow_id,
        name: name.to_string(),
        version,
        input: start_input,
        correlation_id,
        task_to_domain,
    });
}

fn inline(d: &mut Decider, i: usize, input: &Map<String, Value>) {
    let evaluator = input
        .get("evaluatorType")
        .and_then(Value::as_str)
        .unwrap_or("javascript");
    if !matches!(evaluator, "javascript" | "graaljs") {
        let reason = format!(
            "No evaluator registered for evaluatorType: {evaluator} (stepwise evaluates javascript)"
        );
        return finish(d, i, TaskStatus::FailedWithTerminalError, Some(reason));
    }
    let expression = input
        .get("expression")
        .and_then(Value::as_str)
        .unwrap_or("");
    let result = Script::parse(expression).and_then(|s| s.eval(&Value::Object(input.clone())));
    match result {
        Ok(v) => {
            d.wf.tasks[i].output_data.insert("result".into(), v);
            finish(d, i, TaskStatus::Completed, None);
        }
        Err(e) => {
            d.wf.tasks[i]
                .output_data
                .insert("error".into(), Value::from(e.to_string()));
            finish(
                d,
                i,
                TaskStatus::FailedWithTerminalError,
                Some(e.to_string()),
            );
        }
    }
}
