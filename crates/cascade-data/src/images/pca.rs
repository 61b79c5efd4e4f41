//! Principal component analysis of standardised images (SPEC 6: PCA to 100 components).
//!
//! The covariance `[p, p]` of the fit rows (divisor `n - 1`) comes from one matrix product; its
//! eigenvectors (nalgebra's `SymmetricEigen`) sorted by eigenvalue, largest first, are the
//! components. Each component's sign is fixed so that its largest-magnitude entry (the first one
//! on ties) is positive, so the scores are deterministic.

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use rand::Rng;
use rand::seq::index;

use super::{Images, PixelScaling};
use crate::DataError;

/// Most features [`Pca::fit_columns`] accepts: the `[p, p]` covariance then takes 128 MiB and its
/// eigen-decomposition about a minute (CIFAR-10's 3,072 pixels fit).
pub const PCA_MAX_FEATURES: usize = 4096;

/// A fitted PCA: `scores = (x - mean) * components`, `x: [m, p]` -> `[m, k]`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pca {
    /// Per-feature mean of the fit rows: `[p]`.
    pub mean: DVector<f64>,
    /// Unit-length, mutually orthogonal components as columns, by decreasing variance: `[p, k]`.
    pub components: DMatrix<f64>,
    /// Variance along each component (covariance eigenvalue, clamped at 0): `[k]`.
    pub variances: DVector<f64>,
    /// Share of the total variance (trace of the covariance) the `k` components explain, in
    /// `[0, 1]`.
    pub explained_ratio: f64,
    /// Number of rows the fit used.
    pub n_fit: usize,
}

impl Pca {
    /// Fits `k` components to the columns of `x_t: [p, n]` (one example per column, `n >= 2`,
    /// `1 <= k <= p`, `p <= PCA_MAX_FEATURES`).
    pub fn fit_columns(x_t: &DMatrix<f64>, k: usize) -> Result<Self, DataError> {
        let (p, n) = x_t.shape();
        if n < 2 {
            return Err(DataError::InvalidSetting {
                name: "pca fit rows",
                value: n.to_string(),
                reason: "at least 2 examples are needed to estimate a covariance",
            });
        }
        if k == 0 || k > p {
            return Err(DataError::InvalidSetting {
                name: "pca components",
                value: format!("{k} for {p} pixels"),
                reason: "must be between 1 and the number of features (pixels)",
            });
        }
        if p > PCA_MAX_FEATURES {
            return Err(DataError::InvalidSetting {
                name: "pca features",
                value: p.to_string(),
                reason: "PCA builds a p x p covariance and its eigenvectors: at most 4096 \
                         features (pixels); use smaller images or raw pixels",
            });
        }
        let mean = x_t.column_mean();
        let mut centred = x_t.clone();
        for mut column in centred.column_iter_mut() {
            column -= &mean;
        }
        let cov = (&centred * centred.transpose()) / (n as f64 - 1.0);
        drop(centred);
        let total = cov.trace();
        if total <= 0.0 || !total.is_finite() {
            return Err(DataError::InvalidSetting {
                name: "pca fit rows",
                value: n.to_string(),
                reason: "the fit examples have no variance (all identical) or non-finite values",
            });
        }
        let eigen = SymmetricEigen::new(cov);
        let mut order: Vec<usize> = (0..p).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let mut components = DMatrix::zeros(p, k);
        let mut variances = DVector::zeros(k);
        for (c, &i) in order.iter().take(k).enumerate() {
            let v = eigen.eigenvectors.column(i);
            let top = v.iamax();
            let sign = if v[top] < 0.0 { -1.0 } else { 1.0 };
            components.set_column(c, &(v * sign));
            variances[c] = eigen.eigenvalues[i].max(0.0);
        }
        let explained_ratio = (variances.sum() / total).min(1.0);
        Ok(Self {
            mean,
            components,
            variances,
            explained_ratio,
            n_fit: n,
        })
    }

