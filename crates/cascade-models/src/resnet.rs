//! A small residual CNN per task for 32x32 colour images (ResNet-8, as personalised-FL
//! benchmarks use it): a 3x3 stem of `w` filters, three basic blocks of `w`, `2w` and `4w`
//! filters (the last two at stride 2, with 1x1 projection shortcuts), global average pooling
//! and a linear output: 7 convolutions and 1 linear layer. There is no batch normalisation (a
//! batch statistic would mix the rows of a task's mini-batch differently from its test rows);
//! with 8 layers plain residual training is stable. As in [`crate::SmallCnn`], every
//! convolution runs all tasks' filters at once, in the layout [`ConvLayout`] picks.

use burn::prelude::*;
use rand::rngs::StdRng;

use crate::conv::{ConvLayout, TaskConv};
use crate::layer::TaskLinear;
use crate::maps::Maps;

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

    /// Maps of `c_in` channels -> `c_out` channels at `1 / stride` the resolution.
    fn forward(&self, x: Maps) -> Maps {
        let y = x.clone().conv(&self.conv1, self.stride).relu();
        let y = y.conv(&self.conv2, 1);
        let s = match &self.shortcut {
            Some(conv) => x.conv(conv, self.stride),
            None => x,
        };
        y.add(s).relu()
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
    /// How the convolutions run (not saved: a loaded model takes its configuration's).
    #[module(skip)]
    pub conv: ConvLayout,
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
        let layout = self.conv.resolve(&x.device());
        let mut x = Maps::from_rows(x, self.image, layout)
            .conv(&self.stem, 1)
            .relu();
        for block in &self.blocks {
            x = block.forward(x);
        }
        self.output.forward(x.mean_pool())
    }
}
