//! ARNs and names as AWS Step Functions forms and checks them.

pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT: &str = "123456789012";

pub fn state_machine(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{account}:stateMachine:{name}")
}

pub fn execution(region: &str, account: &str, machine: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{account}:execution:{machine}:{name}")
}

/// The state machine name a definition file gives: `orders/process-order.asl.json` →
/// `process-order` (`StateMachine` when the file name is not a valid name).
pub fn machine_name_of_file(file: &str) -> String {
    let base = std::path::Path::new(file)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("StateMachine");
    let stem = [".json", ".yaml", ".yml"]
        .iter()
        .find_map(|x| base.strip_suffix(x))
        .unwrap_or(base);
    let stem = stem.strip_suffix(".asl").unwrap_or(stem);
    if check_name(stem).is_ok() {
        stem.to_string()
    } else {
        "StateMachine".to_string()
    }
}

pub fn role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/stepwise-local")
}

/// AWS's rules for state machine, execution and activity names: 1–80 characters, no
/// whitespace, no `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`, no control characters.
pub fn check_name(name: &str) -> Result<(), String> {
    const FORBIDDEN: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";
    let len = name.chars().count();
    if len == 0 || len > 80 {
        return Err(format!(
            "Invalid Name: '{name}' (names are 1 to 80 characters long)"
        ));
    }
    let bad = name.chars().find(|c| {
        c.is_whitespace()
            || FORBIDDEN.contains(*c)
            || c.is_control()
            || ('\u{7f}'..='\u{9f}').contains(c)
    });
    match bad {
        Some(c) => Err(format!(
            "Invalid Name: '{name}' (it contains {c:?}, which AWS does not allow in names)"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        assert!(check_name("order-123_abc.x").is_ok());
        for bad in ["", "a b", "a:b", "a/b", "a\u{1}", &"x".repeat(81)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
