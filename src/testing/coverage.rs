//! Coverage of a definition by its cases: the states entered, the Choice branches taken (each
//! rule and `Default`) and the Catchers used, from the executions' histories and traces.

use crate::asl::model::{Kind, Machine, State, StateId, Transition};
use crate::engine::history::Details;
use crate::engine::{HistoryEvent, Trace};
use crate::graph::{END, Mark, Overlay, Status};
use std::collections::{HashMap, HashSet};

/// One thing a case can exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Unit {
    State(StateId),
    /// A Choice rule (`None`: `Default`).
    Branch(StateId, Option<usize>),
    Catcher(StateId, usize),
}

/// What the cases of one definition exercised so far.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    seen: HashSet<Unit>,
    /// Set once any case ran, so "no cases" reads differently from "nothing covered".
    pub runs: usize,
}

/// The summary for one definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub covered: usize,
    pub total: usize,
    /// What no case exercised, for people: `state 'Retry'`, `Choice 'Done?' Choices[1] (→ GaveUp)`.
    pub missed: Vec<String>,
}

impl Coverage {
    /// Records one execution of `machine`.
    pub fn record(&mut self, machine: &Machine, history: &[HistoryEvent], trace: &[Trace]) {
        self.runs += 1;
        let ids: HashMap<&str, StateId> = machine
            .states
            .iter()
            .enumerate()
            .map(|(i, s)| (&*s.name, i))
            .collect();
        for e in history {
            if let Details::StateEntered { name, .. } = &e.details
                && let Some(id) = ids.get(&**name)
            {
                self.seen.insert(Unit::State(*id));
            }
        }
        for t in trace {
            self.seen.insert(match *t {
                Trace::Choice { state, rule } => Unit::Branch(state, rule),
                Trace::Caught { state, catcher } => Unit::Catcher(state, catcher),
            });
        }
    }

    /// Everything `machine` has that can be exercised, and what was not.
    pub fn report(&self, machine: &Machine) -> Report {
        let all = units(machine);
        let missed: Vec<String> = all
            .iter()
            .filter(|u| !self.seen.contains(u))
            .map(|u| describe(machine, *u))
            .collect();
        Report {
            covered: all.len() - missed.len(),
            total: all.len(),
            missed,
        }
    }
}

impl Coverage {
    /// What the cases exercised, to draw over the definition's graph: each state entered is
    /// marked succeeded (with how many cases entered it, when counted), the Choice branches and
    /// Catchers taken and the `Next` of every state entered are drawn as taken; what no case
    /// exercised stays "not reached".
    pub fn overlay(&self, machine: &Machine) -> Overlay {
        let mut o = Overlay::default();
        let name = |id: StateId| machine.states[id].name.to_string();
        for unit in &self.seen {
            match *unit {
                Unit::State(id) => {
                    o.marks.insert(
                        name(id),
                        Mark {
                            status: Status::Succeeded,
                            entered: 0,
                            retries: 0,
                            note: None,
                        },
                    );
                    let s = &machine.states[id];
                    match s.next {
                        Transition::Next(next) => {
                            o.taken.insert((name(id), name(next)));
                        }
                        Transition::End => {
                            o.taken.insert((name(id), END.to_string()));
                        }
                        Transition::None if matches!(s.kind, Kind::Succeed) => {
                            o.taken.insert((name(id), END.to_string()));
                        }
                        Transition::None => {}
                    }
                }
                Unit::Branch(id, Some(i)) => {
                    if let Some(next) = rule_targets(&machine.states[id]).get(i) {
                        o.taken.insert((name(id), name(*next)));
                    }
                }
                Unit::Branch(id, None) => {
                    if let Kind::Choice(c) = &machine.states[id].kind
                        && let Some(d) = c.default
                    {
                        o.taken.insert((name(id), name(d)));
                    }
                }
                Unit::Catcher(id, i) => {
                    if let Some(c) = catchers(&machine.states[id]).get(i) {
                        o.taken.insert((name(id), name(c.next)));
                    }
                }
            }
        }
        let r = self.report(machine);
        o.caption = Some(format!(
            "coverage: {} of {} states, Choice branches and Catchers exercised by {} case(s)",
            r.covered, r.total, self.runs
        ));
        o
    }
}

