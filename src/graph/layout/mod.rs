//! stepwise's own layered (Sugiyama-style) layout of a `Graph`, top to bottom, for the SVG
//! renderer: no Graphviz needed. Each scope (a Parallel branch, a Map's item processor, a
//! Conductor case, branch or loop body) is laid out first, and the state owning it becomes a
//! compound node sized to hold its scopes side by side under a title bar. Then each level is
//! layered: cycles broken at depth-first back edges, longest-path layers, a dummy node per
//! layer a long edge crosses (a labelled edge's first dummy carries its label), barycenter
//! sweeps to order each layer, and x positions that sit each node nearest the average of its
//! neighbours with no overlap (pool-adjacent-violators on the order's minimum separations).
//! Deterministic: no hashing, ties broken by definition order.

mod level;
mod route;

use super::{END, Graph, Overlay, START, Shape, Status};
use level::{Item, ItemKind, LevelEdge, place_level};
use std::collections::BTreeMap;

/// An axis-aligned box, absolute (from the drawing's top left).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
    /// Whether `other` lies within this box (with a hair of tolerance for rounding).
    pub fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x - 0.01
            && other.y >= self.y - 0.01
            && other.right() <= self.right() + 0.01
            && other.bottom() <= self.bottom() + 0.01
    }
    /// Whether the two boxes share any area.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right() - 0.01
            && other.x < self.right() - 0.01
            && self.y < other.bottom() - 0.01
            && other.y < self.bottom() - 0.01
    }
    fn shifted(self, dx: f64, dy: f64) -> Rect {
        Rect {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
    }
}

/// One state's place: its box, its name wrapped into lines, and for a compound node the
/// height of its title bar (its scopes sit below it).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    pub rect: Rect,
    pub lines: Vec<String>,
    /// 0 for a plain node.
    pub title_h: f64,
    /// An extra line (an overlay's error) shown under the type.
    pub note: Option<String>,
}

/// How one or more edges of the graph (those that join the same two boxes) are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgePath {
    /// Indexes into `Graph::edges`.
    pub edges: Vec<usize>,
    /// From the source to the target (the last point is where the arrow head goes).
    pub points: Vec<(f64, f64)>,
    /// Where the label's text starts (left aligned, vertically centred).
    pub label_at: Option<(f64, f64)>,
    /// From a compound node into one of its own scopes.
    pub inner: bool,
    /// It ends where it joins another edge's path to the same state (no arrow head).
    pub joins: bool,
}

/// A whole graph, placed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// In `Graph::nodes` order.
    pub nodes: Vec<NodeBox>,
    /// In `Graph::scopes` order.
    pub scopes: Vec<Rect>,
    pub start: Option<Rect>,
    pub end: Option<Rect>,
    pub edges: Vec<EdgePath>,
}

/// Approximate advance of one character of the 12px sans-serif names, and the 10px labels.
pub const CHAR_W: f64 = 7.0;
pub const SMALL_CHAR_W: f64 = 6.0;
/// Names longer than this wrap; past three lines they are cut (the tooltip has them whole).
const WRAP: usize = 24;
const MAX_LINES: usize = 3;
const LINE_H: f64 = 15.0;
const MIN_W: f64 = 96.0;
const MARKER: f64 = 18.0;
const NODE_GAP: f64 = 28.0;
const RANK_GAP: f64 = 34.0;
const SCOPE_PAD: f64 = 14.0;
const SCOPE_HEADER: f64 = 30.0;
const SCOPE_GAP: f64 = 16.0;
/// Between a compound node's title bar and its scopes.
const SCOPE_TOP: f64 = 10.0;
const DUMMY_W: f64 = 8.0;
const MARGIN: f64 = 16.0;

/// The layout of `g`, with no overlay.
pub fn layout(g: &Graph) -> Layout {
    layout_with(g, None)
}

