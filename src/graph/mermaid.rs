//! A graph as a Mermaid flowchart, which GitHub and many docs render in place.

use super::{END, EdgeKind, Graph, START, Shape};
use std::fmt::Write;

/// Mermaid text of `g`: states shaped by type, branches as subgraphs.
pub fn render(g: &Graph) -> String {
    let mut out = String::from("flowchart TD\n");
    let _ = writeln!(out, "  {START}(( ))");
    let _ = writeln!(out, "  {END}((( )))");
    scope(g, None, 1, &mut out);
    for e in &g.edges {
        let arrow = match e.kind {
            EdgeKind::Catch => "-.->",
            EdgeKind::Enter => "-.-",
            _ => "-->",
        };
        match &e.label {
            Some(l) => {
                let _ = writeln!(out, "  {} {arrow}|\"{}\"| {}", e.from, text(l), e.to);
            }
            None => {
                let _ = writeln!(out, "  {} {arrow} {}", e.from, e.to);
            }
        }
    }
    out.push_str("  classDef fail fill:#fdecea,stroke:#c0392b\n");
    out.push_str("  classDef succeed fill:#e8f6ec,stroke:#27ae60\n");
    for n in &g.nodes {
        match n.shape {
            Shape::Fail => {
                let _ = writeln!(out, "  class {} fail", n.id);
            }
            Shape::Succeed => {
                let _ = writeln!(out, "  class {} succeed", n.id);
            }
            _ => {}
        }
    }
    out
}

fn scope(g: &Graph, at: Option<usize>, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for n in g.nodes.iter().filter(|n| n.scope == at) {
        let label = format!("{}<br/><small>{}</small>", text(&n.name), n.shape.name());
        let node = match n.shape {
            Shape::Choice => format!("{}{{\"{label}\"}}", n.id),
            Shape::Pass | Shape::Wait => format!("{}([\"{label}\"])", n.id),
            Shape::Succeed | Shape::Fail => format!("{}[[\"{label}\"]]", n.id),
            _ => format!("{}[\"{label}\"]", n.id),
        };
        let _ = writeln!(out, "{pad}{node}");
    }
    for (i, s) in g.scopes.iter().enumerate().filter(|(_, s)| s.parent == at) {
        let _ = writeln!(out, "{pad}subgraph {} [\"{}\"]", s.id, text(&s.label));
        scope(g, Some(i), depth + 1, out);
        let _ = writeln!(out, "{pad}end");
    }
}

/// Text safe inside Mermaid's quoted labels.
fn text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}
