//! The adapter for unmodified single-task Burn modules: one model per task, trained together.
//!
//! A Burn user's own model maps `[n, d_in]` to `[n, k]` and knows nothing of tasks. Implement
//! [`SingleTaskModel`] (its forward) and [`SingleTaskConfig`] (its init from a seed), and
//! [`PerTaskConfig`] turns them into a [`TaskModelConfig`]: the cascade then trains one copy per
//! task through the same plans, budgets and transfers as the built-in models. All tasks of a
//! level share one forward graph and one backward pass, so they train concurrently; each
//! task's gradient norm and step are still its own.

use std::fmt;

use burn::module::{Module, ModuleDisplay, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Gradients;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::module::{Mapped, ParamUpdate, Update};
use crate::{ModelError, TaskModelConfig, TaskModule};

/// A single-task Burn module: `x: [n, d_in]` -> `[n, k]`.
pub trait SingleTaskModel: Module + ModuleDisplay + 'static {
    /// Outputs for `n` rows: `[n, d_in]` -> `[n, k]` (standardised predictions or logits).
    fn forward(&self, x: Tensor<2>) -> Tensor<2>;
}

/// Builds a [`SingleTaskModel`]; serialisable, so a saved cascade can rebuild it.
pub trait SingleTaskConfig:
    Clone + fmt::Debug + fmt::Display + Serialize + DeserializeOwned + Send + Sync
{
    /// The module built.
    type Model: SingleTaskModel;

    /// One model for `d_in` inputs and `outputs` outputs, its parameters drawn from `seed`
    /// alone.
    fn init(&self, d_in: usize, outputs: usize, seed: u64, device: &Device) -> Self::Model;
}

/// One single-task module per task, as a [`TaskModule`].
#[derive(Module, Debug)]
pub struct PerTask<M: SingleTaskModel> {
    /// Task `t`'s model.
    pub models: Vec<M>,
}

impl<M: SingleTaskModel> TaskModule for PerTask<M> {
    /// Runs each task's model on its own rows: `[T, n, d_in]` -> `[T, n, k]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [_, n, d] = x.dims();
        let outputs: Vec<Tensor<3>> = self
            .models
            .iter()
            .enumerate()
            .map(|(t, model)| {
                let rows = x.clone().narrow(0, t, 1).reshape([n, d]);
                model.forward(rows).unsqueeze_dim(0)
            })
            .collect();
        Tensor::cat(outputs, 0)
    }

    fn num_tasks(&self) -> usize {
        self.models.len()
    }

    fn gather(&self, rows: &[usize]) -> Result<Self, ModelError> {
        let tasks = self.models.len();
        let models = rows
            .iter()
            .map(|&r| {
                let model = self
                    .models
                    .get(r)
                    .ok_or(ModelError::TaskOutOfRange { index: r, tasks })?;
                // A copy shares its tensors' autodiff nodes with the original: two children of
                // one parent would then receive each other's gradients. Fresh leaves keep
                // every copy its own.
                Ok(model.clone().map(&mut FreshLeaves))
            })
            .collect::<Result<_, ModelError>>()?;
        Ok(Self { models })
    }

    fn concat(parts: Vec<Self>) -> Result<Self, ModelError> {
        Ok(Self {
            models: parts.into_iter().flat_map(|part| part.models).collect(),
        })
    }

    fn grad_sq_norms(&self, grads: &Gradients) -> Option<Tensor<1>> {
        self.per_model_squares(Some(grads))
    }

    fn param_sq_norms(&self) -> Option<Tensor<1>> {
        self.per_model_squares(None)
    }

    fn average(&self, weights: &[f64]) -> Result<Self, ModelError> {
        if weights.len() != self.models.len() || self.models.is_empty() {
            return Err(ModelError::InvalidSetting {
                name: "weights",
                value: weights.len().to_string(),
                reason: "average needs one weight per task",
            });
        }
        // Every model's parameters in visiting order, flattened; then the weighted sums put
        // back into a copy of the first model, in the same order.
        let mut sums: Vec<Tensor<1>> = Vec::new();
        for (model, &w) in self.models.iter().zip(weights) {
            let mut flat = Flatten(Vec::new());
            model.visit(&mut flat);
            if sums.is_empty() {
                sums = flat.0.into_iter().map(|t| t.mul_scalar(w)).collect();
            } else {
                for (sum, t) in sums.iter_mut().zip(flat.0) {
                    *sum = sum.clone() + t.mul_scalar(w);
                }
            }
        }
        sums.reverse();
        let mean = self.models[0].clone().map(&mut Unflatten(sums));
        Ok(Self { models: vec![mean] })
    }

    fn update_params(self, grads: &Gradients, update: &mut dyn ParamUpdate) -> Self {
        let mut index = 0;
        let models = self
            .models
            .into_iter()
            .enumerate()
            .map(|(t, model)| {
                let mut mapped = Mapped {
                    grads,
                    update: &mut *update,
                    index,
                    tasks: t..t + 1,
                };
                let model = model.map(&mut mapped);
                index = mapped.index;
                model
            })
            .collect();
        Self { models }
    }

    fn apply_step(self, grads: &Gradients, scale: Tensor<1>) -> Self {
        let models = self
            .models
            .into_iter()
            .enumerate()
            .map(|(t, model)| {
                model.map(&mut Update {
                    grads,
                    scale: scale.clone().narrow(0, t, 1),
                })
            })
            .collect();
        Self { models }
    }
}

