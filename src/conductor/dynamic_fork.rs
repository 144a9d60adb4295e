//! The tasks a FORK_JOIN_DYNAMIC forks, read from its resolved inputs as Conductor's
//! `ForkJoinDynamicTaskMapper` reads them: a list of workflow tasks (`dynamicForkTasksParam`)
//! with their inputs keyed by reference name (`dynamicForkTasksInputParamName`), or one
//! `forkTaskName` task (type `forkTaskType`, default SIMPLE) per item of `forkTaskInputs`,
//! named `_<forkTaskName>_<i>` (`_<fork>_<forkTaskName>_<i>` once another dynamic fork ran in
//! the workflow) with `__index` in its input.

use super::def::{WorkflowTask, load_workflow};
use serde_json::{Map, Value, json};

/// The forked tasks, or why the workflow fails (Conductor's messages where it has them).
pub fn forked_tasks(
    fork: &WorkflowTask,
    after_another: bool,
    tasks_param: Option<&str>,
    inputs_param: Option<&str>,
    input: &Map<String, Value>,
) -> Result<Vec<WorkflowTask>, String> {
    let docs = match tasks_param {
        Some(param) => listed(param, inputs_param, input)?,
        None => simple(fork, after_another, input)?,
    };
    docs.into_iter().map(load_one).collect()
}

/// The `dynamicForkTasksParam` form.
fn listed(
    param: &str,
    inputs_param: Option<&str>,
    input: &Map<String, Value>,
) -> Result<Vec<Value>, String> {
    let given = input.get(param).cloned().unwrap_or(Value::Null);
    let invalid = || {
        format!(
            "Input '{param}' is invalid. Cannot deserialize a list of Workflow Tasks from '{given}'"
        )
    };
    let Value::Array(tasks) = &given else {
        return Err(invalid());
    };
    let inputs = inputs_param.and_then(|p| input.get(p));
    let Some(Value::Object(inputs)) = inputs else {
        let found = inputs.map_or("null".to_string(), Value::to_string);
        return Err(format!(
            "Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found {found}"
        ));
    };
    let mut out = Vec::new();
    for t in tasks {
        let Some(reference) = t.get("taskReferenceName").and_then(Value::as_str) else {
            return Err(invalid());
        };
        let mut t = t.clone();
        let mut params = t
            .get("inputParameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(Value::Object(extra)) = inputs.get(reference) {
            params.extend(extra.clone());
        }
        t["inputParameters"] = Value::Object(params);
        if t.get("type").is_none() {
            t["type"] = json!("SIMPLE");
        }
        out.push(t);
    }
    Ok(out)
}

/// The `forkTaskName`/`forkTaskInputs` form.
fn simple(
    fork: &WorkflowTask,
    after_another: bool,
    input: &Map<String, Value>,
) -> Result<Vec<Value>, String> {
    let text = |k: &str| input.get(k).and_then(Value::as_str);
    let kind = text("forkTaskType").unwrap_or("SIMPLE");
    let name = text("forkTaskName").unwrap_or(&fork.task_reference_name);
    let Some(Value::Array(items)) = input.get("forkTaskInputs") else {
        return Err(format!(
            "FORK_JOIN_DYNAMIC {}: give either dynamicForkTasksParam (with dynamicForkTasksInputParamName) or the inputs forkTaskName and forkTaskInputs (a list)",
            fork.task_reference_name
        ));
    };
    let tasks = items.iter().enumerate().map(|(i, item)| {
        let mut params = match item {
            Value::Object(m) => m.clone(),
            other => json!({"input": other})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        };
        params.insert("__index".into(), json!(i));
        let reference = if after_another {
            format!("_{}_{name}_{i}", fork.task_reference_name)
        } else {
            format!("_{name}_{i}")
        };
        json!({"name": name, "taskReferenceName": reference, "type": kind,
               "inputParameters": params, "optional": fork.optional})
    });
    Ok(tasks.collect())
}

/// One forked task, loaded as a definition's task is; tasks that hold others are refused.
fn load_one(task: Value) -> Result<WorkflowTask, String> {
    let reference = task["taskReferenceName"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    let def = load_workflow(&json!({"name": "dynamic_fork", "tasks": [task]})).map_err(|ds| {
        let why: Vec<String> = ds.iter().map(|d| d.message.clone()).collect();
        format!(
            "The dynamically forked task {reference} is not valid: {}",
            why.join("; ")
        )
    })?;
    let t = def.tasks.into_iter().next().ok_or("no task")?;
    if !t.kind.children().is_empty() {
        return Err(format!(
            "The dynamically forked task {reference} holds other tasks ({}): stepwise forks tasks without nested tasks dynamically",
            t.type_name
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conductor::events::object;

    fn fork() -> WorkflowTask {
        let def = load_workflow(&json!({"name": "w", "tasks": [
            {"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN_DYNAMIC"},
            {"name": "j", "taskReferenceName": "j", "type": "JOIN"}]}))
        .unwrap();
        def.tasks[0].clone()
    }

    #[test]
    fn the_simple_form_names_tasks_by_index() {
        let input = object(json!({"forkTaskName": "work", "forkTaskInputs": [{"n": 1}, 2]}));
        let ts = forked_tasks(&fork(), false, None, None, &input).unwrap();
        let refs: Vec<_> = ts.iter().map(|t| t.task_reference_name.as_str()).collect();
        assert_eq!(refs, ["_work_0", "_work_1"]);
        let again = forked_tasks(&fork(), true, None, None, &input).unwrap();
        assert_eq!(again[0].task_reference_name, "_f_work_0");
        assert_eq!(
            Value::Object(ts[1].input_parameters.clone()),
            json!({"input": 2, "__index": 1})
        );
    }

    #[test]
    fn the_listed_form_merges_inputs_by_reference() {
        let input = object(json!({"tasks": [{"name": "a", "taskReferenceName": "a1"}],
                                  "inputs": {"a1": {"x": 1}}}));
        let ts = forked_tasks(&fork(), false, Some("tasks"), Some("inputs"), &input).unwrap();
        assert_eq!(
            Value::Object(ts[0].input_parameters.clone()),
            json!({"x": 1})
        );
        let bad = object(json!({"tasks": [], "inputs": []}));
        let e = forked_tasks(&fork(), false, Some("tasks"), Some("inputs"), &bad).unwrap_err();
        assert!(
            e.starts_with("Input to the dynamically forked tasks is not a map"),
            "{e}"
        );
    }
}
