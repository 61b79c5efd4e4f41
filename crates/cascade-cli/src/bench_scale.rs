//! `cascade bench --scale`: planning and training past one machine's comfortable sizes, on
//! synthetic linear tasks (20 features, 64 training and 16 test rows a task) at each `--tasks`
//! count.
//!
//! Planning: the MST plan over `gradient` and `feature` (and `mmd` up to 10,000 tasks), in one
//! process as `cascade plan` makes it (without the `T x T` matrix from 4096 tasks on), with the
//! matrix for comparison up to 10,000 tasks, and as `--blocks` distance blocks computed in turn
//! and combined; each with its seconds and peak resident memory (the task data included), and
//! whether its plan is identical to the one-process plan. A way whose time, estimated from a
//! sample of the distance's pairs, passes `--max-minutes` is reported by its estimate instead.
//! Training: linear indiv and mst-gradient by the host-linear executor, task-steps per second.

use std::time::Instant;

use cascade::blocks::{BlockResult, block_rows, combine, compute_block};
use cascade::distance::{Distance, pair_distance};
use cascade::experiment::{CompareConfig, plan_methods, rep_step_sizes};
use cascade::method::Method;
use cascade::plan::{DistanceCache, Plan, PlanConfig, Storage, make_plan};
use cascade::train::executor::{Training, resolve};
use cascade::train::{Job, RunOptions, objective_for};
use cascade_data::StandardisedTaskSet;
use cascade_data::synthetic::SyntheticConfig;
use cascade_models::ModelKind;
use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{CellAlignment, Table};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::args::BenchArgs;
use crate::checked::Checked;
use crate::error::CliError;
use crate::output::write_json;
use crate::peak_memory;

/// Up to this many tasks the matrix way and `mmd` are measured too.
const MATRIX_MAX_TASKS: usize = 10_000;

/// One way of planning one distance at one task count.
#[derive(Debug, Clone, Serialize)]
struct PlanRow {
    tasks: usize,
    distance: String,
    /// `matrix`, `no matrix` (one process) or `B blocks`.
    way: String,
    /// Wall seconds (all blocks one after the other for blocks); `None` when only estimated.
    seconds: Option<f64>,
    /// Seconds estimated from a sample of pairs (pair-form distances only).
    estimated_seconds: Option<f64>,
    /// The slowest block's seconds (blocks only): the wall time with the blocks side by side.
    block_max_seconds: Option<f64>,
    /// Peak resident memory, task data included.
    peak_mib: Option<f64>,
    /// Resident memory before planning (the task data).
    data_mib: Option<f64>,
    /// The largest block result as JSON (blocks only).
    block_file_kib: Option<f64>,
    /// Whether the plan equals the one-process plan.
    identical: Option<bool>,
}

/// One training run.
#[derive(Debug, Clone, Serialize)]
struct TrainRow {
    tasks: usize,
    method: String,
    executor: String,
    task_steps: usize,
    seconds: f64,
    task_steps_per_s: f64,
    peak_mib: Option<f64>,
    mean_test_mse: f64,
}

#[derive(Serialize)]
struct Rows {
    plans: Vec<PlanRow>,
    training: Vec<TrainRow>,
}

fn mib(bytes: Option<u64>) -> Option<f64> {
    bytes.map(|b| b as f64 / 1048576.0)
}

/// Runs the scale benchmark and prints (and optionally writes) its two tables.
pub fn bench_scale(args: &BenchArgs) -> Result<(), CliError> {
    let mut rows = Rows {
        plans: Vec::new(),
        training: Vec::new(),
    };
    for &tasks in &args.tasks {
        let data = {
            let set = SyntheticConfig {
                n_tasks: tasks,
                n_features: 20,
                n_train: 64,
                n_test: 16,
                ..Default::default()
            }
            .generate(&mut StdRng::seed_from_u64(args.method.seed))?;
            StandardisedTaskSet::new(&set)
        };
        let mut kinds = vec![Distance::Gradient, Distance::Feature];
        if tasks <= MATRIX_MAX_TASKS {
            kinds.push(Distance::Mmd);
        }
        for kind in kinds {
            plan_rows(args, &data, kind, &mut rows.plans)?;
        }
        train_rows(args, &data, &mut rows.training)?;
    }
    println!("{}", plan_table(&rows.plans));
    println!("{}", train_table(&rows.training));
    if let Some(path) = &args.json {
        write_json(path, &rows)?;
        eprintln!("benchmark written to {}", path.display());
    }
    Ok(())
}

