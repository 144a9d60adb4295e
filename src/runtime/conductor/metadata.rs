//! Conductor's metadata in the resource registry: workflow definitions by name and version,
//! task definitions and event handlers by name. Bodies are kept as given (Conductor returns
//! them as registered); they are checked when registered.

use super::{Conductor, internal};
use crate::asl::Diagnostic;
use crate::conductor::def::{self, EventHandler, TaskDef, WorkflowDef};
use crate::conductor::ops::OpError;
use crate::runtime::queues::EventQueues;
use crate::store::Store;
use crate::store::registry::ResourceRecord;
use serde_json::Value;

const WORKFLOW: &str = "conductor.workflowDef";
const TASK: &str = "conductor.taskDef";
const HANDLER: &str = "conductor.eventHandler";

/// `name@0000000001`: listing by name gives versions in order.
fn key(name: &str, version: i64) -> String {
    format!("{name}@{version:010}")
}

/// Every diagnostic on one line each, for an error message.
pub fn diagnostics_text(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| match &d.pointer {
            Some(p) => format!(
                "{} at {}: {}",
                d.code,
                if p.is_empty() { "/" } else { p },
                d.message
            ),
            None => format!("{}: {}", d.code, d.message),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn invalid(what: &str, diags: &[Diagnostic]) -> OpError {
    OpError::bad_request(format!("Invalid {what}: {}", diagnostics_text(diags)))
}

fn put(
    store: &dyn Store,
    kind: &str,
    name: String,
    body: &Value,
    create: bool,
) -> Result<bool, OpError> {
    let record = ResourceRecord {
        kind: kind.into(),
        arn: name.clone(),
        name,
        body: body.to_string(),
        created_ms: 0,
    };
    let stored = store.put_resource(&record, create).map_err(internal)?;
    Ok(stored.body == record.body)
}

impl Conductor {
    /// `POST /api/metadata/workflow`: 409 when that name and version exist, unless `overwrite`.
    pub fn register_workflow(&self, body: &Value, overwrite: bool) -> Result<WorkflowDef, OpError> {
        let def = def::load_workflow(body).map_err(|d| invalid("workflow definition", &d))?;
        let k = key(&def.name, def.version);
        if !overwrite
            && self
                .store
                .resource(WORKFLOW, &k)
                .map_err(internal)?
                .is_some()
        {
            return Err(OpError::conflict(format!(
                "Workflow with {}.{} already exists!",
                def.name, def.version
            )));
        }
        put(&*self.store, WORKFLOW, k, body, false)?;
        Ok(def)
    }

    /// The definition of `name` at `version`, else its latest version.
    pub fn workflow_def(
        &self,
        name: &str,
        version: Option<i64>,
    ) -> Result<Option<WorkflowDef>, OpError> {
        let raw = match version {
            Some(v) => self
                .store
                .resource(WORKFLOW, &key(name, v))
                .map_err(internal)?,
            None => self
                .store
                .list_resources(WORKFLOW)
                .map_err(internal)?
                .into_iter()
                .rfind(|r| r.name.rsplit_once('@').is_some_and(|(n, _)| n == name)),
        };
        let Some(r) = raw else { return Ok(None) };
        let v: Value = serde_json::from_str(&r.body).map_err(internal)?;
        def::load_workflow(&v)
            .map(Some)
            .map_err(|d| invalid("stored workflow definition", &d))
    }

    /// Every registered workflow definition, as registered.
    pub fn workflow_defs(&self) -> Result<Vec<Value>, OpError> {
        bodies(&*self.store, WORKFLOW)
    }

    pub fn delete_workflow_def(&self, name: &str, version: i64) -> Result<(), OpError> {
        match self
            .store
            .delete_resource(WORKFLOW, &key(name, version))
            .map_err(internal)?
        {
            true => Ok(()),
            false => Err(OpError::not_found(format!(
                "No such workflow definition: {name} version: {version}"
            ))),
        }
    }

    /// `POST /api/metadata/taskdefs` (a list) and `PUT` (one): create or replace.
    pub fn register_task_defs(&self, body: &Value) -> Result<Vec<TaskDef>, OpError> {
        let defs = def::load_task_defs(body).map_err(|d| invalid("task definition", &d))?;
        for d in &defs {
            put(&*self.store, TASK, d.name.clone(), &d.raw, false)?;
        }
        Ok(defs)
    }

    pub fn task_defs(&self) -> Result<Vec<Value>, OpError> {
        bodies(&*self.store, TASK)
    }

    /// `POST /api/event` (`update` false: 409 when the name exists) and `PUT /api/event`
    /// (`update` true: 404 when it does not).
    pub fn put_event_handler(&self, body: &Value, update: bool) -> Result<EventHandler, OpError> {
        let h = def::load_event_handler(body).map_err(|d| invalid("event handler", &d))?;
        let exists = self
            .store
            .resource(HANDLER, &h.name)
            .map_err(internal)?
            .is_some();
        match (update, exists) {
            (false, true) => Err(OpError::conflict(format!(
                "EventHandler with name {} already exists!",
                h.name
            ))),
            (true, false) => Err(OpError::not_found(format!(
                "EventHandler with name {} not found!",
                h.name
            ))),
            _ => {
                put(&*self.store, HANDLER, h.name.clone(), body, false)?;
                self.handlers_changed();
                if h.active {
                    // Where a queue keeps nothing for absent listeners (NATS), listening starts
                    // now: the handler hears every message sent after it is registered.
                    if let Err(e) = self.queues.listen_to(&h.event) {
                        self.say_once(
                            &h.event,
                            &format!("conductor: listening on {}: {e}", h.event),
                        );
                    }
                }
                Ok(h)
            }
        }
    }

    /// Registers the handler, replacing one of the same name (files given at start-up).
    pub fn upsert_event_handler(&self, body: &Value) -> Result<EventHandler, OpError> {
        self.put_event_handler(body, false)
            .or_else(|_| self.put_event_handler(body, true))
    }

    pub fn event_handlers(&self) -> Result<Vec<EventHandler>, OpError> {
        let mut out = Vec::new();
        for body in bodies(&*self.store, HANDLER)? {
            if let Ok(h) = def::load_event_handler(&body) {
                out.push(h);
            }
        }
        Ok(out)
    }

    pub fn delete_event_handler(&self, name: &str) -> Result<(), OpError> {
        self.handlers_changed();
        match self
            .store
            .delete_resource(HANDLER, name)
            .map_err(internal)?
        {
            true => Ok(()),
            false => Err(OpError::not_found(format!(
                "EventHandler with name {name} not found!"
            ))),
        }
    }
}

/// A registered task definition.
pub fn task_def(store: &dyn Store, name: &str) -> Result<Option<TaskDef>, OpError> {
    let Some(r) = store.resource(TASK, name).map_err(internal)? else {
        return Ok(None);
    };
    let v: Value = serde_json::from_str(&r.body).map_err(internal)?;
    Ok(def::load_task_def(&v).ok())
}

fn bodies(store: &dyn Store, kind: &str) -> Result<Vec<Value>, OpError> {
    store
        .list_resources(kind)
        .map_err(internal)?
        .into_iter()
        .map(|r| serde_json::from_str(&r.body).map_err(internal))
        .collect()
}
