//! What the executors take and give: a [`Job`] (a plan with its data, step sizes and seeds), the
//! [`RunOptions`] of a run, and a [`MethodRun`] (per-task results) with the [`TrainedBy`] that
//! names its executor and device.

use burn::prelude::Device;
use cascade_data::StandardisedTaskSet;
use cascade_models::Backend;
use serde::{Deserialize, Serialize};

use super::{StepSizes, TaskResult};
use crate::CascadeError;
use crate::budget::Budget;
use crate::plan::{Plan, Schedule};
use crate::tree::Tree;

/// One plan to execute: on which data, at which learning rates, with which initialisation seed,
/// under which label (errors name the label with the task, e.g. `mst-gradient, rep 3`).
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The standardised tasks it plans over.
    pub data: &'a StandardisedTaskSet,
    /// The learning rate of each task of `data` and of a pooled model over it.
    pub etas: &'a StepSizes,
    /// Fresh models of task `v` draw from `task_init_seed(init_seed, v)` (pooled: `v = T`).
    pub init_seed: u64,
    /// A short label for error messages.
    pub label: &'a str,
}

/// The outcome of one method on one task set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodRun {
    /// Per task, in task order.
    pub tasks: Vec<TaskResult>,
    /// Gradient steps taken in total (never more than B).
    pub steps_used: usize,
    /// Wall-clock seconds of training and evaluation.
    pub seconds: f64,
    /// Which executor, on which device, trained it.
    #[serde(default)]
    pub trained_by: TrainedBy,
}

impl MethodRun {
    /// Seconds spent training (the sum of the tasks' `seconds`; evaluation excluded).
    pub fn training_seconds(&self) -> f64 {
        self.tasks.iter().map(|t| t.seconds).sum()
    }
}

impl MethodRun {
    /// Mean over tasks of the test MSE.
    pub fn mean_mse(&self) -> f64 {
        mean(self.tasks.iter().map(|t| t.test_mse))
    }

    /// Mean over tasks of the per-task test RMSE.
    pub fn mean_rmse(&self) -> f64 {
        mean(self.tasks.iter().map(|t| t.test_rmse))
    }

    /// Mean over tasks of the test accuracy, for binary labels.
    pub fn mean_accuracy(&self) -> Option<f64> {
        let values: Option<Vec<f64>> = self.tasks.iter().map(|t| t.test_accuracy).collect();
        values.map(|v| mean(v.into_iter()))
    }
}

fn mean(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = values.len() as f64;
    values.sum::<f64>() / n
}

/// Each task's trained model (`T = 1` modules, in task order) of one job, when kept.
pub type TrainedModels<M> = Vec<M>;

/// One job's run and, when kept, its trained models.
pub type JobOutcome<M> = (MethodRun, Option<TrainedModels<M>>);

/// `task (label)`, or `task` without a label: how errors name a task of a job.
pub(super) fn labelled(task: &str, label: &str) -> String {
    if label.is_empty() {
        task.to_string()
    } else {
        format!("{task} ({label})")
    }
}

/// Part of one cascade plan, trained on its own: one job of a plan cut into jobs
/// ([`crate::jobs`]). Training a plan part by part, each part from its parent part's trained
/// model, computes what training the whole plan at once computes.
#[derive(Debug, Clone)]
pub struct Part<M> {
    /// The plan's tasks (indices into its task set) this part trains: sibling subtrees hanging
    /// from one parent task outside the part (minus any pieces cut off below), or roots of the
    /// tree with descendants of theirs.
    pub tasks: Vec<usize>,
    /// The trained model (`T = 1`) of the parent task outside the part, for a part that has
    /// one.
    pub start: Option<M>,
}

