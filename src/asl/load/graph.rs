//! Third pass: every block has a terminal state and every state in it can be reached.

use super::fields::Cx;
use super::scan::Skeleton;
use crate::asl::model::{Kind, Machine, StateId, Transition};

pub fn check(machine: &Machine, sk: &Skeleton, cx: &mut Cx) {
    for block in &machine.blocks {
        let terminal = block.states.iter().any(|&s| is_terminal(machine, s));
        if !terminal {
            // AWS gives no location, and skips reachability for such a block.
            cx.push("MISSING_END_STATE", None, "Workflow has no terminal state");
            continue;
        }
        let reached = reachable(machine, block.start, block.states.len());
        for &s in &block.states {
            if !reached.contains(&s) {
                let ptr = sk.states[s].obj.as_ref().map(|o| o.ptr.clone());
                cx.push(
                    "MISSING_TRANSITION_TARGET",
                    ptr,
                    format!("State \"{}\" is not reachable.", machine.states[s].name),
                );
            }
        }
    }
}

fn is_terminal(machine: &Machine, s: StateId) -> bool {
    let state = &machine.states[s];
    state.next == Transition::End || matches!(state.kind, Kind::Succeed | Kind::Fail(_))
}

fn reachable(machine: &Machine, start: StateId, size: usize) -> Vec<StateId> {
    let mut seen = Vec::with_capacity(size);
    let mut todo = vec![start];
    while let Some(s) = todo.pop() {
        if seen.contains(&s) {
            continue;
        }
        seen.push(s);
        todo.extend(successors(machine, s));
    }
    seen
}

fn successors(machine: &Machine, s: StateId) -> Vec<StateId> {
    let state = &machine.states[s];
    let mut out: Vec<StateId> = match state.next {
        Transition::Next(n) => vec![n],
        _ => Vec::new(),
    };
    let catchers = match &state.kind {
        Kind::Choice(c) => {
            out.extend(c.rules.iter().map(|r| r.next));
            out.extend(c.default);
            return out;
        }
        Kind::Task(t) => &t.errors.catch,
        Kind::Parallel(p) => &p.errors.catch,
        Kind::Map(m) => &m.errors.catch,
        _ => return out,
    };
    out.extend(catchers.iter().map(|c| c.next));
    out
}
