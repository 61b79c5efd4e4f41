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
//! // MST over the gradient distance, 5 steps a task, learning rates from the data. Fitting
//! // reads only the training rows; scoring the held-out rows is a separate call.
//! let (trained, report) =
//!     CascadeTrainer::new(5 * tasks.len()).fit(&tasks, &ModelKind::Linear, &device)?;
//! assert_eq!(report.steps_used, 150);
//! let errors = trained.evaluate_set(&tasks)?;
//! let mse = errors.iter().map(|e| e.mse).sum::<f64>() / errors.len() as f64;
//! println!("mean test MSE {mse:.1}, trained by {}", report.trained_by);
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
//! Comparing methods on the same data and seeds, with any model and loss, is one call of the
//! harness ([`experiment::compare_grid_with`]; [`experiment::compare_on`] with the data's
//! built-in loss):
//!
//! ```
//! use cascade::experiment::{CompareConfig, compare_on};
//! use cascade::method::Method;
//! use cascade::plan::PlanConfig;
//! use cascade::train::{ExecutorChoice, TrainConfig};
//! use cascade_data::synthetic::SyntheticConfig;
//! use cascade_models::{Backend, ModelKind};
//! use rand::SeedableRng;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tasks = SyntheticConfig { n_tasks: 30, ..Default::default() }
//!     .generate(&mut rand::rngs::StdRng::seed_from_u64(7))?;
//! let config = CompareConfig {
//!     methods: vec!["indiv".parse()?, "global".parse()?, "mst-gradient".parse::<Method>()?],
//!     plan: PlanConfig::new(150),
//!     train: TrainConfig::default(),
//!     model: ModelKind::Linear,
//!     executor: ExecutorChoice::Auto,
//! };
//! let device = Backend::Flex.device()?.device;
//! for outcome in compare_on(&tasks, &config, 7, &device)? {
//!     let run = &outcome.run;
//!     println!("{}: {:.1} ({})", outcome.plan.method, run.mean_mse(), run.trained_by);
//! }
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
pub mod blocks;
pub mod budget;
pub mod distance;
mod error;
pub mod experiment;
pub mod jobs;
pub mod method;
mod parallel;
pub mod plan;
pub mod progress;
pub mod report;
pub mod root;
pub mod train;
pub mod trained;
pub mod tree;
pub mod tune;

pub use error::CascadeError;
