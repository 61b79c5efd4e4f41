//! Operations along the task axis shared by every model: counting, gathering and
//! concatenating tasks.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;

use crate::ModelError;

/// Number of tasks a module holds: the leading dimension of its parameters.
pub fn task_count<M: Module>(module: &M) -> usize {
    struct Count(Option<usize>);
    impl ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.get_or_insert(param.shape()[0]);
        }
    }
    let mut count = Count(None);
    module.visit(&mut count);
    count.0.unwrap_or(0)
}

/// A new module whose task `i` is a copy of task `indices[i]` of `module`: the transfer of a
/// cascade (children start from their parents' rows). Every parameter is gathered along axis 0.
pub fn gather_tasks<M: Module>(module: &M, indices: &[usize]) -> Result<M, ModelError> {
    let tasks = task_count(module);
    if let Some(&index) = indices.iter().find(|&&i| i >= tasks) {
        return Err(ModelError::TaskOutOfRange { index, tasks });
    }
    struct Gather(Option<Tensor<1, Int>>);
    impl ModuleMapper for Gather {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let idx = self.0.clone().expect("indices are set before mapping");
            param.map(|t| {
                let idx = idx.to_device(&t.device());
                let gathered = t.select(0, idx);
                if gathered.is_autodiff() {
                    gathered.detach().require_grad()
                } else {
                    gathered
                }
            })
        }
    }
    let device = first_device(module);
    let idx: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
    let n = idx.len();
    let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [n]), &device);
    Ok(module.clone().map(&mut Gather(Some(idx))))
}

/// One module with the tasks of every part in order: each parameter `[T_i, ...]` of the parts
/// concatenated along axis 0 into `[sum T_i, ...]`, as fresh autodiff leaves. The parts must
/// share one architecture (the same parameters in the same order, equal beyond axis 0).
pub fn concat_tasks<M: Module>(parts: Vec<M>) -> Result<M, ModelError> {
    /// Every parameter of one module as `[T, rest]`, in visiting order.
    struct Rows(Vec<Tensor<2>>);
    impl ModuleVisitor for Rows {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val();
            let t = if t.is_autodiff() { t.inner() } else { t };
            let tasks = t.dims()[0];
            self.0.push(t.reshape([tasks as i32, -1]));
        }
    }
    /// Puts the concatenated parameters (reversed, popped in visiting order) in place.
    struct Joined(Vec<Tensor<2>>);
    impl ModuleMapper for Joined {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let joined = self.0.pop().expect("one joined tensor per parameter");
            param.map(|t| {
                let mut dims = t.dims();
                dims[0] = joined.dims()[0];
                let shaped: Tensor<D> = joined.reshape(dims);
                if t.is_autodiff() {
                    Tensor::from_inner(shaped).require_grad()
                } else {
                    shaped
                }
            })
        }
    }
    let Some(first) = parts.first().cloned() else {
        return Err(ModelError::InvalidSetting {
            name: "parts",
            value: "0".into(),
            reason: "concatenating tasks needs at least one part",
        });
    };
    if parts.len() == 1 {
        return Ok(first);
    }
    let mut columns: Vec<Vec<Tensor<2>>> = Vec::new();
    for part in &parts {
        let mut rows = Rows(Vec::new());
        part.visit(&mut rows);
        if columns.is_empty() {
            columns = rows.0.into_iter().map(|t| vec![t]).collect();
        } else if rows.0.len() != columns.len() {
            return Err(ModelError::InvalidSetting {
                name: "parts",
                value: parts.len().to_string(),
                reason: "concatenated parts must share one architecture",
            });
        } else {
            for (column, t) in columns.iter_mut().zip(rows.0) {
                column.push(t);
            }
        }
    }
    let mut joined: Vec<Tensor<2>> = columns.into_iter().map(|c| Tensor::cat(c, 0)).collect();
    joined.reverse();
    Ok(first.map(&mut Joined(joined)))
}

pub(crate) fn first_device<M: Module>(module: &M) -> Device {
    struct First(Option<Device>);
    impl ModuleVisitor for First {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if self.0.is_none() {
                self.0 = Some(param.device());
            }
        }
    }
    let mut first = First(None);
    module.visit(&mut first);
    first.0.unwrap_or_default()
}
