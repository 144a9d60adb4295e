//! A Conductor workflow definition as the same kind of `Graph` a state machine becomes: tasks
//! in sequence, SWITCH/DECISION cases and FORK_JOIN branches as nested scopes rejoining after
//! them, a DO_WHILE's body as a scope with a back edge labelled with its condition. Node names
//! are task reference names, which is what an execution's `Overlay` keys on. Reads the JSON
//! as it is (unknown or missing fields draw as plain tasks); it never fails.

use super::{END, Edge, EdgeKind, Graph, Node, START, Scope, Shape};
use serde_json::Value;

/// The graph of a workflow definition (`{"tasks": [...]}`).
pub fn of_workflow(def: &Value) -> Graph {
    let mut b = Builder::default();
    let empty = Vec::new();
    let tasks = def["tasks"].as_array().unwrap_or(&empty);
    let (first, exits) = b.sequence(tasks, None);
    if let Some(first) = first {
        b.edge(START, &first, None, EdgeKind::Terminal);
    }
    for exit in exits {
        b.edge(&exit, END, None, EdgeKind::Terminal);
    }
    b.g
}

#[derive(Default)]
struct Builder {
    g: Graph,
}

impl Builder {
    fn edge(&mut self, from: &str, to: &str, label: Option<String>, kind: EdgeKind) {
        self.g.edges.push(Edge {
            from: from.into(),
            to: to.into(),
            label,
            kind,
        });
    }

    /// Tasks one after the other: the first one's id and the ids the next task continues from.
    fn sequence(&mut self, tasks: &[Value], scope: Option<usize>) -> (Option<String>, Vec<String>) {
        let mut first = None;
        let mut exits: Option<Vec<String>> = None;
        for task in tasks {
            let (entry, out) = self.task(task, scope);
            match &exits {
                Some(previous) => {
                    for p in previous.clone() {
                        self.edge(&p, &entry, None, EdgeKind::Next);
                    }
                }
                None => first = Some(entry.clone()),
            }
            exits = Some(out);
        }
        (first, exits.unwrap_or_default())
    }

