//! `cascade tune`: tune each method's learning rate eta and seed fraction f on validation rows
//! held out from training data (never the test rows: see [`setup`]), then compare the tuned
//! methods on the test data as `cascade run` does.
//!
//! A trial runs one method with one (eta, f) on every tuning repetition (trained on the
//! remaining training rows, scored on the validation rows); its value is the mean over tuning
//! repetitions of the mean validation MSE over tasks (1 - accuracy for binary labels).

mod progress;
mod report;
mod search;
mod setup;
mod trial;

use std::time::Instant;

use cascade::method::Method;
use cascade::report::MethodReport;

use crate::args::TuneArgs;
use crate::engine::{RepResults, Reps, compare_over_reps, planned_task_steps};
use crate::error::CliError;
use crate::notes::print_notes;
use crate::output::{check_writable, write_json};
use crate::progress::Progress;
use crate::run_json::JsonHeader;
use crate::session::Session;
use crate::settings::rep_seeds;
use crate::table;
use progress::TuneProgress;
use report::{MethodTuneJson, TuneJson};
use search::{MethodTuning, Tuning};
use setup::SearchSetup;

/// Tunes every method, tests the tuned methods, prints the tables and writes the JSON if asked.
pub fn tune(args: &TuneArgs) -> Result<(), CliError> {
    // The options first, so that a mistake costs no data loading.
    if args.methods.contains(&Method::Mean) {
        return Err(CliError::Usage {
            option: "--methods",
            reason: "mean trains nothing, so it has nothing to tune".into(),
        });
    }
    let search_setup = SearchSetup::from_args(args)?;
    if let Some(path) = &args.json {
        check_writable(path)?;
    }
    setup::check_data(&args.source)?;
    let session = Session::open(&args.data, &args.source, &args.method, 0)?;
    let seed = session.seed;
    let methods = args.methods.clone();
    let n_tasks = session.tasks().len();
    let base = session.check(&args.method, methods.clone(), None)?;
    let binary = session.tasks().problem().is_classification();
    let (trials, tune_reps) = (args.trials.get(), args.tune_reps.get());
    let (test_reps, stack) = (args.reps.get(), args.stack.get());
    let start = Instant::now();

    let tuning_reps =
        setup::tuning_reps(&session.source, seed, tune_reps, args.validation_fraction)?;
    let repetitions = setup::repetitions(&tuning_reps);
    let tuning = Tuning {
        base: &base,
        reps: &repetitions,
        device: &session.device.device,
        setup: &search_setup,
        trials,
        seed,
        binary,
    };
    let progress = TuneProgress::new(methods.len() * trials);
    let tunings = methods
        .iter()
        .map(|&method| tuning.method(method, &progress))
        .collect::<Result<Vec<MethodTuning>, _>>();
    progress.finish();
    let tunings = tunings?;

    // The test comparison: each method with its own eta, so one batched program per method.
    let mut reports: Vec<MethodReport> = Vec::new();
    let mut completed = test_reps;
    let mut failure = None;
    let budget = base.first().plan.budget.total;
    for t in &tunings {
        let best = t.best();
        let config = base.tuned(t.method, best.eta, best.seed_fraction)?;
        eprintln!(
            "testing {} with its best setting on {test_reps} repetition(s)",
            t.method
        );
        let progress = Progress::new(
            "tune test",
            test_reps,
            planned_task_steps(&config, test_reps),
        );
        let RepResults {
            reports: mut grid,
            completed: done,
            error,
        } = compare_over_reps(
            &session,
            &config,
            Reps {
                count: test_reps,
                stack,
            },
            &progress,
            |first| print_notes(first.iter().flatten().map(|m| (m, None))),
        );
        progress.finish();
        let report = grid.remove(0).remove(0);
        if let Some(&steps) = report.steps.iter().find(|&&s| s > budget) {
            return Err(CliError::OverBudget {
                method: t.method.to_string(),
                what: "a test repetition".into(),
                steps,
                budget,
            });
        }
        if done > 0 {
            reports.push(report);
        }
        if let Some(error) = error {
            completed = done;
            failure = Some(error);
            break;
        }
    }
    // The Mean baseline on the same test repetitions, as the table's reference row: it trains
    // nothing, so it has nothing to tune.
    let mean_config = base.with_methods(vec![Method::Mean])?;
    let progress = Progress::new("tune mean", completed, 0);
    let mean = compare_over_reps(
        &session,
        &mean_config,
        Reps {
            count: completed,
            stack,
        },
        &progress,
        |_| {},
    )
    .reports
    .remove(0)
    .remove(0);
    progress.finish();
    let wall = start.elapsed().as_secs_f64();

    if let Some(path) = &args.json {
        let json = TuneJson {
            header: JsonHeader::new(args, &session),
            objective: if binary {
                "mean over tuning repetitions of the mean over tasks of 1 - validation accuracy"
            } else {
                "mean over tuning repetitions of the mean over tasks of the validation MSE"
            },
            tuning_data_seeds: (0..tune_reps)
                .map(|r| rep_seeds(seed, setup::TUNING_REPS_FROM + r).0)
                .collect(),
            test_data_seeds: (0..test_reps).map(|r| rep_seeds(seed, r).0).collect(),
            wall_seconds: wall,
            completed_reps: completed,
            error: failure.as_ref().map(|e| e.to_string()),
            methods: tunings
                .iter()
                .enumerate()
                .map(|(m, t)| MethodTuneJson::new(t, reports.get(m)))
                .collect(),
        };
        write_json(path, &json)?;
        eprintln!("tuning and test results written to {}", path.display());
    }
    if let Some(error) = failure {
        return Err(error);
    }

    println!(
        "{}, B = {budget}, eta and f tuned per method, model {}, {test_reps} reps, device {}",
        session.describe(),
        base.first().model,
        session.device.backend,
    );
    let rows: Vec<MethodReport> = std::iter::once(mean).chain(reports.clone()).collect();
    println!("{}", table::results(&rows));
    if let Some(verdict) = crate::verdict::verdict(&rows) {
        println!("{verdict}");
    }
    println!(
        "tuning: {} search, {} trials a method, each the mean over {} tuning repetition(s) \
         (data seeds apart from the test repetitions') with {} of every task's training rows \
         held out as validation rows",
        search_setup.tuner.search, trials, tune_reps, args.validation_fraction
    );
    println!("{}", report::summary(&tunings, &reports, binary, n_tasks));
    println!("wall time {wall:.1} s");
    Ok(())
}
