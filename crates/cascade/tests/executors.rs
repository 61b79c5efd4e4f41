//! The batched executor against the per-task reference: same seeds, same per-task test errors
//! to float tolerance, for every model and every tree kind, on ragged tasks, with several jobs
//! (methods and repetitions) stacked along the task axis.

mod common;

use cascade::plan::Plan;
use cascade::train::batched::{Job, run_jobs};
use cascade::train::reference;
use cascade::train::{BinaryLogistic, SoftmaxCrossEntropy, SquaredError, TrainConfig, step_sizes};
use cascade_data::StandardisedTaskSet;
use cascade_models::burn::prelude::Device;
use cascade_models::{Backend, ModelKind};
use common::{
    assert_close, jobs, plans, ragged_binary_image_tasks, ragged_class_tasks, ragged_tasks,
};

/// f32 training on both sides; only summation order may differ.
const TOLERANCE: f64 = 1e-4;

fn device() -> Device {
    Backend::Flex.device().unwrap().device
}

#[test]
fn batched_matches_reference_for_every_model_and_tree() {
    let dev = device();
    let data = ragged_tasks(3);
    let plans = plans(&data, 300);
    for model in [
        ModelKind::Linear,
        ModelKind::SIMPLE_MLP,
        ModelKind::RESIDUAL_MLP,
    ] {
        let config = TrainConfig::with_eta(0.05);
        let etas = step_sizes(&data, &model, &config, 0, 11, &dev).unwrap();
        let all = jobs(&plans, &data, &etas, 11);
        // All seven methods in one stacked run...
        let batched = run_jobs(&all, &model, &SquaredError, &config, &dev).unwrap();
        for (plan, got) in plans.iter().zip(&batched) {
            let want = reference::run(plan, &data, &model, &SquaredError, &config, &etas, 11, &dev)
                .unwrap();
            assert_close(&want, got, TOLERANCE, &format!("{model} {}", plan.method));
            // ...and each method on its own.
            let one = jobs(std::slice::from_ref(plan), &data, &etas, 11);
            let alone = run_jobs(&one, &model, &SquaredError, &config, &dev).unwrap();
            assert_close(
                &want,
                &alone[0],
                TOLERANCE,
                &format!("{model} {} alone", plan.method),
            );
        }
    }
}

#[test]
fn batched_matches_reference_for_binary_models() {
    let dev = device();
    let data = ragged_binary_image_tasks(4);
    let plans = plans(&data, 200);
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
    for model in [ModelKind::Logistic, cnn, resnet] {
        let config = TrainConfig {
            l2: 0.01,
            ..TrainConfig::with_eta(0.1)
        };
        let etas = step_sizes(&data, &model, &config, 0, 11, &dev).unwrap();
        let all = jobs(&plans, &data, &etas, 11);
        let batched = run_jobs(&all, &model, &BinaryLogistic, &config, &dev).unwrap();
        for (plan, got) in plans.iter().zip(&batched) {
            let want = reference::run(
                plan,
                &data,
                &model,
                &BinaryLogistic,
                &config,
                &etas,
                11,
                &dev,
            )
            .unwrap();
            assert_close(&want, got, TOLERANCE, &format!("{model} {}", plan.method));
            let accuracy = got.mean_accuracy().expect("binary tasks report accuracy");
            assert!((0.0..=1.0).contains(&accuracy));
        }
    }
}

