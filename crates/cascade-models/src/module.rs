//! The open model interface: any Burn module whose parameters carry a leading task axis.
//!
//! [`TaskModule`] is what the training loop, the executors and evaluation see. Every built-in
//! model ([`crate::TaskModel`]) implements it, and so does [`crate::PerTask`], the adapter that
//! holds one unmodified single-task Burn module per task. The defaults of its methods work for
//! any module whose every float parameter is `[T, ...]`; the adapter overrides them.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Gradients;

use crate::layer::TaskLinear;
use crate::{ModelError, concat_tasks, gather_tasks, task_count};

/// `T` models of one architecture as one Burn module, trainable together.
///
/// Implement [`TaskModule::forward`]; the rest has defaults for modules whose every float
/// parameter has the task axis first (`[T, ...]`), as [`crate::TaskLinear`] and
/// [`crate::TaskConv`] do.
pub trait TaskModule: Module + 'static {
    /// Outputs for every task: `x: [T, n, d_in]` -> `[T, n, k]`. Regression models output
    /// standardised predictions (`k = 1`); classifiers output logits (`k = 1` for binary labels,
    /// `k` = the number of classes otherwise).
    fn forward(&self, x: Tensor<3>) -> Tensor<3>;

    /// Number of tasks `T` held.
    fn num_tasks(&self) -> usize {
        task_count(self)
    }

    /// A new module whose task `i` is an independent copy of task `rows[i]`: the transfer of a
    /// cascade (children start from their parents' trained parameters).
    fn gather(&self, rows: &[usize]) -> Result<Self, ModelError> {
        gather_tasks(self, rows)
    }

    /// Each task's squared gradient norm over all its parameters, `[T]`; `None` when no
    /// parameter has a gradient.
    fn grad_sq_norms(&self, grads: &Gradients) -> Option<Tensor<1>> {
        let mut norm = SquaredGrads { grads, total: None };
        self.visit(&mut norm);
        norm.total
    }

    /// Each task's sum of squared parameters, `[T]` (the L2 penalty); `None` without parameters.
    fn param_sq_norms(&self) -> Option<Tensor<1>> {
        let mut sum = SquaredParams(None);
        self.visit(&mut sum);
        sum.0
    }

    /// One gradient step per task: `theta_t <- theta_t - scale_t * g_t`, `scale: [T]`. The
    /// updated parameters are fresh autodiff leaves.
    fn apply_step(self, grads: &Gradients, scale: Tensor<1>) -> Self {
        self.map(&mut Update { grads, scale })
    }

    /// Replaces every parameter that has a gradient by `update(slot, value, gradient)`, both
    /// seen as `[rows, P]` matrices whose rows are tasks `slot.tasks` (all `T` tasks for a
    /// parameter with the task axis). `slot.index` numbers the parameters in a fixed order, so
    /// an optimiser can keep state per parameter. The results are fresh autodiff leaves.
    fn update_params(self, grads: &Gradients, update: &mut dyn ParamUpdate) -> Self {
        let t = self.num_tasks();
        self.map(&mut Mapped {
            grads,
            update,
            index: 0,
            tasks: 0..t,
        })
    }

    /// One model (`T = 1`) whose parameters are the tasks' weighted mean,
    /// `sum_t weights[t] theta_t` (FedAvg's aggregation; the weights should sum to 1).
    fn average(&self, weights: &[f64]) -> Result<Self, ModelError> {
        let tasks = self.num_tasks();
        if weights.len() != tasks {
            return Err(ModelError::InvalidSetting {
                name: "weights",
                value: weights.len().to_string(),
                reason: "average needs one weight per task",
            });
        }
        let device = crate::tasks::first_device(self);
        let w: Vec<f32> = weights.iter().map(|&w| w as f32).collect();
        let w = Tensor::<1>::from_data(TensorData::new(w, [tasks]), &device);
        Ok(self.clone().map(&mut WeightedMean(w)))
    }

    /// One module holding the tasks of every part in order (`T = sum of the parts' T`): the
    /// inverse of splitting a level into chunks. Every parameter is concatenated along the
    /// task axis; the results are fresh autodiff leaves. Errors on no parts.
    fn concat(parts: Vec<Self>) -> Result<Self, ModelError> {
        concat_tasks(parts)
    }

    /// The model's single affine layer `x W + b`, when the model is exactly that: the training
    /// loop then runs the sufficient-statistics fast path. `None` (the default) trains through
    /// autodiff.
    fn affine(&self) -> Option<&TaskLinear> {
        None
    }

    /// The model with its affine layer replaced by `layer` (called only when
    /// [`TaskModule::affine`] is `Some`).
    fn with_affine(self, layer: TaskLinear) -> Self {
        let _ = layer;
        self
    }
}

