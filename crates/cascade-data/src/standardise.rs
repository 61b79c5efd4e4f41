use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::{Split, Task, TaskSet};

/// One task's standardisation: training means and standard deviations of every feature and of the
/// target (SPEC 2.1). Test data and predictions use these training statistics.
///
/// Standard deviations are population ones (divide by n, as scikit-learn's `StandardScaler`); a
/// constant column keeps scale 1 so it maps to zeros instead of dividing by zero.
/// [`StandardisedTaskSet::new`] also floors each scale at [`SCALE_FLOOR`] times the column's
/// pooled within-task standard deviation ([`Scaler::fit_with_floor`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// Feature means: `[d]`.
    pub x_mean: DVector<f64>,
    /// Feature scales: `[d]`, all positive.
    pub x_scale: DVector<f64>,
    /// Target mean.
    pub y_mean: f64,
    /// Target scale, positive.
    pub y_scale: f64,
}

impl Scaler {
    /// Fits the statistics of a training split.
    pub fn fit(train: &Split) -> Self {
        Self::fit_with_floor(train, &DVector::zeros(train.x.ncols()), 0.0)
    }

    /// Fits the statistics of a training split, with every feature scale at least `x_floor`
    /// (`[d]`) and the target scale at least `y_floor`.
    pub fn fit_with_floor(train: &Split, x_floor: &DVector<f64>, y_floor: f64) -> Self {
        let d = train.x.ncols();
        let mut x_mean = DVector::zeros(d);
        let mut x_scale = DVector::zeros(d);
        for j in 0..d {
            let (mean, scale) = mean_and_scale(train.x.column(j).iter().copied(), x_floor[j]);
            x_mean[j] = mean;
            x_scale[j] = scale;
        }
        let (y_mean, y_scale) = mean_and_scale(train.y.iter().copied(), y_floor);
        Self {
            x_mean,
            x_scale,
            y_mean,
            y_scale,
        }
    }

    /// Standardises a split: `x: [n, d]`, `y: [n]`.
    pub fn transform(&self, split: &Split) -> Split {
        let y = split.y.map(|v| (v - self.y_mean) / self.y_scale);
        Split::new(self.transform_features(&split.x), y)
    }

    /// Standardises feature rows `x: [n, d]` (no targets: rows to predict).
    pub fn transform_features(&self, x: &DMatrix<f64>) -> DMatrix<f64> {
        let mut x = x.clone();
        for (j, mut column) in x.column_iter_mut().enumerate() {
            column.apply(|v| *v = (*v - self.x_mean[j]) / self.x_scale[j]);
        }
        x
    }

    /// Maps standardised predictions back to the target's own units.
    pub fn inverse_target(&self, y_std: f64) -> f64 {
        y_std * self.y_scale + self.y_mean
    }
}

/// The mean and the population standard deviation of `values`, the latter at least `floor`.
fn mean_and_scale(values: impl Iterator<Item = f64> + Clone, floor: f64) -> (f64, f64) {
    let (mean, var) = mean_and_variance(values);
    let scale = var.sqrt().max(floor);
    // A (numerically) constant column carries no information; scale 1 keeps it finite.
    let scale = if scale > 1e-12 * mean.abs().max(1.0) {
        scale
    } else {
        1.0
    };
    (mean, scale)
}

/// The mean and the population variance of `values`.
fn mean_and_variance(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

/// Every task's feature and target scales are at least this fraction of the column's pooled
/// within-task standard deviation.
///
/// Per-task standardisation divides by a standard deviation measured on the task's own training
/// rows; in a task of 2 or 3 rows that can be a tiny fraction of the column's usual spread (two
/// pupils with almost the same score), and the task's test rows then sit dozens of "standard
/// deviations" away, where any fitted coefficient extrapolates wildly (on the chem97 schools,
/// 2,067 ragged tasks of 2 to 141 training rows, every trained method came out 2 to 12 times
/// worse than predicting the training mean). A sample of n normal values falls below a quarter
/// of the true standard deviation with probability about 0.28 at n = 2 and below 1e-4 at n = 10,
/// so the floor binds on tiny tasks and degenerate columns, not on ordinary ones.
pub const SCALE_FLOOR: f64 = 0.25;

/// Each column's pooled within-task standard deviation over the training rows of `set` (every
/// task's rows centred on its own mean), features then target: `sqrt(sum_v n_v var_v / sum_v
/// n_v)`.
fn pooled_within_scales(set: &TaskSet) -> (DVector<f64>, f64) {
    let d = set.n_features();
    let (mut x_ss, mut y_ss, mut n) = (DVector::<f64>::zeros(d), 0.0, 0.0);
    for task in set.tasks() {
        let rows = task.train.n_rows() as f64;
        for j in 0..d {
            x_ss[j] += rows * mean_and_variance(task.train.x.column(j).iter().copied()).1;
        }
        y_ss += rows * mean_and_variance(task.train.y.iter().copied()).1;
        n += rows;
    }
    (x_ss.map(|v| (v / n).sqrt()), (y_ss / n).sqrt())
}

/// A task set in standardised units, with each task's [`Scaler`] to map predictions back.
///
/// `standardised` holds the same tasks, ids and shapes as the original; only values change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardisedTaskSet {
    /// The tasks, standardised with their own training statistics.
    pub standardised: TaskSet,
    /// The scaler of each task, in task order.
    pub scalers: Vec<Scaler>,
    /// The original test targets (data units), in task order, for errors in the data's own units.
    pub raw_test_y: Vec<DVector<f64>>,
}

