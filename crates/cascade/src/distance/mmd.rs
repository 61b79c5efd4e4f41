//! `mmd` (SPEC 3): RBF-kernel maximum mean discrepancy between two tasks' training rows, with
//! the median heuristic for the bandwidth.

use cascade_data::{DMatrix, Task};

use std::cmp::Ordering;

use super::DistanceMatrix;
use super::cross_distances::{cross_distances, squared_norms};
use super::matrix::par_pair_rows;
use super::mmd_kernels::kernel_sum;
use super::row_checks::require_rows;
use super::union_median::union_median;
use super::within_sums::kernel_sums_at;
use crate::CascadeError;
use crate::parallel::{par_map, par_rows_mut};

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
/// The bandwidth depends on the pair. What does not is done once per task: the squared
/// distances within the task, kept sorted, so a pair's median is a selection among its
/// `n_u n_v` cross distances only, with the two sorted within-task lists counted by binary
/// search. Cost a pair: `n_u n_v` squared distances (vectorised, mostly in the Gram form, to
/// `2^-44` relative: [`cross_distances`]), one selection over them and `n_u n_v` exponentials
/// (vectorised, [`kernel_sum`]). The within-task means are computed once all pairs have their
/// bandwidths: a task's mean at each of its `T - 1` bandwidths is interpolated from a couple of
/// dozen direct sums ([`kernel_sums_at`], to 1e-17 a term). The result agrees with the plain
/// definition (every distance, a sort, libm's `exp`) to 1e-9 relative plus 1e-12 (tested).
/// Memory: `n (n - 1) / 2` values a task (16 KB at `n = 64`, 1.1 MB at `n = 528`), two values
/// a pair and one `T x T` matrix.
pub(crate) fn mmd(tasks: &[Task]) -> Result<DistanceMatrix, CascadeError> {
    require_rows(tasks, "mmd", 2)?;
    Ok(mmd_of_rows(tasks.iter().map(|t| &t.train.x)))
}

/// `mmd_pooled`: [`mmd`] on each task's training features `x` (`[n_v, d]`, in task order)
/// standardised with the pooled statistics of all tasks. `tasks` name the tasks in errors.
pub(crate) fn mmd_pooled(
    tasks: &[Task],
    x: Vec<DMatrix<f64>>,
) -> Result<DistanceMatrix, CascadeError> {
    require_rows(tasks, "mmd_pooled", 2)?;
    Ok(mmd_of_rows(x.iter()))
}

fn mmd_of_rows<'a>(x: impl Iterator<Item = &'a DMatrix<f64>>) -> DistanceMatrix {
    let x: Vec<&DMatrix<f64>> = x.collect();
    let rows: Vec<TaskRows> = par_map(&x, 1, |x| TaskRows::new(x));
    let n = rows.len();
    // Each pair's bandwidth and cross-kernel mean; row u holds the pairs (u, v > u).
    let pairs = par_pair_rows(n, Scratch::default, |scratch, u, v| {
        scratch.bandwidth_and_cross_mean(&rows[u], &rows[v])
    });
    // Each task's within-kernel mean at the bandwidth of each of its pairs: row u, column v.
    let mut means = vec![0.0; n * n];
    par_rows_mut(&mut means, n, 1, |u, row| {
        let gamma_with = |v: usize| match v.cmp(&u) {
            Ordering::Less => pairs[v][u - v - 1].0,
            Ordering::Greater => pairs[u][v - u - 1].0,
            Ordering::Equal => 1.0, // unused: a task is not paired with itself
        };
        let gammas: Vec<f64> = (0..n).map(gamma_with).collect();
        let m = rows[u].n as f64;
        // Each unordered within pair stands for both (i, j) and (j, i).
        let scale = 2.0 / (m * (m - 1.0));
        for (mean, sum) in row.iter_mut().zip(kernel_sums_at(&rows[u].within, &gammas)) {
            *mean = scale * sum;
        }
    });
    // The distances overwrite the means in place (each pair reads its two means once), so the
    // peak memory is the pairs and one T x T matrix.
    for u in 0..n {
        means[u * n + u] = 0.0;
        for v in u + 1..n {
            let mean_ab = pairs[u][v - u - 1].1;
            let within = means[u * n + v] + means[v * n + u];
            let distance = (within - 2.0 * mean_ab).max(0.0).sqrt();
            (means[u * n + v], means[v * n + u]) = (distance, distance);
        }
    }
    drop(pairs);
    DistanceMatrix::from_symmetric_values(n, means)
}

