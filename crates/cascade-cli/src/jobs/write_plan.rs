//! `cascade plan ... --jobs K --out PLAN`: plan one method as `cascade train` would, cut the
//! plan into at most K jobs and write the plan folder ([`super::plan_dir`]).

use std::path::{Path, PathBuf};

use cascade::jobs::JobList;
use comfy_table::Table;
use comfy_table::presets::ASCII_MARKDOWN;

use super::plan_dir::{RUN_FORMAT, RunFile};
use crate::args::PlanArgs;
use crate::data_args::DataArgs;
use crate::error::CliError;
use crate::output::write_json;
use crate::session::Session;

/// Plans `args.plan_method` on repetition 0's tasks (those `cascade train` trains), cuts it
/// into at most `jobs` jobs and writes the plan folder `out`.
pub fn write_plan(args: &PlanArgs, jobs: usize, out: &Path) -> Result<(), CliError> {
    if args.rep != 0 {
        return Err(CliError::Usage {
            option: "--rep",
            reason: "a plan cut into jobs trains repetition 0's tasks, as `cascade train` does"
                .into(),
        });
    }
    if args.source.backbone.is_some() {
        return Err(CliError::Usage {
            option: "--backbone",
            reason: "a plan cut into jobs cannot train under a backbone yet; `cascade train \
                     --backbone ... --out DIR` trains and saves one in one process"
                .into(),
        });
    }
    refuse_used_folder(out)?;
    let session = Session::open(&args.data, &args.source, &args.method, 0)?;
    let set = session.tasks();
    let (trainer, model) = session.trainer(&args.method, args.plan_method)?;
    eprintln!(
        "planning {} on {} ({} tasks, B = {})",
        trainer.method,
        session.describe(),
        set.len(),
        trainer.plan.budget.total
    );
    let blocks = match &args.blocks_from {
        Some(dir) => super::blocks::read_blocks(dir, args.blocks.map(|b| b.get()))?,
        None => Vec::new(),
    };
    let prepared = trainer.prepare_from_blocks(set, &model, &session.device.device, blocks)?;
    let list = JobList::cut(&prepared.plan, jobs)?;
    let run = RunFile {
        format: RUN_FORMAT.into(),
        cascade_version: env!("CARGO_PKG_VERSION").into(),
        synthetic: args.data.clone(),
        source: absolute_paths(&args.source)?,
        settings: args.method.clone(),
        method: args.plan_method,
        model,
        trainer,
        etas: prepared.etas.clone(),
    };
    write_json(&out.join("run.json"), &run)?;
    write_json(&out.join("plan.json"), &prepared.plan)?;
    // jobs.json last: a folder with it is a whole plan.
    write_json(&out.join("jobs.json"), &list)?;
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(vec![
        "job",
        "tasks",
        "steps",
        "parent job",
        "parent task",
    ]);
    for job in &list.jobs {
        table.add_row(vec![
            job.id.to_string(),
            job.tasks.len().to_string(),
            job.steps.to_string(),
            job.parent_job.map_or("-".into(), |p| p.to_string()),
            job.parent_task.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    println!(
        "{} cut into {} jobs ({} tasks, {} steps):",
        list.method,
        list.jobs.len(),
        list.tasks,
        list.steps
    );
    println!("{table}");
    println!(
        "wrote {}; train a job with `cascade train --plan {0} --job ID`, or all of them with \
         `cascade submit {0} --local 2` or `--slurm`",
        out.display()
    );
    Ok(())
}

/// Refuses a folder that already holds a plan or anything else, so that no finished job's
/// records are ever overwritten by a new plan.
fn refuse_used_folder(out: &Path) -> Result<(), CliError> {
    let used = match std::fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_some(),
        Err(_) => false,
    };
    if used {
        return Err(CliError::Jobs {
            plan: out.to_path_buf(),
            reason: "the folder is not empty; plan into a new folder (finished jobs' records are \
                     never overwritten)"
                .into(),
        });
    }
    Ok(())
}

/// The data source with its path made absolute, so that jobs started elsewhere (a cluster
/// node, another working directory) read the same files.
fn absolute_paths(source: &DataArgs) -> Result<DataArgs, CliError> {
    let mut source = source.clone();
    if let Some(path) = source.data.get_mut(1) {
        let absolute: PathBuf = std::fs::canonicalize(&*path).map_err(|e| CliError::Usage {
            option: "--data",
            reason: format!("cannot resolve '{path}': {e}"),
        })?;
        *path = absolute.display().to_string();
    }
    Ok(source)
}
