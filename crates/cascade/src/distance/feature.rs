//! Feature-family distances (SPEC 3) on the training X only: `feature`, `mean_cov` and `cka`.

use std::ops::Range;

use cascade_data::Task;
use nalgebra::{DMatrix, DVector};

use super::DistanceMatrix;
use super::mmd_kernels::dot;
use super::norm::{LANES, diff_norm, squared_diff_sums};
use super::pairs::PairDistance;
use super::row_checks::{require_equal_rows, require_rows};
use crate::CascadeError;

/// Ridge added to every sample covariance in `mean_cov` (SPEC 3). It cancels in
/// `Sigma_u - Sigma_v`; it is kept so the per-task summary is the SPEC's.
const COV_RIDGE: f64 = 1e-6;

/// `feature`: for a pair whose `X: [n, d]` shapes agree, the RMS of entry-wise differences
/// `sqrt(mean((X_u - X_v)^2))`; otherwise the RMS difference of the embeddings
/// `[column means, column population variances]: [2d]`.
pub(crate) fn feature(tasks: &[Task]) -> DistanceMatrix {
    FeaturePairs::new(tasks).matrix()
}

/// `feature`'s pairs: the tasks' training rows and their moment embeddings `[2d]`.
pub(crate) struct FeaturePairs<'a> {
    tasks: &'a [Task],
    embeddings: Vec<DVector<f64>>,
}

impl<'a> FeaturePairs<'a> {
    /// The embeddings of `tasks`, which the pairs read from then on.
    pub(crate) fn new(tasks: &'a [Task]) -> Self {
        let embeddings = tasks.iter().map(|t| moments(&t.train.x)).collect();
        Self { tasks, embeddings }
    }
}

impl PairDistance for FeaturePairs<'_> {
    fn len(&self) -> usize {
        self.tasks.len()
    }

    fn pair(&self, u: usize, v: usize) -> f64 {
        let (xu, xv) = (&self.tasks[u].train.x, &self.tasks[v].train.x);
        if xu.shape() == xv.shape() {
            rms_difference(xu.as_slice(), xv.as_slice())
        } else {
            rms_difference(self.embeddings[u].as_slice(), self.embeddings[v].as_slice())
        }
    }

    fn pair_column(&self, rows: Range<usize>, j: usize, out: &mut [f64]) {
        self.side_by_side(rows.start, j, out);
    }

    fn pair_row(&self, i: usize, cols: Range<usize>, out: &mut [f64]) {
        self.side_by_side(cols.start, i, out);
    }
}

impl FeaturePairs<'_> {
    /// `out[k]` = the distance of tasks `start + k` and `other`, `LANES` at a time where their
    /// shapes agree. A pair's terms `(x - y)^2` and `(y - x)^2` are the same number, so this is
    /// `pair` whichever end `other` is.
    fn side_by_side(&self, start: usize, other: usize, out: &mut [f64]) {
        let xo = &self.tasks[other].train.x;
        let len = xo.len();
        let mut i = start;
        for chunk in out.chunks_mut(LANES) {
            let same = |l: usize| self.tasks[i + l].train.x.shape() == xo.shape();
            if chunk.len() == LANES && len > 0 && (0..LANES).all(same) {
                let a = std::array::from_fn(|l| self.tasks[i + l].train.x.as_slice());
                for (value, sum) in chunk.iter_mut().zip(squared_diff_sums(a, xo.as_slice())) {
                    *value = (sum / len as f64).sqrt();
                }
            } else {
                for (l, value) in chunk.iter_mut().enumerate() {
                    *value = self.pair(i + l, other);
                }
            }
            i += chunk.len();
        }
    }
}

/// `mean_cov`: `|mu_u - mu_v|_2 + |Sigma_u - Sigma_v|_F` with `mu: [d]` the column means and
/// `Sigma: [d, d]` the sample covariance (divide by `n - 1`) plus `1e-6 I`. Needs `n >= 2`.
pub(crate) fn mean_cov(tasks: &[Task]) -> Result<DistanceMatrix, CascadeError> {
    Ok(mean_cov_pairs(tasks)?.matrix())
}

