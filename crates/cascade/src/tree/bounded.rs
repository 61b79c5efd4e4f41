//! Shallow spanning trees: Prim grown from the root that attaches a task only to a tree node of
//! depth `< D` ([`Tree::mst_bounded`]), and its budget-aware variant whose edge cost adds the
//! error bound a deeper path has already accumulated ([`Tree::grown`], SPEC 8 and 10).
//!
//! The minimum spanning tree under a hop (depth) bound is NP-hard in general, so these are
//! heuristics, not optima: greedy growth from the root, like Prim, with the same strict edge
//! order ([`super::Edge::order`]) deciding ties. Without a bound and without contraction the
//! growth is Prim's algorithm itself, so it gives exactly [`Tree::mst`].

use super::forest::{Edge, non_finite};
use super::orient::{check_root, no_tasks};
use super::value::Tree;
use crate::CascadeError;

/// How [`Tree::grown`] grows a tree from its root.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    /// The largest depth a task may have (`None`: unbounded). At least 1 when there are two
    /// tasks or more.
    pub max_depth: Option<usize>,
    /// The factor `c` in `[0, 1]` by which a task's refinement contracts the error it inherits:
    /// `rho^b` for a contraction `rho` per step and `b` steps (SPEC 8). 0 gives the plain
    /// (depth-bounded) Prim; 1 gives the shortest-path tree from the root.
    pub contraction: f64,
}

impl Tree {
    /// A spanning tree of `n` tasks grown from `root` in which no task is deeper than
    /// `max_depth`: Prim's algorithm that only attaches a task to a tree node of depth
    /// `< max_depth`.
    ///
    /// At every step the task outside the tree whose cheapest admissible link comes first in
    /// [`Edge::order`] (distance, then the smaller end, then the larger) joins through that link.
    /// This is a heuristic: the hop-constrained minimum spanning tree is NP-hard. Its weight is at
    /// least the minimum spanning tree's; `max_depth = 1` gives the star at `root`;
    /// `max_depth >= n - 1` gives exactly [`Tree::mst`]. `distance(u, v)` is called with
    /// `u < v`, at most `n (n - 1) / 2` times; time `O(n^2)`, memory `O(n)` besides what
    /// `distance` holds. Errors: `n == 0`, `root` out of range, `max_depth == 0` with `n > 1`,
    /// a NaN or infinite distance (naming the pair).
    pub fn mst_bounded(
        n: usize,
        root: usize,
        max_depth: usize,
        distance: impl Fn(usize, usize) -> f64,
    ) -> Result<Self, CascadeError> {
        let growth = Growth {
            max_depth: Some(max_depth),
            contraction: 0.0,
        };
        Self::grown(n, root, growth, distance)
    }

