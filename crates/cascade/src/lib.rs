//! Cascaded transfer learning (CTL): learn many related tasks under one budget of gradient steps.
//!
//! A task set, a model configuration and a budget in; a trained cascade out, one model per
//! task, that predicts, saves and loads:
//!
//! ```
//! use cascade::trained::{CascadeTrainer, TrainedCascade};
//! use cascade_data::synthetic::SyntheticConfig;
//! use cascade_models::{Backend, ModelKind};
//! use rand::SeedableRng;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // 30 related regression tasks (the paper's clustered Syn-tau tasks).
//! let tasks = SyntheticConfig { n_tasks: 30, ..Default::default() }
//!     .generate(&mut rand::rngs::StdRng::seed_from_u64(7))?;
//! let device = Backend::Flex.device()?.device;
//!
//! // MST over the gradient distance, 5 steps a task, learning rates from the data.
//! let (trained, report) =
//!     CascadeTrainer::new(5 * tasks.len()).fit(&tasks, &ModelKind::Linear, &device)?;
//! assert_eq!(report.steps_used, 150);
//! println!("mean test MSE {:.1}", report.mean_mse());
//!
//! // Save, load on any device, predict raw rows of any task in the data's units.
//! let dir = std::env::temp_dir().join("cascade-doc-example");
//! trained.save(&dir)?;
//! let loaded = TrainedCascade::<ModelKind>::load(&dir, &device)?;
//! let task = &tasks.tasks()[0];
//! let predictions = loaded.predict(&task.id, &task.test.x)?;
//! assert_eq!(predictions.len(), task.test.n_rows());
//! # Ok(())
//! # }
//! ```
//!
//! Your own model plugs in through [`cascade_models::TaskModelConfig`] (task-batched) or
//! [`cascade_models::PerTaskConfig`] (any single-task Burn module), and your own loss through
//! [`train::Objective`].
//!
//! The pipeline, each stage a plain function from one serialisable value to the next:
//! standardised [`cascade_data::TaskSet`] -> [`distance::DistanceMatrix`] -> root
//! ([`root::RootRule`]) -> [`tree::Tree`] -> [`budget::Budget`] -> [`plan::Plan`] -> trained
//! models and a per-task report ([`train`]) -> a [`trained::TrainedCascade`].
//!
//! This crate is pure: no printing, no command-line parsing, and no files except where a
//! trained cascade is explicitly saved or loaded ([`trained::store`]). Every random choice takes
//! a seeded RNG from the caller. [`tune`] searches hyperparameters (random or TPE-like).

#![warn(missing_docs)]

pub mod backbone;
pub mod budget;
pub mod distance;
mod error;
pub mod experiment;
pub mod method;
mod parallel;
pub mod plan;
pub mod report;
pub mod root;
pub mod train;
pub mod trained;
pub mod tree;
pub mod tune;

pub use error::CascadeError;
