//! `cascade bench`: the per-task reference executor against the batched one, side by side in
//! one run, on synthetic tasks (or, with `--images`, Fashion-MNIST or synthetic image clients
//! and CNNs):
//! task-steps per second, the speed-up, peak memory, and images per second.

use std::time::Instant;

use cascade::experiment::{CompareConfig, plan_methods};
use cascade::method::Method;
use cascade::train::executor::{Training, resolve};
use cascade::train::{ExecutorChoice, Job, RunOptions, objective_for};
use cascade_data::StandardisedTaskSet;
use cascade_data::images::{
    PairFeatures, Partition, PartitionConfig, Standardise, partition_tasks,
};
use cascade_data::synthetic::SyntheticConfig;
use cascade_models::{Backend, ModelKind};
use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{CellAlignment, Table};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::args::BenchArgs;
use crate::bench_check::{Measured, TOLERANCE, check_agreement};
use crate::checked::Checked;
use crate::error::CliError;
use crate::output::write_json;
use crate::peak_memory;
use crate::ticker::{Ticker, Unit};

/// One measured configuration.
#[derive(Debug, Clone, Serialize)]
struct Row {
    tasks: usize,
    model: String,
    device: String,
    method: String,
    executor: String,
    task_steps: usize,
    /// Training seconds (building batches and stepping; evaluation excluded).
    seconds: f64,
    /// Wall seconds of the whole executor call, evaluation included.
    wall_seconds: f64,
    task_steps_per_s: f64,
    us_per_task_step: f64,
    /// Batched over reference task-steps per second, measured in this run (batched rows only).
    speedup: Option<f64>,
    /// Peak resident memory of this row (Linux; the peak is reset before each row).
    peak_mem_bytes: Option<u64>,
    /// Mean test MSE over tasks (the Brier score for classes): the two executors must agree.
    mean_test_mse: f64,
    /// Training images per second (`--images`: task-steps times the mini-batch size).
    images_per_s: Option<f64>,
    /// What must agree with the other rows of the same T, model and method (`--check`).
    #[serde(skip)]
    config: String,
}

/// Runs the benchmark grid and prints (and optionally writes) the table.
pub fn bench(args: &BenchArgs) -> Result<(), CliError> {
    let methods = args.methods.clone();
    let default_models = match args.images {
        Some(_) => "small-cnn",
        None => "linear,simple-mlp",
    };
    let models: Vec<ModelKind> = match &args.models {
        Some(models) => models.clone(),
        None => default_models
            .split(',')
            .map(|m| m.parse())
            .collect::<Result<_, _>>()?,
    };
    // Fashion-MNIST is read once; synthetic images are drawn per client count.
    let loaded = match &args.images {
        Some(source) if !source.per_count() => Some(source.load(0, args.method.seed)?),
        _ => None,
    };
    let images = args.images.as_ref();
    let batch_size = match (&images, args.method.batch_size) {
        (Some(_), None) => Some(32),
        (_, size) => size,
    };
    let backends: Vec<Backend> = args.devices.clone();
    let ticker = Ticker::start(
        "bench",
        planned_task_steps(args, models.len(), backends.len()),
        Unit::TaskSteps,
        true,
    );
    let mut rows = Vec::new();
    for &tasks in &args.tasks {
        let budget = args.steps_per_task * tasks;
        let mut rng = StdRng::seed_from_u64(args.method.seed);
        let set = match images {
            Some(source) => {
                let drawn;
                let images = match &loaded {
                    Some(images) => images,
                    None => {
                        drawn = source.load(tasks, args.method.seed)?;
                        &drawn
                    }
                };
                let config = PartitionConfig {
                    n_clients: tasks,
                    partition: Partition::Dirichlet(0.3),
                    max_train: Some(200),
                    max_test: Some(100),
                    features: PairFeatures::RawPixels,
                    standardise: Standardise::Global,
                };
                partition_tasks(images, &config, &mut rng)?.tasks
            }
            None => SyntheticConfig {
                n_tasks: tasks,
                ..Default::default()
            }
            .generate(&mut rng)?,
        };
        let objective = objective_for(set.problem());
        let objective = objective.as_ref();
        let data = StandardisedTaskSet::new(&set);
        for &model in &models {
            let mut settings = args.method.clone();
            settings.budget = Some(budget);
            settings.model = Some(model);
            settings.batch_size = batch_size;
            let checked = Checked::new(&settings, methods.clone(), None, tasks, ModelKind::Linear)?;
            let config: &CompareConfig = checked.first();
            let plans = plan_methods(&data, config, args.method.seed)?;
            for &backend in &backends {
                let device = backend.device()?.device;
                let etas = cascade::experiment::rep_step_sizes(
                    &data,
                    config,
                    args.method.seed,
                    &mut cascade::plan::DistanceCache::new(),
                    &device,
                )?;
                for plan in &plans {
                    let mut reference_rate = None;
                    // The reference, then what `--executor` picks here (auto: host-linear for
                    // linear models on a CPU device, device-batched otherwise).
                    for choice in [ExecutorChoice::Reference, config.executor] {
                        let d = data.standardised.n_features();
                        let adapted = config.model.for_data(d, data.standardised.image_shape())?;
                        let training = |model| Training {
                            model,
                            objective,
                            config: &config.train,
                            device: &device,
                        };
                        let executor = resolve(choice, training(&adapted), d)?;
                        let reference = choice == ExecutorChoice::Reference;
                        if reference && tasks > args.reference_max_tasks {
                            continue;
                        }
                        peak_memory::reset();
                        // Every repeat runs the same seeds; the median training time is kept.
                        let mut timed = Vec::with_capacity(args.repeats.max(1));
                        for _ in 0..args.repeats.max(1) {
                            let start = Instant::now();
                            let job = Job {
                                plan,
                                data: &data,
                                etas: &etas,
                                init_seed: args.method.seed,
                                label: "",
                            };
                            let (run, _) = executor
                                .run(&[job], training(&model), RunOptions::COMPARE)?
                                .remove(0);
                            timed.push((start.elapsed().as_secs_f64(), run));
                        }
                        timed.sort_by(|a, b| {
                            a.1.training_seconds().total_cmp(&b.1.training_seconds())
                        });
                        let (wall, run) = timed.swap_remove(timed.len() / 2);
                        let seconds = run.training_seconds();
                        let rate = run.steps_used as f64 / seconds;
                        let speedup = if reference {
                            reference_rate = Some(rate);
                            None
                        } else {
                            reference_rate.map(|r| rate / r)
                        };
                        let row = Row {
                            tasks,
                            model: model_label(&config.model, &device),
                            device: backend.to_string(),
                            method: plan.method.to_string(),
                            executor: executor.name().to_string(),
                            task_steps: run.steps_used,
                            seconds,
                            wall_seconds: wall,
                            task_steps_per_s: rate,
                            us_per_task_step: 1e6 / rate,
                            speedup,
                            peak_mem_bytes: peak_memory::read(),
                            mean_test_mse: run.mean_mse(),
                            images_per_s: images
                                .as_ref()
                                .map(|_| rate * batch_size.unwrap_or(1) as f64),
                            config: format!("T = {tasks} {model} {}", plan.method),
                        };
                        ticker.suspend(|| {
                            eprintln!(
                                "T = {tasks} {model} {backend} {} {}: {:.0} task-steps/s",
                                plan.method,
                                executor.name(),
                                rate
                            )
                        });
                        rows.push(row);
                        // Written after every row: a run stopped by a time limit keeps its rows.
                        if let Some(path) = &args.json {
                            write_json(path, &rows)?;
                        }
                    }
                }
            }
        }
    }
    ticker.finish();
    println!("{}", table(&rows));
    if let Some(path) = &args.json {
        write_json(path, &rows)?;
        eprintln!("benchmark written to {}", path.display());
    }
    if args.check {
        let runs: Vec<Measured> = rows
            .iter()
            .map(|r| Measured {
                config: r.config.clone(),
                runner: format!("{} {} ({})", r.device, r.executor, r.model),
                mse: r.mean_test_mse,
            })
            .collect();
        let compared = check_agreement(&runs)?;
        println!(
            "check passed: {compared} configurations, every executor and device within a \
             relative {TOLERANCE:.0e} of the same test error"
        );
    }
    Ok(())
}

