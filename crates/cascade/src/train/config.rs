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
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            eta: 0.01,
            clip: 1.0,
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
        Ok(())
    }
}
