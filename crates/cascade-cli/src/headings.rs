//! The headings that group options in `--help`.

/// Which methods, how many repetitions, and the master seed.
pub const RUN: &str = "Methods and repetitions";
/// `--data` and what every kind of data shares.
pub const DATA: &str = "Data";
/// The Syn-tau generator (and the task counts of image tasks).
pub const SYNTHETIC: &str = "Synthetic tasks";
/// `--data electricity`.
pub const ELECTRICITY: &str = "Electricity data";
/// `--data tasks-csv`.
pub const TASKS_CSV: &str = "Grouped CSV data";
/// Image data.
pub const IMAGES: &str = "Image data";
/// The model and its training.
pub const TRAINING: &str = "Model and training";
/// Budget, root and tree.
pub const PLAN: &str = "Plan";
/// Device and executor.
pub const DEVICE: &str = "Device";
/// Files written.
pub const OUTPUT: &str = "Output";
/// `cascade tune`'s search.
pub const SEARCH: &str = "Search";
/// A plan cut into jobs.
pub const JOBS: &str = "Jobs of a plan folder";
