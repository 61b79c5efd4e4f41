//! A finished job on disk: its trained tasks' records and what training them reported.
//!
//! ```text
//! JOB/finished.json       format, job id, task ids, the fit report
//! JOB/tasks/00017.bpk     task 17's parameters (task indices are the plan's), as in a saved cascade
//! ```
//!
//! [`FinishedJob::save`] writes everything into a fresh folder beside `JOB`
//! (`.JOB.partial-PID`) and renames it to `JOB` last, so `JOB` either holds a whole finished
//! job or does not exist: a killed job leaves no `JOB`, only its partial folder, which nothing
//! reads, and reruns from scratch.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::Device;
use cascade_models::TaskModelConfig;
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::trained::FitReport;
use crate::trained::store::{load_record, read_json, save_record, store_error, write_json};

/// The `format` of a finished job this version writes and reads.
pub const FINISHED_FORMAT: &str = "cascade-job/1";

/// What `finished.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishedJob {
    /// [`FINISHED_FORMAT`].
    pub format: String,
    /// Version of the `cascade` crate that trained it.
    pub cascade_version: String,
    /// The job's id in its list.
    pub job: usize,
    /// The plan's indices of the tasks it trained, in the job's order.
    pub tasks: Vec<usize>,
    /// Their training, in the same order.
    pub report: FitReport,
}

impl FinishedJob {
    /// Job `job`'s record of training `tasks` (plan indices) as `report` says.
    pub fn new(job: usize, tasks: Vec<usize>, report: FitReport) -> Self {
        Self {
            format: FINISHED_FORMAT.into(),
            cascade_version: env!("CARGO_PKG_VERSION").into(),
            job,
            tasks,
            report,
        }
    }

    /// Writes the job and `models` (one `T = 1` model per task of [`Self::tasks`], in order)
    /// to `dir`, atomically (see the module docs). Returns false, writing nothing, when `dir`
    /// already holds a finished job (another run finished it first).
    pub fn save<M: Module>(&self, dir: &Path, models: &[M]) -> Result<bool, CascadeError> {
        if models.len() != self.tasks.len() {
            return Err(CascadeError::ShapeMismatch(format!(
                "job {} has {} tasks and {} models",
                self.job,
                self.tasks.len(),
                models.len()
            )));
        }
        let partial = partial_dir(dir);
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(|e| store_error(&partial, e))?;
        }
        let tasks = partial.join("tasks");
        fs::create_dir_all(&tasks).map_err(|e| store_error(&tasks, e))?;
        for (&v, model) in self.tasks.iter().zip(models) {
            save_record(model, &partial, v)?;
        }
        write_json(&partial.join("finished.json"), self)?;
        if dir.join("finished.json").exists() {
            fs::remove_dir_all(&partial).map_err(|e| store_error(&partial, e))?;
            return Ok(false);
        }
        if dir.exists() {
            // A folder without `finished.json` is not a finished job: replace it.
            fs::remove_dir_all(dir).map_err(|e| store_error(dir, e))?;
        }
        fs::rename(&partial, dir).map_err(|e| store_error(dir, e))?;
        Ok(true)
    }

    /// The finished job in `dir`, `None` when `dir` holds none (never run, or killed before it
    /// finished); a damaged `finished.json` is an error naming it.
    pub fn read(dir: &Path) -> Result<Option<Self>, CascadeError> {
        let path = dir.join("finished.json");
        if !path.exists() {
            return Ok(None);
        }
        let job: Self = read_json(&path)?;
        if job.format != FINISHED_FORMAT {
            return Err(CascadeError::Store {
                path: path.display().to_string(),
                reason: format!(
                    "format '{}' is not '{FINISHED_FORMAT}', the format this version reads",
                    job.format
                ),
            });
        }
        Ok(Some(job))
    }

    /// Task `v`'s trained model from the job's records in `dir` (`v` a plan index of one of
    /// its tasks), built from `model` with `shape = (d, k)` inputs and outputs on `device`.
    pub fn load_model<C: TaskModelConfig>(
        &self,
        dir: &Path,
        model: &C,
        shape: (usize, usize),
        v: usize,
        task: &str,
        device: &Device,
    ) -> Result<C::Model, CascadeError> {
        if !self.tasks.contains(&v) {
            return Err(CascadeError::Store {
                path: dir.display().to_string(),
                reason: format!("job {} did not train task '{task}'", self.job),
            });
        }
        load_record(model, shape, dir, v, task, device)
    }
}

/// The folder a run of the job writes before renaming it to `dir`.
fn partial_dir(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "job".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}
