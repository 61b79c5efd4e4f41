//! Splitting the budget of B gradient steps over the tasks (SPEC 4).
//!
//! The root gets the seed budget `b_s = max(1, floor(f B))`; the rest is split over the other
//! tasks in proportion to a weight per task ([`Allocation`]) and integerised by largest
//! remainder ([`Rounding`]), so the budgets sum to `B` exactly. A forest (Indiv) splits `B`
//! evenly over its tasks.
//!
//! The files: the [`Budget`] value (`value.rs`), the allocation rules and their names
//! (`allocation.rs`), integerisation (`rounding.rs`), the settings (`config.rs`) and
//! [`allocate`], which puts them together (`allocate.rs`).

mod allocate;
mod allocation;
mod config;
mod rounding;
mod value;

pub use allocate::{allocate, allocate_with};
pub use allocation::{Allocation, EDGE_EPS};
pub use config::BudgetConfig;
pub use rounding::{Rounding, largest_remainder, split_evenly};
pub use value::Budget;

#[cfg(test)]
mod tests;
