//! stepwise's own layered (Sugiyama-style) layout of a `Graph`, top to bottom, for the SVG
//! renderer: no Graphviz needed. Each scope (a Parallel branch, a Map's item processor, a
//! Conductor case, branch or loop body) is laid out first, and the state owning it becomes a
//! compound node sized to hold its scopes side by side under a title bar. Then each level is
//! layered: cycles broken at depth-first back edges, longest-path layers, a dummy node per
//! layer a long edge crosses (a labelled edge's first dummy carries its label), barycenter
//! sweeps to order each layer, and x positions that sit each node nearest the average of its
//! neighbours with no overlap (pool-adjacent-violators on the order's minimum separations).
//! Deterministic: no hashing, ties broken by definition order.

use super::{END, Graph, Overlay, START, Shape, Status};
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
    text.chars().count() as f64 * char_w
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

/// An item of one level: a node of the graph, a marker, or a dummy on a long edge.
#[derive(Debug, Clone)]
struct Item {
    w: f64,
    h: f64,
    /// Extra room at the right (a self loop and its label).
    right: f64,
    kind: ItemKind,
}

#[derive(Debug, Clone, PartialEq)]
enum ItemKind {
    Node(usize),
    Start,
    End,
    Dummy,
    /// A dummy carrying an edge's label.
    Label,
}

/// An edge of one level, between items.
#[derive(Debug, Clone)]
struct LevelEdge {
    from: usize,
    to: usize,
    label: Option<String>,
    edges: Vec<usize>,
    /// Long edges of one kind into one item share their dummies past their labels (drawn as
    /// one trunk, like a bus), so twenty Catchers into one Fail state are one line, not twenty.
    kind: super::EdgeKind,
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

/// A level placed: item boxes and edge paths relative to its origin, and its size.
struct Placed {
    rects: Vec<Rect>,
    paths: Vec<EdgePath>,
    w: f64,
    h: f64,
}

/// Layers, orders and places the items of one level and routes its edges.
fn place_level(items: &mut Vec<Item>, edges: &[LevelEdge]) -> Placed {
    let n = items.len();
    let reversed = break_cycles(n, edges);
    // Edges as the layering sees them (a back edge turned round), self loops aside.
    let dag: Vec<(usize, usize, usize)> = edges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.from != e.to)
        .map(|(k, e)| {
            let span = if e.label.is_some() { 2 } else { 1 };
            if reversed[k] {
                (e.to, e.from, span)
            } else {
                (e.from, e.to, span)
            }
        })
        .collect();
    let layer = layers(items, &dag);
    // Dummies: a chain of items for every edge.
    let mut chains: Vec<Vec<usize>> = Vec::new();
    let mut layer = layer;
    let mut trunks: BTreeMap<(usize, u8, usize), usize> = BTreeMap::new();
    for (k, e) in edges.iter().enumerate() {
        if e.from == e.to {
            chains.push(vec![e.from]);
            continue;
        }
        let (a, b) = if reversed[k] {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        };
        let mut chain = vec![a];
        for l in layer[a] + 1..layer[b] {
            let label = l == layer[a] + 1 && e.label.is_some();
            let shared = (b, e.kind as u8, l);
            let trunk = !label && !reversed[k] && e.kind != super::EdgeKind::Terminal;
            if let Some(&d) = trunks.get(&shared).filter(|_| trunk) {
                chain.push(d);
                continue;
            }
            let (w, kind) = match (label, &e.label) {
                (true, Some(text)) => (text_w(text, SMALL_CHAR_W) + 14.0, ItemKind::Label),
                _ => (DUMMY_W, ItemKind::Dummy),
            };
            items.push(Item {
                w,
                h: if label { 14.0 } else { 0.0 },
                right: 0.0,
                kind,
            });
            layer.push(l);
            chain.push(items.len() - 1);
            if trunk {
                trunks.insert(shared, items.len() - 1);
            }
        }
        chain.push(b);
        chains.push(chain);
    }
    let n = items.len();
    let depth = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for chain in &chains {
        for pair in chain.windows(2) {
            if !down[pair[0]].contains(&pair[1]) {
                down[pair[0]].push(pair[1]);
                up[pair[1]].push(pair[0]);
            }
        }
    }
    let order = order_layers(n, depth, &layer, &up, &down);
    let xs = x_positions(items, &order, &up, &down);
    // Bands: each layer as tall as its tallest item.
    let mut band_top = vec![0.0; depth];
    let mut band_h = vec![0.0; depth];
    let mut y = 0.0;
    for l in 0..depth {
        band_h[l] = order[l].iter().map(|&i| items[i].h).fold(0.0, f64::max);
        band_top[l] = y;
        y += band_h[l] + RANK_GAP;
    }
    let h = (y - RANK_GAP).max(0.0);
    let left = (0..n)
        .map(|i| xs[i] - items[i].w / 2.0)
        .fold(f64::INFINITY, f64::min);
    let right = (0..n)
        .map(|i| xs[i] + items[i].w / 2.0 + items[i].right)
        .fold(f64::NEG_INFINITY, f64::max);
    let rects: Vec<Rect> = (0..n)
        .map(|i| Rect {
            x: xs[i] - items[i].w / 2.0 - left,
            y: band_top[layer[i]] + (band_h[layer[i]] - items[i].h) / 2.0,
            w: items[i].w,
            h: items[i].h,
        })
        .collect();
    let paths = route(
        items, edges, &chains, &reversed, &rects, &band_top, &band_h, &layer,
    );
    Placed {
        rects,
        paths,
        w: if n == 0 { 0.0 } else { right - left },
        h,
    }
}

