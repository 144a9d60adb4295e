//! `Assign`: workflow variables a state, a Choice rule or a Catcher sets. In JSONPath mode it is
//! a payload template (`"name.$": "$.path"`, literals otherwise); its keys name the variables.

use super::fields::{Cx, Obj};
use super::scan::Skeleton;
use crate::asl::model::BlockId;
use crate::data::template::Template;
use serde_json::Value;

/// AWS's limit on variable names.
const MAX_NAME: usize = 80;

/// Compiles `value` (the `Assign` field at `pointer`), reporting a non-object and every bad
/// variable name.
pub(super) fn assign(value: Option<&Value>, pointer: &str, cx: &mut Cx) -> Option<Template> {
    let value = value?;
    names(value, pointer, cx).then(|| Template::compile(value, pointer, &mut cx.diags))
}

/// Checks that `value` is an object of valid variable names (a JSONPath key may end in `.$`);
/// false when it is not an object.
pub(super) fn names(value: &Value, pointer: &str, cx: &mut Cx) -> bool {
    let Some(map) = value.as_object() else {
        cx.schema(pointer.to_string(), "The field 'Assign' must be an object");
        return false;
    };
    for key in map.keys() {
        let name = key.strip_suffix(".$").unwrap_or(key);
        if let Err(why) = check_name(name) {
            let at = format!("{pointer}/{}", crate::data::diagnostic::escape_token(key));
            cx.schema(at, format!("Invalid variable name '{name}': {why}"));
        }
    }
    true
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

/// A Parallel branch or Map iteration can read the variables of the scopes around it but not
/// assign them (AWS rejects the definition); its own variables end with it.
pub(super) fn check_scopes(sk: &Skeleton, cx: &mut Cx) {
    if !sk.blocks.is_empty() {
        walk(sk, 0, &mut Vec::new(), cx);
    }
}

fn walk(sk: &Skeleton, block: BlockId, outer: &mut Vec<String>, cx: &mut Cx) {
    let states = &sk.blocks[block].states;
    let here: Vec<(String, String)> = states
        .iter()
        .filter_map(|&s| sk.states[s].obj.as_ref())
        .flat_map(assigned_names)
        .collect();
    for (name, pointer) in &here {
        if outer.contains(name) {
            cx.schema(
                pointer.clone(),
                format!("The variable '{name}' belongs to an enclosing scope: a Parallel branch or Map iteration can read it but not assign it (return the value in the branch's output instead)"),
            );
        }
    }
    let before = outer.len();
    outer.extend(here.into_iter().map(|(name, _)| name));
    for &s in states {
        for &child in &sk.states[s].children {
            walk(sk, child, outer, cx);
        }
    }
    outer.truncate(before);
}

/// The names a state's `Assign`, its Choice rules' and its Catchers' assign, with pointers.
fn assigned_names(obj: &Obj) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut add = |value: Option<&Value>, pointer: String| {
        for key in value
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.keys())
        {
            let name = key.strip_suffix(".$").unwrap_or(key).to_string();
            found.push((
                name,
                format!("{pointer}/{}", crate::data::diagnostic::escape_token(key)),
            ));
        }
    };
    add(obj.get("Assign"), obj.at("Assign"));
    for list in ["Choices", "Catch"] {
        for (i, item) in obj
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            add(item.get("Assign"), format!("{}/{i}/Assign", obj.at(list)));
        }
    }
    found
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
