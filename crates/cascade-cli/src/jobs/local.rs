//! `cascade submit PLAN --local N [--devices ...]`: the plan's DAG as processes on this machine,
//! at most N at a time, each job once its parent job has finished, each on its own device slot.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::plan_dir::PlanDir;
use super::submit::{DeviceSlot, job_command};
use crate::error::CliError;

/// A job process and where it runs.
struct Running {
    id: usize,
    slot: usize,
    child: Child,
    started: Instant,
    log: PathBuf,
}

/// Runs the `unfinished` jobs of `dir`, `parallel` at a time; running job `k` of the slots
/// takes device slot `k % devices.len()`. A failed job's descendants do not run; the command
/// then fails naming the job and its log (rerun with `--resume` after fixing it).
pub fn run(
    dir: &PlanDir,
    unfinished: &[usize],
    parallel: usize,
    devices: &[DeviceSlot],
    bin: &Path,
) -> Result<(), CliError> {
    let logs = dir.root.join("logs");
    std::fs::create_dir_all(&logs).map_err(|source| CliError::Write {
        path: logs.clone(),
        source,
    })?;
    let total = unfinished.len();
    let mut waiting: Vec<usize> = unfinished.to_vec();
    let mut done: Vec<bool> = (0..dir.list.jobs.len())
        .map(|id| !unfinished.contains(&id))
        .collect();
    let mut failed: Vec<(usize, String)> = Vec::new();
    let mut skipped = 0;
    let mut running: Vec<Running> = Vec::new();
    let mut finished = 0;
    let start = Instant::now();
    println!(
        "running {total} jobs, {parallel} at a time, on {}",
        devices
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    while !waiting.is_empty() || !running.is_empty() {
        // Jobs whose parent failed (or was skipped) never run; parents come first in the
        // list, so a failure reaches every descendant.
        while let Some(pos) = waiting.iter().position(|&id| {
            dir.list.jobs[id]
                .parent_job
                .is_some_and(|p| failed.iter().any(|(f, _)| *f == p))
        }) {
            let id = waiting.remove(pos);
            failed.push((id, "skipped: its parent job failed".into()));
            skipped += 1;
        }
        while running.len() < parallel {
            let Some(pos) = waiting
                .iter()
                .position(|&id| dir.list.jobs[id].parent_job.is_none_or(|p| done[p]))
            else {
                break;
            };
            let id = waiting.remove(pos);
            let slot = (0..parallel)
                .find(|s| running.iter().all(|r| r.slot != *s))
                .expect("a slot is free");
            running.push(spawn(dir, id, slot, devices, bin, &logs)?);
        }
        std::thread::sleep(Duration::from_millis(50));
        let mut still = Vec::with_capacity(running.len());
        for mut job in running {
            let status = job.child.try_wait().map_err(|e| CliError::Scheduler {
                scheduler: "local",
                reason: format!("cannot wait for job {}: {e}", job.id),
            })?;
            match status {
                None => still.push(job),
                Some(status) if status.success() && dir.finished(job.id)?.is_some() => {
                    done[job.id] = true;
                    finished += 1;
                    println!(
                        "[{finished}/{total}] job {} finished in {:.1} s on {}",
                        job.id,
                        job.started.elapsed().as_secs_f64(),
                        devices[job.slot % devices.len()]
                    );
                }
                Some(status) => {
                    let reason = format!(
                        "failed ({status}): {} (log {})",
                        last_line(&job.log),
                        job.log.display()
                    );
                    println!("job {} {reason}", job.id);
                    failed.push((job.id, reason));
                }
            }
        }
        running = still;
    }
    if failed.is_empty() {
        println!(
            "all {total} jobs finished in {:.1} s; join them with `cascade merge {} --out DIR`",
            start.elapsed().as_secs_f64(),
            dir.root.display()
        );
        return Ok(());
    }
    let (id, reason) = failed
        .iter()
        .find(|(_, r)| !r.starts_with("skipped"))
        .unwrap_or(&failed[0]);
    Err(CliError::Scheduler {
        scheduler: "local",
        reason: format!(
            "job {id} {reason}; {} jobs failed, {skipped} of them skipped after a failed \
             parent, {finished} finished; rerun with --resume",
            failed.len()
        ),
    })
}

/// Starts job `id` in `slot`, its output into `logs/job-ID.log`.
fn spawn(
    dir: &PlanDir,
    id: usize,
    slot: usize,
    devices: &[DeviceSlot],
    bin: &Path,
    logs: &Path,
) -> Result<Running, CliError> {
    let device = devices[slot % devices.len()];
    let log = logs.join(format!("job-{id}.log"));
    let file = File::create(&log).map_err(|source| CliError::Write {
        path: log.clone(),
        source,
    })?;
    let err = file.try_clone().map_err(|source| CliError::Write {
        path: log.clone(),
        source,
    })?;
    let mut command = job_command(&bin.to_path_buf(), &dir.root, id, device.backend);
    if let Some((name, value)) = device.env() {
        command.env(name, value);
    }
    let child = command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| CliError::Scheduler {
            scheduler: "local",
            reason: format!("cannot start '{}' for job {id}: {e}", bin.display()),
        })?;
    Ok(Running {
        id,
        slot,
        child,
        started: Instant::now(),
        log,
    })
}

/// The last non-empty line of a job's log.
fn last_line(log: &Path) -> String {
    std::fs::read_to_string(log)
        .ok()
        .and_then(|text| {
            text.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "no output".into())
}
