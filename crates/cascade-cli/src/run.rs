//! `cascade run`: compare methods over repetitions of synthetic tasks.

use std::time::Instant;

use cascade::experiment::compare_on;
use cascade::report::{MethodReport, Stats};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::args::RunArgs;
use crate::error::CliError;
use crate::notes::print_notes;
use crate::output::write_json;
use crate::progress::Progress;
use crate::{settings, table};

/// What `--json` writes: the full configuration, then per method every repetition's results.
#[derive(Serialize)]
struct RunJson<'a> {
    cascade_version: &'static str,
    config: &'a RunArgs,
    device: String,
    wall_seconds: f64,
    /// Repetitions whose results are below (fewer than asked when the run failed).
    completed_reps: usize,
    /// Why the run stopped early, if it did.
    error: Option<String>,
    methods: Vec<MethodJson<'a>>,
}

/// One method: each metric's statistics over repetitions with the per-repetition values, the
/// cost per repetition, and the per-task results of the last repetition.
#[derive(Serialize)]
struct MethodJson<'a> {
    method: String,
    mse: MetricJson<'a>,
    rmse: MetricJson<'a>,
    steps: &'a [usize],
    seconds: &'a [f64],
    last_rep_tasks: &'a [cascade::train::TaskResult],
    notes: &'a [cascade::plan::PlanNote],
}

#[derive(Serialize)]
struct MetricJson<'a> {
    #[serde(flatten)]
    stats: Stats,
    per_rep: &'a [f64],
}

impl<'a> MethodJson<'a> {
    fn new(report: &'a MethodReport) -> Self {
        Self {
            method: report.method.to_string(),
            mse: MetricJson {
                stats: report.mse_stats(),
                per_rep: &report.mse,
            },
            rmse: MetricJson {
                stats: report.rmse_stats(),
                per_rep: &report.rmse,
            },
            steps: &report.steps,
            seconds: &report.seconds,
            last_rep_tasks: &report.last_tasks,
            notes: &report.notes,
        }
    }
}

/// Runs the comparison, prints the table and writes the JSON file if asked.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let data_config = settings::synthetic(&args.data)?;
    let methods = settings::methods(args.methods.as_deref())?;
    let config = settings::compare(&args.method, methods, data_config.n_tasks)?;
    let device = settings::device(&args.method.device)?;
    if args.reps == 0 {
        return Err(CliError::Usage {
            option: "--reps",
            reason: "must be at least 1".into(),
        });
    }
    let start = Instant::now();
    let mut reports: Vec<MethodReport> = config
        .methods
        .iter()
        .map(|&m| MethodReport::new(m))
        .collect();
    let progress = Progress::new(args.reps, config.methods.len());
    let outcome: Result<(), CliError> = (0..args.reps).try_for_each(|rep| {
        let in_rep = |e: CliError| CliError::InRepetition {
            rep: rep + 1,
            source: Box::new(progress.fail(rep, e)),
        };
        let (data_seed, run_seed) = settings::rep_seeds(args.method.seed, rep);
        let set = data_config
            .generate(&mut StdRng::seed_from_u64(data_seed))
            .map_err(|e| in_rep(e.into()))?;
        let outcomes = compare_on(&set, &config, run_seed, &device.device, |p| {
            progress.method(rep, p.method_index, &p.method.to_string());
        })
        .map_err(|e| in_rep(e.into()))?;
        if rep == 0 {
            progress.suspend(|| print_notes(&outcomes, &set));
        }
        for (report, outcome) in reports.iter_mut().zip(&outcomes) {
            report.push(outcome);
        }
        progress.rep_done(rep);
        Ok(())
    });
    progress.finish();
    let wall = start.elapsed().as_secs_f64();
    let completed = reports[0].mse.len();
    if let Some(path) = &args.json {
        // Written even when a repetition failed, so finished repetitions are never lost.
        if outcome.is_ok() || completed > 0 {
            let json = RunJson {
                cascade_version: env!("CARGO_PKG_VERSION"),
                config: args,
                device: device.backend.to_string(),
                wall_seconds: wall,
                completed_reps: completed,
                error: outcome.as_ref().err().map(|e| e.to_string()),
                methods: reports.iter().map(MethodJson::new).collect(),
            };
            write_json(path, &json)?;
            eprintln!(
                "results of {completed} repetition(s) written to {}",
                path.display()
            );
        }
    }
    outcome?;

    println!(
        "{} tasks, d = {}, B = {}, eta = {}, model {}, {} reps, device {}, tau_within = {}, tau_between = {}, sigma = {}",
        data_config.n_tasks,
        data_config.n_features,
        args.method.budget,
        args.method.eta,
        config.model,
        args.reps,
        device.backend,
        data_config.tau_within,
        data_config.tau_between,
        data_config.sigma,
    );
    println!("{}", table::results(&reports));
    println!("wall time {wall:.1} s");
    Ok(())
}