    /// A spanning tree of `n` tasks grown from `root` under `growth`: the budget-aware
    /// heuristic of SPEC 10 built on the bound of SPEC 8.
    ///
    /// Every tree node `u` carries a bound `e_u` on the error it hands down (`e_root = 0`: the
    /// root's own error is left out, an assumption). A task `v` outside the tree may attach to a
    /// node `u` of depth `< max_depth` at cost `e_u + d(u, v)`, the bound on what `v` starts
    /// from; the cheapest such link joins (ties by [`Edge::order`] over `(cost, u, v)`), and then
    /// `e_v = c (e_u + d(u, v))` with `c = growth.contraction`. With `c = 0` the cost is the
    /// distance alone and this is [`Tree::mst_bounded`]; as `c` grows towards 1 (few steps per
    /// task, so little contraction) long paths cost more and the tree flattens towards the
    /// shortest-path tree. Same calls, time and memory as [`Tree::mst_bounded`]. Errors: those
    /// of [`Tree::mst_bounded`], and a contraction outside `[0, 1]`.
    pub fn grown(
        n: usize,
        root: usize,
        growth: Growth,
        distance: impl Fn(usize, usize) -> f64,
    ) -> Result<Self, CascadeError> {
        if n == 0 {
            return Err(no_tasks("a spanning tree"));
        }
        check_root(n, root)?;
        let max_depth = growth.max_depth.unwrap_or(usize::MAX);
        if max_depth == 0 && n > 1 {
            return Err(CascadeError::InvalidSetting {
                name: "tree depth",
                value: "0".into(),
                reason: format!("{n} tasks need a depth of at least 1"),
            });
        }
        let c = growth.contraction;
        if !(0.0..=1.0).contains(&c) {
            return Err(CascadeError::InvalidSetting {
                name: "contraction",
                value: c.to_string(),
                reason: "the error contraction over a task's steps lies in [0, 1]".into(),
            });
        }
        let mut parent = vec![None; n];
        let mut in_tree = vec![false; n];
        let mut depth = vec![0usize; n];
        let mut bound = vec![0.0f64; n];
        // The best admissible link of every task outside the tree: (cost edge, parent, distance).
        let mut link: Vec<Option<(Edge, usize, f64)>> = vec![None; n];
        let mut joined = root;
        in_tree[root] = true;
        for _ in 1..n {
            if depth[joined] < max_depth {
                for w in (0..n).filter(|&w| !in_tree[w]) {
                    let (lo, hi) = (joined.min(w), joined.max(w));
                    let d = distance(lo, hi);
                    if !d.is_finite() {
                        return Err(non_finite(lo, hi, d));
                    }
                    let candidate = Edge::new(joined, w, bound[joined] + d);
                    if link[w].is_none_or(|(best, _, _)| candidate.before(&best)) {
                        link[w] = Some((candidate, joined, d));
                    }
                }
            }
            let mut next: Option<(usize, Edge, usize, f64)> = None;
            for w in (0..n).filter(|&w| !in_tree[w]) {
                if let Some((edge, u, d)) = link[w]
                    && next.is_none_or(|(_, best, _, _)| edge.before(&best))
                {
                    next = Some((w, edge, u, d));
                }
            }
            // Every task has a link from the root (depth 0 < max_depth), so one is found.
            let Some((v, _, u, d)) = next else {
                return Err(CascadeError::InvalidTree(
                    "no task outside the tree can be attached".into(),
                ));
            };
            in_tree[v] = true;
            parent[v] = Some(u);
            depth[v] = depth[u] + 1;
            bound[v] = c * (bound[u] + d);
            joined = v;
        }
        Self::from_parents(parent)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::distance::DistanceMatrix;
    use crate::tree::tests::four;

    fn grow(dist: &DistanceMatrix, root: usize, depth: Option<usize>, c: f64) -> Tree {
        let growth = Growth {
            max_depth: depth,
            contraction: c,
        };
        Tree::grown(dist.len(), root, growth, |u, v| dist.get(u, v)).unwrap()
    }

    #[test]
    fn depth_two_on_the_hand_worked_matrix() {
        // From 0 the links are {1: 1, 2: 4, 3: 6}: 1 joins at depth 1. From 1 they improve to
        // {2: 2, 3: 5}: 2 joins under 1 at depth 2, the bound, so 2 parents nothing and 3 keeps
        // its link through 1 (5, where the MST has 2-3 at 3). Weight 1 + 2 + 5 = 8 >= 6.
        let d = four();
        let t = Tree::mst_bounded(4, 0, 2, |u, v| d.get(u, v)).unwrap();
        assert_eq!(t.parents(), &[None, Some(0), Some(1), Some(1)]);
        assert_eq!(t.depths(), &[0, 1, 2, 2]);
        assert_eq!(t.total_weight(&d), 8.0);
        assert_eq!(
            Tree::mst_bounded(4, 0, 3, |u, v| d.get(u, v)).unwrap(),
            Tree::mst(&d, 0).unwrap()
        );
        assert_eq!(
            Tree::mst_bounded(4, 2, 1, |u, v| d.get(u, v)).unwrap(),
            Tree::star(4, 2).unwrap()
        );
    }

    #[test]
    fn contraction_flattens_the_tree_towards_shortest_paths() {
        let d = four();
        // c = 1: 1 joins at cost 1 (bound 1); 2 then costs 1 + 2 = 3 < 4 through 1 and joins
        // (bound 3); 3 costs 6 from 0, 1 + 5 = 6 from 1 and 3 + 3 = 6 from 2: a three-way tie
        // that the edge order gives to (0, 3). The shortest-path tree.
        assert_eq!(
            grow(&d, 0, None, 1.0).parents(),
            &[None, Some(0), Some(1), Some(0)]
        );
        // c = 0.9: bound(1) = 0.9, 2 joins at 2.9 (bound 2.61); 3 costs 6, 5.9 and 5.61:
        // through 2, the MST's path.
        assert_eq!(grow(&d, 0, None, 0.9), Tree::mst(&d, 0).unwrap());
        // c = 1 under depth 1 is still the star.
        assert_eq!(grow(&d, 0, Some(1), 1.0), Tree::star(4, 0).unwrap());
    }

    #[test]
    fn bad_arguments_are_errors() {
        let d = four();
        let f = |u: usize, v: usize| d.get(u, v);
        assert!(Tree::mst_bounded(4, 0, 0, f).is_err());
        assert!(Tree::mst_bounded(1, 0, 0, f).is_ok());
        assert!(Tree::mst_bounded(0, 0, 2, f).is_err());
        assert!(Tree::mst_bounded(4, 4, 2, f).is_err());
        let nan = |u: usize, v: usize| if (u, v) == (1, 3) { f64::NAN } else { 1.0 };
        let err = Tree::mst_bounded(4, 0, 3, nan).unwrap_err().to_string();
        assert!(err.contains("D[1][3]"), "{err}");
        let growth = Growth {
            max_depth: None,
            contraction: 1.5,
        };
        assert!(Tree::grown(4, 0, growth, f).is_err());
    }

    /// A matrix of small whole numbers: many exact ties.
    fn tied(n: usize, values: &[u8]) -> DistanceMatrix {
        let mut k = 0;
        DistanceMatrix::from_pairs(n, |_, _| {
            k += 1;
            f64::from(values[(k - 1) % values.len()] % 3)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn bounded_trees_respect_the_bound(
            n in 1usize..14,
            root_pick in 0usize..100,
            depth in 1usize..15,
            c in 0.0f64..=1.0,
            values in proptest::collection::vec(0u8..255, 1..100),
            ties in any::<bool>(),
        ) {
            let root = root_pick % n;
            let d = if ties {
                tied(n, &values)
            } else {
                let mut k = 0;
                DistanceMatrix::from_pairs(n, |_, _| {
                    k += 1;
                    f64::from(values[(k - 1) % values.len()]) / 7.0 + k as f64 * 1e-3
                })
            };
            let f = |u: usize, v: usize| d.get(u, v);
            let mst = Tree::mst(&d, root).unwrap();
            let t = Tree::mst_bounded(n, root, depth, f).unwrap();
            prop_assert!(t.depths().iter().all(|&x| x <= depth));
            prop_assert_eq!(t.roots(), vec![root]);
            prop_assert!(t.total_weight(&d) >= mst.total_weight(&d) - 1e-12);
            prop_assert_eq!(&t, &Tree::mst_bounded(n, root, depth, f).unwrap());
            if depth >= n.saturating_sub(1) {
                prop_assert_eq!(&t, &mst);
            }
            prop_assert_eq!(&grow(&d, root, None, 0.0), &mst);
            prop_assert_eq!(Tree::mst_bounded(n, root, 1, f).unwrap(), Tree::star(n, root).unwrap());
            let shaped = grow(&d, root, Some(depth), c);
            prop_assert!(shaped.depths().iter().all(|&x| x <= depth));
            prop_assert_eq!(shaped.roots(), vec![root]);
            // c = 1 unbounded: every task's path from the root is a shortest path
            // (Floyd-Warshall, computed apart).
            let spt = grow(&d, root, None, 1.0);
            let mut sp: Vec<Vec<f64>> = (0..n).map(|u| (0..n).map(|v| d.get(u, v)).collect()).collect();
            for k in 0..n {
                for i in 0..n {
                    for j in 0..n {
                        sp[i][j] = sp[i][j].min(sp[i][k] + sp[k][j]);
                    }
                }
            }
            for v in spt.order().iter().copied() {
                let (mut len, mut w) = (0.0, v);
                while let Some(p) = spt.parent(w) {
                    len += d.get(p, w);
                    w = p;
                }
                prop_assert!((len - sp[root][v]).abs() < 1e-9, "task {}: {} vs {}", v, len, sp[root][v]);
            }
        }
    }
}
