//! A state machine as a graph to draw: states as nodes shaped by their type, `Next`, `Default`,
//! Choice rules (labelled with a short form of the rule) and Catchers (labelled with their
//! errors) as edges, Parallel branches and Map item processors as nested scopes, start and end
//! marked. Built from a validated definition's JSON; the renderers (`dot.rs`, `mermaid.rs`)
//! only write it out; `layout.rs` places it for stepwise's own SVG (`svg.rs`), and
//! `workflow.rs` builds the same kind of graph from a Conductor workflow definition.

pub mod dot;
pub mod layout;
pub mod mermaid;
pub mod svg;
pub mod trace;
pub mod workflow;

use serde_json::Value;

/// What kind of state a node is, for its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Task,
    Pass,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
    /// Conductor's SWITCH/DECISION: drawn like a Choice, its cases as nested scopes.
    Switch,
    /// Conductor's FORK_JOIN: its branches as nested scopes.
    Fork,
    /// Conductor's JOIN.
    Join,
    /// Conductor's DO_WHILE: its loop body as a nested scope.
    Loop,
    /// Conductor's EVENT: publishes a message.
    Event,
    /// Conductor's HUMAN: waits for a person.
    Human,
    /// Conductor's SUB_WORKFLOW.
    SubWorkflow,
    /// Conductor's TERMINATE.
    Terminate,
}

impl Shape {
    fn of(kind: &str) -> Shape {
        match kind {
            "Pass" => Shape::Pass,
            "Choice" => Shape::Choice,
            "Wait" => Shape::Wait,
            "Succeed" => Shape::Succeed,
            "Fail" => Shape::Fail,
            "Parallel" => Shape::Parallel,
            "Map" => Shape::Map,
            _ => Shape::Task,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Task => "Task",
            Shape::Pass => "Pass",
            Shape::Choice => "Choice",
            Shape::Wait => "Wait",
            Shape::Succeed => "Succeed",
            Shape::Fail => "Fail",
            Shape::Parallel => "Parallel",
            Shape::Map => "Map",
            Shape::Switch => "Switch",
            Shape::Fork => "Fork",
            Shape::Join => "Join",
            Shape::Loop => "Do-while",
            Shape::Event => "Event",
            Shape::Human => "Human",
            Shape::SubWorkflow => "Sub-workflow",
            Shape::Terminate => "Terminate",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// `s0`, `s1`, ...: safe in every output format.
    pub id: String,
    pub name: String,
    pub shape: Shape,
    /// The scope it belongs to (`None`: the top level).
    pub scope: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Next,
    /// A Choice rule or its Default.
    Choice,
    /// A Catcher: drawn dashed.
    Catch,
    /// From a Parallel or Map state to the start of its branch or item processor: dotted.
    Enter,
    /// From the start marker, or to the end marker.
    Terminal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: Option<String>,
    pub kind: EdgeKind,
}

/// A Parallel branch or a Map's item processor: drawn as a box around its states.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub id: String,
    pub label: String,
    /// The enclosing scope (`None`: the top level).
    pub parent: Option<usize>,
    /// The id of the node it belongs to (the Parallel, Map, Switch, Fork or Loop), drawn
    /// around it.
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub scopes: Vec<Scope>,
}

/// What happened to a state in one execution (or, for coverage, in a test suite), drawn over
/// the graph by the SVG renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Succeeded,
    Failed,
    /// It failed and a Catcher took the execution on.
    Caught,
    /// Entered and not left yet.
    Running,
    /// Waiting for a task token (`.waitForTaskToken`, an activity, a Conductor WAIT/HUMAN).
    Waiting,
    NotReached,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Caught => "caught",
            Status::Running => "in progress",
            Status::Waiting => "waiting",
            Status::NotReached => "not reached",
        }
    }
}

/// One state's mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub status: Status,
    /// How many times it was entered (a loop, a Map's items).
    pub entered: u32,
    /// How many retries ran.
    pub retries: u32,
    /// The error and cause of a failure, shown in the node's tooltip and label.
    pub note: Option<String>,
}

