//! The minimum spanning tree of a distance matrix (dense Prim, ties broken by [`Edge::order`]),
//! and the check that the matrix holds only finite numbers.

use super::forest::{Edge, non_finite, prim};
use super::orient::{check_root, no_tasks};
use super::value::Tree;
use crate::CascadeError;
use crate::distance::DistanceMatrix;

/// Rejects NaN or infinite entries, naming the first offending pair.
pub(crate) fn check_finite(dist: &DistanceMatrix) -> Result<(), CascadeError> {
    let n = dist.len();
    for i in 0..n {
        for j in (i + 1)..n {
            let d = dist.get(i, j);
            if !d.is_finite() {
                return Err(non_finite(i, j, d));
            }
        }
    }
    Ok(())
}

impl Tree {
    /// Minimum spanning tree of `dist`, oriented away from `root`.
    ///
    /// Prim's algorithm on the dense matrix ([`Tree::mst_with`] reading its entries). Ties are
    /// broken by the strict total order [`Edge::order`] on edges `(distance, lo, hi)`, so the
    /// undirected tree is the unique minimum spanning tree under that order: it does not depend
    /// on `root`, on the algorithm, or on how the pairs are split into blocks
    /// ([`crate::blocks`]); it is then oriented away from `root` by [`Tree::from_edges`].
    /// Errors: an empty matrix, `root` out of range, a NaN or infinite distance (naming the
    /// first pair `i < j` in row order).
    pub fn mst(dist: &DistanceMatrix, root: usize) -> Result<Self, CascadeError> {
        if dist.is_empty() {
            return Err(no_tasks("a minimum spanning tree"));
        }
        check_root(dist.len(), root)?;
        check_finite(dist)?;
        Self::mst_with(dist.len(), root, |u, v| dist.get(u, v))
    }

    /// Minimum spanning tree of `n` tasks whose distances `distance(u, v)` (`u < v`) are
    /// computed when Prim needs them, oriented away from `root`: memory `O(n)` besides what
    /// `distance` holds (no `n x n` matrix), `n (n - 1) / 2` calls. The same tree as
    /// [`Tree::mst`] for the same numbers. A NaN or infinite distance is an error naming the
    /// pair.
    pub fn mst_with(
        n: usize,
        root: usize,
        distance: impl Fn(usize, usize) -> f64,
    ) -> Result<Self, CascadeError> {
        // Written by hand rather than with petgraph: petgraph's `min_spanning_tree` is Kruskal,
        // which pushes all T^2/2 edges of the complete graph through a heap (O(T^2 log T)) and
        // leaves the order of equal-weight edges unspecified. Dense Prim is O(T^2) with no
        // allocation per edge, and its tie rule is ours to fix. Ties matter in practice: some
        // distances are identically zero on some data (SPEC 3), and then the tree is decided
        // by tie-breaking alone.
        if n == 0 {
            return Err(no_tasks("a minimum spanning tree"));
        }
        check_root(n, root)?;
        let edges = prim(n, |u, v| {
            let d = distance(u, v);
            if d.is_finite() {
                Ok(Edge::new(u, v, d))
            } else {
                Err(non_finite(u, v, d))
            }
        })?;
        let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.lo, e.hi)).collect();
        Self::from_edges(n, &pairs, root)
    }
}
