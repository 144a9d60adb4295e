//! The tested state as a machine the engine runs: the state (found by `stateName` in a whole
//! machine, or given alone) renamed `StateName` as AWS names it, each state it may go to
//! stood in for by a `Succeed` (so the run stops there and tells which), Retry left out (one
//! attempt; `RETRIABLE` is decided from the error), and a mocked Parallel or Map made a Task
//! with the same input/output fields, whose result is the mock's.

use super::request::{Refusal, Request};
use serde_json::{Map, Value, json};

/// The name the tested state runs under (AWS's `$states.context.State.Name`).
pub const STATE: &str = "StateName";

/// The resource a mocked Parallel or Map calls instead of running its branches or items.
pub const MOCK_RESOURCE: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:stepwise-test-state-mock";

pub struct Wrapped {
    /// The machine to run.
    pub machine: Value,
    /// The state as the request gave it (with its inherited `QueryLanguage`).
    pub state: Value,
    /// `Type` of the state as given.
    pub kind: String,
    pub jsonata: bool,
}

/// Builds the machine, or refuses the request as AWS does.
pub fn wrap(req: &Request) -> Result<Wrapped, Refusal> {
    let definition: Value = serde_json::from_str(&req.definition).map_err(|e| Refusal {
        code: "InvalidDefinition",
        message: format!("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {e}'"),
    })?;
    let Value::Object(def) = &definition else {
        return Err(invalid(
            "the definition must be a JSON object: one state, or a state machine",
        ));
    };
    let top_jsonata = def.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
    let mut state = if def.contains_key("States") {
        let name = req.state_name.as_deref().ok_or_else(|| {
            Refusal::validation(
                "The definition is a state machine: give 'stateName', the state to test",
            )
        })?;
        find(&definition, name).cloned().ok_or_else(|| {
            Refusal::validation(format!(
                "State '{name}' is not in the state machine definition"
            ))
        })?
    } else {
        definition.clone()
    };
    let Value::Object(s) = &mut state else {
        return Err(invalid("the state must be a JSON object"));
    };
    if top_jsonata && !s.contains_key("QueryLanguage") {
        s.insert("QueryLanguage".into(), json!("JSONata"));
    }
    let jsonata = s.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
    let kind = s
        .get("Type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the state has no 'Type'"))?
        .to_string();
    let state = Value::Object(s.clone());
    let mut run = s.clone();
    run.remove("Retry");
    match (kind.as_str(), &req.mock) {
        ("Parallel" | "Map", Some(_)) => run = as_mocked_task(&run, &kind),
        ("Parallel" | "Map", None) => {
            return Err(Refusal::validation(format!(
                "A {kind} state can be tested only with a mock of its result ('mock')"
            )));
        }
        ("Task", _) => {}
        (_, Some(_)) => {
            return Err(Refusal::validation(format!(
                "A mock applies to Task, Parallel and Map states, not to a {kind} state"
            )));
        }
        _ => {}
    }
    let mut states = Map::new();
    for target in targets(&run) {
        if target != STATE {
            states.insert(target, json!({"Type": "Succeed"}));
        }
    }
    states.insert(STATE.into(), Value::Object(run));
    let mut machine = json!({"StartAt": STATE, "States": states});
    if jsonata {
        machine["QueryLanguage"] = json!("JSONata");
    }
    Ok(Wrapped {
        machine,
        state,
        kind,
        jsonata,
    })
}

fn invalid(what: &str) -> Refusal {
    Refusal {
        code: "InvalidDefinition",
        message: format!("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {what}'"),
    }
}

/// The state called `name` anywhere in the machine (branches and item processors included).
fn find<'a>(block: &'a Value, name: &str) -> Option<&'a Value> {
    let states = block.get("States")?.as_object()?;
    if let Some(s) = states.get(name) {
        return Some(s);
    }
    states.values().find_map(|s| {
        let branches = s.get("Branches").and_then(Value::as_array);
        branches
            .into_iter()
            .flatten()
            .chain(s.get("ItemProcessor"))
            .chain(s.get("Iterator"))
            .find_map(|b| find(b, name))
    })
}

/// The states `state` may go to: `Next`, each Choice rule's and `Default`, each Catcher's.
pub fn targets(state: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |v: Option<&Value>| {
        if let Some(t) = v.and_then(Value::as_str)
            && !out.iter().any(|o| o == t)
        {
            out.push(t.to_string());
        }
    };
    add(state.get("Next"));
    add(state.get("Default"));
    for list in ["Choices", "Catch"] {
        for rule in state
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(rule.get("Next"));
        }
    }
    out
}

/// A Parallel or Map as a Task with the same input/output fields, answered by the mock.
fn as_mocked_task(state: &Map<String, Value>, kind: &str) -> Map<String, Value> {
    let mut keep = vec![
        "Comment",
        "QueryLanguage",
        "InputPath",
        "OutputPath",
        "ResultPath",
        "ResultSelector",
        "Output",
        "Assign",
        "Catch",
        "Next",
        "End",
    ];
    if kind == "Parallel" {
        keep.extend(["Parameters", "Arguments"]);
    }
    let mut task: Map<String, Value> = state
        .iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    task.insert("Type".into(), json!("Task"));
    task.insert("Resource".into(), json!(MOCK_RESOURCE));
    task
}

/// For a mocked Map: the same Map over no items, which the engine runs to evaluate its
/// `MaxConcurrency` and tolerated failures (the inspection data AWS reports for it).
pub fn map_limits_probe(state: &Value, jsonata: bool) -> Option<Value> {
    let Value::Object(s) = state else {
        return None;
    };
    if !jsonata {
        return None;
    }
    let mut map = s.clone();
    for k in [
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "Catch",
        "Retry",
        "Next",
        "ItemSelector",
        "Output",
        "Assign",
    ] {
        map.remove(k);
    }
    map.insert("Items".into(), json!("{% [] %}"));
    map.insert("End".into(), json!(true));
    Some(json!({"QueryLanguage": "JSONata", "StartAt": STATE, "States": {STATE: map}}))
}