#[test]
fn repetitions_stack_along_the_task_axis() {
    let dev = device();
    let config = TrainConfig::default();
    let reps: Vec<StandardisedTaskSet> = (0..3).map(ragged_tasks).collect();
    let plans: Vec<Vec<Plan>> = reps.iter().map(|d| plans(d, 200)).collect();
    // eta auto: each task's own 1/L, which both executors must apply per task.
    let etas: Vec<_> = reps
        .iter()
        .map(|d| step_sizes(d, &ModelKind::Linear, &config, 0, 0, &dev).unwrap())
        .collect();
    let mut jobs = Vec::new();
    for (r, (data, plans)) in reps.iter().zip(&plans).enumerate() {
        for plan in plans {
            jobs.push(Job {
                plan,
                data,
                etas: &etas[r],
                init_seed: 100 + r as u64,
                label: "stacked",
            });
        }
    }
    let stacked = run_jobs(&jobs, &ModelKind::Linear, &SquaredError, &config, &dev).unwrap();
    for (job, got) in jobs.iter().zip(&stacked) {
        let want = reference::run(
            job.plan,
            job.data,
            &ModelKind::Linear,
            &SquaredError,
            &config,
            job.etas,
            job.init_seed,
            &dev,
        )
        .unwrap();
        assert_close(&want, got, TOLERANCE, &format!("{}", job.plan.method));
    }
}

#[test]
fn batched_matches_reference_for_softmax_models() {
    let dev = device();
    let data = ragged_class_tasks(6);
    let plans = plans(&data, 150);
    let objective = SoftmaxCrossEntropy { classes: 3 };
    let cnn_free = [ModelKind::Linear, ModelKind::SIMPLE_MLP];
    for model in cnn_free {
        let config = TrainConfig::with_eta(0.5);
        let etas = step_sizes(&data, &model, &config, 0, 11, &dev).unwrap();
        let all = jobs(&plans, &data, &etas, 11);
        let batched = run_jobs(&all, &model, &objective, &config, &dev).unwrap();
        for (plan, got) in plans.iter().zip(&batched) {
            let want =
                reference::run(plan, &data, &model, &objective, &config, &etas, 11, &dev).unwrap();
            assert_close(&want, got, TOLERANCE, &format!("{model} {}", plan.method));
            let log_loss = got.tasks[0].test_log_loss.expect("classes report log-loss");
            assert!(log_loss.is_finite() && log_loss > 0.0);
        }
    }
}

#[test]
fn batched_matches_reference_on_mini_batches() {
    let dev = device();
    let data = ragged_tasks(9);
    let plans = plans(&data, 200);
    let model = ModelKind::SIMPLE_MLP;
    let config = TrainConfig {
        batch_size: Some(8),
        ..TrainConfig::with_eta(0.05)
    };
    let etas = step_sizes(&data, &model, &config, 0, 11, &dev).unwrap();
    let all = jobs(&plans, &data, &etas, 11);
    let batched = run_jobs(&all, &model, &SquaredError, &config, &dev).unwrap();
    let full = TrainConfig {
        batch_size: None,
        ..config
    };
    let full_batch = run_jobs(&all, &model, &SquaredError, &full, &dev).unwrap();
    // Batches as large as the largest task are the full batch, exactly.
    let whole = TrainConfig {
        batch_size: Some(40),
        ..config
    };
    let whole_batch = run_jobs(&all, &model, &SquaredError, &whole, &dev).unwrap();
    for (((plan, got), full), whole) in plans
        .iter()
        .zip(&batched)
        .zip(&full_batch)
        .zip(&whole_batch)
    {
        let want =
            reference::run(plan, &data, &model, &SquaredError, &config, &etas, 11, &dev).unwrap();
        assert_close(
            &want,
            got,
            TOLERANCE,
            &format!("mini-batches {}", plan.method),
        );
        // The pooled data of Global hold more than 40 rows: only per-task plans are whole.
        if plan.method != cascade::method::Method::Global {
            assert_close(
                full,
                whole,
                1e-6,
                &format!("batch 40 = full, {}", plan.method),
            );
            // Mini-batches of 8 rows are another run: some task's error differs.
            assert!(
                got.tasks
                    .iter()
                    .zip(&full.tasks)
                    .any(|(a, b)| (a.test_mse - b.test_mse).abs() > 1e-6),
                "{}: mini-batches changed nothing",
                plan.method
            );
        }
    }
}