impl<M> Part<M> {
    /// The tree and budget of `plan` (a cascade plan) and the part's outside parent
    /// ([`Self::check`]); plans that train one program have no parts.
    pub fn check_in<'p>(
        &self,
        plan: &'p Plan,
    ) -> Result<(&'p Tree, &'p Budget, Option<usize>), CascadeError> {
        let Schedule::Cascade { tree, budget, .. } = &plan.schedule else {
            return Err(CascadeError::InvalidSetting {
                name: "method",
                value: plan.method.to_string(),
                reason: "a pooled or federated model, or the mean, is one program: it has no \
                         parts"
                    .into(),
            });
        };
        Ok((tree, budget, self.check(tree)?))
    }

    /// Checks that the part fits `tree`: known, distinct tasks, each with its parent in the part,
    /// no parent, or one parent outside the part shared by all such tasks, exactly when `start`
    /// is given. Returns that outside parent.
    pub fn check(&self, tree: &Tree) -> Result<Option<usize>, CascadeError> {
        let t = tree.len();
        let mut inside = vec![false; t];
        for &v in &self.tasks {
            if v >= t || inside[v] {
                return Err(CascadeError::ShapeMismatch(format!(
                    "a part lists task {v} twice or outside the plan's {t} tasks"
                )));
            }
            inside[v] = true;
        }
        let outside: Vec<(usize, usize)> = self
            .tasks
            .iter()
            .filter_map(|&v| tree.parent(v).filter(|&p| !inside[p]).map(|p| (v, p)))
            .collect();
        let parent = outside.first().map(|&(_, p)| p);
        if let Some(&(v, q)) = outside.iter().find(|&&(_, q)| Some(q) != parent) {
            return Err(CascadeError::ShapeMismatch(format!(
                "task {v} of a part hangs from task {q}, another from task {}: a part starts \
                 from one parent",
                parent.unwrap_or(q)
            )));
        }
        match (parent, &self.start) {
            (None, None) | (Some(_), Some(_)) => Ok(parent),
            (None, Some(_)) => Err(CascadeError::ShapeMismatch(
                "a part starts from a parent model but no task of it has a parent outside it"
                    .into(),
            )),
            (Some(p), None) => Err(CascadeError::ShapeMismatch(format!(
                "task {} of a part needs its parent {p}'s trained model to start from",
                outside[0].0
            ))),
        }
    }
}

/// What a run is asked for besides training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Return every task's trained model (a [`JobOutcome`]'s second part).
    pub keep_models: bool,
    /// Evaluate every task on its test rows as it is trained (what comparisons do, so that a
    /// level's models need not be kept). Without it no test row is read and the results' test
    /// metrics are NaN ([`super::TestError::NOT_EVALUATED`]).
    pub evaluate: bool,
}

impl RunOptions {
    /// A comparison's run: evaluate as training goes, keep no models.
    pub const COMPARE: RunOptions = RunOptions {
        keep_models: false,
        evaluate: true,
    };
    /// A fit: keep every model, read no test row.
    pub const FIT: RunOptions = RunOptions {
        keep_models: true,
        evaluate: false,
    };
}

/// Which executor, on which device, trained a method: recorded with every run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainedBy {
    /// `batched`, `reference`, `host-linear`, or `none` for the Mean baseline.
    pub executor: String,
    /// The backend that ran the steps (`flex`, `ndarray`, `wgpu`, `cuda`), or `host` where
    /// the steps ran in plain Rust (host-linear cascades, the Mean baseline).
    pub device: String,
}

impl TrainedBy {
    /// `executor` on `device`.
    pub fn new(executor: &str, device: &Device) -> Self {
        Self {
            executor: executor.to_string(),
            device: device_name(device),
        }
    }

    /// `executor` on the host (plain Rust, no Burn device).
    pub fn host(executor: &str) -> Self {
        Self {
            executor: executor.to_string(),
            device: "host".to_string(),
        }
    }
}

impl Default for TrainedBy {
    fn default() -> Self {
        Self::host("none")
    }
}

impl std::fmt::Display for TrainedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} on {}", self.executor, self.device)
    }
}

/// The backend's name of `device`, or `unknown`.
pub fn device_name(device: &Device) -> String {
    Backend::of(device).map_or_else(|| "unknown".to_string(), |b| b.to_string())
}
