//! What `${...}` reads in a workflow: `workflow.*` and one entry per task reference (the last
//! task with that reference; tasks of a DO_WHILE iteration also under their bare reference, the
//! latest iteration winning). Paths are Jayway JsonPath, as in Conductor.

use super::expr::{Lookup, Resolver};
use super::workflow::Workflow;
use crate::data::jsonpath::Path;
use serde_json::{Map, Value, json};

/// The document of §2.1 of the reference: `{"workflow": {...}, "<ref>": {...}, ...}`.
pub fn of(wf: &Workflow) -> Value {
    let mut doc = Map::new();
    doc.insert(
        "workflow".into(),
        json!({
            "input": wf.input,
            "output": wf.output,
            "status": wf.status.name(),
            "workflowId": wf.workflow_id,
            "parentWorkflowId": wf.parent_workflow_id,
            "parentWorkflowTaskId": wf.parent_workflow_task_id,
            "workflowType": wf.name,
            "version": wf.version,
            "correlationId": wf.correlation_id,
            "reasonForIncompletion": wf.reason_for_incompletion,
            "schemaVersion": 2,
            "variables": wf.variables,
        }),
    );
    // In seq order, so later tasks (retries, later iterations) overwrite earlier ones.
    for t in &wf.tasks {
        let view = t.expression_view(&wf.workflow_id);
        if t.reference_task_name != t.def_ref {
            doc.insert(t.def_ref.clone(), view.clone());
        }
        doc.insert(t.reference_task_name.clone(), view);
    }
    Value::Object(doc)
}

/// Looks paths up in a JSON document with the project's Jayway JsonPath; the leading `$.` of
/// Conductor's paths is implicit.
pub struct JsonLookup<'a>(pub &'a Value);

impl Lookup for JsonLookup<'_> {
    fn lookup(&self, path: &str) -> Option<Value> {
        let path = path.trim();
        let full = if path.starts_with('$') {
            path.to_string()
        } else if path.starts_with('[') {
            format!("${path}")
        } else {
            format!("$.{path}")
        };
        let parsed = Path::parse(&full).ok()?;
        parsed.select(self.0).ok().map(|v| v.into_owned())
    }
}

/// Resolves `value` against the workflow's document; `task_id` answers `${CPEWF_TASK_ID}`.
pub fn resolve(wf: &Workflow, value: &Value, task_id: Option<&str>) -> Value {
    let doc = of(wf);
    resolve_in(&doc, value, task_id)
}

/// Resolves `value` against any document (an event handler's message payload).
pub fn resolve_in(doc: &Value, value: &Value, task_id: Option<&str>) -> Value {
    let lookup = JsonLookup(doc);
    Resolver {
        lookup: &lookup,
        task_id,
    }
    .resolve(value)
}

/// Resolves a map of input parameters.
pub fn resolve_map(
    wf: &Workflow,
    params: &Map<String, Value>,
    task_id: &str,
) -> Map<String, Value> {
    match resolve(wf, &Value::Object(params.clone()), Some(task_id)) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
