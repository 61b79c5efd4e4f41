use serde::{Deserialize, Serialize};

use crate::CascadeError;

/// Settings of local refinement (SPEC 5): plain full-batch gradient descent on the mean squared
/// error with the gradient norm of each task clipped to `clip`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Learning rate eta (default 0.01, the research code's).
    pub eta: f64,
    /// Maximum gradient norm per task and step (default 1.0); the norm is taken over all of the
    /// task's parameters together, like PyTorch's `clip_grad_norm_`.
    pub clip: f64,
    /// A task has diverged when its training loss exceeds this factor times the larger of its
    /// loss at its first step and 1 (the loss of predicting the mean of standardised targets).
    /// Gradient descent at a stable step size never increases the loss, while clipping keeps a
    /// too-large eta from ever reaching NaN: without this guard such a run would end quietly
    /// with meaningless parameters. Default 10; `f64::INFINITY` keeps only the NaN/inf check.
    #[serde(default = "default_divergence_factor")]
    pub divergence_factor: f64,
    /// Train linear models from their sufficient statistics (`X~^T X~`, `X~^T y`, `y^T y`): the
    /// same iterates as the general autodiff path at a step cost independent of the number of
    /// rows (default true; turn off to compare with the general path).
    #[serde(default = "default_true")]
    pub linear_fast_path: bool,
    /// L2 penalty `reg`: each task's loss gains `reg/2 * |theta|^2` over all its parameters, so
    /// the gradient gains `reg * theta` (SPEC 5's logistic regression; default 0, no penalty).
    #[serde(default)]
    pub l2: f64,
}

fn default_true() -> bool {
    true
}

fn default_divergence_factor() -> f64 {
    10.0
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            eta: 0.01,
            clip: 1.0,
            divergence_factor: default_divergence_factor(),
            linear_fast_path: true,
            l2: 0.0,
        }
    }
}

impl TrainConfig {
    /// Checks that eta and clip are finite and positive.
    pub fn validate(&self) -> Result<(), CascadeError> {
        for (name, value) in [("eta", self.eta), ("clip", self.clip)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(CascadeError::InvalidSetting {
                    name,
                    value: value.to_string(),
                    reason: "must be a finite number > 0".into(),
                });
            }
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(CascadeError::InvalidSetting {
                name: "l2",
                value: self.l2.to_string(),
                reason: "must be a finite number >= 0".into(),
            });
        }
        // Written so that NaN fails too.
        if self.divergence_factor.partial_cmp(&1.0) != Some(std::cmp::Ordering::Greater) {
            return Err(CascadeError::InvalidSetting {
                name: "divergence_factor",
                value: self.divergence_factor.to_string(),
                reason: "must be > 1 (or infinite to disable the check)".into(),
            });
        }
        Ok(())
    }

    /// The settings with learning rate `eta` and everything else at its default.
    pub fn with_eta(eta: f64) -> Self {
        Self {
            eta,
            ..Self::default()
        }
    }
}
