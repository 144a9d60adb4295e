//! State machine aliases (`…:stateMachine:NAME:ALIAS`): a name routing executions to one
//! version, or splitting them between two by weight. Aliases live in their machine's
//! `MachineBody`, so deleting the machine deletes them, as on AWS.

use super::machines::{self, MachineBody};
use super::versions::{self, split_qualified};
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply, epoch, page_by_name};
use crate::store::ResourceRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Aliases a machine may have (AWS's quota).
const MAX_ALIASES: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub routing: Vec<Route>,
    pub created_ms: i64,
    pub update_ms: i64,
}

/// One entry of `routingConfiguration`, in AWS's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    pub state_machine_version_arn: String,
    pub weight: u64,
}

impl Alias {
    pub fn routes_to(&self, version_arn: &str) -> bool {
        self.routing
            .iter()
            .any(|r| r.state_machine_version_arn == version_arn)
    }

    /// The version an execution runs: by weight, with `roll` in 0..100.
    pub fn pick(&self, roll: u64) -> Option<&str> {
        let mut below = 0;
        for r in &self.routing {
            below += r.weight;
            if roll < below {
                return Some(&r.state_machine_version_arn);
            }
        }
        self.routing
            .iter()
            .rev()
            .find(|r| r.weight > 0)
            .map(|r| r.state_machine_version_arn.as_str())
    }
}

/// A number in 0..100 for `Alias::pick`.
pub fn roll() -> u64 {
    (uuid::Uuid::new_v4().as_u128() % 100) as u64
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::validation(message)
}

/// `routingConfiguration` as AWS checks it: one or two distinct versions of one machine,
/// weights 0–100 summing to 100. Returns the machine's ARN with the routes.
fn parse_routing(value: Option<&Value>) -> Result<(String, Vec<Route>), ApiError> {
    let items = value
        .ok_or_else(|| ApiError::missing("routingConfiguration"))?
        .as_array()
        .ok_or_else(|| {
            ApiError::new(
                "SerializationException",
                "'routingConfiguration' must be a list",
            )
        })?;
    if items.is_empty() || items.len() > 2 {
        return Err(invalid(format!(
            "1 validation error detected: Value at 'routingConfiguration' failed to satisfy constraint: Member must have length between 1 and 2 (it has {})",
            items.len()
        )));
    }
    let routes: Vec<Route> = items
        .iter()
        .map(|i| serde_json::from_value(i.clone()))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            ApiError::new(
                "SerializationException",
                format!(
                    "Each routingConfiguration entry needs 'stateMachineVersionArn' (a string) and 'weight' (0 to 100): {e}"
                ),
            )
        })?;
    let mut machine: Option<String> = None;
    for r in &routes {
        if r.weight > 100 {
            return Err(invalid(format!(
                "1 validation error detected: Value '{}' at 'routingConfiguration.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100",
                r.weight
            )));
        }
        let (m, _) = versions::number_of(&r.state_machine_version_arn).ok_or_else(|| {
            ApiError::new(
                "InvalidArn",
                format!(
                    "Invalid Arn: 'Not a state machine version ARN: {}'",
                    r.state_machine_version_arn
                ),
            )
        })?;
        match &machine {
            Some(first) if *first != m => {
                return Err(invalid(
                    "Routing configuration must contain versions of the same state machine.",
                ));
            }
            _ => machine = Some(m),
        }
    }
    if routes.len() == 2
        && routes[0].state_machine_version_arn == routes[1].state_machine_version_arn
    {
        return Err(invalid(
            "Routing configuration must contain distinct state machine version ARNs.",
        ));
    }
    if routes.iter().map(|r| r.weight).sum::<u64>() != 100 {
        return Err(invalid(
            "Sum of routing configuration weights must be equal to 100.",
        ));
    }
    let machine = machine.ok_or_else(|| ApiError::missing("routingConfiguration"))?;
    Ok((machine, routes))
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

/// The machine the routes point into, each version checked; `ResourceNotFound` otherwise.
fn machine_of(
    app: &App,
    machine_arn: &str,
    routes: &[Route],
) -> Result<(ResourceRecord, MachineBody), ApiError> {
    let first = routes
        .first()
        .map_or(machine_arn, |r| r.state_machine_version_arn.as_str());
    let (record, machine) = machines::load(app, machine_arn).map_err(|e| {
        if e.code == "StateMachineDoesNotExist" {
            not_found(first)
        } else {
            e
        }
    })?;
    for r in routes {
        if versions::load(app, &r.state_machine_version_arn).is_err() {
            return Err(not_found(&r.state_machine_version_arn));
        }
    }
    Ok((record, machine))
}

