//! Model tests on the flex device: shapes, PyTorch-style initialisation, forward passes against
//! hand calculations, and gathering along the task axis.

use approx::assert_abs_diff_eq;
use cascade_models::burn::module::Module;
use cascade_models::burn::prelude::*;
use cascade_models::{
    Backend, LinearModel, ModelKind, TaskLinear, TaskModel, TaskModule, gather_tasks, to_host,
};

fn device() -> Device {
    Backend::Flex.device().unwrap().device
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    to_host(t)
}

fn linear_params(model: &TaskModel) -> (Vec<f32>, Vec<f32>) {
    match model {
        TaskModel::Linear(m) => (values(m.linear.weight.val()), values(m.linear.bias.val())),
        _ => panic!("not linear"),
    }
}

#[test]
fn shapes_follow_the_task_axis() {
    let dev = device();
    for kind in [
        ModelKind::Linear,
        ModelKind::SIMPLE_MLP,
        ModelKind::RESIDUAL_MLP,
        ModelKind::Logistic,
    ] {
        let model = kind.init(5, &[1, 2, 3], &dev);
        assert_eq!(model.num_tasks(), 3);
        assert_eq!(model.num_params(), 3 * kind.params_per_task(5), "{kind}");
        let x = Tensor::<3>::zeros([3, 7, 5], &dev);
        assert_eq!(model.forward(x).dims(), [3, 7, 1], "{kind}");
    }
}

#[test]
fn initialisation_is_pytorch_uniform_and_per_task() {
    // nn.Linear(d_in, d_out): weight and bias ~ U(-1/sqrt(d_in), 1/sqrt(d_in)).
    let dev = device();
    let model = ModelKind::Linear.init(4, &[10, 11], &dev);
    let (w, b) = linear_params(&model);
    let bound = 0.5; // 1 / sqrt(4)
    assert!(w.iter().chain(&b).all(|v| v.abs() <= bound));
    // A large draw fills the interval: its spread is close to the uniform's sd = bound/sqrt(3).
    let big = ModelKind::Linear.init(10_000, &[5], &dev);
    let (w, _) = linear_params(&big);
    let mean = w.iter().sum::<f32>() / w.len() as f32;
    let sd = (w.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / w.len() as f32).sqrt();
    let expected = 0.01 / 3f32.sqrt();
    assert!(
        (sd - expected).abs() < 0.03 * expected,
        "sd {sd} vs {expected}"
    );
    // Task t's parameters depend only on its own seed, not on its batch neighbours.
    let alone = ModelKind::Linear.init(4, &[11], &dev);
    let (w_pair, b_pair) = linear_params(&model);
    let (w_alone, b_alone) = linear_params(&alone);
    assert_eq!(&w_pair[4..], &w_alone[..]);
    assert_eq!(&b_pair[1..], &b_alone[..]);
}

#[test]
fn linear_forward_matches_a_hand_calculation() {
    // Task 0: w = [1, 2], b = 0.5; task 1: w = [-1, 0], b = 0.
    // x0 = [[1, 1], [0, 3]] -> [3.5, 6.5]; x1 = [[2, 5], [1, 1]] -> [-2, -1].
    let dev = device();
    let model = TaskModel::Linear(LinearModel {
        linear: TaskLinear::from_values(
            TensorData::new(vec![1f32, 2.0, -1.0, 0.0], [2, 2, 1]),
            TensorData::new(vec![0.5f32, 0.0], [2, 1, 1]),
            &dev,
        ),
    });
    let x = Tensor::from_data(
        TensorData::new(vec![1f32, 1.0, 0.0, 3.0, 2.0, 5.0, 1.0, 1.0], [2, 2, 2]),
        &dev,
    );
    let y = values(model.forward(x));
    for (got, want) in y.iter().zip([3.5, 6.5, -2.0, -1.0]) {
        assert_abs_diff_eq!(*got, want, epsilon = 1e-6);
    }
}

#[test]
fn residual_is_linear_plus_eps_times_mlp() {
    let dev = device();
    let kind = ModelKind::ResidualMlp {
        hidden: 4,
        eps: 0.1,
    };
    let model = kind.init(3, &[42], &dev);
    let x = Tensor::<3>::from_data(
        TensorData::new(vec![0.3f32, -1.0, 2.0, 1.5, 0.0, -0.5], [1, 2, 3]),
        &dev,
    );
    let TaskModel::ResidualMlp(m) = &model else {
        panic!()
    };
    let lin = values(m.linear.forward(x.clone()));
    let mlp = values(m.mlp.forward(x.clone()));
    let all = values(model.forward(x));
    for i in 0..2 {
        assert_abs_diff_eq!(all[i], lin[i] + 0.1 * mlp[i], epsilon = 1e-6);
    }
}

