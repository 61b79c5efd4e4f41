//! The [`Tree`] value: a parent per task with the BFS order and depths derived from it, its
//! invariants (checked by [`Tree::from_parents`] and on deserialisation) and its basic
//! accessors.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::CascadeError;

/// A forest over tasks `0..T`, oriented away from its roots, with a BFS training order.
///
/// Invariants (checked by every constructor, and on deserialisation): parents are in range, no
/// task is its own ancestor, and `order` lists every task once with each parent before its
/// children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawTree")]
pub struct Tree {
    parent: Vec<Option<usize>>,
    order: Vec<usize>,
    depth: Vec<usize>,
}

/// The serialised form; `order` and `depth` are optional and, when present, must match the
/// values derived from `parent`, so a hand-edited plan cannot smuggle in an inconsistent tree.
#[derive(Deserialize)]
pub(super) struct RawTree {
    pub(super) parent: Vec<Option<usize>>,
    #[serde(default)]
    pub(super) order: Option<Vec<usize>>,
    #[serde(default)]
    pub(super) depth: Option<Vec<usize>>,
}

impl TryFrom<RawTree> for Tree {
    type Error = CascadeError;

    fn try_from(raw: RawTree) -> Result<Self, Self::Error> {
        let tree = Tree::from_parents(raw.parent)?;
        if raw.order.is_some_and(|o| o != tree.order) {
            return Err(CascadeError::InvalidTree(
                "the stored order is not the BFS order of the parent array".into(),
            ));
        }
        if raw.depth.is_some_and(|d| d != tree.depth) {
            return Err(CascadeError::InvalidTree(
                "the stored depths do not match the parent array".into(),
            ));
        }
        Ok(tree)
    }
}

impl Tree {
    /// Validates a parent array and derives the BFS order and depths.
    ///
    /// The order is a breadth-first search started from all roots at once (roots in increasing
    /// index order), visiting each task's children in increasing index order; so for a forest
    /// it runs level by level across all trees. Errors with [`CascadeError::InvalidTree`] naming
    /// the task at fault: a parent out of range, a task that is its own parent, a cycle, or no
    /// root at all (including the empty array).
    pub fn from_parents(parent: Vec<Option<usize>>) -> Result<Self, CascadeError> {
        let n = parent.len();
        if n == 0 {
            return Err(CascadeError::InvalidTree(
                "a tree needs at least one task".into(),
            ));
        }
        for (v, p) in parent.iter().enumerate() {
            match *p {
                Some(p) if p >= n => {
                    return Err(CascadeError::InvalidTree(format!(
                        "task {v} has parent {p}, but there are only {n} tasks (0..{n})"
                    )));
                }
                Some(p) if p == v => {
                    return Err(CascadeError::InvalidTree(format!(
                        "task {v} is its own parent"
                    )));
                }
                _ => {}
            }
        }
        let children = children_lists(&parent);
        let mut order = Vec::with_capacity(n);
        let mut depth = vec![usize::MAX; n];
        let mut queue = VecDeque::new();
        for v in (0..n).filter(|&v| parent[v].is_none()) {
            depth[v] = 0;
            queue.push_back(v);
        }
        if queue.is_empty() {
            return Err(CascadeError::InvalidTree(format!(
                "no task is a root (every task has a parent), so there is a cycle: {}",
                describe_cycle(&parent, 0)
            )));
        }
        while let Some(v) = queue.pop_front() {
            order.push(v);
            for &c in &children[v] {
                depth[c] = depth[v] + 1;
                queue.push_back(c);
            }
        }
        if order.len() < n {
            // Every task has one parent, so a task no root reaches lies on or below a cycle.
            let lost = (0..n).find(|&v| depth[v] == usize::MAX).unwrap_or(0);
            return Err(CascadeError::InvalidTree(format!(
                "task {lost} is not reachable from any root: {}",
                describe_cycle(&parent, lost)
            )));
        }
        Ok(Self {
            parent,
            order,
            depth,
        })
    }

    /// The forest of `n` independent tasks (Indiv): every task is a root at depth 0.
    pub fn independent(n: usize) -> Self {
        Self {
            parent: vec![None; n],
            order: (0..n).collect(),
            depth: vec![0; n],
        }
    }

    /// Number of tasks `T`.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// True for a forest over zero tasks (only [`Tree::independent`]`(0)` builds one).
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// The parent of task `v` (`None` for a root). Panics if `v >= len()`.
    pub fn parent(&self, v: usize) -> Option<usize> {
        self.parent[v]
    }

    /// The parent of every task, in task order.
    pub fn parents(&self) -> &[Option<usize>] {
        &self.parent
    }

    /// The BFS training order: every task once, each parent before its children.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Depth of task `v` (0 for a root). Panics if `v >= len()`.
    pub fn depth(&self, v: usize) -> usize {
        self.depth[v]
    }

    /// The depth of every task, in task order.
    pub fn depths(&self) -> &[usize] {
        &self.depth
    }
}

/// The children of every task of a parent array, each list in increasing index order.
pub(super) fn children_lists(parent: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut children = vec![Vec::new(); parent.len()];
    for (v, p) in parent.iter().enumerate() {
        if let Some(p) = *p {
            children[p].push(v);
        }
    }
    children
}

/// Names the tasks of the cycle above `start` (parents assumed in range, `start` unreachable
/// from any root, so following parents from it never ends at a root).
fn describe_cycle(parent: &[Option<usize>], start: usize) -> String {
    let n = parent.len();
    // After n steps up from `start` we are certainly on the cycle.
    let mut v = start;
    for _ in 0..n {
        match parent[v] {
            Some(p) => v = p,
            None => return format!("task {start} has a root above it"),
        }
    }
    let mut cycle = vec![v];
    let mut w = parent[v].unwrap_or(v);
    while w != v && cycle.len() <= n {
        cycle.push(w);
        w = parent[w].unwrap_or(v);
    }
    let names: Vec<String> = cycle.iter().map(usize::to_string).collect();
    format!(
        "the parents form a cycle through tasks {}",
        names.join(" -> ")
    )
}
