//! A process-wide count of the task-steps training has taken, for progress displays.
//!
//! One task-step is one gradient step of one task; a batched level step of `T` active tasks
//! counts `T`. Every executor's training loop adds to the count as it goes, so a command can
//! show how far a long run is without the library printing anything: read [`task_steps`] before
//! and during the work and take the difference.
//!
//! A global counter rather than a meter passed in: training settings are `Copy` and saved with
//! results, and the [`crate::train::Executor`] trait users implement would otherwise have to
//! carry it. The count only grows, and nothing in the library reads it.

use std::sync::atomic::{AtomicU64, Ordering};

static TASK_STEPS: AtomicU64 = AtomicU64::new(0);

/// Task-steps taken in this process so far (by every thread).
pub fn task_steps() -> u64 {
    TASK_STEPS.load(Ordering::Relaxed)
}

/// Adds `n` task-steps to the count.
pub(crate) fn add_task_steps(n: usize) {
    TASK_STEPS.fetch_add(n as u64, Ordering::Relaxed);
}

/// Counts the task-steps of a batched loop whose task `t` takes `steps[t]` steps: at step `s`,
/// the tasks with `steps[t] > s` are active.
pub(crate) struct ActiveTasks {
    /// The budgets, ascending.
    sorted: Vec<usize>,
    /// How many budgets are spent (`<= step`).
    spent: usize,
}

impl ActiveTasks {
    /// The counter for tasks of budgets `steps`.
    pub(crate) fn new(steps: &[usize]) -> Self {
        let mut sorted = steps.to_vec();
        sorted.sort_unstable();
        Self { sorted, spent: 0 }
    }

    /// Adds the tasks active at `step` (steps come in increasing order) to the count.
    pub(crate) fn count(&mut self, step: usize) {
        while self.sorted.get(self.spent).is_some_and(|&b| b <= step) {
            self.spent += 1;
        }
        add_task_steps(self.sorted.len() - self.spent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batched_loop_counts_each_active_task_once_a_step() {
        // Budgets 0, 2, 3: steps 0 and 1 have two active tasks, step 2 one; 5 in all.
        let mut active = ActiveTasks::new(&[3, 0, 2]);
        let before = task_steps();
        for step in 0..3 {
            active.count(step);
        }
        // Other tests in this process may train at the same time: the count only grows.
        assert!(task_steps() - before >= 5);
        assert_eq!(active.spent, 2);
    }
}
