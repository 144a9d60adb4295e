//! `Assign`: workflow variables a state, a Choice rule or a Catcher sets. In JSONPath mode it is
//! a payload template (`"name.$": "$.path"`, literals otherwise); its keys name the variables.

use super::fields::Cx;
use crate::data::template::Template;
use serde_json::Value;

/// AWS's limit on variable names.
const MAX_NAME: usize = 80;

/// Compiles `value` (the `Assign` field at `pointer`), reporting a non-object and every bad
/// variable name.
pub(super) fn assign(value: Option<&Value>, pointer: &str, cx: &mut Cx) -> Option<Template> {
    let value = value?;
    let Some(map) = value.as_object() else {
        cx.schema(pointer.to_string(), "The field 'Assign' must be an object");
        return None;
    };
    for key in map.keys() {
        let name = key.strip_suffix(".$").unwrap_or(key);
        if let Err(why) = check_name(name) {
            let at = format!("{pointer}/{}", crate::asl::diagnostic::escape_token(key));
            cx.schema(at, format!("Invalid variable name '{name}': {why}"));
        }
    }
    Some(Template::compile(value, pointer, &mut cx.diags))
}

/// A Unicode identifier (a letter or `_`, then letters, digits or `_`), at most 80 characters,
/// not the reserved `states`.
fn check_name(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_alphanumeric() || c == '_') {
        return Err(
            "variable names start with a letter or '_' and contain only letters, digits and '_'",
        );
    }
    if name.chars().count() > MAX_NAME {
        return Err("variable names are at most 80 characters long");
    }
    if name == "states" {
        return Err("'states' is reserved");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_follow_aws_rules() {
        for good in ["x", "_a1", "ñame", "camelCase"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "1a", "a-b", "a.b", "states", &"x".repeat(81)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
