//! Holding out part of each task's training rows as a validation set, for tuning
//! hyperparameters without ever looking at the test rows.

use rand::Rng;
use rand::seq::SliceRandom;

use crate::{DataError, Problem, Split, Task, TaskSet};

impl TaskSet {
    /// A task set for tuning: in every task a seeded random subset of `round(fraction * n)`
    /// (at least 1) of its `n` TRAINING rows becomes the new test split (the validation rows),
    /// the other training rows the new training split, both in their original order. The
    /// original test rows are dropped, so nothing tuned on the result has seen them. The
    /// problem kind, the image shape and the task ids and groups are kept.
    ///
    /// Errors: `fraction` not in the open interval (0, 1), or a task left without a training
    /// or a validation row (the error names the task).
    pub fn validation_split<R: Rng + ?Sized>(
        &self,
        fraction: f64,
        rng: &mut R,
    ) -> Result<TaskSet, DataError> {
        if !(fraction > 0.0 && fraction < 1.0) {
            return Err(DataError::InvalidSetting {
                name: "validation fraction",
                value: fraction.to_string(),
                reason: "must be a number strictly between 0 and 1",
            });
        }
        let tasks = self
            .tasks()
            .iter()
            .map(|task| split_task(task, fraction, rng))
            .collect::<Result<Vec<_>, _>>()?;
        let mut set = TaskSet::new(tasks)?;
        if self.problem() == Problem::Binary {
            set = set.into_binary()?;
        }
        if let Some(shape) = self.image_shape() {
            set = set.with_image_shape(shape)?;
        }
        Ok(set)
    }
}

/// `task` with a random `round(fraction * n)` (at least 1) of its training rows as test rows.
fn split_task<R: Rng + ?Sized>(task: &Task, fraction: f64, rng: &mut R) -> Result<Task, DataError> {
    let n = task.train.n_rows();
    let n_validation = ((fraction * n as f64).round() as usize).max(1);
    if n_validation >= n {
        return Err(DataError::CannotHoldOut {
            task: task.id.clone(),
            rows: n,
            fraction,
            validation: n_validation.min(n),
            train: n.saturating_sub(n_validation),
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let mut held_out = vec![false; n];
    for &i in &order[..n_validation] {
        held_out[i] = true;
    }
    let (validation, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| held_out[i]);
    let rows = |rows: &[usize]| {
        Split::new(
            task.train.x.select_rows(rows),
            task.train.y.select_rows(rows),
        )
    };
    Ok(Task {
        id: task.id.clone(),
        train: rows(&train),
        test: rows(&validation),
        group: task.group,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use nalgebra::{DMatrix, DVector};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    /// Tasks whose rows say where they come from: feature 0 is the task, feature 1 the row
    /// index plus 1000 in the test split; the target is 0 or 1 so the set can be binary.
    fn labelled(n_train: &[usize], n_test: usize) -> TaskSet {
        let split = |t: usize, n: usize, offset: f64| {
            Split::new(
                DMatrix::from_fn(
                    n,
                    2,
                    |r, c| if c == 0 { t as f64 } else { offset + r as f64 },
                ),
                DVector::from_fn(n, |r, _| (r % 2) as f64),
            )
        };
        let tasks = n_train
            .iter()
            .enumerate()
            .map(|(t, &n)| Task {
                id: format!("task-{t}"),
                train: split(t, n, 0.0),
                test: split(t, n_test, 1000.0),
                group: Some(t % 2),
            })
            .collect();
        TaskSet::new(tasks).unwrap()
    }

    fn row_ids(split: &Split) -> Vec<usize> {
        (0..split.n_rows())
            .map(|r| split.x[(r, 1)] as usize)
            .collect()
    }

    #[test]
    fn counts_round_and_splits_are_disjoint_subsets_of_the_training_rows() {
        let set = labelled(&[64, 10, 3], 128).into_binary().unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let split = set.validation_split(0.25, &mut rng).unwrap();
        assert_eq!(split.problem(), Problem::Binary);
        assert_eq!(split.ids(), set.ids());
        // round(0.25 * 64) = 16; round(2.5) = 3 (ties away from zero); round(0.75) = 1.
        for (task, (n_train, n_val)) in split.tasks().iter().zip([(48, 16), (7, 3), (2, 1)]) {
            assert_eq!((task.train.n_rows(), task.test.n_rows()), (n_train, n_val));
            let train: HashSet<usize> = row_ids(&task.train).into_iter().collect();
            let validation: HashSet<usize> = row_ids(&task.test).into_iter().collect();
            assert!(train.is_disjoint(&validation));
            // Every row is an original training row (below 1000), none of the test rows.
            assert!(train.iter().chain(&validation).all(|&r| r < 1000));
            assert_eq!(train.len() + validation.len(), n_train + n_val);
            // Rows keep their original order, and their task.
            let ids = row_ids(&task.train);
            assert!(ids.windows(2).all(|w| w[0] < w[1]));
        }
        assert_eq!(split.tasks()[1].group, Some(1));
    }

    #[test]
    fn the_same_seed_gives_the_same_split() {
        let set = labelled(&[40, 40], 8);
        let a = set
            .validation_split(0.3, &mut StdRng::seed_from_u64(3))
            .unwrap();
        let b = set
            .validation_split(0.3, &mut StdRng::seed_from_u64(3))
            .unwrap();
        let c = set
            .validation_split(0.3, &mut StdRng::seed_from_u64(4))
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn bad_fractions_and_too_small_tasks_are_named_errors() {
        let set = labelled(&[10, 1], 4);
        let mut rng = StdRng::seed_from_u64(0);
        for bad in [0.0, 1.0, 1.5, -0.1, f64::NAN] {
            let err = set.validation_split(bad, &mut rng).unwrap_err().to_string();
            assert!(err.contains("validation fraction"), "{err}");
        }
        let err = set.validation_split(0.2, &mut rng).unwrap_err().to_string();
        assert!(err.contains("task 'task-1' has 1 training row"), "{err}");
        // round(0.9 * 10) = 9 leaves 1 training row: fine; 0.96 rounds to all 10.
        let set = labelled(&[10, 10], 4);
        assert!(set.validation_split(0.9, &mut rng).is_ok());
        let err = set
            .validation_split(0.96, &mut rng)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("task 'task-0'") && !err.contains('\n'),
            "{err}"
        );
    }

    #[test]
    fn image_shapes_are_kept() {
        let set = labelled(&[6, 6], 2).with_image_shape([1, 1, 2]).unwrap();
        let split = set
            .validation_split(0.5, &mut StdRng::seed_from_u64(1))
            .unwrap();
        assert_eq!(split.image_shape(), Some([1, 1, 2]));
    }
}