/// The layout of `g` with room for an overlay's error lines in failed states.
pub fn layout_with(g: &Graph, overlay: Option<&Overlay>) -> Layout {
    let mut l = Layouter::new(g, overlay);
    let (w, h) = l.block(None);
    l.place(None, MARGIN, MARGIN);
    let mut out = l.out;
    out.width = w + 2.0 * MARGIN;
    out.height = h + 2.0 * MARGIN;
    out
}

/// The width of `text` in the 12px font.
pub fn text_w(text: &str, char_w: f64) -> f64 {
    text.chars()
        .map(|c| char_w * if wide(c) { 1.8 } else { 1.0 })
        .sum()
}

/// East Asian wide characters and emoji, about twice as wide as a Latin letter.
fn wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF | 0x20000..=0x3FFFD)
}

/// `name` in lines of at most `WRAP` characters, broken after spaces, `-`, `_`, `.` or
/// before a capital that follows a small letter; at most `MAX_LINES`, the last cut with `…`.
pub fn wrap(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        if lines.len() + 1 == MAX_LINES || chars.len() - start <= WRAP {
            let rest: String = chars[start..].iter().collect();
            lines.push(super::shorten(&rest, WRAP));
            break;
        }
        let window = &chars[start..start + WRAP];
        let mut cut = WRAP;
        for i in (WRAP / 2..WRAP).rev() {
            let breaks_after = matches!(window[i - 1], ' ' | '-' | '_' | '.' | '/' | ':');
            let camel = window[i].is_uppercase() && window[i - 1].is_lowercase();
            if breaks_after || camel {
                cut = i;
                break;
            }
        }
        lines.push(
            chars[start..start + cut]
                .iter()
                .collect::<String>()
                .trim()
                .into(),
        );
        start += cut;
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

struct Layouter<'a> {
    g: &'a Graph,
    out: Layout,
    /// Node sizes and scope sizes, filled bottom-up.
    size: Vec<(f64, f64)>,
    scope_size: Vec<(f64, f64)>,
    /// Positions relative to their level's origin (a scope's content origin, or the top).
    rel: Vec<Rect>,
    scope_rel: Vec<Rect>,
    marker_rel: [Option<Rect>; 2],
    /// Edge paths relative to their level's origin, with the level.
    paths: Vec<(Option<usize>, EdgePath)>,
    index: BTreeMap<&'a str, usize>,
    /// The scopes each node owns, in order.
    owned: Vec<Vec<usize>>,
}

