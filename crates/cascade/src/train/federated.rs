//! The FedAvg + fine-tuning baseline ([`Schedule::Federated`]): rounds of local steps on every
//! task from a shared global model, averaged by training rows, then per-task fine-tuning. Every
//! round is one batched program over all tasks.

use std::time::Instant;

use burn::prelude::Device;
use cascade_models::{TaskModelConfig, TaskModule};

use super::job::MethodRun;
use super::job::{Job, JobOutcome, RunOptions, TrainedBy, labelled};
use super::{
    Objective, TaskBatch, TaskResult, TrainConfig, batch_seed, evaluate_if, fit, task_init_seed,
};
use crate::CascadeError;
use crate::plan::Schedule;

/// Trains `job` (whose plan is federated) with models of `model` (already adapted to the data)
/// on `objective`. The global model starts from `task_init_seed(init_seed, T)`, the seed of the
/// pooled model; round `r`'s mini-batches (if any) draw from `batch_seed(init_seed + r + 1, v)`
/// and the fine-tuning's from `batch_seed(init_seed, v)`. A task's `seconds` is an equal share
/// of the whole training time.
pub(super) fn run_federated<C: TaskModelConfig>(
    job: &Job,
    model: &C,
    objective: &dyn Objective,
    config: &TrainConfig,
    device: &Device,
    options: RunOptions,
) -> Result<JobOutcome<C::Model>, CascadeError> {
    let Schedule::Federated {
        rounds,
        local_steps,
        fine_tune,
    } = job.plan.schedule
    else {
        return Err(CascadeError::ShapeMismatch(format!(
            "'{}' is not a federated plan",
            job.label
        )));
    };
    let start = Instant::now();
    let data = job.data;
    let t = data.len();
    let d = data.standardised.n_features();
    let splits: Vec<_> = data.tasks().iter().map(|task| &task.train).collect();
    let rows: f64 = splits.iter().map(|s| s.n_rows() as f64).sum();
    let weights: Vec<f64> = splits.iter().map(|s| s.n_rows() as f64 / rows).collect();
    let names: Vec<String> = data
        .tasks()
        .iter()
        .map(|task| labelled(&task.id, job.label))
        .collect();
    let etas = &job.etas.per_task;
    let batch = |round: u64| {
        TaskBatch::new(&splits, device)
            .with_objective(objective)
            .with_batch_seeds(
                (0..t)
                    .map(|v| batch_seed(job.init_seed.wrapping_add(round), v))
                    .collect(),
            )
    };
    let broadcast = vec![0; t];
    let mut global = model.init_tasks(
        d,
        objective.outputs(),
        &[task_init_seed(job.init_seed, t)],
        device,
    );
    for round in 0..rounds {
        let local = global.gather(&broadcast)?;
        let out = fit(
            local,
            &batch(round as u64 + 1),
            &vec![local_steps; t],
            etas,
            config,
            &names,
        )?;
        global = out.model.average(&weights)?;
    }
    let out = fit(
        global.gather(&broadcast)?,
        &batch(0),
        &vec![fine_tune; t],
        etas,
        config,
        &names,
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let entries: Vec<_> = (0..t).map(|v| (data, v)).collect();
    let errors = evaluate_if(options.evaluate, &out.model, &entries, objective);
    let steps = rounds * local_steps + fine_tune;
    let tasks = data
        .tasks()
        .iter()
        .zip(errors)
        .enumerate()
        .map(|(v, (task, error))| {
            TaskResult::new(
                task.id.clone(),
                steps,
                Some(etas[v]),
                seconds / t as f64,
                out.last_loss[v],
                error,
            )
        })
        .collect();
    let models = if options.keep_models {
        Some(
            (0..t)
                .map(|v| out.model.gather(&[v]))
                .collect::<Result<Vec<_>, _>>()?,
        )
    } else {
        None
    };
    let run = MethodRun {
        tasks,
        steps_used: job.plan.total_steps(),
        seconds,
        trained_by: TrainedBy::new("batched", device),
    };
    Ok((run, models))
}
