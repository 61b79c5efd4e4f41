//! Saying which learning rates a run used: with `--eta auto` they come from the data, so the
//! chosen values are printed and recorded in the JSON.

use cascade::experiment::MethodOutcome;
use cascade::method::Method;
use cascade::train::{Eta, StepRule, step_rule};
use cascade_models::ModelKind;
use serde::Serialize;

/// The learning rates of one repetition: the rule, their range over tasks, and the pooled
/// model's.
#[derive(Debug, Clone, Serialize)]
pub struct EtaSummary {
    /// `fixed`, `curvature` or `backtracking`.
    pub rule: StepRule,
    /// Smallest, median and largest learning rate over the tasks.
    pub min: f64,
    pub median: f64,
    pub max: f64,
    /// The pooled (Global) model's, when Global ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pooled: Option<f64>,
}

impl EtaSummary {
    /// The summary of `outcomes` (one repetition's methods) under `eta` and `model`; `None`
    /// when no method trained (only the Mean baseline).
    pub fn of(eta: Eta, model: ModelKind, outcomes: &[MethodOutcome]) -> Option<Self> {
        let mut etas: Vec<f64> = outcomes
            .iter()
            .filter(|o| !matches!(o.plan.method, Method::Global | Method::Mean))
            .take(1)
            .flat_map(per_task)
            .collect();
        let pooled = outcomes
            .iter()
            .find(|o| o.plan.method == Method::Global)
            .and_then(|o| per_task(o).next());
        if etas.is_empty() {
            etas.extend(pooled);
        }
        etas.sort_by(f64::total_cmp);
        Some(Self {
            rule: step_rule(eta, &model),
            min: *etas.first()?,
            median: etas[etas.len() / 2],
            max: *etas.last()?,
            pooled,
        })
    }

    /// One line for the results header, e.g. `eta = auto (1/L per task): median 0.2100
    /// [0.1200, 0.2500] over tasks, global 0.4900`.
    pub fn line(&self) -> String {
        let range = if self.min == self.max {
            short(self.median)
        } else {
            format!(
                "median {} [{}, {}] over tasks",
                short(self.median),
                short(self.min),
                short(self.max)
            )
        };
        let pooled = self
            .pooled
            .filter(|p| *p != self.median || self.min != self.max)
            .map_or(String::new(), |p| format!(", global {}", short(p)));
        match self.rule {
            // A fixed eta is shown exactly, as given.
            StepRule::Fixed => format!("eta = {}", self.median),
            StepRule::Curvature => {
                format!("eta = auto (1/L of the training loss): {range}{pooled}")
            }
            StepRule::Backtracking => {
                format!("eta = auto (backtracking on the root's training loss): {range}")
            }
        }
    }
}

/// Four significant digits (at most 6 decimals).
fn short(value: f64) -> String {
    format!("{value:.*}", crate::table::decimals(value))
}

/// The learning rates of an outcome's tasks (none for the Mean baseline).
fn per_task(outcome: &MethodOutcome) -> impl Iterator<Item = f64> + '_ {
    outcome.run.tasks.iter().filter_map(|t| t.eta)
}
