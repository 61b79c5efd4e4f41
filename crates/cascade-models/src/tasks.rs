//! Operations along the task axis shared by every model: counting and gathering tasks.

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
