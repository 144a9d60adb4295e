//! State machines: create, update, describe, list, delete, and the definition an execution ran.

use super::aliases::Alias;
use super::arns::{check_name, machine_arn, name_of};
use super::definitions::{check_definition, check_type};
use super::versions::{self, Version};
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply, epoch, page_by_name};
use crate::store::ResourceRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const KIND: &str = "stateMachine";

/// What the registry keeps of a state machine, besides its name, ARN and creation date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineBody {
    pub definition: String,
    pub role_arn: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_ms: Option<i64>,
    #[serde(default = "logging_off")]
    pub logging_configuration: Value,
    #[serde(default = "tracing_off")]
    pub tracing_configuration: Value,
    /// The revisions updates replaced, oldest first: what older executions ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub past: Vec<Revision>,
    /// Published versions, oldest first; a deleted one's number is not used again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<Version>,
    /// The number the last version published got (0: none yet).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub last_version: u64,
    /// Aliases, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Alias>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The settings of one revision, without its definition (each execution keeps its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// `None` for the revision `CreateStateMachine` made, as on AWS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    /// When it took effect: the update, or the creation.
    pub since_ms: i64,
    pub role_arn: String,
    pub logging_configuration: Value,
    pub tracing_configuration: Value,
}

/// Past revisions kept at most; older ones are forgotten.
const MAX_PAST_REVISIONS: usize = 1000;

impl MachineBody {
    /// A new state machine's settings: logging and tracing off, no revision id yet.
    pub fn new(definition: String, role_arn: String, kind: String) -> MachineBody {
        MachineBody {
            definition,
            role_arn,
            kind,
            description: None,
            revision_id: None,
            update_ms: None,
            logging_configuration: logging_off(),
            tracing_configuration: tracing_off(),
            past: Vec::new(),
            versions: Vec::new(),
            last_version: 0,
            aliases: Vec::new(),
        }
    }

    /// The current revision's settings; `created_ms` is when the machine was created.
    fn current(&self, created_ms: i64) -> Revision {
        Revision {
            revision_id: self.revision_id.clone(),
            since_ms: self.update_ms.unwrap_or(created_ms),
            role_arn: self.role_arn.clone(),
            logging_configuration: self.logging_configuration.clone(),
            tracing_configuration: self.tracing_configuration.clone(),
        }
    }

    /// The revision in effect at `at_ms` (when an execution started), if the machine existed.
    fn revision_at(&self, created_ms: i64, at_ms: i64) -> Option<Revision> {
        let current = self.current(created_ms);
        if current.since_ms <= at_ms {
            return Some(current);
        }
        self.past
            .iter()
            .rev()
            .find(|r| r.since_ms <= at_ms)
            .cloned()
    }
}

fn logging_off() -> Value {
    json!({"level": "OFF", "includeExecutionData": false})
}

fn tracing_off() -> Value {
    json!({"enabled": false})
}

/// A stored state machine, found by ARN; `StateMachineDoesNotExist` otherwise.
pub fn load(app: &App, arn: &str) -> Result<(ResourceRecord, MachineBody), ApiError> {
    let name = name_of(arn, "stateMachine")?;
    let missing = || {
        ApiError::new(
            "StateMachineDoesNotExist",
            format!("State Machine Does Not Exist: '{arn}'"),
        )
    };
    let record = app.store.resource(KIND, name)?.ok_or_else(missing)?;
    if record.arn != arn {
        return Err(missing());
    }
    let body = serde_json::from_str(&record.body).map_err(ApiError::internal)?;
    Ok((record, body))
}

/// Edits of a machine's record (updates, versions, aliases) read, change and write it back;
/// they run one at a time in this server so that two at once do not lose one's change.
pub fn one_at_a_time(edit: impl FnOnce() -> Reply) -> Reply {
    static EDITS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = EDITS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    edit()
}

/// Stores a machine's changed settings (versions, aliases) under its record.
pub fn save(app: &App, record: &ResourceRecord, machine: &MachineBody) -> Result<(), ApiError> {
    let updated = ResourceRecord {
        body: serde_json::to_string(machine).map_err(ApiError::internal)?,
        ..record.clone()
    };
    app.store.put_resource(&updated, false)?;
    Ok(())
}

