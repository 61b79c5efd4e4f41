//! A small convolutional network per task on raw images, with the task axis folded into the
//! channels: one grouped convolution (one group per task) runs every task's filters at once.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use rand::rngs::StdRng;

use crate::layer::{TaskLinear, uniform};

/// A 3x3 convolution (padding 1) for `T` tasks, applied as one grouped convolution.
///
/// - `weight`: `[T, c_out, c_in, 3, 3]`
/// - `bias`: `[T, c_out]`
#[derive(Module, Debug)]
pub struct TaskConv {
    /// Per-task filters: `[T, c_out, c_in, 3, 3]`.
    pub weight: Param<Tensor<5>>,
    /// Per-task biases: `[T, c_out]`.
    pub bias: Param<Tensor<2>>,
}

impl TaskConv {
    /// Initialises `T = rngs.len()` tasks like PyTorch's `nn.Conv2d`: every entry from
    /// `U(-k, k)` with `k = 1/sqrt(c_in * 9)`, from each task's own generator.
    pub fn init(c_in: usize, c_out: usize, rngs: &mut [StdRng], device: &Device) -> Self {
        Self::init_kernel(c_in, c_out, 3, rngs, device)
    }

    /// Like [`TaskConv::init`] for a `kernel x kernel` convolution (bound `1/sqrt(c_in k^2)`).
    pub fn init_kernel(
        c_in: usize,
        c_out: usize,
        kernel: usize,
        rngs: &mut [StdRng],
        device: &Device,
    ) -> Self {
        let t = rngs.len();
        let taps = kernel * kernel;
        let bound = 1.0 / ((c_in * taps) as f64).sqrt();
        let mut w = Vec::with_capacity(t * c_out * c_in * taps);
        let mut b = Vec::with_capacity(t * c_out);
        for rng in rngs.iter_mut() {
            w.extend((0..c_out * c_in * taps).map(|_| uniform(rng, bound)));
            b.extend((0..c_out).map(|_| uniform(rng, bound)));
        }
        Self {
            weight: Param::from_data(TensorData::new(w, [t, c_out, c_in, kernel, kernel]), device),
            bias: Param::from_data(TensorData::new(b, [t, c_out]), device),
        }
    }

    /// [`TaskConv::forward`] with stride `stride` (padding `kernel / 2`).
    pub fn forward_stride(&self, x: Tensor<4>, stride: usize) -> Tensor<4> {
        let [t, c_out, c_in, kh, kw] = self.weight.dims();
        let weight = self.weight.val().reshape([t * c_out, c_in, kh, kw]);
        let bias = self.bias.val().reshape([t * c_out]);
        conv2d(
            x,
            weight,
            Some(bias),
            ConvOptions::new([stride, stride], [kh / 2, kw / 2], [1, 1], t),
        )
    }

    /// `x: [n, T * c_in, h, w]` (task-major channels) -> `[n, T * c_out, h, w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.forward_stride(x, 1)
    }
}

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
}

impl SmallCnn {
    /// Initialises `T = rngs.len()` tasks for images of shape `image`, `width` filters first,
    /// with `k` outputs.
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
        }
    }

    /// `x: [T, n, c*h*w]` -> `[T, n, k]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.output.forward(self.features(x))
    }

    /// The flattened feature maps the output layer reads: `x: [T, n, c*h*w]` ->
    /// `[T, n, 2 width (h/4) (w/4)]` (a frozen backbone's embedding).
    pub fn features(&self, x: Tensor<3>) -> Tensor<3> {
        let [t, n, _] = x.dims();
        let x = to_grouped(x, self.image);
        let pool = || MaxPoolOptions::new([2, 2]).with_stride([2, 2]);
        let x = max_pool2d(relu(self.conv1.forward(x)), pool());
        let x = max_pool2d(relu(self.conv2.forward(x)), pool());
        let [_, tc, hh, ww] = x.dims();
        let features = tc / t * hh * ww;
        x.reshape([n, t, features]).swap_dims(0, 1) // [T, n, features]
    }
}

/// Images `x: [T, n, c*h*w]` (each row `[c, h, w]` channel-major) as the input of a grouped
/// convolution, `[n, T*c, h, w]`: channels task-major, so group `k` sees exactly task `k`'s.
pub(crate) fn to_grouped(x: Tensor<3>, image: [usize; 3]) -> Tensor<4> {
    let [t, n, _] = x.dims();
    let [c, h, w] = image;
    x.reshape([t, n, c, h, w])
        .swap_dims(0, 1)
        .reshape([n, t * c, h, w])
}
