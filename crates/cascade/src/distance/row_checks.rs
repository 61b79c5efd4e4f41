//! What some distances require of the tasks' training rows (equal counts, or a least count), as
//! errors that name the task at fault.

use cascade_data::Task;

use crate::CascadeError;

/// The common training row count `n`, or `DistanceNeedsEqualRows` naming the first task and the
/// first task whose count differs from it.
pub(super) fn require_equal_rows(
    tasks: &[Task],
    distance: &'static str,
) -> Result<usize, CascadeError> {
    let Some(first) = tasks.first() else {
        return Ok(0);
    };
    let n = first.train.n_rows();
    match tasks.iter().find(|t| t.train.n_rows() != n) {
        None => Ok(n),
        Some(other) => Err(CascadeError::DistanceNeedsEqualRows {
            distance,
            task_a: first.id.clone(),
            n_a: n,
            task_b: other.id.clone(),
            n_b: other.train.n_rows(),
        }),
    }
}

/// `TooFewRows` naming the first task with fewer than `need` training rows.
pub(super) fn require_rows(
    tasks: &[Task],
    distance: &'static str,
    need: usize,
) -> Result<(), CascadeError> {
    match tasks.iter().find(|t| t.train.n_rows() < need) {
        None => Ok(()),
        Some(task) => Err(CascadeError::TooFewRows {
            distance,
            task: task.id.clone(),
            n: task.train.n_rows(),
            need,
        }),
    }
}
