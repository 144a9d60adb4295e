//! State machine versions: the current revision published as a numbered, immutable version
//! (`…:stateMachine:NAME:1`, `:2`, …), listed newest first, described, and deleted. Versions
//! live in their machine's `MachineBody`, so deleting the machine deletes them, as on AWS.

use super::machines::{self, MachineBody};
use crate::serve::App;
use crate::serve::protocol::{
    ApiError, Body, Reply, epoch, max_results, page_position, page_token,
};
use crate::store::ResourceRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Versions a machine may have at once (AWS's quota).
const MAX_VERSIONS: usize = 1000;

/// One published version: a copy of the revision it was published from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub number: u64,
    pub definition: String,
    pub role_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_ms: i64,
    pub logging_configuration: Value,
    pub tracing_configuration: Value,
}

/// `arn:…:stateMachine:NAME` and a qualifier (`1`, `PROD`), or `None` for an unqualified ARN.
pub fn split_qualified(arn: &str) -> Option<(String, &str)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "states", _, _, "stateMachine", name, qualifier]
            if !name.is_empty() && !qualifier.is_empty() =>
        {
            Some((parts[..7].join(":"), qualifier))
        }
        _ => None,
    }
}

/// The version number in a version ARN; `None` for an alias or unqualified ARN.
pub fn number_of(arn: &str) -> Option<(String, u64)> {
    let (machine, qualifier) = split_qualified(arn)?;
    let n = qualifier.parse().ok()?;
    Some((machine, n))
}

pub fn version_arn(machine_arn: &str, number: u64) -> String {
    format!("{machine_arn}:{number}")
}

fn missing(arn: &str) -> ApiError {
    ApiError::new(
        "StateMachineDoesNotExist",
        format!("State Machine Does Not Exist: '{arn}'"),
    )
}

/// A version by its ARN, with its machine; `StateMachineDoesNotExist` when either is gone.
pub fn load(app: &App, arn: &str) -> Result<(ResourceRecord, MachineBody, Version), ApiError> {
    let (machine_arn, number) = number_of(arn).ok_or_else(|| missing(arn))?;
    let (record, machine) = machines::load(app, &machine_arn).map_err(|e| {
        if e.code == "StateMachineDoesNotExist" {
            missing(arn)
        } else {
            e
        }
    })?;
    let version = machine
        .versions
        .iter()
        .find(|v| v.number == number)
        .cloned()
        .ok_or_else(|| missing(arn))?;
    Ok((record, machine, version))
}

/// Publishes the machine's current revision; a revision published before is its version
/// already. `expected` is the `revisionId` the caller saw (`INITIAL` for a machine never
/// updated). Returns the version's ARN and creation date (epoch ms).
pub fn publish(
    app: &App,
    record: &ResourceRecord,
    mut machine: MachineBody,
    expected: Option<&str>,
    description: Option<&str>,
) -> Result<(String, i64), ApiError> {
    let current = machine.revision_id.as_deref().unwrap_or("INITIAL");
    if let Some(expected) = expected
        && expected != current
    {
        return Err(ApiError::new(
            "ConflictException",
            format!(
                "Failed to publish the State Machine version for revision {expected}. The current State Machine revision is {current}."
            ),
        ));
    }
    if let Some(v) = machine
        .versions
        .iter()
        .find(|v| v.revision_id == machine.revision_id)
    {
        return Ok((version_arn(&record.arn, v.number), v.created_ms));
    }
    if machine.versions.len() >= MAX_VERSIONS {
        return Err(ApiError::new(
            "ServiceQuotaExceededException",
            format!(
                "The state machine '{}' has {MAX_VERSIONS} versions, the most it may have; delete versions no alias routes to (DeleteStateMachineVersion) and publish again.",
                record.arn
            ),
        ));
    }
    machine.last_version += 1;
    let now = app.now();
    let version = Version {
        number: machine.last_version,
        definition: machine.definition.clone(),
        role_arn: machine.role_arn.clone(),
        revision_id: machine.revision_id.clone(),
        description: description.map(str::to_string),
        created_ms: now,
        logging_configuration: machine.logging_configuration.clone(),
        tracing_configuration: machine.tracing_configuration.clone(),
    };
    let arn = version_arn(&record.arn, version.number);
    machine.versions.push(version);
    machines::save(app, record, &machine)?;
    Ok((arn, now))
}

