//! Choosing the root task of a cascade (SPEC 2.3).

use std::fmt;
use std::str::FromStr;

use cascade_data::{DVector, StandardisedTaskSet};
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::distance::DistanceMatrix;
use crate::tree::check_finite;

/// How the root task is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RootRule {
    /// The medoid of the distance matrix, `argmin_v sum_w D[v][w]` (default).
    #[default]
    Medoid,
    /// The medoid of the per-task mean feature vectors (what the research code always uses).
    FeatureMedoid,
    /// A given task index.
    Given(usize),
    /// A uniformly random task.
    Random,
}

impl fmt::Display for RootRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Medoid => f.write_str("medoid"),
            Self::FeatureMedoid => f.write_str("feature-medoid"),
            Self::Given(i) => write!(f, "{i}"),
            Self::Random => f.write_str("random"),
        }
    }
}

impl FromStr for RootRule {
    type Err = CascadeError;

    /// `medoid`, `feature-medoid` (or `feature_medoid`), `random`, or a task index such as `17`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "medoid" => Ok(Self::Medoid),
            "feature-medoid" => Ok(Self::FeatureMedoid),
            "random" => Ok(Self::Random),
            other => {
                other
                    .parse::<usize>()
                    .map(Self::Given)
                    .map_err(|_| CascadeError::UnknownName {
                        kind: "root rule",
                        name: name.to_string(),
                        expected: "medoid, feature-medoid, random, or a task index (0, 1, ...)"
                            .into(),
                    })
            }
        }
    }
}

/// Applies `rule`; `dist` is the matrix the tree is built from, `set` the tasks.
///
/// [`RootRule::FeatureMedoid`] reads the training features of `set`: pass the raw tasks for it,
/// since after per-task standardisation every task's mean feature vector is zero and the rule
/// would be decided by rounding noise. Errors: `dist` and `set` of different sizes
/// ([`CascadeError::ShapeMismatch`]), a NaN or infinite distance for [`RootRule::Medoid`]
/// ([`CascadeError::InvalidSetting`]), a given index out of range
/// ([`CascadeError::TaskOutOfRange`]).
pub fn choose_root<R: Rng + ?Sized>(
    rule: &RootRule,
    dist: &DistanceMatrix,
    data: &StandardisedTaskSet,
    rng: &mut R,
) -> Result<usize, CascadeError> {
    let n = data.len();
    if dist.len() != n {
        return Err(CascadeError::ShapeMismatch(format!(
            "the distance matrix covers {} tasks but the task set has {n}",
            dist.len()
        )));
    }
    choose_root_with(
        rule,
        data,
        || {
            check_finite(dist)?;
            Ok(medoid(dist))
        },
        rng,
    )
}

/// [`choose_root`] where `medoid` finds the medoid of the distance (or fails: a non-finite
/// distance), called for [`RootRule::Medoid`] only.
pub(crate) fn choose_root_with<R: Rng + ?Sized>(
    rule: &RootRule,
    data: &StandardisedTaskSet,
    medoid: impl FnOnce() -> Result<usize, CascadeError>,
    rng: &mut R,
) -> Result<usize, CascadeError> {
    let n = data.len();
    if n == 0 {
        return Err(CascadeError::TooFewTasks {
            what: "choosing a root",
            need: 1,
            got: 0,
        });
    }
    match *rule {
        RootRule::Medoid => medoid(),
        RootRule::FeatureMedoid => Ok(feature_medoid(&raw_feature_means(data))),
        RootRule::Given(index) if index >= n => {
            Err(CascadeError::TaskOutOfRange { index, tasks: n })
        }
        RootRule::Given(index) => Ok(index),
        RootRule::Random => Ok(rng.random_range(0..n)),
    }
}

/// Each task's mean training feature vector in the data's own units: `[d]` per task. (After
/// per-task standardisation every mean is exactly zero, so the feature medoid must use these.)
pub fn raw_feature_means(data: &StandardisedTaskSet) -> Vec<DVector<f64>> {
    data.scalers.iter().map(|s| s.x_mean.clone()).collect()
}

/// The medoid of `dist`: `argmin_v sum_w D[v][w]`, the lowest index on ties.
///
/// Rows whose sum is NaN are never chosen unless all are; returns 0 for an empty matrix
/// ([`choose_root`] checks both cases and reports them as errors).
pub fn medoid(dist: &DistanceMatrix) -> usize {
    argmin_row_sum((0..dist.len()).map(|v| dist.row(v).iter().sum()))
}

/// The medoid of the per-task mean training feature vectors under Euclidean distance
/// (the root rule of the research code).
pub fn feature_medoid(means: &[DVector<f64>]) -> usize {
    let euclid = |a: &DVector<f64>, b: &DVector<f64>| (a - b).norm();
    argmin_row_sum(
        means
            .iter()
            .map(|m| means.iter().map(|other| euclid(m, other)).sum()),
    )
}