/// Seconds of one pair of `kind` on one core, from a sample of columns computed as blocks do
/// (`None` for distances computed as a matrix only).
fn seconds_a_pair(data: &StandardisedTaskSet, kind: Distance) -> Result<Option<f64>, CliError> {
    let Some(pairs) = pair_distance(data, kind)? else {
        return Ok(None);
    };
    let n = pairs.len();
    let rows = 64.min(n - 1);
    let columns = (20_000 / rows).min(n - rows);
    let mut column = vec![0.0; rows];
    let start = Instant::now();
    for j in n - columns..n {
        pairs.pair_column(0..rows, j, &mut column);
        std::hint::black_box(&column);
    }
    Ok(Some(
        start.elapsed().as_secs_f64() / (rows * columns) as f64,
    ))
}

/// A measured plan: its seconds, peak memory and the plan.
fn timed_plan(
    args: &BenchArgs,
    data: &StandardisedTaskSet,
    kind: Distance,
    cache: &mut DistanceCache,
) -> Result<(f64, Option<u64>, Plan), CliError> {
    let config = PlanConfig::new(args.steps_per_task * data.len());
    let mut rng = StdRng::seed_from_u64(args.method.seed);
    peak_memory::release_free();
    peak_memory::reset();
    let start = Instant::now();
    let plan = make_plan(Method::Mst(kind), data, cache, &config, &mut rng)?;
    Ok((start.elapsed().as_secs_f64(), peak_memory::read(), plan))
}

