use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Optimizer;
use crate::CascadeError;

/// The learning rate: one fixed value for every task, or chosen from the training data.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(into = "EtaRepr", try_from = "EtaRepr")]
pub enum Eta {
    /// The same learning rate for every task (the research code's 0.01, the paper's presets).
    Fixed(f64),
    /// A step size from the curvature of the training data ([`super::step_sizes`]): `1/L` with
    /// `L` the smoothness of the training loss for linear and logistic models (per task under
    /// the squared error, pooled under the logistic loss), a short backtracking search on the
    /// root's training loss for other models.
    #[default]
    Auto,
}

impl Eta {
    /// The fixed value, if any.
    pub fn fixed(self) -> Option<f64> {
        match self {
            Eta::Fixed(eta) => Some(eta),
            Eta::Auto => None,
        }
    }

    fn validate(self) -> Result<(), CascadeError> {
        match self {
            Eta::Fixed(value) if !(value.is_finite() && value > 0.0) => {
                Err(CascadeError::InvalidSetting {
                    name: "eta",
                    value: value.to_string(),
                    reason: "must be 'auto' or a finite number > 0".into(),
                })
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Eta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Eta::Fixed(eta) => write!(f, "{eta}"),
            Eta::Auto => f.write_str("auto"),
        }
    }
}

impl FromStr for Eta {
    type Err = CascadeError;

    /// Parses `auto` or a finite number > 0.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(Eta::Auto);
        }
        let eta = Eta::Fixed(text.parse().map_err(|_| CascadeError::InvalidSetting {
            name: "eta",
            value: s.to_string(),
            reason: "expected 'auto' or a number > 0".into(),
        })?);
        eta.validate()?;
        Ok(eta)
    }
}

/// How [`Eta`] reads and writes: a number, or the string `auto`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum EtaRepr {
    Number(f64),
    Name(String),
}

impl From<Eta> for EtaRepr {
    fn from(eta: Eta) -> Self {
        match eta {
            Eta::Fixed(value) => EtaRepr::Number(value),
            Eta::Auto => EtaRepr::Name("auto".into()),
        }
    }
}

impl TryFrom<EtaRepr> for Eta {
    type Error = CascadeError;
    fn try_from(repr: EtaRepr) -> Result<Self, Self::Error> {
        match repr {
            EtaRepr::Number(value) => Ok(Eta::Fixed(value)),
            EtaRepr::Name(name) => name.parse(),
        }
    }
}

/// Settings of local refinement (SPEC 5): plain gradient descent (full-batch by default) on the
/// objective, with the gradient norm of each task clipped to `clip`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Learning rate eta (default `auto`: from the data's curvature; the research code used a
    /// fixed 0.01).
    pub eta: Eta,
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
    /// Mini-batch size `m`: each step of a task uses `m` of its training rows, drawn without
    /// replacement within an epoch (reshuffled, seeded per task, at each epoch's start); a task
    /// with at most `m` rows uses them all. `None` (the default): full-batch steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// How each task's clipped gradient becomes its step: SGD (the default), momentum or Adam,
    /// with per-task state.
    #[serde(default)]
    pub optimizer: Optimizer,
    /// Bytes a level of a cascade may take on the device while it trains. A level whose tasks
    /// would take more, by the model's estimate
    /// ([`cascade_models::TaskModelConfig::task_step_bytes`] plus each task's training data),
    /// trains in chunks of tasks that fit, one after another: the same numbers as one batch (to
    /// float rounding where chunks pad full-batch rows differently), more kernel launches.
    /// `None` (the default): every level in one batch. A property of the machine, not of the
    /// method, so it is not saved with results.
    #[serde(skip)]
    pub level_memory: Option<u64>,
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
            eta: Eta::Auto,
            clip: 1.0,
            divergence_factor: default_divergence_factor(),
            linear_fast_path: true,
            l2: 0.0,
            batch_size: None,
            optimizer: Optimizer::Sgd,
            level_memory: None,
        }
    }
}

impl TrainConfig {
    /// Checks that eta (unless `auto`) and clip are finite and positive.
    pub fn validate(&self) -> Result<(), CascadeError> {
        self.eta.validate()?;
        if !(self.clip.is_finite() && self.clip > 0.0) {
            return Err(CascadeError::InvalidSetting {
                name: "clip",
                value: self.clip.to_string(),
                reason: "must be a finite number > 0".into(),
            });
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(CascadeError::InvalidSetting {
                name: "l2",
                value: self.l2.to_string(),
                reason: "must be a finite number >= 0".into(),
            });
        }
        self.optimizer.validate()?;
        if self.level_memory == Some(0) {
            return Err(CascadeError::InvalidSetting {
                name: "device memory",
                value: "0".into(),
                reason: "must be more than 0 bytes".into(),
            });
        }
        if self.batch_size == Some(0) {
            return Err(CascadeError::InvalidSetting {
                name: "batch_size",
                value: "0".into(),
                reason: "must be at least 1".into(),
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

    /// The settings with the fixed learning rate `eta` and everything else at its default.
    pub fn with_eta(eta: f64) -> Self {
        Self {
            eta: Eta::Fixed(eta),
            ..Self::default()
        }
    }
}
