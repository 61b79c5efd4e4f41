//! Tuning one method: trials of (eta, seed fraction) scored on the validation rows of the
//! tuning repetitions.

use std::time::Instant;

use super::progress::TuneProgress;
use super::setup::{SearchSetup, search_seed};
use super::trial::TrialRecord;
use crate::checked::Checked;
use crate::error::CliError;
use cascade::CascadeError;
use cascade::experiment::{MethodOutcome, Repetition, compare_reps};
use cascade::method::Method;
use cascade::tune::{Dim, Tuner};
use cascade_models::burn::prelude::Device;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The outcome of tuning one method.
#[derive(Debug, Clone)]
pub struct MethodTuning {
    /// The method tuned.
    pub method: Method,
    /// What was searched.
    pub dims: Vec<Dim>,
    /// Every trial, in order.
    pub trials: Vec<TrialRecord>,
    /// Index into `trials` of the best one.
    pub best: usize,
    /// Wall-clock seconds of all trials.
    pub seconds: f64,
}

impl MethodTuning {
    /// The best trial.
    pub fn best(&self) -> &TrialRecord {
        &self.trials[self.best]
    }

    /// The most gradient steps any tuning repetition of any trial used.
    pub fn max_steps(&self) -> usize {
        self.trials
            .iter()
            .flat_map(|t| t.steps.iter().copied())
            .max()
            .unwrap_or(0)
    }

    /// How many trials diverged.
    pub fn failed(&self) -> usize {
        self.trials.iter().filter(|t| t.error.is_some()).count()
    }
}

/// What every method's tuning shares.
pub struct Tuning<'a> {
    /// The checked comparison settings (budget, root, model, executor); eta, the seed
    /// fraction and the methods are replaced per trial.
    pub base: &'a Checked,
    /// The tuning repetitions (validation task sets).
    pub reps: &'a [Repetition<'a>],
    /// Where to train.
    pub device: &'a Device,
    /// Ranges and search.
    pub setup: &'a SearchSetup,
    /// Trials per method.
    pub trials: usize,
    /// The run's master seed.
    pub seed: u64,
    /// Score 1 - accuracy (binary labels) rather than the MSE.
    pub binary: bool,
}

impl Tuning<'_> {
    /// Runs the trials of `method`. A trial whose training diverges is recorded, reported and
    /// counted as the worst value; any other error stops the run. Errors also when every
    /// trial diverged, or when a repetition used more steps than the budget.
    pub fn method(
        &self,
        method: Method,
        progress: &TuneProgress,
    ) -> Result<MethodTuning, CliError> {
        let dims = self.setup.dims(method);
        let mut tuner = Tuner::new(dims.clone(), self.setup.tuner)?;
        let mut rng = StdRng::seed_from_u64(search_seed(self.seed, &method));
        let budget = self.base.first().plan.budget.total;
        let start = Instant::now();
        let mut trials = Vec::with_capacity(self.trials);
        for trial in 1..=self.trials {
            let params = tuner.suggest(&mut rng);
            let (eta, f) = (params[0], params.get(1).copied());
            let config = self.base.tuned(method, eta, f)?;
            let trial_start = Instant::now();
            let result = compare_reps(self.reps, config.first(), self.device, |_| {});
            let seconds = trial_start.elapsed().as_secs_f64();
            let mut record = TrialRecord {
                trial,
                eta,
                seed_fraction: f,
                value: None,
                seconds,
                steps: Vec::new(),
                error: None,
            };
            match result {
                Ok(outcomes) => {
                    let runs: Vec<&MethodOutcome> = outcomes.iter().map(|rep| &rep[0]).collect();
                    record.steps = runs.iter().map(|o| o.run.steps_used).collect();
                    if let Some(&steps) = record.steps.iter().find(|&&s| s > budget) {
                        return Err(CliError::OverBudget {
                            method: method.to_string(),
                            what: format!("tuning trial {trial}"),
                            steps,
                            budget,
                        });
                    }
                    let errors: Vec<f64> = runs
                        .iter()
                        .map(|o| validation_error(o, self.binary))
                        .collect();
                    record.value = Some(errors.iter().sum::<f64>() / errors.len() as f64);
                }
                Err(e @ CascadeError::Diverged { .. }) => record.error = Some(e.to_string()),
                Err(e) => return Err(e.into()),
            }
            tuner.observe(params, record.value.unwrap_or(f64::INFINITY))?;
            let best = tuner.best().map(|t| t.value);
            progress.trial(method, self.trials, &record, best);
            trials.push(record);
        }
        let best = tuner
            .best()
            .and_then(|b| tuner.trials().iter().position(|t| std::ptr::eq(t, b)))
            .ok_or_else(|| CliError::Usage {
                option: "--eta-range",
                reason: format!(
                    "every one of the {} trials of {method} diverged; lower the range's upper end",
                    self.trials
                ),
            })?;
        Ok(MethodTuning {
            method,
            dims,
            trials,
            best,
            seconds: start.elapsed().as_secs_f64(),
        })
    }
}

/// One repetition's validation error: the mean over tasks of the MSE, or of 1 - accuracy for
/// binary labels.
fn validation_error(outcome: &MethodOutcome, binary: bool) -> f64 {
    match outcome.run.mean_accuracy() {
        Some(accuracy) if binary => 1.0 - accuracy,
        _ => outcome.run.mean_mse(),
    }
}