    /// Fits `k` components to standardised training images: `min(fit_rows, n)` images drawn
    /// without replacement with `rng` (all of them when `fit_rows >= n`), `p` pixels each.
    pub fn fit_images<R: Rng + ?Sized>(
        images: &Images,
        p: usize,
        scaling: &PixelScaling,
        k: usize,
        fit_rows: usize,
        rng: &mut R,
    ) -> Result<Self, DataError> {
        let n = images.len();
        let mut rows = if fit_rows >= n {
            (0..n).collect()
        } else {
            index::sample(rng, n, fit_rows).into_vec()
        };
        rows.sort_unstable();
        Self::fit_columns(&scaling.columns(images, p, &rows), k)
    }

    /// Number of components `k`.
    pub fn k(&self) -> usize {
        self.components.ncols()
    }

    /// The scores of the rows of `x: [m, p]`: `(x - mean) * components`, shape `[m, k]`.
    pub fn transform(&self, x: &DMatrix<f64>) -> DMatrix<f64> {
        // (x - 1 mean^T) W = x W - 1 (mean^T W): no centred copy of x.
        let offset = self.mean.transpose() * &self.components;
        let mut scores = x * &self.components;
        for mut row in scores.row_iter_mut() {
            row -= &offset;
        }
        scores
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;
    use crate::images::Standardise;
    use crate::images::test_support::fashion_mnist;

    /// `rows: [n, p]` as the `[p, n]` layout `fit_columns` takes.
    fn fit_rows(rows: &DMatrix<f64>, k: usize) -> Pca {
        Pca::fit_columns(&rows.transpose(), k).unwrap()
    }

    #[test]
    fn points_on_a_line_need_one_component() {
        // x = c + t u with u = (1, 2, 2) / 3 (unit length), t = -2..=2: the sample variance
        // along u is sum(t^2) / (n - 1) = 10 / 4 = 2.5, and nothing is left off the line.
        let u = DVector::from_vec(vec![1.0, 2.0, 2.0]) / 3.0;
        let c = DVector::from_vec(vec![5.0, -1.0, 0.5]);
        let x = DMatrix::from_fn(5, 3, |i, j| c[j] + (i as f64 - 2.0) * u[j]);
        let pca = fit_rows(&x, 1);
        assert_relative_eq!(pca.explained_ratio, 1.0, epsilon = 1e-12);
        assert_relative_eq!(pca.variances[0], 2.5, epsilon = 1e-12);
        assert_relative_eq!(pca.components.column(0).into_owned(), u, epsilon = 1e-12);
        assert_relative_eq!(pca.mean, c, epsilon = 1e-12);
        // The scores are the positions t along the line.
        let scores = pca.transform(&x);
        for i in 0..5 {
            assert_relative_eq!(scores[(i, 0)], i as f64 - 2.0, epsilon = 1e-12);
        }
    }

    #[test]
    fn diagonal_covariance_with_known_eigenvalues() {
        // Six points (+-3,0,0), (0,+-2,0), (0,0,+-1) (reversed axes order to test sorting): mean 0,
        // covariance diag(2*9, 2*4, 2*1) / 5 = diag(3.6, 1.6, 0.4), total 5.6.
        let x = DMatrix::from_row_slice(
            6,
            3,
            &[
                0.0, 0.0, 1.0, 0.0, 0.0, -1.0, 0.0, 2.0, 0.0, 0.0, -2.0, 0.0, 3.0, 0.0, 0.0, -3.0,
                0.0, 0.0,
            ],
        );
        let pca = fit_rows(&x, 2);
        assert_relative_eq!(pca.variances[0], 3.6, epsilon = 1e-12);
        assert_relative_eq!(pca.variances[1], 1.6, epsilon = 1e-12);
        assert_relative_eq!(pca.explained_ratio, 5.2 / 5.6, epsilon = 1e-12);
        assert_relative_eq!(fit_rows(&x, 1).explained_ratio, 3.6 / 5.6, epsilon = 1e-12);
        // Components are the axes, signed so the largest entry is positive.
        let expected = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_relative_eq!(pca.components, expected, epsilon = 1e-12);
        // Flipping the data's sign leaves the components (and their signs) unchanged.
        assert_relative_eq!(fit_rows(&(-&x), 2).components, expected, epsilon = 1e-12);
    }

    #[test]
    fn all_components_preserve_distances() {
        // With k = p the scores are an orthogonal rotation of the centred data.
        let mut rng = StdRng::seed_from_u64(5);
        let x = DMatrix::from_fn(20, 5, |_, j| {
            let z: f64 = StandardNormal.sample(&mut rng);
            (j as f64 + 1.0) * z
        });
        let pca = fit_rows(&x, 5);
        assert_relative_eq!(pca.explained_ratio, 1.0, epsilon = 1e-12);
        let orthonormal = pca.components.transpose() * &pca.components;
        assert_relative_eq!(orthonormal, DMatrix::identity(5, 5), epsilon = 1e-10);
        let scores = pca.transform(&x);
        for i in 0..20 {
            for j in 0..20 {
                let d_x = (x.row(i) - x.row(j)).norm();
                let d_s = (scores.row(i) - scores.row(j)).norm();
                assert_relative_eq!(d_x, d_s, epsilon = 1e-10);
            }
        }
        // Variances are sorted, largest first.
        assert!(pca.variances.as_slice().windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn bad_settings_are_errors() {
        let x = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 5.0]);
        assert!(Pca::fit_columns(&x.transpose(), 0).is_err());
        assert!(Pca::fit_columns(&x.transpose(), 3).is_err());
        assert!(Pca::fit_columns(&DMatrix::zeros(2, 1), 1).is_err());
        let err = Pca::fit_columns(&DMatrix::zeros(PCA_MAX_FEATURES + 1, 2), 1).unwrap_err();
        assert!(err.to_string().contains("pca features = 4097"), "{err}");
        let err = Pca::fit_columns(&DMatrix::from_element(2, 3, 1.0), 1).unwrap_err();
        assert!(err.to_string().contains("no variance"), "{err}");
    }

    #[test]
    fn fashion_mnist_pca_explains_most_variance() {
        let set = fashion_mnist();
        let scaling = PixelScaling::fit(&set.train, 784, Standardise::Global).unwrap();
        let mut rng = StdRng::seed_from_u64(0);
        let start = std::time::Instant::now();
        let pca = Pca::fit_images(&set.train, 784, &scaling, 100, 10_000, &mut rng).unwrap();
        let seconds = start.elapsed().as_secs_f64();
        // Independent reference: numpy (np.cov, np.linalg.eigvalsh) on all 60,000 globally
        // z-scored training images gives 0.9123 for the top 100 components; a 10,000-image fit
        // lands close. (SPEC 6 quotes about 0.87, which numpy reproduces, 0.8715, only with a
        // per-pixel z-score; a global z-score is an affine map that leaves the ratio of raw
        // pixels unchanged.)
        assert!(
            (0.905..0.92).contains(&pca.explained_ratio),
            "{}",
            pca.explained_ratio
        );
        assert_eq!(pca.n_fit, 10_000);
        assert_eq!(pca.components.shape(), (784, 100));
        // Release builds take a few seconds; the bound only catches a pathological slowdown.
        assert!(seconds < 60.0, "PCA fit took {seconds:.1} s");
        // Per-pixel z-scores: numpy on all 60,000 images gives 0.8715 (see above).
        let per_pixel = PixelScaling::fit(&set.train, 784, Standardise::PerPixel).unwrap();
        let pca = Pca::fit_images(&set.train, 784, &per_pixel, 100, 10_000, &mut rng).unwrap();
        assert!(
            (0.86..0.885).contains(&pca.explained_ratio),
            "{}",
            pca.explained_ratio
        );
    }
}
