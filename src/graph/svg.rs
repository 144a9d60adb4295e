//! A `Graph` as a standalone SVG, placed by `layout.rs`: states shaped by type, Parallel, Map
//! and Conductor's compound tasks as boxes holding their branches, Catch edges dashed with
//! their errors, Choice edges with their rules; with an `Overlay`, each state filled by what
//! happened to it, retries as a badge, the taken edges bold, a caption and a legend. Styles
//! are scoped under the root's `stepwise-graph` class and ids carry a per-drawing prefix, so
//! several drawings can sit inline in one HTML page.

use super::layout::{self, EdgePath, Layout, NodeBox, Rect};
use super::{END, EdgeKind, Graph, Mark, Overlay, START, Shape, Status};
use std::fmt::Write;

const HEAD: f64 = 34.0;
const CAPTION: f64 = 18.0;
const LEGEND: f64 = 30.0;

const STYLE: &str = "
.stepwise-graph { font-family: Helvetica, Arial, sans-serif; }
.stepwise-graph text { font-size: 12px; fill: #1f2933; }
.stepwise-graph .sw-title { font-size: 16px; font-weight: bold; }
.stepwise-graph .sw-caption { font-size: 12px; fill: #52606d; }
.stepwise-graph .sw-name { font-weight: 600; }
.stepwise-graph .sw-type, .stepwise-graph .sw-scope-label, .stepwise-graph .sw-legend text { font-size: 10px; fill: #616e7c; }
.stepwise-graph .sw-note { font-size: 10px; fill: #a61b1b; }
.stepwise-graph .shape { fill: #ffffff; stroke: #52606d; stroke-width: 1.2px; }
.stepwise-graph .pass .shape { fill: #f5f7fa; }
.stepwise-graph .choice .shape, .stepwise-graph .switch .shape { fill: #fff7e0; stroke: #b7950b; }
.stepwise-graph .wait .shape { fill: #eef7fb; stroke-dasharray: 6 3; }
.stepwise-graph .succeed .shape { fill: #e8f6ec; stroke: #2e8b57; stroke-width: 2.2px; }
.stepwise-graph .fail .shape, .stepwise-graph .terminate .shape { fill: #fdecea; stroke: #c0392b; stroke-width: 2.2px; }
.stepwise-graph .compound > .shape { fill: #eef2fb; stroke: #5b6b8c; }
.stepwise-graph .event .shape { fill: #f3ecfb; stroke: #7d3c98; }
.stepwise-graph .human .shape { fill: #eafaf7; stroke: #117a65; }
.stepwise-graph .join .shape { fill: #eef2fb; stroke: #5b6b8c; stroke-width: 2.2px; }
.stepwise-graph .sw-scope { fill: #fbfcfe; stroke: #9aa5b8; stroke-dasharray: 4 3; }
.stepwise-graph .sw-divider { stroke: #9aa5b8; stroke-width: 1px; }
.stepwise-graph .edge { fill: none; stroke: #7b8794; stroke-width: 1.3px; }
.stepwise-graph .edge.catch { stroke: #c0392b; stroke-dasharray: 5 3; }
.stepwise-graph .edge.enter { stroke: #9aa5b8; stroke-dasharray: 2 3; }
.stepwise-graph .arrow { fill: #7b8794; }
.stepwise-graph .arrow.catch { fill: #c0392b; }
.stepwise-graph .arrow.enter { fill: #9aa5b8; }
.stepwise-graph .edge.taken { stroke: #1f2933; stroke-width: 2.8px; }
.stepwise-graph .arrow.taken { fill: #1f2933; }
.stepwise-graph .edge.catch.taken { stroke: #a61b1b; }
.stepwise-graph .arrow.catch.taken { fill: #a61b1b; }
.stepwise-graph .sw-elabel { font-size: 10px; fill: #3e4c59; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
.stepwise-graph .sw-elabel.catch { fill: #c0392b; }
.stepwise-graph .marker { fill: #1f2933; stroke: #1f2933; }
.stepwise-graph .marker-ring { fill: none; stroke: #1f2933; stroke-width: 1.5px; }
.stepwise-graph .succeeded .shape { fill: #d5f0dc; stroke: #2e8b57; }
.stepwise-graph .failed .shape { fill: #f8d0cc; stroke: #c0392b; }
.stepwise-graph .caught .shape { fill: #fde2c2; stroke: #e67e22; }
.stepwise-graph .running .shape { fill: #d6e6fa; stroke: #2f6fd0; stroke-width: 2.2px; }
.stepwise-graph .waiting .shape { fill: #fff0c2; stroke: #d4a017; stroke-width: 2.6px; animation: stepwise-pulse 1.4s ease-in-out infinite; }
.stepwise-graph .not-reached .shape { fill: #f0f0f0; stroke: #b0b7c0; }
.stepwise-graph .not-reached text { fill: #8a939e; }
.stepwise-graph .sw-badge { fill: #6c3483; }
.stepwise-graph .sw-badge-text { font-size: 10px; fill: #ffffff; font-weight: bold; }
@keyframes stepwise-pulse { 50% { stroke-opacity: 0.3; } }
";

/// The SVG of `g` titled `title`, with `overlay` drawn over it when given.
pub fn render(g: &Graph, title: &str, overlay: Option<&Overlay>) -> String {
    let l = layout::layout_with(g, overlay);
    let caption = overlay.and_then(|o| o.caption.as_deref());
    let head = HEAD + if caption.is_some() { CAPTION } else { 0.0 };
    let legend = if overlay.is_some() { LEGEND } else { 0.0 };
    let width = l
        .width
        .max(layout::text_w(title, 9.0) + 32.0)
        .max(caption.map_or(0.0, |c| layout::text_w(c, layout::CHAR_W) + 32.0))
        .max(if overlay.is_some() {
            legend_width()
        } else {
            0.0
        })
        .ceil();
    let height = (head + l.height + legend).ceil();
    let prefix = format!("sw{:08x}", fnv(title, g));
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"stepwise-graph\" id=\"{prefix}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">\n<style>{STYLE}</style>\n",
        esc(title)
    );
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        out,
        "<text class=\"sw-title\" x=\"16\" y=\"24\">{}</text>",
        esc(title)
    );
    if let Some(c) = caption {
        let _ = writeln!(
            out,
            "<text class=\"sw-caption\" x=\"16\" y=\"{}\">{}</text>",
            HEAD + 8.0,
            esc(c)
        );
    }
    let _ = writeln!(out, "<g transform=\"translate(0,{head})\">");
    let drawing = Drawing {
        g,
        l: &l,
        overlay,
        prefix: &prefix,
    };
    drawing.compounds(&mut out);
    drawing.edges(&mut out);
    drawing.leaves(&mut out);
    drawing.markers(&mut out);
    out.push_str("</g>\n");
    if overlay.is_some() {
        legend_row(head + l.height + 8.0, &mut out);
    }
    out.push_str("</svg>\n");
    out
}

struct Drawing<'a> {
    g: &'a Graph,
    l: &'a Layout,
    overlay: Option<&'a Overlay>,
    prefix: &'a str,
}

impl Drawing<'_> {
    fn mark(&self, name: &str) -> Option<&Mark> {
        self.overlay.and_then(|o| o.marks.get(name))
    }

    fn status(&self, name: &str) -> Option<Status> {
        self.overlay
            .map(|_| self.mark(name).map_or(Status::NotReached, |m| m.status))
    }

    fn is_compound(&self, i: usize) -> bool {
        self.l.nodes[i].title_h > 0.0
    }

    /// Compound states and their scopes, outermost first, so inner ones paint over them.
    fn compounds(&self, out: &mut String) {
        let depth = |mut s: Option<usize>| {
            let mut d = 0;
            while let Some(i) = s {
                d += 1;
                s = self.g.scopes[i].parent;
            }
            d
        };
        let mut order: Vec<usize> = (0..self.g.nodes.len())
            .filter(|&i| self.is_compound(i))
            .collect();
        order.sort_by_key(|&i| (depth(self.g.nodes[i].scope), i));
        for i in order {
            self.node(i, out);
            for (s, scope) in self.g.scopes.iter().enumerate() {
                if scope.owner.as_deref() != Some(self.g.nodes[i].id.as_str()) {
                    continue;
                }
                let r = self.l.scopes[s];
                let label = super::shorten(&scope.label, ((r.w - 12.0) / 6.0).max(4.0) as usize);
                let _ = writeln!(
                    out,
                    "<g class=\"scope\" data-scope=\"{}\"><rect class=\"sw-scope\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/><text class=\"sw-scope-label\" x=\"{}\" y=\"{}\">{}</text></g>",
                    esc(&scope.label),
                    n(r.x),
                    n(r.y),
                    n(r.w),
                    n(r.h),
                    n(r.x + 8.0),
                    n(r.y + 13.0),
                    esc(&label)
                );
            }
        }
    }

    fn leaves(&self, out: &mut String) {
        for i in 0..self.g.nodes.len() {
            if !self.is_compound(i) {
                self.node(i, out);
            }
        }
    }

    fn node(&self, i: usize, out: &mut String) {
        let node = &self.g.nodes[i];
        let b = &self.l.nodes[i];
        let shape_class = node.shape.name().to_ascii_lowercase();
        let mut classes = vec!["state".to_string(), shape_class];
        if self.is_compound(i) {
            classes.push("compound".into());
        }
        if let Some(s) = self.status(&node.name) {
            classes.push(s.name().replace(' ', "-").replace("in-progress", "running"));
        }
        // What the console's browser test and scripts read: `succeeded`, `not-reached`, ...
        let status = self
            .status(&node.name)
            .map(|s| format!(" data-status=\"{}\"", s.name().replace(' ', "-")))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<g class=\"{}\" data-state=\"{}\"{status} id=\"{}-{}\">",
            classes.join(" "),
            esc(&node.name),
            self.prefix,
            node.id
        );
        let _ = writeln!(out, "<title>{}</title>", esc(&self.tooltip(i)));
        shape(node.shape, b, out);
        text(node.shape, b, out);
        if let Some(m) = self.mark(&node.name).filter(|m| m.retries > 0) {
            badge(&b.rect, &format!("retried ×{}", m.retries), out);
        }
        out.push_str("</g>\n");
    }

    fn tooltip(&self, i: usize) -> String {
        let node = &self.g.nodes[i];
        let mut t = format!("{}\n{}", node.name, node.shape.name());
        if let Some(s) = self.status(&node.name) {
            let _ = write!(t, "\n{}", s.name());
            if let Some(m) = self.mark(&node.name) {
                if m.entered > 0 {
                    let _ = write!(t, ", entered {}×", m.entered);
                }
                if m.retries > 0 {
                    let _ = write!(t, ", retried {}×", m.retries);
                }
                if let Some(note) = &m.note {
                    let _ = write!(t, "\n{note}");
                }
            }
        }
        t
    }

    fn edges(&self, out: &mut String) {
        for p in &self.l.edges {
            let Some(&first) = p.edges.first() else {
                continue;
            };
            let edge = &self.g.edges[first];
            let kind = match edge.kind {
                EdgeKind::Next => "next",
                EdgeKind::Choice => "choice",
                EdgeKind::Catch => "catch",
                EdgeKind::Enter => "enter",
                EdgeKind::Terminal => "terminal",
            };
            let taken = p.edges.iter().any(|&e| self.taken(e));
            let class = if taken {
                format!("{kind} taken")
            } else {
                kind.to_string()
            };
            let _ = writeln!(
                out,
                "<path class=\"edge {class}\" d=\"{}\"/>",
                path_data(&p.points)
            );
            if !p.joins {
                arrow(p, &class, out);
            }
            if let (Some((x, y)), Some(label), false) = (p.label_at, &edge.label, p.inner) {
                let _ = writeln!(
                    out,
                    "<text class=\"sw-elabel {kind}\" x=\"{}\" y=\"{}\" dy=\"0.35em\">{}</text>",
                    n(x),
                    n(y),
                    esc(label)
                );
            }
        }
    }

    fn taken(&self, e: usize) -> bool {
        let Some(o) = self.overlay else {
            return false;
        };
        let name = |id: &str| match id {
            START => "START".to_string(),
            END => "END".to_string(),
            _ => self
                .g
                .nodes
                .iter()
                .find(|n| n.id == id)
                .map(|n| n.name.clone())
                .unwrap_or_default(),
        };
        let edge = &self.g.edges[e];
        o.taken.contains(&(name(&edge.from), name(&edge.to)))
    }

    fn markers(&self, out: &mut String) {
        if let Some(r) = self.l.start {
            let _ = writeln!(
                out,
                "<g class=\"start\"><title>start</title><circle class=\"marker\" cx=\"{}\" cy=\"{}\" r=\"{}\"/></g>",
                n(r.cx()),
                n(r.cy()),
                n(r.w / 2.0 - 1.0)
            );
        }
        if let Some(r) = self.l.end {
            let _ = writeln!(
                out,
                "<g class=\"end\"><title>end</title><circle class=\"marker-ring\" cx=\"{0}\" cy=\"{1}\" r=\"{2}\"/><circle class=\"marker\" cx=\"{0}\" cy=\"{1}\" r=\"{3}\"/></g>",
                n(r.cx()),
                n(r.cy()),
                n(r.w / 2.0 - 1.0),
                n(r.w / 2.0 - 4.5)
            );
        }
    }
}

/// The outline of a state, by its type.
fn shape(s: Shape, b: &NodeBox, out: &mut String) {
    let r = b.rect;
    let rect = |rx: f64, out: &mut String| {
        let _ = writeln!(
            out,
            "<rect class=\"shape\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{rx}\"/>",
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h)
        );
    };
    let poly = |pts: &[(f64, f64)], out: &mut String| {
        let p: Vec<String> = pts
            .iter()
            .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
            .collect();
        let _ = writeln!(out, "<polygon class=\"shape\" points=\"{}\"/>", p.join(" "));
    };
    if b.title_h > 0.0 {
        rect(8.0, out);
        let y = r.y + b.title_h;
        let _ = writeln!(
            out,
            "<line class=\"sw-divider\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            n(r.x),
            n(y),
            n(r.right()),
            n(y)
        );
        return;
    }
    match s {
        Shape::Choice | Shape::Switch => {
            let d = (r.h * 0.3).min(r.w / 4.0);
            poly(
                &[
                    (r.x + d, r.y),
                    (r.right() - d, r.y),
                    (r.right(), r.cy()),
                    (r.right() - d, r.bottom()),
                    (r.x + d, r.bottom()),
                    (r.x, r.cy()),
                ],
                out,
            );
        }
        Shape::Event => poly(
            &[
                (r.x, r.y),
                (r.right() - 12.0, r.y),
                (r.right(), r.cy()),
                (r.right() - 12.0, r.bottom()),
                (r.x, r.bottom()),
            ],
            out,
        ),
        Shape::Succeed | Shape::Fail | Shape::Terminate => rect(r.h / 2.0, out),
        Shape::Pass => rect(10.0, out),
        Shape::Wait => rect(6.0, out),
        Shape::Human => {
            rect(4.0, out);
            let _ = writeln!(
                out,
                "<rect class=\"shape\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill-opacity=\"0\"/>",
                n(r.x + 3.0),
                n(r.y + 3.0),
                n(r.w - 6.0),
                n(r.h - 6.0)
            );
        }
        Shape::SubWorkflow => {
            rect(2.0, out);
            for x in [r.x + 7.0, r.right() - 7.0] {
                let _ = writeln!(
                    out,
                    "<line class=\"shape\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>",
                    n(x),
                    n(r.y),
                    n(r.bottom())
                );
            }
        }
        _ => rect(3.0, out),
    }
}

/// The name (in its wrapped lines), the type, and an overlay's error.
fn text(s: Shape, b: &NodeBox, out: &mut String) {
    let r = b.rect;
    let (x, anchor) = if b.title_h > 0.0 {
        (r.x + 10.0, "start")
    } else {
        (r.cx(), "middle")
    };
    let mut y = r.y + 20.0;
    for line in &b.lines {
        let _ = writeln!(
            out,
            "<text class=\"sw-name\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            n(x),
            n(y),
            esc(line)
        );
        y += 15.0;
    }
    let _ = writeln!(
        out,
        "<text class=\"sw-type\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
        n(x),
        n(y - 2.0),
        s.name()
    );
    if let Some(note) = &b.note {
        let _ = writeln!(
            out,
            "<text class=\"sw-note\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            n(x),
            n(y + 11.0),
            esc(note)
        );
    }
}

fn badge(r: &Rect, label: &str, out: &mut String) {
    let w = layout::text_w(label, 6.0) + 12.0;
    let x = r.right() - w + 8.0;
    let y = r.y - 8.0;
    let _ = writeln!(
        out,
        "<rect class=\"sw-badge\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" rx=\"8\"/><text class=\"sw-badge-text\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        n(x),
        n(y),
        n(w),
        n(x + w / 2.0),
        n(y + 11.5),
        esc(label)
    );
}

/// A smooth path through the points: vertical tangents at every point, so edges leave and
/// enter boxes straight and run straight through their dummies.
fn path_data(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    let Some(&(x0, y0)) = points.first() else {
        return d;
    };
    let _ = write!(d, "M{},{}", n(x0), n(y0));
    for pair in points.windows(2) {
        let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
        if (ax - bx).abs() < 0.5 || (ay - by).abs() < 0.5 {
            let _ = write!(d, " L{},{}", n(bx), n(by));
        } else {
            let my = (ay + by) / 2.0;
            let _ = write!(
                d,
                " C{},{} {},{} {},{}",
                n(ax),
                n(my),
                n(bx),
                n(my),
                n(bx),
                n(by)
            );
        }
    }
    d
}

fn arrow(p: &EdgePath, class: &str, out: &mut String) {
    let [.., (ax, ay), (bx, by)] = p.points[..] else {
        return;
    };
    let (dx, dy) = if (ay - by).abs() >= 0.5 {
        (0.0, (by - ay).signum())
    } else {
        ((bx - ax).signum(), 0.0)
    };
    let (px, py) = (-dy, dx);
    let base = (bx - dx * 8.0, by - dy * 8.0);
    let _ = writeln!(
        out,
        "<polygon class=\"arrow {class}\" points=\"{},{} {},{} {},{}\"/>",
        n(bx),
        n(by),
        n(base.0 + px * 4.0),
        n(base.1 + py * 4.0),
        n(base.0 - px * 4.0),
        n(base.1 - py * 4.0)
    );
}

const LEGEND_STATUSES: [Status; 6] = [
    Status::Succeeded,
    Status::Failed,
    Status::Caught,
    Status::Running,
    Status::Waiting,
    Status::NotReached,
];

fn legend_step(s: Status) -> f64 {
    16.0 + layout::text_w(s.name(), 6.0) + 18.0
}

fn legend_width() -> f64 {
    let statuses: f64 = LEGEND_STATUSES.iter().map(|&s| legend_step(s)).sum();
    16.0 + statuses + 24.0 + layout::text_w("taken", 6.0) + 16.0
}

fn legend_row(y: f64, out: &mut String) {
    let _ = writeln!(out, "<g class=\"sw-legend\">");
    let mut x = 16.0;
    for s in LEGEND_STATUSES {
        let class = s.name().replace(' ', "-").replace("in-progress", "running");
        let _ = writeln!(
            out,
            "<g class=\"{class}\"><rect class=\"shape\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" rx=\"2\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
            n(x),
            n(y),
            n(x + 16.0),
            n(y + 10.0),
            s.name()
        );
        x += legend_step(s);
    }
    let _ = writeln!(
        out,
        "<path class=\"edge taken\" d=\"M{},{} L{},{}\"/><text x=\"{}\" y=\"{}\">taken</text>",
        n(x),
        n(y + 6.0),
        n(x + 20.0),
        n(y + 6.0),
        n(x + 24.0),
        n(y + 10.0)
    );
    out.push_str("</g>\n");
}

/// A number with at most one decimal, for compact output.
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Text safe in XML content and attribute values.
pub fn esc(s: &str) -> String {
    crate::data::xml::escape(s, true)
}

/// A stable hash of the drawing, so its ids differ from another drawing's on the same page.
fn fnv(title: &str, g: &Graph) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let names = g.nodes.iter().map(|n| n.name.as_str());
    for part in std::iter::once(title).chain(names) {
        for b in part.bytes().chain([0]) {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Mark, of_definition};
    use serde_json::json;

    fn machine() -> Graph {
        of_definition(&json!({"StartAt": "Charge <card>", "States": {
            "Charge <card>": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [{"ErrorEquals": ["States.ALL"]}],
                "Catch": [{"ErrorEquals": ["Card.Declined"], "Next": "Tell & stop"}], "Next": "Ok?"},
            "Ok?": {"Type": "Choice", "Choices": [
                {"Variable": "$.ok", "BooleanEquals": false, "Next": "Charge <card>"}], "Default": "Done"},
            "Tell & stop": {"Type": "Fail", "Error": "Declined"},
            "Done": {"Type": "Succeed"}}}))
    }

    #[test]
    fn names_are_escaped_and_states_carry_their_names() {
        let svg = render(&machine(), "pay \"now\"", None);
        assert!(svg.contains("data-state=\"Charge &lt;card&gt;\""), "{svg}");
        assert!(
            svg.contains("<title>Tell &amp; stop&#10;Fail</title>"),
            "{svg}"
        );
        assert!(svg.contains("aria-label=\"pay &quot;now&quot;\""));
        assert!(svg.contains("class=\"edge catch\""));
        assert!(svg.contains(">Card.Declined</text>"));
        assert!(svg.contains("viewBox=\"0 0 "));
        assert!(!svg.contains("<g class=\"sw-legend\">"));
        // Styles never leak out of the drawing.
        for rule in STYLE
            .lines()
            .filter(|l| l.contains('{') && !l.starts_with('@'))
        {
            assert!(rule.starts_with(".stepwise-graph"), "{rule}");
        }
    }

    #[test]
    fn an_overlay_colours_states_marks_retries_and_bolds_taken_edges() {
        let mut o = Overlay {
            caption: Some("execution e-1 FAILED".into()),
            ..Overlay::default()
        };
        o.marks.insert(
            "Charge <card>".into(),
            Mark {
                status: Status::Caught,
                entered: 2,
                retries: 3,
                note: Some("Card.Declined: no funds".into()),
            },
        );
        o.marks.insert(
            "Tell & stop".into(),
            Mark {
                status: Status::Failed,
                entered: 1,
                retries: 0,
                note: None,
            },
        );
        o.taken.insert(("START".into(), "Charge <card>".into()));
        o.taken
            .insert(("Charge <card>".into(), "Tell & stop".into()));
        let svg = render(&machine(), "pay", Some(&o));
        assert!(svg.contains("class=\"state task caught\""), "{svg}");
        assert!(svg.contains("class=\"state fail failed\""));
        assert!(svg.contains("class=\"state succeed not-reached\""));
        assert!(svg.contains("retried ×3"));
        assert!(svg.contains(">Card.Declined: no funds</text>"));
        assert!(svg.contains("caught, entered 2×, retried 3×&#10;Card.Declined: no funds"));
        assert!(svg.contains("class=\"edge catch taken\""));
        assert!(svg.contains("class=\"edge terminal taken\""));
        assert!(svg.contains("execution e-1 FAILED"));
        assert!(svg.contains("sw-legend"));
    }
}
