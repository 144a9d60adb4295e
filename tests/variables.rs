//! Workflow variables in JSONPath mode (`Assign`): evaluation order, scopes across Parallel
//! branches and Map iterations, Choice rules, Catchers, the history's `assignedVariables`, and
//! the definition errors. The conformance suite checks AWS's recorded cases; these pin the rules
//! the recordings do not show one by one.

use serde_json::{Value, json};
use stepwise::engine::{ExecutionInfo, HistoryEvent, Status};
use stepwise::integrations::Router;
use stepwise::runtime::clock::VirtualClock;

fn info(input: Value) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:M:e".into(),
        name: "e".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M".into(),
        state_machine_name: "M".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        region: "us-east-1".into(),
        start_ms: 0,
        input,
    }
}

fn run(definition: Value, input: Value) -> (Status, Vec<Value>) {
    let machine = stepwise::asl::load_value(definition).unwrap_or_else(|d| panic!("{d:?}"));
    let info = info(input);
    let done = stepwise::runtime::local::run(
        &machine,
        info,
        [1; 32],
        &mut Router::default(),
        &VirtualClock::new(0),
    );
    let history = done.history.iter().map(HistoryEvent::to_aws_json).collect();
    (done.status, history)
}

fn output(status: Status) -> Value {
    match status {
        Status::Succeeded { output } => output,
        other => panic!("expected success, got {other:?}"),
    }
}

#[test]
fn every_right_hand_side_sees_the_values_from_before_the_state() {
    let (status, history) = run(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"x": 3, "a": 6}, "Next": "Swap"},
            "Swap": {"Type": "Pass", "Assign": {"x.$": "$a", "nextX.$": "$x"}, "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"x.$": "$x", "nextX.$": "$nextX"}, "End": true}
        }}),
        json!({}),
    );
    assert_eq!(output(status), json!({"x": 6, "nextX": 3}));
    let swap = history
        .iter()
        .find(|e| e["type"] == "PassStateExited" && e["stateExitedEventDetails"]["name"] == "Swap")
        .expect("Swap exited");
    assert_eq!(
        swap["stateExitedEventDetails"]["assignedVariables"],
        json!({"x": "6", "nextX": "3"}),
        "values as JSON text"
    );
    assert_eq!(
        swap["stateExitedEventDetails"]["assignedVariablesDetails"],
        json!({"truncated": false})
    );
}

#[test]
fn assign_reads_the_result_and_output_path_still_sees_the_old_value() {
    let (status, _) = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"v": "old"}, "Next": "B"},
            "B": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.r",
                  "Assign": {"v.$": "$.n"}, "OutputPath": "$v", "End": true}
        }}),
        json!({}),
    );
    assert_eq!(output(status), json!("old"));
}

#[test]
fn branches_read_outer_variables_and_their_own_vanish_with_them() {
    let (status, _) = run(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "Fork"},
            "Fork": {"Type": "Parallel", "Next": "After", "Branches": [
                {"StartAt": "B1", "States": {
                    "B1": {"Type": "Pass", "Assign": {"inner": 1}, "Next": "B2"},
                    "B2": {"Type": "Pass", "Parameters": {"outer.$": "$outer", "inner.$": "$inner"}, "End": true}}},
                {"StartAt": "C1", "States": {
                    "C1": {"Type": "Pass", "Parameters": {"seen.$": "States.Format('{}!', $outer)"}, "End": true}}}
            ]},
            "After": {"Type": "Pass", "Parameters": {"branches.$": "$", "inner.$": "$inner"}, "End": true}
        }}),
        json!({}),
    );
    let Status::Failed { error, cause } = status else {
        panic!("the branch's variable must not be visible after the Parallel: {status:?}")
    };
    assert_eq!(error.as_deref(), Some("States.Runtime"));
    assert!(cause.unwrap_or_default().contains("$inner"));
}

#[test]
fn map_iterations_read_outer_variables() {
    let (status, _) = run(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"bias": 10, "items": [1, 2]}, "Next": "Each"},
            "Each": {"Type": "Map", "ItemsPath": "$items", "End": true, "ItemProcessor": {
                "StartAt": "Add", "States": {
                    "Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($, $bias)"}, "End": true}}}}
        }}),
        json!({}),
    );
    assert_eq!(output(status), json!([{"sum": 11}, {"sum": 12}]));
}

#[test]
fn choice_rules_assign_and_the_state_assigns_on_default() {
    let machine = || {
        json!({"StartAt": "Pick", "States": {
            "Pick": {"Type": "Choice", "Assign": {"how": "default"}, "Default": "Done", "Choices": [
                {"Variable": "$.n", "NumericEquals": 1, "Assign": {"how": "rule", "n.$": "$.n"}, "Next": "Done"}]},
            "Done": {"Type": "Pass", "Parameters": {"how.$": "$how"}, "End": true}
        }})
    };
    assert_eq!(
        output(run(machine(), json!({"n": 1})).0),
        json!({"how": "rule"})
    );
    assert_eq!(
        output(run(machine(), json!({"n": 2})).0),
        json!({"how": "default"})
    );
}