/// An execution (or a test suite's coverage) drawn over a graph. States not in `marks` are
/// not reached.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overlay {
    /// By state name (Conductor: task reference name).
    pub marks: std::collections::BTreeMap<String, Mark>,
    /// Transitions taken, by state names (`START`/`END` for the markers).
    pub taken: std::collections::BTreeSet<(String, String)>,
    /// A line under the title: "execution … SUCCEEDED", "coverage: 7 of 9 states".
    pub caption: Option<String>,
}

/// The start and end markers' ids.
pub const START: &str = "start_marker";
pub const END: &str = "end_marker";

/// The graph of a definition (its JSON, already validated).
pub fn of_definition(definition: &Value) -> Graph {
    let mut g = Graph::default();
    let mut ids = std::collections::BTreeMap::new();
    collect(definition, None, &mut g, &mut ids);
    if let Some(start) = definition["StartAt"].as_str().and_then(|s| ids.get(s)) {
        g.edges.push(Edge {
            from: START.into(),
            to: start.clone(),
            label: None,
            kind: EdgeKind::Terminal,
        });
    }
    edges(definition, true, &mut g, &ids);
    g
}

/// Nodes and scopes of one `{StartAt, States}` block, depth first.
fn collect(
    block: &Value,
    scope: Option<usize>,
    g: &mut Graph,
    ids: &mut std::collections::BTreeMap<String, String>,
) {
    let Some(states) = block["States"].as_object() else {
        return;
    };
    for (name, state) in states {
        let id = format!("s{}", ids.len());
        ids.insert(name.clone(), id.clone());
        let shape = Shape::of(state["Type"].as_str().unwrap_or_default());
        g.nodes.push(Node {
            id: id.clone(),
            name: name.clone(),
            shape,
            scope,
        });
        for (label, child) in children(name, state) {
            let index = g.scopes.len();
            g.scopes.push(Scope {
                id: format!("c{index}"),
                label,
                parent: scope,
                owner: Some(id.clone()),
            });
            collect(child, Some(index), g, ids);
        }
    }
}

