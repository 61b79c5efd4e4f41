//! Distances computed one pair at a time from per-task summaries, without the `T x T` matrix.
//!
//! [`pair_distance`] gives the distances whose pairs need only a summary of each task
//! (`gradient` and `model`: a vector a task; `feature`: the training rows and their moments;
//! `mean_cov`: a mean and a covariance a task) as a [`PairDistance`]. Their matrices are built
//! from the same [`PairDistance::pair`], so an entry computed on its own is the matrix entry, bit
//! for bit: trees and roots found without the matrix are the matrix's.

use std::ops::Range;

use cascade_data::{Problem, StandardisedTaskSet};
use nalgebra::DMatrix;

use super::norm::{LANES, diff_norm, squared_diff_sums};
use super::{Distance, DistanceMatrix, feature, optimisation};
use crate::CascadeError;

/// A task distance that computes any pair on its own: memory for the per-task summaries only.
pub trait PairDistance: Sync {
    /// Number of tasks `T`.
    fn len(&self) -> usize;

    /// True for zero tasks.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The distance between tasks `i < j`: the matrix entry `D[i][j]`, bit for bit.
    fn pair(&self, i: usize, j: usize) -> f64;

    /// `out[k] = self.pair(rows.start + k, j)` for every row of `rows` (all below `j`), bit for
    /// bit; distances override it to compute several pairs side by side.
    fn pair_column(&self, rows: Range<usize>, j: usize, out: &mut [f64]) {
        for (i, value) in rows.zip(out.iter_mut()) {
            *value = self.pair(i, j);
        }
    }

    /// `out[k] = self.pair(i, cols.start + k)` for every column of `cols` (all above `i`), bit
    /// for bit; distances override it to compute several pairs side by side.
    fn pair_row(&self, i: usize, cols: Range<usize>, out: &mut [f64]) {
        for (j, value) in cols.zip(out.iter_mut()) {
            *value = self.pair(i, j);
        }
    }

    /// The distance between tasks `u` and `v` in either order (0 for `u == v`).
    fn between(&self, u: usize, v: usize) -> f64 {
        match u.cmp(&v) {
            std::cmp::Ordering::Less => self.pair(u, v),
            std::cmp::Ordering::Greater => self.pair(v, u),
            std::cmp::Ordering::Equal => 0.0,
        }
    }

    /// The whole `T x T` matrix, its pairs spread over the machine's cores.
    fn matrix(&self) -> DistanceMatrix
    where
        Self: Sized,
    {
        DistanceMatrix::par_from_pairs(self.len(), |i, j| self.pair(i, j))
    }
}

/// A matrix answers pairs from its entries (so the matrix-free algorithms can be checked
/// against it, or run on a matrix given whole).
impl PairDistance for DistanceMatrix {
    fn len(&self) -> usize {
        DistanceMatrix::len(self)
    }

    fn pair(&self, i: usize, j: usize) -> f64 {
        self.get(i, j)
    }
}

/// `|a_i - a_j|_2` (Frobenius) between per-task matrices `a: [d, m]` of equal shape: `gradient`'s
/// unit gradients and `model`'s ridge fits.
pub(crate) struct VectorPairs {
    vectors: Vec<DMatrix<f64>>,
}

impl VectorPairs {
    /// The distance between the `vectors` of every two tasks (in task order).
    pub(crate) fn new(vectors: Vec<DMatrix<f64>>) -> Self {
        Self { vectors }
    }
}

impl PairDistance for VectorPairs {
    fn len(&self) -> usize {
        self.vectors.len()
    }

    fn pair(&self, i: usize, j: usize) -> f64 {
        diff_norm(self.vectors[i].as_slice(), self.vectors[j].as_slice())
    }

    fn pair_column(&self, rows: Range<usize>, j: usize, out: &mut [f64]) {
        self.side_by_side(rows.start, j, out);
    }

    fn pair_row(&self, i: usize, cols: Range<usize>, out: &mut [f64]) {
        self.side_by_side(cols.start, i, out);
    }
}

impl VectorPairs {
    /// `out[k] = |a_(start + k) - a_other|`, `LANES` at a time. A pair's terms `(x - y)^2` and
    /// `(y - x)^2` are the same number, so this is `pair` whichever end `other` is.
    fn side_by_side(&self, start: usize, other: usize, out: &mut [f64]) {
        let b = self.vectors[other].as_slice();
        let mut i = start;
        for chunk in out.chunks_mut(LANES) {
            if chunk.len() == LANES {
                let a = std::array::from_fn(|l| self.vectors[i + l].as_slice());
                for (value, sum) in chunk.iter_mut().zip(squared_diff_sums(a, b)) {
                    *value = sum.sqrt();
                }
            } else {
                for (l, value) in chunk.iter_mut().enumerate() {
                    *value = diff_norm(self.vectors[i + l].as_slice(), b);
                }
            }
            i += chunk.len();
        }
    }
}

