//! What an ARN given to `StartExecution` runs: the machine's current revision, one of its
//! versions, or the version its alias picks by weight; and, kept beside the execution in the
//! registry, which version and alias it ran, for `DescribeExecution`.

use super::machines::{self, MachineBody};
use super::{aliases, versions};
use crate::serve::App;
use crate::serve::protocol::ApiError;
use crate::store::ResourceRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Registry kind of the version/alias record kept per execution started through one.
const KIND: &str = "executionVersion";

/// A machine as an execution runs it.
pub struct Target {
    pub record: ResourceRecord,
    /// The settings it runs with: a version's definition and role in place of the current.
    pub body: MachineBody,
    pub source: Source,
}

/// Which version (and alias) an execution started through.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_machine_version_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_machine_alias_arn: Option<String>,
}

/// The machine, version or alias `arn` names; `StateMachineDoesNotExist` when it is gone.
pub fn resolve(app: &App, arn: &str) -> Result<Target, ApiError> {
    let Some((_, qualifier)) = versions::split_qualified(arn) else {
        let (record, body) = machines::load(app, arn)?;
        return Ok(Target {
            record,
            body,
            source: Source::default(),
        });
    };
    let missing = || {
        ApiError::new(
            "StateMachineDoesNotExist",
            format!("State Machine Does Not Exist: '{arn}'"),
        )
    };
    let (version_arn, alias_arn) = if qualifier.parse::<u64>().is_ok() {
        (arn.to_string(), None)
    } else {
        let (_, _, alias) = aliases::load(app, arn).map_err(|e| {
            if e.code == "ResourceNotFound" {
                missing()
            } else {
                e
            }
        })?;
        let picked = alias.pick(aliases::roll()).ok_or_else(missing)?;
        (picked.to_string(), Some(arn.to_string()))
    };
    let (record, mut body, version) = versions::load(app, &version_arn)?;
    body.definition = version.definition;
    body.role_arn = version.role_arn;
    Ok(Target {
        record,
        body,
        source: Source {
            state_machine_version_arn: Some(version_arn),
            state_machine_alias_arn: alias_arn,
        },
    })
}

/// Keeps which version and alias an execution ran (nothing for an unqualified start).
pub fn remember(app: &App, execution_arn: &str, source: &Source) -> Result<(), ApiError> {
    if source.state_machine_version_arn.is_none() {
        return Ok(());
    }
    let record = ResourceRecord {
        kind: KIND.into(),
        name: execution_arn.into(),
        arn: execution_arn.into(),
        body: serde_json::to_string(source).map_err(ApiError::internal)?,
        created_ms: app.now(),
    };
    app.store.put_resource(&record, true)?;
    Ok(())
}

/// Whether an execution started through `qualified`, a version or an alias ARN.
pub fn started_through(app: &App, execution_arn: &str, qualified: &str) -> Result<bool, ApiError> {
    let Some(record) = app.store.resource(KIND, execution_arn)? else {
        return Ok(false);
    };
    let source: Source = serde_json::from_str(&record.body).map_err(ApiError::internal)?;
    Ok(source.state_machine_alias_arn.as_deref() == Some(qualified)
        || (source.state_machine_alias_arn.is_none()
            && source.state_machine_version_arn.as_deref() == Some(qualified)))
}

/// `DescribeExecution`'s `stateMachineVersionArn` and `stateMachineAliasArn`, where there are.
pub fn describe_into(
    app: &App,
    execution_arn: &str,
    out: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let Some(record) = app.store.resource(KIND, execution_arn)? else {
        return Ok(());
    };
    let source: Source = serde_json::from_str(&record.body).map_err(ApiError::internal)?;
    if let Some(v) = source.state_machine_version_arn {
        out.insert("stateMachineVersionArn".into(), json!(v));
    }
    if let Some(a) = source.state_machine_alias_arn {
        out.insert("stateMachineAliasArn".into(), json!(a));
    }
    Ok(())
}
