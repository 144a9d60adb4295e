//! Table tests for the definition loader: the seed scenario, every diagnostic with its pointer,
//! and a sweep that feeds odd values everywhere to show no input panics.

use super::*;
use serde_json::json;

const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";
const DUP: &str = "DUPLICATE_TASK_REFERENCE";
const DURATION: &str = "INVALID_DURATION";
const JOIN: &str = "MISSING_JOIN";
const UNSUPPORTED: &str = "UNSUPPORTED_FEATURE";

/// The seed workflow of the semantics notes, §7.1.
fn seed_workflow() -> Value {
    json!({
      "name": "event_testing",
      "description": "Fork: left waits for an SQS-driven completion, right waits 10s then publishes to SQS",
      "version": 1,
      "schemaVersion": 2,
      "restartable": true,
      "workflowStatusListenerEnabled": false,
      "ownerEmail": "example@example.com",
      "timeoutPolicy": "ALERT_ONLY",
      "timeoutSeconds": 0,
      "inputParameters": [],
      "outputParameters": {},
      "variables": {},
      "tasks": [
        {
          "name": "fork",
          "taskReferenceName": "fork_ref",
          "type": "FORK_JOIN",
          "inputParameters": {},
          "forkTasks": [
            [
              { "name": "task_1", "taskReferenceName": "task_1_ref", "type": "WAIT", "inputParameters": {} }
            ],
            [
              { "name": "task_2", "taskReferenceName": "task_2_ref", "type": "WAIT",
                "inputParameters": { "duration": "10 seconds" } },
              { "name": "send_sqs_message", "taskReferenceName": "send_sqs_message_ref", "type": "EVENT",
                "sink": "sqs:conductor_doug_testing", "asyncComplete": false, "inputParameters": {} }
            ]
          ]
        },
        {
          "name": "join",
          "taskReferenceName": "join_ref",
          "type": "JOIN",
          "joinOn": ["task_1_ref", "send_sqs_message_ref"]
        }
      ]
    })
}

/// The seed event handler of §7.2, with the seed's literal `"input": {}` instead of `output`.
fn seed_handler() -> Value {
    json!({
      "name": "complete_task_event",
      "event": "sqs:conductor_doug_testing",
      "actions": [
        { "action": "complete_task",
          "complete_task": { "workflowId": "${workflowInstanceId}", "taskRefName": "task_1_ref", "input": {} },
          "expandInlineJSON": false }
      ],
      "active": true
    })
}

fn wf(tasks: Value) -> Value {
    json!({"name": "w", "tasks": tasks})
}

fn ok(doc: &Value) -> WorkflowDef {
    load_workflow(doc).unwrap_or_else(|d| panic!("{doc}: {d:#?}"))
}

/// `(code, pointer)` of every diagnostic, in order.
fn problems<T: std::fmt::Debug>(
    result: Result<T, Vec<Diagnostic>>,
) -> Vec<(&'static str, Option<String>)> {
    match result {
        Ok(v) => panic!("expected diagnostics, loaded {v:?}"),
        Err(diags) => diags.into_iter().map(|d| (d.code, d.pointer)).collect(),
    }
}

fn refs(def: &WorkflowDef) -> Vec<&str> {
    def.all_tasks()
        .iter()
        .map(|t| t.task_reference_name.as_str())
        .collect()
}

#[test]
fn seed_workflow_loads() {
    let doc = seed_workflow();
    let def = ok(&doc);
    assert_eq!(
        (def.name.as_str(), def.version, def.schema_version),
        ("event_testing", 1, 2)
    );
    assert_eq!(def.timeout_policy, WorkflowTimeoutPolicy::AlertOnly);
    assert_eq!(def.owner_email.as_deref(), Some("example@example.com"));
    assert_eq!(def.raw, doc);
    assert_eq!(
        refs(&def),
        [
            "fork_ref",
            "task_1_ref",
            "task_2_ref",
            "send_sqs_message_ref",
            "join_ref"
        ]
    );
    let [fork, join] = def.tasks.as_slice() else {
        panic!("two top-level tasks expected")
    };
    assert_eq!(fork.type_name, "FORK_JOIN");
    assert_eq!(Some(&fork.raw), doc.pointer("/tasks/0"));
    let TaskKind::ForkJoin { branches } = &fork.kind else {
        panic!("fork expected")
    };
    let kinds: Vec<Vec<&TaskKind>> = branches
        .iter()
        .map(|b| b.iter().map(|t| &t.kind).collect())
        .collect();
    let sink = TaskKind::Event {
        sink: "sqs:conductor_doug_testing".into(),
    };
    assert_eq!(kinds, [vec![&TaskKind::Wait], vec![&TaskKind::Wait, &sink]]);
    let join_on = vec!["task_1_ref".to_string(), "send_sqs_message_ref".to_string()];
    assert_eq!(join.kind, TaskKind::Join { join_on });
}

#[test]
fn defaults() {
    let def = ok(&wf(json!([{"name": "a", "taskReferenceName": "a_ref"}])));
    let want = WorkflowDef {
        name: "w".into(),
        version: 1,
        description: None,
        tasks: def.tasks.clone(),
        input_parameters: vec![],
        output_parameters: Map::new(),
        failure_workflow: None,
        timeout_policy: WorkflowTimeoutPolicy::AlertOnly,
        timeout_seconds: 0,
        variables: Map::new(),
        input_template: Map::new(),
        owner_email: None,
        restartable: true,
        schema_version: 2,
        raw: def.raw.clone(),
    };
    assert_eq!(def, want);
    let task = WorkflowTask {
        name: "a".into(),
        task_reference_name: "a_ref".into(),
        type_name: "SIMPLE".into(),
        kind: TaskKind::Simple,
        input_parameters: Map::new(),
        optional: false,
        start_delay: 0,
        async_complete: false,
        retry_count: None,
        task_definition: None,
        raw: json!({"name": "a", "taskReferenceName": "a_ref"}),
    };
    assert_eq!(def.tasks, [task]);
}

