//! The fields each task `type` adds, the literal WAIT inputs checked at load, and the types
//! stepwise refuses.

use super::read::{Cx, INVALID_DURATION, Obj, SCHEMA, UNSUPPORTED, child, describe, index};
use super::script;
use super::tasks::{Load, task_array};
use super::{Evaluator, TaskKind, WorkflowTask};
use crate::conductor::duration::{
    DURATION_FORMS, UNTIL_FORMS, is_blank, parse_duration, parse_until,
};
use serde_json::Value;

/// Conductor task types stepwise does not run, each with what to use instead.
const UNSUPPORTED_TYPES: [(&str, &str); 3] = [
    (
        "LAMBDA",
        "a SIMPLE task (\"type\": \"SIMPLE\") whose worker runs the script, or an INLINE task",
    ),
    (
        "KAFKA_PUBLISH",
        "a SIMPLE task (\"type\": \"SIMPLE\") whose worker publishes to Kafka, or an EVENT task with an \"sqs:\" sink",
    ),
    (
        "USER_DEFINED",
        "a SIMPLE task (\"type\": \"SIMPLE\") with a worker that polls for the task's name",
    ),
];

const TERMINATION_STATUSES: [&str; 3] = ["COMPLETED", "FAILED", "TERMINATED"];

/// The kind of the task `obj`, whose `type` is `type_name`.
pub fn kind(type_name: &str, obj: &Obj, ld: &mut Load) -> TaskKind {
    match type_name {
        "SIMPLE" => TaskKind::Simple,
        "EVENT" => event(obj, &mut ld.cx),
        "WAIT" => {
            wait(obj, &mut ld.cx);
            TaskKind::Wait
        }
        "HUMAN" => TaskKind::Human,
        "FORK_JOIN" => fork_join(obj, ld),
        "JOIN" => TaskKind::Join {
            join_on: obj.strings("joinOn", &mut ld.cx),
        },
        "SWITCH" => switch(obj, ld),
        "DECISION" => decision(obj, ld),
        "DO_WHILE" => do_while(obj, ld),
        "SET_VARIABLE" => TaskKind::SetVariable,
        "TERMINATE" => {
            terminate(obj, &mut ld.cx);
            TaskKind::Terminate
        }
        "SUB_WORKFLOW" => sub_workflow(obj, &mut ld.cx),
        "INLINE" => {
            script::inline(obj, &mut ld.cx);
            TaskKind::Inline
        }
        "JSON_JQ_TRANSFORM" => TaskKind::JsonJqTransform,
        "NOOP" => TaskKind::Noop,
        "HTTP" => TaskKind::Http,
        "DYNAMIC" => TaskKind::Dynamic {
            name_param: obj
                .opt_str("dynamicTaskNameParam", &mut ld.cx)
                .unwrap_or("taskToSchedule")
                .to_string(),
        },
        "EXCLUSIVE_JOIN" => TaskKind::ExclusiveJoin {
            join_on: obj.strings("joinOn", &mut ld.cx),
            default_join_on: obj.strings("defaultExclusiveJoinTask", &mut ld.cx),
        },
        "START_WORKFLOW" => TaskKind::StartWorkflow,
        "FORK_JOIN_DYNAMIC" => TaskKind::ForkJoinDynamic {
            tasks_param: obj
                .opt_str("dynamicForkTasksParam", &mut ld.cx)
                .map(str::to_string),
            inputs_param: obj
                .opt_str("dynamicForkTasksInputParamName", &mut ld.cx)
                .map(str::to_string),
        },
        other => {
            unsupported(other, obj, &mut ld.cx);
            TaskKind::Simple
        }
    }
}

/// Reports a type stepwise refuses; any other unknown type is a worker task (see [`TaskKind::Simple`]).
fn unsupported(type_name: &str, obj: &Obj, cx: &mut Cx) {
    let Some((_, instead)) = UNSUPPORTED_TYPES.iter().find(|(t, _)| *t == type_name) else {
        return;
    };
    let msg = format!("stepwise does not run {type_name} tasks; use {instead}");
    cx.push(UNSUPPORTED, &obj.at("type"), msg);
}

fn event(obj: &Obj, cx: &mut Cx) -> TaskKind {
    if obj.get("sink").is_none() {
        let msg = "An EVENT task needs 'sink', where to publish: for example \"sqs:my_queue\"";
        cx.schema(&obj.at("sink"), msg);
    }
    let sink = obj.opt_str("sink", cx).unwrap_or_default().to_string();
    TaskKind::Event { sink }
}

