//! Per-task optimisers on the task axis: plain SGD (the default), momentum and Adam. Each task
//! keeps its own state; the clipped gradient `g_t min(1, clip / |g_t|)` goes in, and a task
//! whose budget is spent stops moving, its state included.

use std::fmt;
use std::str::FromStr;

use burn::prelude::*;
use burn::tensor::Gradients;
use cascade_models::{ParamSlot, ParamUpdate, TaskModule};
use serde::{Deserialize, Serialize};

use crate::CascadeError;

/// How a task's clipped gradient becomes its step.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Optimizer {
    /// `theta <- theta - eta g` (SPEC 5).
    #[default]
    Sgd,
    /// Heavy ball, PyTorch's form: `v <- beta v + g`, `theta <- theta - eta v`.
    Momentum {
        /// Momentum `beta` in `[0, 1)` (default 0.9).
        beta: f64,
    },
    /// Adam with bias correction: `m <- b1 m + (1 - b1) g`, `v <- b2 v + (1 - b2) g^2`,
    /// `theta <- theta - eta m^ / (sqrt(v^) + eps)`.
    Adam {
        /// First-moment decay (default 0.9).
        beta1: f64,
        /// Second-moment decay (default 0.999).
        beta2: f64,
        /// Added to the root of the second moment (default 1e-8).
        epsilon: f64,
    },
}

impl Optimizer {
    /// Checks that the decays lie in `[0, 1)` and epsilon is positive.
    pub fn validate(&self) -> Result<(), CascadeError> {
        let decays: &[(&'static str, f64)] = match self {
            Optimizer::Sgd => &[],
            Optimizer::Momentum { beta } => &[("momentum beta", *beta)],
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                if !(epsilon.is_finite() && *epsilon > 0.0) {
                    return Err(CascadeError::InvalidSetting {
                        name: "adam epsilon",
                        value: epsilon.to_string(),
                        reason: "must be a finite number > 0".into(),
                    });
                }
                &[("adam beta1", *beta1), ("adam beta2", *beta2)]
            }
        };
        for &(name, value) in decays {
            if !(0.0..1.0).contains(&value) {
                return Err(CascadeError::InvalidSetting {
                    name,
                    value: value.to_string(),
                    reason: "must lie in [0, 1)".into(),
                });
            }
        }
        Ok(())
    }
}

impl fmt::Display for Optimizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Optimizer::Sgd => write!(f, "sgd"),
            Optimizer::Momentum { beta } => write!(f, "momentum:{beta}"),
            Optimizer::Adam { beta1, beta2, .. } => write!(f, "adam:{beta1},{beta2}"),
        }
    }
}

impl FromStr for Optimizer {
    type Err = CascadeError;

    /// `sgd`, `momentum[:beta]` (0.9) or `adam[:beta1,beta2]` (0.9, 0.999).
    fn from_str(s: &str) -> Result<Self, CascadeError> {
        let lower = s.trim().to_ascii_lowercase();
        let (name, args) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
        let args: Vec<&str> = args.split(',').filter(|a| !a.is_empty()).collect();
        let bad = || CascadeError::UnknownName {
            kind: "optimizer",
            name: s.to_string(),
            expected: "sgd, momentum[:beta], adam[:beta1,beta2]".into(),
        };
        let number = |i: usize, default: f64| -> Result<f64, CascadeError> {
            args.get(i)
                .map_or(Ok(default), |a| a.parse().map_err(|_| bad()))
        };
        let optimizer = match (name, args.len()) {
            ("sgd", 0) => Optimizer::Sgd,
            ("momentum", 0..=1) => Optimizer::Momentum {
                beta: number(0, 0.9)?,
            },
            ("adam", 0..=2) => Optimizer::Adam {
                beta1: number(0, 0.9)?,
                beta2: number(1, 0.999)?,
                epsilon: 1e-8,
            },
            _ => return Err(bad()),
        };
        optimizer.validate()?;
        Ok(optimizer)
    }
}

