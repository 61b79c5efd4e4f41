//! The budget settings ([`BudgetConfig`]): the total `B`, the root's seed fraction, the
//! allocation rule and the rounding, with their checks.

use serde::{Deserialize, Serialize};

use super::allocation::Allocation;
use super::rounding::Rounding;
use crate::CascadeError;

fn default_seed_fraction() -> f64 {
    0.1
}

/// Everything that decides the budgets: the total `B`, the seed fraction `f`, the allocation
/// rule and the rounding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetConfig {
    /// `B`: gradient steps over all tasks together.
    pub total: usize,
    /// `f`: the root gets `max(1, floor(f B))` steps (default 0.1).
    #[serde(default = "default_seed_fraction")]
    pub seed_fraction: f64,
    /// How the rest is shared among the non-root tasks.
    #[serde(default)]
    pub allocation: Allocation,
    /// How shares become whole steps.
    #[serde(default)]
    pub rounding: Rounding,
}

impl BudgetConfig {
    /// Total `total`, seed fraction 0.1, uniform allocation, largest-remainder rounding.
    pub fn new(total: usize) -> Self {
        Self {
            total,
            seed_fraction: default_seed_fraction(),
            allocation: Allocation::default(),
            rounding: Rounding::default(),
        }
    }

    /// Checks `total >= 1`, `seed_fraction` finite in `[0, 1]` and finite exponents.
    pub fn validate(&self) -> Result<(), CascadeError> {
        if self.total == 0 {
            return Err(CascadeError::InvalidSetting {
                name: "budget",
                value: "0".into(),
                reason: "the total budget B must be at least 1 step".into(),
            });
        }
        let f = self.seed_fraction;
        if !(f.is_finite() && (0.0..=1.0).contains(&f)) {
            return Err(CascadeError::InvalidSetting {
                name: "seed fraction",
                value: f.to_string(),
                reason: "the root's share f of the budget must be a number in [0, 1]".into(),
            });
        }
        self.allocation.validate()
    }

    /// The root's seed budget `max(1, floor(f B))`, at most `B`.
    pub fn seed_steps(&self) -> usize {
        // Plain floor of the float product, as the research code's int(f * B) does.
        let seed = (self.seed_fraction * self.total as f64).floor() as usize;
        seed.max(1).min(self.total)
    }
}
