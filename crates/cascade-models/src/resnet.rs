//! A small residual CNN per task for 32x32 colour images (ResNet-8, as personalised-FL
//! benchmarks use it): a 3x3 stem of `w` filters, three basic blocks of `w`, `2w` and `4w`
//! filters (the last two at stride 2, with 1x1 projection shortcuts), global average pooling
//! and a linear output: 7 convolutions and 1 linear layer. There is no batch normalisation (a
//! batch statistic would mix the rows of a task's mini-batch differently from its test rows);
//! with 8 layers plain residual training is stable. Tasks sit in the channels as in
//! [`crate::SmallCnn`]: one grouped convolution per layer runs every task's filters.

use burn::prelude::*;
use burn::tensor::activation::relu;
use rand::rngs::StdRng;

use crate::cnn::{TaskConv, to_grouped};
use crate::layer::TaskLinear;

/// `relu(conv2(relu(conv1(x))) + shortcut(x))`, `conv1` at `stride`.
#[derive(Module, Debug)]
pub struct ResidualBlock {
    /// `c_in -> c_out`, 3x3 at `stride`.
    pub conv1: TaskConv,
    /// `c_out -> c_out`, 3x3.
    pub conv2: TaskConv,
    /// 1x1 projection at `stride` when the shape changes; identity otherwise.
    pub shortcut: Option<TaskConv>,
    /// Stride of `conv1` and the shortcut (a constant).
    pub stride: usize,
}

impl ResidualBlock {
    fn init(
        c_in: usize,
        c_out: usize,
        stride: usize,
        rngs: &mut [StdRng],
        device: &Device,
    ) -> Self {
        let conv1 = TaskConv::init(c_in, c_out, rngs, device);
        let conv2 = TaskConv::init(c_out, c_out, rngs, device);
        let shortcut = (stride != 1 || c_in != c_out)
            .then(|| TaskConv::init_kernel(c_in, c_out, 1, rngs, device));
        Self {
            conv1,
            conv2,
            shortcut,
            stride,
        }
    }

    /// `[n, T c_in, h, w]` -> `[n, T c_out, h / stride, w / stride]`.
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = relu(self.conv1.forward_stride(x.clone(), self.stride));
        let y = self.conv2.forward(y);
        let s = match &self.shortcut {
            Some(conv) => conv.forward_stride(x, self.stride),
            None => x,
        };
        relu(y + s)
    }
}

/// ResNet-8 per task: `x: [T, n, c*h*w]` -> `[T, n, k]`.
#[derive(Module, Debug)]
pub struct ResNet8 {
    /// 3x3, `c -> w`.
    pub stem: TaskConv,
    /// `w -> w`, `w -> 2w` (stride 2), `2w -> 4w` (stride 2).
    pub blocks: Vec<ResidualBlock>,
    /// On the pooled `4w` channels: `[T, 4w, k]`.
    pub output: TaskLinear,
    /// Input image shape `[c, h, w]` (a constant).
    pub image: [usize; 3],
}

impl ResNet8 {
    /// Initialises `T = rngs.len()` tasks for images `image`, `width` stem filters, `k` outputs,
    /// layer by layer from each task's own generator (PyTorch's uniform bounds).
    pub fn init(
        image: [usize; 3],
        width: usize,
        k: usize,
        rngs: &mut [StdRng],
        device: &Device,
    ) -> Self {
        let w = width;
        let stem = TaskConv::init(image[0], w, rngs, device);
        let blocks = vec![
            ResidualBlock::init(w, w, 1, rngs, device),
            ResidualBlock::init(w, 2 * w, 2, rngs, device),
            ResidualBlock::init(2 * w, 4 * w, 2, rngs, device),
        ];
        let output = TaskLinear::init(4 * w, k, rngs, device);
        Self {
            stem,
            blocks,
            output,
            image,
        }
    }

    /// Trainable parameters of one task for `c` input channels, `width` and `k` outputs.
    pub fn params_per_task(c: usize, width: usize, k: usize) -> usize {
        let conv =
            |c_in: usize, c_out: usize, kernel: usize| c_out * c_in * kernel * kernel + c_out;
        let w = width;
        conv(c, w, 3)
            + (conv(w, w, 3) + conv(w, w, 3))
            + (conv(w, 2 * w, 3) + conv(2 * w, 2 * w, 3) + conv(w, 2 * w, 1))
            + (conv(2 * w, 4 * w, 3) + conv(4 * w, 4 * w, 3) + conv(2 * w, 4 * w, 1))
            + 4 * w * k
            + k
    }

    /// `x: [T, n, c*h*w]` -> `[T, n, k]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [t, n, _] = x.dims();
        let x = to_grouped(x, self.image);
        let mut x = relu(self.stem.forward(x));
        for block in &self.blocks {
            x = block.forward(x);
        }
        let [_, tc, hh, ww] = x.dims();
        // Global average pooling: [n, T C, h', w'] -> [T, n, C].
        let pooled: Tensor<3> = x
            .reshape([n, tc, hh * ww])
            .mean_dim(2)
            .reshape([n, t, tc / t])
            .swap_dims(0, 1);
        self.output.forward(pooled)
    }
}