#[test]
fn a_catcher_assigns_from_the_error_output_and_a_failed_state_assigns_nothing() {
    let (status, _) = run(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"kept": "yes"}, "Next": "Risky"},
            "Risky": {"Type": "Parallel", "Assign": {"kept": "overwritten"}, "Next": "Done",
                "Branches": [{"StartAt": "Boom", "States": {
                    "Boom": {"Type": "Fail", "Error": "Custom.Boom", "Cause": "bad"}}}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"caught.$": "$.Error"}, "Next": "Done"}]},
            "Done": {"Type": "Pass", "Parameters": {"kept.$": "$kept", "caught.$": "$caught"}, "End": true}
        }}),
        json!({}),
    );
    assert_eq!(
        output(status),
        json!({"kept": "yes", "caught": "Custom.Boom"})
    );
}

#[test]
fn variables_work_in_paths_wait_and_fail() {
    let (status, _) = run(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"secs": 5, "err": "Var.Error", "cause": "from a variable"}, "Next": "Sleep"},
            "Sleep": {"Type": "Wait", "SecondsPath": "$secs", "Assign": {"slept": true}, "Next": "Stop"},
            "Stop": {"Type": "Fail", "ErrorPath": "$err", "CausePath": "$cause"}
        }}),
        json!({}),
    );
    assert_eq!(
        status,
        Status::Failed {
            error: Some("Var.Error".into()),
            cause: Some("from a variable".into())
        }
    );
}

#[test]
fn bad_assign_fields_are_definition_errors() {
    let diagnostics = stepwise::asl::load_value(json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"1bad": 1, "states": 2, "ok": 3}, "Next": "B"},
        "B": {"Type": "Fail", "Error": "E", "Assign": {"x": 1}}
    }}))
    .expect_err("invalid");
    let pointers: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d.pointer.as_deref())
        .collect();
    assert!(
        pointers.contains(&"/States/A/Assign/1bad"),
        "{diagnostics:?}"
    );
    assert!(
        pointers.contains(&"/States/A/Assign/states"),
        "{diagnostics:?}"
    );
    assert!(pointers.contains(&"/States/B/Assign"), "{diagnostics:?}");
    assert!(
        !pointers.contains(&"/States/A/Assign/ok"),
        "{diagnostics:?}"
    );
}

#[test]
fn variables_survive_serialization_of_a_waiting_execution() {
    use stepwise::engine::{Effect, Event, Execution};
    let machine = stepwise::asl::load_value(json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"v": {"deep": [1, 2]}}, "Next": "Sleep"},
        "Sleep": {"Type": "Wait", "Seconds": 10, "Next": "Show"},
        "Show": {"Type": "Pass", "Parameters": {"v.$": "$v"}, "End": true}
    }}))
    .unwrap();
    let info = info(json!({}));
    let (exec, effects) = Execution::start(&machine, info, [1; 32]);
    let timer = effects
        .iter()
        .find_map(|e| match e {
            Effect::ArmTimer { timer, .. } => Some(*timer),
            _ => None,
        })
        .expect("a timer");
    let text = serde_json::to_string(&exec).unwrap();
    let mut exec: Execution = serde_json::from_str(&text).unwrap();
    exec.step(&machine, 10_000, Event::TimerFired { timer });
    assert_eq!(
        exec.status,
        Status::Succeeded {
            output: json!({"v": {"deep": [1, 2]}})
        }
    );
}

#[test]
fn a_branch_cannot_assign_a_variable_of_an_enclosing_scope() {
    let diagnostics = stepwise::asl::load_value(json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"total": 0}, "Next": "Fork"},
        "Fork": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"total.$": "$.n", "mine": 1}, "End": true}}}]}
    }}))
    .expect_err("assigning an outer variable in a branch is a definition error");
    let pointers: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d.pointer.as_deref())
        .collect();
    assert_eq!(
        pointers,
        ["/States/Fork/Branches/0/States/B/Assign/total.$"],
        "{diagnostics:?}"
    );
}

#[test]
fn distributed_map_iterations_do_not_see_outer_variables() {
    let machine = |mode: &str| {
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"bias": 10}, "Result": [1], "Next": "Each"},
            "Each": {"Type": "Map", "End": true, "ItemProcessor": {
                "ProcessorConfig": {"Mode": mode, "ExecutionType": "STANDARD"},
                "StartAt": "Add", "States": {
                    "Add": {"Type": "Pass", "Parameters": {"b.$": "$bias"}, "End": true}}}}
        }})
    };
    assert_eq!(
        output(run(machine("INLINE"), json!({})).0),
        json!([{"b": 10}])
    );
    // The child execution cannot read `$bias` and fails, which fails the Map Run (no failures
    // are tolerated).
    let (status, _) = run(machine("DISTRIBUTED"), json!({}));
    let Status::Failed { error, .. } = status else {
        panic!("a Distributed Map iteration is a child execution on AWS: {status:?}")
    };
    assert_eq!(
        error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
}

#[test]
fn one_state_assigning_over_256_kib_is_a_data_limit_failure() {
    let half = "x".repeat(150 * 1024);
    let (status, _) = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"a.$": "$.s", "b.$": "$.s"}, "End": true}}}),
        json!({"s": half}),
    );
    let Status::Failed { error, cause } = status else {
        panic!("{status:?}")
    };
    assert_eq!(error.as_deref(), Some("States.DataLimitExceeded"));
    assert!(
        cause
            .unwrap_or_default()
            .contains("bytes of variables at once"),
        "each variable fits, together they do not"
    );
}
