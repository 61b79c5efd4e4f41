//! `cascade grid`: a grid of settings x methods x repetitions, run resumably into a folder of
//! results, tables and figures.
//!
//! Settings that differ only in how plans are made (budget, allocation, rounding, root, seed
//! fraction, methods) form one *group*: they share each repetition's data and task distances,
//! and with the batched executor train as one program. A *cell* is a group x a block of
//! `stack` repetitions; it is the unit that is computed, saved and skipped on resume.

mod figures;
mod interrupt;
mod presets;
mod progress;
mod report;
mod results;
mod spec;
mod store;

use std::time::Instant;

use cascade::experiment::{CompareConfig, Progress as Step};
use cascade::plan::Schedule;
use cascade_data::{LoadedTasks, Problem};
use cascade_models::DeviceChoice;

use crate::args::{GridArgs, RunArgs};
use crate::error::CliError;
use crate::notes::{plan_warnings, print_loading_notes};
use crate::run::{RepOutcomes, run_chunk};
use crate::settings;
use crate::source::Source;
use interrupt::Interrupt;
use progress::GridProgress;
pub(crate) use spec::Metric;
use spec::{GridFile, Setting, Value};
use store::{Cell, CellMethod, CellSetting, Manifest, RepResult, Store, TreeRecord};

/// Runs `cascade grid`.
pub fn grid(args: &GridArgs) -> Result<(), CliError> {
    if args.list_presets {
        for (name, text) in presets::PRESETS {
            let file = GridFile::parse(text, false, name)?;
            println!(
                "{name}: {} settings x {} reps. {}\n",
                file.settings(name)?.len(),
                file.reps,
                file.description.unwrap_or_default()
            );
        }
        return Ok(());
    }
    let (file, origin) = load(args)?;
    if args.print_config {
        print!("{}", file.to_toml());
        return Ok(());
    }
    let Some(out) = &args.out else {
        return Err(CliError::Usage {
            option: "--out",
            reason: "say where the results go: --out DIR".into(),
        });
    };
    let settings = file.settings(&origin)?;
    let groups = group_settings(&settings);
    // Check every group (data readable, options valid, budget >= tasks) before computing
    // anything, so a typo in the last setting does not surface after an hour. The first group,
    // the one computed first, is kept rather than read again; the others are read again when
    // their turn comes, so that at most two groups' data are held at once.
    let mut metric = file.metric;
    let mut first_group = None;
    for group in &groups {
        let prepared = Prepared::new(&settings, group, &origin)?;
        let problem_metric = match prepared.loaded.tasks.problem() {
            Problem::Binary | Problem::Multiclass { .. } => Metric::Accuracy,
            Problem::Regression => Metric::Mse,
        };
        if metric == Some(Metric::Accuracy) && problem_metric != Metric::Accuracy {
            return Err(CliError::Grid {
                origin: origin.clone(),
                reason:
                    "metric = \"accuracy\" needs class labels (image tasks or --classification)"
                        .into(),
            });
        }
        metric.get_or_insert(problem_metric);
        first_group.get_or_insert(prepared);
    }
    let metric = metric.unwrap_or(Metric::Mse);
    let manifest = Manifest {
        reps: file.reps,
        stack: file.stack,
        settings: settings
            .iter()
            .map(|s| Ok((s.label(), serde_json::to_value(&s.args)?)))
            .collect::<Result<_, CliError>>()?,
    };
    let store = Store::open(out, &manifest)?;
    crate::output::write_atomic(&store.path("grid.toml"), file.to_toml().as_bytes())?;

    let interrupt = Interrupt::install();
    let grid = Expanded {
        origin: &origin,
        file: &file,
        settings: &settings,
        groups: &groups,
    };
    let cells = run_cells(&grid, first_group, metric, &store, &interrupt)?;
    let compute_seconds = cells.iter().map(|c| c.seconds).sum();
    let results = results::summarise(&settings, &cells, file.reps, metric)?;
    let table = report::write_all(&store, &origin, &file, metric, &results, compute_seconds)?;
    if !args.no_plots {
        let written = figures::draw_all(&store.path("plots"), &results, metric)?;
        eprintln!(
            "{written} figures written to {}",
            store.path("plots").display()
        );
    }
    println!("{table}");
    eprintln!(
        "results written to {} (results.json, results.csv, table.md)",
        out.display()
    );
    Ok(())
}