/// Depth-first from the sources (then from whatever is left, in order): the edges that close
/// a cycle are marked to be turned round.
fn break_cycles(n: usize, edges: &[LevelEdge]) -> Vec<bool> {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0; n];
    for (k, e) in edges.iter().enumerate() {
        if e.from != e.to {
            out_edges[e.from].push(k);
            indegree[e.to] += 1;
        }
    }
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    let mut reversed = vec![false; edges.len()];
    let roots: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).chain(0..n).collect();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&k) = out_edges[v].get(*next) {
                *next += 1;
                let w = edges[k].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[k] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Longest-path layers over the acyclic edges (a labelled edge spans two layers, to leave room
/// for its label); the end marker goes below everything.
fn layers(items: &[Item], dag: &[(usize, usize, usize)]) -> Vec<usize> {
    let n = items.len();
    let mut indegree = vec![0; n];
    let mut outs: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for &(a, b, span) in dag {
        indegree[b] += 1;
        outs[a].push((b, span));
    }
    let mut layer = vec![0; n];
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut topo = Vec::new();
    while let Some(v) = ready.pop_first() {
        topo.push(v);
        for &(w, span) in &outs[v] {
            layer[w] = layer[w].max(layer[v] + span);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                ready.insert(w);
            }
        }
    }
    // Pull a node down towards its successors when it has fewer edges in than out.
    let ins: Vec<usize> = (0..n)
        .map(|i| dag.iter().filter(|e| e.1 == i).count())
        .collect();
    for &v in topo.iter().rev() {
        if outs[v].is_empty() || ins[v] >= outs[v].len() || ins[v] == 0 {
            continue;
        }
        let lowest = outs[v]
            .iter()
            .map(|&(w, s)| layer[w] - s)
            .min()
            .unwrap_or(layer[v]);
        layer[v] = layer[v].max(lowest);
    }
    if let Some(end) = items.iter().position(|i| i.kind == ItemKind::End) {
        let others = (0..n)
            .filter(|&i| i != end)
            .map(|i| layer[i] + 1)
            .max()
            .unwrap_or(0);
        layer[end] = layer[end].max(others);
    }
    layer
}

/// The items of each layer in an order with few crossings: depth-first order to start, then
/// barycenter sweeps down and up, keeping the best order seen.
fn order_layers(
    n: usize,
    depth: usize,
    layer: &[usize],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
) -> Vec<Vec<usize>> {
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); depth];
    let mut seen = vec![false; n];
    // Depth-first from the items without predecessors, so chains start out side by side.
    let roots: Vec<usize> = (0..n).filter(|&i| up[i].is_empty()).chain(0..n).collect();
    for root in roots {
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            order[layer[v]].push(v);
            for &w in down[v].iter().rev() {
                if !seen[w] {
                    stack.push(w);
                }
            }
        }
    }
    let mut pos = vec![0.0; n];
    let index = |order: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
        for l in order {
            for (k, &v) in l.iter().enumerate() {
                pos[v] = k as f64;
            }
        }
    };
    index(&order, &mut pos);
    let mut best = order.clone();
    let mut best_crossings = crossings(&order, down, &pos);
    for round in 0..12 {
        let downward = round % 2 == 0;
        let ls: Vec<usize> = if downward {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for l in ls {
            let keys: Vec<f64> = order[l]
                .iter()
                .map(|&v| {
                    let nb = if downward { &up[v] } else { &down[v] };
                    if nb.is_empty() {
                        pos[v]
                    } else {
                        nb.iter().map(|&u| pos[u]).sum::<f64>() / nb.len() as f64
                    }
                })
                .collect();
            let mut idx: Vec<usize> = (0..order[l].len()).collect();
            idx.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]).then(a.cmp(&b)));
            order[l] = idx.iter().map(|&k| order[l][k]).collect();
            for (k, &v) in order[l].iter().enumerate() {
                pos[v] = k as f64;
            }
        }
        let c = crossings(&order, down, &pos);
        if c < best_crossings {
            best_crossings = c;
            best = order.clone();
        }
    }
    best
}

