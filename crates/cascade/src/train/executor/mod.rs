//! Executors: what trains a set of jobs (plans with their data) on a device.

mod choice;

pub use choice::ExecutorChoice;