impl StandardisedTaskSet {
    /// Fits a scaler per task on its training split and applies it to both splits. Labels
    /// ([`Problem::Binary`], [`Problem::Multiclass`]) are left as they are: only the features are rescaled. Every
    /// scale is at least [`SCALE_FLOOR`] times the column's pooled within-task standard
    /// deviation, so near-constant columns of tiny tasks do not blow their test rows up.
    pub fn new(set: &TaskSet) -> Self {
        let mut tasks = Vec::with_capacity(set.len());
        let mut scalers = Vec::with_capacity(set.len());
        let mut raw_test_y = Vec::with_capacity(set.len());
        let (x_pooled, y_pooled) = pooled_within_scales(set);
        let x_floor = x_pooled * SCALE_FLOOR;
        let y_floor = y_pooled * SCALE_FLOOR;
        for task in set.tasks() {
            let mut scaler = Scaler::fit_with_floor(&task.train, &x_floor, y_floor);
            if set.problem().is_classification() {
                scaler.y_mean = 0.0;
                scaler.y_scale = 1.0;
            }
            tasks.push(Task {
                id: task.id.clone(),
                train: scaler.transform(&task.train),
                test: scaler.transform(&task.test),
                group: task.group,
            });
            raw_test_y.push(task.test.y.clone());
            scalers.push(scaler);
        }
        let standardised = TaskSet::new(tasks)
            .expect("standardising keeps every TaskSet invariant: shapes, ids, finite values")
            .with_labels_of(set);
        Self {
            standardised,
            scalers,
            raw_test_y,
        }
    }

    /// Number of tasks `T`.
    pub fn len(&self) -> usize {
        self.standardised.len()
    }

    /// Always false (a task set is never empty).
    pub fn is_empty(&self) -> bool {
        self.standardised.is_empty()
    }

    /// The standardised tasks.
    pub fn tasks(&self) -> &[Task] {
        self.standardised.tasks()
    }

    /// Each task's training features in the data's own units, recovered from the standardised
    /// ones and the task's scaler (`x_std * scale + mean`, exact to rounding): `[n_v, d]` per
    /// task.
    pub fn raw_train_features(&self) -> Vec<DMatrix<f64>> {
        self.tasks()
            .iter()
            .zip(&self.scalers)
            .map(|(task, scaler)| {
                let mut x = task.train.x.clone();
                for (j, mut column) in x.column_iter_mut().enumerate() {
                    column.apply(|v| *v = *v * scaler.x_scale[j] + scaler.x_mean[j]);
                }
                x
            })
            .collect()
    }
}

/// Feature matrices `[n_v, d]` standardised with the statistics of all their rows pooled: each
/// column's mean and population standard deviation over every row of every matrix (a constant
/// column keeps scale 1, as in [`Scaler`]).
pub fn pooled_standardised(x: &[DMatrix<f64>]) -> Vec<DMatrix<f64>> {
    let d = x.first().map_or(0, |m| m.ncols());
    let scales: Vec<(f64, f64)> = (0..d)
        .map(|j| {
            mean_and_scale(
                x.iter()
                    .flat_map(|m| (0..m.nrows()).map(move |i| m[(i, j)])),
                0.0,
            )
        })
        .collect();
    x.iter()
        .map(|m| {
            let mut m = m.clone();
            for (j, mut column) in m.column_iter_mut().enumerate() {
                let (mean, scale) = scales[j];
                column.apply(|v| *v = (*v - mean) / scale);
            }
            m
        })
        .collect()
}

