//! The per-task reference executor: trains one task at a time in the plan's BFS order, as the
//! research code does. It is the simplest thing to read and the yardstick the batched executor
//! must match.

use std::time::Instant;

use burn::prelude::Device;
use cascade_data::StandardisedTaskSet;
use cascade_models::TaskModelConfig;

pub use super::job::MethodRun;

use super::batched::{LevelPath, checked_model, run_jobs_with};
use super::executor::Training;
use super::job::{Job, JobOutcome, Part, RunOptions, TrainedBy};
use super::{
    Objective, StepSizes, TaskBatch, TaskResult, TrainConfig, batch_seed, evaluate_if, fit,
    task_init_seed,
};
use crate::CascadeError;
use crate::budget::Budget;
use crate::plan::{Plan, Schedule};
use crate::tree::Tree;

/// Executes `plan` on `data` one task at a time, task `v` at learning rate `etas.per_task[v]`
/// (the pooled model at `etas.pooled`; see [`super::step_sizes`]). Fresh models draw their
/// parameters from [`task_init_seed`]`(init_seed, v)` (task `v`), or `(init_seed, T)` for the
/// pooled model. Models are built from `model` and trained on `objective`; every task is
/// evaluated and no model is kept ([`run_job`] with [`RunOptions::COMPARE`]).
#[allow(clippy::too_many_arguments)]
pub fn run<C: TaskModelConfig>(
    plan: &Plan,
    data: &StandardisedTaskSet,
    model: &C,
    objective: &dyn Objective,
    config: &TrainConfig,
    etas: &StepSizes,
    init_seed: u64,
    device: &Device,
) -> Result<MethodRun, CascadeError> {
    let job = Job {
        plan,
        data,
        etas,
        init_seed,
        label: "",
    };
    let training = Training {
        model,
        objective,
        config,
        device,
    };
    Ok(run_job(&job, training, RunOptions::COMPARE)?.0)
}

/// Executes one job one task at a time (see [`run`]); with `options.keep_models` also returns
/// every task's trained model, and without `options.evaluate` reads no test row.
pub fn run_job<C: TaskModelConfig>(
    job: &Job,
    training: Training<C>,
    options: RunOptions,
) -> Result<JobOutcome<C::Model>, CascadeError> {
    let Training {
        model,
        config,
        device,
        ..
    } = training;
    let Job {
        plan, data, etas, ..
    } = *job;
    config.validate()?;
    let start = Instant::now();
    let tasks = data.tasks();
    let t = tasks.len();
    if etas.per_task.len() != t {
        return Err(CascadeError::ShapeMismatch(format!(
            "{} learning rates for {t} tasks",
            etas.per_task.len()
        )));
    }
    let d = data.standardised.n_features();
    let model = model
        .for_data(d, data.standardised.image_shape())
        .map_err(CascadeError::Model)?;
    let (tree, budget) = match &plan.schedule {
        Schedule::Cascade { tree, budget, .. } => (tree, budget),
        Schedule::Mean | Schedule::Pooled { .. } | Schedule::Federated { .. } => {
            // The Mean baseline trains nothing, one pooled model is a single task whichever
            // executor runs it, and FedAvg's rounds train every task at once by definition: use
            // the batched executor's paths rather than second copies of them.
            let training = Training {
                model: &model,
                ..training
            };
            let jobs = std::slice::from_ref(job);
            return Ok(run_jobs_with(jobs, training, options, LevelPath::Device)?.remove(0));
        }
    };
    let training = Training {
        model: &model,
        ..training
    };
    let (results, trained) =
        train_in_order(job, training, options, tree, tree.order(), budget, None)?;
    let run = MethodRun {
        steps_used: plan.total_steps(),
        tasks: results
            .into_iter()
            .map(|r| r.expect("the BFS order visits every task"))
            .collect(),
        seconds: start.elapsed().as_secs_f64(),
        trained_by: TrainedBy::new("reference", device),
    };
    let models = options.keep_models.then(|| {
        trained
            .into_iter()
            .map(|m| m.expect("the BFS order trains every task"))
            .collect()
    });
    Ok((run, models))
}