/// Buffers reused across one thread's pairs: the cross squared distances `[n_u * n_v]`, the
/// positive ones among the subsampled rows (only when a task has more rows than the subsample),
/// and the selection's work space.
#[derive(Default)]
struct Scratch {
    cross: Vec<f64>,
    pool: Vec<f64>,
    work: [Vec<f64>; 4],
}

impl Scratch {
    /// The pair's bandwidth `gamma` and its cross-kernel mean `mean_{i, j} k(u_i, v_j)`.
    fn bandwidth_and_cross_mean(&mut self, a: &TaskRows, b: &TaskRows) -> (f64, f64) {
        self.cross.resize(a.n * b.n, 0.0);
        let zeros = cross_distances(
            &a.values,
            &a.norms,
            &b.columns,
            &b.norms,
            a.d,
            &mut self.cross,
        );
        let median = if a.n <= MEDIAN_SUBSAMPLE && b.n <= MEDIAN_SUBSAMPLE {
            // Every cross distance enters the median; its zeros (repeated rows) are the
            // smallest values of the union, so skipping that many leaves the positive ones.
            union_median(
                a.median_pool(),
                b.median_pool(),
                &self.cross,
                zeros,
                &mut self.work,
            )
        } else {
            let (sub_a, sub_b) = (a.n.min(MEDIAN_SUBSAMPLE), b.n.min(MEDIAN_SUBSAMPLE));
            self.pool.clear();
            for row in self.cross.chunks_exact(b.n).take(sub_a) {
                self.pool
                    .extend(row[..sub_b].iter().copied().filter(|&d2| d2 > 0.0));
            }
            union_median(
                a.median_pool(),
                b.median_pool(),
                &self.pool,
                0,
                &mut self.work,
            )
        }
        .unwrap_or(2.0);
        let gamma = 1.0 / median; // = 1 / (2 s^2) with s^2 = median / 2
        let mean_ab = kernel_sum(&self.cross, gamma) / (a.n * b.n) as f64;
        (gamma, mean_ab)
    }
}

/// A task's training rows, row-major (`[n * d]`, a row is one contiguous slice) and
/// column-major (`[d * n]`, a feature is one contiguous slice), with the squared distances of
/// all its pairs of rows, sorted.
struct TaskRows {
    n: usize,
    d: usize,
    values: Vec<f64>,
    columns: Vec<f64>,
    /// Each row's squared norm: `[n]`.
    norms: Vec<f64>,
    /// Squared distances of all pairs `i < j`, ascending: `[n (n - 1) / 2]`.
    within: Vec<f64>,
    /// The positive squared distances among the first [`MEDIAN_SUBSAMPLE`] rows, ascending, when
    /// there are more rows than that (otherwise the positive part of `within`).
    subsample: Option<Vec<f64>>,
}

impl TaskRows {
    fn new(x: &DMatrix<f64>) -> Self {
        let (n, d) = (x.nrows(), x.ncols());
        let values = x.transpose().as_slice().to_vec();
        let row = |i: usize| &values[i * d..(i + 1) * d];
        // Ordered by `j`, then `i`: the pairs among the first m rows are the first m (m-1)/2.
        let mut within = Vec::with_capacity(n * n.saturating_sub(1) / 2);
        for j in 1..n {
            for i in 0..j {
                within.push(squared_distance(row(i), row(j)));
            }
        }
        let subsample = (n > MEDIAN_SUBSAMPLE).then(|| {
            let m = MEDIAN_SUBSAMPLE;
            let mut first: Vec<f64> = within[..m * (m - 1) / 2]
                .iter()
                .copied()
                .filter(|&d2| d2 > 0.0)
                .collect();
            first.sort_unstable_by(f64::total_cmp);
            first
        });
        within.sort_unstable_by(f64::total_cmp);
        Self {
            n,
            d,
            norms: squared_norms(&values, d),
            values,
            columns: x.as_slice().to_vec(),
            within,
            subsample,
        }
    }

    /// This task's share of every pair's median pool, ascending.
    fn median_pool(&self) -> &[f64] {
        match &self.subsample {
            Some(first) => first,
            None => {
                let zeros = self.within.partition_point(|&d2| d2 <= 0.0);
                &self.within[zeros..]
            }
        }
    }
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
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

    use crate::distance::union_median::tests::sorted_median;