/// Index of the smallest value (the first on ties; NaN never wins unless everything is NaN).
pub(crate) fn argmin_row_sum(sums: impl Iterator<Item = f64>) -> usize {
    let mut best = 0;
    let mut best_sum = f64::INFINITY;
    for (v, s) in sums.enumerate() {
        if s < best_sum {
            best = v;
            best_sum = s;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use cascade_data::{DMatrix, Split, Task, TaskSet};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    /// A task with one feature column holding `values` (so its mean is their average).
    fn task(id: &str, values: &[f64]) -> Task {
        let split = Split::new(
            DMatrix::from_column_slice(values.len(), 1, values),
            DVector::zeros(values.len()),
        );
        Task {
            id: id.into(),
            train: split.clone(),
            test: split,
            group: None,
        }
    }

    fn standardised(tasks: Vec<Task>) -> StandardisedTaskSet {
        StandardisedTaskSet::new(&TaskSet::new(tasks).unwrap())
    }

    fn set(n: usize) -> StandardisedTaskSet {
        standardised(
            (0..n)
                .map(|v| task(&format!("t{v}"), &[v as f64]))
                .collect(),
        )
    }

    fn four() -> DistanceMatrix {
        DistanceMatrix::from_rows(&[
            vec![0.0, 1.0, 4.0, 6.0],
            vec![1.0, 0.0, 2.0, 5.0],
            vec![4.0, 2.0, 0.0, 3.0],
            vec![6.0, 5.0, 3.0, 0.0],
        ])
        .unwrap()
    }

    #[test]
    fn medoid_by_hand() {
        // Row sums: 0: 1 + 4 + 6 = 11, 1: 1 + 2 + 5 = 8, 2: 4 + 2 + 3 = 9, 3: 6 + 5 + 3 = 14.
        assert_eq!(medoid(&four()), 1);
        // Constant matrix: every row sum ties, the lowest index wins.
        assert_eq!(medoid(&DistanceMatrix::from_pairs(5, |_, _| 2.0)), 0);
        // Tasks on a line, D = |i - j|: row sums 6, 4, 4, 6; 1 and 2 tie, 1 wins.
        let d = DistanceMatrix::from_pairs(4, |i, j| (j - i) as f64);
        assert_eq!(medoid(&d), 1);
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(
            choose_root(&RootRule::Medoid, &four(), &set(4), &mut rng),
            Ok(1)
        );
    }

    #[test]
    fn feature_medoid_by_hand() {
        // Task means 0, 1 and 10 (one feature): pairwise distances 1, 10, 9; row sums
        // 11, 10, 19 -> task 1. The distance matrix is deliberately ignored.
        // Raw means 0, 1 and 10 (standardisation would make all three 0).
        let s = standardised(vec![
            task("a", &[-1.0, 1.0]),
            task("b", &[0.5, 1.5]),
            task("c", &[10.0, 10.0]),
        ]);
        let d = DistanceMatrix::from_pairs(3, |_, _| 1.0);
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(feature_medoid(&raw_feature_means(&s)), 1);
        assert_eq!(
            choose_root(&RootRule::FeatureMedoid, &d, &s, &mut rng),
            Ok(1)
        );
    }

    #[test]
    fn given_and_random() {
        let mut rng = StdRng::seed_from_u64(4);
        let d = four();
        let s = set(4);
        assert_eq!(choose_root(&RootRule::Given(3), &d, &s, &mut rng), Ok(3));
        assert_eq!(
            choose_root(&RootRule::Given(4), &d, &s, &mut rng),
            Err(CascadeError::TaskOutOfRange { index: 4, tasks: 4 })
        );
        let mut seen = [false; 4];
        for _ in 0..200 {
            seen[choose_root(&RootRule::Random, &d, &s, &mut rng).unwrap()] = true;
        }
        assert_eq!(seen, [true; 4]);
        let a = choose_root(&RootRule::Random, &d, &s, &mut StdRng::seed_from_u64(9));
        let b = choose_root(&RootRule::Random, &d, &s, &mut StdRng::seed_from_u64(9));
        assert_eq!(a, b);
    }

    #[test]
    fn errors() {
        let mut rng = StdRng::seed_from_u64(0);
        assert!(matches!(
            choose_root(&RootRule::Medoid, &four(), &set(3), &mut rng),
            Err(CascadeError::ShapeMismatch(_))
        ));
        let mut d = four();
        d.set(0, 2, f64::NAN);
        assert!(matches!(
            choose_root(&RootRule::Medoid, &d, &set(4), &mut rng),
            Err(CascadeError::InvalidSetting { .. })
        ));
    }

    #[test]
    fn names_round_trip() {
        for rule in [
            RootRule::Medoid,
            RootRule::FeatureMedoid,
            RootRule::Given(17),
            RootRule::Random,
        ] {
            assert_eq!(rule.to_string().parse::<RootRule>(), Ok(rule));
        }
        assert_eq!("17".parse::<RootRule>(), Ok(RootRule::Given(17)));
        assert_eq!(
            " Feature_Medoid ".parse::<RootRule>(),
            Ok(RootRule::FeatureMedoid)
        );
        for bad in ["centre", "-1", "1.5", ""] {
            let err = bad.parse::<RootRule>().unwrap_err();
            assert!(
                matches!(
                    err,
                    CascadeError::UnknownName {
                        kind: "root rule",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
    }
}