/// Executes `part` of a cascade job one task at a time (the [`super::executor::Reference`]
/// executor's [`super::executor::Executor::run_part`]): its tasks in the plan's BFS order, the
/// top task from `part.start`. Results and kept models are in `part.tasks` order.
pub fn run_part<C: TaskModelConfig>(
    job: &Job,
    part: &Part<C::Model>,
    training: Training<C>,
    options: RunOptions,
) -> Result<JobOutcome<C::Model>, CascadeError> {
    let start = Instant::now();
    let data = job.data;
    let model = checked_model(std::slice::from_ref(job), training.model, training.config)?;
    let (tree, budget, parent) = part.check_in(job.plan)?;
    let training = Training {
        model: &model,
        ..training
    };
    let mut inside = vec![false; data.len()];
    for &v in &part.tasks {
        inside[v] = true;
    }
    let order: Vec<usize> = tree
        .order()
        .iter()
        .copied()
        .filter(|&v| inside[v])
        .collect();
    let start_from = parent.zip(part.start.as_ref());
    let (mut results, mut trained) =
        train_in_order(job, training, options, tree, &order, budget, start_from)?;
    let run = MethodRun {
        steps_used: part.tasks.iter().map(|&v| budget.steps[v]).sum(),
        tasks: part
            .tasks
            .iter()
            .map(|&v| results[v].take().expect("every task of the part trains"))
            .collect(),
        seconds: start.elapsed().as_secs_f64(),
        trained_by: TrainedBy::new("reference", training.device),
    };
    let models = options.keep_models.then(|| {
        part.tasks
            .iter()
            .map(|&v| trained[v].take().expect("every task of the part trains"))
            .collect()
    });
    Ok((run, models))
}

/// Each task's result and trained model, indexed by task.
type InOrder<M> = (Vec<Option<TaskResult>>, Vec<Option<M>>);

/// Trains the tasks of `order` (parents before children) one at a time, each from its
/// parent's trained model, from `start = (p, model)` when its parent is `p`, or from a fresh
/// initialisation. `training.model` is already adapted to the data.
fn train_in_order<C: TaskModelConfig>(
    job: &Job,
    training: Training<C>,
    options: RunOptions,
    tree: &Tree,
    order: &[usize],
    budget: &Budget,
    start: Option<(usize, &C::Model)>,
) -> Result<InOrder<C::Model>, CascadeError> {
    let Training {
        model,
        objective,
        config,
        device,
    } = training;
    let Job {
        data,
        etas,
        init_seed,
        ..
    } = *job;
    let tasks = data.tasks();
    let t = tasks.len();
    let d = data.standardised.n_features();
    let outputs = objective.outputs();
    let mut trained: Vec<Option<C::Model>> = (0..t).map(|_| None).collect();
    let mut results: Vec<Option<TaskResult>> = vec![None; t];
    for &v in order {
        let task_start = Instant::now();
        let init = match (tree.parent(v), start) {
            (None, _) => model.init_tasks(d, outputs, &[task_init_seed(init_seed, v)], device),
            (Some(p), Some((q, model))) if p == q => model.clone(),
            (Some(p), _) => trained[p].clone().expect("BFS order trains parents first"),
        };
        let batch = TaskBatch::new(&[&tasks[v].train], device)
            .with_objective(objective)
            .with_batch_seeds(vec![batch_seed(init_seed, v)]);
        let steps = budget.steps[v];
        let eta = etas.per_task[v];
        let out = fit(
            init,
            &batch,
            &[steps],
            &[eta],
            config,
            &[tasks[v].id.clone()],
        )?;
        let seconds = task_start.elapsed().as_secs_f64();
        let error = evaluate_if(options.evaluate, &out.model, &[(data, v)], objective)[0];
        results[v] = Some(TaskResult::new(
            tasks[v].id.clone(),
            steps,
            Some(eta),
            seconds,
            out.last_loss[0],
            error,
        ));
        trained[v] = Some(out.model);
    }
    Ok((results, trained))
}
