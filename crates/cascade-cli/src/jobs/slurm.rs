//! `cascade submit PLAN --slurm`: one sbatch script per job, submitted in order, each with
//! `--dependency=afterok:<its parent job's Slurm id>`, so Slurm runs the DAG and never starts a
//! job whose parent failed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cascade::jobs::JobSpec;
use cascade_models::Backend;
use serde::Serialize;

use super::plan_dir::PlanDir;
use super::submit::job_command;
use crate::args::SubmitArgs;
use crate::error::CliError;
use crate::output::{write_atomic, write_json};

/// What `PLAN/slurm/submitted.json` records of one submission.
#[derive(Serialize)]
struct Submitted {
    /// Plan job id to Slurm job id, for the jobs submitted.
    jobs: Vec<(usize, String)>,
}

/// Writes every unfinished job's script under `PLAN/slurm/` and submits them in order (or,
/// with `--dry-run`, prints the scripts and the sbatch lines).
pub fn submit(
    dir: &PlanDir,
    unfinished: &[usize],
    args: &SubmitArgs,
    device: Backend,
    bin: &Path,
) -> Result<(), CliError> {
    let scripts_dir = dir.root.join("slurm");
    let logs = dir.root.join("logs");
    if !args.dry_run {
        std::fs::create_dir_all(&logs).map_err(|source| CliError::Write {
            path: logs.clone(),
            source,
        })?;
    }
    let mut slurm_ids: HashMap<usize, String> = HashMap::new();
    let mut submitted = Vec::new();
    for &id in unfinished {
        let job = dir.job(id)?;
        let script = script(dir, job, args, device, bin)?;
        let path = scripts_dir.join(format!("job-{id}.sh"));
        // A parent that finished before this submission needs no dependency.
        let dependency = job
            .parent_job
            .filter(|p| unfinished.contains(p))
            .map(|p| match slurm_ids.get(&p) {
                Some(slurm) => format!("--dependency=afterok:{slurm}"),
                None => format!("--dependency=afterok:$JOB_{p}"),
            });
        if args.dry_run {
            println!("# {}", path.display());
            println!("{script}");
            println!(
                "JOB_{id}=$(sbatch --parsable {}{})\n",
                dependency.map(|d| d + " ").unwrap_or_default(),
                quote(&path)
            );
            continue;
        }
        write_atomic(&path, script.as_bytes())?;
        let mut sbatch = Command::new("sbatch");
        sbatch.arg("--parsable");
        if let Some(dependency) = &dependency {
            sbatch.arg(dependency);
        }
        sbatch.arg(&path);
        let output = sbatch.output().map_err(|e| CliError::Scheduler {
            scheduler: "slurm",
            reason: format!("cannot run sbatch ({e}); is Slurm installed and on PATH?"),
        })?;
        if !output.status.success() {
            return Err(CliError::Scheduler {
                scheduler: "slurm",
                reason: format!(
                    "sbatch refused job {id} ({}): {}{}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim(),
                    if submitted.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; {} jobs were submitted before it (see {})",
                            submitted.len(),
                            scripts_dir.join("submitted.json").display()
                        )
                    }
                ),
            });
        }
        let text = String::from_utf8_lossy(&output.stdout);
        // `--parsable` prints `ID` or `ID;CLUSTER`.
        let slurm = text.trim().split(';').next().unwrap_or("").to_string();
        if slurm.is_empty() || !slurm.chars().all(|c| c.is_ascii_digit()) {
            return Err(CliError::Scheduler {
                scheduler: "slurm",
                reason: format!(
                    "sbatch printed '{}' for job {id}, not a job id",
                    text.trim()
                ),
            });
        }
        println!(
            "job {id}: slurm job {slurm}{}",
            job.parent_job
                .filter(|p| unfinished.contains(p))
                .map_or(String::new(), |p| format!(" (after job {p})"))
        );
        slurm_ids.insert(id, slurm.clone());
        submitted.push((id, slurm));
        write_json(
            &scripts_dir.join("submitted.json"),
            &Submitted {
                jobs: submitted.clone(),
            },
        )?;
    }
    if !args.dry_run {
        let ids: Vec<&str> = submitted.iter().map(|(_, s)| s.as_str()).collect();
        println!(
            "submitted {} jobs: {}; logs in {}; when they finish: cascade merge {} --out DIR",
            submitted.len(),
            ids.join(" "),
            logs.display(),
            dir.root.display()
        );
    }
    Ok(())
}

/// Job `job`'s sbatch script.
fn script(
    dir: &PlanDir,
    job: &JobSpec,
    args: &SubmitArgs,
    device: Backend,
    bin: &Path,
) -> Result<String, CliError> {
    let name = dir
        .root
        .file_name()
        .map_or_else(|| "plan".into(), |n| n.to_string_lossy().into_owned());
    let logs: PathBuf = dir.root.join("logs");
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!(
            "#SBATCH --job-name={}",
            quote_word(&format!("cascade-{name}-{}", job.id))
        ),
        format!(
            "#SBATCH --output={}",
            quote_word(
                &logs
                    .join(format!("job-{}-%j.out", job.id))
                    .display()
                    .to_string()
            )
        ),
    ];
    if let Some(gpus) = args.gpus_per_job {
        lines.push(format!("#SBATCH --gpus={gpus}"));
    }
    for extra in &args.sbatch_args {
        if extra.contains('\n') {
            return Err(CliError::Usage {
                option: "--sbatch-arg",
                reason: format!("'{extra}' spans lines"),
            });
        }
        lines.push(format!("#SBATCH {extra}"));
    }
    lines.push(format!(
        "# cascade job {} of {}: {} tasks, {} steps, {} ({})",
        job.id,
        dir.list.jobs.len(),
        job.tasks.len(),
        job.steps,
        match (&job.parent_task, job.parent_job) {
            (Some(task), Some(parent)) => format!("from task '{task}' of job {parent}"),
            _ => "from fresh initialisations".into(),
        },
        dir.list.format
    ));
    lines.push("set -euo pipefail".into());
    let command = job_command(&bin.to_path_buf(), &dir.root, job.id, device);
    let words: Vec<String> = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|w| quote_word(&w.to_string_lossy()))
        .collect();
    lines.push(format!("exec {}", words.join(" ")));
    Ok(lines.join("\n") + "\n")
}

/// `word` quoted for a POSIX shell where it needs it.
fn quote_word(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| format!("'{word}'"), |q| q.into_owned())
}

fn quote(path: &Path) -> String {
    quote_word(&path.display().to_string())
}
