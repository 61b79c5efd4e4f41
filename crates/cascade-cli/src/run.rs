//! `cascade run`: compare methods over repetitions of synthetic tasks.

use std::borrow::Cow;
use std::time::Instant;

use cascade::experiment::{CompareConfig, MethodOutcome, Repetition, compare_grid};
use cascade::report::{MethodReport, Stats};
use cascade_data::{LoadedTasks, TaskSet};
use cascade_models::DeviceChoice;
use cascade_models::burn::prelude::Device;
use serde::Serialize;

use crate::args::RunArgs;
use crate::error::CliError;
use crate::eta::EtaSummary;
use crate::notes::{print_loading_notes, print_notes};
use crate::output::write_json;
use crate::progress::Progress;
use crate::source::Source;
use crate::{settings, table};

/// What every results JSON of `run` and `tune` starts with: the version, the full
/// configuration, the device, and what the data are with what reading them skipped or noted
/// (repetition 0).
#[derive(Serialize)]
pub struct JsonHeader<'a, C: Serialize> {
    cascade_version: &'static str,
    config: &'a C,
    device: String,
    data: String,
    data_notes: &'a [String],
    skipped_tasks: &'a [cascade_data::SkippedTask],
}

impl<'a, C: Serialize> JsonHeader<'a, C> {
    /// The header of a command configured by `config`, on `device`, reading `rep0` from
    /// `source`.
    pub fn new(
        config: &'a C,
        device: &DeviceChoice,
        source: &Source,
        rep0: &'a LoadedTasks,
    ) -> Self {
        Self {
            cascade_version: env!("CARGO_PKG_VERSION"),
            config,
            device: device.backend.to_string(),
            data: source.describe(&rep0.tasks),
            data_notes: &rep0.notes,
            skipped_tasks: &rep0.skipped,
        }
    }
}

/// What `--json` writes: the full configuration, then per method every repetition's results.
#[derive(Serialize)]
struct RunJson<'a> {
    #[serde(flatten)]
    header: JsonHeader<'a, RunArgs>,
    wall_seconds: f64,
    /// The learning rates repetition 1 used (chosen from the data with `--eta auto`).
    eta: Option<EtaSummary>,
    /// The default methods left out because their distances cannot apply to the data.
    methods_note: Option<String>,
    /// Repetitions whose results are below (fewer than asked when the run failed).
    completed_reps: usize,
    /// Why the run stopped early, if it did.
    error: Option<String>,
    /// One entry per budget (one unless `--budgets` lists several).
    settings: Vec<SettingJson<'a>>,
}

/// The results of one budget.
#[derive(Serialize)]
struct SettingJson<'a> {
    budget: usize,
    methods: Vec<MethodJson<'a>>,
}

/// One method: each metric's statistics over repetitions with the per-repetition values, the
/// cost per repetition, and the per-task results of the last repetition.
#[derive(Serialize)]
pub struct MethodJson<'a> {
    method: String,
    /// The executor that trained it (`batched`, `reference`, `host-linear`; `none` for Mean).
    executor: &'a str,
    /// The device that ran its steps (`flex`, `ndarray`, `wgpu`, `cuda`, or `host`).
    device: &'a str,
    mse: MetricJson<'a>,
    rmse: MetricJson<'a>,
    /// Binary labels only: accuracy (fraction correct) over repetitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    accuracy: Option<MetricJson<'a>>,
    steps: &'a [usize],
    seconds: &'a [f64],
    last_rep_tasks: &'a [cascade::train::TaskResult],
    notes: &'a [cascade::plan::PlanNote],
}

/// A metric's statistics over repetitions, and its value in each.
#[derive(Serialize)]
pub struct MetricJson<'a> {
    #[serde(flatten)]
    stats: Stats,
    per_rep: &'a [f64],
}

impl<'a> MethodJson<'a> {
    /// The JSON view of `report`.
    pub fn new(report: &'a MethodReport) -> Self {
        Self {
            method: report.method.to_string(),
            executor: &report.trained_by.executor,
            device: &report.trained_by.device,
            mse: MetricJson {
                stats: report.mse_stats(),
                per_rep: &report.mse,
            },
            rmse: MetricJson {
                stats: report.rmse_stats(),
                per_rep: &report.rmse,
            },
            accuracy: report.accuracy_stats().map(|stats| MetricJson {
                stats,
                per_rep: &report.accuracy,
            }),
            steps: &report.steps,
            seconds: &report.seconds,
            last_rep_tasks: &report.last_tasks,
            notes: &report.notes,
        }
    }
}