/// Creates a state machine; the same name with the same definition, role and type is the
/// machine already there, as on AWS. Returns the stored record.
fn put(app: &App, name: &str, body: MachineBody) -> Result<ResourceRecord, ApiError> {
    check_name(name)?;
    check_definition(app, &body.definition, &body.kind)?;
    let record = ResourceRecord {
        kind: KIND.into(),
        name: name.into(),
        arn: machine_arn(app, name),
        body: serde_json::to_string(&body).map_err(ApiError::internal)?,
        created_ms: app.now(),
    };
    let stored = app.store.put_resource(&record, true)?;
    if stored.body != record.body {
        let existing: MachineBody =
            serde_json::from_str(&stored.body).map_err(ApiError::internal)?;
        let same = existing.definition == body.definition
            && existing.role_arn == body.role_arn
            && existing.kind == body.kind;
        if !same {
            return Err(ApiError::new(
                "StateMachineAlreadyExists",
                format!("State Machine Already Exists: '{}'", stored.arn),
            ));
        }
    }
    Ok(stored)
}

/// `--state-machines DIR`: creates the machine from a file, or makes the file's definition a
/// new revision when it changed since the last start.
pub fn install(app: &App, name: &str, definition: String) -> Result<ResourceRecord, ApiError> {
    match load(app, &machine_arn(app, name)) {
        Ok((record, machine)) if machine.definition == definition => Ok(record),
        Ok((record, machine)) => {
            let changes = Changes {
                definition: Some(&definition),
                ..Changes::default()
            };
            revise(app, &record, machine, &changes)?;
            Ok(record)
        }
        Err(e) if e.code == "StateMachineDoesNotExist" => {
            let role = crate::arn::role(&app.settings.account);
            put(
                app,
                name,
                MachineBody::new(definition, role, "STANDARD".into()),
            )
        }
        Err(e) => Err(e),
    }
}

pub fn create(app: &App, body: &Body) -> Reply {
    let name = body.str("name")?;
    let mut machine = MachineBody::new(
        body.str("definition")?.to_string(),
        body.opt_str("roleArn")?
            .map_or_else(|| crate::arn::role(&app.settings.account), str::to_string),
        check_type(body.opt_str("type")?)?,
    );
    if let Some(l) = body.get("loggingConfiguration") {
        machine.logging_configuration = l.clone();
    }
    if let Some(t) = body.get("tracingConfiguration") {
        machine.tracing_configuration = t.clone();
    }
    let publish = body.opt_bool("publish")?.unwrap_or(false);
    let version_description = body.bounded("versionDescription", 256)?;
    if version_description.is_some() && !publish {
        return Err(no_publish());
    }
    let stored = put(app, name, machine)?;
    super::tags::add(app, &stored.arn, body.get("tags"))?;
    let mut out = json!({"stateMachineArn": stored.arn, "creationDate": epoch(stored.created_ms)});
    if publish {
        let (_, current) = load(app, &stored.arn)?;
        let (version, _) = versions::publish(app, &stored, current, None, version_description)?;
        out["stateMachineVersionArn"] = json!(version);
    }
    Ok(out)
}

/// `versionDescription` without `publish: true`.
fn no_publish() -> ApiError {
    ApiError::validation("Version description can only be set when publish is true")
}

/// What an update changes; `None` keeps the current setting.
#[derive(Default)]
struct Changes<'a> {
    definition: Option<&'a str>,
    role_arn: Option<&'a str>,
    logging: Option<&'a Value>,
    tracing: Option<&'a Value>,
}

/// Stores a new revision of a machine; its update date (epoch ms) and revision id.
fn revise(
    app: &App,
    record: &ResourceRecord,
    mut machine: MachineBody,
    changes: &Changes,
) -> Result<(i64, String), ApiError> {
    machine.past.push(machine.current(record.created_ms));
    if machine.past.len() > MAX_PAST_REVISIONS {
        machine.past.remove(0);
    }
    if let Some(d) = changes.definition {
        machine.definition = d.to_string();
    }
    if let Some(r) = changes.role_arn {
        machine.role_arn = r.to_string();
    }
    if let Some(l) = changes.logging {
        machine.logging_configuration = l.clone();
    }
    if let Some(t) = changes.tracing {
        machine.tracing_configuration = t.clone();
    }
    check_definition(app, &machine.definition, &machine.kind)?;
    let now = app.now();
    let revision = uuid::Uuid::new_v4().to_string();
    machine.revision_id = Some(revision.clone());
    machine.update_ms = Some(now);
    let updated = ResourceRecord {
        body: serde_json::to_string(&machine).map_err(ApiError::internal)?,
        ..record.clone()
    };
    app.store.put_resource(&updated, false)?;
    Ok((now, revision))
}

