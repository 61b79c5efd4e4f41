//! `cascade train --plan PLAN --job ID`: train one job of a plan folder from its parent job's
//! records, and write its own records atomically under `PLAN/jobs/ID`.

use std::path::Path;
use std::time::Instant;

use cascade::jobs::FinishedJob;
use cascade_models::Backend;

use super::plan_dir::{PlanData, PlanDir};
use crate::error::CliError;

/// Trains job `id` of the plan folder `plan` on `device` (rerunning a finished job does
/// nothing; a killed one reruns from scratch).
pub fn train_job(plan: &Path, id: usize, device: Backend) -> Result<(), CliError> {
    let dir = PlanDir::open(plan)?;
    let job = dir.job(id)?.clone();
    let out = dir.job_dir(id);
    if dir.finished(id)?.is_some() {
        println!(
            "job {id} already finished ({}); nothing to do",
            out.display()
        );
        return Ok(());
    }
    let PlanData {
        session,
        objective,
        model,
        shape,
    } = dir.open_data(device)?;
    let set = session.tasks();
    let start = match (job.parent_job, &job.parent_task) {
        (Some(parent), Some(task)) => {
            let parent_dir = dir.job_dir(parent);
            let finished = dir.finished(parent)?.ok_or_else(|| CliError::Jobs {
                plan: plan.to_path_buf(),
                reason: format!(
                    "job {id} starts from task '{task}' of job {parent}, which has not \
                     finished; train job {parent} first"
                ),
            })?;
            let v = dir.task_index(task)?;
            Some(finished.load_model(
                &parent_dir,
                &model,
                shape,
                v,
                task,
                &session.device.device,
            )?)
        }
        _ => None,
    };
    let part = dir.list.part(&job, &dir.prepared.plan, start)?;
    eprintln!(
        "training job {id} of {}: {} tasks, {} steps, from {} on {}",
        dir.list.jobs.len(),
        job.tasks.len(),
        job.steps,
        job.parent_task
            .as_deref()
            .map_or("fresh initialisations".to_string(), |t| format!(
                "task '{t}'"
            )),
        session.device.backend
    );
    let begin = Instant::now();
    let (models, report) = dir.run.trainer.fit_part(
        set,
        &dir.run.model,
        objective,
        &session.device.device,
        &dir.prepared,
        &part,
    )?;
    let trained_by = report.trained_by.clone();
    let steps = report.steps_used;
    let finished = FinishedJob::new(id, part.tasks, report);
    if finished.save(&out, &models)? {
        println!(
            "job {id}: {} tasks, {steps} steps in {:.2} s, trained by {trained_by}; records in {}",
            models.len(),
            begin.elapsed().as_secs_f64(),
            out.display()
        );
    } else {
        println!("job {id} was finished by another run meanwhile; its records are kept");
    }
    Ok(())
}
