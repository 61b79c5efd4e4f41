//! Tests of budgets: allocation rules by hand, rounding, names and properties.

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::*;
use crate::CascadeError;
use crate::distance::DistanceMatrix;
use crate::tree::Tree;

/// Root 0 with children 1 and 2 (depth 1) and 3 below 1 (depth 2).
fn small_tree() -> Tree {
    Tree::from_parents(vec![None, Some(0), Some(0), Some(1)]).unwrap()
}

fn cfg(total: usize, f: f64, allocation: Allocation) -> BudgetConfig {
    BudgetConfig {
        total,
        seed_fraction: f,
        allocation,
        rounding: Rounding::LargestRemainder,
    }
}

#[test]
fn depth_increasing_by_hand() {
    // B = 100, f = 0.1: b_s = 10, 90 left. Weights (depth + 1)^1 = 2, 2, 3 (sum 7); shares
    // 90 * 2/7 = 25.714..., 25.714..., 90 * 3/7 = 38.571...; floors 25 + 25 + 38 = 88, so 2
    // steps are left and go to the two largest fractional parts, .714 and .714 (tasks 1, 2).
    let b = allocate(
        &small_tree(),
        None,
        &cfg(100, 0.1, Allocation::DepthIncreasing { a: 1.0 }),
    )
    .unwrap();
    assert_eq!(b.steps, vec![10, 26, 26, 38]);
    assert_eq!(b.total(), 100);
    // a = 2: weights 4, 4, 9 (sum 17); shares 360/17 = 21.18, 21.18, 810/17 = 47.65;
    // floors 21 + 21 + 47 = 89, one step left for the largest fraction .65 (task 3).
    let b = allocate(
        &small_tree(),
        None,
        &cfg(100, 0.1, Allocation::DepthIncreasing { a: 2.0 }),
    )
    .unwrap();
    assert_eq!(b.steps, vec![10, 21, 21, 48]);
}

#[test]
fn depth_decreasing_and_subtree_by_hand() {
    // Depth-decreasing, a = 1: weights 1/2, 1/2, 1/3 (sum 4/3); B = 50, f = 0.2: b_s = 10,
    // shares 40 * 3/8 = 15, 15, 40 * 1/4 = 10.
    let b = allocate(
        &small_tree(),
        None,
        &cfg(50, 0.2, Allocation::DepthDecreasing { a: 1.0 }),
    )
    .unwrap();
    assert_eq!(b.steps, vec![10, 15, 15, 10]);
    // Subtree sizes 2, 1, 1 (g = 1): shares 40 * 2/4 = 20, 10, 10.
    let b = allocate(
        &small_tree(),
        None,
        &cfg(50, 0.2, Allocation::SubtreeSize { g: 1.0 }),
    )
    .unwrap();
    assert_eq!(b.steps, vec![10, 20, 10, 10]);
}

#[test]
fn edge_length_and_hybrid_by_hand() {
    // Star at 0 with D01 = 1, D02 = 3. B = 41, f = 0.1: b_s = floor(4.1) = 4, 37 left;
    // shares 37 * 1/4 = 9.25 and 37 * 3/4 = 27.75 (up to the 1e-8 offsets); floors
    // 9 + 27 = 36, one step left for the larger fraction .75 (task 2).
    let star = Tree::star(3, 0).unwrap();
    let d = DistanceMatrix::from_rows(&[
        vec![0.0, 1.0, 3.0],
        vec![1.0, 0.0, 2.0],
        vec![3.0, 2.0, 0.0],
    ])
    .unwrap();
    let b = allocate(
        &star,
        Some(&d),
        &cfg(41, 0.1, Allocation::EdgeLength { b: 1.0 }),
    );
    assert_eq!(b.unwrap().steps, vec![4, 9, 28]);
    // Hybrid on the chain 0 -> 1 -> 2 (D01 = 1, D12 = 2), a = b = 1: weights 2 * 1 and
    // 3 * 2 = 6 (sum 8). B = 84, f = 0.05: b_s = 4, shares 80 * 2/8 = 20, 80 * 6/8 = 60.
    let chain = Tree::from_parents(vec![None, Some(0), Some(1)]).unwrap();
    let b = allocate(
        &chain,
        Some(&d),
        &cfg(84, 0.05, Allocation::Hybrid { a: 1.0, b: 1.0 }),
    );
    assert_eq!(b.unwrap().steps, vec![4, 20, 60]);
}

