//! State machines: create, update, describe, list, delete, validate.

use super::arns::{check_name, machine_arn, name_of};
use crate::asl::Diagnostic;
use crate::serve::App;
use crate::serve::protocol::{
    ApiError, Body, Reply, epoch, max_results, page_position, page_token, too_long,
};
use crate::store::ResourceRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const KIND: &str = "stateMachine";
const MAX_DEFINITION: usize = 1_048_576;

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

/// AWS's `InvalidDefinition` message: every diagnostic with its location.
pub fn invalid_definition(diagnostics: &[Diagnostic]) -> ApiError {
    let all: Vec<String> = diagnostics
        .iter()
        .map(|d| match &d.pointer {
            Some(p) => format!(
                "{}: {} at {}",
                d.code,
                d.message,
                if p.is_empty() { "/" } else { p }
            ),
            None => format!("{}: {}", d.code, d.message),
        })
        .collect();
    ApiError::new(
        "InvalidDefinition",
        format!("Invalid State Machine Definition: '{}'", all.join(", ")),
    )
}

fn check_definition(app: &App, definition: &str) -> Result<(), ApiError> {
    if definition.chars().count() > MAX_DEFINITION {
        return Err(too_long("definition", definition, MAX_DEFINITION));
    }
    app.machine(definition)
        .map(|_| ())
        .map_err(|d| invalid_definition(&d))
}

fn check_type(kind: Option<&str>) -> Result<String, ApiError> {
    match kind.unwrap_or("STANDARD") {
        k @ ("STANDARD" | "EXPRESS") => Ok(k.to_string()),
        k => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{k}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
        ))),
    }
}

/// Creates a state machine (idempotent for the same settings), as `CreateStateMachine` and the
/// `--state-machines` directory do. Returns the stored record.
pub fn put(
    app: &App,
    name: &str,
    body: MachineBody,
    replace: bool,
) -> Result<ResourceRecord, ApiError> {
    check_name(name)?;
    check_definition(app, &body.definition)?;
    let record = ResourceRecord {
        kind: KIND.into(),
        name: name.into(),
        arn: machine_arn(app, name),
        body: serde_json::to_string(&body).map_err(ApiError::internal)?,
        created_ms: app.now(),
    };
    let stored = app.store.put_resource(&record, !replace)?;
    if !replace && stored.body != record.body {
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

pub fn create(app: &App, body: &Body) -> Reply {
    let name = body.str("name")?;
    let machine = MachineBody {
        definition: body.str("definition")?.to_string(),
        role_arn: body
            .opt_str("roleArn")?
            .map_or_else(|| crate::arn::role(&app.settings.account), str::to_string),
        kind: check_type(body.opt_str("type")?)?,
        description: None,
        revision_id: None,
        update_ms: None,
        logging_configuration: body
            .get("loggingConfiguration")
            .cloned()
            .unwrap_or_else(logging_off),
        tracing_configuration: body
            .get("tracingConfiguration")
            .cloned()
            .unwrap_or_else(tracing_off),
    };
    let stored = put(app, name, machine, false)?;
    Ok(json!({"stateMachineArn": stored.arn, "creationDate": epoch(stored.created_ms)}))
}

pub fn update(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineArn")?;
    let (record, mut machine) = load(app, arn)?;
    let definition = body.opt_str("definition")?;
    let role = body.opt_str("roleArn")?;
    let logging = body.get("loggingConfiguration");
    let tracing = body.get("tracingConfiguration");
    if definition.is_none() && role.is_none() && logging.is_none() && tracing.is_none() {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified",
        ));
    }
    if let Some(d) = definition {
        machine.definition = d.to_string();
    }
    if let Some(r) = role {
        machine.role_arn = r.to_string();
    }
    if let Some(l) = logging {
        machine.logging_configuration = l.clone();
    }
    if let Some(t) = tracing {
        machine.tracing_configuration = t.clone();
    }
    let now = app.now();
    let revision = uuid::Uuid::new_v4().to_string();
    machine.revision_id = Some(revision.clone());
    machine.update_ms = Some(now);
    check_definition(app, &machine.definition)?;
    let updated = ResourceRecord {
        body: serde_json::to_string(&machine).map_err(ApiError::internal)?,
        ..record
    };
    app.store.put_resource(&updated, false)?;
    Ok(json!({"updateDate": epoch(now), "revisionId": revision}))
}