pub fn update(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineArn")?;
    let changes = Changes {
        definition: body.opt_str("definition")?,
        role_arn: body.opt_str("roleArn")?,
        logging: body.get("loggingConfiguration"),
        tracing: body.get("tracingConfiguration"),
    };
    let (record, machine) = load(app, arn)?;
    if changes.definition.is_none()
        && changes.role_arn.is_none()
        && changes.logging.is_none()
        && changes.tracing.is_none()
    {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified",
        ));
    }
    let publish = body.opt_bool("publish")?.unwrap_or(false);
    let version_description = body.bounded("versionDescription", 256)?;
    if version_description.is_some() && !publish {
        return Err(no_publish());
    }
    let (now, revision) = revise(app, &record, machine, &changes)?;
    let mut out = json!({"updateDate": epoch(now), "revisionId": revision});
    if publish {
        let (record, current) = load(app, arn)?;
        let (version, _) = versions::publish(app, &record, current, None, version_description)?;
        out["stateMachineVersionArn"] = json!(version);
    }
    Ok(out)
}

pub fn describe(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineArn")?;
    if versions::number_of(arn).is_some() {
        let mut out = versions::describe(app, arn)?;
        if let Some(d) = out["definition"].as_str().map(str::to_string) {
            add_variable_references(&mut out, &d);
        }
        return Ok(out);
    }
    let (record, machine) = load(app, arn)?;
    let mut out = json!({
        "stateMachineArn": record.arn,
        "name": record.name,
        "status": "ACTIVE",
        "definition": machine.definition,
        "roleArn": machine.role_arn,
        "type": machine.kind,
        "creationDate": epoch(record.created_ms),
        "loggingConfiguration": machine.logging_configuration,
        "tracingConfiguration": machine.tracing_configuration,
        "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
    });
    if let Some(r) = &machine.revision_id {
        out["revisionId"] = json!(r);
    }
    if let Some(d) = &machine.description {
        out["description"] = json!(d);
    }
    add_variable_references(&mut out, &machine.definition);
    Ok(out)
}

/// `variableReferences`, when some state reads a variable (AWS leaves it out otherwise).
fn add_variable_references(out: &mut Value, definition: &str) {
    let Ok(parsed) = serde_json::from_str::<Value>(definition) else {
        return;
    };
    let references = super::references::variable_references(&parsed);
    if references.as_object().is_some_and(|m| !m.is_empty()) {
        out["variableReferences"] = references;
    }
}

pub fn list(app: &App, body: &Body) -> Reply {
    let all = app.store.list_resources(KIND)?;
    page_by_name(
        body,
        "stateMachines",
        &all,
        |r| &r.name,
        |r| {
            let kind = serde_json::from_str::<MachineBody>(&r.body)
                .map_or_else(|_| "STANDARD".to_string(), |b| b.kind);
            json!({"stateMachineArn": r.arn, "name": r.name, "type": kind, "creationDate": epoch(r.created_ms)})
        },
    )
}

/// Running executions go on with the definition they started with.
pub fn delete(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineArn")?;
    let name = name_of(arn, "stateMachine")?;
    app.store.delete_resource(KIND, name)?;
    super::tags::forget(app, arn);
    Ok(json!({}))
}

/// The definition an execution runs (it may differ from the state machine's current one), with
/// the settings of the revision in effect when it started.
pub fn for_execution(app: &App, body: &Body) -> Reply {
    let arn = body.str("executionArn")?;
    let record = super::executions::load(app, arn)?;
    let revision = app
        .store
        .resource(KIND, &record.machine_name)?
        .filter(|r| r.arn == record.machine_arn)
        .and_then(|r| {
            let b = serde_json::from_str::<MachineBody>(&r.body).ok()?;
            b.revision_at(r.created_ms, record.start_ms)
        })
        // Deleted (or deleted and created again since): what the execution itself knows.
        .unwrap_or_else(|| Revision {
            revision_id: None,
            since_ms: record.start_ms,
            role_arn: crate::arn::role(&app.settings.account),
            logging_configuration: logging_off(),
            tracing_configuration: tracing_off(),
        });
    let mut out = json!({
        "stateMachineArn": record.machine_arn,
        "name": record.machine_name,
        "definition": record.definition,
        "roleArn": revision.role_arn,
        "updateDate": epoch(revision.since_ms),
        "loggingConfiguration": revision.logging_configuration,
        "tracingConfiguration": revision.tracing_configuration,
        "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
    });
    if let Some(r) = revision.revision_id {
        out["revisionId"] = json!(r);
    }
    add_variable_references(&mut out, &record.definition);
    Ok(out)
}
