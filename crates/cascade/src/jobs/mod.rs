//! A plan as a DAG of jobs: below the root, a subtree needs only its parent task's trained
//! parameters, so a cascade's tree cuts into pieces that train as separate jobs, on a cluster's
//! scheduler or as local processes, each from its parent job's saved records.
//!
//! - [`JobList::cut`] cuts one plan into at most `K` jobs balanced by steps ([`cut`]);
//! - [`JobList`] is the list's versioned, documented form (`jobs.json`), readable by any
//!   scheduler: each job's tasks, its parent job and parent task, its steps;
//! - [`JobList::part`] turns one job into the [`Part`](crate::train::Part) that
//!   [`CascadeTrainer::fit_part`](crate::trained::CascadeTrainer::fit_part) trains;
//! - [`FinishedJob`] stores a trained job's records atomically and reads them back.
//!
//! Training every job, each from its parent job's records, and joining them
//! ([`CascadeTrainer::assemble`](crate::trained::CascadeTrainer::assemble)) gives the cascade
//! that training the whole plan in one process gives, bit for bit on a CPU device.

mod cut;
mod list;
mod records;

pub use cut::cut;
pub use list::{JOBS_FORMAT, JobList, JobSpec};
pub use records::{FINISHED_FORMAT, FinishedJob};