fn plan_rows(
    args: &BenchArgs,
    data: &StandardisedTaskSet,
    kind: Distance,
    out: &mut Vec<PlanRow>,
) -> Result<(), CliError> {
    let tasks = data.len();
    let cores = std::thread::available_parallelism().map_or(1, |p| p.get()) as f64;
    let pair = seconds_a_pair(data, kind)?;
    let blocks = args.blocks.max(1);
    let pairs_one = (tasks * (tasks - 1) / 2) as f64;
    // A block computes its own pairs and its rows' pairs with the earlier rows.
    let pairs_blocks: f64 = (0..blocks)
        .map(|b| {
            let rows = block_rows(tasks, blocks, b).unwrap_or(0..0);
            (rows.len() * tasks) as f64 - (rows.len() * (rows.len() + 1) / 2) as f64
        })
        .sum();
    let estimate = |pairs: f64| pair.map(|p| p * pairs / cores);
    let row = |way: String, estimated_seconds| PlanRow {
        tasks,
        distance: kind.to_string(),
        way,
        seconds: None,
        estimated_seconds,
        block_max_seconds: None,
        peak_mib: None,
        data_mib: mib(peak_memory::current()),
        block_file_kib: None,
        identical: None,
    };
    let too_slow = |e: Option<f64>| e.is_some_and(|s| s > 60.0 * args.max_minutes);
    let data_now = || {
        peak_memory::release_free();
        mib(peak_memory::current())
    };
    // One process, as `cascade plan` makes it; the reference of the identity checks.
    let one_estimate = estimate(pairs_one);
    let mut one = row("one process".into(), one_estimate);
    let mut reference = None;
    if !too_slow(one_estimate) {
        one.data_mib = data_now();
        let (seconds, peak, plan) = timed_plan(args, data, kind, &mut DistanceCache::new())?;
        let storage = if pair.is_some() && tasks >= cascade::plan::MATRIX_FREE_TASKS {
            "no matrix"
        } else {
            "matrix"
        };
        one.way = format!("one process, {storage}");
        (one.seconds, one.peak_mib) = (Some(seconds), mib(peak));
        eprintln!("T = {tasks} {kind} {}: {seconds:.1} s", one.way);
        reference = Some(plan);
    }
    out.push(one);
    if pair.is_none() {
        return Ok(());
    }
    if (cascade::plan::MATRIX_FREE_TASKS..=MATRIX_MAX_TASKS).contains(&tasks) {
        let mut matrix = row("one process, matrix".into(), estimate(pairs_one));
        matrix.data_mib = data_now();
        let mut cache = DistanceCache::with_storage(Storage::Matrix);
        let (seconds, peak, plan) = timed_plan(args, data, kind, &mut cache)?;
        (matrix.seconds, matrix.peak_mib) = (Some(seconds), mib(peak));
        matrix.identical = reference.as_ref().map(|r| *r == plan);
        eprintln!("T = {tasks} {kind} matrix: {seconds:.1} s");
        out.push(matrix);
    }
    let blocks_estimate = estimate(pairs_blocks);
    let mut split = row(format!("{blocks} blocks"), blocks_estimate);
    if too_slow(blocks_estimate) {
        out.push(split);
        return Ok(());
    }
    split.data_mib = data_now();
    let mut texts = Vec::with_capacity(blocks);
    let (mut total, mut slowest, mut peak, mut largest) = (0.0, 0.0f64, 0u64, 0usize);
    for b in 0..blocks {
        peak_memory::release_free();
        peak_memory::reset();
        let start = Instant::now();
        let result = compute_block(data, kind, blocks, b)?;
        let seconds = start.elapsed().as_secs_f64();
        peak = peak.max(peak_memory::read().unwrap_or(0));
        let text = serde_json::to_string(&result).map_err(|e| CliError::Usage {
            option: "--scale",
            reason: format!("writing block {b}: {e}"),
        })?;
        largest = largest.max(text.len());
        eprintln!("T = {tasks} {kind} block {b} of {blocks}: {seconds:.1} s");
        (total, slowest) = (total + seconds, slowest.max(seconds));
        texts.push(text);
    }
    // Combining reads the results back as another job would, then plans from them.
    let start = Instant::now();
    let results = texts
        .iter()
        .map(|t| serde_json::from_str::<BlockResult>(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Usage {
            option: "--scale",
            reason: format!("reading a block: {e}"),
        })?;
    let mut cache = DistanceCache::with_storage(Storage::Matrix);
    cache.insert_summary(combine(results)?);
    let (plan_seconds, plan_peak, plan) = timed_plan(args, data, kind, &mut cache)?;
    let combine_seconds = start.elapsed().as_secs_f64().max(plan_seconds);
    split.seconds = Some(total + combine_seconds);
    split.block_max_seconds = Some(slowest);
    split.peak_mib = mib(Some(peak.max(plan_peak.unwrap_or(0))));
    split.block_file_kib = Some(largest as f64 / 1024.0);
    split.identical = reference.as_ref().map(|r| *r == plan);
    out.push(split);
    Ok(())
}

fn train_rows(
    args: &BenchArgs,
    data: &StandardisedTaskSet,
    out: &mut Vec<TrainRow>,
) -> Result<(), CliError> {
    let tasks = data.len();
    let Some(&backend) = args.devices.first() else {
        return Ok(());
    };
    let device = backend.device()?.device;
    let mut settings = args.method.clone();
    settings.budget = Some(args.steps_per_task * tasks);
    settings.model = Some(ModelKind::Linear);
    let methods = vec![Method::Indiv, Method::Mst(Distance::Gradient)];
    let checked = Checked::new(&settings, methods, None, tasks, ModelKind::Linear)?;
    let config: &CompareConfig = checked.first();
    let plans = plan_methods(data, config, args.method.seed)?;
    let etas = rep_step_sizes(
        data,
        config,
        args.method.seed,
        &mut DistanceCache::new(),
        &device,
    )?;
    let objective = objective_for(data.standardised.problem());
    let d = data.standardised.n_features();
    let training = Training {
        model: &ModelKind::Linear,
        objective: objective.as_ref(),
        config: &config.train,
        device: &device,
    };
    let executor = resolve(config.executor, training, d)?;
    for plan in &plans {
        peak_memory::release_free();
        peak_memory::reset();
        let job = Job {
            plan,
            data,
            etas: &etas,
            init_seed: args.method.seed,
            label: "",
        };
        let (run, _) = executor
            .run(&[job], training, RunOptions::COMPARE)?
            .remove(0);
        let seconds = run.training_seconds();
        let rate = run.steps_used as f64 / seconds;
        eprintln!(
            "T = {tasks} {} {}: {rate:.0} task-steps/s",
            plan.method,
            executor.name()
        );
        out.push(TrainRow {
            tasks,
            method: plan.method.to_string(),
            executor: executor.name().to_string(),
            task_steps: run.steps_used,
            seconds,
            task_steps_per_s: rate,
            peak_mib: mib(peak_memory::read()),
            mean_test_mse: run.mean_mse(),
        });
    }
    Ok(())
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

fn plan_table(rows: &[PlanRow]) -> Table {
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(vec![
        "T",
        "distance",
        "way",
        "seconds",
        "estimated s",
        "slowest block s",
        "peak MiB",
        "data MiB",
        "block file KiB",
        "identical",
    ]);
    for r in rows {
        table.add_row(vec![
            r.tasks.to_string(),
            r.distance.clone(),
            r.way.clone(),
            opt(r.seconds, 1),
            opt(r.estimated_seconds, 0),
            opt(r.block_max_seconds, 1),
            opt(r.peak_mib, 0),
            opt(r.data_mib, 0),
            opt(r.block_file_kib, 0),
            r.identical
                .map_or("-".into(), |i| if i { "yes" } else { "NO" }.into()),
        ]);
    }
    for column in [0, 3, 4, 5, 6, 7, 8] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

fn train_table(rows: &[TrainRow]) -> Table {
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(vec![
        "T",
        "method",
        "executor",
        "task-steps",
        "train s",
        "task-steps/s",
        "peak MiB",
        "test MSE",
    ]);
    for r in rows {
        table.add_row(vec![
            r.tasks.to_string(),
            r.method.clone(),
            r.executor.clone(),
            r.task_steps.to_string(),
            format!("{:.2}", r.seconds),
            format!("{:.0}", r.task_steps_per_s),
            opt(r.peak_mib, 0),
            format!("{:.3}", r.mean_test_mse),
        ]);
    }
    for column in [0, 3, 4, 5, 6, 7] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}
