//! Weighted task pairs under one strict total order, and the two ways to their minimum spanning
//! forest that agree with each other exactly: dense Prim over a complete graph whose edges are
//! computed when needed, and Kruskal over sorted edge lists (merging forests).
//!
//! The order is `(distance, lo, hi)`: the shorter edge first, then the lower smaller end, then
//! the lower larger end (distances compared as numbers, so `-0 = +0`). Under a strict total order
//! the minimum spanning forest is unique, so every algorithm finds the same one, and the forest
//! of a union of edge sets is the forest of the union of their forests: what lets distance blocks
//! be spanned apart and joined ([`crate::blocks`]).

use std::cmp::Ordering;

use petgraph::unionfind::UnionFind;
use serde::{Deserialize, Serialize};

use crate::CascadeError;

/// An undirected edge between tasks `lo < hi` at `distance`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// The smaller task index.
    pub lo: usize,
    /// The larger task index.
    pub hi: usize,
    /// The distance between the two tasks.
    pub distance: f64,
}

impl Edge {
    /// The edge between `u` and `v` (in either order) at `distance`.
    pub fn new(u: usize, v: usize, distance: f64) -> Self {
        Self {
            lo: u.min(v),
            hi: u.max(v),
            distance,
        }
    }

    /// The strict total order that decides ties: by distance (`-0 = +0`; NaN after every
    /// number, so sorting never panics), then `lo`, then `hi`.
    pub fn order(&self, other: &Self) -> Ordering {
        // Adding +0 turns -0 into +0 and leaves every other value as it is.
        (self.distance + 0.0)
            .total_cmp(&(other.distance + 0.0))
            .then(self.lo.cmp(&other.lo))
            .then(self.hi.cmp(&other.hi))
    }

    /// Whether `self` comes strictly before `other` in [`Edge::order`].
    pub fn before(&self, other: &Self) -> bool {
        self.order(other) == Ordering::Less
    }
}

/// The error for a distance that is not a finite number, naming the pair `i < j`.
pub(crate) fn non_finite(i: usize, j: usize, d: f64) -> CascadeError {
    CascadeError::InvalidSetting {
        name: "task distance",
        value: format!("D[{i}][{j}] = {d}"),
        reason: format!("the distance between tasks {i} and {j} must be a finite number"),
    }
}

/// Minimum spanning tree of the complete graph on `0..m` by dense Prim, where `edge(a, b)`
/// (`a < b`) gives the edge standing for the pair (its ends may be other tasks than `a` and `b`,
/// as in a contracted graph) or an error. Started from 0; at every step the non-tree vertex
/// whose cheapest link comes first in [`Edge::order`] joins, and a link is replaced only by an
/// edge that comes strictly before it, so the result is the unique minimum spanning tree
/// under that order. `m - 1` edges (none for `m <= 1`), in the order they joined; `m (m - 1) / 2`
/// calls, memory `O(m)`.
pub(crate) fn prim<E>(
    m: usize,
    mut edge: impl FnMut(usize, usize) -> Result<Edge, E>,
) -> Result<Vec<Edge>, E> {
    if m <= 1 {
        return Ok(Vec::new());
    }
    let mut in_tree = vec![false; m];
    in_tree[0] = true;
    let mut link = Vec::with_capacity(m);
    link.push(Edge::new(0, 0, 0.0)); // vertex 0 is in the tree from the start
    for w in 1..m {
        link.push(edge(0, w)?);
    }
    let mut edges = Vec::with_capacity(m - 1);
    for _ in 1..m {
        let mut next = usize::MAX;
        for v in 1..m {
            if !in_tree[v] && (next == usize::MAX || link[v].before(&link[next])) {
                next = v;
            }
        }
        in_tree[next] = true;
        edges.push(link[next]);
        for w in 1..m {
            if !in_tree[w] {
                let candidate = edge(next.min(w), next.max(w))?;
                if candidate.before(&link[w]) {
                    link[w] = candidate;
                }
            }
        }
    }
    Ok(edges)
}

/// Sorts `edges` by [`Edge::order`].
pub fn sort_edges(edges: &mut [Edge]) {
    edges.sort_unstable_by(Edge::order);
}

/// The minimum spanning forest of the union of two edge lists over tasks `0..n`, each sorted by
/// [`Edge::order`] (typically two forests): [`kruskal_merge`] of the two.
pub fn merge_forests(n: usize, a: &[Edge], b: &[Edge]) -> Result<Vec<Edge>, CascadeError> {
    kruskal_merge(n, &[a, b])
}

/// The minimum spanning forest of the union of edge lists over tasks `0..n`, each sorted by
/// [`Edge::order`]: Kruskal over their merge (petgraph's union-find), sorted too. An edge that
/// is not a pair `lo < hi < n` is an error.
pub fn kruskal_merge(n: usize, lists: &[&[Edge]]) -> Result<Vec<Edge>, CascadeError> {
    let total: usize = lists.iter().map(|l| l.len()).sum();
    if let Some(e) = lists
        .iter()
        .flat_map(|l| l.iter())
        .find(|e| e.hi >= n || e.lo >= e.hi)
    {
        return Err(CascadeError::InvalidTree(format!(
            "edge ({}, {}) is not a pair of distinct tasks among {n}",
            e.lo, e.hi
        )));
    }
    let mut sets = UnionFind::<usize>::new(n);
    let mut out = Vec::with_capacity(n.saturating_sub(1).min(total));
    let mut heads = vec![0usize; lists.len()];
    loop {
        let mut next: Option<usize> = None;
        for (l, list) in lists.iter().enumerate() {
            if let Some(e) = list.get(heads[l])
                && next.is_none_or(|m| e.before(&lists[m][heads[m]]))
            {
                next = Some(l);
            }
        }
        let Some(l) = next else { break };
        let e = lists[l][heads[l]];
        heads[l] += 1;
        if sets.union(e.lo, e.hi) {
            out.push(e);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_breaks_ties_by_the_smaller_then_the_larger_end() {
        let e = |lo, hi, d| Edge::new(lo, hi, d);
        assert!(e(0, 5, 1.0).before(&e(1, 2, 1.0)));
        assert!(e(1, 2, 1.0).before(&e(1, 3, 1.0)));
        assert!(e(4, 3, 0.5).before(&e(0, 1, 1.0)));
        assert_eq!(e(3, 4, -0.0).order(&e(3, 4, 0.0)), Ordering::Equal);
        assert!(e(0, 1, f64::INFINITY).before(&e(0, 1, f64::NAN)));
        assert_eq!(Edge::new(7, 2, 1.0), e(2, 7, 1.0));
    }

    #[test]
    fn merging_keeps_the_first_edge_that_joins_two_components() {
        // Triangle 0-1-2 with a tie between (0, 2) and (1, 2): (0, 2) comes first.
        let a = vec![Edge::new(0, 1, 1.0), Edge::new(1, 2, 2.0)];
        let b = vec![Edge::new(0, 2, 2.0), Edge::new(2, 3, 5.0)];
        let merged = merge_forests(4, &a, &b).unwrap();
        assert_eq!(
            merged,
            vec![
                Edge::new(0, 1, 1.0),
                Edge::new(0, 2, 2.0),
                Edge::new(2, 3, 5.0)
            ]
        );
        assert!(merge_forests(3, &a, &b).is_err());
    }
}
