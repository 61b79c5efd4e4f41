//! The minimum spanning tree of a distance matrix (dense Prim, deterministic ties), and the
//! check that the matrix holds only finite numbers.

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
                return Err(CascadeError::InvalidSetting {
                    name: "task distance",
                    value: format!("D[{i}][{j}] = {d}"),
                    reason: format!(
                        "the distance between tasks {i} and {j} must be a finite number"
                    ),
                });
            }
        }
    }
    Ok(())
}

impl Tree {
    /// Minimum spanning tree of `dist`, oriented away from `root`.
    ///
    /// Prim's algorithm on the dense matrix, started from task 0: at every step the non-tree
    /// task with the smallest key joins (lowest index on ties), and a key is updated only on a
    /// strict improvement, so the undirected tree is deterministic and does not depend on
    /// `root`; it is then oriented away from `root` by [`Tree::from_edges`]. Errors: an empty
    /// matrix, `root` out of range, a NaN or infinite distance (naming the pair).
    pub fn mst(dist: &DistanceMatrix, root: usize) -> Result<Self, CascadeError> {
        // Written by hand rather than with petgraph: petgraph's `min_spanning_tree` is Kruskal,
        // which pushes all T^2/2 edges of the complete graph through a heap (O(T^2 log T)) and
        // leaves the order of equal-weight edges unspecified. Dense Prim is O(T^2) with no
        // allocation per edge, and its tie rule is ours to fix. Ties matter in practice: some
        // distances are identically zero on some data (SPEC 3), and then the tree is decided
        // by tie-breaking alone.
        let n = dist.len();
        if n == 0 {
            return Err(no_tasks("a minimum spanning tree"));
        }
        check_root(n, root)?;
        check_finite(dist)?;
        let mut in_tree = vec![false; n];
        let mut key: Vec<f64> = dist.row(0).to_vec();
        let mut link = vec![0usize; n];
        in_tree[0] = true;
        let mut edges = Vec::with_capacity(n - 1);
        for _ in 1..n {
            let mut next = usize::MAX;
            for v in 0..n {
                if !in_tree[v] && (next == usize::MAX || key[v] < key[next]) {
                    next = v;
                }
            }
            in_tree[next] = true;
            edges.push((link[next], next));
            let row = dist.row(next);
            for w in 0..n {
                if !in_tree[w] && row[w] < key[w] {
                    key[w] = row[w];
                    link[w] = next;
                }
            }
        }
        Self::from_edges(n, &edges, root)
    }
}
