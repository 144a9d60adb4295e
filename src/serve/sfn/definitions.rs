//! Checking definitions: the `InvalidDefinition` of CreateStateMachine / UpdateStateMachine,
//! and ValidateStateMachineDefinition, which reports the same diagnostics as data.

use crate::asl::Diagnostic;
use crate::serve::App;
use crate::serve::protocol::{ApiError, Body, Reply, max_results, too_long};
use serde_json::{Value, json};

const MAX_DEFINITION: usize = 1_048_576;

/// AWS's `InvalidDefinition` message: every diagnostic with its location.
pub fn invalid_definition(diagnostics: &[Diagnostic]) -> ApiError {
    ApiError::new(
        "InvalidDefinition",
        crate::data::diagnostic::invalid_definition_message(diagnostics),
    )
}

/// The definition loads, and an Express machine uses nothing Express cannot run.
pub fn check_definition(app: &App, definition: &str, kind: &str) -> Result<(), ApiError> {
    if definition.chars().count() > MAX_DEFINITION {
        return Err(too_long("definition", definition, MAX_DEFINITION));
    }
    let machine = app
        .machine(definition)
        .map_err(|d| invalid_definition(&d))?;
    if kind == "EXPRESS" {
        let problems = super::express::problems(&machine.definition);
        if !problems.is_empty() {
            return Err(invalid_definition(&problems));
        }
    }
    Ok(())
}

pub fn check_type(kind: Option<&str>) -> Result<String, ApiError> {
    match kind.unwrap_or("STANDARD") {
        k @ ("STANDARD" | "EXPRESS") => Ok(k.to_string()),
        k => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{k}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
        ))),
    }
}

pub fn validate(body: &Body) -> Reply {
    let definition = body.str("definition")?;
    let kind = check_type(body.opt_str("type")?)?;
    let max = max_results(body, 100, 100)?;
    let diagnostics = match crate::asl::load(definition) {
        Ok(m) if kind == "EXPRESS" => super::express::problems(&m.definition),
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
