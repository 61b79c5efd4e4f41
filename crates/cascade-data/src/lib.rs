//! Task collections for cascaded transfer learning.
//!
//! A [`TaskSet`] holds many related supervised tasks that share one feature dimension: per task an
//! id, a training split and a test split. [`StandardisedTaskSet`] rescales every task with its own
//! training statistics (SPEC 2.1) and maps predictions back to the data's units. The synthetic
//! generator [`synthetic::SyntheticConfig`] draws the paper's clustered Syn-tau tasks; [`images`]
//! reads Fashion-MNIST, CIFAR-10 and image folders and builds binary tasks on class pairs.
//!
//! [`TaskSet::validation_split`] holds out part of each task's training rows for tuning.
//!
//! Matrices are `nalgebra::DMatrix<f64>` with one row per example: shape `[n, d]`.

#![warn(missing_docs)]

mod csv_util;
pub mod electricity;
mod error;
pub mod images;
mod loaded;
mod schema;
mod standardise;
pub mod synthetic;
mod task;
pub mod tasks_csv;
mod validation;

pub use error::DataError;
pub use loaded::{LoadedTasks, SkippedTask};
pub use schema::{DataSchema, FeatureColumn, Rows, read_rows};
pub use standardise::{
    SCALE_FLOOR, Scaler, StandardisedTaskSet, pooled_standardised, pooled_train,
};
pub use task::{Problem, Split, Task, TaskSet};

/// The repository's root while this crate's tests run, from cargo's run-time
/// `CARGO_MANIFEST_DIR`: the checkout being tested. The compile-time value is only the fallback,
/// since a test binary in a target directory shared by several checkouts (CI's clones) keeps the
/// path it was built in, which may be another clone, or a deleted one.
#[cfg(test)]
pub(crate) fn repo_root() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || env!("CARGO_MANIFEST_DIR").into(),
            std::path::PathBuf::from,
        )
        .join("../..")
}

/// Re-exported so users build [`Split`]s without naming nalgebra themselves.
pub use nalgebra::{DMatrix, DVector};
