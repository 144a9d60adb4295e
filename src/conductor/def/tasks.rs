//! The workflow object and its task lists: common task fields, unique reference names across the
//! whole definition, and the JOIN that must follow every FORK_JOIN.

use super::kinds;
use super::read::{Cx, DUPLICATE, MISSING_JOIN, Obj, describe, index};
use super::task_def;
use super::{TaskKind, WorkflowDef, WorkflowTask, WorkflowTimeoutPolicy};
use crate::conductor::duration::is_blank;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const TIMEOUT_POLICY: [(&str, WorkflowTimeoutPolicy); 2] = [
    ("TIME_OUT_WF", WorkflowTimeoutPolicy::TimeOutWf),
    ("ALERT_ONLY", WorkflowTimeoutPolicy::AlertOnly),
];

/// State while a workflow is read: diagnostics, and where each reference name was first used.
#[derive(Default)]
pub struct Load {
    pub cx: Cx,
    refs: HashMap<String, String>,
}

impl Load {
    /// Records `reference` for the task at `task_ptr`, or reports it as a duplicate at `ref_ptr`.
    fn claim(&mut self, reference: &str, task_ptr: &str, ref_ptr: &str) {
        match self.refs.get(reference) {
            Some(first) => {
                let msg = format!(
                    "The taskReferenceName '{reference}' is already used by the task at {first}; give each task its own reference name"
                );
                self.cx.push(DUPLICATE, ref_ptr, msg);
            }
            None => {
                self.refs
                    .insert(reference.to_string(), task_ptr.to_string());
            }
        }
    }
}

/// The top-level workflow object.
pub fn workflow(obj: &Obj, raw: &Value, ld: &mut Load) -> WorkflowDef {
    let cx = &mut ld.cx;
    let name = obj.name("name", cx);
    let version = obj.int("version", cx).unwrap_or(1);
    let description = obj.opt_str("description", cx).map(String::from);
    let input_parameters = obj.strings("inputParameters", cx);
    let output_parameters = obj.object("outputParameters", cx);
    let failure_workflow = obj.opt_str("failureWorkflow", cx).filter(|s| !is_blank(s));
    let timeout_policy = obj.choice(
        "timeoutPolicy",
        &TIMEOUT_POLICY,
        WorkflowTimeoutPolicy::AlertOnly,
        cx,
    );
    let timeout_seconds = obj.count("timeoutSeconds", 0, cx);
    let variables = obj.object("variables", cx);
    let input_template = obj.object("inputTemplate", cx);
    let owner_email = obj.opt_str("ownerEmail", cx).map(String::from);
    let restartable = obj.flag("restartable", true, cx);
    let schema_version = schema_version(obj, cx);
    let tasks = task_array(
        obj.get("tasks"),
        &obj.at("tasks"),
        "The field 'tasks'",
        true,
        ld,
    );
    WorkflowDef {
        name,
        version,
        description,
        tasks,
        input_parameters,
        output_parameters,
        failure_workflow: failure_workflow.map(String::from),
        timeout_policy,
        timeout_seconds,
        variables,
        input_template,
        owner_email,
        restartable,
        schema_version,
        raw: raw.clone(),
    }
}

fn schema_version(obj: &Obj, cx: &mut Cx) -> i64 {
    let version = obj.int("schemaVersion", cx).unwrap_or(2);
    if version != 2 {
        let msg = format!(
            "The field 'schemaVersion' must be 2, not {version}: Conductor only accepts schema version 2"
        );
        cx.schema(&obj.at("schemaVersion"), msg);
    }
    version
}

/// A task list at `ptr` (`v` absent = empty, unless `non_empty`); `label` names it in messages.
pub fn task_array(
    v: Option<&Value>,
    ptr: &str,
    label: &str,
    non_empty: bool,
    ld: &mut Load,
) -> Vec<WorkflowTask> {
    let items = match v {
        None => &[][..],
        Some(Value::Array(items)) => items.as_slice(),
        Some(other) => {
            let got = describe(other);
            ld.cx
                .schema(ptr, format!("{label} must be an array of tasks, not {got}"));
            return Vec::new();
        }
    };
    if non_empty && items.is_empty() {
        let msg = match v {
            None => format!("{label} is required and must contain at least one task"),
            Some(_) => format!("{label} must contain at least one task"),
        };
        ld.cx.schema(ptr, msg);
    }
    task_list(items, ptr, ld)
}