/// Runs the comparison, prints the tables and writes the JSON file if asked.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let source = Source::from_args(&args.data, &args.source, &args.method)?;
    // Repetition 0's tasks: their count checks the budget, their shapes decide which default
    // methods apply; what was skipped or noted while reading is shown once.
    let rep0 = source.rep(args.method.seed, 0)?;
    print_loading_notes(&rep0);
    let (methods, methods_note) = settings::methods_for(args.methods.as_deref(), &rep0.tasks)?;
    if let Some(note) = &methods_note {
        eprintln!("note: {note}");
    }
    let n_tasks = rep0.tasks.len();
    let budgets = match &args.budgets {
        Some(budgets) if budgets.is_empty() => {
            return Err(CliError::Usage {
                option: "--budgets",
                reason: "no budget given".into(),
            });
        }
        Some(budgets) => budgets.clone(),
        None => vec![settings::budget(&args.method, n_tasks)],
    };
    let configs: Vec<CompareConfig> = budgets
        .iter()
        .map(|&budget| {
            let method_args = crate::args::MethodArgs {
                budget: Some(budget),
                ..args.method.clone()
            };
            settings::compare(
                &method_args,
                methods.clone(),
                n_tasks,
                source.default_model(),
            )
        })
        .collect::<Result<_, _>>()?;
    let device = settings::device(&args.method.device)?;
    if args.reps == 0 {
        return Err(CliError::Usage {
            option: "--reps",
            reason: "must be at least 1".into(),
        });
    }
    if args.stack == 0 {
        return Err(CliError::Usage {
            option: "--stack",
            reason: "must be at least 1".into(),
        });
    }
    let start = Instant::now();
    let progress = Progress::new(args.reps);
    let several = budgets.len() > 1;
    let mut eta = None;
    let results =
        compare_over_reps(
            &source,
            &rep0.tasks,
            &configs,
            &device.device,
            Reps {
                seed: args.method.seed,
                count: args.reps,
                stack: args.stack,
            },
            &progress,
            |first| {
                print_notes(first.iter().zip(&budgets).flat_map(|(setting, &b)| {
                    setting.iter().map(move |m| (m, several.then_some(b)))
                }));
                eta = EtaSummary::of(configs[0].train.eta, configs[0].model, &first[0]);
            },
        );
    progress.finish();
    let RepResults {
        reports,
        completed,
        error,
    } = results;
    let outcome = error.map_or(Ok(()), Err);
    let wall = start.elapsed().as_secs_f64();
    if let Some(path) = &args.json {
        // Written even when a repetition failed, so finished repetitions are never lost.
        if outcome.is_ok() || completed > 0 {
            let json = RunJson {
                header: JsonHeader::new(args, &device, &source, &rep0),
                wall_seconds: wall,
                eta: eta.clone(),
                methods_note: methods_note.clone(),
                completed_reps: completed,
                error: outcome.as_ref().err().map(|e| e.to_string()),
                settings: budgets
                    .iter()
                    .zip(&reports)
                    .map(|(&budget, reports)| SettingJson {
                        budget,
                        methods: reports.iter().map(MethodJson::new).collect(),
                    })
                    .collect(),
            };
            write_json(path, &json)?;
            eprintln!(
                "results of {completed} repetition(s) written to {}",
                path.display()
            );
        }
    }
    outcome?;

    let eta_line = eta.map_or_else(|| format!("eta {}", args.method.eta), |e| e.line());
    for (budget, reports) in budgets.iter().zip(&reports) {
        println!(
            "{}, B = {budget}, model {}, {} reps, device {}; {eta_line}",
            source.describe(&rep0.tasks),
            configs[0].model,
            args.reps,
            device.backend,
        );
        println!("{}", table::results(reports));
        if let Some(verdict) = crate::verdict::verdict(reports) {
            println!("{verdict}");
        }
    }
    println!("wall time {wall:.1} s");
    Ok(())
}

/// One repetition's outcomes: `[setting][method]`.
pub type RepOutcomes = Vec<Vec<MethodOutcome>>;

/// Which repetitions to run, and how many train together as one batched program.
#[derive(Debug, Clone, Copy)]
pub struct Reps {
    /// The run's master seed (each repetition's seeds derive from it).
    pub seed: u64,
    /// Repetitions 0..count.
    pub count: usize,
    /// Repetitions per batched program.
    pub stack: usize,
}

