//! Blocks against the matrix: the same row sums (bit for bit), medoid, tree, constant note and
//! errors, for any block count and batch size, on random and tied distances.

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::*;
use crate::distance::{DistanceMatrix, pair_distance};
use crate::root::medoid;
use crate::tree::check_finite;

/// Every block of `blocks`, each in batches of `batch` rows, joined (blocks in reverse order).
fn in_blocks(d: &dyn PairDistance, blocks: usize, batch: usize) -> PairSummary {
    let mut results: Vec<BlockResult> = (0..blocks)
        .map(|b| compute_block_in_batches(d, Distance::Gradient, blocks, b, batch).unwrap())
        .collect();
    results.reverse();
    combine(results).unwrap()
}

/// Asserts that `s` says what the matrix `d` says.
fn assert_matches_matrix(s: &PairSummary, d: &DistanceMatrix, what: &str) {
    let n = d.len();
    assert_eq!(s.len(), n, "{what}");
    for v in 0..n {
        let want: f64 = d.row(v).iter().sum();
        assert_eq!(s.row_sums()[v].to_bits(), want.to_bits(), "{what}: row {v}");
    }
    assert_eq!(s.medoid().unwrap(), medoid(d), "{what}");
    for root in [0, n / 2, n - 1] {
        assert_eq!(
            s.tree(root).unwrap(),
            Tree::mst(d, root).unwrap(),
            "{what}: root {root}"
        );
    }
    assert_eq!(s.edges().len(), n - 1, "{what}");
    for tol in [0.0, 1e-9, 0.5] {
        assert_eq!(s.is_constant(tol), d.is_constant(tol), "{what}: tol {tol}");
    }
}

fn random_matrix(n: usize, levels: u32, rng: &mut StdRng) -> DistanceMatrix {
    DistanceMatrix::from_pairs(n, |_, _| match levels {
        0 => rng.random_range(0.0..1.0),
        k => f64::from(rng.random_range(0..k)),
    })
}

#[test]
fn blocks_of_a_hand_worked_matrix() {
    // The path 0-1-2-3 of the tree tests; row sums 11, 8, 9, 14, medoid 1.
    let d = DistanceMatrix::from_rows(&[
        vec![0.0, 1.0, 4.0, 6.0],
        vec![1.0, 0.0, 2.0, 5.0],
        vec![4.0, 2.0, 0.0, 3.0],
        vec![6.0, 5.0, 3.0, 0.0],
    ])
    .unwrap();
    for blocks in 1..=5 {
        let s = in_blocks(&d, blocks, 1);
        assert_eq!(s.row_sums(), &[11.0, 8.0, 9.0, 14.0]);
        assert_eq!(s.medoid().unwrap(), 1);
        assert_eq!(
            s.edges(),
            &[
                Edge::new(0, 1, 1.0),
                Edge::new(1, 2, 2.0),
                Edge::new(2, 3, 3.0)
            ]
        );
        assert!(!s.is_constant(1e-9));
    }
}

#[test]
fn constant_and_single_task_distances() {
    let d = DistanceMatrix::from_pairs(6, |_, _| 0.25);
    let s = in_blocks(&d, 2, 2);
    assert!(s.is_constant(0.0));
    assert_eq!(s.tree(3).unwrap(), Tree::mst(&d, 3).unwrap());
    assert_eq!(
        s.edges().iter().filter(|e| e.lo == 0).count(),
        5,
        "the star at 0"
    );
    let one = in_blocks(&DistanceMatrix::zeros(1), 1, 4);
    assert_eq!(
        one.tree(0).unwrap(),
        Tree::mst(&DistanceMatrix::zeros(1), 0).unwrap()
    );
    assert_eq!(one.medoid().unwrap(), 0);
}

#[test]
fn non_finite_distances_give_the_matrix_errors() {
    let mut rng = StdRng::seed_from_u64(5);
    for bad in [f64::INFINITY, f64::NAN] {
        let mut d = random_matrix(9, 0, &mut rng);
        d.set(6, 2, bad);
        d.set(4, 8, f64::INFINITY);
        for blocks in [1, 3] {
            let s = in_blocks(&d, blocks, 2);
            let want = check_finite(&d).unwrap_err();
            assert_eq!(s.medoid().unwrap_err(), want);
            assert_eq!(s.tree(0).unwrap_err(), want);
            assert_eq!(Tree::mst(&d, 0).unwrap_err(), want);
            assert_eq!(s.is_constant(1e-9), d.is_constant(1e-9));
        }
    }
}

