//! A cascade as a DAG of Slurm jobs on a real single-node cluster that the test starts itself
//! (`common::slurm`): `cascade submit --slurm` trains a 40-task plan as 5 jobs, each after its
//! parent job; `cascade merge` joins them into the cascade one-process `cascade train` gives
//! (the same predictions to the last digit); a job cancelled while it runs is finished by
//! `submit --resume`, with the same result.
//!
//! Fails, never skips, where Slurm cannot start: run `scripts/setup` first.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::cascade;
use common::slurm::LocalSlurm;

/// Long enough for a chain of jobs on a loaded 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The synthetic tasks of every command here: 40 tasks, a plan of 5 jobs.
const DATA: [&str; 6] = ["-T", "40", "--n-test", "16", "--budget", "800"];

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `cascade ARGS` (through the cluster's environment, so sbatch finds it), asserts
/// success, returns stdout.
fn ok(slurm: &LocalSlurm, args: &[&str]) -> String {
    let out = slurm
        .command(assert_cmd::cargo::cargo_bin("cascade"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cascade {args:?} failed:\n{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The Slurm ids `submit --slurm` printed, by plan job (`job 3: slurm job 17 (after job 1)`).
fn submitted(stdout: &str) -> BTreeMap<usize, u32> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("job ")?;
            let (job, rest) = rest.split_once(": slurm job ")?;
            let slurm = rest.split_whitespace().next()?;
            Some((job.parse().ok()?, slurm.parse().ok()?))
        })
        .collect()
}

/// Predictions of the saved cascade `dir` on `rows`.
fn predictions(dir: &Path, rows: &Path, out: &Path) -> String {
    let status = cascade()
        .args([
            "predict",
            path(dir),
            "--input",
            path(rows),
            "--out",
            path(out),
        ])
        .output()
        .unwrap();
    assert!(status.status.success());
    fs::read_to_string(out).unwrap()
}

/// One-process training's predictions on its held-out rows (written to `rows`).
fn one_process(work: &Path, rows: &Path) -> String {
    let one = work.join("one");
    let out = cascade()
        .args(["train"])
        .args(DATA)
        .args(["--out", path(&one), "--test-out", path(rows)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    predictions(&one, rows, &work.join("one.csv"))
}

/// Plans DATA into `plan` as 5 jobs.
fn plan(slurm: &LocalSlurm, plan: &Path) {
    let listing = ok(
        slurm,
        &[&["plan"], &DATA[..], &["--jobs", "5", "--out", path(plan)]].concat(),
    );
    assert!(listing.contains("cut into 5 jobs"), "{listing}");
}

fn start() -> LocalSlurm {
    LocalSlurm::start().unwrap_or_else(|e| {
        panic!("a local Slurm cluster is needed (scripts/setup installs slurm-wlm and munge):\n{e}")
    })
}

/// Merges `plan` and returns its predictions on `rows`.
fn merged(slurm: &LocalSlurm, plan: &Path, rows: &Path) -> String {
    let out = plan.with_extension("merged");
    ok(slurm, &["merge", path(plan), "--out", path(&out)]);
    predictions(&out, rows, &plan.with_extension("csv"))
}

#[test]
fn a_cascade_trained_as_slurm_jobs_equals_one_process_training() {
    let slurm = start();
    let work = tempfile::tempdir().unwrap();
    let rows = work.path().join("rows.csv");
    let expected = one_process(work.path(), &rows);
    let plan_dir = work.path().join("plan");
    plan(&slurm, &plan_dir);
    let stdout = ok(&slurm, &["submit", path(&plan_dir), "--slurm"]);
    let ids = submitted(&stdout);
    assert_eq!(ids.len(), 5, "{stdout}");
    assert!(stdout.contains("(after job 0)"), "{stdout}");
    let slurm_ids: Vec<u32> = ids.values().copied().collect();
    let states = slurm.wait_until_done(&slurm_ids, TIMEOUT).unwrap();
    assert!(
        states.iter().all(|s| s == "COMPLETED"),
        "{states:?}\n{}",
        slurm.describe(&slurm_ids)
    );
    // Each job started after its parent job ended.
    let jobs: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(plan_dir.join("jobs.json")).unwrap()).unwrap();
    for job in jobs["jobs"].as_array().unwrap() {
        if let Some(parent) = job["parent_job"].as_u64() {
            let child = slurm
                .job(ids[&(job["id"].as_u64().unwrap() as usize)])
                .unwrap();
            let parent = slurm.job(ids[&(parent as usize)]).unwrap();
            assert!(
                child["StartTime"] >= parent["EndTime"],
                "{child:?} {parent:?}"
            );
        }
    }
    // Each job's output went where its script said.
    for (job, slurm_id) in &ids {
        let log = plan_dir.join(format!("logs/job-{job}-{slurm_id}.out"));
        let text = fs::read_to_string(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        assert!(text.contains(&format!("job {job}: ")), "{text}");
    }
    assert!(
        merged(&slurm, &plan_dir, &rows) == expected,
        "the Slurm jobs' cascade predicts differently from one-process training"
    );
}

#[test]
fn a_job_cancelled_while_it_runs_is_finished_by_resume() {
    let slurm = start();
    let work = tempfile::tempdir().unwrap();
    let rows = work.path().join("rows.csv");
    let expected = one_process(work.path(), &rows);
    let plan_dir = work.path().join("plan");
    plan(&slurm, &plan_dir);
    // A binary that holds job 1 for a minute before training, so that it is cancelled
    // while it runs (`train --plan PLAN --job ID ...`: the id is the fifth word).
    let slow: PathBuf = work.path().join("slow-cascade");
    fs::write(
        &slow,
        format!(
            "#!/bin/sh\n[ \"$5\" = 1 ] && sleep 60\nexec '{}' \"$@\"\n",
            assert_cmd::cargo::cargo_bin("cascade").display()
        ),
    )
    .unwrap();
    fs::set_permissions(&slow, fs::Permissions::from_mode(0o755)).unwrap();
    let stdout = ok(
        &slurm,
        &[
            "submit",
            path(&plan_dir),
            "--slurm",
            "--cascade-bin",
            path(&slow),
        ],
    );
    let ids = submitted(&stdout);
    slurm
        .wait_for_state(ids[&1], &["RUNNING"], TIMEOUT)
        .unwrap();
    slurm.scancel(ids[&1]).unwrap();
    assert_eq!(
        slurm
            .wait_for_state(ids[&1], &["CANCELLED"], TIMEOUT)
            .unwrap(),
        "CANCELLED"
    );
    // Job 1's descendants wait forever (DependencyNeverSatisfied): cancel what is left.
    for &id in ids.values() {
        let state = slurm.state(id).unwrap();
        if state == "PENDING" {
            slurm.scancel(id).unwrap();
        }
    }
    let all: Vec<u32> = ids.values().copied().collect();
    slurm.wait_until_done(&all, TIMEOUT).unwrap();
    assert!(!plan_dir.join("jobs/1/finished.json").exists());
    let resumed = ok(&slurm, &["submit", path(&plan_dir), "--slurm", "--resume"]);
    let again = submitted(&resumed);
    assert!(
        again.contains_key(&1) && !again.contains_key(&0),
        "{resumed}"
    );
    let again_ids: Vec<u32> = again.values().copied().collect();
    let states = slurm.wait_until_done(&again_ids, TIMEOUT).unwrap();
    assert!(
        states.iter().all(|s| s == "COMPLETED"),
        "{states:?}\n{}",
        slurm.describe(&again_ids)
    );
    assert!(
        merged(&slurm, &plan_dir, &rows) == expected,
        "the resumed cascade predicts differently from one-process training"
    );
}