/// What [`compare_over_reps`] returns.
pub struct RepResults {
    /// `reports[s][m]`: setting `s`, method `m`, over the finished repetitions.
    pub reports: Vec<Vec<MethodReport>>,
    /// Repetitions finished (fewer than asked when one failed).
    pub completed: usize,
    /// The failure that stopped the run, if any.
    pub error: Option<CliError>,
}

/// Runs repetitions `0..reps.count` of every setting in `configs` on `source` (`rep0` is
/// repetition 0's task set, read already), `reps.stack` repetitions per batched program,
/// reporting to `progress`; `on_first` sees the first finished repetition's outcomes (to show
/// its plans' notes once). Stops at the first repetition that fails and keeps the ones before.
pub fn compare_over_reps(
    source: &Source,
    rep0: &TaskSet,
    configs: &[CompareConfig],
    device: &Device,
    reps: Reps,
    progress: &Progress,
    mut on_first: impl FnMut(&RepOutcomes),
) -> RepResults {
    let mut reports: Vec<Vec<MethodReport>> = configs
        .iter()
        .map(|c| c.methods.iter().map(|&m| MethodReport::new(m)).collect())
        .collect();
    let mut done = 0;
    let outcome: Result<(), CliError> = (0..reps.count).step_by(reps.stack).try_for_each(|first| {
        let chunk: Vec<usize> = (first..(first + reps.stack).min(reps.count)).collect();
        let (outcomes, failure) = run_chunk(
            reps.seed,
            source,
            rep0,
            configs,
            device,
            &chunk,
            &|first, what| progress.step(first, what),
        );
        for outcome in outcomes {
            if done == 0 {
                progress.suspend(|| on_first(&outcome));
            }
            for (setting_reports, setting) in reports.iter_mut().zip(&outcome) {
                for (report, method) in setting_reports.iter_mut().zip(setting) {
                    report.push(method);
                }
            }
            done += 1;
        }
        if failure.is_none() || done > first {
            progress.reps_done(done);
        }
        failure.map_or(Ok(()), Err)
    });
    RepResults {
        reports,
        completed: done,
        error: outcome.err(),
    }
}

/// Runs repetitions `reps` of a run seeded by `seed`, stacked as one program (`rep0` is
/// repetition 0's task set, read already). If the stacked program fails, reruns them one at a
/// time (the results are the same) to keep the ones that succeed and name the one that fails.
/// Returns the finished repetitions (in order, up to the first failure;
/// `[rep][setting][method]`) and the failure. `progress` hears the first repetition of the
/// program and what it is doing.
pub fn run_chunk(
    seed: u64,
    source: &Source,
    rep0: &TaskSet,
    configs: &[CompareConfig],
    device: &Device,
    reps: &[usize],
    progress: &dyn Fn(usize, cascade::experiment::Progress),
) -> (Vec<RepOutcomes>, Option<CliError>) {
    let compare = |reps: &[usize]| -> Result<Vec<RepOutcomes>, CliError> {
        // Repetition 0 was read once already (its count checks the budget): reuse it rather
        // than draw it again (a PCA fit, a CSV parse).
        let sets: Vec<Cow<TaskSet>> = reps
            .iter()
            .map(|&r| match r {
                0 => Ok(Cow::Borrowed(rep0)),
                _ => source.rep_tasks(seed, r).map(Cow::Owned),
            })
            .collect::<Result<_, CliError>>()?;
        let labels: Vec<String> = reps.iter().map(|r| format!("rep {}", r + 1)).collect();
        let repetitions: Vec<Repetition> = sets
            .iter()
            .zip(reps)
            .zip(&labels)
            .map(|((set, &r), label)| Repetition {
                set: set.as_ref(),
                seed: settings::rep_seeds(seed, r).1,
                label,
            })
            .collect();
        Ok(compare_grid(&repetitions, configs, device, |p| {
            progress(reps[0], p)
        })?)
    };
    let in_rep = |rep: usize, error: CliError| CliError::InRepetition {
        rep: rep + 1,
        source: Box::new(error),
    };
    match compare(reps) {
        Ok(outcomes) => (outcomes, None),
        Err(error) if reps.len() == 1 => (Vec::new(), Some(in_rep(reps[0], error))),
        Err(_) => {
            let mut outcomes = Vec::new();
            for &rep in reps {
                match compare(&[rep]) {
                    Ok(mut one) => outcomes.push(one.remove(0)),
                    Err(error) => return (outcomes, Some(in_rep(rep, error))),
                }
            }
            (outcomes, None)
        }
    }
}
