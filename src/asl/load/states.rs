//! Second pass: read every state's fields into the model, resolving transitions by name within
//! the state's own block.

use super::errors::error_handling;
use super::fields::{Cx, MAX_SECONDS, Obj};
use super::scan::{RawState, Skeleton};
use crate::asl::model::*;
use crate::data::choice::Condition;
use crate::data::template::{Template, compile_dynamic};
use serde_json::Value;

/// One year: the longest a Standard execution may run.
pub const MAX_EXECUTION_SECONDS: u64 = 31_622_400;

pub(super) const TYPES: &str = "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]";

/// Fields every state may carry.
pub(super) const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage", "Assign"];

pub fn build(sk: &Skeleton, cx: &mut Cx) -> Machine {
    let blocks = sk
        .blocks
        .iter()
        .enumerate()
        .map(|(id, _)| build_block(sk, id, cx))
        .collect();
    let states = sk
        .states
        .iter()
        .map(|raw| build_state(sk, raw, cx))
        .collect();
    Machine {
        states,
        blocks,
        timeout_seconds: None,
        definition: Value::Null,
    }
}

fn build_block(sk: &Skeleton, id: BlockId, cx: &mut Cx) -> Block {
    let raw = &sk.blocks[id];
    if id != 0 {
        let mut allowed = vec!["StartAt", "States", "Comment"];
        if raw.obj.ptr.ends_with("/ItemProcessor") {
            allowed.push("ProcessorConfig");
        }
        raw.obj.only(&allowed, cx);
        raw.obj.required("StartAt", cx);
        raw.obj.required("States", cx);
    }
    let start = match raw.start {
        Some(name) => raw.names.get(name).copied().unwrap_or_else(|| {
            cx.push(
                "MISSING_TRANSITION_TARGET",
                Some(raw.obj.at("StartAt")),
                format!("Missing 'StartAt' target: {name}"),
            );
            0
        }),
        None => 0,
    };
    Block {
        start,
        states: raw.states.clone(),
    }
}

/// Resolves state names within one block.
pub(super) struct Targets<'s, 'a> {
    sk: &'s Skeleton<'a>,
    block: BlockId,
}

impl Targets<'_, '_> {
    pub(super) fn resolve(&self, obj: &Obj, key: &str, cx: &mut Cx) -> Option<StateId> {
        let name = obj.req_str(key, cx)?;
        let found = self.sk.blocks[self.block].names.get(name).copied();
        if found.is_none() {
            cx.push(
                "MISSING_TRANSITION_TARGET",
                Some(obj.at(key)),
                format!("Missing 'Next' target: {name}"),
            );
        }
        found
    }
}

/// What stands for a state whose definition has errors (reported; no machine is built).
fn placeholder(name: &str, block: BlockId) -> State {
    State {
        name: name.into(),
        block,
        next: Transition::End,
        kind: Kind::Succeed,
        io: Io::WHOLE,
    }
}

fn build_state(sk: &Skeleton, raw: &RawState, cx: &mut Cx) -> State {
    let Some(obj) = &raw.obj else {
        return placeholder(raw.name, raw.block);
    };
    let t = Targets {
        sk,
        block: raw.block,
    };
    let ty = obj.req_str("Type", cx);
    let machine_jsonata = sk.blocks[0]
        .obj
        .get("QueryLanguage")
        .and_then(Value::as_str)
        == Some("JSONata");
    if super::jsonata::of_state(obj, machine_jsonata, cx) {
        let Some((kind, io)) = ty.and_then(|ty| super::jsonata::state(ty, obj, raw, &t, cx)) else {
            return placeholder(raw.name, raw.block);
        };
        let next = transition(obj, &kind, &t, cx);
        return State {
            name: raw.name.into(),
            block: raw.block,
            next,
            kind,
            io,
        };
    }
    let assign = match ty {
        Some("Succeed" | "Fail") if obj.has("Assign") => {
            cx.schema(
                obj.at("Assign"),
                "Succeed and Fail states cannot assign variables: move 'Assign' to the state before",
            );
            None
        }
        _ => super::assign::assign(obj.get("Assign"), &obj.at("Assign"), cx),
    };
    let kind = match ty {
        Some("Pass") => pass(obj, cx),
        Some("Task") => task(obj, &t, cx),
        Some("Choice") => choice(obj, &t, cx),
        Some("Wait") => wait(obj, cx),
        Some("Succeed") => {
            obj.only(&[COMMON, &["InputPath", "OutputPath"]].concat(), cx);
            Kind::Succeed
        }
        Some("Fail") => fail(obj, cx),
        Some("Parallel") => parallel(obj, raw, &t, cx),
        Some("Map") => super::map::map(obj, raw, &t, cx),
        Some(_) => {
            cx.schema(
                obj.at("Type"),
                format!("The field 'Type' should have one of these values: {TYPES}"),
            );
            return placeholder(raw.name, raw.block);
        }
        None => return placeholder(raw.name, raw.block),
    };
    let next = transition(obj, &kind, &t, cx);
    let (input_path, output_path) = match kind {
        Kind::Fail(_) => (IoPath::Whole, IoPath::Whole),
        _ => (obj.io_path("InputPath", cx), obj.io_path("OutputPath", cx)),
    };
    State {
        name: raw.name.into(),
        block: raw.block,
        next,
        kind,
        io: Io::JsonPath {
            input_path,
            output_path,
            assign,
        },
    }
}

