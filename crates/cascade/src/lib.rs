//! Cascaded transfer learning (CTL): learn many related tasks under one budget of gradient steps.
//!
//! The pipeline, each stage a plain function from one serialisable value to the next:
//! standardised [`cascade_data::TaskSet`] -> [`distance::DistanceMatrix`] -> root
//! ([`root::RootRule`]) -> [`tree::Tree`] -> [`budget::Budget`] -> [`plan::Plan`] -> trained
//! models and a per-task report ([`train`]).
//!
//! This crate is pure: no files, no printing, no command-line parsing. Every random choice takes
//! a seeded RNG from the caller. [`tune`] searches hyperparameters (random or TPE-like).

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
