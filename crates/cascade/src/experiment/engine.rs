//! The comparison engine: every setting's plans on every repetition, trained by one executor.

use burn::prelude::Device;
use cascade_data::StandardisedTaskSet;
use cascade_models::TaskModelConfig;

use super::config::{CompareConfig, MethodOutcome, Progress, Repetition};
use super::seeds::{init_seed, plan_with_cache, rep_step_sizes};
use crate::CascadeError;
use crate::plan::DistanceCache;
use crate::train::executor::{Training, resolve};
use crate::train::{ExecutorChoice, Job, MethodRun, Objective, RunOptions, objective_for};

/// Runs every setting of `settings` on every repetition with the data's built-in objective
/// (squared error, logistic or softmax cross-entropy): see [`compare_grid_with`].
pub fn compare_grid<C: TaskModelConfig>(
    reps: &[Repetition],
    settings: &[CompareConfig<C>],
    device: &Device,
    progress: impl FnMut(Progress),
) -> Result<Vec<Vec<Vec<MethodOutcome>>>, CascadeError> {
    let Some(first) = reps.first() else {
        return Ok(Vec::new());
    };
    let objective = objective_for(first.set.problem());
    compare_grid_with(reps, settings, objective.as_ref(), device, progress)
}

/// Runs every setting of `settings` on every repetition, training on `objective`:
/// `result[r][s][m]` is method `m` of setting `s` on repetition `r`. The settings may differ in
/// methods, budgets, allocations and roots, and share each repetition's standardisation and
/// task distances (computed once). They must share one program
/// ([`CompareConfig::shares_program`]: model, training settings, executor), because with the
/// batched executor every plan of every setting and repetition trains as one program.
pub fn compare_grid_with<C: TaskModelConfig>(
    reps: &[Repetition],
    settings: &[CompareConfig<C>],
    objective: &dyn Objective,
    device: &Device,
    mut progress: impl FnMut(Progress),
) -> Result<Vec<Vec<Vec<MethodOutcome>>>, CascadeError> {
    let Some(first) = settings.first() else {
        return Ok(vec![Vec::new(); reps.len()]);
    };
    if let Some(other) = settings.iter().find(|s| !s.shares_program(first)) {
        return Err(CascadeError::ShapeMismatch(format!(
            "settings trained together must share model, training settings and executor \
             ({} / {:?} / {} against {} / {:?} / {})",
            first.model, first.train, first.executor, other.model, other.train, other.executor
        )));
    }
    let Some(rep0) = reps.first() else {
        return Ok(Vec::new());
    };
    first.train.validate()?;
    // prepared[r] = (standardised data, plans of every setting, flattened setting-major,
    // learning rates).
    let mut prepared = Vec::with_capacity(reps.len());
    for (r, rep) in reps.iter().enumerate() {
        progress(Progress::Planning { rep: r });
        let data = StandardisedTaskSet::new(rep.set);
        let mut cache = DistanceCache::new();
        let mut plans = Vec::new();
        for setting in settings {
            plans.extend(plan_with_cache(&data, setting, rep.seed, &mut cache)?);
        }
        let etas = rep_step_sizes(&data, first, rep.seed, &mut cache, device)?;
        prepared.push((data, plans, etas));
    }
    let d = rep0.set.n_features();
    // The executors adapt the model to the data themselves; the choice looks at the adapted one.
    let adapted = first.model.for_data(d, rep0.set.image_shape())?;
    let training = |model| Training {
        model,
        objective,
        config: &first.train,
        device,
    };
    let executor = resolve(first.executor, training(&adapted), d)?;
    let labels: Vec<Vec<String>> = reps
        .iter()
        .zip(&prepared)
        .map(|(rep, (_, plans, _))| {
            plans
                .iter()
                .map(|p| match rep.label {
                    "" => p.method.to_string(),
                    label => format!("{}, {label}", p.method),
                })
                .collect()
        })
        .collect();
    let mut jobs = Vec::new();
    for ((rep, (data, plans, etas)), labels) in reps.iter().zip(&prepared).zip(&labels) {
        for (plan, label) in plans.iter().zip(labels) {
            jobs.push(Job {
                plan,
                data,
                etas,
                init_seed: init_seed(rep.seed),
                label,
            });
        }
    }
    let run = |jobs: &[Job]| -> Result<Vec<MethodRun>, CascadeError> {
        Ok(executor
            .run(jobs, training(&first.model), RunOptions::COMPARE)?
            .into_iter()
            .map(|(run, _)| run)
            .collect())
    };
    let mut flat = Vec::with_capacity(jobs.len());
    if first.executor == ExecutorChoice::Reference {
        // One task at a time: say which method of which repetition is training.
        let mut next = 0;
        for (r, (_, plans, _)) in prepared.iter().enumerate() {
            for plan in plans {
                progress(Progress::Training {
                    rep: r,
                    method: plan.method,
                });
                flat.extend(run(&jobs[next..next + 1])?);
                next += 1;
            }
        }
    } else {
        progress(Progress::TrainingStacked { plans: jobs.len() });
        flat = run(&jobs)?;
    }
    let mut flat = flat.into_iter();
    Ok(prepared
        .into_iter()
        .map(|(_, plans, _)| {
            let mut outcomes = plans
                .into_iter()
                .zip(flat.by_ref())
                .map(|(plan, run)| MethodOutcome { plan, run });
            settings
                .iter()
                .map(|s| outcomes.by_ref().take(s.methods.len()).collect())
                .collect()
        })
        .collect())
}