/// Builds the pooled training split of all tasks (rows stacked in task order): `[sum n_v, d]`.
pub fn pooled_train(set: &TaskSet) -> Split {
    let d = set.n_features();
    let n: usize = set.tasks().iter().map(|t| t.train.n_rows()).sum();
    let mut x = DMatrix::zeros(n, d);
    let mut y = DVector::zeros(n);
    let mut row = 0;
    for task in set.tasks() {
        let rows = task.train.n_rows();
        x.rows_mut(row, rows).copy_from(&task.train.x);
        y.rows_mut(row, rows).copy_from(&task.train.y);
        row += rows;
    }
    Split::new(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use nalgebra::{dmatrix, dvector};

    #[test]
    fn standardises_with_training_statistics_only() {
        // Hand calculation: column 0 = [1, 2, 3] has mean 2, population std sqrt(2/3);
        // column 1 is constant (scale 1); y = [2, 4, 6] has mean 4, std 2 sqrt(2/3).
        let train = Split::new(
            dmatrix![1.0, 5.0; 2.0, 5.0; 3.0, 5.0],
            dvector![2.0, 4.0, 6.0],
        );
        let test = Split::new(dmatrix![4.0, 7.0], dvector![8.0]);
        let s = Scaler::fit(&train);
        let sd = (2.0f64 / 3.0).sqrt();
        assert_abs_diff_eq!(s.x_mean[0], 2.0, epsilon = 1e-12);
        assert_abs_diff_eq!(s.x_scale[0], sd, epsilon = 1e-12);
        assert_abs_diff_eq!(s.x_scale[1], 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(s.y_scale, 2.0 * sd, epsilon = 1e-12);
        let t = s.transform(&test);
        assert_abs_diff_eq!(t.x[(0, 0)], 2.0 / sd, epsilon = 1e-12);
        assert_abs_diff_eq!(t.x[(0, 1)], 2.0, epsilon = 1e-12);
        assert_abs_diff_eq!(t.y[0], 4.0 / (2.0 * sd), epsilon = 1e-12);
        assert_abs_diff_eq!(s.inverse_target(t.y[0]), 8.0, epsilon = 1e-12);
    }

    #[test]
    fn tiny_tasks_scale_at_least_a_quarter_of_the_pooled_spread() {
        // Task a: x = [0, 2, 4, 6] (population variance 5); task b: x = [10, 10.2] (variance
        // 0.01). Pooled within-task variance (4 * 5 + 2 * 0.01) / 6 = 20.02 / 6 by hand, so b's
        // scale is 0.25 sqrt(20.02 / 6) instead of its own 0.1; a keeps its own sqrt(5).
        let task = |id: &str, x: Vec<f64>| {
            let n = x.len();
            let split = Split::new(DMatrix::from_vec(n, 1, x), DVector::from_element(n, 1.0));
            Task {
                id: id.into(),
                train: split.clone(),
                test: split,
                group: None,
            }
        };
        let set = TaskSet::new(vec![
            task("a", vec![0.0, 2.0, 4.0, 6.0]),
            task("b", vec![10.0, 10.2]),
        ])
        .unwrap();
        let data = StandardisedTaskSet::new(&set);
        assert_abs_diff_eq!(data.scalers[0].x_scale[0], 5f64.sqrt(), epsilon = 1e-12);
        let floor = 0.25 * (20.02f64 / 6.0).sqrt();
        assert_abs_diff_eq!(data.scalers[1].x_scale[0], floor, epsilon = 1e-12);
        // A constant target everywhere keeps scale 1.
        assert_abs_diff_eq!(data.scalers[1].y_scale, 1.0, epsilon = 1e-12);
    }

    #[test]
    fn pooled_standardisation_by_hand_and_raw_features_recovered() {
        // Column 0 pooled over [1, 3] and [5, 7]: mean 4, population std sqrt(5); column 1 is
        // constant (its mean removed, scale 1).
        let a = dmatrix![1.0, 2.0; 3.0, 2.0];
        let b = dmatrix![5.0, 2.0; 7.0, 2.0];
        let pooled = pooled_standardised(&[a.clone(), b.clone()]);
        let s5 = 5f64.sqrt();
        assert_abs_diff_eq!(
            pooled[0],
            dmatrix![-3.0 / s5, 0.0; -1.0 / s5, 0.0],
            epsilon = 1e-12
        );
        assert_abs_diff_eq!(
            pooled[1],
            dmatrix![1.0 / s5, 0.0; 3.0 / s5, 0.0],
            epsilon = 1e-12
        );
        let set = TaskSet::new(vec![
            Task {
                id: "a".into(),
                train: Split::new(a.clone(), dvector![1.0, 2.0]),
                test: Split::new(a.clone(), dvector![1.0, 2.0]),
                group: None,
            },
            Task {
                id: "b".into(),
                train: Split::new(b.clone(), dvector![0.0, 4.0]),
                test: Split::new(b.clone(), dvector![0.0, 4.0]),
                group: None,
            },
        ])
        .unwrap();
        let raw = StandardisedTaskSet::new(&set).raw_train_features();
        assert_abs_diff_eq!(raw[0], a, epsilon = 1e-12);
        assert_abs_diff_eq!(raw[1], b, epsilon = 1e-12);
    }

    #[test]
    fn pools_rows_in_task_order() {
        let a = Split::new(dmatrix![1.0; 2.0], dvector![1.0, 2.0]);
        let b = Split::new(dmatrix![3.0], dvector![3.0]);
        let set = TaskSet::new(vec![
            Task {
                id: "a".into(),
                train: a.clone(),
                test: a,
                group: None,
            },
            Task {
                id: "b".into(),
                train: b.clone(),
                test: b,
                group: None,
            },
        ])
        .unwrap();
        let pooled = pooled_train(&set);
        assert_eq!(pooled.x.as_slice(), &[1.0, 2.0, 3.0]);
        assert_eq!(pooled.y.as_slice(), &[1.0, 2.0, 3.0]);
    }
}