/// The host-linear executor (f64 on the host) against the device-batched one (f32 on flex) and
/// the reference: the same iterates up to f32 rounding, for every tree kind, with each run
/// naming what trained it.
#[test]
fn host_linear_matches_the_device_executors() {
    use cascade::train::executor::Training;
    use cascade::train::{DeviceBatched, Executor, HostLinear, Reference, RunOptions};
    let dev = device();
    let data = ragged_tasks(6);
    let plans = plans(&data, 300);
    let config = TrainConfig::with_eta(0.05);
    let etas = step_sizes(&data, &ModelKind::Linear, &config, 0, 11, &dev).unwrap();
    let all = jobs(&plans, &data, &etas, 11);
    let run = |executor: &dyn Executor<ModelKind>| {
        executor
            .run(
                &all,
                Training {
                    model: &ModelKind::Linear,
                    objective: &SquaredError,
                    config: &config,
                    device: &dev,
                },
                RunOptions::COMPARE,
            )
            .unwrap()
    };
    let host = run(&HostLinear);
    let batched = run(&DeviceBatched);
    let reference = run(&Reference);
    for (((plan, h), b), r) in plans.iter().zip(&host).zip(&batched).zip(&reference) {
        assert_close(
            &b.0,
            &h.0,
            TOLERANCE,
            &format!("host vs batched {}", plan.method),
        );
        assert_close(
            &r.0,
            &h.0,
            TOLERANCE,
            &format!("host vs reference {}", plan.method),
        );
        let cascade = matches!(plan.schedule, cascade::plan::Schedule::Cascade { .. });
        let (h, b, r) = (&h.0.trained_by, &b.0.trained_by, &r.0.trained_by);
        if cascade {
            assert_eq!(
                (h.executor.as_str(), h.device.as_str()),
                ("host-linear", "host")
            );
            assert_eq!(
                (b.executor.as_str(), b.device.as_str()),
                ("batched", "flex")
            );
            assert_eq!(
                (r.executor.as_str(), r.device.as_str()),
                ("reference", "flex")
            );
        } else {
            // Pooled and federated runs are one program whichever executor is asked.
            assert_eq!(h.executor, b.executor, "{}", plan.method);
        }
    }
}

/// `auto` takes the host path only on a CPU device and only where it applies; `host` where it
/// does not apply is an error that says why.
#[test]
fn auto_and_host_choose_as_documented() {
    use cascade::train::executor::resolve;
    use cascade::train::{ExecutorChoice, Objective};
    let dev = device();
    let config = TrainConfig::with_eta(0.05);
    let pick = |choice, model: &ModelKind, objective: &dyn Objective, config: &TrainConfig| {
        let training = cascade::train::executor::Training {
            model,
            objective,
            config,
            device: &dev,
        };
        resolve(choice, training, 5).map(|e| e.name())
    };
    let (linear, mlp) = (ModelKind::Linear, ModelKind::SIMPLE_MLP);
    assert_eq!(
        pick(ExecutorChoice::Auto, &linear, &SquaredError, &config).unwrap(),
        "host-linear"
    );
    assert_eq!(
        pick(ExecutorChoice::Auto, &mlp, &SquaredError, &config).unwrap(),
        "batched"
    );
    assert_eq!(
        pick(ExecutorChoice::Auto, &linear, &BinaryLogistic, &config).unwrap(),
        "batched"
    );
    let no_fast_path = TrainConfig {
        linear_fast_path: false,
        ..config
    };
    assert_eq!(
        pick(ExecutorChoice::Auto, &linear, &SquaredError, &no_fast_path).unwrap(),
        "batched"
    );
    for (choice, name) in [
        (ExecutorChoice::Batched, "batched"),
        (ExecutorChoice::Reference, "reference"),
        (ExecutorChoice::Host, "host-linear"),
    ] {
        assert_eq!(pick(choice, &linear, &SquaredError, &config).unwrap(), name);
    }
    let error = pick(ExecutorChoice::Host, &mlp, &SquaredError, &config)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("host-linear executor trains only linear"),
        "{error}"
    );
}
