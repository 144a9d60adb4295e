//! JSON text → validated `Machine`, reporting every problem rather than the first.
//!
//! Loading runs in three passes: `scan` gives every state (at any depth) an id and checks names;
//! `states` reads each state's fields with its block's names in scope; `graph` checks
//! reachability and terminal states per block.

mod assign;
mod errors;
mod fields;
mod graph;
mod jsonata;
mod map;
mod scan;
mod states;

use crate::asl::model::Machine;
use crate::data::diagnostic::Diagnostic;
/// What a Task's `Resource` ARN names (for checks outside loading).
pub use errors::classify as classify_resource;
/// The largest `TimeoutSeconds`/`HeartbeatSeconds` AWS accepts (also bounds the `*Path` forms).
pub use fields::MAX_SECONDS;
use fields::{Cx, Obj, SCHEMA};
use serde_json::Value;

/// Parses and validates a definition given as JSON text.
pub fn load(text: &str) -> Result<Machine, Vec<Diagnostic>> {
    if text.trim().is_empty() {
        return Err(vec![Diagnostic {
            code: SCHEMA,
            pointer: None,
            message: "Definition must be a valid JSON object".into(),
        }]);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => load_value(value),
        Err(e) => Err(vec![Diagnostic {
            code: "INVALID_JSON_DESCRIPTION",
            pointer: None,
            message: format!(
                "Invalid JSON at line {}, column {}: {}",
                e.line(),
                e.column(),
                strip_position(&e)
            ),
        }]),
    }
}

/// Parses and validates a definition already parsed as JSON.
pub fn load_value(definition: Value) -> Result<Machine, Vec<Diagnostic>> {
    let mut cx = Cx::default();
    let Some(map) = definition.as_object() else {
        cx.push(SCHEMA, None, "Definition must be a valid JSON object");
        return Err(cx.diags);
    };
    let top = Obj::new(map, String::new());
    top.only(
        &[
            "Comment",
            "StartAt",
            "States",
            "Version",
            "TimeoutSeconds",
            "QueryLanguage",
        ],
        &mut cx,
    );
    check_required_top(&top, &mut cx);
    top.opt_str("Comment", &mut cx);
    top.opt_str("Version", &mut cx);
    jsonata::top_level(&top, &mut cx);
    let timeout_seconds = top.opt_int("TimeoutSeconds", 1, states::MAX_EXECUTION_SECONDS, &mut cx);
    let skeleton = scan::scan(&top, &mut cx);
    let mut machine = states::build(&skeleton, &mut cx);
    assign::check_scopes(&skeleton, &mut cx);
    if cx.diags.is_empty() {
        graph::check(&machine, &skeleton, &mut cx);
    }
    if !cx.diags.is_empty() {
        return Err(cx.diags);
    }
    machine.timeout_seconds = timeout_seconds;
    machine.definition = definition;
    Ok(machine)
}

fn check_required_top(top: &Obj, cx: &mut Cx) {
    let missing: Vec<&str> = ["States", "StartAt"]
        .into_iter()
        .filter(|k| !top.has(k))
        .collect();
    if !missing.is_empty() {
        cx.schema(
            "/".into(),
            format!("These fields are required: [{}]", missing.join(", ")),
        );
    }
}

/// serde_json appends " at line L column C"; the diagnostic already says where.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
