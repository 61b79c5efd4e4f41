//! The batched executor on wgpu against the same runs on flex, so the GPU path cannot rot: on a
//! machine without a GPU, wgpu runs on Mesa's software Vulkan (lavapipe; `scripts/setup`
//! installs it). Every tensor operation of training (gather along the task axis, masking,
//! clipping, the divergence checks, autodiff) runs on the wgpu device here.
#![cfg(feature = "wgpu")]

mod common;

use cascade::CascadeError;
use cascade::train::batched::{Job, run_jobs};
use cascade::train::{BinaryLogistic, SoftmaxCrossEntropy, SquaredError, StepSizes, TrainConfig};
use cascade_models::burn::prelude::Device;
use cascade_models::{Backend, ModelKind};
use common::{
    assert_close, jobs, plans, ragged_binary_image_tasks, ragged_class_tasks, ragged_tasks,
};

fn wgpu() -> Device {
    match Backend::Wgpu.device() {
        Ok(choice) => choice.device,
        Err(e) => panic!("{e} (on a machine without a GPU, run scripts/setup to install lavapipe)"),
    }
}

/// Different backends reduce in different orders; over a few hundred f32 steps the per-task
/// errors still agree to this relative tolerance.
const TOLERANCE: f64 = 1e-3;

#[test]
fn wgpu_matches_flex_for_every_model_and_tree() {
    let (gpu, cpu) = (wgpu(), Backend::Flex.device().unwrap().device);
    let data = ragged_tasks(4);
    let plans = plans(&data, 150);
    let etas = StepSizes::fixed(0.05, data.len());
    let jobs = jobs(&plans, &data, &etas, 21);
    for (model, fast) in [
        (ModelKind::Linear, true),
        (ModelKind::Linear, false),
        (ModelKind::SIMPLE_MLP, false),
    ] {
        let config = TrainConfig {
            linear_fast_path: fast,
            ..TrainConfig::with_eta(0.05)
        };
        let on_cpu = run_jobs(&jobs, &model, &SquaredError, &config, &cpu).unwrap();
        let on_gpu = run_jobs(&jobs, &model, &SquaredError, &config, &gpu).unwrap();
        for ((plan, a), b) in plans.iter().zip(&on_cpu).zip(&on_gpu) {
            let what = format!("{model} (fast path {fast}) {}", plan.method);
            assert_close(a, b, TOLERANCE, &what);
            // Trained on the wgpu device, never on the host in its place.
            assert_eq!(b.trained_by.executor, "batched", "{what}");
            assert_eq!(b.trained_by.device, "wgpu", "{what}");
        }
    }
}

#[test]
fn wgpu_matches_flex_for_binary_models_and_the_grouped_cnn() {
    let (gpu, cpu) = (wgpu(), Backend::Flex.device().unwrap().device);
    let data = ragged_binary_image_tasks(6);
    let plans = plans(&data, 120);
    let etas = StepSizes::fixed(0.1, data.len());
    let jobs = jobs(&plans, &data, &etas, 23);
    let config = TrainConfig {
        l2: 0.01,
        ..TrainConfig::with_eta(0.1)
    };
    let cnn = ModelKind::SmallCnn {
        width: 2,
        image: None,
        conv: cascade_models::ConvLayout::Auto,
    };
    let resnet = ModelKind::ResNet8 {
        width: 2,
        image: None,
        conv: cascade_models::ConvLayout::Auto,
    };
    // Auto convolves as patches and batched matmuls on wgpu, as grouped convolutions on flex:
    // the two layouts on two devices; grouped on both too.
    let grouped = cnn.with_conv(cascade_models::ConvLayout::Grouped);
    for model in [ModelKind::Logistic, cnn, grouped, resnet] {
        let on_cpu = run_jobs(&jobs, &model, &BinaryLogistic, &config, &cpu).unwrap();
        let on_gpu = run_jobs(&jobs, &model, &BinaryLogistic, &config, &gpu).unwrap();
        for ((plan, a), b) in plans.iter().zip(&on_cpu).zip(&on_gpu) {
            assert_close(a, b, TOLERANCE, &format!("{model} {}", plan.method));
        }
    }
}

