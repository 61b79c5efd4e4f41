//! A small convolutional network per task on raw images: every convolution runs all tasks'
//! filters at once, in the layout [`ConvLayout`] picks (one grouped convolution, or patches and
//! one batched matmul).

use burn::prelude::*;
use rand::rngs::StdRng;

use crate::conv::{ConvLayout, TaskConv};
use crate::layer::TaskLinear;
use crate::maps::Maps;

/// `conv3x3(c -> width) -> ReLU -> maxpool 2 -> conv3x3(width -> 2 width) -> ReLU -> maxpool 2
/// -> linear(2 width * (h/4) * (w/4) -> k)`, per task, on images `[c, h, w]` flattened
/// channel-major into the feature axis.
#[derive(Module, Debug)]
pub struct SmallCnn {
    /// First convolution: `c -> width`.
    pub conv1: TaskConv,
    /// Second convolution: `width -> 2 width`.
    pub conv2: TaskConv,
    /// Output layer on the flattened feature maps: `[T, 2 width (h/4) (w/4), k]`.
    pub output: TaskLinear,
    /// Input image shape `[c, h, w]` (a constant, not trained).
    pub image: [usize; 3],
    /// How the convolutions run (not saved: a loaded model takes its configuration's).
    #[module(skip)]
    pub conv: ConvLayout,
}

impl SmallCnn {
    /// Initialises `T = rngs.len()` tasks for images of shape `image`, `width` filters first,
    /// with `k` outputs, convolving in the device's layout ([`ConvLayout::Auto`]).
    pub fn init(
        image: [usize; 3],
        width: usize,
        k: usize,
        rngs: &mut [StdRng],
        device: &Device,
    ) -> Self {
        let [c, h, w] = image;
        Self {
            conv1: TaskConv::init(c, width, rngs, device),
            conv2: TaskConv::init(width, 2 * width, rngs, device),
            output: TaskLinear::init(2 * width * (h / 4) * (w / 4), k, rngs, device),
            image,
            conv: ConvLayout::Auto,
        }
    }

    /// The same model convolving in `layout`.
    pub fn with_conv(self, layout: ConvLayout) -> Self {
        Self {
            conv: layout,
            ..self
        }
    }

    /// `x: [T, n, c*h*w]` -> `[T, n, k]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.output.forward(self.features(x))
    }

    /// The flattened feature maps the output layer reads: `x: [T, n, c*h*w]` ->
    /// `[T, n, 2 width (h/4) (w/4)]` (a frozen backbone's embedding).
    pub fn features(&self, x: Tensor<3>) -> Tensor<3> {
        let layout = self.conv.resolve(&x.device());
        Maps::from_rows(x, self.image, layout)
            .conv(&self.conv1, 1)
            .relu()
            .max_pool2()
            .conv(&self.conv2, 1)
            .relu()
            .max_pool2()
            .flatten()
    }
}