#[test]
fn gather_copies_task_rows() {
    let dev = device();
    let model = ModelKind::SIMPLE_MLP.init(3, &[1, 2, 3], &dev);
    let x = Tensor::<3>::ones([3, 2, 3], &dev);
    let y = values(model.forward(x));
    let picked = gather_tasks(&model, &[2, 0, 2, 2]).unwrap();
    assert_eq!(picked.num_tasks(), 4);
    let y2 = values(picked.forward(Tensor::ones([4, 2, 3], &dev)));
    // Outputs are [T, 2, 1]: task k of the gathered model = task indices[k] of the original.
    for (k, src) in [2usize, 0, 2, 2].into_iter().enumerate() {
        assert_eq!(&y2[2 * k..2 * k + 2], &y[2 * src..2 * src + 2]);
    }
    assert!(gather_tasks(&model, &[3]).is_err());
}

#[test]
fn names_parse_with_defaults_and_errors() {
    assert_eq!("linear".parse::<ModelKind>().unwrap(), ModelKind::Linear);
    assert_eq!(
        "simple-mlp".parse::<ModelKind>().unwrap(),
        ModelKind::SIMPLE_MLP
    );
    assert_eq!(
        "residual-mlp:50,0.03".parse::<ModelKind>().unwrap(),
        ModelKind::ResidualMlp {
            hidden: 50,
            eps: 0.03
        }
    );
    assert!("simple-mlp:0".parse::<ModelKind>().is_err());
    assert!("transformer".parse::<ModelKind>().is_err());
    assert!("small-cnn:0".parse::<ModelKind>().is_err());
    assert!("logistic:3".parse::<ModelKind>().is_err());
    for kind in [
        ModelKind::Linear,
        ModelKind::SIMPLE_MLP,
        ModelKind::RESIDUAL_MLP,
        ModelKind::Logistic,
    ] {
        assert_eq!(kind.to_string().parse::<ModelKind>().unwrap(), kind);
    }
}

#[test]
fn logistic_is_a_bias_free_dot_product() {
    let dev = device();
    let model = ModelKind::Logistic.init(2, &[1, 2], &dev);
    let TaskModel::Logistic(m) = &model else {
        panic!("not logistic")
    };
    let w = values(m.weight.val()); // [2 tasks, 2, 1]
    // x = [1, 2] for both tasks: logit_t = w_t0 + 2 w_t1 (no bias: x = 0 gives 0).
    let x = Tensor::<3>::from_data(
        TensorData::new(vec![1f32, 2., 0., 0., 1., 2., 0., 0.], [2, 2, 2]),
        &dev,
    );
    let out = values(model.forward(x));
    assert_abs_diff_eq!(out[0], w[0] + 2.0 * w[1], epsilon = 1e-6);
    assert_eq!(out[1], 0.0);
    assert_abs_diff_eq!(out[2], w[2] + 2.0 * w[3], epsilon = 1e-6);
    assert_eq!(ModelKind::Logistic.params_per_task(7), 7);
    assert_eq!(
        "logistic".parse::<ModelKind>().unwrap(),
        ModelKind::Logistic
    );
}

fn cnn(width: usize, image: [usize; 3]) -> ModelKind {
    ModelKind::SmallCnn {
        width,
        image: Some(image),
        conv: cascade_models::ConvLayout::Auto,
    }
}

