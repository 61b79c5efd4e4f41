//! Target-family distances (SPEC 3) on the standardised training targets `yb`: `target` and
//! `wasserstein`. The histogram ones (`kl`, `js`) are in `histogram.rs`.

use cascade_data::Task;

use super::DistanceMatrix;
use super::norm::diff_norm;
use super::row_checks::require_equal_rows;
use crate::CascadeError;

/// `target`: `|yb_u - yb_v|_2` over aligned rows; needs equal `n` for every task.
pub(crate) fn target(tasks: &[Task]) -> Result<DistanceMatrix, CascadeError> {
    require_equal_rows(tasks, "target")?;
    Ok(DistanceMatrix::par_from_pairs(tasks.len(), |u, v| {
        diff_norm(tasks[u].train.y.as_slice(), tasks[v].train.y.as_slice())
    }))
}

/// `wasserstein`: the 1-D Wasserstein-1 distance between the empirical distributions of
/// `yb_u: [n_u]` and `yb_v: [n_v]` (`scipy.stats.wasserstein_distance`); `n_u != n_v` is fine.
pub(crate) fn wasserstein(tasks: &[Task]) -> DistanceMatrix {
    let sorted: Vec<Vec<f64>> = tasks.iter().map(sorted_targets).collect();
    DistanceMatrix::par_from_pairs(tasks.len(), |u, v| {
        wasserstein_sorted(&sorted[u], &sorted[v])
    })
}

/// The training targets in ascending order.
fn sorted_targets(task: &Task) -> Vec<f64> {
    let mut y = task.train.y.as_slice().to_vec();
    y.sort_unstable_by(f64::total_cmp);
    y
}

/// `integral |F_a - F_b|` over the merged support of two ascending, non-empty samples.
///
/// Written by hand as a linear merge (no crate offers it on sorted slices): between consecutive
/// support points `x_k < x_{k+1}` both empirical CDFs are constant, `F(x_k) = #{s <= x_k} / n`.
fn wasserstein_sorted(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0, 0);
    let mut previous = match (a.first(), b.first()) {
        (Some(&p), Some(&q)) => p.min(q),
        _ => return 0.0,
    };
    let mut total = 0.0;
    loop {
        let x = match (a.get(i), b.get(j)) {
            (Some(&p), Some(&q)) => p.min(q),
            (Some(&p), None) => p,
            (None, Some(&q)) => q,
            (None, None) => break,
        };
        total += (i as f64 / na - j as f64 / nb).abs() * (x - previous);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        previous = x;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::test_support::{assert_close, fixture_set, upper3};
    use crate::distance::{Distance, compute};

    // Expected values: the reference script in test_support.rs (np.linalg.norm,
    // scipy.stats.wasserstein_distance); tolerance 1e-12.

    #[test]
    fn target_matches_reference() {
        // By hand for (a, d): a - d = [1.5, 0, 0, -2] -> sqrt(2.25 + 4) = 2.5.
        let m = compute(&fixture_set("abd"), Distance::Target).unwrap();
        assert_close(&upper3(&m), &[4.06201920231798, 2.5, 3.5], 1e-12);
    }

    #[test]
    fn wasserstein_matches_scipy_on_equal_and_ragged_tasks() {
        let m = compute(&fixture_set("abd"), Distance::Wasserstein).unwrap();
        assert_close(&upper3(&m), &[0.5, 0.625, 0.875], 1e-12);
        let m = compute(&fixture_set("abc"), Distance::Wasserstein).unwrap();
        assert_close(&upper3(&m), &[0.5, 0.625, 0.625], 1e-12);
    }

    #[test]
    fn wasserstein_by_hand() {
        // Point masses: |0 - 1| = 1. A shift by c moves everything by c. {0, 2} vs {1}: the CDFs
        // differ by 1/2 on [0, 1) and by 1/2 on [1, 2): total 1. Ties inside a sample are fine.
        assert_eq!(wasserstein_sorted(&[0.0], &[1.0]), 1.0);
        assert_close(
            &[wasserstein_sorted(&[0.0, 1.0, 5.0], &[2.5, 3.5, 7.5])],
            &[2.5],
            1e-12,
        );
        assert_eq!(wasserstein_sorted(&[0.0, 2.0], &[1.0]), 1.0);
        assert_eq!(wasserstein_sorted(&[1.0, 1.0, 1.0], &[1.0]), 0.0);
    }
}
