//! The cascade part of the batched executor: every job's trees trained depth by depth, each
//! depth of every job as one batch ([`train_levels`]), and the bookkeeping both ways of training
//! a level share ([`Level`], [`Outcomes`]).

use std::collections::HashMap;
use std::time::Instant;

use burn::prelude::Device;
use cascade_data::{Split, StandardisedTaskSet};
use cascade_models::{TaskModelConfig, TaskModule};

use super::job::{Job, RunOptions, labelled};
use super::{
    Objective, TaskBatch, TaskResult, TestError, TrainConfig, batch_seed, evaluate_if, fit,
    task_init_seed,
};
use crate::CascadeError;
use crate::budget::Budget;
use crate::tree::Tree;

/// The row of each `(cascade job, task)` in a level's stacked model.
pub(super) type RowIndex = HashMap<(usize, usize), usize>;

/// One cascade job of a batch: its index among the jobs, its tree and budget, and its tasks
/// per depth.
pub(super) struct CascadeJob<'a> {
    pub(super) job: usize,
    pub(super) tree: &'a Tree,
    pub(super) budget: &'a Budget,
    pub(super) levels: Vec<Vec<usize>>,
}

/// The tasks of one depth over every cascade job, with their budgets, rates and names.
pub(super) struct Level {
    /// `(index into the cascade jobs, task)`, in batch order.
    pub(super) entries: Vec<(usize, usize)>,
    pub(super) steps: Vec<usize>,
    pub(super) etas: Vec<f64>,
    pub(super) names: Vec<String>,
}

impl Level {
    /// Depth `level` of every cascade job.
    pub(super) fn new(jobs: &[Job], cascades: &[CascadeJob], level: usize) -> Self {
        let entries: Vec<(usize, usize)> = cascades
            .iter()
            .enumerate()
            .flat_map(|(c, cascade)| {
                cascade
                    .levels
                    .get(level)
                    .into_iter()
                    .flatten()
                    .map(move |&v| (c, v))
            })
            .collect();
        let job = |c: usize| &jobs[cascades[c].job];
        Self {
            steps: entries
                .iter()
                .map(|&(c, v)| cascades[c].budget.steps[v])
                .collect(),
            etas: entries
                .iter()
                .map(|&(c, v)| job(c).etas.per_task[v])
                .collect(),
            names: entries
                .iter()
                .map(|&(c, v)| labelled(&job(c).data.tasks()[v].id, job(c).label))
                .collect(),
            entries,
        }
    }

    /// The entries `range` of this level, as a level of their own (a chunk).
    pub(super) fn part(&self, range: std::ops::Range<usize>) -> Self {
        Self {
            entries: self.entries[range.clone()].to_vec(),
            steps: self.steps[range.clone()].to_vec(),
            etas: self.etas[range.clone()].to_vec(),
            names: self.names[range].to_vec(),
        }
    }

    /// The row of each entry's parent in the previous level's models, by `rows`.
    pub(super) fn parent_rows(&self, cascades: &[CascadeJob], rows: &RowIndex) -> Vec<usize> {
        self.entries
            .iter()
            .map(|&(c, v)| {
                let p = cascades[c]
                    .tree
                    .parent(v)
                    .expect("a started level has parents");
                rows[&(c, p)]
            })
            .collect()
    }

    /// Each entry's training split.
    pub(super) fn splits<'a>(&self, jobs: &[Job<'a>], cascades: &[CascadeJob]) -> Vec<&'a Split> {
        self.entries
            .iter()
            .map(|&(c, v)| &jobs[cascades[c].job].data.tasks()[v].train)
            .collect()
    }

    /// Each entry's `(data, task)`, for evaluation.
    pub(super) fn rows<'a>(
        &self,
        jobs: &[Job<'a>],
        cascades: &[CascadeJob],
    ) -> Vec<(&'a StandardisedTaskSet, usize)> {
        self.entries
            .iter()
            .map(|&(c, v)| (jobs[cascades[c].job].data, v))
            .collect()
    }

    /// The fresh-initialisation seed of each entry (used by roots).
    pub(super) fn init_seeds(&self, jobs: &[Job], cascades: &[CascadeJob]) -> Vec<u64> {
        self.entries
            .iter()
            .map(|&(c, v)| task_init_seed(jobs[cascades[c].job].init_seed, v))
            .collect()
    }
}

/// Per job: each task's result, the job's training seconds, and each task's kept model.
pub(super) struct Outcomes<M> {
    pub(super) results: Vec<Vec<Option<TaskResult>>>,
    pub(super) seconds: Vec<f64>,
    pub(super) kept: Vec<Vec<Option<M>>>,
}

