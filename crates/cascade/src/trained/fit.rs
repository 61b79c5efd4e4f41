//! Training one method into a [`TrainedCascade`], linfa-style: fitting sees only the training
//! rows; evaluating on held-out rows is a separate call ([`TrainedCascade::evaluate_set`]).

use std::sync::Arc;

use burn::prelude::Device;
use cascade_data::{Split, StandardisedTaskSet, Task, TaskSet};
use cascade_models::TaskModelConfig;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::TrainedCascade;
use crate::CascadeError;
use crate::distance::Distance;
use crate::experiment::{init_seed, method_seed, seeded_step_sizes};
use crate::method::Method;
use crate::plan::Plan;
use crate::plan::{DistanceCache, PlanConfig, make_plan};
use crate::train::executor::{Training, resolve};
use crate::train::{
    ExecutorChoice, Job, MethodRun, Objective, Part, RunOptions, StepSizes, TaskResult, TestError,
    TrainConfig, TrainedBy, objective_for,
};

/// The settings of one trained cascade: which method plans it, how the budget and root are
/// chosen, how each task trains, which executor trains it, and the seed of every random choice.
///
/// With the same settings and seed, [`CascadeTrainer::fit`] trains exactly the models that
/// `cascade run` evaluates for that method (same plans, learning rates and initialisations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CascadeTrainer {
    /// The method (default `mst-gradient`).
    pub method: Method,
    /// Budget, root rule and root distance.
    pub plan: PlanConfig,
    /// Learning rate, clipping and the rest of the step loop.
    pub train: TrainConfig,
    /// Seed of the plan's random choices and of the fresh initialisations.
    pub seed: u64,
    /// Which executor trains (default `auto`).
    #[serde(default)]
    pub executor: ExecutorChoice,
}

/// One task's training, as [`CascadeTrainer::fit`] reports it (no test metric: fitting reads
/// no test row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskTraining {
    /// The task's id.
    pub task: String,
    /// Gradient steps it took.
    pub steps: usize,
    /// Its learning rate (standardised units).
    pub eta: Option<f64>,
    /// Its share of the training time, in seconds.
    pub seconds: f64,
    /// Its training loss at the last step (standardised units); `None` with 0 steps.
    pub train_loss: Option<f64>,
}

/// What fitting reports: each task's training, the steps used and who trained it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Per task, in task order.
    pub tasks: Vec<TaskTraining>,
    /// Gradient steps taken in total (never more than B).
    pub steps_used: usize,
    /// Wall-clock seconds of training.
    pub seconds: f64,
    /// The executor and device that trained it.
    pub trained_by: TrainedBy,
}

impl FitReport {
    /// The report joined with each task's test metrics (`errors`, in task order, e.g. from
    /// [`TrainedCascade::evaluate_set`]): the same [`MethodRun`] a comparison reports.
    pub fn evaluated(self, errors: Vec<TestError>) -> Result<MethodRun, CascadeError> {
        if errors.len() != self.tasks.len() {
            return Err(CascadeError::ShapeMismatch(format!(
                "{} test results for {} trained tasks",
                errors.len(),
                self.tasks.len()
            )));
        }
        Ok(MethodRun {
            tasks: self
                .tasks
                .into_iter()
                .zip(errors)
                .map(|(t, error)| {
                    TaskResult::new(t.task, t.steps, t.eta, t.seconds, t.train_loss, error)
                })
                .collect(),
            steps_used: self.steps_used,
            seconds: self.seconds,
            trained_by: self.trained_by,
        })
    }
}

impl CascadeTrainer {
    /// MST on the gradient distance with `budget` steps, the default training settings, the
    /// `auto` executor and seed 0.
    pub fn new(budget: usize) -> Self {
        Self {
            method: Method::Mst(Distance::Gradient),
            plan: PlanConfig::new(budget),
            train: TrainConfig::default(),
            seed: 0,
            executor: ExecutorChoice::Auto,
        }
    }

    /// [`Self::fit_with`] on the data's built-in objective (squared error, logistic or softmax
    /// cross-entropy).
    pub fn fit<C: TaskModelConfig>(
        &self,
        set: &TaskSet,
        model: &C,
        device: &Device,
    ) -> Result<(TrainedCascade<C>, FitReport), CascadeError> {
        self.fit_with(set, model, objective_for(set.problem()).into(), device)
    }

