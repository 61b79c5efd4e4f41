//! A plan cut into jobs, on disk:
//!
//! ```text
//! PLAN/jobs.json        the jobs (cascade-jobs/1): tasks, parent job and task, steps
//! PLAN/plan.json        the plan (tree and budget), as in a saved cascade
//! PLAN/run.json         how every job rebuilds the data and trains (cascade-run/1)
//! PLAN/jobs/ID/         a finished job: finished.json and tasks/NNNNN.bpk
//! PLAN/logs/            the jobs' output, when a scheduler ran them
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cascade::jobs::{FinishedJob, JobList, JobSpec};
use cascade::method::Method;
use cascade::plan::Plan;
use cascade::train::{Objective, StepSizes, objective_for};
use cascade::trained::{CascadeTrainer, Prepared};
use cascade_models::{Backend, ModelKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::data_args::{DataArgs, SyntheticArgs};
use crate::error::CliError;
use crate::session::Session;
use crate::settings::RunSettings;

/// The `format` of `run.json` this version writes and reads.
pub const RUN_FORMAT: &str = "cascade-run/1";

/// What `run.json` holds: the command's data and settings (paths made absolute), and what
/// planning decided that every job reuses.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunFile {
    /// [`RUN_FORMAT`].
    pub format: String,
    /// Version of cascade that planned it.
    pub cascade_version: String,
    /// The synthetic generator's options.
    pub synthetic: SyntheticArgs,
    /// The data source.
    pub source: DataArgs,
    /// Budget, tree and training settings.
    pub settings: RunSettings,
    /// The planned method.
    #[serde(with = "crate::text")]
    pub method: Method,
    /// The model every task trains.
    #[serde(with = "crate::text")]
    pub model: ModelKind,
    /// The trainer (method, plan settings, step settings, executor, seed).
    pub trainer: CascadeTrainer,
    /// Every task's learning rate.
    pub etas: StepSizes,
}

/// A plan folder's data, opened by a job or by `merge`.
pub struct PlanData {
    /// The data and device.
    pub session: Session,
    /// The target kind's built-in objective.
    pub objective: Arc<dyn Objective>,
    /// The model, adapted to the data (what a task's record is loaded into).
    pub model: ModelKind,
    /// Inputs and outputs of a task's model.
    pub shape: (usize, usize),
}

/// A plan folder, read and checked.
pub struct PlanDir {
    /// The folder.
    pub root: PathBuf,
    /// `run.json`.
    pub run: RunFile,
    /// `plan.json` and the step sizes.
    pub prepared: Prepared,
    /// `jobs.json`.
    pub list: JobList,
}

impl PlanDir {
    /// Reads and checks the plan folder `root`.
    pub fn open(root: &Path) -> Result<Self, CliError> {
        let bad = |reason: String| CliError::Jobs {
            plan: root.to_path_buf(),
            reason,
        };
        if !root.join("jobs.json").exists() {
            return Err(bad(
                "no jobs.json here: write one with `cascade plan ... --jobs K --out PLAN`".into(),
            ));
        }
        let run: RunFile = read(root, "run.json")?;
        if run.format != RUN_FORMAT {
            return Err(bad(format!(
                "run.json has format '{}', this version reads '{RUN_FORMAT}'",
                run.format
            )));
        }
        let plan: Plan = read(root, "plan.json")?;
        let list: JobList = read(root, "jobs.json")?;
        list.check(&plan).map_err(|e| bad(e.to_string()))?;
        if run.etas.per_task.len() != plan.task_ids.len() {
            return Err(bad(format!(
                "run.json has {} learning rates for the plan's {} tasks",
                run.etas.per_task.len(),
                plan.task_ids.len()
            )));
        }
        let prepared = Prepared {
            plan,
            etas: run.etas.clone(),
        };
        Ok(Self {
            root: root.to_path_buf(),
            run,
            prepared,
            list,
        })
    }

    /// The planned data, read again as planning read it, on `device`; with the built-in
    /// objective of its target kind and the model adapted to it.
    pub fn open_data(&self, device: Backend) -> Result<PlanData, CliError> {
        let mut settings = self.run.settings.clone();
        settings.device = device;
        let session = Session::open(&self.run.synthetic, &self.run.source, &settings, 0)?;
        let set = session.tasks();
        let objective = objective_for(set.problem());
        let model = self
            .run
            .model
            .for_data(set.n_features(), set.image_shape())?;
        let shape = (set.n_features(), objective.outputs());
        Ok(PlanData {
            session,
            objective: objective.into(),
            model,
            shape,
        })
    }

    /// Where job `id`'s records go.
    pub fn job_dir(&self, id: usize) -> PathBuf {
        job_dir(&self.root, id)
    }

    /// Job `id` if it has finished.
    pub fn finished(&self, id: usize) -> Result<Option<FinishedJob>, CliError> {
        Ok(FinishedJob::read(&self.job_dir(id))?)
    }

    /// The ids of the jobs that have not finished, in order.
    pub fn unfinished(&self) -> Result<Vec<usize>, CliError> {
        let mut out = Vec::new();
        for job in &self.list.jobs {
            if self.finished(job.id)?.is_none() {
                out.push(job.id);
            }
        }
        Ok(out)
    }

    /// Job `id`, or an error naming the plan's jobs.
    pub fn job(&self, id: usize) -> Result<&JobSpec, CliError> {
        Ok(self.list.job(id)?)
    }

    /// The plan's index of task `task`.
    pub fn task_index(&self, task: &str) -> Result<usize, CliError> {
        self.prepared
            .plan
            .task_ids
            .iter()
            .position(|t| t == task)
            .ok_or_else(|| CliError::Jobs {
                plan: self.root.clone(),
                reason: format!("task '{task}' is not in plan.json"),
            })
    }
}

/// Where job `id` of the plan folder `root` keeps its records.
pub fn job_dir(root: &Path, id: usize) -> PathBuf {
    root.join("jobs").join(id.to_string())
}

/// `root/name`, parsed as JSON; a missing or damaged file names itself.
fn read<T: DeserializeOwned>(root: &Path, name: &str) -> Result<T, CliError> {
    let path = root.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| CliError::Jobs {
        plan: root.to_path_buf(),
        reason: format!("cannot read {name}: {e}"),
    })?;
    serde_json::from_str(&text).map_err(|e| CliError::Jobs {
        plan: root.to_path_buf(),
        reason: format!("{name} is not valid: {e}"),
    })
}
