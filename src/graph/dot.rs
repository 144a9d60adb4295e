//! A graph in Graphviz's DOT language: `stepwise graph FILE --format dot | dot -Tsvg`.

use super::{END, EdgeKind, Graph, START, Shape};
use std::fmt::Write;

/// DOT text of `g`, states in boxes shaped by type, branches as clusters.
pub fn render(g: &Graph, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(title));
    out.push_str("  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let _ = writeln!(
        out,
        "  {START} [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];"
    );
    let _ = writeln!(
        out,
        "  {END} [shape=doublecircle, label=\"\", width=0.15, style=filled, fillcolor=black];"
    );
    scope(g, None, 1, &mut out);
    for e in &g.edges {
        let mut attrs = Vec::new();
        if let Some(l) = &e.label {
            attrs.push(format!("label={}", quote(l)));
        }
        match e.kind {
            EdgeKind::Catch => attrs.push("style=dashed, color=\"#c0392b\"".into()),
            EdgeKind::Enter => attrs.push("style=dotted, arrowhead=none".into()),
            _ => {}
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(out, "  {} -> {}{attrs};", e.from, e.to);
    }
    out.push_str("}\n");
    out
}

/// The nodes and nested clusters of one scope.
fn scope(g: &Graph, at: Option<usize>, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for n in g.nodes.iter().filter(|n| n.scope == at) {
        let (shape, style) = match n.shape {
            Shape::Choice => ("diamond", "filled"),
            Shape::Succeed => ("box", "rounded,filled,bold"),
            Shape::Fail => ("box", "rounded,filled,bold"),
            Shape::Wait => ("box", "rounded,filled,dashed"),
            Shape::Pass => ("box", "rounded,filled"),
            _ => ("box", "filled"),
        };
        let fill = match n.shape {
            Shape::Fail => "#fdecea",
            Shape::Succeed => "#e8f6ec",
            Shape::Choice => "#fff7e0",
            Shape::Parallel | Shape::Map => "#eef2fb",
            _ => "#ffffff",
        };
        let label = format!("{}\\n{}", escape(&n.name), n.shape.name());
        let _ = writeln!(
            out,
            "{pad}{} [shape={shape}, style=\"{style}\", fillcolor=\"{fill}\", label=\"{label}\"];",
            n.id
        );
    }
    for (i, s) in g.scopes.iter().enumerate().filter(|(_, s)| s.parent == at) {
        let _ = writeln!(out, "{pad}subgraph cluster_{} {{", s.id);
        let _ = writeln!(
            out,
            "{pad}  label={}; style=\"rounded,dashed\"; color=\"#7f8c8d\";",
            quote(&s.label)
        );
        scope(g, Some(i), depth + 1, out);
        let _ = writeln!(out, "{pad}}}");
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn quote(s: &str) -> String {
    format!("\"{}\"", escape(s))
}