#[test]
fn uniform_ties_go_to_the_lowest_index() {
    // B = 12, T = 4, f = 0.1: b_s = max(1, floor(1.2)) = 1, 11 left over 3 tasks: 3.67
    // each, floors 9, the two leftover steps go to the two lowest non-root indices.
    let star = |root| Tree::star(4, root).unwrap();
    let c = cfg(12, 0.1, Allocation::Uniform);
    assert_eq!(
        allocate(&star(0), None, &c).unwrap().steps,
        vec![1, 4, 4, 3]
    );
    assert_eq!(
        allocate(&star(2), None, &c).unwrap().steps,
        vec![4, 4, 1, 3]
    );
    // Floor division drops the two steps: floor(11 / 3) = 3 each, total 10 < 12.
    let floor = BudgetConfig {
        rounding: Rounding::FloorDivision,
        ..c
    };
    let b = allocate(&star(0), None, &floor).unwrap();
    assert_eq!(b.steps, vec![1, 3, 3, 3]);
    assert_eq!(b.total(), 10);
}

#[test]
fn seed_fraction_extremes_and_zero_steps() {
    let t = small_tree();
    // f = 0: the root still gets one step.
    assert_eq!(
        allocate(&t, None, &cfg(10, 0.0, Allocation::Uniform))
            .unwrap()
            .steps,
        vec![1, 3, 3, 3]
    );
    // f = 1: the root takes everything; the others get 0 steps and are reported.
    let b = allocate(&t, None, &cfg(10, 1.0, Allocation::Uniform)).unwrap();
    assert_eq!(b.steps, vec![10, 0, 0, 0]);
    assert_eq!(b.zero_step_tasks(), vec![1, 2, 3]);
    // A single task gets the whole budget.
    let one = Tree::from_parents(vec![None]).unwrap();
    assert_eq!(
        allocate(&one, None, &cfg(7, 0.1, Allocation::Uniform))
            .unwrap()
            .steps,
        vec![7]
    );
}

#[test]
fn forest_splits_evenly() {
    let indiv = Tree::independent(4);
    let b = allocate(
        &indiv,
        None,
        &cfg(10, 0.1, Allocation::EdgeLength { b: 1.0 }),
    )
    .unwrap();
    assert_eq!(b.steps, vec![3, 3, 2, 2]);
    let floor = BudgetConfig {
        rounding: Rounding::FloorDivision,
        ..cfg(10, 0.1, Allocation::Uniform)
    };
    assert_eq!(
        allocate(&indiv, None, &floor).unwrap().steps,
        vec![2, 2, 2, 2]
    );
}

#[test]
fn errors() {
    let t = small_tree();
    assert_eq!(
        allocate(&t, None, &cfg(3, 0.1, Allocation::Uniform)),
        Err(CascadeError::BudgetTooSmall {
            budget: 3,
            tasks: 4
        })
    );
    assert!(allocate(&t, None, &cfg(4, 0.1, Allocation::Uniform)).is_ok());
    let err = allocate(&t, None, &cfg(40, 0.1, Allocation::EdgeLength { b: 1.0 }));
    assert!(matches!(
        err,
        Err(CascadeError::InvalidSetting {
            name: "allocation",
            ..
        })
    ));
    let d3 = DistanceMatrix::zeros(3);
    assert!(matches!(
        allocate(&t, Some(&d3), &cfg(40, 0.1, Allocation::Uniform)),
        Err(CascadeError::ShapeMismatch(_))
    ));
    for f in [-0.1, 1.5, f64::NAN] {
        assert!(allocate(&t, None, &cfg(40, f, Allocation::Uniform)).is_err());
    }
    assert!(
        allocate(
            &t,
            None,
            &cfg(40, 0.1, Allocation::SubtreeSize { g: f64::INFINITY })
        )
        .is_err()
    );
    assert!(BudgetConfig::new(0).validate().is_err());
    // A negative distance to the parent makes (D + 1e-8)^0.5 NaN: named, not silent.
    let d = DistanceMatrix::from_pairs(4, |_, _| -1.0);
    let err = allocate(
        &t,
        Some(&d),
        &cfg(40, 0.1, Allocation::EdgeLength { b: 0.5 }),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("task 1"), "{err}");
}

#[test]
fn largest_remainder_and_split_evenly_by_hand() {
    assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
    // Shares 7 * 1/6 = 1.17, 7 * 2/6 = 2.33, 7 * 3/6 = 3.5: floors 1 + 2 + 3 = 6, one step
    // to the largest fraction .5.
    assert_eq!(largest_remainder(7, &[1.0, 2.0, 3.0]), vec![1, 2, 4]);
    assert_eq!(largest_remainder(5, &[0.0, 0.0, 0.0]), vec![2, 2, 1]);
    assert_eq!(largest_remainder(5, &[0.0, f64::NAN, 1.0]), vec![0, 0, 5]);
    assert_eq!(largest_remainder(0, &[1.0, 2.0]), vec![0, 0]);
    assert!(largest_remainder(5, &[]).is_empty());
    // Overflowing sum: rescaled, still proportional.
    assert_eq!(largest_remainder(4, &[f64::MAX, f64::MAX]), vec![2, 2]);
    assert_eq!(split_evenly(10, 4), vec![3, 3, 2, 2]);
    assert_eq!(split_evenly(8, 4), vec![2, 2, 2, 2]);
    assert!(split_evenly(3, 0).is_empty());
}

