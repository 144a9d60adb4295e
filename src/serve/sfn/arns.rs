//! Reading the ARNs clients send: which resource, and AWS's errors when it is not one.

use crate::serve::App;
use crate::serve::protocol::ApiError;

/// The name in `arn:aws:states:REGION:ACCOUNT:<kind>:NAME` (a version or alias suffix is not
/// supported and reads as not found).
pub fn name_of<'a>(arn: &'a str, kind: &str) -> Result<&'a str, ApiError> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "states", _, _, k, name] if *k == kind && !name.is_empty() => Ok(name),
        ["arn", _, "states", _, _, k, _] => Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Resource type not valid in this context: {k}'"),
        )),
        _ => Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Invalid ARN prefix: {arn}'"),
        )),
    }
}

/// An execution ARN: `arn:aws:states:R:A:execution:MACHINE:NAME`.
pub fn check_execution(arn: &str) -> Result<(), ApiError> {
    name_of(arn, "execution").map(|_| ())
}

pub fn machine_arn(app: &App, name: &str) -> String {
    crate::arn::state_machine(&app.settings.region, &app.settings.account, name)
}

/// An Express execution: `arn:aws:states:R:A:express:MACHINE:NAME:UUID`. The id makes every
/// start a new execution, as on AWS (Express starts are not idempotent).
pub fn express_arn(app: &App, machine: &str, name: &str) -> String {
    format!(
        "arn:aws:states:{}:{}:express:{machine}:{name}:{}",
        app.settings.region,
        app.settings.account,
        uuid::Uuid::new_v4()
    )
}

pub fn activity_arn(app: &App, name: &str) -> String {
    format!(
        "arn:aws:states:{}:{}:activity:{name}",
        app.settings.region, app.settings.account
    )
}

/// AWS's `InvalidName`.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    crate::arn::check_name(name)
        .map_err(|_| ApiError::new("InvalidName", format!("Invalid Name: '{name}'")))
}