/// `mean_cov`'s pairs: each task's mean `[d]` and covariance `[d, d]`.
pub(crate) struct MeanCovPairs {
    stats: Vec<(DVector<f64>, DMatrix<f64>)>,
}

/// The means and covariances of `tasks`; the error names the first task with fewer than 2 rows.
pub(crate) fn mean_cov_pairs(tasks: &[Task]) -> Result<MeanCovPairs, CascadeError> {
    require_rows(tasks, "mean_cov", 2)?;
    let stats = tasks
        .iter()
        .map(|t| {
            let x = &t.train.x;
            let mean = x.row_mean().transpose();
            let centred = centre_columns(x);
            let d = x.ncols();
            let cov = centred.tr_mul(&centred) / (x.nrows() - 1) as f64
                + DMatrix::identity(d, d) * COV_RIDGE;
            (mean, cov)
        })
        .collect();
    Ok(MeanCovPairs { stats })
}

impl PairDistance for MeanCovPairs {
    fn len(&self) -> usize {
        self.stats.len()
    }

    fn pair(&self, u: usize, v: usize) -> f64 {
        let (mu_u, cov_u) = &self.stats[u];
        let (mu_v, cov_v) = &self.stats[v];
        diff_norm(mu_u.as_slice(), mu_v.as_slice()) + diff_norm(cov_u.as_slice(), cov_v.as_slice())
    }
}

/// `cka`: `1 - CKA(X_u, X_v)` with linear CKA
/// `tr(K_u K_v) / sqrt(tr(K_u^2) tr(K_v^2))`, `K = Xc Xc^T: [n, n]`, `Xc` column-centred.
/// Needs equal `n` for every task. CKA is undefined for a constant task (`tr(K^2) = 0`); it is
/// taken as 0 there, so a constant task is at the largest distance, 1, from every other task
/// (another constant one included).
pub(crate) fn cka(tasks: &[Task]) -> Result<DistanceMatrix, CascadeError> {
    let n = require_equal_rows(tasks, "cka")?;
    let d = tasks.first().map_or(0, |t| t.train.x.ncols());
    // A pair costs n d^2 through the [d, d] cross products and n^2 through the [n, n] Gram
    // matrices: take whichever is cheaper (images have d >> n, tabular data n >> d).
    Ok(cka_with(tasks, n <= d * d))
}

fn cka_with(tasks: &[Task], use_gram: bool) -> DistanceMatrix {
    // Per task: `Xc: [n, d]` (cross path) or `K: [n, n]` (Gram path), and `tr(K^2)`, which equals
    // `|Xc^T Xc|_F^2 = |Xc Xc^T|_F^2` (both are the sum of the fourth powers of Xc's singular values).
    let reps: Vec<DMatrix<f64>> = tasks
        .iter()
        .map(|t| {
            let xc = centre_columns(&t.train.x);
            if use_gram { &xc * xc.transpose() } else { xc }
        })
        .collect();
    let self_terms: Vec<f64> = reps
        .iter()
        .map(|r| {
            if use_gram {
                r.norm_squared()
            } else {
                r.tr_mul(r).norm_squared()
            }
        })
        .collect();
    let d = tasks.first().map_or(0, |t| t.train.x.ncols());
    let scratch = || DMatrix::<f64>::zeros(d, d);
    DistanceMatrix::par_from_pairs_with(tasks.len(), scratch, |cross, u, v| {
        let denominator = (self_terms[u] * self_terms[v]).sqrt();
        if denominator <= 0.0 {
            return 1.0;
        }
        let numerator = if use_gram {
            // tr(K_u K_v) = sum_ij K_u[i,j] K_v[i,j] for symmetric K.
            dot(reps[u].as_slice(), reps[v].as_slice())
        } else {
            cross.gemm_tr(1.0, &reps[u], &reps[v], 0.0);
            cross.norm_squared()
        };
        (1.0 - numerator / denominator).clamp(0.0, 1.0)
    })
}