#[test]
fn wgpu_matches_flex_for_softmax_models() {
    let (gpu, cpu) = (wgpu(), Backend::Flex.device().unwrap().device);
    let data = ragged_class_tasks(7);
    let plans = plans(&data, 120);
    let etas = StepSizes::fixed(0.5, data.len());
    let jobs = jobs(&plans, &data, &etas, 29);
    let config = TrainConfig::with_eta(0.5);
    let objective = SoftmaxCrossEntropy { classes: 3 };
    for model in [ModelKind::Linear, ModelKind::SIMPLE_MLP] {
        let on_cpu = run_jobs(&jobs, &model, &objective, &config, &cpu).unwrap();
        let on_gpu = run_jobs(&jobs, &model, &objective, &config, &gpu).unwrap();
        for ((plan, a), b) in plans.iter().zip(&on_cpu).zip(&on_gpu) {
            assert_close(a, b, TOLERANCE, &format!("softmax {model} {}", plan.method));
        }
    }
}

#[test]
fn wgpu_matches_flex_for_class_cnns_on_mini_batches_with_adam() {
    let (gpu, cpu) = (wgpu(), Backend::Flex.device().unwrap().device);
    // 3 classes on 4x4 images; SmallCnn with k = 3 outputs, mini-batches of 8, Adam.
    let data = common::ragged_class_image_tasks(8);
    let plans = plans(&data, 100);
    let etas = StepSizes::fixed(0.01, data.len());
    let jobs = jobs(&plans, &data, &etas, 31);
    let config = TrainConfig {
        batch_size: Some(8),
        optimizer: "adam".parse().unwrap(),
        ..TrainConfig::with_eta(0.01)
    };
    let cnn = ModelKind::SmallCnn {
        width: 2,
        image: None,
        conv: cascade_models::ConvLayout::Auto,
    };
    let objective = SoftmaxCrossEntropy { classes: 3 };
    let on_cpu = run_jobs(&jobs, &cnn, &objective, &config, &cpu).unwrap();
    let on_gpu = run_jobs(&jobs, &cnn, &objective, &config, &gpu).unwrap();
    for ((plan, a), b) in plans.iter().zip(&on_cpu).zip(&on_gpu) {
        assert_close(a, b, TOLERANCE, &format!("cnn adam {}", plan.method));
    }
}

/// With the default executor (`auto`) a linear cascade under the squared error trains on the
/// wgpu device, never on the host in its place: every run says so, and its numbers match flex's
/// device path. On flex the same choice takes the host path.
#[test]
fn auto_trains_linear_cascades_on_the_wgpu_device() {
    use cascade::experiment::{CompareConfig, compare_on};
    use cascade::method::Method;
    use cascade::plan::PlanConfig;
    use cascade::train::ExecutorChoice;
    let (gpu, cpu) = (wgpu(), Backend::Flex.device().unwrap().device);
    let set = common::ragged_raw(3);
    let config = |executor| CompareConfig {
        methods: vec![
            Method::Indiv,
            Method::Star,
            Method::Mst(cascade::distance::Distance::Gradient),
        ],
        plan: PlanConfig::new(120),
        train: TrainConfig::with_eta(0.05),
        model: ModelKind::Linear,
        executor,
    };
    let on_gpu = compare_on(&set, &config(ExecutorChoice::Auto), 7, &gpu).unwrap();
    let on_flex = compare_on(&set, &config(ExecutorChoice::Batched), 7, &cpu).unwrap();
    let on_host = compare_on(&set, &config(ExecutorChoice::Auto), 7, &cpu).unwrap();
    for ((g, f), h) in on_gpu.iter().zip(&on_flex).zip(&on_host) {
        let what = g.plan.method.to_string();
        assert_eq!(g.run.trained_by.executor, "batched", "{what}");
        assert_eq!(g.run.trained_by.device, "wgpu", "{what}");
        assert_eq!(f.run.trained_by.device, "flex", "{what}");
        assert_eq!(h.run.trained_by.executor, "host-linear", "{what}");
        assert_close(&f.run, &g.run, TOLERANCE, &what);
    }
}

#[test]
fn divergence_is_caught_on_wgpu() {
    let data = ragged_tasks(5);
    let plans = plans(&data, 150);
    let etas = StepSizes::fixed(10.0, data.len());
    let job = Job {
        plan: &plans[0],
        data: &data,
        etas: &etas,
        init_seed: 1,
        label: "wgpu",
    };
    let err = run_jobs(
        &[job],
        &ModelKind::Linear,
        &SquaredError,
        &TrainConfig::with_eta(10.0),
        &wgpu(),
    )
    .unwrap_err();
    assert!(matches!(err, CascadeError::Diverged { .. }), "{err}");
}
