//! The JSONata example (`state-machines/order-pricing-jsonata.asl.json`) through the binary:
//! Map with Items/ItemSelector, Task Arguments/Output, Assign, a Choice Condition, a Catcher's
//! Output over `$states.errorOutput`, and an expression error as `States.QueryEvaluationError`.

use serde_json::{Value, json};
use std::process::Command;

const MACHINE: &str = "state-machines/order-pricing-jsonata.asl.json";
const PRICE: &str = r#"price=python3 -c "import json,sys; p=json.load(sys.stdin); print(json.dumps({'price': {'book': 12, 'lamp': 90, 'pen': 2}[p['sku']]}))""#;
const APPROVE: &str =
    r#"approve=python3 -c "import json,sys; print(json.dumps({'approvedBy': 'grace'}))""#;
const REFUSE: &str = r#"approve=python3 -c "import json; print(json.dumps({'errorType': 'Refused', 'errorMessage': 'over budget'}))""#;

fn run(input: Value, approve: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            MACHINE,
            "--format",
            "json",
            "--input",
            &input.to_string(),
        ])
        .args(["--lambda", PRICE, "--lambda", approve])
        .env_remove("STEPWISE_DB")
        .output()
        .expect("stepwise runs");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// Runs `definition` (written to a scratch file) with `args` after `run --format json`.
fn run_definition(definition: &Value, name: &str, args: &[&str]) -> Value {
    let dir = std::env::temp_dir().join(format!("stepwise-jsonata-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.asl.json"));
    std::fs::write(&file, definition.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["run", "--format", "json"])
        .args(args)
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn a_large_order_goes_to_approval() {
    let done = run(
        json!({"customer": "ada", "lines": [{"sku": "book", "qty": 2}, {"sku": "lamp", "qty": 1}]}),
        APPROVE,
    );
    assert_eq!(
        done["output"],
        json!({"total": 114, "approvedBy": "grace", "customer": "ada", "route": "approval", "lines": 2, "skus": ["book", "lamp"]}),
        "{done}"
    );
}

#[test]
fn a_small_order_is_automatic() {
    let done = run(
        json!({"customer": "bob", "lines": [{"sku": "pen", "qty": 3}]}),
        APPROVE,
    );
    assert_eq!(
        done["output"],
        json!({"total": 6, "customer": "bob", "route": "automatic", "lines": 1, "skus": "pen"}),
        "a one-item sequence is a single value in JSONata: {done}"
    );
}

#[test]
fn a_refusal_is_caught_with_its_output_and_assign() {
    let done = run(
        json!({"customer": "cy", "lines": [{"sku": "lamp", "qty": 2}]}),
        REFUSE,
    );
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["output"]["route"], "refused", "{done}");
    assert_eq!(done["output"]["total"], 180, "{done}");
    assert_eq!(done["output"]["refusal"], "over budget", "{done}");
}

#[test]
fn an_expression_error_is_a_query_evaluation_error_with_its_event() {
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": {"n": "{% $number($states.input.s) + $nope() %}"}, "End": true}}});
    let done = run_definition(
        &definition,
        "broken",
        &["--history", "--input", r#"{"s": "1"}"#],
    );
    assert_eq!(done["error"], "States.QueryEvaluationError", "{done}");
    let cause = done["cause"].as_str().unwrap_or_default();
    assert!(
        cause.starts_with("An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$number($states.input.s) + $nope()' specified for the field 'Output/n' threw an error during evaluation."),
        "{cause}"
    );
    let failed = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "EvaluationFailed")
        .expect("an EvaluationFailed event");
    assert_eq!(
        failed["evaluationFailedEventDetails"]["location"],
        "Output/n"
    );
    assert_eq!(failed["evaluationFailedEventDetails"]["state"], "P");
}

#[test]
fn task_timeouts_and_choice_outputs_may_be_expressions() {
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Arguments": {"FunctionName": "price", "Payload": {"sku": "pen"}},
                 "TimeoutSeconds": "{% $states.input.limit * 2 %}",
                 "HeartbeatSeconds": "{% $states.input.limit %}",
                 "Output": "{% $states.result.Payload.price %}", "Next": "Check"},
        "Check": {"Type": "Choice", "Default": "Done", "Choices": [
            {"Condition": "{% $states.input = 2 %}", "Output": {"bad": "{% $nothing %}"}, "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}});
    let done = run_definition(
        &definition,
        "timeouts",
        &[
            "--history",
            "--input",
            r#"{"limit": 30}"#,
            "--lambda",
            PRICE,
        ],
    );
    let history = done["history"].as_array().expect("a history");
    let scheduled = history
        .iter()
        .find(|e| e["type"] == "TaskScheduled")
        .expect("TaskScheduled");
    assert_eq!(
        scheduled["taskScheduledEventDetails"]["timeoutInSeconds"], 60,
        "{scheduled}"
    );
    assert_eq!(
        scheduled["taskScheduledEventDetails"]["heartbeatInSeconds"], 30,
        "{scheduled}"
    );
    assert_eq!(done["error"], "States.QueryEvaluationError", "{done}");
    let failed = history
        .iter()
        .find(|e| e["type"] == "EvaluationFailed")
        .expect("EvaluationFailed");
    assert_eq!(
        failed["evaluationFailedEventDetails"]["location"], "Choices[0]/Output/bad",
        "errors name the rule they are in"
    );
}

/// Runaway expressions end with AWS's limit errors instead of hanging or overflowing the stack.
#[test]
fn runaway_expressions_fail_the_state_quickly() {
    for (expression, says) in [
        (
            "($f := function($n){ $f($n + 1) }; $f(0))",
            "threw an error during evaluation",
        ),
        (
            "$count([1..100000000])",
            "Expression evaluation memory limit exceeded",
        ),
    ] {
        let definition = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Output": format!("{{% {expression} %}}"), "End": true}}});
        let done = run_definition(&definition, "runaway", &[]);
        assert_eq!(
            done["error"], "States.QueryEvaluationError",
            "{expression}: {done}"
        );
        let cause = done["cause"].as_str().unwrap_or_default();
        assert!(cause.contains(says), "{expression}: {cause}");
    }
}
