//! One level of the layout (the top, or one scope's states): layers with cycles broken,
//! dummies on long edges, an order with few crossings, and x positions; `route.rs` then draws
//! its edges through the dummies.

use super::route::route;
use super::{DUMMY_W, EdgePath, NODE_GAP, RANK_GAP, Rect, SMALL_CHAR_W, text_w};
use crate::graph::EdgeKind;
use std::collections::BTreeMap;

/// An item of one level: a node of the graph, a marker, or a dummy on a long edge.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) w: f64,
    pub(super) h: f64,
    /// Extra room at the right (a self loop and its label).
    pub(super) right: f64,
    pub(super) kind: ItemKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum ItemKind {
    Node(usize),
    Start,
    End,
    Dummy,
    /// A dummy carrying an edge's label.
    Label,
}

/// An edge of one level, between items.
#[derive(Debug, Clone)]
pub(super) struct LevelEdge {
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) label: Option<String>,
    pub(super) edges: Vec<usize>,
    /// Long edges of one kind into one item share their dummies past their labels (drawn as
    /// one trunk, like a bus), so twenty Catchers into one Fail state are one line, not twenty.
    pub(super) kind: EdgeKind,
}

/// A level placed: item boxes and edge paths relative to its origin, and its size.
pub(super) struct Placed {
    pub(super) rects: Vec<Rect>,
    pub(super) paths: Vec<EdgePath>,
    pub(super) w: f64,
    pub(super) h: f64,
}

/// Layers, orders and places the items of one level and routes its edges.
pub(super) fn place_level(items: &mut Vec<Item>, edges: &[LevelEdge]) -> Placed {
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
            let trunk = !label && !reversed[k] && e.kind != EdgeKind::Terminal;
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
        ItemKind::Label => 0.1,
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

#[cfg(test)]
mod tests {
    use super::*;

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
