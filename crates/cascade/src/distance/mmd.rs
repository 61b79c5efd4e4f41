//! `mmd` (SPEC 3): RBF-kernel maximum mean discrepancy between two tasks' training rows, with
//! the median heuristic for the bandwidth.

use cascade_data::Task;

use super::{DistanceMatrix, require_rows};
use crate::CascadeError;

/// Rows of each task that enter the median heuristic: the first ones, at most this many.
const MEDIAN_SUBSAMPLE: usize = 1000;

/// `mmd`: `sqrt(max(0, MMD^2))` between the rows of `Xb_u: [n_u, d]` and `Xb_v: [n_v, d]`, with
/// `k(a, b) = exp(-gamma |a - b|^2)`.
///
/// - Bandwidth: `gamma = 1 / (2 s^2)`, `s^2 = median / 2`, where `median` is the median (numpy's:
///   the mean of the two middle values for an even count) of the positive squared distances among
///   all pairs of rows of the union, each task taking its first 1000 rows only (deterministic).
///   When no squared distance is positive (every row identical) `s^2 = 1`.
/// - `MMD^2 = mean_{i != j} k(u_i, u_j) + mean_{i != j} k(v_i, v_j) - 2 mean_{i, j} k(u_i, v_j)`
///   (unbiased within-set terms). Needs `n >= 2` per task.
///
/// The bandwidth depends on the pair, so each pair evaluates its own kernels; the squared
/// distances within each task are computed once and reused by every pair. Cost: about
/// `(n_u + n_v)^2 / 2` exponentials a pair; memory: `n (n - 1) / 2` values a task (16 KB at
/// `n = 64`, 1.1 MB at `n = 528`).
pub(crate) fn mmd(tasks: &[Task]) -> Result<DistanceMatrix, CascadeError> {
    require_rows(tasks, "mmd", 2)?;
    let rows: Vec<RowMajor> = tasks.iter().map(RowMajor::new).collect();
    let within: Vec<Vec<f64>> = rows
        .iter()
        .map(RowMajor::within_squared_distances)
        .collect();
    Ok(DistanceMatrix::par_from_pairs_with(
        tasks.len(),
        Scratch::default,
        |scratch, u, v| scratch.mmd((&rows[u], &within[u]), (&rows[v], &within[v])),
    ))
}

/// Buffers reused across one thread's pairs: the cross squared distances `[n_u * n_v]` and the
/// median heuristic's pool of positive squared distances.
#[derive(Default)]
struct Scratch {
    cross: Vec<f64>,
    pool: Vec<f64>,
}

impl Scratch {
    /// The pair's distance from each task's rows and within-task squared distances.
    fn mmd(
        &mut self,
        (a, within_a): (&RowMajor, &[f64]),
        (b, within_b): (&RowMajor, &[f64]),
    ) -> f64 {
        let (sub_a, sub_b) = (a.n.min(MEDIAN_SUBSAMPLE), b.n.min(MEDIAN_SUBSAMPLE));
        self.pool.clear();
        self.cross.clear();
        for i in 0..a.n {
            let row_a = a.row(i);
            for j in 0..b.n {
                let d2 = squared_distance(row_a, b.row(j));
                self.cross.push(d2);
                if i < sub_a && j < sub_b && d2 > 0.0 {
                    self.pool.push(d2);
                }
            }
        }
        // Within distances are stored column by column of the upper triangle, so those among
        // the first m rows are the first m (m - 1) / 2 entries.
        for (w, m) in [(within_a, sub_a), (within_b, sub_b)] {
            let first_rows = &w[..m * (m - 1) / 2];
            self.pool
                .extend(first_rows.iter().copied().filter(|&d2| d2 > 0.0));
        }
        let median = median_in_place(&mut self.pool).unwrap_or(2.0);
        let gamma = 1.0 / median; // = 1 / (2 s^2) with s^2 = median / 2
        let kernel_sum = |d2s: &[f64]| d2s.iter().map(|&d2| (-gamma * d2).exp()).sum::<f64>();
        let (na, nb) = (a.n as f64, b.n as f64);
        // Each unordered within pair stands for both (i, j) and (j, i).
        let mean_a = 2.0 * kernel_sum(within_a) / (na * (na - 1.0));
        let mean_b = 2.0 * kernel_sum(within_b) / (nb * (nb - 1.0));
        let mean_ab = kernel_sum(&self.cross) / (na * nb);
        (mean_a + mean_b - 2.0 * mean_ab).max(0.0).sqrt()
    }
}

