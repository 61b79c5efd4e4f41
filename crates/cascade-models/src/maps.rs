//! The feature maps of `T` tasks' CNNs, in the layout their convolutions compute in
//! ([`ConvLayout`]), with the few operations SmallCnn and ResNet-8 apply between convolutions.
//! A model's code is written once against [`Maps`]; the layout is a run-time choice.

use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;

use crate::conv::{ConvLayout, TaskConv};

/// Feature maps of `T` tasks for `n` rows.
#[derive(Debug, Clone)]
pub(crate) enum Maps {
    /// `[n, T c, h, w]`, channels task-major: a grouped convolution's input.
    Grouped {
        /// The maps.
        x: Tensor<4>,
        /// `T`.
        tasks: usize,
    },
    /// `[T, n, h, w, c]`, channels last: the matmul layout's.
    Last(Tensor<5>),
}

impl Maps {
    /// Rows of images `x: [T, n, c h w]` (each row `[c, h, w]` channel-major) in `layout`
    /// (resolved: not [`ConvLayout::Auto`]).
    pub(crate) fn from_rows(x: Tensor<3>, image: [usize; 3], layout: ConvLayout) -> Self {
        let [t, n, _] = x.dims();
        let [c, h, w] = image;
        let x = x.reshape([t, n, c, h, w]);
        match layout {
            ConvLayout::Matmul => Maps::Last(x.permute([0, 1, 3, 4, 2])),
            ConvLayout::Grouped | ConvLayout::Auto => Maps::Grouped {
                x: x.swap_dims(0, 1).reshape([n, t * c, h, w]),
                tasks: t,
            },
        }
    }

    /// `conv` at `stride` applied to every task's maps.
    pub(crate) fn conv(self, conv: &TaskConv, stride: usize) -> Self {
        match self {
            Maps::Grouped { x, tasks } => Maps::Grouped {
                x: conv.forward_stride(x, stride),
                tasks,
            },
            Maps::Last(x) => Maps::Last(conv.forward_matmul(x, stride)),
        }
    }

    /// Element-wise ReLU.
    pub(crate) fn relu(self) -> Self {
        match self {
            Maps::Grouped { x, tasks } => Maps::Grouped { x: relu(x), tasks },
            Maps::Last(x) => Maps::Last(relu(x)),
        }
    }

    /// Element-wise sum with maps of the same shape and layout.
    pub(crate) fn add(self, other: Self) -> Self {
        match (self, other) {
            (Maps::Grouped { x, tasks }, Maps::Grouped { x: y, .. }) => {
                Maps::Grouped { x: x + y, tasks }
            }
            (Maps::Last(x), Maps::Last(y)) => Maps::Last(x + y),
            _ => unreachable!("one model's maps share one layout"),
        }
    }

    /// 2x2 max pooling at stride 2 (a trailing odd row or column is dropped).
    pub(crate) fn max_pool2(self) -> Self {
        match self {
            Maps::Grouped { x, tasks } => Maps::Grouped {
                x: max_pool2d(x, MaxPoolOptions::new([2, 2]).with_stride([2, 2])),
                tasks,
            },
            Maps::Last(x) => {
                let [t, n, h, w, c] = x.dims();
                let (ho, wo) = (h / 2, w / 2);
                let pooled = x
                    .narrow(2, 0, 2 * ho)
                    .narrow(3, 0, 2 * wo)
                    .reshape([t * n * ho, 2, wo, 2, c])
                    .max_dim(1)
                    .max_dim(3);
                Maps::Last(pooled.reshape([t, n, ho, wo, c]))
            }
        }
    }

    /// Global average pooling: `[T, n, c]`.
    pub(crate) fn mean_pool(self) -> Tensor<3> {
        match self {
            Maps::Grouped { x, tasks } => {
                let [n, tc, h, w] = x.dims();
                x.reshape([n, tc, h * w])
                    .mean_dim(2)
                    .reshape([n, tasks, tc / tasks])
                    .swap_dims(0, 1)
            }
            Maps::Last(x) => {
                let [t, n, h, w, c] = x.dims();
                x.reshape([t, n, h * w, c]).mean_dim(2).reshape([t, n, c])
            }
        }
    }

    /// Every task's maps flattened channel-major (`[c, h, w]` per row): `[T, n, c h w]`.
    pub(crate) fn flatten(self) -> Tensor<3> {
        match self {
            Maps::Grouped { x, tasks } => {
                let [n, tc, h, w] = x.dims();
                x.reshape([n, tasks, tc / tasks * h * w]).swap_dims(0, 1)
            }
            Maps::Last(x) => {
                let [t, n, h, w, c] = x.dims();
                x.permute([0, 1, 4, 2, 3]).reshape([t, n, c * h * w])
            }
        }
    }
}
