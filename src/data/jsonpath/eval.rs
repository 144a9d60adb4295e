//! Applies compiled steps to a document: the definite walk, and the gathering of matches for
//! indefinite paths.

use super::ast::{Name, Selector, Slice, Step};
use super::filter;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::Cell;

/// How many nodes one indefinite selection may visit, its filters' paths included. Chained
/// deep scans revisit a node once per match above it, so `$..a..a..a` (37 scans) over a
/// document 64 levels deep never ends (found by `scripts/fuzz`); a real selection over a 256 KB
/// payload visits far fewer.
pub(crate) const MAX_VISITS: usize = 1_000_000;

/// What is left of [`MAX_VISITS`] for one selection.
pub(crate) struct Budget(Cell<usize>);

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget(Cell::new(MAX_VISITS))
    }

    /// Charges `n` visits; false once the budget is spent.
    fn charge(&self, n: usize) -> bool {
        let left = self.0.get();
        self.0.set(left.saturating_sub(n));
        left >= n
    }

    pub(crate) fn spent(&self) -> bool {
        self.0.get() == 0
    }
}

/// Why a definite walk stopped; `at` is the index of the step that failed.
#[derive(Debug)]
pub(crate) enum Fail<'a> {
    /// The member named at step `at` is absent.
    NoMember { at: usize },
    /// Step `at` names a member, but the node is not an object.
    NotObject { at: usize, node: &'a Value },
    /// Step `at` indexes the node, but it is not an array (or is null).
    NotArray { at: usize, node: &'a Value },
    /// The index is outside the array; Jayway swallows this and reports "no results".
    OutOfBounds,
    /// The steps are not definite; callers check before walking.
    Indefinite,
}

/// Follows a definite path without allocating (except for a trailing multi-name merge).
pub(crate) fn walk<'a>(steps: &[Step], doc: &'a Value) -> Result<Cow<'a, Value>, Fail<'a>> {
    let mut cur = doc;
    for (at, step) in steps.iter().enumerate() {
        cur = match &step.sel {
            Selector::Name(name) => member(cur, name, at)?,
            Selector::Index(index) => element(cur, *index, at)?,
            Selector::Names(names) => {
                let merged = merge(cur, names).ok_or(Fail::NotObject { at, node: cur })?;
                return Ok(Cow::Owned(merged));
            }
            _ => return Err(Fail::Indefinite),
        };
    }
    Ok(Cow::Borrowed(cur))
}

fn member<'a>(node: &'a Value, name: &Name, at: usize) -> Result<&'a Value, Fail<'a>> {
    match node {
        Value::Object(map) => map.get(&name.key).ok_or(Fail::NoMember { at }),
        _ => Err(Fail::NotObject { at, node }),
    }
}

fn element<'a>(node: &'a Value, index: i64, at: usize) -> Result<&'a Value, Fail<'a>> {
    match node {
        Value::Array(items) => nth(items, index).ok_or(Fail::OutOfBounds),
        _ => Err(Fail::NotArray { at, node }),
    }
}

/// The element at `index`, counting from the end when negative.
pub(crate) fn nth<T>(items: &[T], index: i64) -> Option<&T> {
    items.get(resolve_index(index, items.len())?)
}

pub(crate) fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if index < 0 {
        index.checked_add(len)?
    } else {
        index
    };
    if i < len {
        usize::try_from(i).ok()
    } else {
        None
    }
}

/// Jayway's multi-property merge: the named members present in `node`, as one object.
fn merge(node: &Value, names: &[Name]) -> Option<Value> {
    let map = node.as_object()?;
    let mut out = Map::new();
    for name in names {
        if let Some(v) = map.get(&name.key) {
            out.insert(name.key.clone(), v.clone());
        }
    }
    Some(Value::Object(out))
}

/// Every match of an indefinite path, in document order. Missing data is no match. Stops early,
/// with `budget` spent, when the selection visits too many nodes.
pub(crate) fn select_many<'a>(
    steps: &[Step],
    doc: &'a Value,
    root: &'a Value,
    budget: &Budget,
) -> Vec<Cow<'a, Value>> {
    // A trailing `['a','b']` merges instead of iterating, as in Jayway.
    let (merging, steps) = match steps.split_last() {
        Some((last, init)) if matches!(last.sel, Selector::Names(_)) => (Some(last), init),
        _ => (None, steps),
    };
    let mut nodes = vec![doc];
    for step in steps {
        if nodes.is_empty() || budget.spent() {
            break;
        }
        nodes = apply(step, &nodes, root, budget);
    }
    match merging {
        Some(step) => merge_all(step, &nodes, budget),
        None => nodes.into_iter().map(Cow::Borrowed).collect(),
    }
}

