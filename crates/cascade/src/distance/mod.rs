//! Task distances (SPEC 3), computed on standardised training data only.
//!
//! [`compute`] builds the symmetric `T x T` [`DistanceMatrix`] (zero diagonal) for one
//! [`Distance`]. Per-task summaries (embeddings, gradients, ridge fits, histograms, sorted targets)
//! are computed once; only the pairwise part is quadratic in `T`, and its pairs are spread over
//! the machine's cores (std scoped threads; the result does not depend on the thread count).

mod classes;
mod cross_distances;
mod exp;
mod feature;
mod histogram;
mod kernel_sum_avx512;
mod matrix;
mod mmd;
mod mmd_kernels;
mod norm;
mod optimisation;
mod pairs;
mod row_checks;
mod simd;
mod target;
#[cfg(test)]
mod test_support;
mod union_median;
mod within_sums;

pub use matrix::DistanceMatrix;
pub use pairs::{PairDistance, has_pair_form, pair_distance};

use std::fmt;
use std::str::FromStr;

use cascade_data::{Problem, StandardisedTaskSet, TaskSet, pooled_standardised};
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use row_checks::{require_equal_rows, require_rows};

/// The ten task distances of SPEC 3, and `mmd_pooled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distance {
    /// RMS of entry-wise differences of the X matrices (equal shapes), else of [means, variances].
    Feature,
    /// RBF-kernel maximum mean discrepancy between the two row sets (median heuristic).
    Mmd,
    /// `mmd` on features standardised with the pooled training statistics of all tasks instead
    /// of each task's own, so that differences between the tasks' feature distributions
    /// survive standardisation (per task, every task has mean 0 and variance 1 and `mmd` is
    /// mostly 0). Not one of SPEC 3's ten.
    MmdPooled,
    /// `|mu_u - mu_v|_2 + |Sigma_u - Sigma_v|_F`.
    MeanCov,
    /// `1 - linear CKA`; needs equal row counts.
    Cka,
    /// `|yb_u - yb_v|_2`; needs equal row counts.
    Target,
    /// Symmetric KL divergence of target histograms over 19 shared bins.
    Kl,
    /// Jensen-Shannon distance of target histograms.
    Js,
    /// 1-D Wasserstein-1 distance between the target distributions.
    Wasserstein,
    /// Distance of unit-normalised gradients `Xb^T yb` at zero.
    Gradient,
    /// Distance of ridge-regression fits (lambda 0.01).
    Model,
}

impl Distance {
    /// All ten distances, in SPEC order.
    pub const ALL: [Distance; 10] = [
        Distance::Feature,
        Distance::Mmd,
        Distance::MeanCov,
        Distance::Cka,
        Distance::Target,
        Distance::Kl,
        Distance::Js,
        Distance::Wasserstein,
        Distance::Gradient,
        Distance::Model,
    ];

    /// [`Distance::ALL`] and the distances added to SPEC 3's ten: `mmd_pooled`.
    pub const EVERY: [Distance; 11] = [
        Distance::Feature,
        Distance::Mmd,
        Distance::MmdPooled,
        Distance::MeanCov,
        Distance::Cka,
        Distance::Target,
        Distance::Kl,
        Distance::Js,
        Distance::Wasserstein,
        Distance::Gradient,
        Distance::Model,
    ];

    /// The distance's name as used on the command line and in reports (`mean_cov`, `gradient`).
    pub fn name(self) -> &'static str {
        match self {
            Distance::Feature => "feature",
            Distance::Mmd => "mmd",
            Distance::MmdPooled => "mmd_pooled",
            Distance::MeanCov => "mean_cov",
            Distance::Cka => "cka",
            Distance::Target => "target",
            Distance::Kl => "kl",
            Distance::Js => "js",
            Distance::Wasserstein => "wasserstein",
            Distance::Gradient => "gradient",
            Distance::Model => "model",
        }
    }
}

impl fmt::Display for Distance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Distance {
    type Err = CascadeError;

    /// Parses a name of [`Distance::name`]; `mean-cov` is accepted for `mean_cov`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Distance::EVERY
            .into_iter()
            .find(|d| d.name() == wanted)
            .ok_or_else(|| CascadeError::UnknownName {
                kind: "distance",
                name: s.to_string(),
                expected: Distance::EVERY.map(|d| d.name()).join(", "),
            })
    }
}

/// Whether `kind` can be computed on `set`, without computing it: the error [`compute`] would
/// stop with when the task shapes rule it out (unequal training rows for `cka` and `target`,
/// fewer than 2 training rows in some task for `mmd` and `mean_cov`).
pub fn check_applies(set: &TaskSet, kind: Distance) -> Result<(), CascadeError> {
    let tasks = set.tasks();
    let classes = matches!(set.problem(), Problem::Multiclass { .. });
    match kind {
        Distance::Target if classes => Ok(()),
        Distance::Cka | Distance::Target => require_equal_rows(tasks, kind.name()).map(|_| ()),
        Distance::Mmd | Distance::MmdPooled | Distance::MeanCov => {
            require_rows(tasks, kind.name(), 2)
        }
        _ => Ok(()),
    }
}