/// The grid of a file or a preset, with the command line's overrides; and its name.
fn load(args: &GridArgs) -> Result<(GridFile, String), CliError> {
    let (mut file, origin) = match (&args.config, &args.preset) {
        (Some(path), None) => {
            let mut file = GridFile::read(path)?;
            file.resolve_paths(&spec::file_dir(path));
            (file, path.display().to_string())
        }
        (None, Some(name)) => (presets::preset(name)?, format!("preset {name}")),
        _ => {
            return Err(CliError::Usage {
                option: "CONFIG",
                reason: "give a grid file or --preset NAME (--list-presets lists them)".into(),
            });
        }
    };
    if let Some(reps) = args.reps {
        file.reps = reps;
    }
    if let Some(stack) = args.stack {
        file.stack = stack;
    }
    if let Some(device) = &args.device {
        file.axes.remove("device");
        file.base
            .insert("device".into(), Value::Text(device.clone()));
    }
    if let Some(path) = &args.data_path {
        file.set_data_path(path)?;
    }
    if file.reps == 0 || file.stack == 0 {
        return Err(CliError::Usage {
            option: if file.reps == 0 { "--reps" } else { "--stack" },
            reason: "must be at least 1".into(),
        });
    }
    Ok((file, origin))
}

/// Settings that can share data, distances and one batched program: equal arguments apart
/// from the plan options. Each group lists setting indices, in grid order.
fn group_settings(settings: &[Setting]) -> Vec<Vec<usize>> {
    let key = |args: &RunArgs| {
        let mut args = args.clone();
        args.method.budget = None;
        args.method.seed_fraction = 0.0;
        args.method.allocation.clear();
        args.method.rounding.clear();
        args.method.root.clear();
        args.method.root_distance.clear();
        args.methods = None;
        serde_json::to_string(&args).unwrap_or_default()
    };
    let mut keys: Vec<String> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, setting) in settings.iter().enumerate() {
        let k = key(&setting.args);
        match keys.iter().position(|x| *x == k) {
            Some(g) => groups[g].push(i),
            None => {
                keys.push(k);
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// One group, ready to run: its data, repetition 0 and its settings' configurations.
struct Prepared {
    source: Source,
    /// Repetition 0's tasks, with what reading them skipped or noted.
    loaded: LoadedTasks,
    configs: Vec<CompareConfig>,
    seed: u64,
    device: DeviceChoice,
    label: String,
}

impl Prepared {
    /// `origin` names the grid in errors.
    fn new(settings: &[Setting], group: &[usize], origin: &str) -> Result<Self, CliError> {
        let first = &settings[group[0]];
        let label = group_label(settings, group);
        let in_group = |e: CliError| CliError::Grid {
            origin: origin.to_string(),
            reason: match label.as_str() {
                "all" => e.to_string(),
                label => format!("{label}: {e}"),
            },
        };
        let args = &first.args;
        let source = Source::from_args(&args.data, &args.source, &args.method).map_err(in_group)?;
        let loaded = source.rep(args.method.seed, 0).map_err(in_group)?;
        let configs = group
            .iter()
            .map(|&i| {
                let a = &settings[i].args;
                let (methods, _) = settings::methods_for(a.methods.as_deref(), &loaded.tasks)?;
                settings::compare(
                    &a.method,
                    methods,
                    loaded.tasks.len(),
                    source.default_model(),
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(in_group)?;
        let device = settings::device(&args.method.device).map_err(in_group)?;
        Ok(Self {
            source,
            loaded,
            configs,
            seed: args.method.seed,
            device,
            label,
        })
    }
}

/// The parameters the settings of a group share, e.g. `tau-within=2`; `all` if none.
fn group_label(settings: &[Setting], group: &[usize]) -> String {
    let first = &settings[group[0]].params;
    let shared: Vec<(String, String)> = first
        .iter()
        .filter(|p| group.iter().all(|&i| settings[i].params.contains(p)))
        .cloned()
        .collect();
    spec::params_label(&shared)
}

/// A grid ready to run: where it came from, the file, its settings and their groups.
struct Expanded<'a> {
    origin: &'a str,
    file: &'a GridFile,
    settings: &'a [Setting],
    groups: &'a [Vec<usize>],
}

/// Computes every cell not on disk yet, saving each as it finishes; returns all cells.
/// `first_group` is the first group, prepared already.
fn run_cells(
    grid: &Expanded,
    mut first_group: Option<Prepared>,
    metric: Metric,
    store: &Store,
    interrupt: &Interrupt,
) -> Result<Vec<Cell>, CliError> {
    let Expanded {
        origin,
        file,
        settings,
        groups,
    } = *grid;
    let blocks: Vec<Vec<usize>> = (0..file.reps)
        .step_by(file.stack)
        .map(|first| (first..(first + file.stack).min(file.reps)).collect())
        .collect();
    let total_cells = groups.len() * blocks.len();
    let work = |group: &[usize], reps: &[usize]| (group.len() * reps.len()) as u64;
    let mut progress = GridProgress::new(total_cells, (settings.len() * file.reps) as u64);
    let mut cells = Vec::with_capacity(total_cells);
    let mut index = 0;
    let mut noted = false;
    for (g, group) in groups.iter().enumerate() {
        let mut prepared: Option<Prepared> = first_group.take();
        for reps in &blocks {
            let shown_reps = match reps.as_slice() {
                [one] => format!("rep {}", one + 1),
                _ => format!("reps {}-{}", reps[0] + 1, reps[reps.len() - 1] + 1),
            };
            let what = match group_label(settings, group).as_str() {
                "all" => shown_reps,
                label => format!("{label}, {shown_reps}"),
            };
            if let Some(cell) = store.load(g, reps)? {
                progress.skipped(index, work(group, reps), &what);
                cells.push(cell);
                index += 1;
                continue;
            }
            if interrupt.requested() {
                progress.finish();
                return Err(CliError::Interrupted {
                    saved: cells.len(),
                    total: total_cells,
                    dir: store.path(""),
                });
            }
            let p = match &mut prepared {
                Some(p) => p,
                None => prepared.insert(Prepared::new(settings, group, origin)?),
            };
            if !noted {
                progress.suspend(|| print_loading_notes(&p.loaded));
                noted = true;
            }
            progress.working(index, &format!("{what}, reading data"));
            let start = Instant::now();
            let on_step = |_first: usize, step: Step| {
                let doing = match step {
                    Step::Planning { rep } => format!("rep {}: distances and plans", reps[rep] + 1),
                    Step::Training { rep, method } => format!("rep {}: {method}", reps[rep] + 1),
                    Step::TrainingStacked { plans } => format!("training {plans} plans"),
                };
                let stop = if interrupt.requested() {
                    " (stopping after this cell; Ctrl-C again to stop now)"
                } else {
                    ""
                };
                progress.working(index, &format!("{what}: {doing}{stop}"));
            };
            let (outcomes, failure) = run_chunk(
                p.seed,
                &p.source,
                &p.loaded.tasks,
                &p.configs,
                &p.device.device,
                reps,
                &on_step,
            );
            if let Some(error) = failure {
                progress.finish();
                return Err(CliError::Grid {
                    origin: origin.to_string(),
                    reason: format!(
                        "{}: {error} ({} of {total_cells} cells saved; fix it and rerun to resume)",
                        p.label,
                        cells.len()
                    ),
                });
            }
            let cell = make_cell(g, group, reps, p, &outcomes, metric, start);
            store.save(&cell)?;
            progress.finished(index, work(group, reps), &what, cell.seconds);
            // Results always come from the cells as read back (serde_json's float parsing may
            // differ from the computed value in the last bit), so a resumed grid reproduces an
            // uninterrupted one exactly.
            cells.push(store.load(g, reps)?.unwrap_or(cell));
            index += 1;
        }
    }
    progress.finish();
    Ok(cells)
}

/// A cell from the outcomes of its repetitions (`[rep][setting][method]`).
fn make_cell(
    group: usize,
    settings_in_group: &[usize],
    reps: &[usize],
    prepared: &Prepared,
    outcomes: &[RepOutcomes],
    metric: Metric,
    start: Instant,
) -> Cell {
    let settings = settings_in_group
        .iter()
        .enumerate()
        .map(|(s, &setting)| CellSetting {
            setting,
            methods: (0..prepared.configs[s].methods.len())
                .map(|m| {
                    let first = &outcomes[0][s][m];
                    CellMethod {
                        method: first.plan.method.to_string(),
                        reps: outcomes
                            .iter()
                            .map(|rep| {
                                let run = &rep[s][m].run;
                                RepResult {
                                    mse: run.mean_mse(),
                                    rmse: run.mean_rmse(),
                                    accuracy: run.mean_accuracy(),
                                    steps: run.steps_used,
                                    seconds: run.seconds,
                                }
                            })
                            .collect(),
                        tree: (reps[0] == 0).then(|| tree_record(first, metric)).flatten(),
                        notes: plan_warnings(
                            &first.plan,
                            Some(prepared.configs[s].plan.budget.total),
                        )
                        .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    Cell {
        group,
        reps: reps.to_vec(),
        data: prepared.source.describe(&prepared.loaded.tasks),
        tasks: prepared.loaded.tasks.len(),
        seconds: start.elapsed().as_secs_f64(),
        settings,
    }
}

/// A cascade's tree with its tasks' test errors in `metric` units; `None` for Global.
fn tree_record(outcome: &cascade::experiment::MethodOutcome, metric: Metric) -> Option<TreeRecord> {
    let Schedule::Cascade { tree, .. } = &outcome.plan.schedule else {
        return None;
    };
    Some(TreeRecord {
        parents: tree.parents().to_vec(),
        errors: outcome
            .run
            .tasks
            .iter()
            .map(|t| match metric {
                Metric::Mse => t.test_mse,
                Metric::Rmse => t.test_rmse,
                Metric::Accuracy => t.test_accuracy.unwrap_or(f64::NAN),
            })
            .collect(),
    })
}
