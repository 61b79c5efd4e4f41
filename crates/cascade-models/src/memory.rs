//! Estimates of the device memory one task takes during a training step, so that a level of
//! a cascade that would not fit on the device can train in chunks of tasks.
//!
//! The estimate counts 4-byte floats: each parameter four times (its value, its gradient and
//! two optimiser moments), and per training row every activation the backward pass keeps plus
//! its gradient. It is meant to be an upper bound within a small factor, not an exact account:
//! allocators round sizes up, and backends keep workspaces of their own.

use burn::prelude::*;

use crate::conv::ConvLayout;
use crate::model::ModelKind;

/// Bytes one task needs for a step: `params` parameters and `floats_per_row` activation floats
/// per row, on `rows` rows.
pub fn step_bytes(params: usize, floats_per_row: usize, rows: usize) -> u64 {
    4 * (4 * params as u64 + 2 * (rows as u64) * floats_per_row as u64)
}

/// One convolution layer's shape: input channels, output channels, kernel, stride.
struct Layer {
    c_in: usize,
    c_out: usize,
    kernel: usize,
    stride: usize,
}

/// Activation floats per row of a chain of convolutions from an `h x w` input: each layer's
/// output twice (before and after its ReLU) and, in the matmul layout, its patches (`kernel^2`
/// input channels at the output's resolution) and the zero-padded input. `pools` halves the
/// resolution after the layers whose indices it lists.
fn conv_floats(h: usize, w: usize, layers: &[Layer], pools: &[usize], layout: ConvLayout) -> usize {
    let (mut h, mut w) = (h, w);
    let mut total = 0;
    for (i, layer) in layers.iter().enumerate() {
        let (ho, wo) = ((h - 1) / layer.stride + 1, (w - 1) / layer.stride + 1);
        total += 2 * layer.c_out * ho * wo;
        if layout == ConvLayout::Matmul {
            let k2 = layer.kernel * layer.kernel;
            total += k2 * layer.c_in * ho * wo + layer.c_in * (h + 2) * (w + 2);
        }
        (h, w) = (ho, wo);
        if pools.contains(&i) {
            (h, w) = (h / 2, w / 2);
            total += layer.c_out * h * w;
        }
    }
    total
}

impl ModelKind {
    /// Activation floats one row of `d_in` features keeps during a training step of this model
    /// with `k` outputs, its convolutions in `layout` (resolved; see [`ConvLayout::resolve`]).
    pub fn floats_per_row(&self, d_in: usize, k: usize, layout: ConvLayout) -> usize {
        let conv = |c_in, c_out, kernel, stride| Layer {
            c_in,
            c_out,
            kernel,
            stride,
        };
        let image = |image: Option<[usize; 3]>| crate::model::cnn_image(image, d_in);
        d_in + k
            + match *self {
                ModelKind::Linear | ModelKind::Logistic => 0,
                ModelKind::SimpleMlp { hidden } => 2 * hidden,
                ModelKind::ResidualMlp { hidden, .. } => 2 * hidden + k,
                ModelKind::SmallCnn {
                    width,
                    image: shape,
                    ..
                } => {
                    let [c, h, w] = image(shape);
                    let layers = [conv(c, width, 3, 1), conv(width, 2 * width, 3, 1)];
                    conv_floats(h, w, &layers, &[0, 1], layout)
                }
                ModelKind::ResNet8 {
                    width: v,
                    image: shape,
                    ..
                } => {
                    let [c, h, w] = image(shape);
                    // The stem, then each block's two 3x3 convolutions and its shortcut (a
                    // 1x1 projection, counted as a layer at the block's input resolution,
                    // plus the sum before the last ReLU).
                    let layers = [
                        conv(c, v, 3, 1),
                        conv(v, v, 3, 1),
                        conv(v, v, 3, 1),
                        conv(v, 2 * v, 3, 2),
                        conv(2 * v, 2 * v, 3, 1),
                        conv(2 * v, 4 * v, 3, 2),
                        conv(4 * v, 4 * v, 3, 1),
                    ];
                    let shortcuts = 2 * v * h.div_ceil(2) * w.div_ceil(2)
                        + 4 * v * h.div_ceil(4) * w.div_ceil(4);
                    conv_floats(h, w, &layers, &[], layout) + 2 * shortcuts
                }
            }
    }
}

/// Bytes one task of `kind` takes during a step on `rows` rows of `d_in` features with `k`
/// outputs on `device` (the device decides the convolution layout of [`ConvLayout::Auto`]).
pub fn model_step_bytes(
    kind: &ModelKind,
    d_in: usize,
    k: usize,
    rows: usize,
    device: &Device,
) -> u64 {
    let layout = kind.conv().unwrap_or_default().resolve(device);
    step_bytes(
        kind.params_with_outputs(d_in, k),
        kind.floats_per_row(d_in, k, layout),
        rows,
    )
}
