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
    /// Prim's algorithm on the dense matrix ([`Tree::mst_with`] reading its entries), started
    /// from task 0: at every step the non-tree task with the smallest key joins (lowest index
    /// on ties), and a key is updated only on a strict improvement, so the undirected tree is
    /// deterministic and does not depend on `root`; it is then oriented away from `root` by
    /// [`Tree::from_edges`]. Errors: an empty matrix, `root` out of range, a NaN or infinite
    /// distance (naming the pair).
    pub fn mst(dist: &DistanceMatrix, root: usize) -> Result<Self, CascadeError> {
        if dist.is_empty() {
            return Err(no_tasks("a minimum spanning tree"));
        }
        check_root(dist.len(), root)?;
        check_finite(dist)?;
        Self::mst_with(dist.len(), root, |u, v| dist.get(u, v))
    }

    /// Minimum spanning tree of `n` tasks whose distances `distance(u, v)` are computed when
    /// Prim needs them, oriented away from `root`: memory `O(n)` besides what `distance`
    /// holds (no `n x n` matrix), `n (n - 1) / 2` calls. The same tie rules as [`Tree::mst`],
    /// so for the same numbers it gives the same tree; `distance` must be symmetric. A NaN or
    /// infinite distance is an error naming the pair.
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
        let checked = |u: usize, v: usize| -> Result<f64, CascadeError> {
            let d = distance(u, v);
            if d.is_finite() {
                return Ok(d);
            }
            let (i, j) = (u.min(v), u.max(v));
            Err(CascadeError::InvalidSetting {
                name: "task distance",
                value: format!("D[{i}][{j}] = {d}"),
                reason: format!("the distance between tasks {i} and {j} must be a finite number"),
            })
        };
        let mut in_tree = vec![false; n];
        let mut key = vec![0.0; n];
        for (w, k) in key.iter_mut().enumerate().skip(1) {
            *k = checked(0, w)?;
        }
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
            for w in 0..n {
                if !in_tree[w] {
                    let d = checked(next, w)?;
                    if d < key[w] {
                        key[w] = d;
                        link[w] = next;
                    }
                }
            }
        }
        Self::from_edges(n, &edges, root)
    }
}