#[test]
fn names_round_trip_and_defaults() {
    for a in [
        Allocation::Uniform,
        Allocation::DepthIncreasing { a: 2.0 },
        Allocation::DepthDecreasing { a: 0.5 },
        Allocation::EdgeLength { b: 1.0 },
        Allocation::Hybrid { a: 2.0, b: 1.0 },
        Allocation::SubtreeSize { g: 1.5 },
    ] {
        assert_eq!(a.to_string().parse::<Allocation>(), Ok(a));
    }
    assert_eq!(
        "hybrid:2,1".parse(),
        Ok(Allocation::Hybrid { a: 2.0, b: 1.0 })
    );
    assert_eq!(
        "depth-increasing".parse(),
        Ok(Allocation::DepthIncreasing { a: 1.0 })
    );
    assert_eq!("hybrid".parse(), Ok(Allocation::Hybrid { a: 1.0, b: 1.0 }));
    assert_eq!(
        "edge_length:2".parse(),
        Ok(Allocation::EdgeLength { b: 2.0 })
    );
    assert_eq!("subtree".parse(), Ok(Allocation::SubtreeSize { g: 1.0 }));
    assert!(matches!(
        "depth".parse::<Allocation>(),
        Err(CascadeError::UnknownName {
            kind: "budget allocation",
            ..
        })
    ));
    for bad in [
        "hybrid:2",
        "uniform:1",
        "depth-increasing:x",
        "edge-length:1,2",
        "subtree:inf",
    ] {
        assert!(
            matches!(
                bad.parse::<Allocation>(),
                Err(CascadeError::InvalidSetting { .. })
            ),
            "{bad}"
        );
    }
    for r in [Rounding::LargestRemainder, Rounding::FloorDivision] {
        assert_eq!(r.to_string().parse::<Rounding>(), Ok(r));
    }
    assert!("round".parse::<Rounding>().is_err());
    let c = BudgetConfig::new(500);
    assert_eq!(c.seed_fraction, 0.1);
    assert_eq!(c.allocation, Allocation::Uniform);
    assert_eq!(c.rounding, Rounding::LargestRemainder);
    assert_eq!(c.seed_steps(), 50);
}

fn allocation_strategy() -> impl Strategy<Value = Allocation> {
    let e = prop_oneof![Just(0.5), Just(1.0), Just(2.0)];
    prop_oneof![
        Just(Allocation::Uniform),
        e.clone().prop_map(|a| Allocation::DepthIncreasing { a }),
        e.clone().prop_map(|a| Allocation::DepthDecreasing { a }),
        e.clone().prop_map(|b| Allocation::EdgeLength { b }),
        (e.clone(), e.clone()).prop_map(|(a, b)| Allocation::Hybrid { a, b }),
        e.prop_map(|g| Allocation::SubtreeSize { g }),
    ]
}

proptest! {
    #[test]
    fn budgets_sum_to_b_exactly(
        n in 1usize..60,
        extra in 0usize..5000,
        f in 0.0f64..=1.0,
        allocation in allocation_strategy(),
        kind in 0usize..4,
        seed in any::<u64>(),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let root = rng.random_range(0..n);
        let d = DistanceMatrix::from_pairs(n, |_, _| rng.random_range(0.0..10.0));
        let tree = match kind {
            0 => Tree::random_recursive(n, root, &mut rng).unwrap(),
            1 => Tree::random_pruefer(n, root, &mut rng).unwrap(),
            2 => Tree::mst(&d, root).unwrap(),
            _ => Tree::independent(n),
        };
        let total = n + extra;
        let c = cfg(total, f, allocation);
        let b = allocate(&tree, Some(&d), &c).unwrap();
        prop_assert_eq!(b.len(), n);
        prop_assert_eq!(b.total(), total);
        if tree.root().is_some() && n > 1 {
            prop_assert_eq!(b.get(root), c.seed_steps());
        }
        let floor = BudgetConfig { rounding: Rounding::FloorDivision, ..c };
        let fb = allocate(&tree, Some(&d), &floor).unwrap();
        prop_assert!(fb.total() <= total);
        prop_assert!(fb.total() + n > total, "floor division lost {} steps", total - fb.total());
        // Largest remainder never moves a task more than one step from its floored share.
        for v in 0..n {
            prop_assert!(b.get(v) >= fb.get(v) && b.get(v) <= fb.get(v) + 1);
        }
    }
}