fn transition(obj: &Obj, kind: &Kind, t: &Targets, cx: &mut Cx) -> Transition {
    if matches!(kind, Kind::Choice(_) | Kind::Succeed | Kind::Fail(_)) {
        return Transition::None;
    }
    // A malformed `End` is reported once, as a type error, and treated as given.
    let end = obj.has("End") && obj.opt_bool("End", cx).unwrap_or(true);
    match (obj.has("Next"), end) {
        (true, true) => {
            cx.schema(
                obj.ptr.clone(),
                "A state cannot have both 'Next' and 'End': true; keep one",
            );
            Transition::End
        }
        (true, false) => t
            .resolve(obj, "Next", cx)
            .map_or(Transition::End, Transition::Next),
        (false, true) => Transition::End,
        (false, false) => {
            cx.schema(
                obj.ptr.clone(),
                "This state needs a 'Next' field naming the state that follows, or \"End\": true",
            );
            Transition::End
        }
    }
}

fn pass(obj: &Obj, cx: &mut Cx) -> Kind {
    obj.only(
        &[
            COMMON,
            &[
                "InputPath",
                "OutputPath",
                "Parameters",
                "Result",
                "ResultPath",
                "Next",
                "End",
            ],
        ]
        .concat(),
        cx,
    );
    Kind::Pass(Pass {
        parameters: obj.template("Parameters", cx),
        result: obj.get("Result").cloned().map(Into::into),
        result_path: obj.result_path(cx),
    })
}

fn task(obj: &Obj, t: &Targets, cx: &mut Cx) -> Kind {
    let allowed = [
        "Resource",
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
        "Retry",
        "Catch",
        "Next",
        "End",
    ];
    obj.only(&[COMMON, &allowed].concat(), cx);
    let resource = obj
        .req_str("Resource", cx)
        .map(|arn| super::errors::resource(arn, &obj.at("Resource"), cx));
    let timeout = obj.int_or_path("TimeoutSeconds", 1, MAX_SECONDS, cx);
    let heartbeat = obj.int_or_path("HeartbeatSeconds", 1, MAX_SECONDS, cx);
    if let (Some(Dynamic::Value(h)), Some(Dynamic::Value(to))) = (&heartbeat, &timeout)
        && h >= to
    {
        cx.schema(
            obj.at("HeartbeatSeconds"),
            format!("HeartbeatSeconds ({h}) must be smaller than TimeoutSeconds ({to})"),
        );
    }
    let credentials = obj.get("Credentials").map(|v| credentials(obj, v, cx));
    Kind::Task(Box::new(Task {
        resource: resource.unwrap_or(Resource {
            arn: String::new(),
            kind: ResourceKind::Service {
                service: String::new(),
                action: String::new(),
            },
            pattern: Pattern::RequestResponse,
        }),
        parameters: obj.template("Parameters", cx).map(Payload::Template),
        result_selector: obj.template("ResultSelector", cx),
        result_path: obj.result_path(cx),
        timeout_seconds: timeout,
        heartbeat_seconds: heartbeat,
        credentials,
        errors: error_handling(obj, t, cx),
    }))
}

fn credentials(obj: &Obj, v: &Value, cx: &mut Cx) -> Template {
    let has_role = v
        .as_object()
        .is_some_and(|m| m.contains_key("RoleArn") || m.contains_key("RoleArn.$"));
    if !has_role {
        cx.schema(
            obj.at("Credentials"),
            "The field 'RoleArn' is required but was missing",
        );
    }
    Template::compile(v, &obj.at("Credentials"), &mut cx.diags)
}

fn choice(obj: &Obj, t: &Targets, cx: &mut Cx) -> Kind {
    obj.only(
        &[COMMON, &["Choices", "Default", "InputPath", "OutputPath"]].concat(),
        cx,
    );
    let default = if obj.has("Default") {
        t.resolve(obj, "Default", cx)
    } else {
        None
    };
    let mut rules = Vec::new();
    match obj.required("Choices", cx) {
        Some(Value::Array(items)) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                let ptr = format!("{}/{i}", obj.at("Choices"));
                if let Some(rule) = choice_rule(item, ptr, t, cx) {
                    rules.push(rule);
                }
            }
        }
        Some(_) => cx.schema(
            obj.at("Choices"),
            "The field 'Choices' must be a non-empty array of rules",
        ),
        None => {}
    }
    Kind::Choice(Choice { rules, default })
}