/// Adds each task's sum of squares of `values` (`[T, ...]`) to `total` (`[T]`).
pub(crate) fn add_squares<const D: usize>(total: &mut Option<Tensor<1>>, values: Tensor<D>) {
    let t = values.dims()[0];
    let per_task: Tensor<1> = values
        .square()
        .reshape([t as i32, -1])
        .sum_dim(1)
        .reshape([t]);
    *total = Some(match total.take() {
        Some(total) => total + per_task,
        None => per_task,
    });
}

/// Sums every parameter's squares per task (`[T]`), for the L2 penalty.
struct SquaredParams(Option<Tensor<1>>);

impl ModuleVisitor for SquaredParams {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        add_squares(&mut self.0, param.val());
    }
}

/// Sums every parameter's squared gradient per task: `[T]`.
struct SquaredGrads<'a> {
    grads: &'a Gradients,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredGrads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = param.val().grad(self.grads) {
            add_squares(&mut self.total, grad);
        }
    }
}

/// `theta <- theta - scale_t * g` for every parameter, `scale: [T]` broadcast over the rest.
pub(crate) struct Update<'a> {
    pub(crate) grads: &'a Gradients,
    pub(crate) scale: Tensor<1>,
}

impl ModuleMapper for Update<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|tensor| {
            let Some(grad) = tensor.grad(self.grads) else {
                return tensor;
            };
            let mut dims = [1usize; D];
            dims[0] = self.scale.dims()[0];
            let scale: Tensor<D> = self.scale.clone().reshape(dims);
            let updated = tensor.inner() - grad.mul(scale);
            Tensor::from_inner(updated).require_grad()
        })
    }
}

/// Replaces every parameter `[T, ...]` with its weighted mean over tasks, `[1, ...]`, as a fresh
/// autodiff leaf when the parameter was one.
struct WeightedMean(Tensor<1>);

impl ModuleMapper for WeightedMean {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|tensor| {
            let mut dims = [1usize; D];
            dims[0] = self.0.dims()[0];
            let autodiff = tensor.is_autodiff();
            let values = if autodiff { tensor.inner() } else { tensor };
            let weights: Tensor<D> = self.0.clone().to_device(&values.device()).reshape(dims);
            let mean = (values * weights).sum_dim(0);
            if autodiff {
                Tensor::from_inner(mean).require_grad()
            } else {
                mean
            }
        })
    }
}

/// Where a parameter sits: its number in visiting order, and the tasks its rows belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamSlot {
    /// The parameter's number (stable across steps).
    pub index: usize,
    /// The tasks of its rows.
    pub tasks: std::ops::Range<usize>,
}

/// A per-task update of parameters seen as `[rows, P]` matrices ([`TaskModule::update_params`]).
pub trait ParamUpdate {
    /// The new value of parameter `slot` from its `value` and `gradient` (both `[rows, P]`,
    /// without autodiff).
    fn update(&mut self, slot: ParamSlot, value: Tensor<2>, gradient: Tensor<2>) -> Tensor<2>;
}

/// Applies a [`ParamUpdate`] to every parameter with a gradient.
pub(crate) struct Mapped<'a> {
    pub(crate) grads: &'a Gradients,
    pub(crate) update: &'a mut dyn ParamUpdate,
    /// The number the next parameter gets.
    pub(crate) index: usize,
    pub(crate) tasks: std::ops::Range<usize>,
}

impl ModuleMapper for Mapped<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let index = self.index;
        self.index += 1;
        let tasks = self.tasks.clone();
        let rows = tasks.len() as i32;
        param.map(|tensor| {
            let Some(grad) = tensor.grad(self.grads) else {
                return tensor;
            };
            let dims = tensor.dims();
            let value: Tensor<2> = tensor.inner().reshape([rows, -1]);
            let gradient: Tensor<2> = grad.reshape([rows, -1]);
            let updated = self
                .update
                .update(ParamSlot { index, tasks }, value, gradient)
                .reshape(dims);
            Tensor::from_inner(updated).require_grad()
        })
    }
}