/// A task's training rows copied row-major (`[n * d]`), so a row is one contiguous slice.
struct RowMajor {
    n: usize,
    d: usize,
    values: Vec<f64>,
}

impl RowMajor {
    fn new(task: &Task) -> Self {
        let x = &task.train.x;
        Self {
            n: x.nrows(),
            d: x.ncols(),
            values: x.transpose().as_slice().to_vec(),
        }
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.d..(i + 1) * self.d]
    }

    /// Squared distances of all pairs `i < j`, ordered by `j`, then `i`: `[n (n - 1) / 2]`.
    fn within_squared_distances(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.n * self.n.saturating_sub(1) / 2);
        for j in 1..self.n {
            for i in 0..j {
                out.push(squared_distance(self.row(i), self.row(j)));
            }
        }
        out
    }
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The median of `values` (the mean of the two middle ones for an even count), reordering them;
/// `None` when empty. Selection, not a sort: O(len).
fn median_in_place(values: &mut [f64]) -> Option<f64> {
    let len = values.len();
    if len == 0 {
        return None;
    }
    let (lower, upper, _) = values.select_nth_unstable_by(len / 2, f64::total_cmp);
    let upper = *upper;
    if len % 2 == 1 {
        return Some(upper);
    }
    let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(0.5 * (below + upper))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::test_support::{assert_close, fixture_set, task, upper3};
    use crate::distance::{Distance, compute};
    use cascade_data::TaskSet;
    use nalgebra::{DMatrix, DVector, dmatrix};

    // Expected values: the reference script in test_support.rs (scipy pdist/cdist, np.median).
    // Tolerance 1e-12 on O(1) values (sums of at most a few thousand exponentials).

    fn x_only(id: &str, x: DMatrix<f64>) -> Task {
        let n = x.nrows();
        task(id, x, DVector::zeros(n))
    }

    #[test]
    fn mmd_matches_reference() {
        let set = TaskSet::new(vec![
            x_only("p", dmatrix![0.0, 0.0; 0.0, 1.0; 1.0, 0.0]),
            x_only("q", dmatrix![3.0, 3.0; 4.0, 3.0; 3.0, 5.0; 4.0, 4.0]),
            x_only("r", dmatrix![0.0, 0.0; 0.5, 0.5; 0.0, 0.0; 1.0, 1.0]),
        ])
        .unwrap();
        let m = compute(&set, Distance::Mmd).unwrap();
        // (p, r): the unbiased MMD^2 is negative there, so the distance is clipped to 0.
        assert_close(
            &upper3(&m),
            &[1.1618527256787687, 0.0, 1.1577666101304582],
            1e-12,
        );
        // The script's small fixtures all have a negative unbiased MMD^2.
        let m = compute(&fixture_set("abc"), Distance::Mmd).unwrap();
        assert_close(&upper3(&m), &[0.0, 0.0, 0.0], 0.0);
    }

    #[test]
    fn median_heuristic_uses_only_the_first_1000_rows() {
        // u: 1000 rows near the origin, then 300 far-away rows that would move the median
        // (to 0.4969461 without the subsample); the kernel sums still use all 1300 rows.
        let u = DMatrix::from_fn(1300, 2, |i, j| match (i < 1000, j) {
            (true, 0) => (i as f64).sin(),
            (true, _) => (0.5 * i as f64).cos(),
            (false, 0) => 50.0 + 0.1 * (i - 1000) as f64,
            (false, _) => 50.0,
        });
        let v = DMatrix::from_fn(20, 2, |i, j| {
            if j == 0 {
                1.0 + 0.5 * (0.3 * i as f64).sin()
            } else {
                (i as f64).cos()
            }
        });
        let set = TaskSet::new(vec![x_only("u", u), x_only("v", v)]).unwrap();
        let m = compute(&set, Distance::Mmd).unwrap();
        assert_close(&[m.get(0, 1)], &[0.5034623552931942], 1e-10);
    }

    #[test]
    fn identical_rows_give_zero_not_nan() {
        // No positive squared distance anywhere: s^2 = 1, every kernel value is 1, MMD^2 = 0.
        let set = TaskSet::new(vec![
            x_only("p", DMatrix::from_element(2, 2, 1.0)),
            x_only("q", DMatrix::from_element(3, 2, 1.0)),
        ])
        .unwrap();
        assert_eq!(compute(&set, Distance::Mmd).unwrap().get(0, 1), 0.0);
    }

    #[test]
    fn median_is_numpys() {
        assert_eq!(median_in_place(&mut []), None);
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median_in_place(&mut [5.0, 5.0, 1.0, 9.0]), Some(5.0));
    }
}
