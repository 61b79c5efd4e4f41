//! The two convolution layouts compute the same function: the matmul layout (patches and one
//! batched matmul) against a direct convolution written out as loops in f64, and SmallCnn and
//! ResNet-8 forward passes and gradients in both layouts against each other, on odd image
//! sizes and both strides. Tolerances are f32 rounding of sums of at most a few hundred terms.

use approx::assert_abs_diff_eq;
use cascade_models::burn::module::{Module, ModuleVisitor, Param};
use cascade_models::burn::prelude::*;
use cascade_models::{Backend, ConvLayout, ModelKind, TaskConv, TaskModule, to_host};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn device() -> Device {
    Backend::Flex.device().unwrap().device
}

/// Deterministic inputs in [-1, 1].
fn inputs(len: usize, salt: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 37 + salt * 11) % 101) as f32 / 50.0) - 1.0)
        .collect()
}

/// A direct convolution, zero padding `k / 2`, in f64: `x: [T, n, h, w, c_in]` channels last,
/// weights `[T, c_out, c_in, k, k]`, bias `[T, c_out]` -> `[T, n, h', w', c_out]`.
#[allow(clippy::too_many_arguments)]
fn direct_conv(
    x: &[f32],
    [t, n, h, w, c_in]: [usize; 5],
    weight: &[f32],
    bias: &[f32],
    c_out: usize,
    k: usize,
    stride: usize,
) -> Vec<f64> {
    let (ho, wo) = ((h - 1) / stride + 1, (w - 1) / stride + 1);
    let pad = (k / 2) as isize;
    let mut out = vec![0.0; t * n * ho * wo * c_out];
    for task in 0..t {
        for row in 0..n {
            for (a, b, o) in
                (0..ho).flat_map(|a| (0..wo).flat_map(move |b| (0..c_out).map(move |o| (a, b, o))))
            {
                let mut sum = bias[task * c_out + o] as f64;
                for (i, j, c) in
                    (0..k).flat_map(|i| (0..k).flat_map(move |j| (0..c_in).map(move |c| (i, j, c))))
                {
                    let y = (a * stride) as isize + i as isize - pad;
                    let z = (b * stride) as isize + j as isize - pad;
                    if y < 0 || z < 0 || y >= h as isize || z >= w as isize {
                        continue;
                    }
                    let xi = (((task * n + row) * h + y as usize) * w + z as usize) * c_in + c;
                    let wi = (((task * c_out + o) * c_in + c) * k + i) * k + j;
                    sum += x[xi] as f64 * weight[wi] as f64;
                }
                out[(((task * n + row) * ho + a) * wo + b) * c_out + o] = sum;
            }
        }
    }
    out
}

#[test]
fn matmul_layout_equals_a_direct_convolution() {
    let dev = device();
    // Odd sizes, one- and three-channel inputs, 3x3 and 1x1 kernels, strides 1 and 2.
    for (c_in, c_out, k, stride, h, w) in [
        (1, 4, 3, 1, 7, 5),
        (3, 2, 3, 2, 7, 6),
        (2, 3, 3, 2, 8, 8),
        (3, 5, 1, 2, 9, 7),
        (2, 2, 1, 1, 4, 3),
    ] {
        let (t, n) = (3, 2);
        let mut rngs: Vec<StdRng> = (0..t as u64).map(StdRng::seed_from_u64).collect();
        let conv = TaskConv::init_kernel(c_in, c_out, k, &mut rngs, &dev);
        let shape = [t, n, h, w, c_in];
        let x = inputs(shape.iter().product(), k + stride);
        let expected = direct_conv(
            &x,
            shape,
            &to_host(conv.weight.val()),
            &to_host(conv.bias.val()),
            c_out,
            k,
            stride,
        );
        let got = to_host(conv.forward_matmul(
            Tensor::<5>::from_data(TensorData::new(x, shape), &dev),
            stride,
        ));
        assert_eq!(
            got.len(),
            expected.len(),
            "{c_in} {c_out} {k} {stride} {h} {w}"
        );
        for (g, e) in got.iter().zip(&expected) {
            assert_abs_diff_eq!(*g as f64, e, epsilon = 1e-5);
        }
    }
}

/// Every parameter's values, in visiting order, flattened.
struct Values(Vec<f32>);

impl ModuleVisitor for Values {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.extend(to_host(param.val()));
    }
}

/// Outputs and `theta - grad` of a loss that weighs every output differently, in `layout`.
fn outputs_and_stepped(
    kind: ModelKind,
    layout: ConvLayout,
    image: [usize; 3],
) -> (Vec<f32>, Vec<f32>) {
    let dev = device();
    let d: usize = image.iter().product();
    let (t, n, k) = (3, 4, 5);
    let kind = kind.for_data(d, Some(image)).unwrap().with_conv(layout);
    let model = kind.init_with_outputs(d, k, &[3, 1, 4], &dev);
    let x = Tensor::<3>::from_data(TensorData::new(inputs(t * n * d, d), [t, n, d]), &dev);
    let out = model.forward(x);
    let weights = Tensor::<3>::from_data(TensorData::new(inputs(t * n * k, 7), [t, n, k]), &dev);
    let loss = (out.clone() * weights).sum();
    let grads = loss.backward();
    let stepped = model.apply_step(&grads, Tensor::ones([t], &dev));
    let mut values = Values(Vec::new());
    stepped.visit(&mut values);
    (to_host(out), values.0)
}

#[test]
fn cnns_compute_the_same_outputs_and_gradients_in_both_layouts() {
    for (name, image) in [
        ("small-cnn:3", [2, 9, 10]),
        ("small-cnn:2", [1, 8, 8]),
        ("resnet8:2", [3, 9, 7]),
        ("resnet8:2", [1, 8, 8]),
    ] {
        let kind: ModelKind = name.parse().unwrap();
        let (out_g, step_g) = outputs_and_stepped(kind, ConvLayout::Grouped, image);
        let (out_m, step_m) = outputs_and_stepped(kind, ConvLayout::Matmul, image);
        assert_eq!(out_g.len(), out_m.len());
        for (g, m) in out_g.iter().zip(&out_m) {
            assert_abs_diff_eq!(g, m, epsilon = 1e-5);
        }
        assert_eq!(step_g.len(), step_m.len());
        // The steps differ from the parameters by the gradient: this compares gradients.
        for (g, m) in step_g.iter().zip(&step_m) {
            assert_abs_diff_eq!(g, m, epsilon = 1e-4);
        }
    }
}

#[test]
fn layouts_parse_and_auto_resolves_per_device() {
    assert_eq!("matmul".parse::<ConvLayout>().unwrap(), ConvLayout::Matmul);
    assert_eq!(
        "GROUPED".parse::<ConvLayout>().unwrap(),
        ConvLayout::Grouped
    );
    let err = "fast".parse::<ConvLayout>().unwrap_err().to_string();
    assert!(err.contains("auto, grouped or matmul"), "{err}");
    assert_eq!(ConvLayout::Auto.resolve(&device()), ConvLayout::Grouped);
    assert_eq!(ConvLayout::Matmul.resolve(&device()), ConvLayout::Matmul);
    // Older saved manifests have no `conv` field: they read as Auto.
    let old = r#"{"kind":"small_cnn","width":8,"image":[1,28,28]}"#;
    let kind: ModelKind = serde_json::from_str(old).unwrap();
    assert_eq!(kind.conv(), Some(ConvLayout::Auto));
}
