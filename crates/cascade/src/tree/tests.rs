//! Tests of trees: construction, invariants, random trees, serialisation and DOT output.

use std::collections::HashSet;

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::value::RawTree;
use super::{Edge, Tree};
use crate::CascadeError;
use crate::distance::DistanceMatrix;

/// The 4-task matrix of the hand-worked MST below.
pub(super) fn four() -> DistanceMatrix {
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

/// The dense Prim `Tree::mst` ran before ties were broken by the edge order (copied from release
/// 6febbd4): the same trees on matrices without ties.
fn dense_prim_as_it_was(dist: &DistanceMatrix, root: usize) -> Tree {
    let n = dist.len();
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
    Tree::from_edges(n, &edges, root).unwrap()
}

#[test]
fn mst_with_names_a_non_finite_pair_without_a_matrix() {
    let err = Tree::mst_with(5, 0, |u, v| {
        if (u.min(v), u.max(v)) == (1, 3) {
            f64::INFINITY
        } else {
            (u + v) as f64
        }
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("tasks 1 and 3"), "{err}");
    assert!(matches!(
        Tree::mst_with(0, 0, |_, _| 0.0),
        Err(CascadeError::TooFewTasks { .. })
    ));
}

/// The minimum spanning tree under [`Edge::order`] by Kruskal over every pair: the oracle for
/// tied matrices.
fn kruskal_oracle(dist: &DistanceMatrix, root: usize) -> Tree {
    let n = dist.len();
    let mut edges: Vec<Edge> = (0..n)
        .flat_map(|i| ((i + 1)..n).map(move |j| (i, j)))
        .map(|(i, j)| Edge::new(i, j, dist.get(i, j)))
        .collect();
    edges.sort_by(Edge::order);
    let mut sets = petgraph::unionfind::UnionFind::<usize>::new(n);
    let pairs: Vec<(usize, usize)> = edges
        .iter()
        .filter(|e| sets.union(e.lo, e.hi))
        .map(|e| (e.lo, e.hi))
        .collect();
    Tree::from_edges(n, &pairs, root).unwrap()
}

/// The tree over `n <= 7` tasks whose edges, sorted by [`Edge::order`], come first
/// lexicographically among all `n^(n-2)` labelled trees: by the greedy property of spanning
/// trees, the minimum spanning tree under that order. Brute force, independent of Prim and
/// Kruskal.
fn brute_force_oracle(dist: &DistanceMatrix, root: usize) -> Tree {
    let n = dist.len();
    if n <= 2 {
        return Tree::mst_with(n, root, |u, v| dist.get(u, v)).unwrap();
    }
    let sorted_edges = |t: &Tree| {
        let mut edges: Vec<Edge> = t
            .edges()
            .iter()
            .map(|&(a, b)| Edge::new(a, b, dist.get(a, b)))
            .collect();
        edges.sort_by(Edge::order);
        edges
    };
    let lexicographic = |a: &[Edge], b: &[Edge]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.order(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    let mut best: Option<(Vec<Edge>, Tree)> = None;
    for code in 0..n.pow((n - 2) as u32) {
        let seq: Vec<usize> = (0..n - 2).map(|k| code / n.pow(k as u32) % n).collect();
        let t = Tree::from_pruefer(&seq, root).unwrap();
        let edges = sorted_edges(&t);
        if best
            .as_ref()
            .is_none_or(|(b, _)| lexicographic(&edges, b).is_lt())
        {
            best = Some((edges, t));
        }
    }
    best.unwrap().1
}

#[test]
fn mst_ties_follow_the_edge_order_not_the_order_tasks_join() {
    // d(0, 2) = 1, d(0, 1) = 2, d(1, 3) = d(2, 3) = 3, the rest 10. Prim from 0 adds 2 before
    // 1, but the tie between (1, 3) and (2, 3) goes to the edge that comes first in
    // (distance, lo, hi): (1, 3). (The dense Prim of earlier releases kept (2, 3), the link of
    // the task that joined first, which no order on edges alone reproduces.)
    let d = DistanceMatrix::from_rows(&[
        vec![0.0, 2.0, 1.0, 10.0],
        vec![2.0, 0.0, 10.0, 3.0],
        vec![1.0, 10.0, 0.0, 3.0],
        vec![10.0, 3.0, 3.0, 0.0],
    ])
    .unwrap();
    let t = Tree::mst(&d, 0).unwrap();
    assert_eq!(t.parents(), &[None, Some(0), Some(0), Some(1)]);
    assert_eq!(t, kruskal_oracle(&d, 0));
    assert_eq!(t, brute_force_oracle(&d, 0));
    assert_ne!(t, dense_prim_as_it_was(&d, 0));
}

#[test]
fn mst_equals_brute_force_on_tied_matrices() {
    let mut rng = StdRng::seed_from_u64(21);
    for n in 1..=7usize {
        for levels in [1u32, 2, 3] {
            for _ in 0..4 {
                let d =
                    DistanceMatrix::from_pairs(n, |_, _| f64::from(rng.random_range(0..levels)));
                let root = rng.random_range(0..n);
                assert_eq!(Tree::mst(&d, root).unwrap(), brute_force_oracle(&d, root));
            }
        }
    }
}

proptest! {
    /// Distances computed on the fly give the tree of the dense matrix: Kruskal's under the
    /// edge order on random matrices and on matrices full of ties (values in {0, 1, 2}), for
    /// every root; and without ties, the tree of the dense Prim of earlier releases.
    #[test]
    fn mst_with_gives_the_tree_of_the_edge_order(
        n in 1usize..40,
        root_pick in 0usize..1000,
        levels in prop_oneof![Just(0u32), Just(3u32)],
        seed in any::<u64>(),
    ) {
        let root = root_pick % n;
        let mut rng = StdRng::seed_from_u64(seed);
        let d = match levels {
            0 => random_matrix(n, &mut rng),
            k => DistanceMatrix::from_pairs(n, |_, _| f64::from(rng.random_range(0..k))),
        };
        let want = kruskal_oracle(&d, root);
        prop_assert_eq!(Tree::mst_with(n, root, |u, v| d.get(u, v)).unwrap(), want.clone());
        prop_assert_eq!(Tree::mst(&d, root).unwrap(), want.clone());
        if levels == 0 {
            prop_assert_eq!(dense_prim_as_it_was(&d, root), want);
        }
    }

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