fn crossings(order: &[Vec<usize>], down: &[Vec<usize>], pos: &[f64]) -> usize {
    let mut total = 0;
    for l in order {
        let mut segs: Vec<(f64, f64)> = Vec::new();
        for &v in l {
            for &w in &down[v] {
                segs.push((pos[v], pos[w]));
            }
        }
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                let (a, b) = (segs[i], segs[j]);
                if (a.0 - b.0) * (a.1 - b.1) < 0.0 {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Centre x of every item: each near the mean of its neighbours (above, then below, in turns),
/// in its layer's order with room between.
fn x_positions(
    items: &[Item],
    order: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
) -> Vec<f64> {
    let n = items.len();
    let mut x = vec![0.0; n];
    for l in order {
        let mut at = 0.0;
        for &v in l {
            x[v] = at + items[v].w / 2.0;
            at += items[v].w + items[v].right + NODE_GAP;
        }
    }
    for round in 0..16 {
        let ls: Vec<usize> = match round % 3 {
            0 => (0..order.len()).collect(),
            1 => (0..order.len()).rev().collect(),
            _ => (0..order.len()).collect(),
        };
        for l in ls {
            let wanted: Vec<(f64, f64)> = order[l]
                .iter()
                .map(|&v| {
                    let nb: Vec<usize> = match round % 3 {
                        0 => up[v].clone(),
                        1 => down[v].clone(),
                        _ => up[v].iter().chain(&down[v]).copied().collect(),
                    };
                    if nb.is_empty() {
                        return (x[v], 0.1);
                    }
                    let total: f64 = nb.iter().map(|&u| pull(&items[u])).sum();
                    let mean = nb.iter().map(|&u| x[u] * pull(&items[u])).sum::<f64>() / total;
                    (mean, pull(&items[v]) * nb.len() as f64)
                })
                .collect();
            let placed = nearest_in_order(items, &order[l], &wanted);
            for (k, &v) in order[l].iter().enumerate() {
                x[v] = placed[k];
            }
        }
    }
    x
}

/// How strongly an item holds its place and draws its neighbours: states most, so chains of
/// states run straight; long edges next; a label gives way.
fn pull(item: &Item) -> f64 {
    match item.kind {
        ItemKind::Label => 1.0,
        ItemKind::Dummy => 4.0,
        _ => 8.0,
    }
}

/// Positions for items in this order, at least their separation apart, minimising the
/// weighted squared distance to where each wants to be (pool adjacent violators).
fn nearest_in_order(items: &[Item], row: &[usize], wanted: &[(f64, f64)]) -> Vec<f64> {
    // Offsets: where each item sits when all are packed from 0.
    let mut offset = vec![0.0; row.len()];
    for k in 1..row.len() {
        let (a, b) = (&items[row[k - 1]], &items[row[k]]);
        offset[k] = offset[k - 1] + a.w / 2.0 + a.right + NODE_GAP + b.w / 2.0;
    }
    // Blocks of (sum of weight * target, sum of weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for k in 0..row.len() {
        let (target, weight) = wanted[k];
        blocks.push((weight * (target - offset[k]), weight, 1));
        while blocks.len() > 1 {
            let last = blocks[blocks.len() - 1];
            let prev = blocks[blocks.len() - 2];
            if prev.0 / prev.1 <= last.0 / last.1 {
                break;
            }
            blocks.pop();
            let merged = blocks.last_mut().expect("two blocks");
            *merged = (prev.0 + last.0, prev.1 + last.1, prev.2 + last.2);
        }
    }
    let mut out = Vec::with_capacity(row.len());
    for (sum, weight, count) in blocks {
        for _ in 0..count {
            let k = out.len();
            out.push(sum / weight + offset[k]);
        }
    }
    out
}

/// Edge paths through their dummies, ends spread along the boxes' top and bottom.
#[allow(clippy::too_many_arguments)]
fn route(
    items: &[Item],
    edges: &[LevelEdge],
    chains: &[Vec<usize>],
    reversed: &[bool],
    rects: &[Rect],
    band_top: &[f64],
    band_h: &[f64],
    layer: &[usize],
) -> Vec<EdgePath> {
    let through_x = |i: usize| match items[i].kind {
        ItemKind::Label => rects[i].x + 4.0,
        _ => rects[i].cx(),
    };
    // Ports: at each item, the chains leaving its bottom and entering its top, by where they go.
    let mut bottom: Vec<Vec<(f64, usize)>> = vec![Vec::new(); items.len()];
    let mut top: Vec<Vec<(f64, usize)>> = vec![Vec::new(); items.len()];
    for chain in chains {
        if chain.len() < 2 {
            continue;
        }
        let (first, next) = (chain[0], chain[1]);
        let (last, before) = (chain[chain.len() - 1], chain[chain.len() - 2]);
        if !bottom[first].iter().any(|e| e.1 == next) {
            bottom[first].push((through_x(next), next));
        }
        if !top[last].iter().any(|e| e.1 == before) {
            top[last].push((through_x(before), before));
        }
    }
    // Where the edge towards item `to` meets box `r`: spread by where the edges go (a marker
    // takes them all at its centre).
    let port = |ends: &[(f64, usize)], to: usize, r: &Rect, marker: bool| -> f64 {
        let mut sorted = ends.to_vec();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let n = sorted.len();
        let at = sorted.iter().position(|e| e.1 == to).unwrap_or(0);
        if n <= 1 || marker {
            return r.cx();
        }
        let span = (r.w * 0.5).min(18.0 * (n - 1) as f64);
        r.cx() - span / 2.0 + span * at as f64 / (n - 1) as f64
    };
    let mut out = Vec::new();
    let mut drawn = vec![false; items.len()];
    for (k, chain) in chains.iter().enumerate() {
        let e = &edges[k];
        if chain.len() == 1 {
            let r = rects[chain[0]];
            let x = r.right();
            out.push(EdgePath {
                edges: e.edges.clone(),
                points: vec![
                    (x - 6.0, r.cy() + 8.0),
                    (x + 16.0, r.cy() + 8.0),
                    (x + 16.0, r.cy() - 8.0),
                    (x - 6.0, r.cy() - 8.0),
                ],
                label_at: e.label.as_ref().map(|_| (x + 20.0, r.cy())),
                inner: false,
                joins: false,
            });
            continue;
        }
        let first = rects[chain[0]];
        let last = rects[chain[chain.len() - 1]];
        let is_marker = |i: usize| matches!(items[i].kind, ItemKind::Start | ItemKind::End);
        let (a, b) = (chain[0], chain[chain.len() - 1]);
        let from = port(&bottom[a], chain[1], &first, is_marker(a));
        let mut points = vec![(from, first.bottom())];
        let mut label_at = None;
        let mut joins = false;
        for &d in &chain[1..chain.len() - 1] {
            let l = layer[d];
            let x = through_x(d);
            points.push((x, band_top[l]));
            if items[d].kind == ItemKind::Dummy && std::mem::replace(&mut drawn[d], true) {
                joins = true;
                break;
            }
            points.push((x, band_top[l] + band_h[l]));
            if items[d].kind == ItemKind::Label {
                label_at = Some((rects[d].x + 10.0, rects[d].cy()));
            }
        }
        if !joins {
            let before = chain[chain.len() - 2];
            points.push((port(&top[b], before, &last, is_marker(b)), last.y));
        }
        if reversed[k] {
            points.reverse();
        }
        out.push(EdgePath {
            edges: e.edges.clone(),
            points,
            label_at,
            inner: false,
            joins,
        });
    }
    out
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

    #[test]
    fn packing_keeps_order_and_separation() {
        let item = |w| Item {
            w,
            h: 10.0,
            right: 0.0,
            kind: ItemKind::Dummy,
        };
        let items = vec![item(20.0), item(20.0), item(20.0)];
        let xs = nearest_in_order(&items, &[0, 1, 2], &[(0.0, 1.0), (0.0, 1.0), (0.0, 1.0)]);
        assert!((xs[1] - xs[0] - (20.0 + NODE_GAP)).abs() < 1e-9);
        assert!((xs[1]).abs() < 1e-9, "{xs:?}");
        let xs = nearest_in_order(&items, &[0, 1, 2], &[(0.0, 1.0), (500.0, 1.0), (90.0, 1.0)]);
        assert!(xs[0] <= xs[1] - 48.0 && xs[1] <= xs[2] - 48.0, "{xs:?}");
    }
}