#[test]
fn fields_are_read() {
    let doc = json!({
        "name": "w", "version": 3, "description": "d", "inputParameters": ["a"],
        "outputParameters": {"o": "${t.output.x}"}, "failureWorkflow": "on_fail",
        "timeoutPolicy": "TIME_OUT_WF", "timeoutSeconds": 60, "variables": {"v": 1},
        "inputTemplate": {"i": 2}, "ownerEmail": "a@b.c", "restartable": false,
        "tasks": [{"name": "t", "taskReferenceName": "t", "inputParameters": {"x": "${workflow.input.x}"},
                   "optional": true, "startDelay": 5, "asyncComplete": true, "retryCount": 2,
                   "taskDefinition": {"retryCount": 0, "timeoutPolicy": "RETRY"}}]
    });
    let def = ok(&doc);
    let got = (
        def.version,
        def.description.as_deref(),
        def.failure_workflow.as_deref(),
        def.timeout_seconds,
    );
    assert_eq!(got, (3, Some("d"), Some("on_fail"), 60));
    assert_eq!(
        (def.timeout_policy, def.restartable),
        (WorkflowTimeoutPolicy::TimeOutWf, false)
    );
    assert_eq!(def.input_parameters, ["a"]);
    assert_eq!(
        (
            def.output_parameters.len(),
            def.variables.len(),
            def.input_template.len()
        ),
        (1, 1, 1)
    );
    let t = def.tasks.first().expect("one task");
    assert_eq!(
        (t.optional, t.start_delay, t.async_complete, t.retry_count),
        (true, 5, true, Some(2))
    );
    assert_eq!(
        t.input_parameters.get("x"),
        Some(&json!("${workflow.input.x}"))
    );
    let inline = t.task_definition.as_ref().expect("inline definition");
    assert_eq!((inline.name.as_str(), inline.retry_count), ("t", 0));
    assert_eq!(inline.timeout_policy, TaskTimeoutPolicy::Retry);
    assert_eq!(Some(&inline.raw), doc.pointer("/tasks/0/taskDefinition"));
}

#[test]
fn lenient_like_jackson() {
    // Unknown keys anywhere, explicit nulls for optional fields, a blank failureWorkflow (the
    // Python SDK sends ""), and the Orkes UI's empty lists on a non-fork task.
    let doc = json!({
        "name": "w", "version": null, "failureWorkflow": "", "timeoutPolicy": null, "whatever": [1],
        "tasks": [{"name": "e", "taskReferenceName": "e", "type": "EVENT", "sink": "sqs:q",
                   "description": null, "retryCount": null, "taskDefinition": null, "decisionCases": {},
                   "defaultCase": [], "forkTasks": [], "joinOn": [], "loopOver": [], "onStateChange": {},
                   "subWorkflowParam": null, "inputParameters": {"until": null}, "extra": {"x": 1}}]
    });
    let def = ok(&doc);
    assert_eq!(
        (
            def.version,
            def.failure_workflow.as_deref(),
            def.timeout_policy
        ),
        (1, None, WorkflowTimeoutPolicy::AlertOnly)
    );
    assert_eq!(refs(&def), ["e"]);
}