    /// Trains `model` on the training rows of `set` under `objective` on `device` (an autodiff
    /// device: [`cascade_models::Backend`] gives one). Returns the trained cascade, which
    /// predicts and scores with `objective`, and the training report. No test row is read:
    /// evaluate with [`TrainedCascade::evaluate_set`]. The Mean baseline has no model and is
    /// refused.
    pub fn fit_with<C: TaskModelConfig>(
        &self,
        set: &TaskSet,
        model: &C,
        objective: Arc<dyn Objective>,
        device: &Device,
    ) -> Result<(TrainedCascade<C>, FitReport), CascadeError> {
        let set = &self.training_set(set)?;
        let data = StandardisedTaskSet::new(set);
        let model = model.for_data(set.n_features(), set.image_shape())?;
        let prepared =
            self.prepare_standardised(&data, &model, device, &mut DistanceCache::new())?;
        let job = self.job(&prepared, &data);
        let training = Training {
            model: &model,
            objective: objective.as_ref(),
            config: &self.train,
            device,
        };
        let executor = resolve(self.executor, training, set.n_features())?;
        let (run, models) = executor.run(&[job], training, RunOptions::FIT)?.remove(0);
        let models = models.ok_or_else(|| {
            CascadeError::ShapeMismatch(format!(
                "the {} executor kept no models for '{}'",
                executor.name(),
                self.method
            ))
        })?;
        let report = FitReport::of(run);
        let trained = assemble(set, &data, model, objective, prepared.plan, models)?;
        Ok((trained, report))
    }

    /// What fitting decides before its first step, on the training rows of `set`: the plan
    /// and every task's learning rate ([`Prepared`]), exactly as [`Self::fit`] decides them.
    pub fn prepare<C: TaskModelConfig>(
        &self,
        set: &TaskSet,
        model: &C,
        device: &Device,
    ) -> Result<Prepared, CascadeError> {
        self.prepare_from_blocks(set, model, device, Vec::new())
    }

    /// Trains only `part` of the prepared plan (one job of a plan cut into jobs,
    /// [`crate::jobs`]) on the training rows of `set`, under `objective`, its top task from
    /// `part.start`. Returns the part's models and report, in `part.tasks` order: exactly the
    /// models [`Self::fit_with`] trains for those tasks (bit for bit on a CPU device).
    pub fn fit_part<C: TaskModelConfig>(
        &self,
        set: &TaskSet,
        model: &C,
        objective: Arc<dyn Objective>,
        device: &Device,
        prepared: &Prepared,
        part: &Part<C::Model>,
    ) -> Result<(Vec<C::Model>, FitReport), CascadeError> {
        let (data, model) = self.standardised(set, model)?;
        prepared.check_tasks(&data.standardised)?;
        let job = self.job(prepared, &data);
        let training = Training {
            model: &model,
            objective: objective.as_ref(),
            config: &self.train,
            device,
        };
        let executor = resolve(self.executor, training, data.standardised.n_features())?;
        let (run, models) = executor.run_part(&job, part, training, RunOptions::FIT)?;
        let models = models.ok_or_else(|| {
            CascadeError::ShapeMismatch(format!(
                "the {} executor kept no models for part of '{}'",
                executor.name(),
                self.method
            ))
        })?;
        Ok((models, FitReport::of(run)))
    }

    /// The trained cascade of `models` (every task's, in task order, e.g. joined from the jobs
    /// of a plan cut into jobs) trained on `set` with `model` under `objective` as `prepared`
    /// planned: what [`Self::fit_with`] returns for the same models.
    pub fn assemble<C: TaskModelConfig>(
        &self,
        set: &TaskSet,
        model: &C,
        objective: Arc<dyn Objective>,
        prepared: &Prepared,
        models: Vec<C::Model>,
    ) -> Result<TrainedCascade<C>, CascadeError> {
        let set = &self.training_set(set)?;
        prepared.check_tasks(set)?;
        let data = StandardisedTaskSet::new(set);
        let model = model.for_data(set.n_features(), set.image_shape())?;
        assemble(set, &data, model, objective, prepared.plan.clone(), models)
    }

    /// The training rows of `set`, standardised, and `model` adapted to them; the unscaled
    /// copy is dropped on the way (at 100,000 tasks it is a gigabyte).
    pub(super) fn standardised<C: TaskModelConfig>(
        &self,
        set: &TaskSet,
        model: &C,
    ) -> Result<(StandardisedTaskSet, C), CascadeError> {
        let set = self.training_set(set)?;
        let model = model.for_data(set.n_features(), set.image_shape())?;
        Ok((StandardisedTaskSet::new(&set), model))
    }