/// Whether [`pair_distance`] computes `kind` one pair at a time (`gradient`, `model`, `feature`,
/// `mean_cov`); the others (`mmd`'s interpolated within-task means, `cka`'s per-thread buffers,
/// the target distances) are computed as a matrix only.
pub fn has_pair_form(kind: Distance) -> bool {
    matches!(
        kind,
        Distance::Gradient | Distance::Model | Distance::Feature | Distance::MeanCov
    )
}

/// `kind` over the standardised training splits of `data`, one pair at a time: `None` when
/// `kind` has no such form ([`has_pair_form`]). The per-task summaries are computed here (so a
/// task that `kind` cannot apply to is reported here, with the error
/// [`compute_standardised`](super::compute_standardised) gives); every pair equals the matrix
/// entry bit for bit.
pub fn pair_distance(
    data: &StandardisedTaskSet,
    kind: Distance,
) -> Result<Option<Box<dyn PairDistance + '_>>, CascadeError> {
    let set = &data.standardised;
    let tasks = set.tasks();
    let classes = match set.problem() {
        Problem::Multiclass { classes } => Some(classes),
        _ => None,
    };
    Ok(match kind {
        Distance::Gradient => Some(Box::new(VectorPairs::new(
            optimisation::gradient_directions(tasks, classes),
        ))),
        Distance::Model => Some(Box::new(optimisation::model_pairs(tasks, classes)?)),
        Distance::Feature => Some(Box::new(feature::FeaturePairs::new(tasks))),
        Distance::MeanCov => Some(Box::new(feature::mean_cov_pairs(tasks)?)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::compute_standardised;
    use crate::distance::test_support::random_set;
    use cascade_data::synthetic::SyntheticConfig;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Every pair computed on its own is the matrix entry, bit for bit, in both orders.
    #[test]
    fn pairs_are_the_matrix_entries_bit_for_bit() {
        let regression = StandardisedTaskSet::new(&random_set(5, 9, 3, 0, true));
        let equal_rows = StandardisedTaskSet::new(
            &SyntheticConfig {
                n_tasks: 7,
                ..Default::default()
            }
            .generate(&mut StdRng::seed_from_u64(2))
            .unwrap(),
        );
        // Three classes: the optimisation distances read one-hot targets.
        let tasks = random_set(6, 8, 2, 10, false)
            .tasks()
            .iter()
            .map(|t| {
                let mut t = t.clone();
                for split in [&mut t.train, &mut t.test] {
                    split.y = split.y.map(|y| (y.abs() as usize % 3) as f64);
                }
                t
            })
            .collect();
        let names = ["a", "b", "c"].map(String::from).to_vec();
        let classes = cascade_data::TaskSet::new(tasks)
            .unwrap()
            .into_classes(names)
            .unwrap();
        let classes = StandardisedTaskSet::new(&classes);
        for data in [&regression, &equal_rows, &classes] {
            for kind in Distance::EVERY {
                let Some(pairs) = pair_distance(data, kind).unwrap() else {
                    assert!(!has_pair_form(kind), "{kind}");
                    continue;
                };
                assert!(has_pair_form(kind), "{kind}");
                let matrix = compute_standardised(data, kind).unwrap();
                let n = matrix.len();
                assert_eq!(pairs.len(), n);
                for u in 0..n {
                    for v in 0..n {
                        assert_eq!(
                            pairs.between(u, v).to_bits(),
                            matrix.get(u, v).to_bits(),
                            "{kind} ({u}, {v})"
                        );
                    }
                }
                // Columns and rows computed side by side, from every first row or column.
                for j in 0..n {
                    for start in 0..j {
                        let mut column = vec![f64::NAN; j - start];
                        pairs.pair_column(start..j, j, &mut column);
                        for (k, value) in column.iter().enumerate() {
                            let want = matrix.get(start + k, j);
                            assert_eq!(value.to_bits(), want.to_bits(), "{kind} column {j}");
                        }
                    }
                    for start in j + 1..n {
                        let mut row = vec![f64::NAN; n - start];
                        pairs.pair_row(j, start..n, &mut row);
                        for (k, value) in row.iter().enumerate() {
                            let want = matrix.get(j, start + k);
                            assert_eq!(value.to_bits(), want.to_bits(), "{kind} row {j}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn summaries_report_the_errors_of_the_matrix() {
        let set = crate::distance::test_support::fixture_set("abc");
        let mut lonely = set.tasks()[2].clone();
        lonely.train.x = lonely.train.x.rows(0, 1).into_owned();
        lonely.train.y = lonely.train.y.rows(0, 1).into_owned();
        let tasks = vec![set.tasks()[0].clone(), lonely];
        let data = StandardisedTaskSet::new(&cascade_data::TaskSet::new(tasks).unwrap());
        let matrix = compute_standardised(&data, Distance::MeanCov).unwrap_err();
        let pairs = pair_distance(&data, Distance::MeanCov).err().unwrap();
        assert_eq!(pairs, matrix);
    }
}