fn choice_rule(item: &Value, ptr: String, t: &Targets, cx: &mut Cx) -> Option<ChoiceRule> {
    let condition = Condition::parse(item, &ptr, true, &mut cx.diags);
    let map = item.as_object()?;
    let assign = super::assign::assign(map.get("Assign"), &format!("{ptr}/Assign"), cx);
    let obj = Obj::new(map, ptr);
    let next = if obj.has("Next") {
        t.resolve(&obj, "Next", cx)
    } else {
        None
    };
    Some(ChoiceRule {
        test: Test::Rule(condition?),
        next: next?,
        assign: assign.map(Assign::JsonPath),
        output: None,
    })
}

fn wait(obj: &Obj, cx: &mut Cx) -> Kind {
    obj.only(
        &[
            COMMON,
            &[
                "Seconds",
                "SecondsPath",
                "Timestamp",
                "TimestampPath",
                "InputPath",
                "OutputPath",
                "Next",
                "End",
            ],
        ]
        .concat(),
        cx,
    );
    let given: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
        .into_iter()
        .filter(|k| obj.has(k))
        .collect();
    if given.len() != 1 {
        cx.schema(
            obj.ptr.clone(),
            format!("A Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath; found {}", given.len()),
        );
    }
    let wait = match given.first().copied() {
        Some("Seconds") => obj
            .opt_int("Seconds", 0, MAX_SECONDS, cx)
            .map(Wait::Seconds),
        Some("SecondsPath") => obj.ref_path("SecondsPath", cx).map(Wait::SecondsPath),
        Some("Timestamp") => obj
            .opt_str("Timestamp", cx)
            .and_then(|s| timestamp(obj, s, cx)),
        Some("TimestampPath") => obj.ref_path("TimestampPath", cx).map(Wait::TimestampPath),
        _ => None,
    };
    Kind::Wait(wait.unwrap_or(Wait::Seconds(0)))
}

fn timestamp(obj: &Obj, s: &str, cx: &mut Cx) -> Option<Wait> {
    let parsed = crate::data::timestamp::parse_rfc3339(s);
    if parsed.is_none() {
        cx.schema(
            obj.at("Timestamp"),
            format!(
                "String does not match RFC3339 timestamp: '{s}' (write e.g. 2026-01-31T09:30:00Z)"
            ),
        );
    }
    parsed.map(Wait::Timestamp)
}

fn fail(obj: &Obj, cx: &mut Cx) -> Kind {
    obj.only(
        &[COMMON, &["Error", "ErrorPath", "Cause", "CausePath"]].concat(),
        cx,
    );
    Kind::Fail(Fail {
        error: fail_field(obj, "Error", cx),
        cause: fail_field(obj, "Cause", cx),
    })
}

fn fail_field(obj: &Obj, key: &str, cx: &mut Cx) -> FailField {
    let path_key = format!("{key}Path");
    obj.exclusive(key, &path_key, cx);
    if let Some(s) = obj.opt_str(key, cx) {
        return FailField::Literal(s.to_string());
    }
    match obj.get(&path_key) {
        Some(v) => FailField::Dynamic(compile_dynamic(
            &path_key,
            v,
            &obj.at(&path_key),
            &mut cx.diags,
        )),
        None => FailField::Absent,
    }
}

fn parallel(obj: &Obj, raw: &RawState, t: &Targets, cx: &mut Cx) -> Kind {
    let allowed = [
        "Branches",
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Retry",
        "Catch",
        "Next",
        "End",
    ];
    obj.only(&[COMMON, &allowed].concat(), cx);
    match obj.required("Branches", cx) {
        Some(Value::Array(b)) if b.is_empty() => {
            cx.schema(obj.at("Branches"), "Value cannot be empty")
        }
        Some(Value::Array(b)) => {
            for (i, branch) in b.iter().enumerate() {
                if !branch.is_object() {
                    cx.schema(
                        format!("{}/{i}", obj.at("Branches")),
                        "Each branch must be an object with StartAt and States",
                    );
                }
            }
        }
        Some(_) => cx.schema(
            obj.at("Branches"),
            "The field 'Branches' must be an array of {StartAt, States} objects",
        ),
        None => {}
    }
    Kind::Parallel(Box::new(Parallel {
        branches: raw.children.clone(),
        parameters: obj.template("Parameters", cx).map(Payload::Template),
        result_selector: obj.template("ResultSelector", cx),
        result_path: obj.result_path(cx),
        errors: error_handling(obj, t, cx),
    }))
}