/// `[column means, column population variances]` of `x: [n, d]`: `[2d]`.
fn moments(x: &DMatrix<f64>) -> DVector<f64> {
    let d = x.ncols();
    let n = x.nrows() as f64;
    let mut out = DVector::zeros(2 * d);
    for (j, column) in x.column_iter().enumerate() {
        let mean = column.sum() / n;
        out[j] = mean;
        out[d + j] = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    }
    out
}

/// `x: [n, d]` minus its column means.
fn centre_columns(x: &DMatrix<f64>) -> DMatrix<f64> {
    let mut centred = x.clone();
    for mut column in centred.column_iter_mut() {
        let mean = column.mean();
        column.add_scalar_mut(-mean);
    }
    centred
}

/// `sqrt(mean((a - b)^2))`; 0 for empty slices (a task set with `d = 0`).
fn rms_difference(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    let sum: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    (sum / a.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::test_support::{assert_close, fixture_set, random_set, task, upper3};
    use crate::distance::{Distance, compute};
    use nalgebra::{dmatrix, dvector};

    // Expected values: the reference script in test_support.rs. Closed-form arithmetic only, so
    // the tolerance is 1e-12.

    #[test]
    fn feature_matches_reference_on_equal_shapes() {
        // Entry-wise path. By hand for (a, b): a - b = [[-1, 0], [1, -2], [0, 2], [2, -2]], squares
        // sum to 18 over 8 entries, sqrt(18 / 8) = 1.5.
        let m = compute(&fixture_set("abd"), Distance::Feature).unwrap();
        assert_close(
            &upper3(&m),
            &[1.5, 1.2624381172952597, 1.2119199643540823],
            1e-12,
        );
    }

    #[test]
    fn feature_uses_moment_embeddings_for_unequal_shapes() {
        // (a, b) share a shape (entry-wise, 1.5); c has 3 rows, so (a, c) and (b, c) compare
        // [means, population variances].
        let m = compute(&fixture_set("abc"), Distance::Feature).unwrap();
        assert_close(
            &upper3(&m),
            &[1.5, 0.19295061096458063, 0.6737184908686058],
            1e-12,
        );
    }

    #[test]
    fn mean_cov_matches_reference() {
        let m = compute(&fixture_set("abd"), Distance::MeanCov).unwrap();
        assert_close(
            &upper3(&m),
            &[2.7071067811865475, 2.2692989343432863, 2.710042485937368],
            1e-12,
        );
        let m = compute(&fixture_set("abc"), Distance::MeanCov).unwrap();
        assert_close(
            &upper3(&m),
            &[2.7071067811865475, 0.9484026266372387, 3.0390483522986305],
            1e-12,
        );
    }

    #[test]
    fn cka_matches_reference_computed_with_n_by_n_gram_matrices() {
        let m = compute(&fixture_set("abd"), Distance::Cka).unwrap();
        assert_close(
            &upper3(&m),
            &[0.6161499130176298, 0.24887405168657806, 0.16601179855252812],
            1e-12,
        );
    }

    #[test]
    fn cka_cross_product_and_gram_paths_agree() {
        for (n, d) in [(9, 2), (4, 6), (7, 3)] {
            let set = random_set(11, 5, d, n, false);
            let gram = cka_with(set.tasks(), true);
            let cross = cka_with(set.tasks(), false);
            for i in 0..5 {
                assert_close(gram.row(i), cross.row(i), 1e-12);
            }
        }
    }

    #[test]
    fn cka_is_zero_for_linear_copies_and_one_for_constant_tasks() {
        // CKA is invariant to isotropic scaling and translation: 3 X + 1 has distance 0 to X.
        let x = dmatrix![0.0, 1.0; 1.0, 0.0; 2.0, 2.0; 3.0, 1.0];
        let y = dvector![0.0, 0.0, 0.0, 0.0];
        let scaled = x.map(|v| 3.0 * v + 1.0);
        let constant = DMatrix::from_element(4, 2, 5.0);
        let set = cascade_data::TaskSet::new(vec![
            task("x", x, y.clone()),
            task("scaled", scaled, y.clone()),
            task("constant", constant, y),
        ])
        .unwrap();
        let m = compute(&set, Distance::Cka).unwrap();
        assert_close(&upper3(&m), &[0.0, 1.0, 1.0], 1e-12);
    }
}
