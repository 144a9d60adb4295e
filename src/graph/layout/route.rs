//! A level's edges drawn through their dummies: ends spread along the boxes' tops and
//! bottoms, a label beside its dummy, self loops beside their state, an edge that joins a
//! shared trunk stopping where it joins.

use super::level::{Item, ItemKind, LevelEdge};
use super::{EdgePath, Rect};

/// Edge paths through their dummies, ends spread along the boxes' top and bottom.
#[allow(clippy::too_many_arguments)]
pub(super) fn route(
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