#[test]
fn small_cnn_tasks_are_independent_groups() {
    // Task t of a 3-task CNN must compute exactly what a 1-task CNN from the same seed
    // computes on the same images: the grouped convolution never mixes tasks.
    let dev = device();
    let kind = cnn(4, [2, 8, 8]);
    let d = 2 * 8 * 8;
    let (t, n) = (3, 5);
    let model = kind.init(d, &[7, 8, 9], &dev);
    assert_eq!(model.num_params(), t * kind.params_per_task(d));
    // conv1 2->4: 4*2*9+4 = 76; conv2 4->8: 8*4*9+8 = 296; linear 8*2*2+1 = 33.
    assert_eq!(kind.params_per_task(d), 76 + 296 + 33);
    let data: Vec<f32> = (0..t * n * d)
        .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
        .collect();
    let x = Tensor::<3>::from_data(TensorData::new(data.clone(), [t, n, d]), &dev);
    let out = values(model.forward(x));
    assert_eq!(out.len(), t * n);
    for (k, seed) in [7u64, 8, 9].into_iter().enumerate() {
        let alone = kind.init(d, &[seed], &dev);
        let xk = data[k * n * d..(k + 1) * n * d].to_vec();
        let xk = Tensor::<3>::from_data(TensorData::new(xk, [1, n, d]), &dev);
        let outk = values(alone.forward(xk));
        for i in 0..n {
            assert_abs_diff_eq!(out[k * n + i], outk[i], epsilon = 1e-5);
        }
    }
    // Gathering moves whole tasks, 5-D filters included.
    let gathered = gather_tasks(&model, &[2, 2]).unwrap();
    let x = Tensor::<3>::from_data(TensorData::new(data[2 * n * d..].to_vec(), [1, n, d]), &dev)
        .repeat_dim(0, 2);
    let g = values(gathered.forward(x));
    for i in 0..n {
        assert_abs_diff_eq!(g[i], out[2 * n + i], epsilon = 1e-5);
        assert_abs_diff_eq!(g[n + i], out[2 * n + i], epsilon = 1e-5);
    }
}

#[test]
fn small_cnn_takes_its_image_shape_from_the_data() {
    let kind: ModelKind = "small-cnn:6".parse().unwrap();
    assert_eq!(kind.to_string(), "small-cnn:6");
    let err = kind.for_data(784, None).unwrap_err().to_string();
    assert!(err.contains("needs image data"), "{err}");
    let err = kind
        .for_data(784, Some([1, 2, 392]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 4x4"), "{err}");
    assert_eq!(
        kind.for_data(784, Some([1, 28, 28])).unwrap(),
        cnn(6, [1, 28, 28])
    );
    // Models without an image shape pass through unchanged.
    assert_eq!(
        ModelKind::Linear.for_data(5, None).unwrap(),
        ModelKind::Linear
    );
    // Exactly the models that need an image shape read images.
    for name in [
        "small-cnn",
        "resnet8",
        "linear",
        "simple-mlp",
        "residual-mlp",
        "logistic",
    ] {
        let model: ModelKind = name.parse().unwrap();
        assert_eq!(
            model.reads_images(),
            model.for_data(5, None).is_err(),
            "{name}"
        );
    }
}

#[test]
fn resnet8_tasks_are_independent_and_count_their_parameters() {
    // As for SmallCnn: task t of a 3-task ResNet-8 computes what a 1-task one from the same
    // seed computes; 8x8 colour images exercise both stride-2 blocks and their projections.
    let dev = device();
    let kind: ModelKind = "resnet8:4".parse().unwrap();
    assert_eq!(kind.to_string(), "resnet8:4");
    let kind = kind.for_data(3 * 8 * 8, Some([3, 8, 8])).unwrap();
    let d = 3 * 8 * 8;
    let (t, n, k) = (3, 4, 5);
    let model = kind.init_with_outputs(d, k, &[7, 8, 9], &dev);
    // stem 3->4: 112; block 4->4: 148 + 148; 4->8: 296 + 584 + 40; 8->16: 1168 + 2320 + 144;
    // output 16*5 + 5 = 85: 5045 by hand.
    assert_eq!(kind.params_with_outputs(d, k), 5045);
    assert_eq!(model.num_params(), t * 5045);
    let data: Vec<f32> = (0..t * n * d)
        .map(|i| ((i * 53 % 97) as f32 / 48.0) - 1.0)
        .collect();
    let x = Tensor::<3>::from_data(TensorData::new(data.clone(), [t, n, d]), &dev);
    let out = values(model.forward(x));
    assert_eq!(out.len(), t * n * k);
    for (task, seed) in [7u64, 8, 9].into_iter().enumerate() {
        let alone = kind.init_with_outputs(d, k, &[seed], &dev);
        let xk = data[task * n * d..(task + 1) * n * d].to_vec();
        let xk = Tensor::<3>::from_data(TensorData::new(xk, [1, n, d]), &dev);
        let outk = values(alone.forward(xk));
        for i in 0..n * k {
            assert_abs_diff_eq!(out[task * n * k + i], outk[i], epsilon = 1e-4);
        }
    }
}