/// Computes the `T x T` distance matrix of `kind` over the training splits of `set`.
///
/// `set` must already be standardised per task (SPEC 2.1); test splits are never read. For
/// `mmd_pooled` the features of `set` are taken as they are and standardised with their pooled
/// statistics: pass the original data here, or use [`compute_standardised`].
/// Errors name the task when a distance cannot apply (unequal rows for `cka`/`target`,
/// too few rows for `mean_cov`/`mmd`, a failed ridge solve for `model`).
///
/// For `k` classes ([`Problem::Multiclass`]) the optimisation distances read one-hot targets
/// and the target distances compare class histograms ([`classes`]).
pub fn compute(set: &TaskSet, kind: Distance) -> Result<DistanceMatrix, CascadeError> {
    let tasks = set.tasks();
    let k = match set.problem() {
        Problem::Multiclass { classes } => Some(classes),
        _ => None,
    };
    if let Some(k) = k {
        match kind {
            Distance::Target => return Ok(classes::target(tasks, k)),
            Distance::Kl => return Ok(classes::kl(tasks, k)),
            Distance::Js => return Ok(classes::js(tasks, k)),
            Distance::Wasserstein => return Ok(classes::total_variation(tasks, k)),
            _ => {}
        }
    }
    match kind {
        Distance::Feature => Ok(feature::feature(tasks)),
        Distance::Mmd => mmd::mmd(tasks),
        Distance::MmdPooled => {
            let x: Vec<_> = tasks.iter().map(|t| t.train.x.clone()).collect();
            mmd::mmd_pooled(tasks, pooled_standardised(&x))
        }
        Distance::MeanCov => feature::mean_cov(tasks),
        Distance::Cka => feature::cka(tasks),
        Distance::Target => target::target(tasks),
        Distance::Kl => Ok(histogram::kl(tasks)),
        Distance::Js => Ok(histogram::js(tasks)),
        Distance::Wasserstein => Ok(target::wasserstein(tasks)),
        Distance::Gradient => Ok(optimisation::gradient(tasks, k)),
        Distance::Model => optimisation::model(tasks, k),
    }
}

