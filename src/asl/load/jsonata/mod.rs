//! JSONata states (`QueryLanguage: "JSONata"`, on the state or the whole machine): which query
//! language a state uses (here), each JSONata state type's fields (`states.rs`), and the checks
//! and readers they share (`fields.rs`). Every expression is parsed at load time, so a typo is a
//! definition error with its location, not a failure at run time.

mod fields;
mod states;

pub(super) use states::state;

use super::fields::{Cx, Obj};

/// The machine's `QueryLanguage`: JSONata or not (JSONPath, the default).
pub(super) fn top_level(obj: &Obj, cx: &mut Cx) -> bool {
    match obj.opt_str("QueryLanguage", cx) {
        None | Some("JSONPath") => false,
        Some("JSONata") => true,
        Some(other) => {
            cx.schema(obj.at("QueryLanguage"), unknown(other));
            false
        }
    }
}

/// A state's query language: its own `QueryLanguage`, else the machine's. A JSONata machine's
/// states cannot go back to JSONPath (AWS's rule).
pub(super) fn of_state(obj: &Obj, machine_jsonata: bool, cx: &mut Cx) -> bool {
    match obj.opt_str("QueryLanguage", cx) {
        None => machine_jsonata,
        Some("JSONata") => true,
        Some("JSONPath") if machine_jsonata => {
            cx.schema(
                obj.at("QueryLanguage"),
                "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata: remove the state's QueryLanguage, or set JSONPath at the top",
            );
            false
        }
        Some("JSONPath") => false,
        Some(other) => {
            cx.schema(obj.at("QueryLanguage"), unknown(other));
            false
        }
    }
}

fn unknown(other: &str) -> String {
    format!(
        "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata], not '{other}'"
    )
}
