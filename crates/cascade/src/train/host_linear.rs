//! Linear cascades under the squared error, trained on the host.
//!
//! A deep tree trains level after level, and on the device every step of every level pays the
//! backend's fixed cost per tensor operation (tens of microseconds on flex, more on a GPU's
//! launch path), hundreds of times over. For the model [`super::fit`] already trains from
//! sufficient statistics (one affine layer with one output, squared error, SGD, full batches,
//! no L2), a step costs `O((d+1)^2)` per task, well under a microsecond at small `d`: so here
//! the whole cascade runs on the host in f64, every level's tasks spread over the cores, and
//! the device is touched twice: once to draw the roots' initial parameters (the same draws as
//! the device path) and once to evaluate every task's trained model together.
//!
//! The iterates are the device path's (same statistics, the same step rule, [`super::step`])
//! computed in f64 instead of f32, so results agree to f32 rounding. This is the
//! [`super::executor::HostLinear`] executor's path, for tasks with at most [`HOST_MAX_PARAMS`]
//! parameters; `auto` takes it only on CPU devices, never in place of a GPU.

use std::time::Instant;

use burn::module::Param;
use burn::prelude::*;
use cascade_models::{TaskLinear, TaskModelConfig, TaskModule, to_host};

use super::executor::Training;
use super::fit_linear::{LinearStatistics, sufficient_statistics_apply};
use super::job::{Job, RunOptions};
use super::levels::{CascadeJob, Level, Outcomes, RowIndex};
use super::step::{Divergence, HostWatch};
use super::{Objective, TrainConfig, evaluate_if};
use crate::CascadeError;
use crate::parallel::par_map;

/// Most parameters per task (`d + 1`) trained on the host.
pub(super) const HOST_MAX_PARAMS: usize = 64;

/// Tasks evaluated together (whole levels, so a chunk may hold more).
const EVALUATION_CHUNK: usize = 2048;

/// Whether [`train_levels_on_host`] applies: `fit`'s sufficient-statistics conditions
/// ([`sufficient_statistics_apply`], checked on a one-task model) and at most
/// [`HOST_MAX_PARAMS`] parameters per task.
pub(super) fn applies<C: TaskModelConfig>(training: Training<C>, d: usize) -> bool {
    let Training {
        model,
        objective,
        config,
        device,
    } = training;
    d < HOST_MAX_PARAMS
        && sufficient_statistics_apply(
            &model.init_tasks(d, objective.outputs(), &[0], device),
            objective,
            config,
        )
}

/// One task's descent: `steps` clipped gradient steps on `stats` from `theta` (`[d+1]`, the
/// bias last), in place. Returns the loss at the last step (before its update) and the first
/// divergence, as `fit`'s watch defines them.
fn descend(
    theta: &mut [f64],
    stats: &LinearStatistics,
    steps: usize,
    eta: f64,
    config: &TrainConfig,
) -> (Option<f64>, Option<Divergence>) {
    let k = theta.len();
    let mut a_theta = vec![0.0; k];
    let mut watch = HostWatch::new();
    for step in 0..steps {
        for (p, out) in a_theta.iter_mut().enumerate() {
            let row = &stats.a[p * k..(p + 1) * k];
            *out = row.iter().zip(theta.iter()).map(|(a, t)| a * t).sum();
        }
        let loss: f64 = theta
            .iter()
            .zip(&a_theta)
            .zip(&stats.c)
            .map(|((t, at), c)| t * (at - 2.0 * c))
            .sum::<f64>()
            + stats.s;
        let norm = a_theta
            .iter()
            .zip(&stats.c)
            .map(|(at, c)| (2.0 * (at - c)).powi(2))
            .sum::<f64>()
            .sqrt();
        let scale = watch.step(step, loss, norm, eta, config);
        for ((t, at), c) in theta.iter_mut().zip(&a_theta).zip(&stats.c) {
            *t -= scale * 2.0 * (at - c);
        }
    }
    crate::progress::add_task_steps(steps);
    watch.finish()
}