impl<'a> Layouter<'a> {
    fn new(g: &'a Graph, overlay: Option<&Overlay>) -> Layouter<'a> {
        let index: BTreeMap<&str, usize> = g
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect();
        let mut owned = vec![Vec::new(); g.nodes.len()];
        for (s, scope) in g.scopes.iter().enumerate() {
            if let Some(&o) = scope.owner.as_deref().and_then(|o| index.get(o)) {
                owned[o].push(s);
            }
        }
        let nodes = g
            .nodes
            .iter()
            .map(|n| NodeBox {
                rect: Rect::default(),
                lines: wrap(&n.name),
                title_h: 0.0,
                note: overlay
                    .and_then(|o| o.marks.get(&n.name))
                    .filter(|m| matches!(m.status, Status::Failed | Status::Caught))
                    .and_then(|m| m.note.as_deref())
                    .map(|note| super::shorten(note, 30)),
            })
            .collect();
        Layouter {
            g,
            out: Layout {
                nodes,
                scopes: vec![Rect::default(); g.scopes.len()],
                ..Layout::default()
            },
            size: vec![(0.0, 0.0); g.nodes.len()],
            scope_size: vec![(0.0, 0.0); g.scopes.len()],
            rel: vec![Rect::default(); g.nodes.len()],
            scope_rel: vec![Rect::default(); g.scopes.len()],
            marker_rel: [None, None],
            paths: Vec::new(),
            index,
            owned,
        }
    }

    /// The size of a plain node from its text.
    fn leaf_size(&self, i: usize) -> (f64, f64) {
        let b = &self.out.nodes[i];
        let shape = self.g.nodes[i].shape;
        let mut w = b
            .lines
            .iter()
            .map(|l| text_w(l, CHAR_W))
            .fold(text_w(shape.name(), SMALL_CHAR_W), f64::max);
        let mut h = 8.0 + LINE_H * b.lines.len() as f64 + 13.0 + 7.0;
        if let Some(note) = &b.note {
            w = w.max(text_w(note, SMALL_CHAR_W));
            h += 13.0;
        }
        w += 24.0;
        if matches!(shape, Shape::Choice | Shape::Switch) {
            w += h * 0.6;
        }
        if matches!(shape, Shape::Event) {
            w += 12.0;
        }
        (w.max(MIN_W).ceil(), h)
    }

    /// Lays out the level of `scope` (its scopes' levels first): its size.
    fn block(&mut self, scope: Option<usize>) -> (f64, f64) {
        let members: Vec<usize> = (0..self.g.nodes.len())
            .filter(|&i| self.g.nodes[i].scope == scope)
            .collect();
        for &i in &members {
            self.size[i] = self.node_size(i);
        }
        let mut items: Vec<Item> = members
            .iter()
            .map(|&i| Item {
                w: self.size[i].0,
                h: self.size[i].1,
                right: 0.0,
                kind: ItemKind::Node(i),
            })
            .collect();
        let mut item_of: BTreeMap<usize, usize> =
            members.iter().enumerate().map(|(k, &i)| (i, k)).collect();
        let (edges, inner) = self.level_edges(scope, &mut items, &mut item_of);
        let placed = place_level(&mut items, &edges);
        for (k, item) in items.iter().enumerate() {
            let r = placed.rects[k];
            match item.kind {
                ItemKind::Node(i) => self.rel[i] = r,
                ItemKind::Start => self.marker_rel[0] = Some(r),
                ItemKind::End => self.marker_rel[1] = Some(r),
                _ => {}
            }
        }
        for path in placed.paths {
            self.paths.push((scope, path));
        }
        for (e, target) in inner {
            let r = self.rel[target];
            let path = EdgePath {
                edges: vec![e],
                points: vec![(r.cx(), -SCOPE_HEADER + 18.0), (r.cx(), r.y)],
                label_at: None,
                inner: true,
                joins: false,
            };
            self.paths.push((scope_of(self.g, target), path));
        }
        (placed.w, placed.h)
    }

    /// A node's size: from its text, or from its scopes' levels for a compound node.
    fn node_size(&mut self, i: usize) -> (f64, f64) {
        let (lw, lh) = self.leaf_size(i);
        let owned = self.owned[i].clone();
        if owned.is_empty() {
            return (lw, lh);
        }
        let mut sizes = Vec::new();
        for &s in &owned {
            let (w, h) = self.block(Some(s));
            let label_w = text_w(&self.g.scopes[s].label, SMALL_CHAR_W).min(260.0);
            let size = (
                w.max(label_w) + 2.0 * SCOPE_PAD,
                h + SCOPE_HEADER + SCOPE_PAD,
            );
            self.scope_size[s] = size;
            sizes.push(size);
        }
        let row_w: f64 =
            sizes.iter().map(|s| s.0).sum::<f64>() + SCOPE_GAP * (sizes.len() - 1) as f64;
        let row_h = sizes.iter().map(|s| s.1).fold(0.0, f64::max);
        let title_h = lh;
        self.out.nodes[i].title_h = title_h;
        let w = lw.max(row_w + 2.0 * SCOPE_PAD);
        let mut x = (w - row_w) / 2.0;
        for &s in &owned {
            let (sw, _) = self.scope_size[s];
            self.scope_rel[s] = Rect {
                x,
                y: title_h + SCOPE_TOP,
                w: sw,
                h: row_h,
            };
            x += sw + SCOPE_GAP;
        }
        (w, title_h + SCOPE_TOP + row_h + SCOPE_PAD)
    }

    /// The edges of a level between its items (markers added at the top level), each edge
    /// lifted to the items that hold its ends; and the edges from a compound node into its
    /// own scopes (`inner`: edge index, target node).
    fn level_edges(
        &self,
        scope: Option<usize>,
        items: &mut Vec<Item>,
        item_of: &mut BTreeMap<usize, usize>,
    ) -> (Vec<LevelEdge>, Vec<(usize, usize)>) {
        let marker = |items: &mut Vec<Item>, kind: ItemKind| {
            items.push(Item {
                w: MARKER,
                h: MARKER,
                right: 0.0,
                kind,
            });
            items.len() - 1
        };
        let mut start = None;
        let mut end = None;
        let mut out: Vec<LevelEdge> = Vec::new();
        let mut inner = Vec::new();
        for (e, edge) in self.g.edges.iter().enumerate() {
            let from = self.end_at(&edge.from, scope);
            let to = self.end_at(&edge.to, scope);
            let (from, to) = match (from, to) {
                (Some(a), Some(b)) => (a, b),
                _ => continue,
            };
            // Both ends must be here, and not both inside one deeper compound node.
            let lift = |end: Endpoint,
                        start: &mut Option<usize>,
                        end_m: &mut Option<usize>,
                        items: &mut Vec<Item>| match end {
                Endpoint::Node(i) => item_of.get(&i).copied(),
                Endpoint::Start => {
                    Some(*start.get_or_insert_with(|| marker(items, ItemKind::Start)))
                }
                Endpoint::End => Some(*end_m.get_or_insert_with(|| marker(items, ItemKind::End))),
            };
            let (Some(a), Some(b)) = (
                lift(from, &mut start, &mut end, items),
                lift(to, &mut start, &mut end, items),
            ) else {
                continue;
            };
            if a == b {
                // From a compound node into its own scope, drawn inside it.
                if let (Endpoint::Node(owner), Some(&t)) = (from, self.index.get(edge.to.as_str()))
                {
                    let target_scope = self.g.nodes[t].scope;
                    let owns = target_scope.is_some_and(|s| {
                        self.g.scopes[s].owner.as_deref() == Some(self.g.nodes[owner].id.as_str())
                    });
                    if owns && self.raw(&edge.from) == Some(owner) {
                        inner.push((e, t));
                        continue;
                    }
                }
                if self.raw(&edge.from) == self.raw(&edge.to) {
                    // A true self loop.
                    let label_w = edge
                        .label
                        .as_deref()
                        .map_or(0.0, |l| text_w(l, SMALL_CHAR_W) + 6.0);
                    items[a].right = items[a].right.max(22.0 + label_w);
                    out.push(LevelEdge {
                        from: a,
                        to: a,
                        label: edge.label.clone(),
                        edges: vec![e],
                        kind: edge.kind,
                    });
                }
                continue;
            }
            if let Some(existing) = out
                .iter_mut()
                .find(|x| x.from == a && x.to == b && x.label == edge.label)
            {
                existing.edges.push(e);
                continue;
            }
            out.push(LevelEdge {
                from: a,
                to: b,
                label: edge.label.clone(),
                edges: vec![e],
                kind: edge.kind,
            });
        }
        (out, inner)
    }

    fn raw(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Which item of the level of `scope` holds the end `id`: a marker (top level only), the
    /// node itself, or the compound node of this level it is nested in.
    fn end_at(&self, id: &str, scope: Option<usize>) -> Option<Endpoint> {
        if id == START || id == END {
            return scope.is_none().then_some(if id == START {
                Endpoint::Start
            } else {
                Endpoint::End
            });
        }
        let mut i = self.raw(id)?;
        loop {
            let at = self.g.nodes[i].scope;
            if at == scope {
                return Some(Endpoint::Node(i));
            }
            let s = at?;
            i = self.raw(self.g.scopes[s].owner.as_deref()?)?;
        }
    }

    /// Turns relative positions into absolute ones, level by level.
    fn place(&mut self, scope: Option<usize>, ox: f64, oy: f64) {
        if scope.is_none() {
            self.out.start = self.marker_rel[0].map(|r| r.shifted(ox, oy));
            self.out.end = self.marker_rel[1].map(|r| r.shifted(ox, oy));
        }
        for i in 0..self.g.nodes.len() {
            if self.g.nodes[i].scope != scope {
                continue;
            }
            let r = self.rel[i].shifted(ox, oy);
            self.out.nodes[i].rect = r;
            for s in self.owned[i].clone() {
                let sr = self.scope_rel[s].shifted(r.x, r.y);
                self.out.scopes[s] = sr;
                self.place(Some(s), sr.x + SCOPE_PAD, sr.y + SCOPE_HEADER);
            }
        }
        for (at, path) in &self.paths {
            if *at != scope {
                continue;
            }
            let mut p = path.clone();
            for pt in &mut p.points {
                *pt = (pt.0 + ox, pt.1 + oy);
            }
            p.label_at = p.label_at.map(|(x, y)| (x + ox, y + oy));
            self.out.edges.push(p);
        }
        if scope.is_none() {
            self.out.edges.sort_by(|a, b| a.edges.cmp(&b.edges));
        }
    }
}

fn scope_of(g: &Graph, node: usize) -> Option<usize> {
    g.nodes[node].scope
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Endpoint {
    Node(usize),
    Start,
    End,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_wrap_and_very_long_ones_are_cut() {
        assert_eq!(wrap("Short"), ["Short"]);
        assert_eq!(
            wrap("ValidateOrderAndReserveInventory"),
            ["ValidateOrderAndReserve", "Inventory"]
        );
        let lines = wrap(&"x".repeat(200));
        assert_eq!(lines.len(), MAX_LINES);
        assert!(lines[2].ends_with('…'));
    }

    #[test]
    fn loops_and_compound_states_are_placed_and_routed() {
        let g = crate::graph::workflow::of_workflow(&serde_json::json!({"tasks": [
            {"taskReferenceName": "again", "type": "DO_WHILE", "loopCondition": "$.n < 3",
             "loopOver": [{"taskReferenceName": "poll", "type": "HTTP"}]},
            {"taskReferenceName": "pick", "type": "SWITCH", "decisionCases": {
                "a": [{"taskReferenceName": "x", "type": "WAIT"}], "b": []}},
            {"taskReferenceName": "stop", "type": "TERMINATE"}]}));
        let l = layout(&g);
        assert_eq!(l, layout(&g), "deterministic");
        let rect = |name: &str| l.nodes[g.nodes.iter().position(|n| n.name == name).unwrap()].rect;
        assert!(rect("again").contains(&l.scopes[0]) && l.scopes[0].contains(&rect("poll")));
        assert!(
            rect("again").bottom() <= rect("pick").y && rect("pick").bottom() <= rect("stop").y
        );
        // The loop's back edge is a self loop beside its one task, with its condition.
        let back = l
            .edges
            .iter()
            .find(|e| {
                e.edges
                    .iter()
                    .any(|&i| g.edges[i].label.as_deref() == Some("while $.n < 3"))
            })
            .unwrap();
        assert!(
            back.points
                .iter()
                .all(|p| p.0 >= rect("poll").right() - 6.0)
        );
        assert!(back.label_at.is_some());
        assert!(l.edges.iter().all(|e| e.points.len() >= 2));
    }

    #[test]
    fn cycles_are_broken_and_edges_point_back_up() {
        let g = crate::graph::of_definition(&serde_json::json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Choice", "Choices": [{"Variable": "$.x", "BooleanEquals": true, "Next": "A"}],
                  "Default": "C"},
            "C": {"Type": "Succeed"}}}));
        let l = layout(&g);
        let (a, b) = (l.nodes[0].rect, l.nodes[1].rect);
        assert!(a.bottom() < b.y);
        let back = l
            .edges
            .iter()
            .find(|e| g.edges[e.edges[0]].to == "s0" && g.edges[e.edges[0]].from == "s1")
            .unwrap();
        let (first, last) = (back.points[0], back.points[back.points.len() - 1]);
        assert!(
            first.1 >= b.y - 0.01 && last.1 <= a.bottom() + 0.01,
            "{back:?}"
        );
    }
}