#[test]
fn kinds() {
    let task = |extra: Value| {
        let mut t = json!({"name": "n", "taskReferenceName": "r"});
        if let (Some(t), Some(extra)) = (t.as_object_mut(), extra.as_object()) {
            t.extend(extra.clone());
        }
        t
    };
    let child = || json!([{"name": "c", "taskReferenceName": "c"}]);
    let cases: Vec<(Value, TaskKind)> = vec![
        (json!({"type": "SIMPLE"}), TaskKind::Simple),
        (json!({"type": "MY_WORKER_TYPE"}), TaskKind::Simple),
        (json!({"type": "wait"}), TaskKind::Simple),
        (json!({"type": "HUMAN"}), TaskKind::Human),
        (json!({"type": "SET_VARIABLE"}), TaskKind::SetVariable),
        (
            json!({"type": "INLINE", "inputParameters": {"expression": "1"}}),
            TaskKind::Inline,
        ),
        (
            json!({"type": "JSON_JQ_TRANSFORM"}),
            TaskKind::JsonJqTransform,
        ),
        (json!({"type": "NOOP"}), TaskKind::Noop),
        (json!({"type": "HTTP"}), TaskKind::Http),
        (json!({"type": "JOIN"}), TaskKind::Join { join_on: vec![] }),
        (
            json!({"type": "TERMINATE", "inputParameters": {"terminationStatus": "${workflow.input.s}"}}),
            TaskKind::Terminate,
        ),
        (
            json!({"type": "TERMINATE", "inputParameters": {"terminationStatus": "TERMINATED"}}),
            TaskKind::Terminate,
        ),
        (
            json!({"type": "WAIT", "inputParameters": {"duration": "${workflow.input.d}", "until": " "}}),
            TaskKind::Wait,
        ),
        (
            json!({"type": "WAIT", "inputParameters": {"until": "2030-01-31 18:00 GMT+04:00"}}),
            TaskKind::Wait,
        ),
        (
            json!({"type": "WAIT", "inputParameters": {"duration": "", "until": "2030-01-31"}}),
            TaskKind::Wait,
        ),
        (
            json!({"type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "child", "version": 2}}),
            TaskKind::SubWorkflow {
                name: "child".into(),
                version: Some(2),
                task_to_domain: None,
            },
        ),
        (
            json!({"type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "child"}}),
            TaskKind::SubWorkflow {
                name: "child".into(),
                version: None,
                task_to_domain: None,
            },
        ),
        (
            json!({"type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "child", "taskToDomain": {"*": "d"}}}),
            TaskKind::SubWorkflow {
                name: "child".into(),
                version: None,
                task_to_domain: Some([("*".to_string(), "d".to_string())].into()),
            },
        ),
        (
            json!({"type": "DO_WHILE", "loopCondition": "false", "loopOver": child()}),
            TaskKind::DoWhile {
                loop_condition: "false".into(),
                loop_over: ok(&wf(child())).tasks,
            },
        ),
    ];
    for (extra, want) in cases {
        let doc = wf(json!([task(extra.clone())]));
        let def = ok(&doc);
        assert_eq!(def.tasks.first().map(|t| &t.kind), Some(&want), "{extra}");
    }
}

#[test]
fn switch_and_decision() {
    let c = |r: &str| json!([{"name": r, "taskReferenceName": r}]);
    let cases: Vec<(Value, Evaluator, &str)> = vec![
        (
            json!({"type": "SWITCH", "evaluatorType": "value-param", "expression": "k"}),
            Evaluator::ValueParam,
            "k",
        ),
        (
            json!({"type": "SWITCH", "evaluatorType": "javascript", "expression": "$.k"}),
            Evaluator::JavaScript,
            "$.k",
        ),
        (
            json!({"type": "SWITCH", "evaluatorType": "graaljs", "expression": "$.k"}),
            Evaluator::JavaScript,
            "$.k",
        ),
        (
            json!({"type": "DECISION", "caseValueParam": "k"}),
            Evaluator::ValueParam,
            "k",
        ),
        (
            json!({"type": "DECISION", "caseExpression": "$.k"}),
            Evaluator::JavaScript,
            "$.k",
        ),
        (
            json!({"type": "DECISION", "caseValueParam": "k", "caseExpression": "$.k"}),
            Evaluator::JavaScript,
            "$.k",
        ),
    ];
    for (mut task, want_evaluator, want_expression) in cases {
        if let Some(t) = task.as_object_mut() {
            t.insert("name".into(), json!("s"));
            t.insert("taskReferenceName".into(), json!("s"));
            t.insert(
                "decisionCases".into(),
                json!({"zeta": c("z"), "alpha": c("a"), "empty": []}),
            );
            t.insert("defaultCase".into(), c("d"));
        }
        let def = ok(&wf(json!([task.clone()])));
        let Some(TaskKind::Switch {
            evaluator,
            expression,
            cases,
            default_case,
        }) = def.tasks.first().map(|t| &t.kind)
        else {
            panic!("switch expected: {task}")
        };
        assert_eq!(
            (*evaluator, expression.as_str()),
            (want_evaluator, want_expression),
            "{task}"
        );
        let names: Vec<(&str, usize)> = cases.iter().map(|(k, v)| (k.as_str(), v.len())).collect();
        assert_eq!(names, [("zeta", 1), ("alpha", 1), ("empty", 0)]);
        assert_eq!(default_case.len(), 1);
        assert_eq!(refs(&def), ["s", "z", "a", "d"]);
    }
}

#[test]
fn javascript_that_does_not_compile_is_refused() {
    let bad = "(function(){\n  return 1 +;\n})()";
    let cases = json!({"zeta": [{"name": "z", "taskReferenceName": "z"}]});
    let body = json!([{"name": "b", "taskReferenceName": "b"}]);
    let tasks: Vec<(Value, &str)> = vec![
        (
            json!({"type": "SWITCH", "evaluatorType": "javascript", "expression": bad, "decisionCases": cases}),
            "/tasks/0/expression",
        ),
        (
            json!({"type": "SWITCH", "evaluatorType": "graaljs", "expression": bad, "decisionCases": cases}),
            "/tasks/0/expression",
        ),
        (
            json!({"type": "DECISION", "caseExpression": bad, "decisionCases": cases}),
            "/tasks/0/caseExpression",
        ),
        (
            json!({"type": "DO_WHILE", "loopCondition": bad, "loopOver": body}),
            "/tasks/0/loopCondition",
        ),
        (
            json!({"type": "INLINE", "inputParameters": {"expression": bad}}),
            "/tasks/0/inputParameters/expression",
        ),
        (
            json!({"type": "INLINE", "inputParameters": {"evaluatorType": "graaljs", "expression": bad}}),
            "/tasks/0/inputParameters/expression",
        ),
    ];
    for (mut task, pointer) in tasks {
        if let Some(t) = task.as_object_mut() {
            t.insert("name".into(), json!("t"));
            t.insert("taskReferenceName".into(), json!("t"));
        }
        let Err(diags) = load_workflow(&wf(json!([task.clone()]))) else {
            panic!("{task}: loaded")
        };
        assert_eq!(diags.len(), 1, "{task}: {diags:#?}");
        assert_eq!(
            (diags[0].code, diags[0].pointer.as_deref()),
            (SCHEMA, Some(pointer))
        );
        let message = &diags[0].message;
        assert!(
            message.contains("is not valid JavaScript: SyntaxError"),
            "{message}"
        );
        assert!(message.contains("(at line 2, column 13)"), "{message}");
    }
    // Not compiled when loaded: value-param expressions, an INLINE script only known once its
    // inputs are resolved, and an INLINE task with another evaluator (it fails when it runs).
    for task in [
        json!({"type": "SWITCH", "evaluatorType": "value-param", "expression": "1 +", "decisionCases": cases}),
        json!({"type": "INLINE", "inputParameters": {"expression": "${workflow.input.script} +"}}),
        json!({"type": "INLINE", "inputParameters": {"evaluatorType": "python", "expression": "1 +"}}),
    ] {
        let mut task = task;
        if let Some(t) = task.as_object_mut() {
            t.insert("name".into(), json!("t"));
            t.insert("taskReferenceName".into(), json!("t"));
        }
        ok(&wf(json!([task])));
    }
    let handler = |condition: &str, evaluator: Value| {
        json!({"name": "h", "event": "sqs:q", "condition": condition, "evaluatorType": evaluator,
               "actions": [{"action": "complete_task", "complete_task": {}}]})
    };
    assert_eq!(
        problems(load_event_handler(&handler("$.a ==", Value::Null))),
        [(SCHEMA, Some("/condition".to_string()))]
    );
    assert!(load_event_handler(&handler("$.a ==", json!("value-param"))).is_ok());
    assert!(load_event_handler(&handler("$.a == 1", Value::Null)).is_ok());
}

#[test]
fn join_synthesized_after_fork_with_join_on() {
    // What the Python SDK's ForkTask emits: joinOn on the fork and no JOIN task.
    let branch = |r: &str| json!([{"name": r, "taskReferenceName": r}]);
    let fork = json!({"name": "fork", "taskReferenceName": "fork_ref", "type": "FORK_JOIN",
                      "forkTasks": [branch("a"), branch("b")], "joinOn": ["a", "b"]});
    let after = json!({"name": "after", "taskReferenceName": "after"});
    let def = ok(&wf(json!([fork, after])));
    assert_eq!(refs(&def), ["fork_ref", "a", "b", "fork_ref_join", "after"]);
    let join = def.tasks.get(1).expect("synthesized join");
    assert_eq!(
        (join.name.as_str(), join.type_name.as_str()),
        ("fork_join", "JOIN")
    );
    let join_on = vec!["a".to_string(), "b".to_string()];
    assert_eq!(join.kind, TaskKind::Join { join_on });
    let raw = json!({"name": "fork_join", "taskReferenceName": "fork_ref_join", "type": "JOIN", "joinOn": ["a", "b"]});
    assert_eq!(join.raw, raw);

    // A fork nested in a branch, last in its list, gets one too; an explicit JOIN wins over joinOn.
    let inner = json!({"name": "in", "taskReferenceName": "in", "type": "FORK_JOIN", "forkTasks": [branch("x")], "joinOn": ["x"]});
    let outer = json!({"name": "out", "taskReferenceName": "out", "type": "FORK_JOIN", "forkTasks": [[inner]], "joinOn": ["in_join"]});
    let explicit =
        json!({"name": "j", "taskReferenceName": "j", "type": "JOIN", "joinOn": ["in_join"]});
    assert_eq!(
        refs(&ok(&wf(json!([outer, explicit])))),
        ["out", "in", "x", "in_join", "j"]
    );
}

#[test]
fn one_problem_each() {
    let t = |extra: Value| {
        let mut t = json!({"name": "n", "taskReferenceName": "r"});
        if let (Some(t), Some(extra)) = (t.as_object_mut(), extra.as_object()) {
            t.extend(extra.clone());
        }
        t
    };
    let join = json!({"name": "j", "taskReferenceName": "j", "type": "JOIN"});
    let one = |extra: Value| wf(json!([t(extra)]));
    let forked = |extra: Value| wf(json!([t(extra), join.clone()]));
    let good = || json!([{"name": "c", "taskReferenceName": "c"}]);
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"tasks": good()}), SCHEMA, "/name"),
        (json!({"name": "", "tasks": good()}), SCHEMA, "/name"),
        (json!({"name": 7, "tasks": good()}), SCHEMA, "/name"),
        (json!({"name": "w"}), SCHEMA, "/tasks"),
        (json!({"name": "w", "tasks": []}), SCHEMA, "/tasks"),
        (json!({"name": "w", "tasks": {}}), SCHEMA, "/tasks"),
        (
            json!({"name": "w", "tasks": good(), "version": "1"}),
            SCHEMA,
            "/version",
        ),
        (
            json!({"name": "w", "tasks": good(), "timeoutSeconds": -1}),
            SCHEMA,
            "/timeoutSeconds",
        ),
        (
            json!({"name": "w", "tasks": good(), "timeoutSeconds": 1.5}),
            SCHEMA,
            "/timeoutSeconds",
        ),
        (
            json!({"name": "w", "tasks": good(), "timeoutPolicy": "NEVER"}),
            SCHEMA,
            "/timeoutPolicy",
        ),
        (
            json!({"name": "w", "tasks": good(), "schemaVersion": 1}),
            SCHEMA,
            "/schemaVersion",
        ),
        (
            json!({"name": "w", "tasks": good(), "inputParameters": ["a", 1]}),
            SCHEMA,
            "/inputParameters/1",
        ),
        (
            json!({"name": "w", "tasks": good(), "restartable": "yes"}),
            SCHEMA,
            "/restartable",
        ),
        (
            json!({"name": "w", "tasks": good(), "variables": []}),
            SCHEMA,
            "/variables",
        ),
        (wf(json!([1])), SCHEMA, "/tasks/0"),
        (
            wf(json!([{"taskReferenceName": "r"}])),
            SCHEMA,
            "/tasks/0/name",
        ),
        (
            wf(json!([{"name": "n"}])),
            SCHEMA,
            "/tasks/0/taskReferenceName",
        ),
        (
            wf(json!([{"name": "n", "taskReferenceName": ""}])),
            SCHEMA,
            "/tasks/0/taskReferenceName",
        ),
        (one(json!({"type": 5})), SCHEMA, "/tasks/0/type"),
        (
            one(json!({"startDelay": -1})),
            SCHEMA,
            "/tasks/0/startDelay",
        ),
        (
            one(json!({"retryCount": 1.5})),
            SCHEMA,
            "/tasks/0/retryCount",
        ),
        (
            one(json!({"retryCount": 5_000_000_000_i64})),
            SCHEMA,
            "/tasks/0/retryCount",
        ),
        (one(json!({"optional": "yes"})), SCHEMA, "/tasks/0/optional"),
        (
            one(json!({"inputParameters": []})),
            SCHEMA,
            "/tasks/0/inputParameters",
        ),
        (
            one(json!({"taskDefinition": {"retryCount": -1}})),
            SCHEMA,
            "/tasks/0/taskDefinition/retryCount",
        ),
        (
            one(json!({"taskDefinition": []})),
            SCHEMA,
            "/tasks/0/taskDefinition",
        ),
        (one(json!({"type": "EVENT"})), SCHEMA, "/tasks/0/sink"),
        (
            one(json!({"type": "EVENT", "sink": 1})),
            SCHEMA,
            "/tasks/0/sink",
        ),
        (
            one(
                json!({"type": "WAIT", "inputParameters": {"duration": "1s", "until": "2030-01-01"}}),
            ),
            SCHEMA,
            "/tasks/0/inputParameters",
        ),
        (
            one(json!({"type": "WAIT", "inputParameters": {"duration": "90"}})),
            DURATION,
            "/tasks/0/inputParameters/duration",
        ),
        (
            one(json!({"type": "WAIT", "inputParameters": {"duration": 10}})),
            DURATION,
            "/tasks/0/inputParameters/duration",
        ),
        (
            one(json!({"type": "WAIT", "inputParameters": {"duration": "30s 1m"}})),
            DURATION,
            "/tasks/0/inputParameters/duration",
        ),
        (
            one(json!({"type": "WAIT", "inputParameters": {"until": "tomorrow"}})),
            DURATION,
            "/tasks/0/inputParameters/until",
        ),
        (
            one(json!({"type": "WAIT", "inputParameters": {"until": "2030-01-31 18:00 PST"}})),
            DURATION,
            "/tasks/0/inputParameters/until",
        ),
        (
            forked(json!({"type": "FORK_JOIN"})),
            SCHEMA,
            "/tasks/0/forkTasks",
        ),
        (
            forked(json!({"type": "FORK_JOIN", "forkTasks": []})),
            SCHEMA,
            "/tasks/0/forkTasks",
        ),
        (
            forked(json!({"type": "FORK_JOIN", "forkTasks": {}})),
            SCHEMA,
            "/tasks/0/forkTasks",
        ),
        (
            forked(json!({"type": "FORK_JOIN", "forkTasks": [[]]})),
            SCHEMA,
            "/tasks/0/forkTasks/0",
        ),
        (
            forked(json!({"type": "FORK_JOIN", "forkTasks": [{}]})),
            SCHEMA,
            "/tasks/0/forkTasks/0",
        ),
        (
            forked(json!({"type": "FORK_JOIN", "forkTasks": [[{"name": "x"}]]})),
            SCHEMA,
            "/tasks/0/forkTasks/0/0/taskReferenceName",
        ),
        (
            one(json!({"type": "FORK_JOIN", "forkTasks": [good()]})),
            JOIN,
            "/tasks/0",
        ),
        (
            one(json!({"type": "FORK_JOIN", "forkTasks": [good()], "joinOn": "c"})),
            SCHEMA,
            "/tasks/0/joinOn",
        ),
        (
            wf(
                json!([t(json!({"type": "FORK_JOIN", "forkTasks": [good()]})), {"name": "s", "taskReferenceName": "s"}]),
            ),
            JOIN,
            "/tasks/0",
        ),
        (
            one(json!({"type": "JOIN", "joinOn": "a"})),
            SCHEMA,
            "/tasks/0/joinOn",
        ),
        (
            one(json!({"type": "JOIN", "joinOn": [1]})),
            SCHEMA,
            "/tasks/0/joinOn/0",
        ),
        (
            one(json!({"type": "SWITCH", "expression": "k", "decisionCases": {"a": good()}})),
            SCHEMA,
            "/tasks/0/evaluatorType",
        ),
        (
            one(
                json!({"type": "SWITCH", "evaluatorType": "python", "expression": "k", "decisionCases": {"a": good()}}),
            ),
            UNSUPPORTED,
            "/tasks/0/evaluatorType",
        ),
        (
            one(
                json!({"type": "SWITCH", "evaluatorType": "value-param", "decisionCases": {"a": good()}}),
            ),
            SCHEMA,
            "/tasks/0/expression",
        ),
        (
            one(json!({"type": "SWITCH", "evaluatorType": "value-param", "expression": "k"})),
            SCHEMA,
            "/tasks/0/decisionCases",
        ),
        (
            one(
                json!({"type": "SWITCH", "evaluatorType": "value-param", "expression": "k", "decisionCases": {}}),
            ),
            SCHEMA,
            "/tasks/0/decisionCases",
        ),
        (
            one(
                json!({"type": "SWITCH", "evaluatorType": "value-param", "expression": "k", "decisionCases": []}),
            ),
            SCHEMA,
            "/tasks/0/decisionCases",
        ),
        (
            one(
                json!({"type": "SWITCH", "evaluatorType": "value-param", "expression": "k", "decisionCases": {"a": {}}}),
            ),
            SCHEMA,
            "/tasks/0/decisionCases/a",
        ),
        (
            one(
                json!({"type": "SWITCH", "evaluatorType": "value-param", "expression": "k", "decisionCases": {"a/b~": [{"taskReferenceName": "q"}]}}),
            ),
            SCHEMA,
            "/tasks/0/decisionCases/a~1b~0/0/name",
        ),
        (
            one(
                json!({"type": "SWITCH", "evaluatorType": "value-param", "expression": "k", "decisionCases": {"a": good()}, "defaultCase": {}}),
            ),
            SCHEMA,
            "/tasks/0/defaultCase",
        ),
        (
            one(json!({"type": "DECISION", "decisionCases": {"a": good()}})),
            SCHEMA,
            "/tasks/0/caseValueParam",
        ),
        (
            one(json!({"type": "DECISION", "caseValueParam": 1, "decisionCases": {"a": good()}})),
            SCHEMA,
            "/tasks/0/caseValueParam",
        ),
        (
            one(json!({"type": "DO_WHILE", "loopOver": good()})),
            SCHEMA,
            "/tasks/0/loopCondition",
        ),
        (
            one(json!({"type": "DO_WHILE", "loopCondition": "false"})),
            SCHEMA,
            "/tasks/0/loopOver",
        ),
        (
            one(json!({"type": "DO_WHILE", "loopCondition": "false", "loopOver": []})),
            SCHEMA,
            "/tasks/0/loopOver",
        ),
        (
            one(json!({"type": "SUB_WORKFLOW"})),
            SCHEMA,
            "/tasks/0/subWorkflowParam",
        ),
        (
            one(json!({"type": "SUB_WORKFLOW", "subWorkflowParam": {}})),
            SCHEMA,
            "/tasks/0/subWorkflowParam/name",
        ),
        (
            one(json!({"type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "c", "version": "1"}})),
            SCHEMA,
            "/tasks/0/subWorkflowParam/version",
        ),
        (
            one(
                json!({"type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "c", "workflowDefinition": {}}}),
            ),
            UNSUPPORTED,
            "/tasks/0/subWorkflowParam/workflowDefinition",
        ),
        (
            one(json!({"type": "TERMINATE"})),
            SCHEMA,
            "/tasks/0/inputParameters/terminationStatus",
        ),
        (
            one(json!({"type": "TERMINATE", "inputParameters": {"terminationStatus": "DONE"}})),
            SCHEMA,
            "/tasks/0/inputParameters/terminationStatus",
        ),
        (
            one(
                json!({"type": "TERMINATE", "optional": true, "inputParameters": {"terminationStatus": "FAILED"}}),
            ),
            SCHEMA,
            "/tasks/0/optional",
        ),
        (one(json!({"type": "LAMBDA"})), UNSUPPORTED, "/tasks/0/type"),
        (
            one(json!({"type": "KAFKA_PUBLISH"})),
            UNSUPPORTED,
            "/tasks/0/type",
        ),
        (
            one(json!({"type": "USER_DEFINED"})),
            UNSUPPORTED,
            "/tasks/0/type",
        ),
        (
            wf(json!([t(json!({})), t(json!({}))])),
            DUP,
            "/tasks/1/taskReferenceName",
        ),
        (
            wf(json!([t(
                json!({"type": "DO_WHILE", "loopCondition": "false", "loopOver": [t(json!({"name": "inner"}))]})
            )])),
            DUP,
            "/tasks/0/loopOver/0/taskReferenceName",
        ),
    ];
    for (doc, code, pointer) in cases {
        let want = vec![(code, Some(pointer.to_string()))];
        assert_eq!(problems(load_workflow(&doc)), want, "{doc}");
    }
    assert_eq!(problems(load_workflow(&json!([]))), [(SCHEMA, None)]);
}

#[test]
fn every_problem_is_reported() {
    let doc = json!({
      "name": "",
      "schemaVersion": 1,
      "timeoutSeconds": "60",
      "tasks": [
        {"name": "a", "taskReferenceName": "a_ref", "type": "EVENT"},
        {"name": "w", "taskReferenceName": "a_ref", "type": "WAIT", "inputParameters": {"duration": "90"}},
        {"name": "f", "taskReferenceName": "f_ref", "type": "FORK_JOIN",
         "forkTasks": [[{"taskReferenceName": "x"}], [{"name": "h", "taskReferenceName": "h", "type": "LAMBDA"}]]},
        {"name": "s", "taskReferenceName": "s_ref", "type": "SWITCH", "evaluatorType": "python",
         "decisionCases": {"x": [{"name": "n", "taskReferenceName": "x"}]}}
      ]
    });
    let Err(diags) = load_workflow(&doc) else {
        panic!("diagnostics expected")
    };
    let got: Vec<(&str, &str)> = diags
        .iter()
        .map(|d| (d.code, d.pointer.as_deref().unwrap_or("-")))
        .collect();
    let want = [
        (SCHEMA, "/name"),
        (SCHEMA, "/timeoutSeconds"),
        (SCHEMA, "/schemaVersion"),
        (SCHEMA, "/tasks/0/sink"),
        (DUP, "/tasks/1/taskReferenceName"),
        (DURATION, "/tasks/1/inputParameters/duration"),
        (SCHEMA, "/tasks/2/forkTasks/0/0/name"),
        (UNSUPPORTED, "/tasks/2/forkTasks/1/0/type"),
        (JOIN, "/tasks/2"),
        (UNSUPPORTED, "/tasks/3/evaluatorType"),
        (SCHEMA, "/tasks/3/expression"),
        (DUP, "/tasks/3/decisionCases/x/0/taskReferenceName"),
    ];
    assert_eq!(got, want);
    let message = |i: usize| diags.get(i).map_or("", |d| d.message.as_str());
    assert!(message(1).contains("must be an integer"), "{}", message(1));
    assert!(message(4).contains("/tasks/0;"), "{}", message(4));
    assert!(
        message(5).contains("\"1m 30s\"") && message(5).contains("\"2 hours 30 minutes\""),
        "{}",
        message(5)
    );
    assert!(
        message(7).contains("SIMPLE") && message(7).contains("worker"),
        "{}",
        message(7)
    );
    assert!(
        message(8).contains(r#""joinOn": ["x","h"]"#),
        "{}",
        message(8)
    );
    assert!(
        message(9).contains("\"javascript\" or \"graaljs\""),
        "{}",
        message(9)
    );
    assert!(
        message(11).contains("/tasks/2/forkTasks/0/0;"),
        "{}",
        message(11)
    );
}

#[test]
fn synthesized_join_reference_must_be_unique() {
    let fork = |r: &str| {
        json!({"name": "f", "taskReferenceName": r, "type": "FORK_JOIN",
                                "forkTasks": [[{"name": "a", "taskReferenceName": format!("{r}_a")}]], "joinOn": []})
    };
    let taken = json!({"name": "t", "taskReferenceName": "f_join"});
    let cases = [
        (
            wf(json!([fork("f"), taken.clone()])),
            "/tasks/1/taskReferenceName",
            "/tasks/0/joinOn (the JOIN synthesized",
        ),
        (
            wf(json!([taken, fork("f")])),
            "/tasks/1/joinOn",
            "the task at /tasks/0 already uses",
        ),
    ];
    for (doc, pointer, says) in cases {
        let Err(diags) = load_workflow(&doc) else {
            panic!("diagnostics expected: {doc}")
        };
        let [d] = diags.as_slice() else {
            panic!("one diagnostic expected: {diags:?}")
        };
        assert_eq!((d.code, d.pointer.as_deref()), (DUP, Some(pointer)));
        assert!(d.message.contains(says), "{}", d.message);
    }
}

#[test]
fn task_defs() {
    // The loader's defaults are the ones the decider assumes for an unregistered task.
    let want = TaskDef {
        raw: json!({"name": "t", "ownerApp": "ignored"}),
        ..crate::conductor::def::default_task_def("t")
    };
    assert_eq!(load_task_def(&want.raw), Ok(want.clone()));
    assert_eq!(load_task_defs(&want.raw), Ok(vec![want.clone()]));
    let full = json!({"name": "u", "retryCount": 0, "retryLogic": "LINEAR_BACKOFF", "retryDelaySeconds": 5,
                      "backoffScaleFactor": 2, "maxRetryDelaySeconds": 30, "timeoutSeconds": 600,
                      "timeoutPolicy": "ALERT_ONLY", "responseTimeoutSeconds": 300, "pollTimeoutSeconds": 10,
                      "inputTemplate": {"k": "v"}});
    let defs = load_task_defs(&json!([want.raw, full])).unwrap_or_default();
    let u = defs.get(1).cloned().unwrap_or_else(|| want.clone());
    let got = (
        u.retry_count,
        u.retry_logic,
        u.retry_delay_seconds,
        u.backoff_scale_factor,
        u.max_retry_delay_seconds,
    );
    assert_eq!(got, (0, RetryLogic::LinearBackoff, 5, 2, 30));
    let got = (
        u.timeout_seconds,
        u.timeout_policy,
        u.response_timeout_seconds,
        u.poll_timeout_seconds,
    );
    assert_eq!(got, (600, TaskTimeoutPolicy::AlertOnly, 300, 10));
    assert_eq!(u.input_template.get("k"), Some(&json!("v")));
}

#[test]
fn task_def_problems() {
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (json!("t"), SCHEMA, None),
        (json!({}), SCHEMA, Some("/name")),
        (json!([]), SCHEMA, Some("")),
        (json!([1]), SCHEMA, Some("/0")),
        (json!([{"name": "a"}, {}]), SCHEMA, Some("/1/name")),
        (
            json!({"name": "t", "retryCount": -1}),
            SCHEMA,
            Some("/retryCount"),
        ),
        (
            json!({"name": "t", "retryLogic": "RANDOM"}),
            SCHEMA,
            Some("/retryLogic"),
        ),
        (
            json!({"name": "t", "timeoutPolicy": "retry"}),
            SCHEMA,
            Some("/timeoutPolicy"),
        ),
        (
            json!({"name": "t", "timeoutSeconds": 60}),
            SCHEMA,
            Some("/responseTimeoutSeconds"),
        ),
        (
            json!({"name": "t", "responseTimeoutSeconds": 0}),
            SCHEMA,
            Some("/responseTimeoutSeconds"),
        ),
        (
            json!({"name": "t", "backoffScaleFactor": 0}),
            SCHEMA,
            Some("/backoffScaleFactor"),
        ),
        (
            json!({"name": "t", "inputTemplate": "x"}),
            SCHEMA,
            Some("/inputTemplate"),
        ),
    ];
    for (doc, code, pointer) in cases {
        let want = vec![(code, pointer.map(String::from))];
        assert_eq!(problems(load_task_defs(&doc)), want, "{doc}");
    }
}

#[test]
fn seed_event_handler_loads() {
    let doc = seed_handler();
    let handler = load_event_handler(&doc).unwrap_or_else(|d| panic!("{d:#?}"));
    let details = TaskDetails {
        workflow_id: Some(json!("${workflowInstanceId}")),
        task_ref_name: Some(json!("task_1_ref")),
        task_id: None,
        output: Map::new(),
        reason_for_incompletion: None,
    };
    let want = EventHandler {
        name: "complete_task_event".into(),
        event: "sqs:conductor_doug_testing".into(),
        condition: None,
        evaluator_type: None,
        active: true,
        actions: vec![Action {
            kind: ActionKind::CompleteTask(details),
            expand_inline_json: false,
        }],
        raw: doc,
    };
    assert_eq!(handler, want);
}

#[test]
fn every_action() {
    let doc = json!({
        "name": "h", "event": "sqs:q", "condition": "", "evaluatorType": "javascript", "description": "Orkes only",
        "actions": [
            {"action": "start_workflow", "expandInlineJSON": true,
             "start_workflow": {"name": "wf", "version": 2, "correlationId": "${id}", "input": {"a": "${a}"},
                                "taskToDomain": {"*": "d"}, "idempotencyKey": "ignored"}},
            {"action": "fail_task", "fail_task": {"taskId": "${taskId}", "output": {"k": 1}, "reasonForIncompletion": "${why}"}},
            {"action": "terminate_workflow", "terminate_workflow": {"workflowId": "${wf}", "terminationReason": "bye"}},
            {"action": "update_workflow_variables",
             "update_workflow_variables": {"workflowId": "${wf}", "variables": {"v": 1}, "appendArray": true}}
        ]
    });
    let handler = load_event_handler(&doc).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(
        (handler.condition, handler.evaluator_type.as_deref()),
        (None, Some("javascript"))
    );
    let want = vec![
        Action {
            kind: ActionKind::StartWorkflow {
                name: "wf".into(),
                version: Some(2),
                correlation_id: Some(json!("${id}")),
                input: json!({"a": "${a}"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                task_to_domain: json!({"*": "d"}).as_object().cloned().unwrap_or_default(),
            },
            expand_inline_json: true,
        },
        Action {
            kind: ActionKind::FailTask(TaskDetails {
                workflow_id: None,
                task_ref_name: None,
                task_id: Some(json!("${taskId}")),
                output: json!({"k": 1}).as_object().cloned().unwrap_or_default(),
                reason_for_incompletion: Some(json!("${why}")),
            }),
            expand_inline_json: false,
        },
        Action {
            kind: ActionKind::TerminateWorkflow {
                workflow_id: json!("${wf}"),
                termination_reason: Some(json!("bye")),
            },
            expand_inline_json: false,
        },
        Action {
            kind: ActionKind::UpdateWorkflowVariables {
                workflow_id: json!("${wf}"),
                variables: json!({"v": 1}).as_object().cloned().unwrap_or_default(),
                append_array: true,
            },
            expand_inline_json: false,
        },
    ];
    assert_eq!(handler.actions, want);
    let inactive = json!({"name": "h", "event": "conductor:wf:ref", "actions": [{"action": "complete_task", "complete_task": {}}]});
    assert_eq!(load_event_handler(&inactive).map(|h| h.active), Ok(false));
}

#[test]
fn event_handler_problems() {
    let act = |a: Value| json!({"name": "h", "event": "sqs:q", "actions": [a]});
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (json!([]), SCHEMA, None),
        (
            json!({"event": "sqs:q", "actions": [{"action": "complete_task", "complete_task": {}}]}),
            SCHEMA,
            Some("/name"),
        ),
        (
            json!({"name": "h", "actions": [{"action": "complete_task", "complete_task": {}}]}),
            SCHEMA,
            Some("/event"),
        ),
        (
            json!({"name": "h", "event": "q", "actions": [{"action": "complete_task", "complete_task": {}}]}),
            SCHEMA,
            Some("/event"),
        ),
        (
            json!({"name": "h", "event": "sqs:q"}),
            SCHEMA,
            Some("/actions"),
        ),
        (
            json!({"name": "h", "event": "sqs:q", "actions": []}),
            SCHEMA,
            Some("/actions"),
        ),
        (
            json!({"name": "h", "event": "sqs:q", "actions": {}}),
            SCHEMA,
            Some("/actions"),
        ),
        (
            json!({"name": "h", "event": "sqs:q", "active": "true", "actions": [{"action": "complete_task", "complete_task": {}}]}),
            SCHEMA,
            Some("/active"),
        ),
        (act(json!(5)), SCHEMA, Some("/actions/0")),
        (
            act(json!({"complete_task": {}})),
            SCHEMA,
            Some("/actions/0/action"),
        ),
        (
            act(json!({"action": "explode"})),
            SCHEMA,
            Some("/actions/0/action"),
        ),
        (
            act(json!({"action": "start_agent", "start_agent": {}})),
            UNSUPPORTED,
            Some("/actions/0/action"),
        ),
        (
            act(json!({"action": "complete_task"})),
            SCHEMA,
            Some("/actions/0/complete_task"),
        ),
        (
            act(json!({"action": "complete_task", "complete_task": []})),
            SCHEMA,
            Some("/actions/0/complete_task"),
        ),
        (
            act(json!({"action": "fail_task", "fail_task": {"output": []}})),
            SCHEMA,
            Some("/actions/0/fail_task/output"),
        ),
        (
            act(json!({"action": "start_workflow", "start_workflow": {}})),
            SCHEMA,
            Some("/actions/0/start_workflow/name"),
        ),
        (
            act(
                json!({"action": "start_workflow", "start_workflow": {"name": "w", "version": "2"}}),
            ),
            SCHEMA,
            Some("/actions/0/start_workflow/version"),
        ),
        (
            act(json!({"action": "terminate_workflow", "terminate_workflow": {}})),
            SCHEMA,
            Some("/actions/0/terminate_workflow/workflowId"),
        ),
        (
            act(
                json!({"action": "update_workflow_variables", "update_workflow_variables": {"workflowId": "x", "appendArray": 1}}),
            ),
            SCHEMA,
            Some("/actions/0/update_workflow_variables/appendArray"),
        ),
        (
            act(json!({"action": "complete_task", "complete_task": {}, "expandInlineJSON": "no"})),
            SCHEMA,
            Some("/actions/0/expandInlineJSON"),
        ),
    ];
    for (doc, code, pointer) in cases {
        let want = vec![(code, pointer.map(String::from))];
        assert_eq!(problems(load_event_handler(&doc)), want, "{doc}");
    }
}

/// Every pointer to a value inside `doc` (object members and array elements, at any depth).
fn pointers(doc: &Value, at: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match doc {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (token, v) in children {
        let here = format!("{at}/{token}");
        out.push(here.clone());
        pointers(v, here, out);
    }
}

/// Replaces each value of `doc`, one at a time, with each odd value, and loads the result.
fn sweep(doc: &Value, load: impl Fn(&Value)) {
    let odd = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(u64::MAX),
        json!(""),
        json!("${x}"),
        json!("JOIN"),
        json!([]),
        json!([[]]),
        json!({}),
        json!([{}]),
    ];
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    for pointer in all {
        for value in &odd {
            let mut changed = doc.clone();
            if let Some(slot) = changed.pointer_mut(&pointer) {
                *slot = value.clone();
            }
            load(&changed);
        }
    }
}

#[test]
fn no_input_panics() {
    let workflow = seed_workflow();
    sweep(&workflow, |doc| {
        drop(load_workflow(doc).map(|d| d.all_tasks().len()))
    });
    let kitchen_sink = wf(json!([
        {"name": "s", "taskReferenceName": "s", "type": "SWITCH", "evaluatorType": "javascript", "expression": "1",
         "decisionCases": {"a": [{"name": "d", "taskReferenceName": "d", "type": "DO_WHILE", "loopCondition": "false",
                                  "loopOver": [{"name": "w", "taskReferenceName": "w", "type": "WAIT", "inputParameters": {"until": "2030-01-01"}}]}]},
         "defaultCase": [{"name": "t", "taskReferenceName": "t", "type": "TERMINATE", "inputParameters": {"terminationStatus": "FAILED"}}]},
        {"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN", "joinOn": ["x"], "forkTasks": [[
            {"name": "x", "taskReferenceName": "x", "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "c"},
             "taskDefinition": {"retryCount": 1}}]]}
    ]));
    sweep(&kitchen_sink, |doc| drop(load_workflow(doc)));
    sweep(&seed_handler(), |doc| drop(load_event_handler(doc)));
    sweep(
        &json!([{"name": "t", "timeoutSeconds": 10, "responseTimeoutSeconds": 5}]),
        |doc| drop(load_task_defs(doc)),
    );
}
