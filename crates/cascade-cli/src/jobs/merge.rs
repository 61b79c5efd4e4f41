//! `cascade merge PLAN --out DIR`: join a plan folder's finished jobs into one saved cascade,
//! the one `cascade train --out DIR` saves with the same options.

use std::path::Path;

use cascade_models::Backend;

use super::plan_dir::{PlanData, PlanDir};
use crate::error::CliError;

/// Joins every job of the plan folder `plan` into the saved cascade `out` (on `device`, where
/// the records are read).
pub fn merge(plan: &Path, out: &Path, device: Backend) -> Result<(), CliError> {
    let dir = PlanDir::open(plan)?;
    let unfinished = dir.unfinished()?;
    if !unfinished.is_empty() {
        let ids: Vec<String> = unfinished.iter().map(usize::to_string).collect();
        return Err(CliError::Jobs {
            plan: plan.to_path_buf(),
            reason: format!(
                "{} of {} jobs have not finished (jobs {}); run them first, e.g. `cascade \
                 submit {} --local 2 --resume`",
                unfinished.len(),
                dir.list.jobs.len(),
                ids.join(", "),
                plan.display()
            ),
        });
    }
    let PlanData {
        session,
        objective,
        model,
        shape,
    } = dir.open_data(device)?;
    let set = session.tasks();
    let plan_tasks = &dir.prepared.plan.task_ids;
    let mut models: Vec<Option<_>> = (0..plan_tasks.len()).map(|_| None).collect();
    for job in &dir.list.jobs {
        let job_dir = dir.job_dir(job.id);
        let finished = dir.finished(job.id)?.expect("checked above");
        for &v in &finished.tasks {
            let model = finished.load_model(
                &job_dir,
                &model,
                shape,
                v,
                &plan_tasks[v],
                &session.device.device,
            )?;
            models[v] = Some(model);
        }
    }
    let models = models
        .into_iter()
        .enumerate()
        .map(|(v, m)| {
            m.ok_or_else(|| CliError::Jobs {
                plan: plan.to_path_buf(),
                reason: format!("no finished job holds task '{}'", plan_tasks[v]),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let trained = dir
        .run
        .trainer
        .assemble(set, &dir.run.model, objective, &dir.prepared, models)?
        .with_schema(session.schema.clone());
    trained.save(out)?;
    let steps: usize = dir.list.jobs.iter().map(|j| j.steps).sum();
    println!(
        "merged {} jobs ({} tasks, {steps} steps) into {} (predict with: cascade predict {} \
         --input ROWS.csv)",
        dir.list.jobs.len(),
        trained.len(),
        out.display(),
        out.display()
    );
    Ok(())
}