impl<M: TaskModule> Outcomes<M> {
    /// Records a trained level: `elapsed` training seconds shared among its tasks in proportion
    /// to their steps, each task's last loss and test error, and, when `models` holds the
    /// level's trained models (row `k` for entry `k`), each task's own.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_level(
        &mut self,
        jobs: &[Job],
        cascades: &[CascadeJob],
        level: &Level,
        elapsed: f64,
        last_loss: &[Option<f64>],
        errors: Vec<TestError>,
        models: Option<&M>,
    ) -> Result<(), CascadeError> {
        let total_steps = level.steps.iter().sum::<usize>();
        for (k, (&(c, v), error)) in level.entries.iter().zip(errors).enumerate() {
            let share = if total_steps == 0 {
                elapsed / level.entries.len() as f64
            } else {
                elapsed * level.steps[k] as f64 / total_steps as f64
            };
            let j = cascades[c].job;
            self.seconds[j] += share;
            self.results[j][v] = Some(TaskResult::new(
                jobs[j].data.tasks()[v].id.clone(),
                level.steps[k],
                Some(level.etas[k]),
                share,
                last_loss[k],
                error,
            ));
            if let Some(models) = models {
                self.kept[j][v] = Some(models.gather(&[k]).map_err(CascadeError::Model)?);
            }
        }
        Ok(())
    }
}

/// Trains every cascade job's tasks level by level on the device: a level's tasks start from
/// fresh initialisations (roots) or their parents' rows of the previous level's model, train
/// together with [`fit`], and are evaluated together. With `start = (p, model)` (one cascade
/// job, a part of a plan) the first level's tasks start from `model`, task `p`'s.
#[allow(clippy::too_many_arguments)]
pub(super) fn train_levels<C: TaskModelConfig>(
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
    let outputs = objective.outputs();
    // The previous level's trained models and the row of each (cascade job, task) in them.
    let mut previous: Option<(C::Model, RowIndex)> =
        start.map(|(p, model)| (model.clone(), RowIndex::from([((0, p), 0)])));
    for depth_index in 0..depth {
        let whole = Level::new(jobs, cascades, depth_index);
        let (c0, _) = whole.entries[0];
        let d = jobs[cascades[c0].job].data.standardised.n_features();
        let chunk = tasks_per_chunk(
            model,
            config,
            &whole.splits(jobs, cascades),
            outputs,
            device,
        )
        .map_err(|reason| CascadeError::InvalidSetting {
            name: "device memory",
            value: format!("{} bytes", config.level_memory.unwrap_or_default()),
            reason: format!("level {depth_index}: {reason}"),
        })?;
        let mut trained = Vec::new();
        for first in (0..whole.entries.len()).step_by(chunk) {
            let start = Instant::now();
            let level = whole.part(first..(first + chunk).min(whole.entries.len()));
            let init = match &previous {
                None => model.init_tasks(d, outputs, &level.init_seeds(jobs, cascades), device),
                Some((parents, rows)) => parents
                    .gather(&level.parent_rows(cascades, rows))
                    .map_err(CascadeError::Model)?,
            };
            let seeds = level
                .entries
                .iter()
                .map(|&(c, v)| batch_seed(jobs[cascades[c].job].init_seed, v))
                .collect();
            let splits = level.splits(jobs, cascades);
            let batch = TaskBatch::new(&splits, device)
                .with_objective(objective)
                .with_batch_seeds(seeds);
            let out = fit(
                init,
                &batch,
                &level.steps,
                &level.etas,
                config,
                &level.names,
            )?;
            // Training time (batch building and steps), shared among the chunk's tasks; the
            // evaluation below is not training and is not charged to them (as in the
            // reference).
            let elapsed = start.elapsed().as_secs_f64();
            let rows = level.rows(jobs, cascades);
            let errors = evaluate_if(options.evaluate, &out.model, &rows, objective);
            outcomes.record_level(
                jobs,
                cascades,
                &level,
                elapsed,
                &out.last_loss,
                errors,
                options.keep_models.then_some(&out.model),
            )?;
            trained.push(out.model);
        }
        let rows = whole
            .entries
            .iter()
            .enumerate()
            .map(|(k, &e)| (e, k))
            .collect();
        let joined = C::Model::concat(trained).map_err(CascadeError::Model)?;
        previous = Some((joined, rows));
    }
    Ok(())
}

/// How many of a level's tasks train together: all of them without a memory limit
/// ([`TrainConfig::level_memory`]), else as many as fit it by the model's estimate of a step
/// ([`TaskModelConfig::task_step_bytes`] on the largest task's rows a step) plus each task's
/// training data. Errors (the reason) when one task alone does not fit.
pub fn tasks_per_chunk<C: TaskModelConfig>(
    model: &C,
    config: &TrainConfig,
    splits: &[&Split],
    outputs: usize,
    device: &Device,
) -> Result<usize, String> {
    let tasks = splits.len();
    let Some(limit) = config.level_memory else {
        return Ok(tasks);
    };
    let d = splits.first().map_or(0, |s| s.x.ncols());
    let n_max = splits.iter().map(|s| s.x.nrows()).max().unwrap_or(0);
    let rows = config.batch_size.map_or(n_max, |m| m.min(n_max));
    let data = 4 * (n_max * (d + 2)) as u64;
    let per_task = model.task_step_bytes(d, outputs, rows, device) + data;
    if per_task > limit {
        return Err(format!(
            "one task of {model} needs about {} for a step on {rows} rows; the limit is {} \
             (raise --device-memory, or lower --batch-size)",
            gigabytes(per_task),
            gigabytes(limit)
        ));
    }
    Ok(((limit / per_task) as usize).clamp(1, tasks.max(1)))
}

/// `bytes` as GB with two decimals.
fn gigabytes(bytes: u64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}
