//! The level-synchronous batched executor ([`super::levels`]; or, for the host-linear executor,
//! linear cascades under the squared error on the host, [`super::host_linear`]): every task
//! whose parent is trained joins
//! the current batch, so a whole level of a tree (and the same level of many trees: methods and
//! repetitions stacked along the task axis) trains as one program.
//!
//! Level `L` holds every task at depth `L` of every job. Roots (depth 0) start from fresh
//! initialisations drawn from their own seeds; a task at depth `L > 0` starts from its parent's
//! row of the level `L - 1` model ([`gather_tasks`]). The level then trains with [`fit`], one
//! forward/backward per step over `[T_level, n, d]`, each task clipped on its own and masked
//! after its own budget. Pooled (Global) jobs train together as one further batch.
//!
//! It computes what [`super::reference::run`] computes, task by task, to float tolerance.

use std::time::Instant;

use burn::prelude::Device;
use cascade_data::{Split, pooled_train};
use cascade_models::{TaskModelConfig, TaskModule};

pub use super::job::{Job, JobOutcome, MethodRun, TrainedModels};

use super::executor::Training;
use super::federated::run_federated;
use super::host_linear::train_levels_on_host;
use super::job::{Part, RunOptions, TrainedBy, labelled};
use super::levels::{CascadeJob, Outcomes, train_levels};
use super::{
    Objective, TaskBatch, TaskResult, TrainConfig, batch_seed, evaluate_if, fit, mean_run,
    task_init_seed,
};
use crate::CascadeError;
use crate::plan::Schedule;

/// Which way the cascade jobs' levels train: on the device ([`train_levels`]) or on the host in
/// f64 ([`train_levels_on_host`], linear models under the squared error only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LevelPath {
    /// Every level as one batched program on the device.
    Device,
    /// Every level's tasks stepped on the host; the device draws the roots and evaluates.
    Host,
}

/// Executes every job on the device (the [`super::executor::DeviceBatched`] executor),
/// evaluating every task and keeping no model; see [`run_jobs_with`].
pub fn run_jobs<C: TaskModelConfig>(
    jobs: &[Job],
    model: &C,
    objective: &dyn Objective,
    config: &TrainConfig,
    device: &Device,
) -> Result<Vec<MethodRun>, CascadeError> {
    let training = Training {
        model,
        objective,
        config,
        device,
    };
    Ok(
        run_jobs_with(jobs, training, RunOptions::COMPARE, LevelPath::Device)?
            .into_iter()
            .map(|(run, _)| run)
            .collect(),
    )
}

