//! Task-batched 3x3 (or `k x k`) convolutions, [`TaskConv`], in two layouts ([`ConvLayout`]):
//! one grouped convolution with the task axis folded into the channels, or patches (im2col)
//! and one batched matmul over the task axis.
//!
//! Why two: Burn 0.22's cubecl convolution (wgpu, CUDA) takes direct kernels without implicit
//! GEMM when `groups != 1`, and its weight gradient launches one convolution per group, so a
//! level of `T` tasks costs at least `T` kernel launches per layer and backward step. The
//! matmul layout has no per-task loop anywhere: the forward pass and both gradients are
//! slices, one concatenation and batched matmuls, whatever `T` is. It holds each layer's
//! patches (`k^2` times its input) in memory instead.

use std::fmt;
use std::str::FromStr;

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::s;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::layer::uniform;
use crate::{Backend, ModelError};

/// How the CNNs' task-batched convolutions run. Every layout computes the same function (to
/// float rounding); only speed and memory differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvLayout {
    /// Per device: [`ConvLayout::Matmul`] on GPUs (wgpu, CUDA), [`ConvLayout::Grouped`] on
    /// the CPU backends, where both measured the same and grouped holds less memory
    /// (docs/devices.md).
    #[default]
    Auto,
    /// One grouped convolution per layer, one group per task (`[n, T c, h, w]` maps).
    Grouped,
    /// Patches (im2col) and one batched matmul per layer over the task axis (`[T, n, h, w, c]`
    /// maps).
    Matmul,
}

impl ConvLayout {
    /// The layout used on `device`: itself, or for [`ConvLayout::Auto`] the device's choice.
    pub fn resolve(self, device: &Device) -> ConvLayout {
        match self {
            ConvLayout::Auto => match Backend::of(device) {
                Some(backend) if backend.is_cpu() => ConvLayout::Grouped,
                Some(_) => ConvLayout::Matmul,
                None => ConvLayout::Grouped,
            },
            fixed => fixed,
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ConvLayout::Auto => "auto",
            ConvLayout::Grouped => "grouped",
            ConvLayout::Matmul => "matmul",
        }
    }
}

impl fmt::Display for ConvLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ConvLayout {
    type Err = ModelError;

    /// `auto`, `grouped` or `matmul`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ConvLayout::Auto),
            "grouped" => Ok(ConvLayout::Grouped),
            "matmul" | "im2col" => Ok(ConvLayout::Matmul),
            _ => Err(ModelError::InvalidSetting {
                name: "conv",
                value: s.to_string(),
                reason: "expected auto, grouped or matmul",
            }),
        }
    }
}

/// A `k x k` convolution (padding `k / 2`) for `T` tasks.
///
/// - `weight`: `[T, c_out, c_in, k, k]`
/// - `bias`: `[T, c_out]`
#[derive(Module, Debug)]
pub struct TaskConv {
    /// Per-task filters: `[T, c_out, c_in, k, k]`.
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

    /// Grouped layout, stride `stride`: `x: [n, T c_in, h, w]` (task-major channels) ->
    /// `[n, T c_out, h', w']` with `h' = (h - 1) / stride + 1`.
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

    /// Grouped layout, stride 1: `x: [n, T c_in, h, w]` -> `[n, T c_out, h, w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.forward_stride(x, 1)
    }

    /// Matmul layout: `x: [T, n, h, w, c_in]` (channels last) -> `[T, n, h', w', c_out]` with
    /// `h' = (h - 1) / stride + 1`, as patches `[T, n h' w', k^2 c_in]` times the filters
    /// `[T, k^2 c_in, c_out]` in one batched matmul.
    pub fn forward_matmul(&self, x: Tensor<5>, stride: usize) -> Tensor<5> {
        let [t, c_out, c_in, k, _] = self.weight.dims();
        let [_, n, h, w, _] = x.dims();
        let (ho, wo) = ((h - 1) / stride + 1, (w - 1) / stride + 1);
        let pad = k / 2;
        // Zero padding: `pad` before, and after enough that every tap's strided window fits.
        let x = pad_dim(x, 2, pad, (stride * (ho - 1) + k).saturating_sub(h + pad));
        let x = pad_dim(x, 3, pad, (stride * (wo - 1) + k).saturating_sub(w + pad));
        let mut taps = Vec::with_capacity(k * k);
        for i in 0..k {
            for j in 0..k {
                let rows = i..i + stride * (ho - 1) + 1;
                let cols = j..j + stride * (wo - 1) + 1;
                taps.push(x.clone().slice(s![.., .., rows;stride, cols;stride, ..]));
            }
        }
        // [T, n, h', w', k^2 c_in], tap-major then channel: the filters' order below.
        let patches = Tensor::cat(taps, 4).reshape([t, n * ho * wo, k * k * c_in]);
        let filters = self
            .weight
            .val()
            .permute([0, 3, 4, 2, 1])
            .reshape([t, k * k * c_in, c_out]);
        let bias = self.bias.val().reshape([t, 1, c_out]);
        (patches.matmul(filters) + bias).reshape([t, n, ho, wo, c_out])
    }
}

/// `x` with `before` and `after` zero rows added along `dim`.
fn pad_dim(x: Tensor<5>, dim: usize, before: usize, after: usize) -> Tensor<5> {
    if before == 0 && after == 0 {
        return x;
    }
    let mut parts = Vec::with_capacity(3);
    let zeros = |size: usize| {
        let mut shape = x.dims();
        shape[dim] = size;
        Tensor::zeros(shape, &x.device())
    };
    if before > 0 {
        parts.push(zeros(before));
    }
    if after > 0 {
        let tail = zeros(after);
        parts.push(x);
        parts.push(tail);
    } else {
        parts.push(x);
    }
    Tensor::cat(parts, dim)
}
