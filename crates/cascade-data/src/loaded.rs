//! What a reader of real data returns: the tasks, and what it left out and why.

use serde::{Deserialize, Serialize};

use crate::TaskSet;

/// A task that a reader left out, with the reason (too few rows, gaps, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedTask {
    /// The task's id as it appears in the data (a node, a school, a class pair).
    pub id: String,
    /// Why it was left out, as a phrase ("12 rows, at least 4 needed").
    pub reason: String,
}

/// A task collection read from files: the tasks, the tasks left out, and notes worth showing
/// the user (explained variance of a PCA, a date range used, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadedTasks {
    /// The usable tasks.
    pub tasks: TaskSet,
    /// Tasks present in the data but left out, in the data's order.
    pub skipped: Vec<SkippedTask>,
    /// One-line facts about how the data was read.
    pub notes: Vec<String>,
}
