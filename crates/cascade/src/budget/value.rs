//! The [`Budget`] value: the gradient steps of every task.

use serde::{Deserialize, Serialize};

/// Steps per task, in task order; sums to the total budget exactly (unless it was integerised
/// with [`Rounding::FloorDivision`](super::Rounding::FloorDivision)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// `b_v` for every task `v`.
    pub steps: Vec<usize>,
}

impl Budget {
    /// The sum of the steps of all tasks.
    pub fn total(&self) -> usize {
        self.steps.iter().sum()
    }

    /// Tasks with no step at all: they keep their parent's parameters unchanged (a from-scratch
    /// root with 0 steps keeps its initialisation). Callers should warn about these.
    pub fn zero_step_tasks(&self) -> Vec<usize> {
        (0..self.steps.len())
            .filter(|&v| self.steps[v] == 0)
            .collect()
    }

    /// `b_v`. Panics if `v` is out of range.
    pub fn get(&self, v: usize) -> usize {
        self.steps[v]
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True when there are no tasks.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}