/// AWS's `CharacterRestrictedName`: letters, digits, `_-.`, not only digits, 1–80 long.
fn check_alias_name(name: &str) -> Result<(), ApiError> {
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    let not_a_number = name.chars().any(|c| !c.is_ascii_digit());
    if name.is_empty() || name.chars().count() > 80 || !allowed || !not_a_number {
        return Err(ApiError::new(
            "InvalidName",
            format!(
                "Invalid Name: '{name}' (an alias name has 1 to 80 letters, digits, '_', '-' or '.', and not only digits)"
            ),
        ));
    }
    Ok(())
}

pub fn create(app: &App, body: &Body) -> Reply {
    let name = body.str("name")?;
    let description = body.bounded("description", 256)?.map(str::to_string);
    check_alias_name(name)?;
    let (machine_arn, routing) = parse_routing(body.get("routingConfiguration"))?;
    let (record, mut machine) = machine_of(app, &machine_arn, &routing)?;
    let arn = format!("{}:{name}", record.arn);
    if let Some(existing) = machine.aliases.iter().find(|a| a.name == name) {
        if existing.routing == routing && existing.description == description {
            return Ok(
                json!({"stateMachineAliasArn": arn, "creationDate": epoch(existing.created_ms)}),
            );
        }
        return Err(ApiError::new(
            "ConflictException",
            format!(
                "Failed to create alias because an alias with the same name and a different routing configuration already exists: '{arn}'"
            ),
        ));
    }
    if machine.aliases.len() >= MAX_ALIASES {
        return Err(ApiError::new(
            "ServiceQuotaExceededException",
            format!(
                "The state machine '{}' has {MAX_ALIASES} aliases, the most it may have; delete one (DeleteStateMachineAlias) first.",
                record.arn
            ),
        ));
    }
    let now = app.now();
    machine.aliases.push(Alias {
        name: name.to_string(),
        description,
        routing,
        created_ms: now,
        update_ms: now,
    });
    machine.aliases.sort_by(|a, b| a.name.cmp(&b.name));
    machines::save(app, &record, &machine)?;
    Ok(json!({"stateMachineAliasArn": arn, "creationDate": epoch(now)}))
}

/// An alias ARN's machine and alias name; a version or unqualified ARN is `InvalidArn`.
fn split_alias(arn: &str) -> Result<(String, &str), ApiError> {
    match split_qualified(arn) {
        Some((machine, name)) if versions::number_of(arn).is_none() => Ok((machine, name)),
        _ => Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Not a state machine alias ARN: {arn}'"),
        )),
    }
}

/// An alias by ARN with its machine; `ResourceNotFound` when either is gone.
pub fn load(app: &App, arn: &str) -> Result<(ResourceRecord, MachineBody, Alias), ApiError> {
    let (machine_arn, name) = split_alias(arn)?;
    let (record, machine) = machines::load(app, &machine_arn).map_err(|e| {
        if e.code == "StateMachineDoesNotExist" {
            not_found(arn)
        } else {
            e
        }
    })?;
    let alias = machine
        .aliases
        .iter()
        .find(|a| a.name == name)
        .cloned()
        .ok_or_else(|| not_found(arn))?;
    Ok((record, machine, alias))
}

pub fn describe(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineAliasArn")?;
    let (_, _, alias) = load(app, arn)?;
    let mut out = json!({
        "stateMachineAliasArn": arn,
        "name": alias.name,
        "routingConfiguration": alias.routing,
        "creationDate": epoch(alias.created_ms),
        "updateDate": epoch(alias.update_ms),
    });
    if let Some(d) = &alias.description {
        out["description"] = json!(d);
    }
    Ok(out)
}

pub fn update(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineAliasArn")?;
    let description = body.bounded("description", 256)?;
    let routing = body.get("routingConfiguration");
    if description.is_none() && routing.is_none() {
        return Err(invalid(
            "Either the description or the routingConfiguration must be specified",
        ));
    }
    let (record, mut machine, _) = load(app, arn)?;
    let routing = match routing {
        Some(r) => {
            let (machine_arn, routes) = parse_routing(Some(r))?;
            if machine_arn != record.arn {
                return Err(invalid(
                    "Routing configuration must contain versions of the alias's state machine.",
                ));
            }
            machine_of(app, &machine_arn, &routes)?;
            Some(routes)
        }
        None => None,
    };
    let (_, name) = split_alias(arn)?;
    let now = app.now();
    let alias = machine
        .aliases
        .iter_mut()
        .find(|a| a.name == name)
        .ok_or_else(|| not_found(arn))?;
    if let Some(d) = description {
        alias.description = Some(d.to_string());
    }
    if let Some(r) = routing {
        alias.routing = r;
    }
    alias.update_ms = now;
    machines::save(app, &record, &machine)?;
    Ok(json!({"updateDate": epoch(now)}))
}