    /// SPEC 3's mmd written out plainly (every squared distance, a sort for the median, libm's
    /// exp), the reference for the fast version.
    fn plain_mmd(u: &DMatrix<f64>, v: &DMatrix<f64>) -> f64 {
        let d2 = |x: &DMatrix<f64>, i: usize, y: &DMatrix<f64>, j: usize| -> f64 {
            (0..x.ncols())
                .map(|k| (x[(i, k)] - y[(j, k)]).powi(2))
                .sum()
        };
        let (nu, nv) = (u.nrows(), v.nrows());
        let union: Vec<(&DMatrix<f64>, usize)> = (0..nu.min(1000))
            .map(|i| (u, i))
            .chain((0..nv.min(1000)).map(|j| (v, j)))
            .collect();
        let mut pool = Vec::new();
        for p in 0..union.len() {
            for q in p + 1..union.len() {
                let value = d2(union[p].0, union[p].1, union[q].0, union[q].1);
                if value > 0.0 {
                    pool.push(value);
                }
            }
        }
        let gamma = 1.0 / sorted_median(pool).unwrap_or(2.0);
        let k = |x: &DMatrix<f64>, i: usize, y: &DMatrix<f64>, j: usize| {
            (-gamma * d2(x, i, y, j)).exp()
        };
        let within = |x: &DMatrix<f64>| {
            let n = x.nrows();
            let mut sum = 0.0;
            for i in 0..n {
                for j in 0..n {
                    if i != j {
                        sum += k(x, i, x, j);
                    }
                }
            }
            sum / (n * (n - 1)) as f64
        };
        let mut cross = 0.0;
        for i in 0..nu {
            for j in 0..nv {
                cross += k(u, i, v, j);
            }
        }
        (within(u) + within(v) - 2.0 * cross / (nu * nv) as f64)
            .max(0.0)
            .sqrt()
    }

    /// [`mmd`] of the tasks with features `xs` against [`plain_mmd`] for every pair, to 1e-9
    /// relative plus 1e-12; returns the matrix.
    fn assert_matches_plain(xs: &[DMatrix<f64>]) -> DistanceMatrix {
        let tasks: Vec<Task> = xs
            .iter()
            .enumerate()
            .map(|(t, x)| x_only(&format!("t{t}"), x.clone()))
            .collect();
        let m = mmd(&tasks).unwrap();
        for u in 0..xs.len() {
            for v in u + 1..xs.len() {
                let want = plain_mmd(&xs[u], &xs[v]);
                let got = m.get(u, v);
                assert!(
                    (got - want).abs() <= 1e-9 * want + 1e-12,
                    "({u}, {v}): {got} against {want}"
                );
            }
        }
        m
    }

    #[test]
    fn fast_mmd_agrees_with_the_plain_definition() {
        for tier in crate::distance::simd::tests::runnable() {
            crate::distance::simd::tests::with_tier(tier, fast_mmd_case);
        }
    }

    fn fast_mmd_case() {
        // Tasks drawn apart (so MMD^2 > 0), ragged, with repeated rows (zero distances), and
        // one task past the 1000-row subsample. Tolerance: 1e-9 relative, 1e-12 absolute.
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let sizes = [2, 5, 64, 64, 130, 1003];
        let xs: Vec<DMatrix<f64>> = sizes
            .iter()
            .enumerate()
            .map(|(t, &n)| {
                let shift = 0.4 * t as f64;
                let mut x = DMatrix::from_fn(n, 3, |_, _| shift + rng.random::<f64>());
                if n > 4 {
                    let first = x.row(0).clone_owned();
                    x.row_mut(1).copy_from(&first);
                }
                x
            })
            .collect();
        let m = assert_matches_plain(&xs);
        assert!(m.get(0, 5) > 0.1, "tasks drawn apart are apart");
    }

    #[test]
    fn interpolated_within_means_agree_with_the_plain_definition() {
        // 50 tasks, so each has 49 bandwidths: more than the interpolation needs nodes, so the
        // within-task means come from Chebyshev interpolants. Scales from 0.5 to 2 spread each
        // task's bandwidths over more than a factor of 2 (several pieces). Tolerance as above.
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let xs: Vec<DMatrix<f64>> = (0..50)
            .map(|t| {
                let scale = 0.5 * 4f64.powf(t as f64 / 49.0);
                let shift = 0.1 * (t % 7) as f64;
                DMatrix::from_fn(12 + t % 9, 2, |_, _| shift + scale * rng.random::<f64>())
            })
            .collect();
        let m = assert_matches_plain(&xs);
        let positive = (0..xs.len())
            .flat_map(|u| (u + 1..xs.len()).map(move |v| (u, v)))
            .filter(|&(u, v)| m.get(u, v) > 0.05)
            .count();
        assert!(positive > 500, "most pairs are apart: {positive}");
    }
}
