//! Executors: what trains a set of jobs (plans with their data, learning rates and seeds) on a
//! device, behind one trait.
//!
//! - [`DeviceBatched`]: level-synchronous on the device; every depth of every job (methods and
//!   stacked repetitions) is one batched program. Any model, any objective, any device.
//! - [`Reference`]: one task at a time in each plan's BFS order, as the research code does; the
//!   yardstick the batched executor must match.
//! - [`HostLinear`]: linear cascades under the squared error (one affine layer, one output, SGD
//!   on full batches, no L2) trained on the host in f64 from sufficient statistics; pooled and
//!   federated jobs still train on the device. It never runs unless chosen ([`resolve`] takes
//!   it for [`ExecutorChoice::Auto`] only on CPU devices).
//!
//! All three step through one rule ([`super::step`]: clipping, budget mask, divergence watch),
//! and each [`MethodRun`](super::MethodRun) they return names the executor and device that
//! trained it ([`TrainedBy`]). Implement [`Executor`] to train jobs some other way.

mod choice;
mod contract;
mod kinds;
mod resolve;

pub use super::job::{RunOptions, TrainedBy, device_name};
pub use choice::ExecutorChoice;
pub use contract::{Executor, Training};
pub use kinds::{DeviceBatched, HostLinear, Reference};
pub use resolve::resolve;
