//! Diagnostics: every problem found in a definition, with a stable code, a JSON Pointer and a message.

use serde::Serialize;

/// One problem in a definition. `code` is AWS's diagnostic code where AWS has one
/// (`SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET`, ...); `pointer` is a JSON Pointer
/// (RFC 6901) into the definition, or `None` when the problem has no single location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub pointer: Option<String>,
    pub message: String,
}

/// AWS's `InvalidDefinition` message: every diagnostic with its location (one without a
/// location is written `at null`, as AWS writes it).
pub fn invalid_definition_message(diagnostics: &[Diagnostic]) -> String {
    let all: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let at = match d.pointer.as_deref() {
                Some("") => "/",
                Some(p) => p,
                None => "null",
            };
            format!("{}: {} at {at}", d.code, d.message)
        })
        .collect();
    format!("Invalid State Machine Definition: '{}'", all.join(", "))
}

/// Escapes one reference token for a JSON Pointer (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