/// The tasks of one list, with a JOIN synthesized after a FORK_JOIN that lacks one (see
/// [`TaskKind::ForkJoin`]).
fn task_list(items: &[Value], ptr: &str, ld: &mut Load) -> Vec<WorkflowTask> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = index(ptr, i);
        let Some(task) = task(item, &at, ld) else {
            continue;
        };
        let unjoined = matches!(task.kind, TaskKind::ForkJoin { .. }) && !is_join(items.get(i + 1));
        let join = unjoined.then(|| follow_fork(&task, &at, ld)).flatten();
        out.push(task);
        out.extend(join);
    }
    out
}

fn is_join(next: Option<&Value>) -> bool {
    next.and_then(|v| v.get("type")).and_then(Value::as_str) == Some("JOIN")
}

/// One task: the fields every type has, then the type's own.
fn task(v: &Value, ptr: &str, ld: &mut Load) -> Option<WorkflowTask> {
    let obj = Obj::of(v, ptr.to_string(), "A task", &mut ld.cx)?;
    let name = obj.name("name", &mut ld.cx);
    let task_reference_name = obj.name("taskReferenceName", &mut ld.cx);
    if !task_reference_name.is_empty() {
        ld.claim(&task_reference_name, ptr, &obj.at("taskReferenceName"));
    }
    let type_name = obj
        .opt_str("type", &mut ld.cx)
        .unwrap_or("SIMPLE")
        .to_string();
    let kind = kinds::kind(&type_name, &obj, ld);
    let cx = &mut ld.cx;
    Some(WorkflowTask {
        input_parameters: obj.object("inputParameters", cx),
        optional: obj.flag("optional", false, cx),
        start_delay: obj.count("startDelay", 0, cx),
        async_complete: obj.flag("asyncComplete", false, cx),
        retry_count: obj.opt_u32("retryCount", cx),
        task_definition: inline_def(&obj, &name, cx),
        name,
        task_reference_name,
        type_name,
        kind,
        raw: v.clone(),
    })
}

fn inline_def(obj: &Obj, task_name: &str, cx: &mut Cx) -> Option<super::TaskDef> {
    let def = obj.opt_obj("taskDefinition", cx)?;
    let raw = obj.get("taskDefinition")?;
    Some(task_def::inline(&def, raw, task_name, cx))
}

/// The FORK_JOIN at `ptr` is not followed by a JOIN: synthesize one from its `joinOn`, or report it.
fn follow_fork(fork: &WorkflowTask, ptr: &str, ld: &mut Load) -> Option<WorkflowTask> {
    let map = fork.raw.as_object()?;
    let obj = Obj::new(map, ptr.to_string());
    if obj.get("joinOn").is_none() {
        let msg = format!(
            "The FORK_JOIN '{}' must be followed by a JOIN task in the same list (Conductor fails the workflow: \"Fork task definition is not followed by a join task\"); add {{\"type\": \"JOIN\", \"joinOn\": {}}} right after it, listing the tasks to wait for",
            fork.task_reference_name,
            branch_ends(&fork.kind)
        );
        ld.cx.push(MISSING_JOIN, ptr, msg);
        return None;
    }
    let join_on = obj.opt_strings("joinOn", &mut ld.cx)?;
    let join = synthesized_join(fork, join_on);
    let join_ptr = obj.at("joinOn");
    if let Some(first) = ld.refs.get(&join.task_reference_name) {
        let msg = format!(
            "The JOIN synthesized for this FORK_JOIN would have taskReferenceName '{}', which the task at {first} already uses; add an explicit JOIN task after the FORK_JOIN",
            join.task_reference_name
        );
        ld.cx.push(DUPLICATE, &join_ptr, msg);
    } else {
        let label = format!("{join_ptr} (the JOIN synthesized after that FORK_JOIN)");
        ld.refs.insert(join.task_reference_name.clone(), label);
    }
    Some(join)
}

/// The last task reference of each branch, as a JSON array: the usual `joinOn`.
fn branch_ends(fork: &TaskKind) -> Value {
    let ends = fork
        .children()
        .into_iter()
        .filter_map(<[WorkflowTask]>::last);
    Value::from_iter(ends.map(|t| t.task_reference_name.clone()))
}

fn synthesized_join(fork: &WorkflowTask, join_on: Vec<String>) -> WorkflowTask {
    let name = format!("{}_join", fork.name);
    let reference = format!("{}_join", fork.task_reference_name);
    let raw =
        json!({"name": name, "taskReferenceName": reference, "type": "JOIN", "joinOn": join_on});
    WorkflowTask {
        name,
        task_reference_name: reference,
        type_name: "JOIN".into(),
        kind: TaskKind::Join { join_on },
        input_parameters: Map::new(),
        optional: false,
        start_delay: 0,
        async_complete: false,
        retry_count: None,
        task_definition: None,
        raw,
    }
}