/// A Parallel's branches and a Map's item processor, with their labels.
fn children<'a>(name: &str, state: &'a Value) -> Vec<(String, &'a Value)> {
    match state["Type"].as_str() {
        Some("Parallel") => state["Branches"]
            .as_array()
            .map(|b| {
                b.iter()
                    .enumerate()
                    .map(|(i, branch)| (format!("{name}: branch {}", i + 1), branch))
                    .collect()
            })
            .unwrap_or_default(),
        Some("Map") => {
            let processor = state.get("ItemProcessor").or_else(|| state.get("Iterator"));
            let distributed = processor
                .and_then(|p| p.pointer("/ProcessorConfig/Mode"))
                .and_then(Value::as_str)
                == Some("DISTRIBUTED");
            let what = if distributed {
                "child executions"
            } else {
                "each item"
            };
            processor
                .map(|p| vec![(format!("{name}: {what}"), p)])
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// The edges of one block; `top`: its `End` states lead to the end marker.
fn edges(
    block: &Value,
    top: bool,
    g: &mut Graph,
    ids: &std::collections::BTreeMap<String, String>,
) {
    let Some(states) = block["States"].as_object() else {
        return;
    };
    let id = |name: &str| ids.get(name).cloned();
    for (name, state) in states {
        let Some(from) = id(name) else { continue };
        let mut push = |to: Option<String>, label: Option<String>, kind: EdgeKind| {
            if let Some(to) = to {
                g.edges.push(Edge {
                    from: from.clone(),
                    to,
                    label,
                    kind,
                });
            }
        };
        if let Some(next) = state["Next"].as_str() {
            push(id(next), None, EdgeKind::Next);
        }
        if let Some(rules) = state["Choices"].as_array() {
            for rule in rules {
                let next = rule["Next"].as_str().and_then(id);
                push(next, Some(rule_label(rule)), EdgeKind::Choice);
            }
        }
        if let Some(default) = state["Default"].as_str() {
            push(id(default), Some("Default".into()), EdgeKind::Choice);
        }
        if let Some(catchers) = state["Catch"].as_array() {
            for c in catchers {
                let errors: Vec<&str> = c["ErrorEquals"]
                    .as_array()
                    .map(|e| e.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let next = c["Next"].as_str().and_then(id);
                push(next, Some(errors.join(", ")), EdgeKind::Catch);
            }
        }
        let ends = state["End"] == Value::Bool(true)
            || matches!(state["Type"].as_str(), Some("Succeed" | "Fail"));
        if top && ends {
            push(Some(END.into()), None, EdgeKind::Terminal);
        }
        for (_, child) in children(name, state) {
            let start = child["StartAt"].as_str().and_then(id);
            push(start, None, EdgeKind::Enter);
        }
        for (_, child) in children(name, state) {
            edges(child, false, g, ids);
        }
    }
}

/// A short form of a Choice rule: `$.qty > 100`, a JSONata condition, `and(…)`.
pub fn rule_label(rule: &Value) -> String {
    shorten(&rule_text(rule), 40)
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        text.to_string()
    }
}

fn rule_text(rule: &Value) -> String {
    if let Some(c) = rule["Condition"].as_str() {
        return c
            .trim()
            .trim_start_matches("{%")
            .trim_end_matches("%}")
            .trim()
            .to_string();
    }
    for (key, join) in [("And", " and "), ("Or", " or ")] {
        if let Some(parts) = rule[key].as_array() {
            let texts: Vec<String> = parts.iter().map(rule_text).collect();
            return texts.join(join);
        }
    }
    if rule.get("Not").is_some() {
        return format!("not ({})", rule_text(&rule["Not"]));
    }
    let variable = rule["Variable"].as_str().unwrap_or("?");
    let ops = [
        ("Equals", "=="),
        ("GreaterThanEquals", ">="),
        ("LessThanEquals", "<="),
        ("GreaterThan", ">"),
        ("LessThan", "<"),
        ("Matches", "matches"),
    ];
    if let Some(obj) = rule.as_object() {
        for (key, value) in obj {
            if key == "Variable" || key == "Next" || key == "Assign" || key == "Output" {
                continue;
            }
            let (op_key, path) = match key.strip_suffix("Path") {
                Some(k) => (k, true),
                None => (key.as_str(), false),
            };
            if let Some(test) = op_key.strip_prefix("Is") {
                return format!("{variable} is {}", test.to_ascii_lowercase());
            }
            if let Some((suffix, op)) = ops.iter().find(|(s, _)| op_key.ends_with(s)) {
                let _ = suffix;
                let shown = match (value, path) {
                    (Value::String(s), true) => s.clone(),
                    (v, _) => v.to_string(),
                };
                return format!("{variable} {op} {shown}");
            }
        }
    }
    variable.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_branches_and_edges_become_a_graph() {
        let d = json!({"StartAt": "Check", "States": {
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$.qty", "NumericGreaterThan": 100, "Next": "Fan"}], "Default": "Done"},
            "Fan": {"Type": "Parallel", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}}}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "Next": "Done"},
            "Done": {"Type": "Succeed"}}});
        let g = of_definition(&d);
        assert_eq!(g.nodes.len(), 5);
        assert_eq!(g.scopes.len(), 2);
        let label_of = |kind: EdgeKind| {
            g.edges
                .iter()
                .filter(|e| e.kind == kind)
                .filter_map(|e| e.label.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(label_of(EdgeKind::Choice), ["$.qty > 100", "Default"]);
        assert_eq!(label_of(EdgeKind::Catch), ["States.ALL"]);
        assert_eq!(
            g.edges.iter().filter(|e| e.kind == EdgeKind::Enter).count(),
            2
        );
        assert!(g.edges.iter().any(|e| e.from == START));
        assert!(g.edges.iter().any(|e| e.to == END));
    }

    #[test]
    fn rules_have_short_labels() {
        assert_eq!(
            rule_label(&json!({"Variable": "$.a", "StringEquals": "x", "Next": "N"})),
            "$.a == \"x\""
        );
        assert_eq!(
            rule_label(&json!({"Variable": "$.a", "IsPresent": true, "Next": "N"})),
            "$.a is present"
        );
        assert_eq!(
            rule_label(&json!({"Condition": "{% $states.input.total > 100 %}", "Next": "N"})),
            "$states.input.total > 100"
        );
        assert!(
            rule_label(&json!({"And": [
            {"Variable": "$.aaaaaaaaaaaa", "NumericGreaterThanPath": "$.bbbbbbbbbbbbbb"},
            {"Variable": "$.c", "BooleanEquals": true}], "Next": "N"}))
            .ends_with('…')
        );
    }
}