/// Trains every cascade job's tasks level by level on the host (see the module docs) and
/// records each task's result in `outcomes`. A level's training time (statistics and steps) is
/// shared among its tasks in proportion to their steps, as on the device.
#[allow(clippy::too_many_arguments)]
pub(super) fn train_levels_on_host<C: TaskModelConfig>(
    jobs: &[Job],
    cascades: &[CascadeJob],
    model: &C,
    objective: &dyn Objective,
    config: &TrainConfig,
    device: &Device,
    outcomes: &mut Outcomes<C::Model>,
    options: RunOptions,
    start: Option<(usize, &C::Model)>,
) -> Result<(), CascadeError> {
    let depth = cascades.iter().map(|c| c.levels.len()).max().unwrap_or(0);
    let levels: Vec<Level> = (0..depth).map(|l| Level::new(jobs, cascades, l)).collect();
    let Some(first) = levels.first() else {
        return Ok(());
    };
    let d = jobs[cascades[first.entries[0].0].job]
        .data
        .standardised
        .n_features();
    let k = d + 1;
    // Every trained task's parameters, in level order, and its row there; a part of a plan
    // starts with its top task's parent, task `p`, as row 0.
    let mut trained: Vec<f64> = Vec::new();
    let mut row_of = RowIndex::new();
    let mut start_theta = match start {
        Some((p, model)) => {
            trained = host_theta(model, k);
            row_of.insert((0, p), 0);
            Vec::new()
        }
        None => host_theta(
            &model.init_tasks(d, 1, &first.init_seeds(jobs, cascades), device),
            k,
        ),
    };
    let started_rows = trained.len() / k;
    let mut timings = Vec::with_capacity(depth);
    for (depth_index, level) in levels.iter().enumerate() {
        let start = Instant::now();
        if depth_index > 0 || started_rows > 0 {
            // A child starts from its parent's parameters as the device holds them (f32), so
            // that a part of a plan, started from its parent's saved model, trains exactly
            // as it does with the whole plan.
            start_theta = level
                .parent_rows(cascades, &row_of)
                .into_iter()
                .flat_map(|row| {
                    trained[row * k..(row + 1) * k]
                        .iter()
                        .map(|&x| x as f32 as f64)
                })
                .collect();
        }
        let splits = level.splits(jobs, cascades);
        let tasks: Vec<usize> = (0..level.entries.len()).collect();
        // About 1-2 us of work a task at small d: spawn threads only for wide levels.
        let runs = par_map(&tasks, 128, |&t| {
            let mut theta = start_theta[t * k..(t + 1) * k].to_vec();
            let stats = LinearStatistics::of(splits[t]);
            let (last, diverged) =
                descend(&mut theta, &stats, level.steps[t], level.etas[t], config);
            (theta, last, diverged)
        });
        if let Some((t, bad)) = runs
            .iter()
            .enumerate()
            .filter_map(|(t, run)| run.2.map(|bad| (t, bad)))
            .min_by_key(|(_, bad)| bad.step)
        {
            return Err(CascadeError::Diverged {
                task: level.names[t].clone(),
                step: bad.step,
                steps: level.steps[t],
                loss: bad.loss,
                limit: bad.limit,
                eta: level.etas[t],
            });
        }
        let mut last_loss = Vec::with_capacity(runs.len());
        for (&entry, (theta, last, _)) in level.entries.iter().zip(runs) {
            row_of.insert(entry, trained.len() / k);
            trained.extend(theta);
            last_loss.push(last);
        }
        timings.push((start.elapsed().as_secs_f64(), last_loss));
    }
    // The trained layers go back to the device and are evaluated a few levels at a time:
    // one evaluation per level would pay the per-operation cost again, one for all tasks at
    // once would hold every task's test rows on the device together.
    let mut offset = started_rows;
    let mut from = 0;
    while from < levels.len() {
        let mut to = from + 1;
        let mut n = levels[from].entries.len();
        while to < levels.len() && n < EVALUATION_CHUNK {
            n += levels[to].entries.len();
            to += 1;
        }
        let chunk = &trained[offset * k..(offset + n) * k];
        let stacked = model
            .init_tasks(d, 1, &vec![0; n], device)
            .with_affine(device_layer(chunk, d, n, device));
        let rows: Vec<_> = levels[from..to]
            .iter()
            .flat_map(|level| level.rows(jobs, cascades))
            .collect();
        let mut errors = evaluate_if(options.evaluate, &stacked, &rows, objective).into_iter();
        let mut row = 0;
        for (level, (elapsed, last_loss)) in levels[from..to].iter().zip(&timings[from..to]) {
            let here = level.entries.len();
            let models = if options.keep_models {
                let rows: Vec<usize> = (row..row + here).collect();
                Some(stacked.gather(&rows).map_err(CascadeError::Model)?)
            } else {
                None
            };
            outcomes.record_level(
                jobs,
                cascades,
                level,
                *elapsed,
                last_loss,
                errors.by_ref().take(here).collect(),
                models.as_ref(),
            )?;
            row += here;
        }
        offset += n;
        from = to;
    }
    Ok(())
}

/// The affine layer's parameters as host rows `[T, d+1]` (weights, then the bias).
fn host_theta<M: TaskModule>(model: &M, k: usize) -> Vec<f64> {
    let layer = model
        .affine()
        .expect("applies() checked that the model is one affine layer");
    let weight = to_host(layer.weight.val()); // [T, d, 1]
    let bias = to_host(layer.bias.val()); // [T, 1, 1]
    let d = k - 1;
    bias.iter()
        .enumerate()
        .flat_map(|(t, &b)| {
            weight[t * d..(t + 1) * d]
                .iter()
                .chain(std::iter::once(&b))
                .map(|&v| v as f64)
                .collect::<Vec<f64>>()
        })
        .collect()
}

/// Host rows `[T, d+1]` as a device layer (`weight [T, d, 1]`, `bias [T, 1, 1]`).
fn device_layer(theta: &[f64], d: usize, t: usize, device: &Device) -> TaskLinear {
    let k = d + 1;
    let weight: Vec<f32> = (0..t)
        .flat_map(|row| theta[row * k..row * k + d].iter().map(|&v| v as f32))
        .collect();
    let bias: Vec<f32> = (0..t).map(|row| theta[row * k + d] as f32).collect();
    TaskLinear {
        weight: Param::from_data(TensorData::new(weight, [t, d, 1]), device),
        bias: Param::from_data(TensorData::new(bias, [t, 1, 1]), device),
    }
}