    /// One task (and what it nests): its id and its exits.
    fn task(&mut self, task: &Value, scope: Option<usize>) -> (String, Vec<String>) {
        let id = format!("t{}", self.g.nodes.len());
        let kind = task["type"].as_str().unwrap_or("SIMPLE");
        let name = task["taskReferenceName"]
            .as_str()
            .or_else(|| task["name"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("task {}", self.g.nodes.len() + 1));
        self.g.nodes.push(Node {
            id: id.clone(),
            name,
            shape: shape(kind),
            scope,
        });
        let exits = match kind {
            "SWITCH" | "DECISION" => self.switch(&id, task, scope),
            "FORK_JOIN" => self.fork(&id, task, scope),
            "DO_WHILE" => self.do_while(&id, task, scope),
            "TERMINATE" => {
                self.edge(&id, END, None, EdgeKind::Terminal);
                Vec::new()
            }
            _ => vec![id.clone()],
        };
        (id, exits)
    }

    fn scope(&mut self, owner: &str, label: String, parent: Option<usize>) -> usize {
        self.g.scopes.push(Scope {
            id: format!("c{}", self.g.scopes.len()),
            label,
            parent,
            owner: Some(owner.into()),
        });
        self.g.scopes.len() - 1
    }

    /// Each case a scope entered by an edge labelled with its value; an empty or missing case
    /// goes straight on from the switch.
    fn switch(&mut self, id: &str, task: &Value, parent: Option<usize>) -> Vec<String> {
        let mut cases: Vec<(String, &[Value])> = Vec::new();
        if let Some(map) = task["decisionCases"].as_object() {
            for (value, tasks) in map {
                cases.push((value.clone(), tasks.as_array().map_or(&[], Vec::as_slice)));
            }
        }
        let default = task["defaultCase"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        cases.push(("default".into(), default));
        let mut exits = Vec::new();
        let mut through = false;
        for (value, tasks) in cases {
            if tasks.is_empty() {
                through = true;
                continue;
            }
            let scope = self.scope(id, value.clone(), parent);
            let (first, out) = self.sequence(tasks, Some(scope));
            if let Some(first) = first {
                self.edge(id, &first, Some(value), EdgeKind::Choice);
            }
            exits.extend(out);
        }
        if through {
            exits.push(id.into());
        }
        exits
    }

    /// Each branch a scope; the next task (the JOIN) follows every branch.
    fn fork(&mut self, id: &str, task: &Value, parent: Option<usize>) -> Vec<String> {
        let mut exits = Vec::new();
        let branches = task["forkTasks"].as_array().map_or(&[][..], Vec::as_slice);
        for (i, branch) in branches.iter().enumerate() {
            let tasks = branch.as_array().map_or(&[][..], Vec::as_slice);
            if tasks.is_empty() {
                continue;
            }
            let scope = self.scope(id, format!("branch {}", i + 1), parent);
            let (first, out) = self.sequence(tasks, Some(scope));
            if let Some(first) = first {
                self.edge(id, &first, None, EdgeKind::Enter);
            }
            exits.extend(out);
        }
        if exits.is_empty() {
            exits.push(id.into());
        }
        exits
    }

    /// The body a scope, its end leading back to its start while the condition holds.
    fn do_while(&mut self, id: &str, task: &Value, parent: Option<usize>) -> Vec<String> {
        let body = task["loopOver"].as_array().map_or(&[][..], Vec::as_slice);
        if body.is_empty() {
            return vec![id.into()];
        }
        let scope = self.scope(id, "loop body".into(), parent);
        let (first, out) = self.sequence(body, Some(scope));
        if let Some(first) = first {
            self.edge(id, &first, None, EdgeKind::Enter);
            let condition = task["loopCondition"].as_str().unwrap_or("loop");
            let label = format!("while {}", super::shorten(condition.trim(), 40));
            for exit in out {
                self.edge(&exit, &first, Some(label.clone()), EdgeKind::Choice);
            }
        }
        vec![id.into()]
    }
}

fn shape(kind: &str) -> Shape {
    match kind {
        "SWITCH" | "DECISION" => Shape::Switch,
        "FORK_JOIN" | "FORK_JOIN_DYNAMIC" => Shape::Fork,
        "JOIN" => Shape::Join,
        "DO_WHILE" => Shape::Loop,
        "EVENT" => Shape::Event,
        "HUMAN" => Shape::Human,
        "WAIT" => Shape::Wait,
        "SUB_WORKFLOW" | "START_WORKFLOW" => Shape::SubWorkflow,
        "TERMINATE" => Shape::Terminate,
        _ => Shape::Task,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn switches_forks_and_loops_nest_and_rejoin() {
        let def = json!({"tasks": [
            {"taskReferenceName": "pick", "type": "SWITCH", "decisionCases": {
                "NY": [{"taskReferenceName": "courier", "type": "SET_VARIABLE"}]},
             "defaultCase": [{"taskReferenceName": "post", "type": "SET_VARIABLE"}]},
            {"taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
                [{"taskReferenceName": "a", "type": "WAIT"}],
                [{"taskReferenceName": "b", "type": "EVENT"}]]},
            {"taskReferenceName": "join", "type": "JOIN"},
            {"taskReferenceName": "again", "type": "DO_WHILE", "loopCondition": "$.n < 3",
             "loopOver": [{"taskReferenceName": "work", "type": "SIMPLE"},
                          {"taskReferenceName": "ask", "type": "HUMAN"}]}]});
        let g = of_workflow(&def);
        let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "pick", "courier", "post", "fork", "a", "b", "join", "again", "work", "ask"
            ]
        );
        assert_eq!(g.scopes.len(), 5);
        let id = |name: &str| g.nodes.iter().find(|n| n.name == name).unwrap().id.clone();
        let has = |from: &str, to: &str| g.edges.iter().any(|e| e.from == from && e.to == to);
        assert!(has(&id("pick"), &id("courier")));
        assert!(has(&id("courier"), &id("fork")) && has(&id("post"), &id("fork")));
        assert!(has(&id("a"), &id("join")) && has(&id("b"), &id("join")));
        let back = g
            .edges
            .iter()
            .find(|e| e.from == id("ask") && e.to == id("work"))
            .unwrap();
        assert_eq!(back.label.as_deref(), Some("while $.n < 3"));
        assert!(has(START, &id("pick")) && has(&id("again"), END));
    }
}