/// Executes every job as `training` says (a model built from its model configuration, trained
/// on its objective), batching all jobs' tasks of the same depth together, the cascades' levels
/// along `path`. Returns one
/// [`JobOutcome`] per job, in order, each run naming its executor and device
/// ([`MethodRun::trained_by`]); with `options.keep_models` each job's trained per-task models
/// too (a cascade task's own, the pooled model for every task of a pooled job, `None` for the
/// Mean baseline); without `options.evaluate` no test row is read. A task's `seconds` is its
/// level's training time (building the batch and stepping, not evaluating) divided over the
/// level's tasks in proportion to their steps, since the batch trains them together. A
/// cascade run's `seconds` is the sum of its tasks' shares (evaluation excluded); a pooled
/// run's includes its evaluation.
pub(crate) fn run_jobs_with<C: TaskModelConfig>(
    jobs: &[Job],
    training: Training<C>,
    options: RunOptions,
    path: LevelPath,
) -> Result<Vec<JobOutcome<C::Model>>, CascadeError> {
    let Training {
        model,
        objective,
        config,
        device,
    } = training;
    let keep = options.keep_models;
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let model = checked_model(jobs, model, config)?;
    let outputs = objective.outputs();
    // The Mean baseline has no model: its results are known before any training.
    let results: Vec<Vec<Option<TaskResult>>> = jobs
        .iter()
        .map(|job| match job.plan.schedule {
            Schedule::Mean => mean_run(job.data).tasks.into_iter().map(Some).collect(),
            _ => vec![None; job.data.len()],
        })
        .collect();
    let kept: Vec<Vec<Option<C::Model>>> = jobs
        .iter()
        .map(|j| {
            (0..if keep { j.data.len() } else { 0 })
                .map(|_| None)
                .collect()
        })
        .collect();
    let seconds = vec![0.0; jobs.len()];

    // Each cascade job's tree, budget and tasks per depth, extracted once.
    let cascades: Vec<CascadeJob> = jobs
        .iter()
        .enumerate()
        .filter_map(|(j, job)| match &job.plan.schedule {
            Schedule::Cascade { tree, budget, .. } => Some(CascadeJob {
                job: j,
                tree,
                budget,
                levels: tree.levels(),
            }),
            Schedule::Pooled { .. } | Schedule::Federated { .. } | Schedule::Mean => None,
        })
        .collect();
    let mut outcomes = Outcomes {
        results,
        seconds,
        kept,
    };
    if !cascades.is_empty() {
        let train: TrainLevels<C> = match path {
            LevelPath::Host => train_levels_on_host::<C>,
            LevelPath::Device => train_levels::<C>,
        };
        train(
            jobs,
            &cascades,
            &model,
            objective,
            config,
            device,
            &mut outcomes,
            options,
            None,
        )?;
    }
    let Outcomes {
        mut results,
        mut seconds,
        mut kept,
    } = outcomes;

    let pooled: Vec<usize> = (0..jobs.len())
        .filter(|&j| matches!(jobs[j].plan.schedule, Schedule::Pooled { .. }))
        .collect();
    if !pooled.is_empty() {
        let start = Instant::now();
        let splits: Vec<Split> = pooled
            .iter()
            .map(|&j| pooled_train(&jobs[j].data.standardised))
            .collect();
        let refs: Vec<&Split> = splits.iter().collect();
        let d = splits[0].x.ncols();
        let seeds: Vec<u64> = pooled
            .iter()
            .map(|&j| task_init_seed(jobs[j].init_seed, jobs[j].data.len()))
            .collect();
        let steps: Vec<usize> = pooled.iter().map(|&j| jobs[j].plan.total_steps()).collect();
        let etas: Vec<f64> = pooled.iter().map(|&j| jobs[j].etas.pooled).collect();
        let names: Vec<String> = pooled
            .iter()
            .map(|&j| labelled("global (pooled)", jobs[j].label))
            .collect();
        let init = model.init_tasks(d, outputs, &seeds, device);
        let batch_seeds = pooled
            .iter()
            .map(|&j| batch_seed(jobs[j].init_seed, jobs[j].data.len()))
            .collect();
        let batch = TaskBatch::new(&refs, device)
            .with_objective(objective)
            .with_batch_seeds(batch_seeds);
        let out = fit(init, &batch, &steps, &etas, config, &names)?;
        let mut rows = Vec::new();
        let mut replicate = Vec::new();
        for (k, &j) in pooled.iter().enumerate() {
            for v in 0..jobs[j].data.len() {
                rows.push((jobs[j].data, v));
                replicate.push(k);
            }
        }
        let replicated = out.model.gather(&replicate).map_err(CascadeError::Model)?;
        let errors = evaluate_if(options.evaluate, &replicated, &rows, objective);
        let elapsed = start.elapsed().as_secs_f64() / pooled.len() as f64;
        for (((data, v), error), &k) in rows.iter().zip(errors).zip(&replicate) {
            let j = pooled[k];
            let t = data.len() as f64;
            results[j][*v] = Some(TaskResult::new(
                data.tasks()[*v].id.clone(),
                // The pooled model's cost is shared: it is charged to the first task.
                if *v == 0 { steps[k] } else { 0 },
                Some(etas[k]),
                elapsed / t,
                out.last_loss[k],
                error,
            ));
        }
        for (k, &j) in pooled.iter().enumerate() {
            seconds[j] += elapsed;
            if keep {
                for slot in kept[j].iter_mut() {
                    *slot = Some(out.model.gather(&[k]).map_err(CascadeError::Model)?);
                }
            }
        }
    }

    let mut federated = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        if matches!(job.plan.schedule, Schedule::Federated { .. }) {
            federated.push((
                j,
                run_federated(job, &model, objective, config, device, options)?,
            ));
        }
    }
    for (j, (run, models)) in federated {
        results[j] = run.tasks.into_iter().map(Some).collect();
        seconds[j] = run.seconds;
        if let Some(models) = models {
            kept[j] = models.into_iter().map(Some).collect();
        }
    }

    Ok(jobs
        .iter()
        .zip(results)
        .zip(seconds)
        .zip(kept)
        .map(|(((job, tasks), seconds), kept)| {
            let trained_by = match (&job.plan.schedule, path) {
                (Schedule::Mean, _) => TrainedBy::default(),
                (Schedule::Cascade { .. }, LevelPath::Host) => TrainedBy::host("host-linear"),
                _ => TrainedBy::new("batched", device),
            };
            let run = MethodRun {
                tasks: tasks
                    .into_iter()
                    .map(|t| t.expect("every task belongs to a level or a pooled job"))
                    .collect(),
                steps_used: job.plan.total_steps(),
                seconds,
                trained_by,
            };
            let models = if keep {
                kept.into_iter().collect::<Option<Vec<_>>>()
            } else {
                None
            };
            (run, models)
        })
        .collect())
}