/// Every unit, in definition order: each state, then its branches and Catchers.
fn units(machine: &Machine) -> Vec<Unit> {
    let mut out = Vec::new();
    for (id, s) in machine.states.iter().enumerate() {
        out.push(Unit::State(id));
        if let Kind::Choice(c) = &s.kind {
            out.extend((0..rule_targets(s).len()).map(|i| Unit::Branch(id, Some(i))));
            if c.default.is_some() {
                out.push(Unit::Branch(id, None));
            }
        }
        out.extend((0..catchers(s).len()).map(|i| Unit::Catcher(id, i)));
    }
    out
}

/// The `Next` of each Choice rule, in either query language.
fn rule_targets(s: &State) -> Vec<StateId> {
    match &s.kind {
        Kind::Choice(c) => c.rules.iter().map(|r| r.next).collect(),
        _ => Vec::new(),
    }
}

fn catchers(s: &State) -> &[crate::asl::model::Catcher] {
    match &s.kind {
        Kind::Task(t) => &t.errors.catch,
        Kind::Parallel(p) => &p.errors.catch,
        Kind::Map(m) => &m.errors.catch,
        _ => &[],
    }
}

fn describe(machine: &Machine, unit: Unit) -> String {
    let name = |id: StateId| &*machine.states[id].name;
    match unit {
        Unit::State(id) => format!("state '{}'", name(id)),
        Unit::Branch(id, Some(i)) => {
            let next = rule_targets(&machine.states[id]).get(i).copied();
            format!(
                "Choice '{}' Choices[{i}] (→ {})",
                name(id),
                next.map_or("?", name)
            )
        }
        Unit::Branch(id, None) => {
            let default = match &machine.states[id].kind {
                Kind::Choice(c) => c.default,
                _ => None,
            };
            format!(
                "Choice '{}' Default (→ {})",
                name(id),
                default.map_or("?", name)
            )
        }
        Unit::Catcher(id, i) => {
            let c = &catchers(&machine.states[id])[i];
            format!(
                "'{}' Catch[{i}] {:?} (→ {})",
                name(id),
                c.error_equals,
                name(c.next)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ExecutionInfo;
    use crate::integrations::Router;
    use crate::runtime::clock::VirtualClock;
    use serde_json::{Value, json};

    const MACHINE: &str = r#"{"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [
            {"Variable": "$.x", "NumericEquals": 1, "Next": "A"},
            {"Variable": "$.x", "NumericEquals": 2, "Next": "A"}], "Default": "F"},
        "A": {"Type": "Pass", "End": true},
        "F": {"Type": "Fail", "Error": "E"}}}"#;

    fn run(machine: &Machine, cov: &mut Coverage, input: Value) {
        let info = ExecutionInfo {
            execution_arn: "arn".into(),
            name: "n".into(),
            state_machine_arn: "sm".into(),
            state_machine_name: "sm".into(),
            role_arn: "r".into(),
            region: "us-east-1".into(),
            start_ms: 0,
            input,
        };
        let done = crate::runtime::local::run(
            machine,
            info,
            [0; 32],
            &mut Router::default(),
            &VirtualClock::new(0),
        );
        cov.record(machine, &done.history, &done.trace);
    }

    #[test]
    fn tells_rules_with_the_same_target_apart() {
        let machine = crate::asl::load(MACHINE).unwrap();
        let mut cov = Coverage::default();
        run(&machine, &mut cov, json!({"x": 2}));
        let r = cov.report(&machine);
        assert_eq!(
            r.missed,
            [
                "Choice 'C' Choices[0] (→ A)",
                "Choice 'C' Default (→ F)",
                "state 'F'"
            ]
        );
        assert_eq!((r.covered, r.total), (3, 6));
        run(&machine, &mut cov, json!({"x": 1}));
        run(&machine, &mut cov, json!({"x": 3}));
        assert!(cov.report(&machine).missed.is_empty());
    }
}