impl<M: SingleTaskModel> PerTask<M> {
    /// Each model's sum of squared parameters, or of squared gradients with `grads`: `[T]`.
    fn per_model_squares(&self, grads: Option<&Gradients>) -> Option<Tensor<1>> {
        let sums: Vec<Tensor<1>> = self
            .models
            .iter()
            .map(|model| {
                let mut sum = ScalarSquares { grads, total: None };
                model.visit(&mut sum);
                sum.total
            })
            .collect::<Option<_>>()?;
        Some(Tensor::cat(sums, 0))
    }
}

/// Sums the squares of every parameter (or of its gradient, when `grads` is set) into one
/// value, `[1]`.
struct ScalarSquares<'a> {
    grads: Option<&'a Gradients>,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for ScalarSquares<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values = match self.grads {
            Some(grads) => match param.val().grad(grads) {
                Some(grad) => grad,
                None => return,
            },
            None => param.val(),
        };
        let sum: Tensor<1> = values.square().sum();
        self.total = Some(match self.total.take() {
            Some(total) => total + sum,
            None => sum,
        });
    }
}

/// Every parameter's values, flattened and without autodiff, in visiting order.
struct Flatten(Vec<Tensor<1>>);

impl ModuleVisitor for Flatten {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values = param.val();
        let values = if values.is_autodiff() {
            values.inner()
        } else {
            values
        };
        self.0.push(values.reshape([-1]));
    }
}

/// Puts the values of [`Flatten`] (reversed, popped in visiting order) back as parameters.
struct Unflatten(Vec<Tensor<1>>);

impl ModuleMapper for Unflatten {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let values = self.0.pop().expect("one value per parameter");
        param.map(|t| {
            let shaped: Tensor<D> = values.reshape(t.dims());
            if t.is_autodiff() {
                Tensor::from_inner(shaped).require_grad()
            } else {
                shaped
            }
        })
    }
}

/// Detaches every parameter into a new autodiff leaf (a no-op without autodiff).
struct FreshLeaves;

impl ModuleMapper for FreshLeaves {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| {
            if t.is_autodiff() {
                t.detach().require_grad()
            } else {
                t
            }
        })
    }
}

/// The [`TaskModelConfig`] of one [`SingleTaskConfig`] model per task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerTaskConfig<C>(pub C);

impl<C: fmt::Display> fmt::Display for PerTaskConfig<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (per task)", self.0)
    }
}

impl<C: SingleTaskConfig> TaskModelConfig for PerTaskConfig<C> {
    type Model = PerTask<C::Model>;

    fn init_tasks(
        &self,
        d_in: usize,
        outputs: usize,
        task_seeds: &[u64],
        device: &Device,
    ) -> Self::Model {
        PerTask {
            models: task_seeds
                .iter()
                .map(|&seed| self.0.init(d_in, outputs, seed, device))
                .collect(),
        }
    }
}
