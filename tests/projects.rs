//! Definitions as projects keep them: YAML, `${...}` placeholders filled as
//! DefinitionSubstitutions fills them (or accepted unfilled), SAM/CloudFormation templates, and
//! Task resources written with a region and account.
#![allow(clippy::disallowed_methods)] // an edge: runs the binary

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

const SAM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sam");

fn stepwise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(args)
        .env_remove("STEPWISE_DB")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("stepwise runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stepwise-projects-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[test]
fn a_yaml_definition_with_substitutions_validates_runs_and_tests() {
    let yaml = format!("{SAM}/statemachine/orders.asl.yaml");
    let subs = format!("{SAM}/substitutions.json");
    let out = stepwise(&["validate", &yaml]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("UNRESOLVED_PLACEHOLDER: line 7: ${CheckFunctionArn} is not filled: pass --substitute CheckFunctionArn=VALUE"),
        "{}",
        stderr(&out)
    );
    let out = stepwise(&["validate", "--substitutions", &subs, &yaml]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = stepwise(&[
        "run",
        &yaml,
        "--substitutions",
        &subs,
        "--substitute",
        "Delay=0",
        "--skip-waits",
        "--input",
        r#"{"id": "o-1"}"#,
        "--lambda",
        "check-order=echo {}",
        "--task",
        "Save=echo {}",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(
        doc["output"],
        serde_json::json!({"confirmed": "o-1", "table": "orders"}),
        "{}",
        stderr(&out)
    );
    let out = stepwise(&["test", "--substitutions", &subs, SAM]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

#[test]
fn unresolved_placeholders_are_allowed_and_a_real_error_is_still_reported() {
    let dir = scratch("unresolved");
    let file = dir.join("all-placeholders.asl.json");
    std::fs::write(
        &file,
        r#"{"StartAt": "A", "States": {
  "A": {"Type": "Task", "Resource": "${FirstArn}", "TimeoutSeconds": ${Timeout}, "Next": "B"},
  "B": {"Type": "Task", "Resource": "${SecondArn}", "Parameters": {"Table": "${Table}"}, "Next": "Nowhere"}
}}"#,
    )
    .expect("written");
    let path = file.to_string_lossy().into_owned();
    let out = stepwise(&["validate", "--allow-unresolved", &path]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("warning: ").count(), 4, "{err}");
    assert!(
        err.contains(":2: UNRESOLVED_PLACEHOLDER at /States/A/Resource: ${FirstArn}"),
        "{err}"
    );
    assert!(
        err.contains(
            ":3: MISSING_TRANSITION_TARGET at /States/B/Next: Missing 'Next' target: Nowhere"
        ),
        "{err}"
    );
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap_or_default()
            .replace("Nowhere", "C"),
    )
    .expect("written");
    let fixed = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .replace(r#""Next": "C""#, r#""End": true"#);
    std::fs::write(&file, fixed).expect("written");
    let out = stepwise(&["validate", "--allow-unresolved", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sam_template_is_checked_with_its_substitutions_and_references() {
    let template = format!("{SAM}/template.yaml");
    let out = stepwise(&["validate", "--template", &template]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("3 definitions valid"),
        "{}",
        stderr(&out)
    );
    // An error injected into one definition is reported with its file, line and pointer.
    let dir = scratch("template");
    std::fs::create_dir_all(dir.join("statemachine")).expect("dir");
    for f in ["orders.asl.yaml", "notify.asl.json"] {
        let text = std::fs::read_to_string(format!("{SAM}/statemachine/{f}")).expect("read");
        let text = text.replace("\"TimeoutSeconds\"", "\"TimeoutSecond\"");
        std::fs::write(dir.join("statemachine").join(f), text).expect("written");
    }
    std::fs::copy(&template, dir.join("template.yaml")).expect("copied");
    let out = stepwise(&[
        "validate",
        "--template",
        &dir.join("template.yaml").to_string_lossy(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("statemachine/notify.asl.json:12: SCHEMA_VALIDATION_FAILED at /States/Publish/TimeoutSecond: Field 'TimeoutSecond' is not supported"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn resources_with_a_region_and_account_are_valid() {
    let dir = scratch("regional");
    let file = dir.join("m.asl.json");
    std::fs::write(
        &file,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Task",
            "Resource": "arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject",
            "Parameters": {"Bucket": "b", "Key": "k"}, "End": true}}}"#,
    )
    .expect("written");
    let out = stepwise(&["validate", &file.to_string_lossy()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `stepwise test --template`: a Step Functions Local mock file's state machines are the
/// template's, by logical id (a DefinitionUri file and an inline definition).
#[test]
fn a_mock_config_runs_against_a_templates_machines_by_logical_id() {
    let out = stepwise(&[
        "test",
        "--template",
        &format!("{SAM}/template.yaml"),
        "--mock-config",
        &format!("{SAM}/MockConfigFile.json"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(text.contains("OrdersStateMachine › HappyPath"), "{text}");
    assert!(text.contains("AuditStateMachine › Recorded"), "{text}");
    assert!(text.contains("2 passed, 0 failed"), "{text}");
}

/// `serve --state-machines DIR` registers YAML definitions too, stored as JSON.
#[test]
fn serve_registers_yaml_definitions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/yaml");
    let server = support::Server::start("projects-yaml", &["--state-machines", dir]);
    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:greet";
    let (status, described) = support::raw::call(
        &server,
        "DescribeStateMachine",
        &serde_json::json!({"stateMachineArn": machine}).to_string(),
    );
    assert_eq!(status, 200, "{described}");
    let definition: serde_json::Value =
        serde_json::from_str(described["definition"].as_str().unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(definition["StartAt"], "Greet", "{described}");
    let done = support::raw::run(&server, machine, "one");
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["output"], r#"{"greeting":"Hello, one!"}"#, "{done}");
}

/// `serve --state-machines DIR --substitutions FILE`: placeholders filled before registering.
#[test]
fn serve_fills_placeholders_of_the_definitions_it_registers() {
    let dir = format!("{SAM}/statemachine");
    let subs = format!("{SAM}/substitutions.json");
    let server = support::Server::start(
        "projects-subs",
        &["--state-machines", &dir, "--substitutions", &subs],
    );
    let (status, described) = support::raw::call(
        &server,
        "DescribeStateMachine",
        r#"{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:orders"}"#,
    );
    assert_eq!(status, 200, "{described}");
    let definition = described["definition"].as_str().unwrap_or_default();
    assert!(definition.contains("function:check-order"), "{definition}");
}

/// `stepwise run template.yaml --state-machine LogicalId` runs that state machine of the
/// template, with its substitutions; without a pick, the choices are named.
#[test]
fn run_picks_a_state_machine_of_a_template() {
    let template = format!("{SAM}/template.yaml");
    let out = stepwise(&["run", &template]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("OrdersStateMachine, NotifyStateMachine, AuditStateMachine: pick one with --state-machine LOGICAL_ID"),
        "{}",
        stderr(&out)
    );
    let out = stepwise(&[
        "run",
        &template,
        "--state-machine",
        "OrdersStateMachine",
        "--skip-waits",
        "--input",
        r#"{"id": "o-1"}"#,
        "--lambda",
        "check-order-dev=echo {}",
        "--task",
        "Save=echo {}",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(
        doc["output"],
        serde_json::json!({"confirmed": "o-1", "table": "OrdersTable"}),
        "{}",
        stderr(&out)
    );
}