/// Literal `duration`/`until` inputs must parse; at most one of them may be given.
fn wait(obj: &Obj, cx: &mut Cx) {
    let Some(params) = obj.get("inputParameters").and_then(Value::as_object) else {
        return;
    };
    let params_ptr = obj.at("inputParameters");
    let duration = given(params.get("duration"));
    let until = given(params.get("until"));
    if duration.is_some() && until.is_some() {
        let msg = "Both 'duration' and 'until' specified. Please provide only one input";
        cx.schema(&params_ptr, msg);
    }
    if let Some(d) = duration.filter(|v| is_literal(v))
        && parse_duration(&text(d)).is_none()
    {
        let msg = format!(
            "The WAIT duration {} is not valid: write {DURATION_FORMS}",
            describe(d)
        );
        cx.push(INVALID_DURATION, &child(&params_ptr, "duration"), msg);
    }
    if let Some(u) = until.filter(|v| is_literal(v))
        && parse_until(&text(u)).is_none()
    {
        let msg = format!(
            "The WAIT until {} is not valid: use {UNTIL_FORMS}",
            describe(u)
        );
        cx.push(INVALID_DURATION, &child(&params_ptr, "until"), msg);
    }
}

/// A WAIT input that counts as given: not null and, as Conductor's `toString()`, not blank.
fn given(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null() && !is_blank(&text(v)))
}