fn apply<'a>(step: &Step, nodes: &[&'a Value], root: &'a Value, budget: &Budget) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for &node in nodes {
        let before = out.len();
        if step.scan {
            for_each_descendant(node, budget, |d| {
                select_scanned(&step.sel, d, root, &mut out, budget)
            });
        } else {
            select(&step.sel, node, root, &mut out, budget);
        }
        if !budget.charge(1 + out.len() - before) {
            break;
        }
    }
    out
}

fn merge_all<'a>(step: &Step, nodes: &[&'a Value], budget: &Budget) -> Vec<Cow<'a, Value>> {
    let Selector::Names(names) = &step.sel else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut take = |node: &Value, need_all: bool| {
        let has_all = |m: &Map<String, Value>| names.iter().all(|n| m.contains_key(&n.key));
        if node.as_object().is_some_and(|m| !need_all || has_all(m)) {
            out.extend(merge(node, names).map(Cow::Owned));
        }
    };
    for &node in nodes {
        if step.scan {
            // Jayway's scan only stops at objects holding every name.
            for_each_descendant(node, budget, |d| take(d, true));
        } else {
            take(node, false);
        }
    }
    out
}

/// Pre-order, iteratively: documents may nest deeper than the stack allows. Each node visited
/// is charged to `budget`; the walk stops when it is spent.
fn for_each_descendant<'a>(node: &'a Value, budget: &Budget, mut visit: impl FnMut(&'a Value)) {
    let mut stack = vec![node];
    while let Some(v) = stack.pop() {
        if !budget.charge(1) {
            return;
        }
        visit(v);
        match v {
            Value::Object(map) => stack.extend(map.values().rev()),
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
}

fn select<'a>(
    sel: &Selector,
    node: &'a Value,
    root: &'a Value,
    out: &mut Vec<&'a Value>,
    budget: &Budget,
) {
    match (sel, node) {
        (Selector::Name(n), Value::Object(map)) => out.extend(map.get(&n.key)),
        (Selector::Names(ns), Value::Object(map)) => {
            out.extend(ns.iter().filter_map(|n| map.get(&n.key)));
        }
        (Selector::Index(i), Value::Array(items)) => out.extend(nth(items, *i)),
        (Selector::Indexes(is), Value::Array(items)) => {
            out.extend(is.iter().filter_map(|i| nth(items, *i)));
        }
        (Selector::Slice(s), Value::Array(items)) => {
            out.extend(slice_indices(s, items.len()).filter_map(|i| items.get(i)));
        }
        (Selector::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Selector::Wildcard, Value::Array(items)) => out.extend(items),
        // Jayway tests an object itself, but each element of an array.
        (Selector::Filter(f), Value::Object(_)) if filter::matches(f, node, root, budget) => {
            out.push(node)
        }
        (Selector::Filter(f), Value::Array(items)) => {
            out.extend(
                items
                    .iter()
                    .filter(|item| filter::matches(f, item, root, budget)),
            );
        }
        _ => {}
    }
}

/// Under `..`, a filter tests each container node itself; testing array elements as well
/// would report every object twice.
fn select_scanned<'a>(
    sel: &Selector,
    node: &'a Value,
    root: &'a Value,
    out: &mut Vec<&'a Value>,
    budget: &Budget,
) {
    match sel {
        Selector::Filter(f) => {
            let container = node.is_object() || node.is_array();
            if container && filter::matches(f, node, root, budget) {
                out.push(node);
            }
        }
        _ => select(sel, node, root, out, budget),
    }
}

/// Python slice semantics: negative bounds count from the end, bounds clamp to the array,
/// a negative step walks backwards.
pub(crate) fn slice_indices(s: &Slice, len: usize) -> impl Iterator<Item = usize> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let step = s.step.unwrap_or(1);
    let norm = move |v: i64| if v < 0 { v.saturating_add(len) } else { v };
    let (start, end) = if step > 0 {
        let start = s.start.map_or(0, |v| norm(v).clamp(0, len));
        (start, s.end.map_or(len, |v| norm(v).clamp(0, len)))
    } else {
        let start = s.start.map_or(len - 1, |v| norm(v).clamp(-1, len - 1));
        (start, s.end.map_or(-1, |v| norm(v).clamp(-1, len - 1)))
    };
    let mut i = start;
    std::iter::from_fn(move || {
        let inside = if step > 0 { i < end } else { i > end };
        if !inside {
            return None;
        }
        let current = i;
        i = i.saturating_add(step);
        usize::try_from(current).ok()
    })
}
