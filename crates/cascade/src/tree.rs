//! Rooted trees (and forests) of tasks: who transfers to whom, and in which order.
//!
//! A [`Tree`] stores a parent per task (`None` for a root), the breadth-first training order
//! (every parent before its children) and each task's depth. Constructors: the minimum spanning
//! tree of a distance matrix, the star, a uniform random labelled tree (Pruefer), a random
//! recursive tree, and the forest of independent tasks (Indiv).

use std::collections::VecDeque;

use petgraph::dot::{Config, Dot};
use petgraph::graph::{DiGraph, NodeIndex};
use rand::seq::SliceRandom;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::distance::DistanceMatrix;

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
struct RawTree {
    parent: Vec<Option<usize>>,
    #[serde(default)]
    order: Option<Vec<usize>>,
    #[serde(default)]
    depth: Option<Vec<usize>>,
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

/// `TooFewTasks` for a constructor called with zero tasks.
fn no_tasks(what: &'static str) -> CascadeError {
    CascadeError::TooFewTasks {
        what,
        need: 1,
        got: 0,
    }
}

fn check_root(n: usize, root: usize) -> Result<(), CascadeError> {
    if root >= n {
        return Err(CascadeError::TaskOutOfRange {
            index: root,
            tasks: n,
        });
    }
    Ok(())
}

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

    /// The labelled tree over `seq.len() + 2` tasks whose Pruefer sequence is `seq`, oriented
    /// away from `root`. Every entry must be a task index below `seq.len() + 2`.
    pub fn from_pruefer(seq: &[usize], root: usize) -> Result<Self, CascadeError> {
        let n = seq.len() + 2;
        check_root(n, root)?;
        if let Some(&bad) = seq.iter().find(|&&x| x >= n) {
            return Err(CascadeError::TaskOutOfRange {
                index: bad,
                tasks: n,
            });
        }
        Self::from_edges(n, &pruefer_edges(n, seq), root)
    }

    /// Uniform random labelled tree (random Pruefer sequence), oriented away from `root`.
    ///
    /// Every one of the `n^(n-2)` labelled trees on `n` tasks is equally likely (the paper's
    /// RandTree); for `n <= 2` there is only one tree.
    pub fn random_pruefer<R: Rng + ?Sized>(
        n: usize,
        root: usize,
        rng: &mut R,
    ) -> Result<Self, CascadeError> {
        if n == 0 {
            return Err(no_tasks("a random tree"));
        }
        check_root(n, root)?;
        if n == 1 {
            return Self::from_parents(vec![None]);
        }
        let seq: Vec<usize> = (0..n - 2).map(|_| rng.random_range(0..n)).collect();
        Self::from_pruefer(&seq, root)
    }

    /// Random recursive tree rooted at `root`.
    ///
    /// The non-root tasks are put in a uniformly random order after the root, and each task
    /// takes a uniformly random earlier task of that sequence as its parent: what the research
    /// code's "random tree" does. Not uniform over labelled trees (it favours shallow, bushy
    /// trees near the root); see [`Tree::random_pruefer`] for that.
    pub fn random_recursive<R: Rng + ?Sized>(
        n: usize,
        root: usize,
        rng: &mut R,
    ) -> Result<Self, CascadeError> {
        if n == 0 {
            return Err(no_tasks("a random tree"));
        }
        check_root(n, root)?;
        let mut sequence: Vec<usize> = (0..n).filter(|&v| v != root).collect();
        sequence.shuffle(rng);
        sequence.insert(0, root);
        let mut parent = vec![None; n];
        for i in 1..n {
            parent[sequence[i]] = Some(sequence[rng.random_range(0..i)]);
        }
        Self::from_parents(parent)
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

    /// The largest depth (0 for a forest of roots or an empty tree).
    pub fn max_depth(&self) -> usize {
        self.depth.iter().copied().max().unwrap_or(0)
    }

    /// The roots, in increasing index order.
    pub fn roots(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&v| self.parent[v].is_none())
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
            .filter(|&c| self.parent[c] == Some(v))
            .collect()
    }

    /// The children of every task, each list in increasing index order.
    pub fn children_lists(&self) -> Vec<Vec<usize>> {
        children_lists(&self.parent)
    }

    /// Every edge as `(parent, child)`, in the BFS order of the children.
    pub fn edges(&self) -> Vec<(usize, usize)> {
        self.order
            .iter()
            .filter_map(|&v| self.parent[v].map(|p| (p, v)))
            .collect()
    }

