use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::DataError;

/// One split of a task: features `x: [n, d]` and targets `y: [n]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Feature matrix, one row per example: `[n, d]`.
    pub x: DMatrix<f64>,
    /// Targets: `[n]`.
    pub y: DVector<f64>,
}

impl Split {
    /// A split from its features `[n, d]` and targets `[n]` (shapes are checked by [`TaskSet::new`]).
    pub fn new(x: DMatrix<f64>, y: DVector<f64>) -> Self {
        Self { x, y }
    }

    /// Number of rows `n`.
    pub fn n_rows(&self) -> usize {
        self.x.nrows()
    }
}

/// One task: an id, its training split and its held-out test split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Unique, human-readable id (a substation name, a client id, `task-17`).
    pub id: String,
    /// Training data: the only data distances, trees and training may look at.
    pub train: Split,
    /// Held-out test data, used only to evaluate.
    pub test: Split,
    /// Ground-truth group where the generator knows one (the Syn-tau cluster), for analysis only.
    pub group: Option<usize>,
}

/// What the targets are: real values, binary labels or class indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Real-valued targets: trained on the squared error, reported as MSE and RMSE in the
    /// target's own units (standardised per task, SPEC 2.1).
    #[default]
    Regression,
    /// Labels in {0, 1}: trained on the logistic loss, reported as accuracy at threshold 0.5
    /// (SPEC 5). Targets are never standardised.
    Binary,
    /// Class indices `0..classes` (stored as `0.0, 1.0, ...`): trained on the softmax
    /// cross-entropy of `classes` logits, reported as accuracy, log-loss and Brier score.
    /// Targets are never standardised.
    Multiclass {
        /// Number of classes `k` (at least 2).
        classes: usize,
    },
}

impl Problem {
    /// Outputs a model needs per row: 1 for regression and binary labels, `k` for `k` classes.
    pub fn outputs(self) -> usize {
        match self {
            Problem::Regression | Problem::Binary => 1,
            Problem::Multiclass { classes } => classes,
        }
    }

    /// True for labels (binary or classes), whose targets are never standardised.
    pub fn is_classification(self) -> bool {
        !matches!(self, Problem::Regression)
    }

    /// Number of classes: 2 for binary labels, `k` for classes, `None` for regression.
    pub fn classes(self) -> Option<usize> {
        match self {
            Problem::Regression => None,
            Problem::Binary => Some(2),
            Problem::Multiclass { classes } => Some(classes),
        }
    }
}

/// A validated collection of related tasks sharing one feature dimension `d`.
///
/// Construction checks every invariant the method relies on, so later stages never meet
/// ragged feature counts, mismatched rows, empty splits, duplicate ids or non-finite values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSet {
    tasks: Vec<Task>,
    n_features: usize,
    #[serde(default)]
    problem: Problem,
    /// `[channels, height, width]` when each feature row is an image flattened channel-major.
    #[serde(default)]
    image_shape: Option<[usize; 3]>,
    /// The name of each class, by index, for class targets (empty otherwise).
    #[serde(default)]
    class_names: Vec<String>,
}

impl TaskSet {
    /// Validates and wraps `tasks`; the error names the task, split, row and column at fault.
    pub fn new(tasks: Vec<Task>) -> Result<Self, DataError> {
        let first = tasks.first().ok_or(DataError::Empty)?;
        let n_features = first.train.x.ncols();
        let mut seen = std::collections::HashSet::new();
        for task in &tasks {
            if !seen.insert(task.id.as_str()) {
                return Err(DataError::DuplicateId(task.id.clone()));
            }
            for (name, split) in [("train", &task.train), ("test", &task.test)] {
                check_split(task, name, split, n_features, &first.id)?;
            }
        }
        Ok(Self {
            tasks,
            n_features,
            problem: Problem::Regression,
            image_shape: None,
            class_names: Vec::new(),
        })
    }

    /// Marks the targets as class indices into `names` (class `c` is named `names[c]`); every
    /// target must be one of `0, 1, ..., k - 1` with `k = names.len() >= 2` (the error names the
    /// task, split and row of the first other value).
    pub fn into_classes(mut self, names: Vec<String>) -> Result<Self, DataError> {
        let classes = names.len();
        if classes < 2 {
            return Err(DataError::InvalidSetting {
                name: "classes",
                value: classes.to_string(),
                reason: "classification needs at least 2 classes",
            });
        }
        for task in &self.tasks {
            for (split, data) in [("train", &task.train), ("test", &task.test)] {
                if let Some(row) = data
                    .y
                    .iter()
                    .position(|&v| v.fract() != 0.0 || v < 0.0 || v >= classes as f64)
                {
                    return Err(DataError::NotClass {
                        task: task.id.clone(),
                        split,
                        row,
                        value: data.y[row],
                        classes,
                    });
                }
            }
        }
        self.problem = Problem::Multiclass { classes };
        self.class_names = names;
        Ok(self)
    }

    /// The class names by index, for class targets; empty for regression and binary labels.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The same tasks with the target kind, class names and image shape of `other` (whose
    /// targets these are, rescaled or not, or a subset of them: the caller's promise, since
    /// the targets are not checked again).
    pub fn with_labels_of(mut self, other: &TaskSet) -> Self {
        self.problem = other.problem;
        self.class_names = other.class_names.clone();
        self.image_shape = other.image_shape;
        self
    }

