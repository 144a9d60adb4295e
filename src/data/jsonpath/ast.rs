//! The compiled form of a path: steps, selectors and filter expressions.

use serde_json::Value;
use std::fmt::Write;

/// One step of a path: a selector, applied to every descendant-or-self node when `scan` (`..`).
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) scan: bool,
    pub(crate) sel: Selector,
}

#[derive(Debug, Clone)]
pub(crate) enum Selector {
    /// `.a`, `['a']`
    Name(Name),
    /// `['a','b']`
    Names(Vec<Name>),
    /// `[0]`, `[-1]`
    Index(i64),
    /// `[0,2]`
    Indexes(Vec<i64>),
    /// `[1:5:2]`
    Slice(Slice),
    /// `.*`, `[*]`
    Wildcard,
    /// `[?(...)]`
    Filter(Box<Filter>),
}

/// A member name, with the quote it was written with: Jayway echoes it in `No results` paths.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub(crate) key: String,
    pub(crate) quote: char,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Slice {
    pub(crate) start: Option<i64>,
    pub(crate) end: Option<i64>,
    pub(crate) step: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub(crate) expr: Expr,
    /// The expression reads a member of `@` (`@.x`, `@[0]`): scalar elements are skipped.
    pub(crate) reads_members: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Exists(Query),
    Compare(Operand, CmpOp, Operand),
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Query(Query),
    Literal(Value),
}

/// A path inside a filter: `@...` (relative to the element) or `$...` (the document).
#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub(crate) relative: bool,
    pub(crate) steps: Vec<Step>,
    pub(crate) definite: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Jayway's rule: every token definite; a multi-name token only counts as the last one.
pub(crate) fn is_definite(steps: &[Step]) -> bool {
    let last = steps.len().saturating_sub(1);
    steps.iter().enumerate().all(|(i, step)| {
        !step.scan
            && match step.sel {
                Selector::Name(_) | Selector::Index(_) => true,
                Selector::Names(_) => i == last,
                _ => false,
            }
    })
}

impl Expr {
    /// Whether any `@` path in the expression has steps (reads inside the element).
    pub(crate) fn reads_members(&self) -> bool {
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => a.reads_members() || b.reads_members(),
            Expr::Not(e) => e.reads_members(),
            Expr::Exists(q) => q.reads_members(),
            Expr::Compare(l, _, r) => l.reads_members() || r.reads_members(),
        }
    }
}

impl Operand {
    fn reads_members(&self) -> bool {
        matches!(self, Operand::Query(q) if q.reads_members())
    }
}

impl Query {
    fn reads_members(&self) -> bool {
        self.relative && !self.steps.is_empty()
    }
}

impl Step {
    /// Jayway's `toString` of this token, used in its error messages.
    pub(crate) fn write_fragment(&self, out: &mut String) {
        if self.scan {
            out.push_str("..");
        }
        self.sel.write_fragment(out);
    }
}

impl Selector {
    fn write_fragment(&self, out: &mut String) {
        out.push('[');
        match self {
            Selector::Name(n) => n.write_quoted(out),
            Selector::Names(ns) => {
                for (i, n) in ns.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    n.write_quoted(out);
                }
            }
            Selector::Index(i) => {
                let _ = write!(out, "{i}");
            }
            Selector::Indexes(is) => {
                let parts: Vec<String> = is.iter().map(i64::to_string).collect();
                out.push_str(&parts.join(","));
            }
            Selector::Slice(s) => s.write(out),
            Selector::Wildcard => out.push('*'),
            Selector::Filter(_) => out.push('?'),
        }
        out.push(']');
    }
}

impl Name {
    /// Jayway escapes `\` and `'` whatever the delimiter.
    fn write_quoted(&self, out: &mut String) {
        out.push(self.quote);
        for c in self.key.chars() {
            if c == '\\' || c == '\'' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(self.quote);
    }
}

impl Slice {
    fn write(&self, out: &mut String) {
        let part = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let _ = write!(out, "{}:{}", part(self.start), part(self.end));
        if let Some(step) = self.step {
            let _ = write!(out, ":{step}");
        }
    }
}