pub fn publish_api(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineArn")?;
    let description = body.bounded("description", 256)?;
    let expected = body.opt_str("revisionId")?;
    let (record, machine) = machines::load(app, arn)?;
    let (version, created) = publish(app, &record, machine, expected, description)?;
    Ok(json!({"stateMachineVersionArn": version, "creationDate": epoch(created)}))
}

/// Newest first, as AWS lists them.
pub fn list_api(app: &App, body: &Body) -> Reply {
    let (record, machine) = machines::load(app, body.str("stateMachineArn")?)?;
    let max = max_results(body, 100, 1000)?;
    let before: Option<u64> = match body.opt_str("nextToken")? {
        Some(t) => Some(
            page_position(t)?
                .parse()
                .map_err(|_| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?,
        ),
        None => None,
    };
    let rest: Vec<&Version> = machine
        .versions
        .iter()
        .rev()
        .filter(|v| before.is_none_or(|b| v.number < b))
        .collect();
    let page = &rest[..rest.len().min(max)];
    let items: Vec<Value> = page
        .iter()
        .map(|v| {
            json!({
                "stateMachineVersionArn": version_arn(&record.arn, v.number),
                "creationDate": epoch(v.created_ms),
            })
        })
        .collect();
    let mut out = json!({"stateMachineVersions": items});
    if rest.len() > page.len()
        && let Some(last) = page.last()
    {
        out["nextToken"] = json!(page_token(&last.number.to_string()));
    }
    Ok(out)
}

/// Deleting a version that does not exist succeeds; one an alias routes to may not go.
pub fn delete_api(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineVersionArn")?;
    let (machine_arn, number) = number_of(arn).ok_or_else(|| {
        ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Not a state machine version ARN: {arn}'"),
        )
    })?;
    let (record, mut machine) = match machines::load(app, &machine_arn) {
        Ok(found) => found,
        Err(e) if e.code == "StateMachineDoesNotExist" => return Ok(json!({})),
        Err(e) => return Err(e),
    };
    let routing: Vec<String> = machine
        .aliases
        .iter()
        .filter(|a| a.routes_to(arn))
        .map(|a| format!("{machine_arn}:{}", a.name))
        .collect();
    if !routing.is_empty() {
        return Err(ApiError::new(
            "ConflictException",
            format!(
                "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]; route them to another version (UpdateStateMachineAlias) or delete them first.",
                routing.join(", ")
            ),
        ));
    }
    let before = machine.versions.len();
    machine.versions.retain(|v| v.number != number);
    if machine.versions.len() != before {
        machines::save(app, &record, &machine)?;
    }
    Ok(json!({}))
}

/// `DescribeStateMachine` on a version ARN: the version's definition and settings.
pub fn describe(app: &App, arn: &str) -> Reply {
    let (record, machine, v) = load(app, arn)?;
    let mut out = json!({
        "stateMachineArn": arn,
        "name": record.name,
        "status": "ACTIVE",
        "definition": v.definition,
        "roleArn": v.role_arn,
        "type": machine.kind,
        "creationDate": epoch(v.created_ms),
        "loggingConfiguration": v.logging_configuration,
        "tracingConfiguration": v.tracing_configuration,
        "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
    });
    if let Some(r) = &v.revision_id {
        out["revisionId"] = json!(r);
    }
    if let Some(d) = &v.description {
        out["description"] = json!(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_arns_split_into_machine_and_qualifier() {
        let m = "arn:aws:states:us-east-1:123456789012:stateMachine:M";
        assert_eq!(
            split_qualified(&format!("{m}:7")),
            Some((m.to_string(), "7"))
        );
        assert_eq!(number_of(&format!("{m}:7")), Some((m.to_string(), 7)));
        assert_eq!(number_of(&format!("{m}:PROD")), None);
        assert_eq!(split_qualified(m), None);
        assert_eq!(
            split_qualified("arn:aws:states:us-east-1:123456789012:execution:M:x"),
            None
        );
    }
}