/// Computes the `T x T` distance matrix of `kind` over the training splits of `data`: as
/// [`compute`] on `data.standardised`, except `mmd_pooled`, which standardises the training
/// features of the original data (recovered exactly from each task's [`Scaler`]) with the
/// pooled statistics of all tasks.
///
/// [`Scaler`]: cascade_data::Scaler
pub fn compute_standardised(
    data: &StandardisedTaskSet,
    kind: Distance,
) -> Result<DistanceMatrix, CascadeError> {
    match kind {
        Distance::MmdPooled => {
            let tasks = data.tasks();
            require_rows(tasks, kind.name(), 2)?;
            mmd::mmd_pooled(tasks, pooled_standardised(&data.raw_train_features()))
        }
        _ => compute(&data.standardised, kind),
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{fixture, fixture_set, random_set};
    use super::*;
    use cascade_data::synthetic::SyntheticConfig;
    use cascade_data::{StandardisedTaskSet, Task};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// The distances defined on tasks with different row counts.
    const RAGGED_OK: [Distance; 8] = [
        Distance::Feature,
        Distance::Mmd,
        Distance::MeanCov,
        Distance::Kl,
        Distance::Js,
        Distance::Wasserstein,
        Distance::Gradient,
        Distance::Model,
    ];

    fn assert_valid(m: &DistanceMatrix, n: usize, kind: Distance) {
        assert_eq!(m.len(), n, "{kind}");
        for i in 0..n {
            assert_eq!(m.get(i, i), 0.0, "{kind}: diagonal");
            for j in 0..n {
                let v = m.get(i, j);
                assert!(v.is_finite() && v >= 0.0, "{kind}: D[{i}][{j}] = {v}");
                assert_eq!(v, m.get(j, i), "{kind}: symmetry");
            }
        }
    }

    #[test]
    fn mmd_pooled_sees_shifted_tasks_that_per_task_standardisation_hides() {
        // Two groups of tasks whose features differ by a shift of 3 in every column: after
        // per-task standardisation mmd is 0 for every pair, mmd_pooled separates the groups.
        let base = random_set(5, 6, 2, 40, false);
        let shifted: Vec<Task> = base
            .tasks()
            .iter()
            .enumerate()
            .map(|(v, t)| {
                let mut t = t.clone();
                if v >= 3 {
                    t.train.x.add_scalar_mut(3.0);
                }
                t
            })
            .collect();
        let data = StandardisedTaskSet::new(&TaskSet::new(shifted).unwrap());
        let plain = compute_standardised(&data, Distance::Mmd).unwrap();
        let pooled = compute_standardised(&data, Distance::MmdPooled).unwrap();
        assert!(
            plain.is_constant(1e-12),
            "per-task standardised mmd is flat"
        );
        let within = pooled.get(0, 1).max(pooled.get(3, 4));
        let across = pooled.get(0, 3).min(pooled.get(1, 4));
        assert!(across > 5.0 * within.max(1e-3), "{across} vs {within}");
        assert_eq!(
            "mmd-pooled".parse::<Distance>().unwrap(),
            Distance::MmdPooled
        );
    }

    #[test]
    fn every_distance_is_symmetric_finite_nonnegative_with_zero_diagonal() {
        let equal = random_set(1, 7, 3, 9, false);
        for kind in Distance::ALL {
            assert_valid(&compute(&equal, kind).unwrap(), 7, kind);
        }
        let ragged = random_set(2, 7, 3, 0, true);
        assert!(!ragged.equal_train_rows());
        for kind in RAGGED_OK {
            assert_valid(&compute(&ragged, kind).unwrap(), 7, kind);
        }
    }

    #[test]
    fn permuting_tasks_permutes_the_matrix() {
        let perm = [4, 0, 5, 2, 1, 3];
        for (set, kinds) in [
            (random_set(3, 6, 2, 8, false), &Distance::ALL[..]),
            (random_set(4, 6, 2, 0, true), &RAGGED_OK[..]),
        ] {
            let permuted =
                TaskSet::new(perm.iter().map(|&p| set.tasks()[p].clone()).collect()).unwrap();
            for &kind in kinds {
                let m = compute(&set, kind).unwrap();
                let mp = compute(&permuted, kind).unwrap();
                for i in 0..6 {
                    for j in 0..6 {
                        let (a, b) = (mp.get(i, j), m.get(perm[i], perm[j]));
                        // Only summation order may change (mmd's median pool, Gram products).
                        assert!(
                            (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                            "{kind}: {a} vs {b}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn cka_and_target_name_the_first_task_with_other_row_counts() {
        let set = fixture_set("abcd");
        for kind in [Distance::Cka, Distance::Target] {
            let err = compute(&set, kind).unwrap_err();
            assert_eq!(
                err,
                CascadeError::DistanceNeedsEqualRows {
                    distance: kind.name(),
                    task_a: "a".into(),
                    n_a: 4,
                    task_b: "c".into(),
                    n_b: 3,
                }
            );
        }
    }

    #[test]
    fn mean_cov_and_mmd_need_two_rows_per_task() {
        let mut lonely = fixture('c');
        lonely.id = "lonely".into();
        lonely.train.x = lonely.train.x.rows(0, 1).into_owned();
        lonely.train.y = lonely.train.y.rows(0, 1).into_owned();
        let set = TaskSet::new(vec![fixture('a'), lonely]).unwrap();
        for kind in [Distance::MeanCov, Distance::Mmd] {
            let err = compute(&set, kind).unwrap_err();
            assert_eq!(
                err,
                CascadeError::TooFewRows {
                    distance: kind.name(),
                    task: "lonely".into(),
                    n: 1,
                    need: 2,
                }
            );
        }
        // Every other distance accepts one-row tasks.
        for kind in [
            Distance::Feature,
            Distance::Kl,
            Distance::Js,
            Distance::Wasserstein,
            Distance::Gradient,
            Distance::Model,
        ] {
            assert_valid(&compute(&set, kind).unwrap(), 2, kind);
        }
    }

    #[test]
    fn js_never_exceeds_sqrt_ln2() {
        let bound = 2f64.ln().sqrt();
        for seed in 0..5 {
            let set = random_set(seed, 8, 2, 0, true);
            let m = compute(&set, Distance::Js).unwrap();
            for i in 0..8 {
                assert!(
                    m.row(i).iter().all(|&v| v <= bound + 1e-12),
                    "{:?}",
                    m.row(i)
                );
            }
        }
    }

    #[test]
    fn a_single_task_gives_a_one_by_one_zero_matrix() {
        let set = fixture_set("a");
        for kind in Distance::ALL {
            assert_eq!(
                compute(&set, kind).unwrap(),
                DistanceMatrix::zeros(1),
                "{kind}"
            );
        }
    }

    #[test]
    fn mmd_is_zero_on_standardised_iid_gaussian_features() {
        // SPEC 7: with X ~ N(0, I) for every task and per-task standardisation the unbiased
        // MMD^2 is never positive, so every mmd distance is 0 (checked here on 3 seeds of the
        // default generator's shapes: 30 tasks, n = 64, d = 5).
        for seed in 0..3 {
            let cfg = SyntheticConfig {
                n_tasks: 30,
                ..Default::default()
            };
            let raw = cfg.generate(&mut StdRng::seed_from_u64(seed)).unwrap();
            let set = StandardisedTaskSet::new(&raw).standardised;
            let m = compute(&set, Distance::Mmd).unwrap();
            assert!(m.is_constant(0.0) && m.get(0, 1) == 0.0, "seed {seed}");
        }
    }
}
