//! The job list of a plan cut into jobs: `jobs.json`, versioned and documented so that any
//! scheduler can read it.
//!
//! ```json
//! {
//!   "format": "cascade-jobs/1",
//!   "method": "mst-gradient",
//!   "tasks": 40,
//!   "steps": 2000,
//!   "jobs": [
//!     { "id": 0, "tasks": ["s07", "s01", "..."], "parent_job": null, "parent_task": null, "steps": 560 },
//!     { "id": 1, "tasks": ["s12", "..."], "parent_job": 0, "parent_task": "s01", "steps": 490 }
//!   ]
//! }
//! ```
//!
//! Job `id` may start once job `parent_job` has finished (none: at once); it trains `tasks`
//! (the first ones start from task `parent_task`'s trained model, which job `parent_job`
//! trained) for `steps` gradient steps in all. A parent job's id is always smaller than its
//! children's, so the list in order is a valid schedule.

use serde::{Deserialize, Serialize};

use super::cut::cut;
use crate::CascadeError;
use crate::plan::{Plan, Schedule};
use crate::train::Part;

/// The `format` of a job list this version writes and reads.
pub const JOBS_FORMAT: &str = "cascade-jobs/1";

/// One job: a piece of the plan's tree, trained on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    /// The job's id, its index in the list.
    pub id: usize,
    /// The ids of the tasks it trains, parents before children.
    pub tasks: Vec<String>,
    /// The job that trains `parent_task`; none for a job of roots.
    pub parent_job: Option<usize>,
    /// The task whose trained model the job's top tasks start from; none for roots.
    pub parent_task: Option<String>,
    /// Gradient steps the job takes.
    pub steps: usize,
}

/// A plan's jobs ([`JOBS_FORMAT`]), parents before children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobList {
    /// [`JOBS_FORMAT`].
    pub format: String,
    /// The method whose plan was cut.
    pub method: String,
    /// Tasks in the plan.
    pub tasks: usize,
    /// Steps of the whole plan.
    pub steps: usize,
    /// The jobs.
    pub jobs: Vec<JobSpec>,
}

impl JobList {
    /// Cuts a cascade plan into at most `max_jobs` jobs balanced by steps ([`cut`]). Plans
    /// that train one program (a pooled model, FedAvg, the Mean baseline) are refused.
    pub fn cut(plan: &Plan, max_jobs: usize) -> Result<Self, CascadeError> {
        if max_jobs == 0 {
            return Err(CascadeError::InvalidSetting {
                name: "jobs",
                value: "0".into(),
                reason: "a plan needs at least one job".into(),
            });
        }
        let Schedule::Cascade { tree, budget, .. } = &plan.schedule else {
            return Err(CascadeError::InvalidSetting {
                name: "method",
                value: plan.method.to_string(),
                reason: "it trains one program (a pooled or federated model, or the mean), \
                         which cannot be cut into jobs; choose a cascade method"
                    .into(),
            });
        };
        let pieces = cut(tree, &budget.steps, max_jobs);
        let mut job_of = vec![0; tree.len()];
        for (id, piece) in pieces.iter().enumerate() {
            for &v in piece {
                job_of[v] = id;
            }
        }
        let jobs = pieces
            .iter()
            .enumerate()
            .map(|(id, piece)| {
                let parent = piece
                    .iter()
                    .find_map(|&v| tree.parent(v).filter(|&p| job_of[p] != id));
                JobSpec {
                    id,
                    tasks: piece.iter().map(|&v| plan.task_ids[v].clone()).collect(),
                    parent_job: parent.map(|p| job_of[p]),
                    parent_task: parent.map(|p| plan.task_ids[p].clone()),
                    steps: piece.iter().map(|&v| budget.steps[v]).sum(),
                }
            })
            .collect();
        Ok(Self {
            format: JOBS_FORMAT.into(),
            method: plan.method.to_string(),
            tasks: tree.len(),
            steps: plan.total_steps(),
            jobs,
        })
    }

    /// Job `id`, or an error naming the jobs there are.
    pub fn job(&self, id: usize) -> Result<&JobSpec, CascadeError> {
        self.jobs
            .get(id)
            .ok_or_else(|| CascadeError::InvalidSetting {
                name: "job",
                value: id.to_string(),
                reason: format!(
                    "the plan has jobs 0 to {}",
                    self.jobs.len().saturating_sub(1)
                ),
            })
    }

    /// Checks the list against `plan`: its format, every task in exactly one job, parents
    /// before children and each job's parent task in its parent job.
    pub fn check(&self, plan: &Plan) -> Result<(), CascadeError> {
        let bad = |reason: String| CascadeError::Store {
            path: "jobs.json".into(),
            reason,
        };
        if self.format != JOBS_FORMAT {
            return Err(bad(format!(
                "format '{}' is not '{JOBS_FORMAT}', the format this version reads",
                self.format
            )));
        }
        let t = plan.task_ids.len();
        let mut seen = vec![false; t];
        for (k, job) in self.jobs.iter().enumerate() {
            if job.id != k {
                return Err(bad(format!("job {k} is listed with id {}", job.id)));
            }
            if let Some(p) = job.parent_job
                && p >= k
            {
                return Err(bad(format!(
                    "job {k}'s parent job {p} does not come before it"
                )));
            }
            for v in self.indices(job, plan)? {
                if std::mem::replace(&mut seen[v], true) {
                    return Err(bad(format!("task '{}' is in two jobs", plan.task_ids[v])));
                }
            }
        }
        if let Some(v) = seen.iter().position(|s| !s) {
            return Err(bad(format!("task '{}' is in no job", plan.task_ids[v])));
        }
        Ok(())
    }

    /// Job `job`'s tasks as indices into `plan`'s tasks.
    pub fn indices(&self, job: &JobSpec, plan: &Plan) -> Result<Vec<usize>, CascadeError> {
        let index: std::collections::HashMap<&str, usize> = plan
            .task_ids
            .iter()
            .enumerate()
            .map(|(v, id)| (id.as_str(), v))
            .collect();
        job.tasks
            .iter()
            .map(|id| {
                index
                    .get(id.as_str())
                    .copied()
                    .ok_or_else(|| CascadeError::Store {
                        path: "jobs.json".into(),
                        reason: format!("job {} lists task '{id}', which the plan lacks", job.id),
                    })
            })
            .collect()
    }

    /// Job `job` as the part of `plan` it trains, starting from `start` (its parent task's
    /// trained model; `None` for a job of roots).
    pub fn part<M>(
        &self,
        job: &JobSpec,
        plan: &Plan,
        start: Option<M>,
    ) -> Result<Part<M>, CascadeError> {
        Ok(Part {
            tasks: self.indices(job, plan)?,
            start,
        })
    }
}
