//! Trees from undirected edges oriented away from a root by breadth-first search, the star, and
//! the argument checks the constructors share.

use std::collections::VecDeque;

use super::value::Tree;
use crate::CascadeError;

/// `TooFewTasks` for a constructor called with zero tasks.
pub(super) fn no_tasks(what: &'static str) -> CascadeError {
    CascadeError::TooFewTasks {
        what,
        need: 1,
        got: 0,
    }
}

/// `TaskOutOfRange` unless `root` is one of the tasks `0..n`.
pub(super) fn check_root(n: usize, root: usize) -> Result<(), CascadeError> {
    if root >= n {
        return Err(CascadeError::TaskOutOfRange {
            index: root,
            tasks: n,
        });
    }
    Ok(())
}

impl Tree {
    /// Orients an undirected spanning tree given by its `n - 1` edges away from `root`.
    ///
    /// The BFS from `root` visits neighbours in increasing index order. Errors: `n == 0`
    /// ([`CascadeError::TooFewTasks`]), `root` or an edge end out of range
    /// ([`CascadeError::TaskOutOfRange`]), a wrong edge count, a self-loop, or edges that do not
    /// connect every task ([`CascadeError::InvalidTree`]).
    pub fn from_edges(
        n: usize,
        edges: &[(usize, usize)],
        root: usize,
    ) -> Result<Self, CascadeError> {
        if n == 0 {
            return Err(no_tasks("a tree"));
        }
        check_root(n, root)?;
        if edges.len() != n - 1 {
            return Err(CascadeError::InvalidTree(format!(
                "a spanning tree over {n} tasks has {} edges, got {}",
                n - 1,
                edges.len()
            )));
        }
        let mut adjacent = vec![Vec::new(); n];
        for &(a, b) in edges {
            for x in [a, b] {
                check_root(n, x)?;
            }
            if a == b {
                return Err(CascadeError::InvalidTree(format!(
                    "edge ({a}, {b}) joins task {a} to itself"
                )));
            }
            adjacent[a].push(b);
            adjacent[b].push(a);
        }
        for list in &mut adjacent {
            list.sort_unstable();
        }
        let mut parent = vec![None; n];
        let mut seen = vec![false; n];
        seen[root] = true;
        let mut queue = VecDeque::from([root]);
        while let Some(v) = queue.pop_front() {
            for &w in &adjacent[v] {
                if !seen[w] {
                    seen[w] = true;
                    parent[w] = Some(v);
                    queue.push_back(w);
                }
            }
        }
        if let Some(lost) = seen.iter().position(|&s| !s) {
            return Err(CascadeError::InvalidTree(format!(
                "the edges do not connect task {lost} to the root {root}"
            )));
        }
        Self::from_parents(parent)
    }

    /// Star: every other task is a child of `root`.
    pub fn star(n: usize, root: usize) -> Result<Self, CascadeError> {
        if n == 0 {
            return Err(no_tasks("a star"));
        }
        check_root(n, root)?;
        let parent = (0..n)
            .map(|v| if v == root { None } else { Some(root) })
            .collect();
        Self::from_parents(parent)
    }
}