/// The checks every run of `jobs` starts with (step settings valid, one learning rate a task,
/// one target kind), and the model configuration adapted to the jobs' data.
pub(super) fn checked_model<C: TaskModelConfig>(
    jobs: &[Job],
    model: &C,
    config: &TrainConfig,
) -> Result<C, CascadeError> {
    config.validate()?;
    let first = &jobs[0];
    if let Some(job) = jobs.iter().find(|j| j.etas.per_task.len() != j.data.len()) {
        return Err(CascadeError::ShapeMismatch(format!(
            "'{}' has {} learning rates for {} tasks",
            job.label,
            job.etas.per_task.len(),
            job.data.len()
        )));
    }
    let problem = first.data.standardised.problem();
    if let Some(job) = jobs
        .iter()
        .find(|j| j.data.standardised.problem() != problem)
    {
        return Err(CascadeError::ShapeMismatch(format!(
            "jobs mix target kinds ('{}'): they cannot train in one batch",
            job.label
        )));
    }
    model
        .for_data(
            first.data.standardised.n_features(),
            first.data.standardised.image_shape(),
        )
        .map_err(CascadeError::Model)
}

/// Trains `part` of `job`'s cascade plan along `path` (the built-in executors'
/// [`super::executor::Executor::run_part`]): the part's tasks level by level, as
/// [`run_jobs_with`] trains them with the rest of the plan, its top task from `part.start`.
/// Returns the part's results and kept models in `part.tasks` order.
pub(crate) fn run_part_with<C: TaskModelConfig>(
    job: &Job,
    part: &Part<C::Model>,
    training: Training<C>,
    options: RunOptions,
    path: LevelPath,
) -> Result<JobOutcome<C::Model>, CascadeError> {
    let Training {
        model,
        objective,
        config,
        device,
    } = training;
    let jobs = std::slice::from_ref(job);
    let model = checked_model(jobs, model, config)?;
    let (tree, budget, parent) = part.check_in(job.plan)?;
    let t = job.data.len();
    let cascades = [CascadeJob {
        job: 0,
        tree,
        budget,
        levels: part_levels(tree, &part.tasks),
    }];
    let mut outcomes = Outcomes {
        results: vec![vec![None; t]],
        seconds: vec![0.0],
        kept: vec![
            (0..if options.keep_models { t } else { 0 })
                .map(|_| None)
                .collect(),
        ],
    };
    let start = parent.zip(part.start.as_ref());
    let (train, trained_by) = match path {
        LevelPath::Host => (
            train_levels_on_host::<C> as TrainLevels<C>,
            TrainedBy::host("host-linear"),
        ),
        LevelPath::Device => (
            train_levels::<C> as TrainLevels<C>,
            TrainedBy::new("batched", device),
        ),
    };
    train(
        jobs,
        &cascades,
        &model,
        objective,
        config,
        device,
        &mut outcomes,
        options,
        start,
    )?;
    let Outcomes {
        mut results,
        mut seconds,
        mut kept,
    } = outcomes;
    let (mut results, mut kept) = (results.remove(0), kept.remove(0));
    let tasks = part
        .tasks
        .iter()
        .map(|&v| results[v].take().expect("every task of the part trains"))
        .collect::<Vec<_>>();
    let models = options.keep_models.then(|| {
        part.tasks
            .iter()
            .map(|&v| kept[v].take().expect("every task of the part is kept"))
            .collect()
    });
    let run = MethodRun {
        steps_used: part.tasks.iter().map(|&v| budget.steps[v]).sum(),
        tasks,
        seconds: seconds.remove(0),
        trained_by,
    };
    Ok((run, models))
}

/// How a cascade's levels train: [`train_levels`] or [`train_levels_on_host`].
type TrainLevels<C> = fn(
    &[Job],
    &[CascadeJob],
    &C,
    &dyn Objective,
    &TrainConfig,
    &Device,
    &mut Outcomes<<C as TaskModelConfig>::Model>,
    RunOptions,
    Option<(usize, &<C as TaskModelConfig>::Model)>,
) -> Result<(), CascadeError>;

/// `tree`'s levels restricted to `tasks`, empty levels dropped.
fn part_levels(tree: &crate::tree::Tree, tasks: &[usize]) -> Vec<Vec<usize>> {
    let mut inside = vec![false; tree.len()];
    for &v in tasks {
        inside[v] = true;
    }
    tree.levels()
        .into_iter()
        .map(|level| level.into_iter().filter(|&v| inside[v]).collect::<Vec<_>>())
        .filter(|level| !level.is_empty())
        .collect()
}