    /// Marks the targets as binary labels; every target must be 0 or 1 (the error names the
    /// task, split and row of the first other value).
    pub fn into_binary(mut self) -> Result<Self, DataError> {
        for task in &self.tasks {
            for (split, data) in [("train", &task.train), ("test", &task.test)] {
                if let Some(row) = data.y.iter().position(|&v| v != 0.0 && v != 1.0) {
                    return Err(DataError::NotBinary {
                        task: task.id.clone(),
                        split,
                        row,
                        value: data.y[row],
                    });
                }
            }
        }
        self.problem = Problem::Binary;
        Ok(self)
    }

    /// Declares each feature row to be an image of shape `[channels, height, width]`, flattened
    /// channel-major (all of channel 0 row by row, then channel 1, ...), for convolutional models.
    pub fn with_image_shape(mut self, shape: [usize; 3]) -> Result<Self, DataError> {
        let pixels = shape.iter().product::<usize>();
        if pixels != self.n_features {
            return Err(DataError::InvalidSetting {
                name: "image_shape",
                value: format!("{shape:?}"),
                reason: "channels x height x width must equal the number of features",
            });
        }
        self.image_shape = Some(shape);
        Ok(self)
    }

    /// Whether targets are real values, binary labels or class indices.
    pub fn problem(&self) -> Problem {
        self.problem
    }

    /// `[channels, height, width]` when the features are flattened images.
    pub fn image_shape(&self) -> Option<[usize; 3]> {
        self.image_shape
    }

    /// The tasks, in their stable order (task index = position here).
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    /// Number of tasks `T`.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Always false: a `TaskSet` holds at least one task.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Shared feature dimension `d`.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The task ids in order.
    pub fn ids(&self) -> Vec<&str> {
        self.tasks.iter().map(|t| t.id.as_str()).collect()
    }

    /// Whether every task has the same number of training rows (some distances need it).
    pub fn equal_train_rows(&self) -> bool {
        let n = self.tasks[0].train.n_rows();
        self.tasks.iter().all(|t| t.train.n_rows() == n)
    }
}

fn check_split(
    task: &Task,
    split_name: &'static str,
    split: &Split,
    n_features: usize,
    first_id: &str,
) -> Result<(), DataError> {
    if split.x.ncols() != n_features {
        return Err(DataError::FeatureMismatch {
            task: task.id.clone(),
            first: first_id.to_string(),
            expected: n_features,
            found: split.x.ncols(),
        });
    }
    if split.x.nrows() != split.y.len() {
        return Err(DataError::RowMismatch {
            task: task.id.clone(),
            split: split_name,
            x_rows: split.x.nrows(),
            y_rows: split.y.len(),
        });
    }
    if split.x.nrows() == 0 {
        return Err(DataError::EmptySplit {
            task: task.id.clone(),
            split: split_name,
        });
    }
    let non_finite = |row: usize, column: String, value: f64| DataError::NonFinite {
        task: task.id.clone(),
        split: split_name,
        row,
        column,
        value,
    };
    for (row, value) in split.y.iter().enumerate() {
        if !value.is_finite() {
            return Err(non_finite(row, "target".into(), *value));
        }
    }
    for row in 0..split.x.nrows() {
        for col in 0..n_features {
            let value = split.x[(row, col)];
            if !value.is_finite() {
                return Err(non_finite(row, format!("feature {col}"), value));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, n: usize, d: usize) -> Task {
        let split = Split::new(DMatrix::zeros(n, d), DVector::zeros(n));
        Task {
            id: id.into(),
            train: split.clone(),
            test: split,
            group: None,
        }
    }

    #[test]
    fn accepts_ragged_rows_with_shared_features() {
        let set = TaskSet::new(vec![task("a", 3, 2), task("b", 5, 2)]).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.n_features(), 2);
        assert!(!set.equal_train_rows());
    }

    #[test]
    fn rejects_bad_collections_with_named_errors() {
        assert_eq!(TaskSet::new(vec![]), Err(DataError::Empty));
        let err = TaskSet::new(vec![task("a", 3, 2), task("b", 3, 4)]).unwrap_err();
        assert!(err.to_string().contains("task 'b' has 4 features"), "{err}");
        let err = TaskSet::new(vec![task("a", 3, 2), task("a", 3, 2)]).unwrap_err();
        assert_eq!(err, DataError::DuplicateId("a".into()));
        let mut bad = task("c", 3, 2);
        bad.test.y = DVector::zeros(2);
        let err = TaskSet::new(vec![bad]).unwrap_err();
        assert!(
            err.to_string()
                .contains("test split: X has 3 rows but y has 2")
        );
        let mut nan = task("d", 3, 2);
        nan.train.x[(1, 0)] = f64::NAN;
        let err = TaskSet::new(vec![nan]).unwrap_err().to_string();
        assert!(
            err.contains("task 'd', train split, row 1, feature 0"),
            "{err}"
        );
        let err = TaskSet::new(vec![task("e", 0, 2)]).unwrap_err();
        assert!(matches!(err, DataError::EmptySplit { .. }));
    }
}