#[test]
fn results_read_back_bit_for_bit() {
    let mut rng = StdRng::seed_from_u64(8);
    let mut d = random_matrix(12, 0, &mut rng);
    d.set(5, 9, f64::INFINITY);
    let r = compute_block_in_batches(&d, Distance::Feature, 3, 1, 2).unwrap();
    assert!(r.non_finite.is_some());
    let text = serde_json::to_string(&r).unwrap();
    let back: BlockResult = serde_json::from_str(&text).unwrap();
    assert_eq!(back, r);
    for (a, b) in back.row_sums.iter().zip(&r.row_sums) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
    let mut nan = r.clone();
    nan.min = f64::NAN;
    let back: BlockResult = serde_json::from_str(&serde_json::to_string(&nan).unwrap()).unwrap();
    assert!(back.min.is_nan());
}

#[test]
fn combining_checks_the_blocks() {
    let mut rng = StdRng::seed_from_u64(9);
    let d = random_matrix(10, 0, &mut rng);
    let block = |b| compute_block_in_batches(&d, Distance::Gradient, 3, b, 4).unwrap();
    let err = |results: Vec<BlockResult>| combine(results).unwrap_err().to_string();
    assert!(err(vec![block(0), block(2)]).contains("block 2"), "missing");
    assert!(err(vec![block(0), block(1), block(1), block(2)]).contains("twice"));
    let mut other = block(1);
    other.distance = Distance::Model;
    assert!(err(vec![block(0), other, block(2)]).contains("gradient"));
    let mut moved = block(1);
    moved.start += 1;
    assert!(err(vec![block(0), moved, block(2)]).contains("rows"));
    assert!(err(Vec::new()).contains("every block"));
    assert!(compute_pairs_block(&d, Distance::Gradient, 3, 3).is_err());
    assert!(combine(vec![block(2), block(0), block(1)]).is_ok());
}

#[test]
fn block_rows_cover_the_tasks_once() {
    for (n, blocks) in [(0, 1), (1, 3), (10, 3), (100_000, 7), (5, 5)] {
        let ranges: Vec<Range<usize>> = (0..blocks)
            .map(|b| block_rows(n, blocks, b).unwrap())
            .collect();
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges[blocks - 1].end, n);
        for w in ranges.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert!(w[1].len().abs_diff(w[0].len()) <= 1);
        }
    }
    assert!(block_rows(10, 0, 0).is_err());
}

/// Enough tasks for the columns of a batch to be spread over two threads, on a real distance:
/// the summary equals the matrix's whatever the blocks and batches.
#[test]
fn threads_and_blocks_on_gradient_directions() {
    let set = cascade_data::synthetic::SyntheticConfig {
        n_tasks: 1500,
        n_features: 4,
        n_train: 8,
        n_test: 1,
        ..Default::default()
    }
    .generate(&mut StdRng::seed_from_u64(3))
    .unwrap();
    let data = cascade_data::StandardisedTaskSet::new(&set);
    let pairs = pair_distance(&data, Distance::Gradient).unwrap().unwrap();
    let matrix = crate::distance::compute_standardised(&data, Distance::Gradient).unwrap();
    assert_matches_matrix(
        &summarise(pairs.as_ref(), Distance::Gradient).unwrap(),
        &matrix,
        "one",
    );
    assert_matches_matrix(&in_blocks(pairs.as_ref(), 3, 100), &matrix, "three blocks");
}

proptest! {
    /// Random matrices and matrices full of ties (values in {0, 1} or {0, 1, 2}), cut into
    /// 1 to 6 blocks of batches of 1 to 8 rows: the matrix's row sums, medoid, tree and note.
    #[test]
    fn blocks_equal_the_matrix(
        n in 2usize..40,
        levels in prop_oneof![Just(0u32), Just(2u32), Just(3u32)],
        blocks in 1usize..7,
        batch in 1usize..9,
        seed in any::<u64>(),
    ) {
        let d = random_matrix(n, levels, &mut StdRng::seed_from_u64(seed));
        assert_matches_matrix(&in_blocks(&d, blocks, batch), &d, "proptest");
    }
}