pub fn list(app: &App, body: &Body) -> Reply {
    let (record, machine) = machines::load(app, body.str("stateMachineArn")?)?;
    page_by_name(
        body,
        "stateMachineAliases",
        &machine.aliases,
        |a| &a.name,
        |a| {
            json!({
                "stateMachineAliasArn": format!("{}:{}", record.arn, a.name),
                "creationDate": epoch(a.created_ms),
            })
        },
    )
}

/// Deleting an alias that does not exist succeeds, as deleting a version does.
pub fn delete(app: &App, body: &Body) -> Reply {
    let arn = body.str("stateMachineAliasArn")?;
    let (machine_arn, name) = split_alias(arn)?;
    let (record, mut machine) = match machines::load(app, &machine_arn) {
        Ok(found) => found,
        Err(e) if e.code == "StateMachineDoesNotExist" => return Ok(json!({})),
        Err(e) => return Err(e),
    };
    let before = machine.aliases.len();
    machine.aliases.retain(|a| a.name != name);
    if machine.aliases.len() != before {
        machines::save(app, &record, &machine)?;
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(weights: &[(&str, u64)]) -> Alias {
        Alias {
            name: "PROD".into(),
            description: None,
            routing: weights
                .iter()
                .map(|(v, w)| Route {
                    state_machine_version_arn: v.to_string(),
                    weight: *w,
                })
                .collect(),
            created_ms: 0,
            update_ms: 0,
        }
    }

    #[test]
    fn an_alias_picks_versions_by_weight() {
        let a = alias(&[("v1", 30), ("v2", 70)]);
        assert_eq!(a.pick(0), Some("v1"));
        assert_eq!(a.pick(29), Some("v1"));
        assert_eq!(a.pick(30), Some("v2"));
        assert_eq!(a.pick(99), Some("v2"));
        let only_second = alias(&[("v1", 0), ("v2", 100)]);
        assert_eq!(only_second.pick(0), Some("v2"));
    }

    #[test]
    fn routing_is_checked_as_aws_does() {
        let m = "arn:aws:states:us-east-1:123456789012:stateMachine:M";
        let ok = json!([{"stateMachineVersionArn": format!("{m}:1"), "weight": 100}]);
        assert_eq!(
            parse_routing(Some(&ok)).map(|(m, r)| (m, r.len())),
            Ok((m.to_string(), 1))
        );
        let sum = json!([
            {"stateMachineVersionArn": format!("{m}:1"), "weight": 50},
            {"stateMachineVersionArn": format!("{m}:2"), "weight": 40}
        ]);
        assert_eq!(
            parse_routing(Some(&sum)).map(|_| ()).unwrap_err().code,
            "ValidationException"
        );
        let same = json!([
            {"stateMachineVersionArn": format!("{m}:1"), "weight": 50},
            {"stateMachineVersionArn": format!("{m}:1"), "weight": 50}
        ]);
        assert_eq!(
            parse_routing(Some(&same)).map(|_| ()).unwrap_err().code,
            "ValidationException"
        );
        let three = json!([
            {"stateMachineVersionArn": format!("{m}:1"), "weight": 50},
            {"stateMachineVersionArn": format!("{m}:2"), "weight": 25},
            {"stateMachineVersionArn": format!("{m}:3"), "weight": 25}
        ]);
        assert_eq!(
            parse_routing(Some(&three)).map(|_| ()).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            parse_routing(Some(&json!([{"stateMachineVersionArn": m, "weight": 100}])))
                .map(|_| ())
                .unwrap_err()
                .code,
            "InvalidArn"
        );
    }

    #[test]
    fn alias_names_follow_aws_pattern() {
        assert!(check_alias_name("PROD").is_ok());
        assert!(check_alias_name("v1.2-beta_x").is_ok());
        assert!(check_alias_name("123").is_err());
        assert!(check_alias_name("a:b").is_err());
        assert!(check_alias_name("").is_err());
    }
}