/// The task-steps a bench of `models` models on `devices` devices takes: each client count's
/// budget for every trained method, executor (the reference only up to
/// `--reference-max-tasks`) and repeat.
fn planned_task_steps(args: &BenchArgs, models: usize, devices: usize) -> u64 {
    let methods = args.methods.iter().filter(|m| **m != Method::Mean).count() as u64;
    let per_model: u64 = args
        .tasks
        .iter()
        .map(|&t| {
            let executors = if t > args.reference_max_tasks { 1 } else { 2 };
            (args.steps_per_task * t) as u64 * executors
        })
        .sum();
    per_model * (models * devices * args.repeats.max(1)) as u64 * methods
}

/// The model's name, with the convolution layout it runs in on `device` for CNNs.
fn model_label(model: &ModelKind, device: &cascade_models::burn::prelude::Device) -> String {
    match model.conv() {
        Some(layout) => format!("{model} {}", layout.resolve(device)),
        None => model.to_string(),
    }
}

fn table(rows: &[Row]) -> Table {
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(vec![
        "T",
        "model",
        "device",
        "method",
        "executor",
        "task-steps",
        "train s",
        "wall s",
        "task-steps/s",
        "us/task-step",
        "speed-up",
        "peak MiB",
        "test MSE",
        "images/s",
    ]);
    for r in rows {
        table.add_row(vec![
            r.tasks.to_string(),
            r.model.clone(),
            r.device.clone(),
            r.method.clone(),
            r.executor.clone(),
            r.task_steps.to_string(),
            format!("{:.3}", r.seconds),
            format!("{:.3}", r.wall_seconds),
            format!("{:.0}", r.task_steps_per_s),
            format!("{:.2}", r.us_per_task_step),
            r.speedup.map_or("-".into(), |s| format!("{s:.1}x")),
            r.peak_mem_bytes
                .map_or("-".into(), |b| format!("{:.0}", b as f64 / 1048576.0)),
            format!("{:.3}", r.mean_test_mse),
            r.images_per_s.map_or("-".into(), |i| format!("{i:.0}")),
        ]);
    }
    for column in [0, 5, 6, 7, 8, 9, 10, 11, 12, 13] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}
