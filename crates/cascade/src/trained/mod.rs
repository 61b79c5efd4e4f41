//! Trained cascades as values: train one method, keep every task's model, predict, evaluate,
//! save and load.
//!
//! [`CascadeTrainer`] runs the whole pipeline for one method (distances, root, tree, budget,
//! learning rates, top-down training) and returns a [`TrainedCascade`]: the plan, each task's
//! trained parameters and its scaler, and a training report (fitting reads only training rows;
//! [`TrainedCascade::evaluate_set`] scores held-out rows). The trained cascade
//! predicts for any of its tasks from raw rows (in the data's units), and saves to a directory
//! that [`TrainedCascade::load`] reads back on any device ([`store`]).

mod blocks;
mod cascade;
mod fit;
mod folder;
mod frozen;
pub mod store;

pub use cascade::TrainedCascade;
pub use fit::{CascadeTrainer, FitReport, Prepared, TaskTraining};
pub use frozen::BackboneEntry;
