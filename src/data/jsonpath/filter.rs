//! Filter evaluation: whether one element passes a `[?(...)]` condition.

use super::ast::{CmpOp, Expr, Filter, Operand, Query};
use super::eval::{self, Budget};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Whether `item` passes the filter; `root` is the document `$` refers to.
pub(crate) fn matches(filter: &Filter, item: &Value, root: &Value, budget: &Budget) -> bool {
    // The AWS guide: "@" does not match scalars. A bare "@" still compares the element itself.
    if filter.reads_members && !(item.is_object() || item.is_array()) {
        return false;
    }
    holds(&filter.expr, item, root, budget)
}

fn holds(expr: &Expr, item: &Value, root: &Value, budget: &Budget) -> bool {
    match expr {
        Expr::Or(a, b) => holds(a, item, root, budget) || holds(b, item, root, budget),
        Expr::And(a, b) => holds(a, item, root, budget) && holds(b, item, root, budget),
        Expr::Not(e) => !holds(e, item, root, budget),
        Expr::Exists(q) => exists(q, item, root, budget),
        Expr::Compare(l, op, r) => compare(
            operand(l, item, root, budget),
            *op,
            operand(r, item, root, budget),
        ),
    }
}

/// A definite path exists when it resolves (even to `null`); an indefinite one when it matches.
fn exists(q: &Query, item: &Value, root: &Value, budget: &Budget) -> bool {
    let start = if q.relative { item } else { root };
    if q.definite {
        eval::walk(&q.steps, start).is_ok()
    } else {
        !eval::select_many(&q.steps, start, root, budget).is_empty()
    }
}

/// The operand's value; `None` is Jayway's `UNDEFINED` (a path that does not resolve).
fn operand<'a>(
    op: &'a Operand,
    item: &'a Value,
    root: &'a Value,
    budget: &Budget,
) -> Option<Cow<'a, Value>> {
    let q = match op {
        Operand::Literal(v) => return Some(Cow::Borrowed(v)),
        Operand::Query(q) => q,
    };
    let start = if q.relative { item } else { root };
    if q.definite {
        return eval::walk(&q.steps, start).ok();
    }
    let found = eval::select_many(&q.steps, start, root, budget);
    Some(Cow::Owned(Value::Array(
        found.into_iter().map(Cow::into_owned).collect(),
    )))
}

fn compare(left: Option<Cow<'_, Value>>, op: CmpOp, right: Option<Cow<'_, Value>>) -> bool {
    let (Some(l), Some(r)) = (left, right) else {
        // UNDEFINED equals nothing, so only `!=` holds.
        return op == CmpOp::Ne;
    };
    match op {
        CmpOp::Eq => json_eq(&l, &r),
        CmpOp::Ne => !json_eq(&l, &r),
        CmpOp::Lt => order(&l, &r).is_some_and(Ordering::is_lt),
        CmpOp::Le => order(&l, &r).is_some_and(Ordering::is_le),
        CmpOp::Gt => order(&l, &r).is_some_and(Ordering::is_gt),
        CmpOp::Ge => order(&l, &r).is_some_and(Ordering::is_ge),
    }
}

/// Only numbers with numbers and strings with strings have an order.
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y),
        // Java's String.compareTo orders UTF-16 code units.
        (Value::String(x), Value::String(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        _ => None,
    }
}

/// Exact for integers, IEEE-754 otherwise, so `1 == 1.0`.
fn number_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// Structural equality with numeric comparison of numbers; different types are unequal.
/// Iterative, so deeply nested operands cannot exhaust the stack.
fn json_eq(a: &Value, b: &Value) -> bool {
    let mut pending = vec![(a, b)];
    while let Some((a, b)) = pending.pop() {
        let same = match (a, b) {
            (Value::Number(x), Value::Number(y)) => number_cmp(x, y) == Some(Ordering::Equal),
            (Value::Array(x), Value::Array(y)) => {
                pending.extend(x.iter().zip(y));
                x.len() == y.len()
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && pair_members(x, y, &mut pending)
            }
            (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => {
                false
            }
            _ => a == b,
        };
        if !same {
            return false;
        }
    }
    true
}

/// Queues each member of `x` with its namesake in `y`; false when `y` lacks one.
fn pair_members<'a>(
    x: &'a Map<String, Value>,
    y: &'a Map<String, Value>,
    pending: &mut Vec<(&'a Value, &'a Value)>,
) -> bool {
    for (k, v) in x {
        match y.get(k) {
            Some(w) => pending.push((v, w)),
            None => return false,
        }
    }
    true
}