/// The state of one `fit` call's optimiser: each parameter's moments, `[rows, P]` by
/// [`ParamSlot::index`].
pub(super) struct OptimizerState {
    kind: Optimizer,
    /// Each task's learning rate, `[T]`.
    etas: Tensor<1>,
    first: Vec<Option<Tensor<2>>>,
    second: Vec<Option<Tensor<2>>>,
}

impl OptimizerState {
    pub(super) fn new(kind: Optimizer, etas: &[f64], device: &Device) -> Self {
        let values: Vec<f32> = etas.iter().map(|&e| e as f32).collect();
        let n = values.len();
        Self {
            kind,
            etas: Tensor::<1>::from_data(TensorData::new(values, [n]), device).inner(),
            first: Vec::new(),
            second: Vec::new(),
        }
    }

    /// One step of every task: `scale` is [`super::fit`]'s `eta_t min(1, clip/|g_t|)`, 0 where
    /// the task's budget is spent; `step` counts from 0 (Adam's bias correction).
    pub(super) fn step<M: TaskModule>(
        &mut self,
        model: M,
        grads: &Gradients,
        scale: Tensor<1>,
        step: usize,
    ) -> M {
        if self.kind == Optimizer::Sgd {
            return model.apply_step(grads, scale);
        }
        // clip factor (0 where the task is done), and eta where the task is active.
        let clip = scale.div(self.etas.clone());
        let active = clip.clone().greater_elem(0.0).float();
        let eta = self.etas.clone().mul(active.clone());
        let mut update = Moments {
            state: self,
            clip,
            active,
            eta,
            step,
        };
        model.update_params(grads, &mut update)
    }
}

/// The moment updates of one step.
struct Moments<'a> {
    state: &'a mut OptimizerState,
    clip: Tensor<1>,
    active: Tensor<1>,
    eta: Tensor<1>,
    step: usize,
}

impl ParamUpdate for Moments<'_> {
    fn update(&mut self, slot: ParamSlot, value: Tensor<2>, gradient: Tensor<2>) -> Tensor<2> {
        let rows = slot.tasks.len();
        let column = |t: &Tensor<1>| -> Tensor<2> {
            t.clone().slice([slot.tasks.clone()]).reshape([rows, 1])
        };
        let (clip, active, eta) = (column(&self.clip), column(&self.active), column(&self.eta));
        let g = gradient * clip;
        let state = &mut *self.state;
        if state.first.len() <= slot.index {
            state.first.resize(slot.index + 1, None);
            state.second.resize(slot.index + 1, None);
        }
        let zeros = || Tensor::<2>::zeros(value.dims(), &value.device());
        // `old + active (new - old)`: a finished task keeps its moments.
        let masked = |old: Tensor<2>, new: Tensor<2>| old.clone() + (new - old) * active.clone();
        match state.kind {
            Optimizer::Sgd => value - g * eta,
            Optimizer::Momentum { beta } => {
                let old = state.first[slot.index].take().unwrap_or_else(zeros);
                let v = masked(old.clone(), old.mul_scalar(beta) + g);
                state.first[slot.index] = Some(v.clone());
                value - v * eta
            }
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                let m_old = state.first[slot.index].take().unwrap_or_else(zeros);
                let v_old = state.second[slot.index].take().unwrap_or_else(zeros);
                let m = masked(
                    m_old.clone(),
                    m_old.mul_scalar(beta1) + g.clone().mul_scalar(1.0 - beta1),
                );
                let v = masked(
                    v_old.clone(),
                    v_old.mul_scalar(beta2) + g.square().mul_scalar(1.0 - beta2),
                );
                state.first[slot.index] = Some(m.clone());
                state.second[slot.index] = Some(v.clone());
                let t = (self.step + 1) as i32;
                let m_hat = m.div_scalar(1.0 - beta1.powi(t));
                let v_hat = v.div_scalar(1.0 - beta2.powi(t));
                value - m_hat.div(v_hat.sqrt().add_scalar(epsilon)) * eta
            }
        }
    }
}
