//! Levels that do not fit the device's memory train in chunks of tasks, with the same numbers
//! as one batch: every method (stacked, as `run` stacks them) under a memory limit that cuts
//! each level into pieces of two tasks, against no limit, for a CNN in both convolution layouts
//! and for an MLP; and a limit below one task is a one-line error before any training.

mod common;

use cascade::train::batched::run_jobs;
use cascade::train::{BinaryLogistic, SquaredError, TrainConfig, step_sizes, tasks_per_chunk};
use cascade_data::Split;
use cascade_models::burn::prelude::Device;
use cascade_models::{Backend, ConvLayout, ModelKind, TaskModelConfig};
use common::{assert_close, jobs, plans, ragged_binary_image_tasks, ragged_tasks};

fn device() -> Device {
    Backend::Flex.device().unwrap().device
}

/// A limit that fits exactly two of `splits`' tasks by the estimate `tasks_per_chunk` uses.
fn two_tasks_limit(
    model: &ModelKind,
    config: &TrainConfig,
    splits: &[&Split],
    dev: &Device,
) -> u64 {
    let d = splits[0].x.ncols();
    let n_max = splits.iter().map(|s| s.x.nrows()).max().unwrap();
    let rows = config.batch_size.map_or(n_max, |m| m.min(n_max));
    let per_task = model.task_step_bytes(d, 1, rows, dev) + 4 * (n_max * (d + 2)) as u64;
    2 * per_task + per_task / 2
}

#[test]
fn chunked_levels_train_what_one_batch_trains() {
    let dev = device();
    let cases = [
        (
            ragged_binary_image_tasks(3),
            "small-cnn:2",
            ConvLayout::Grouped,
            Some(8),
        ),
        (
            ragged_binary_image_tasks(3),
            "small-cnn:2",
            ConvLayout::Matmul,
            None,
        ),
        (
            ragged_binary_image_tasks(4),
            "resnet8:2",
            ConvLayout::Matmul,
            Some(8),
        ),
    ];
    for (data, name, layout, batch_size) in cases {
        let model = name.parse::<ModelKind>().unwrap().with_conv(layout);
        let model = model.for_data(16, Some([1, 4, 4])).unwrap();
        let plans = plans(&data, 150);
        let config = TrainConfig {
            batch_size,
            ..TrainConfig::with_eta(0.1)
        };
        let etas = step_sizes(&data, &model, &config, 0, 11, &dev).unwrap();
        let all = jobs(&plans, &data, &etas, 11);
        let whole = run_jobs(&all, &model, &BinaryLogistic, &config, &dev).unwrap();
        let splits: Vec<&Split> = data.tasks().iter().map(|t| &t.train).collect();
        let limited = TrainConfig {
            level_memory: Some(two_tasks_limit(&model, &config, &splits, &dev)),
            ..config
        };
        // The limit really cuts a level of all ten tasks into pieces of two.
        assert_eq!(tasks_per_chunk(&model, &limited, &splits, 1, &dev), Ok(2));
        let chunked = run_jobs(&all, &model, &BinaryLogistic, &limited, &dev).unwrap();
        for (plan, (a, b)) in plans.iter().zip(whole.iter().zip(&chunked)) {
            let what = format!("{name} {layout} {}", plan.method);
            // Chunks pad rows to their own longest task (training and test rows), so sums may
            // run in another order: f32 rounding, far below any difference a chunk could make.
            assert_close(a, b, 1e-6, &what);
        }
    }
}

#[test]
fn an_mlp_level_trains_in_chunks_too() {
    let dev = device();
    let data = ragged_tasks(5);
    let plans = plans(&data, 200);
    let model = ModelKind::SIMPLE_MLP;
    let config = TrainConfig::with_eta(0.05);
    let etas = step_sizes(&data, &model, &config, 0, 11, &dev).unwrap();
    let all = jobs(&plans, &data, &etas, 11);
    let whole = run_jobs(&all, &model, &SquaredError, &config, &dev).unwrap();
    let splits: Vec<&Split> = data.tasks().iter().map(|t| &t.train).collect();
    let limited = TrainConfig {
        level_memory: Some(two_tasks_limit(&model, &config, &splits, &dev)),
        ..config
    };
    let chunked = run_jobs(&all, &model, &SquaredError, &limited, &dev).unwrap();
    for (plan, (a, b)) in plans.iter().zip(whole.iter().zip(&chunked)) {
        assert_close(a, b, 1e-5, &plan.method.to_string());
    }
}

#[test]
fn a_limit_below_one_task_is_a_one_line_error() {
    let dev = device();
    let data = ragged_binary_image_tasks(3);
    let plans = plans(&data, 100);
    let model = "small-cnn:2"
        .parse::<ModelKind>()
        .unwrap()
        .for_data(16, Some([1, 4, 4]))
        .unwrap();
    let config = TrainConfig {
        level_memory: Some(1000),
        ..TrainConfig::with_eta(0.1)
    };
    let etas = step_sizes(&data, &model, &TrainConfig::with_eta(0.1), 0, 11, &dev).unwrap();
    let all = jobs(&plans[1..2], &data, &etas, 11);
    let err = run_jobs(&all, &model, &BinaryLogistic, &config, &dev)
        .unwrap_err()
        .to_string();
    assert!(!err.contains('\n'), "{err}");
    assert!(
        err.contains("level 0: one task of small-cnn:2 needs about"),
        "{err}"
    );
    assert!(err.contains("--device-memory"), "{err}");
}
