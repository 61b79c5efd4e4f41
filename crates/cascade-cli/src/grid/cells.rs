//! Computing a grid's cells: a group x a block of `stack` repetitions each, skipped when saved
//! already, saved atomically the moment each finishes.

use std::time::Instant;

use cascade::experiment::Progress as Step;
use cascade::plan::Schedule;

use super::expand::Setting;
use super::groups::{Prepared, group_label};
use super::interrupt::Interrupt;
use super::progress::GridProgress;
use super::spec::GridFile;
use super::store::{Cell, CellMethod, CellSetting, RepResult, Store, TreeRecord};
use crate::engine::{RepOutcomes, run_chunk};
use crate::error::CliError;
use crate::metric::Metric;
use crate::notes::{plan_warnings, print_loading_notes};

/// A grid ready to run: where it came from, the file, its settings and their groups.
pub struct Expanded<'a> {
    /// Where the grid came from (for errors).
    pub origin: &'a str,
    /// The grid file.
    pub file: &'a GridFile,
    /// Its settings.
    pub settings: &'a [Setting],
    /// Its groups.
    pub groups: &'a [Vec<usize>],
}

/// Computes every cell not on disk yet, saving each as it finishes; returns all cells.
/// `first_group` is the first group, prepared already.
pub fn run_cells(
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
    let (count, stack) = (file.reps.get(), file.stack.get());
    let blocks: Vec<Vec<usize>> = (0..count)
        .step_by(stack)
        .map(|first| (first..(first + stack).min(count)).collect())
        .collect();
    let total_cells = groups.len() * blocks.len();
    let work = |group: &[usize], reps: &[usize]| (group.len() * reps.len()) as u64;
    let mut progress = GridProgress::new(total_cells, (settings.len() * count) as u64);
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
                progress.suspend(|| print_loading_notes(&p.session.loaded));
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
            let (outcomes, failure) = run_chunk(&p.session, &p.checked, reps, &on_step);
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
            methods: (0..prepared.checked.configs()[s].methods.len())
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
                            Some(prepared.checked.configs()[s].plan.budget.total),
                        )
                        .collect(),
                        trained_by: Some(first.run.trained_by.clone()),
                    }
                })
                .collect(),
        })
        .collect();
    Cell {
        group,
        reps: reps.to_vec(),
        data: prepared.session.describe(),
        tasks: prepared.session.tasks().len(),
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