    /// The checks of the settings and `set` restricted to its training rows.
    pub(super) fn training_set(&self, set: &TaskSet) -> Result<TaskSet, CascadeError> {
        if self.method == Method::Mean {
            return Err(CascadeError::InvalidSetting {
                name: "method",
                value: self.method.to_string(),
                reason: "the Mean baseline trains no model to keep; choose a trained method".into(),
            });
        }
        self.train.validate()?;
        training_only(set)
    }

    /// The plan and learning rates on standardised training rows, `model` adapted to them.
    pub(super) fn prepare_standardised<C: TaskModelConfig>(
        &self,
        data: &StandardisedTaskSet,
        model: &C,
        device: &Device,
        cache: &mut DistanceCache,
    ) -> Result<Prepared, CascadeError> {
        let mut rng = StdRng::seed_from_u64(method_seed(self.seed, &self.method));
        let plan = make_plan(self.method, data, cache, &self.plan, &mut rng)?;
        let etas = seeded_step_sizes(
            data,
            model,
            &self.train,
            &self.plan,
            self.seed,
            cache,
            device,
        )?;
        Ok(Prepared { plan, etas })
    }

    /// The executor's job for the prepared plan on `data`.
    fn job<'a>(&self, prepared: &'a Prepared, data: &'a StandardisedTaskSet) -> Job<'a> {
        Job {
            plan: &prepared.plan,
            data,
            etas: &prepared.etas,
            init_seed: init_seed(self.seed),
            label: "",
        }
    }
}

/// What fitting decides before its first step: the plan (tree and budget) and every task's
/// learning rate. Both read every task's training rows; a plan cut into jobs computes them
/// once and every job reads them back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prepared {
    /// The plan.
    pub plan: Plan,
    /// Each task's learning rate (standardised units), `[T]`, and the pooled model's.
    pub etas: StepSizes,
}

impl Prepared {
    /// An error unless `set`'s tasks are the plan's, in its order.
    fn check_tasks(&self, set: &TaskSet) -> Result<(), CascadeError> {
        let ids = set.ids();
        let planned = &self.plan.task_ids;
        if ids.len() != planned.len() || self.etas.per_task.len() != planned.len() {
            return Err(CascadeError::ShapeMismatch(format!(
                "the data has {} tasks, the plan {} (with {} learning rates): not the data it \
                 was planned on",
                ids.len(),
                planned.len(),
                self.etas.per_task.len()
            )));
        }
        match ids.iter().zip(planned).position(|(a, b)| a != b) {
            None => Ok(()),
            Some(v) => Err(CascadeError::ShapeMismatch(format!(
                "task {v} of the data is '{}', of the plan '{}': not the data it was planned on",
                ids[v], planned[v]
            ))),
        }
    }
}

impl FitReport {
    /// A fit's report from its run (test metrics, if any, dropped).
    fn of(run: MethodRun) -> Self {
        Self {
            tasks: run
                .tasks
                .into_iter()
                .map(|t| TaskTraining {
                    task: t.task,
                    steps: t.steps,
                    eta: t.eta,
                    seconds: t.seconds,
                    train_loss: t.train_loss,
                })
                .collect(),
            steps_used: run.steps_used,
            seconds: run.seconds,
            trained_by: run.trained_by,
        }
    }
}

/// The trained cascade of `models` on the training-only `set` (standardised as `data`).
fn assemble<C: TaskModelConfig>(
    set: &TaskSet,
    data: &StandardisedTaskSet,
    model: C,
    objective: Arc<dyn Objective>,
    plan: Plan,
    models: Vec<C::Model>,
) -> Result<TrainedCascade<C>, CascadeError> {
    Ok(TrainedCascade::new(
        model,
        set.n_features(),
        set.problem(),
        set.class_names().to_vec(),
        plan,
        set.ids().into_iter().map(String::from).collect(),
        data.scalers.clone(),
        models,
    )?
    .with_objective(objective))
}

/// `set` with every task's test rows replaced by its first training row, so that nothing
/// downstream of fitting can read a held-out row (a task set keeps a non-empty test split).
fn training_only(set: &TaskSet) -> Result<TaskSet, CascadeError> {
    let tasks = set
        .tasks()
        .iter()
        .map(|task| Task {
            id: task.id.clone(),
            train: task.train.clone(),
            test: Split::new(
                task.train.x.rows(0, 1).into_owned(),
                task.train.y.rows(0, 1).into_owned(),
            ),
            group: task.group,
        })
        .collect();
    // Its training rows are `set`'s, already checked against its labels.
    Ok(TaskSet::new(tasks)?.with_labels_of(set))
}