pub fn describe(app: &App, body: &Body) -> Reply {
    let (record, machine) = load(app, body.str("stateMachineArn")?)?;
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
    });
    if let Some(r) = &machine.revision_id {
        out["revisionId"] = json!(r);
    }
    if let Some(d) = &machine.description {
        out["description"] = json!(d);
    }
    Ok(out)
}

pub fn list(app: &App, body: &Body) -> Reply {
    let max = max_results(body, 100, 1000)?;
    let after = body.opt_str("nextToken")?.map(page_position).transpose()?;
    let all = app.store.list_resources(KIND)?;
    let rest: Vec<&ResourceRecord> = all
        .iter()
        .filter(|r| after.as_ref().is_none_or(|a| r.name.as_str() > a.as_str()))
        .collect();
    let page = &rest[..rest.len().min(max)];
    let items: Vec<Value> = page
        .iter()
        .map(|r| {
            let kind = serde_json::from_str::<MachineBody>(&r.body)
                .map_or_else(|_| "STANDARD".to_string(), |b| b.kind);
            json!({"stateMachineArn": r.arn, "name": r.name, "type": kind, "creationDate": epoch(r.created_ms)})
        })
        .collect();
    let mut out = json!({"stateMachines": items});
    if rest.len() > page.len()
        && let Some(last) = page.last()
    {
        out["nextToken"] = json!(page_token(&last.name));
    }
    Ok(out)
}

/// Running executions go on with the definition they started with.
pub fn delete(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineArn")?;
    let name = name_of(arn, "stateMachine")?;
    app.store.delete_resource(KIND, name)?;
    Ok(json!({}))
}

pub fn validate(body: &Body) -> Reply {
    let definition = body.str("definition")?;
    check_type(body.opt_str("type")?)?;
    let max = max_results(body, 100, 100)?;
    let diagnostics = match crate::asl::load(definition) {
        Ok(_) => Vec::new(),
        Err(d) => d,
    };
    let shown: Vec<Value> = diagnostics
        .iter()
        .take(max)
        .map(|d| {
            let mut v = json!({"severity": "ERROR", "code": d.code, "message": d.message});
            if let Some(p) = &d.pointer {
                v["location"] = json!(p);
            }
            v
        })
        .collect();
    Ok(json!({
        "result": if diagnostics.is_empty() { "OK" } else { "FAIL" },
        "diagnostics": shown,
        "truncated": diagnostics.len() > max,
    }))
}

/// The definition an execution runs (it may differ from the state machine's current one).
pub fn for_execution(app: &App, body: &Body) -> Reply {
    let arn = body.str("executionArn")?;
    let record = super::executions::load(app, arn)?;
    let machine = app
        .store
        .resource(KIND, &record.machine_name)?
        .and_then(|r| {
            serde_json::from_str::<MachineBody>(&r.body)
                .ok()
                .map(|b| (r, b))
        });
    let (role, update_ms, logging, tracing, revision) = match &machine {
        Some((r, b)) => (
            b.role_arn.clone(),
            b.update_ms.unwrap_or(r.created_ms),
            b.logging_configuration.clone(),
            b.tracing_configuration.clone(),
            b.revision_id.clone(),
        ),
        None => (
            crate::arn::role(&app.settings.account),
            record.start_ms,
            logging_off(),
            tracing_off(),
            None,
        ),
    };
    let mut out = json!({
        "stateMachineArn": record.machine_arn,
        "name": record.machine_name,
        "definition": record.definition,
        "roleArn": role,
        "updateDate": epoch(update_ms),
        "loggingConfiguration": logging,
        "tracingConfiguration": tracing,
    });
    if let Some(r) = revision {
        out["revisionId"] = json!(r);
    }
    Ok(out)
}
