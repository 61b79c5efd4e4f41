//! Questions about a [`Tree`] derived from its parents, order and depths: roots, children,
//! edges, subtree sizes, levels and total edge weight.

use super::value::{Tree, children_lists};
use crate::distance::DistanceMatrix;

impl Tree {
    /// The largest depth (0 for a forest of roots or an empty tree).
    pub fn max_depth(&self) -> usize {
        self.depths().iter().copied().max().unwrap_or(0)
    }

    /// The roots, in increasing index order.
    pub fn roots(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&v| self.parent(v).is_none())
            .collect()
    }

    /// The root when there is exactly one (a tree rather than a forest).
    pub fn root(&self) -> Option<usize> {
        match self.roots().as_slice() {
            [r] => Some(*r),
            _ => None,
        }
    }

    /// The children of task `v`, in increasing index order (an `O(T)` scan; use
    /// [`Tree::children_lists`] for all tasks at once).
    pub fn children(&self, v: usize) -> Vec<usize> {
        (0..self.len())
            .filter(|&c| self.parent(c) == Some(v))
            .collect()
    }

    /// The children of every task, each list in increasing index order.
    pub fn children_lists(&self) -> Vec<Vec<usize>> {
        children_lists(self.parents())
    }

    /// Every edge as `(parent, child)`, in the BFS order of the children.
    pub fn edges(&self) -> Vec<(usize, usize)> {
        self.order()
            .iter()
            .filter_map(|&v| self.parent(v).map(|p| (p, v)))
            .collect()
    }

    /// The size of every task's subtree (a task counts itself; a leaf has 1).
    pub fn subtree_sizes(&self) -> Vec<usize> {
        let mut size = vec![1; self.len()];
        for &v in self.order().iter().rev() {
            if let Some(p) = self.parent(v) {
                size[p] += size[v];
            }
        }
        size
    }

    /// Tasks grouped by depth (`levels()[k]` holds the tasks at depth `k`, in BFS order): all
    /// tasks of a level can train together once the previous level is trained.
    pub fn levels(&self) -> Vec<Vec<usize>> {
        let mut levels = vec![
            Vec::new();
            if self.is_empty() {
                0
            } else {
                self.max_depth() + 1
            }
        ];
        for &v in self.order() {
            levels[self.depth(v)].push(v);
        }
        levels
    }

    /// The sum of the edge lengths `D[parent(v)][v]`. Panics if `dist` has fewer tasks.
    pub fn total_weight(&self, dist: &DistanceMatrix) -> f64 {
        self.edges().iter().map(|&(p, v)| dist.get(p, v)).sum()
    }
}