/// A value known at load time: anything but a string holding a `${…}` expression.
fn is_literal(v: &Value) -> bool {
    !matches!(v, Value::String(s) if s.contains("${"))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn fork_join(obj: &Obj, ld: &mut Load) -> TaskKind {
    let ptr = obj.at("forkTasks");
    let branches = match obj.get("forkTasks") {
        Some(Value::Array(branches)) => {
            if branches.is_empty() {
                ld.cx.schema(
                    &ptr,
                    "The field 'forkTasks' must contain at least one branch",
                );
            }
            let label = "Each branch of 'forkTasks'";
            let branches = branches.iter().enumerate();
            branches
                .map(|(i, b)| task_array(Some(b), &index(&ptr, i), label, true, ld))
                .collect()
        }
        None => {
            let msg =
                "The field 'forkTasks' is required: an array of branches, each an array of tasks";
            ld.cx.schema(&ptr, msg);
            Vec::new()
        }
        Some(other) => {
            let msg = format!(
                "The field 'forkTasks' must be an array of branches (arrays of tasks), not {}",
                describe(other)
            );
            ld.cx.schema(&ptr, msg);
            Vec::new()
        }
    };
    TaskKind::ForkJoin { branches }
}

fn switch(obj: &Obj, ld: &mut Load) -> TaskKind {
    let evaluator = evaluator(obj, &mut ld.cx);
    let expression = obj
        .req_str("expression", &mut ld.cx)
        .unwrap_or_default()
        .to_string();
    if evaluator == Evaluator::JavaScript {
        let what = "The SWITCH expression";
        script::check(&expression, &obj.at("expression"), what, &mut ld.cx);
    }
    let (cases, default_case) = cases(obj, "SWITCH", ld);
    TaskKind::Switch {
        evaluator,
        expression,
        cases,
        default_case,
    }
}

fn evaluator(obj: &Obj, cx: &mut Cx) -> Evaluator {
    match obj.req_str("evaluatorType", cx) {
        Some("javascript" | "graaljs") => Evaluator::JavaScript,
        Some("value-param") | None => Evaluator::ValueParam,
        Some(other) => {
            let msg = format!(
                "The evaluatorType \"{other}\" is not supported: use \"value-param\" (the expression names an input key), \"javascript\" or \"graaljs\""
            );
            cx.push(UNSUPPORTED, &obj.at("evaluatorType"), msg);
            Evaluator::ValueParam
        }
    }
}

/// DECISION as a SWITCH: `caseExpression` (JavaScript) wins over `caseValueParam` (an input key).
fn decision(obj: &Obj, ld: &mut Load) -> TaskKind {
    let (evaluator, expression) = decision_rule(obj, &mut ld.cx);
    let (cases, default_case) = cases(obj, "DECISION", ld);
    TaskKind::Switch {
        evaluator,
        expression,
        cases,
        default_case,
    }
}

fn decision_rule(obj: &Obj, cx: &mut Cx) -> (Evaluator, String) {
    let rules = [
        ("caseExpression", Evaluator::JavaScript),
        ("caseValueParam", Evaluator::ValueParam),
    ];
    if let Some((key, evaluator)) = rules.into_iter().find(|(key, _)| obj.get(key).is_some()) {
        let expression = obj.opt_str(key, cx).unwrap_or_default().to_string();
        if evaluator == Evaluator::JavaScript {
            let what = "The DECISION caseExpression";
            script::check(&expression, &obj.at(key), what, cx);
        }
        return (evaluator, expression);
    }
    let msg = "A DECISION needs 'caseValueParam' (the input key whose value picks the case) or 'caseExpression' (JavaScript)";
    cx.schema(&obj.at("caseValueParam"), msg);
    (Evaluator::ValueParam, String::new())
}

type Cases = (Vec<(String, Vec<WorkflowTask>)>, Vec<WorkflowTask>);

/// `decisionCases` (at least one, as Conductor requires; order kept) and `defaultCase`.
fn cases(obj: &Obj, type_name: &str, ld: &mut Load) -> Cases {
    let ptr = obj.at("decisionCases");
    let cases = match obj.get("decisionCases") {
        Some(Value::Object(map)) if !map.is_empty() => map
            .iter()
            .map(|(key, tasks)| {
                let label = format!("The case '{key}' of 'decisionCases'");
                (
                    key.clone(),
                    task_array(Some(tasks), &child(&ptr, key), &label, false, ld),
                )
            })
            .collect(),
        Some(Value::Object(_)) | None => {
            let msg = format!(
                "A {type_name} needs 'decisionCases' with at least one case (an object mapping case values to arrays of tasks)"
            );
            ld.cx.schema(&ptr, msg);
            Vec::new()
        }
        Some(other) => {
            let msg = format!(
                "The field 'decisionCases' must be an object mapping case values to arrays of tasks, not {}",
                describe(other)
            );
            ld.cx.schema(&ptr, msg);
            Vec::new()
        }
    };
    let default_ptr = obj.at("defaultCase");
    let default_case = task_array(
        obj.get("defaultCase"),
        &default_ptr,
        "The field 'defaultCase'",
        false,
        ld,
    );
    (cases, default_case)
}

fn do_while(obj: &Obj, ld: &mut Load) -> TaskKind {
    let loop_condition = obj
        .req_str("loopCondition", &mut ld.cx)
        .unwrap_or_default()
        .to_string();
    let what = "The DO_WHILE loopCondition";
    script::check(&loop_condition, &obj.at("loopCondition"), what, &mut ld.cx);
    let ptr = obj.at("loopOver");
    let loop_over = task_array(obj.get("loopOver"), &ptr, "The field 'loopOver'", true, ld);
    TaskKind::DoWhile {
        loop_condition,
        loop_over,
    }
}

fn sub_workflow(obj: &Obj, cx: &mut Cx) -> TaskKind {
    let Some(param) = obj.req_obj("subWorkflowParam", cx) else {
        return TaskKind::SubWorkflow {
            name: String::new(),
            version: None,
            task_to_domain: None,
        };
    };
    let name = param.name("name", cx);
    let version = param.int("version", cx);
    if param.get("workflowDefinition").is_some() {
        let msg = "An inline subWorkflowParam.workflowDefinition is not supported: register the child workflow (POST /api/metadata/workflow) and refer to it by subWorkflowParam.name";
        cx.push(UNSUPPORTED, &param.at("workflowDefinition"), msg);
    }
    let task_to_domain = param.get("taskToDomain").filter(|v| !v.is_null()).map(|v| {
        crate::conductor::domains::parse(Some(v)).unwrap_or_else(|msg| {
            cx.push(SCHEMA, &param.at("taskToDomain"), msg);
            Default::default()
        })
    });
    TaskKind::SubWorkflow {
        name,
        version,
        task_to_domain,
    }
}

/// Conductor's registration checks: not optional, and a valid `terminationStatus`.
fn terminate(obj: &Obj, cx: &mut Cx) {
    if obj.get("optional").and_then(Value::as_bool) == Some(true) {
        cx.schema(&obj.at("optional"), "A TERMINATE task cannot be optional");
    }
    let ptr = child(&obj.at("inputParameters"), "terminationStatus");
    let params = obj.get("inputParameters").and_then(Value::as_object);
    let status = params
        .and_then(|p| p.get("terminationStatus"))
        .filter(|v| !v.is_null());
    let allowed = "\"COMPLETED\", \"FAILED\" or \"TERMINATED\"";
    match status {
        Some(Value::String(s))
            if s.contains("${") || TERMINATION_STATUSES.contains(&s.as_str()) => {}
        None => cx.schema(
            &ptr,
            format!("A TERMINATE task needs inputParameters.terminationStatus: {allowed}"),
        ),
        Some(v) => cx.schema(
            &ptr,
            format!("terminationStatus must be {allowed}, not {}", describe(v)),
        ),
    }
}