    /// The size of every task's subtree (a task counts itself; a leaf has 1).
    pub fn subtree_sizes(&self) -> Vec<usize> {
        let mut size = vec![1; self.len()];
        for &v in self.order.iter().rev() {
            if let Some(p) = self.parent[v] {
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
        for &v in &self.order {
            levels[self.depth[v]].push(v);
        }
        levels
    }

    /// The sum of the edge lengths `D[parent(v)][v]`. Panics if `dist` has fewer tasks.
    pub fn total_weight(&self, dist: &DistanceMatrix) -> f64 {
        self.edges().iter().map(|&(p, v)| dist.get(p, v)).sum()
    }

    /// Graphviz DOT of the tree, edges parent -> child.
    ///
    /// Node `v` is labelled `labels[v]` (or `task-v` where `labels` is too short) and, with
    /// `budgets`, a second line `b=<steps>`.
    pub fn to_dot(&self, labels: &[String], budgets: Option<&[usize]>) -> String {
        // Edge weights are never shown (EdgeNoLabel) but Dot needs them to implement Display.
        let mut graph: DiGraph<String, &str> = DiGraph::with_capacity(self.len(), self.len());
        let nodes: Vec<NodeIndex> = (0..self.len())
            .map(|v| {
                let name = labels
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| format!("task-{v}"));
                let label = match budgets.and_then(|b| b.get(v)) {
                    Some(steps) => format!("{name}\nb={steps}"),
                    None => name,
                };
                graph.add_node(label)
            })
            .collect();
        for (p, v) in self.edges() {
            graph.add_edge(nodes[p], nodes[v], "");
        }
        format!("{}", Dot::with_config(&graph, &[Config::EdgeNoLabel]))
    }
}

fn children_lists(parent: &[Option<usize>]) -> Vec<Vec<usize>> {
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

/// Decodes a Pruefer sequence over `n = seq.len() + 2` tasks into its `n - 1` edges in linear
/// time (entries already checked to be below `n`).
fn pruefer_edges(n: usize, seq: &[usize]) -> Vec<(usize, usize)> {
    let mut degree = vec![1usize; n];
    for &x in seq {
        degree[x] += 1;
    }
    let mut ptr = (0..n).find(|&v| degree[v] == 1).unwrap_or(0);
    let mut leaf = ptr;
    let mut edges = Vec::with_capacity(n - 1);
    for &x in seq {
        edges.push((leaf, x));
        degree[leaf] = 0;
        degree[x] -= 1;
        if degree[x] == 1 && x < ptr {
            leaf = x;
        } else {
            ptr += 1;
            while degree[ptr] != 1 {
                ptr += 1;
            }
            leaf = ptr;
        }
    }
    edges.push((leaf, n - 1));
    edges
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    /// The 4-task matrix of the hand-worked MST below.
    fn four() -> DistanceMatrix {
        DistanceMatrix::from_rows(&[
            vec![0.0, 1.0, 4.0, 6.0],
            vec![1.0, 0.0, 2.0, 5.0],
            vec![4.0, 2.0, 0.0, 3.0],
            vec![6.0, 5.0, 3.0, 0.0],
        ])
        .unwrap()
    }

    fn random_matrix(n: usize, rng: &mut StdRng) -> DistanceMatrix {
        DistanceMatrix::from_pairs(n, |_, _| rng.random_range(0.0..1.0))
    }

    /// Checks every structural invariant of a spanning tree over `n` tasks.
    fn assert_valid_tree(t: &Tree, n: usize) {
        assert_eq!(t.len(), n);
        assert_eq!(t.roots().len(), 1);
        let mut position = vec![usize::MAX; n];
        for (i, &v) in t.order().iter().enumerate() {
            assert_eq!(position[v], usize::MAX, "task {v} twice in the order");
            position[v] = i;
        }
        for v in 0..n {
            match t.parent(v) {
                Some(p) => {
                    assert!(position[p] < position[v], "parent {p} after child {v}");
                    assert_eq!(t.depth(v), t.depth(p) + 1);
                }
                None => assert_eq!(t.depth(v), 0),
            }
        }
        assert_eq!(t.edges().len(), n - 1);
    }

    #[test]
    fn mst_of_hand_worked_matrix() {
        // Prim from 0: keys {1: 1, 2: 4, 3: 6} -> add 1 (edge 0-1); from 1 the keys improve to
        // {2: 2, 3: 5} -> add 2 (edge 1-2); from 2 key 3 improves to 3 -> add 3 (edge 2-3).
        // The MST is the path 0-1-2-3 with weight 1 + 2 + 3 = 6. Rooted at 2: children 1 and
        // 3, and 0 below 1; BFS order 2, 1, 3, 0.
        let t = Tree::mst(&four(), 2).unwrap();
        assert_eq!(t.parents(), &[Some(1), Some(2), None, Some(2)]);
        assert_eq!(t.order(), &[2, 1, 3, 0]);
        assert_eq!(t.depths(), &[2, 1, 0, 1]);
        assert_eq!(t.total_weight(&four()), 6.0);
        assert_eq!(t.root(), Some(2));
        assert_eq!(t.max_depth(), 2);
        assert_eq!(t.edges(), vec![(2, 1), (2, 3), (1, 0)]);
        assert_eq!(t.children(2), vec![1, 3]);
        assert_eq!(
            t.children_lists(),
            vec![vec![], vec![0], vec![1, 3], vec![]]
        );
        assert_eq!(t.subtree_sizes(), vec![1, 2, 4, 1]);
        assert_eq!(t.levels(), vec![vec![2], vec![1, 3], vec![0]]);
    }

    #[test]
    fn mst_ties_go_to_the_lowest_index_whatever_the_root() {
        // All distances equal: Prim from 0 adds 1, 2, 3 in turn, each linked to 0 since no key
        // ever strictly improves, so the undirected tree is the star at 0 for every root.
        let d = DistanceMatrix::from_pairs(4, |_, _| 0.5);
        assert_eq!(Tree::mst(&d, 0).unwrap(), Tree::star(4, 0).unwrap());
        let t = Tree::mst(&d, 2).unwrap();
        assert_eq!(t.parents(), &[Some(2), Some(0), None, Some(0)]);
        assert_eq!(t.order(), &[2, 0, 1, 3]);
        // All zero (SPEC 3: mmd on standardised synthetic data): the same star.
        assert_eq!(
            Tree::mst(&DistanceMatrix::zeros(5), 0).unwrap(),
            Tree::star(5, 0).unwrap()
        );
    }

    #[test]
    fn mst_undirected_edges_do_not_depend_on_the_root() {
        let mut rng = StdRng::seed_from_u64(3);
        let d = random_matrix(9, &mut rng);
        let undirected = |t: &Tree| -> HashSet<(usize, usize)> {
            t.edges()
                .iter()
                .map(|&(a, b)| (a.min(b), a.max(b)))
                .collect()
        };
        let first = undirected(&Tree::mst(&d, 0).unwrap());
        for root in 1..9 {
            let t = Tree::mst(&d, root).unwrap();
            assert_eq!(t.root(), Some(root));
            assert_eq!(undirected(&t), first);
        }
    }

    #[test]
    fn mst_weight_matches_brute_force_over_all_labelled_trees() {
        // Enumerate all n^(n-2) labelled trees through their Pruefer sequences; the minimum
        // total weight must be the MST's.
        let mut rng = StdRng::seed_from_u64(11);
        for n in 2..=7usize {
            for _ in 0..3 {
                let d = random_matrix(n, &mut rng);
                let mst = Tree::mst(&d, 0).unwrap().total_weight(&d);
                let mut best = f64::INFINITY;
                let count = n.pow((n - 2) as u32);
                for code in 0..count {
                    let seq: Vec<usize> = (0..n - 2).map(|k| code / n.pow(k as u32) % n).collect();
                    let t = Tree::from_pruefer(&seq, 0).unwrap();
                    best = best.min(t.total_weight(&d));
                }
                assert!(
                    (best - mst).abs() < 1e-12,
                    "n = {n}: brute {best}, mst {mst}"
                );
            }
        }
    }

    #[test]
    fn mst_errors() {
        assert!(matches!(
            Tree::mst(&four(), 4),
            Err(CascadeError::TaskOutOfRange { index: 4, tasks: 4 })
        ));
        assert!(matches!(
            Tree::mst(&DistanceMatrix::zeros(0), 0),
            Err(CascadeError::TooFewTasks { .. })
        ));
        let mut d = four();
        d.set(1, 3, f64::NAN);
        let err = Tree::mst(&d, 0).unwrap_err().to_string();
        assert!(err.contains("tasks 1 and 3"), "{err}");
        assert_eq!(Tree::mst(&DistanceMatrix::zeros(1), 0).unwrap().len(), 1);
    }

    #[test]
    fn pruefer_decoding_by_hand() {
        // [3, 3, 3] on 5 tasks: leaves 0, 1, 2 attach to 3 in turn, then the last two tasks,
        // 3 and 4, are joined: the star at 3.
        assert_eq!(
            Tree::from_pruefer(&[3, 3, 3], 3).unwrap(),
            Tree::star(5, 3).unwrap()
        );
        // Wikipedia's example {4, 4, 4, 5} on 1..6, shifted to 0-based: edges 0-3, 1-3, 2-3,
        // 3-4, 4-5. Rooted at 0: 0 -> 3 -> {1, 2, 4}, 4 -> 5.
        let t = Tree::from_pruefer(&[3, 3, 3, 4], 0).unwrap();
        assert_eq!(
            t.parents(),
            &[None, Some(3), Some(3), Some(0), Some(3), Some(4)]
        );
        assert_eq!(t.order(), &[0, 3, 1, 2, 4, 5]);
        // A path: [1, 2] on 4 tasks gives 0-1, 1-2, 2-3.
        let t = Tree::from_pruefer(&[1, 2], 0).unwrap();
        assert_eq!(t.parents(), &[None, Some(0), Some(1), Some(2)]);
        assert!(matches!(
            Tree::from_pruefer(&[5], 0),
            Err(CascadeError::TaskOutOfRange { index: 5, tasks: 3 })
        ));
    }

    #[test]
    fn random_pruefer_reaches_all_16_trees_on_4_tasks() {
        // With the root fixed, the parent array identifies the undirected tree, and there are
        // 4^2 = 16 labelled trees on 4 tasks.
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let t = Tree::random_pruefer(4, 1, &mut rng).unwrap();
            assert_valid_tree(&t, 4);
            assert_eq!(t.root(), Some(1));
            seen.insert(t.parents().to_vec());
        }
        assert_eq!(seen.len(), 16);
    }

    #[test]
    fn random_trees_small_and_seeded() {
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(
            Tree::random_pruefer(1, 0, &mut rng).unwrap().parents(),
            &[None]
        );
        assert_eq!(
            Tree::random_pruefer(2, 1, &mut rng).unwrap().parents(),
            &[Some(1), None]
        );
        assert_eq!(
            Tree::random_recursive(1, 0, &mut rng).unwrap().parents(),
            &[None]
        );
        let a = Tree::random_recursive(30, 4, &mut StdRng::seed_from_u64(5)).unwrap();
        let b = Tree::random_recursive(30, 4, &mut StdRng::seed_from_u64(5)).unwrap();
        assert_eq!(a, b);
        assert!(matches!(
            Tree::random_recursive(3, 3, &mut rng),
            Err(CascadeError::TaskOutOfRange { .. })
        ));
        assert!(matches!(
            Tree::random_pruefer(0, 0, &mut rng),
            Err(CascadeError::TooFewTasks { .. })
        ));
    }

    #[test]
    fn random_recursive_reaches_every_recursive_shape_on_3_tasks() {
        // Root 0 and tasks 1, 2 in random order; the second may hang from the root or from the
        // first: parents {1: 0, 2: 0}, {1: 0, 2: 1} and {2: 0, 1: 2} all occur.
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let t = Tree::random_recursive(3, 0, &mut rng).unwrap();
            assert_valid_tree(&t, 3);
            seen.insert(t.parents().to_vec());
        }
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn star_and_independent() {
        let s = Tree::star(4, 2).unwrap();
        assert_eq!(s.parents(), &[Some(2), Some(2), None, Some(2)]);
        assert_eq!(s.order(), &[2, 0, 1, 3]);
        assert_eq!(s.levels(), vec![vec![2], vec![0, 1, 3]]);
        assert!(matches!(
            Tree::star(4, 9),
            Err(CascadeError::TaskOutOfRange { index: 9, tasks: 4 })
        ));
        let f = Tree::independent(3);
        assert_eq!(f.roots(), vec![0, 1, 2]);
        assert_eq!(f.root(), None);
        assert_eq!(f.max_depth(), 0);
        assert!(f.edges().is_empty());
        assert_eq!(f.levels(), vec![vec![0, 1, 2]]);
        assert_eq!(Tree::from_parents(vec![None; 3]).unwrap(), f);
        assert!(Tree::independent(0).is_empty());
        assert!(Tree::independent(0).levels().is_empty());
    }

    #[test]
    fn from_parents_forest_order_runs_level_by_level() {
        // Two trees: 3 -> {0, 4}, 1 -> {2}, 4 -> {5}. Roots 1, 3 first, then depth 1 across
        // both trees (children of 1, then of 3), then depth 2.
        let t = Tree::from_parents(vec![Some(3), None, Some(1), None, Some(3), Some(4)]).unwrap();
        assert_eq!(t.order(), &[1, 3, 2, 0, 4, 5]);
        assert_eq!(t.depths(), &[1, 0, 1, 0, 1, 2]);
        assert_eq!(t.roots(), vec![1, 3]);
        assert_eq!(t.root(), None);
        assert_eq!(t.subtree_sizes(), vec![1, 2, 1, 4, 2, 1]);
    }

    #[test]
    fn from_parents_rejects_bad_arrays_naming_the_task() {
        let err = |p: Vec<Option<usize>>| match Tree::from_parents(p) {
            Err(CascadeError::InvalidTree(msg)) => msg,
            other => panic!("expected InvalidTree, got {other:?}"),
        };
        assert!(err(vec![None, Some(7)]).contains("task 1 has parent 7"));
        assert!(err(vec![None, Some(1)]).contains("task 1 is its own parent"));
        // 0 is the root; 1 -> 2 -> 3 -> 1 is a cycle that 4 hangs from.
        let msg = err(vec![None, Some(3), Some(1), Some(2), Some(2)]);
        assert!(msg.contains("task 1 is not reachable"), "{msg}");
        assert!(msg.contains("cycle through tasks"), "{msg}");
        let msg = err(vec![Some(1), Some(0)]);
        assert!(msg.contains("no task is a root"), "{msg}");
        assert!(msg.contains("0 -> 1") || msg.contains("1 -> 0"), "{msg}");
        assert!(err(vec![]).contains("at least one task"));
    }

    #[test]
    fn from_edges_checks_its_input() {
        assert!(Tree::from_edges(3, &[(0, 1)], 0).is_err());
        assert!(Tree::from_edges(3, &[(0, 1), (0, 1)], 0).is_err());
        assert!(Tree::from_edges(3, &[(0, 1), (2, 2)], 0).is_err());
        assert!(Tree::from_edges(3, &[(0, 1), (1, 5)], 0).is_err());
        let t = Tree::from_edges(3, &[(2, 1), (1, 0)], 0).unwrap();
        assert_eq!(t.parents(), &[None, Some(0), Some(1)]);
    }

    #[test]
    fn deserialisation_validates() {
        // serde goes through RawTree (serde_json is not a dependency here, so build it directly).
        let raw = |parent: Vec<Option<usize>>, order: Option<Vec<usize>>| RawTree {
            parent,
            order,
            depth: None,
        };
        let t = Tree::mst(&four(), 1).unwrap();
        let back = Tree::try_from(RawTree {
            parent: t.parents().to_vec(),
            order: Some(t.order().to_vec()),
            depth: Some(t.depths().to_vec()),
        });
        assert_eq!(back.unwrap(), t);
        // A cycle smuggled into a saved plan is caught on load.
        assert!(Tree::try_from(raw(vec![Some(1), Some(0)], None)).is_err());
        // So is a stored order that is not the BFS order.
        assert!(Tree::try_from(raw(vec![None, Some(0), Some(0)], Some(vec![0, 2, 1]))).is_err());
        assert!(Tree::try_from(raw(vec![None, Some(0), Some(0)], None)).is_ok());
    }

    #[test]
    fn dot_output_names_nodes_and_edges() {
        let t = Tree::star(3, 0).unwrap();
        let labels = vec!["a".to_string(), "b".to_string()];
        let dot = t.to_dot(&labels, Some(&[5, 3, 2]));
        assert!(dot.starts_with("digraph"), "{dot}");
        assert!(dot.contains("a\\lb=5"), "{dot}");
        assert!(dot.contains("task-2\\lb=2"), "{dot}");
        assert!(dot.contains("0 -> 1") && dot.contains("0 -> 2"), "{dot}");
        let plain = t.to_dot(&[], None);
        assert!(plain.contains("\"task-1\""), "{plain}");
    }

    proptest! {
        #[test]
        fn bfs_order_puts_parents_first(n in 1usize..40, root_pick in 0usize..1000, seed in any::<u64>()) {
            let root = root_pick % n;
            let mut rng = StdRng::seed_from_u64(seed);
            let d = random_matrix(n, &mut rng);
            let trees = [
                Tree::mst(&d, root).unwrap(),
                Tree::star(n, root).unwrap(),
                Tree::random_pruefer(n, root, &mut rng).unwrap(),
                Tree::random_recursive(n, root, &mut rng).unwrap(),
            ];
            for t in &trees {
                assert_valid_tree(t, n);
                prop_assert_eq!(t.root(), Some(root));
                prop_assert_eq!(t.subtree_sizes()[root], n);
                prop_assert_eq!(t.levels().iter().map(Vec::len).sum::<usize>(), n);
                prop_assert_eq!(Tree::from_parents(t.parents().to_vec()).unwrap(), t.clone());
            }
        }
    }
}
