//! The local Slurm cluster of `common::slurm`, proven on the three things a cascade of Slurm jobs
//! needs: `afterok` dependencies run in order, a running job can be cancelled, and a job whose
//! dependency failed never runs. Each test starts its own cluster; they run side by side.
//!
//! These tests fail, never skip, where Slurm cannot start: run `scripts/setup` first.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::slurm::LocalSlurm;

/// Long enough for a job on a loaded 2-core machine; the jobs here take a second or two.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A fresh cluster, or a panic that says why it would not start.
fn start() -> LocalSlurm {
    LocalSlurm::start().unwrap_or_else(|e| {
        panic!("a local Slurm cluster is needed (scripts/setup installs slurm-wlm and munge):\n{e}")
    })
}

/// `--wrap=SCRIPT` with the job's output in `out`.
fn job_args(out: &Path, script: &str) -> Vec<String> {
    vec![
        format!("--output={}", out.display()),
        format!("--wrap={script}"),
    ]
}

#[test]
fn a_job_that_depends_on_another_runs_after_it_completes() {
    let slurm = start();
    let work = tempfile::tempdir().unwrap();
    let (a_file, b_file) = (work.path().join("a.txt"), work.path().join("b.txt"));
    let a_script = format!("echo a > '{}'; sleep 1", a_file.display());
    let a = slurm
        .sbatch(job_args(&work.path().join("a.out"), &a_script))
        .unwrap();
    let b_script = format!(
        "test -f '{}' && echo b > '{}'",
        a_file.display(),
        b_file.display()
    );
    let mut b_args = job_args(&work.path().join("b.out"), &b_script);
    b_args.push(format!("--dependency=afterok:{a}"));
    let b = slurm.sbatch(b_args).unwrap();

    // A sleeps a second, so B is still held back by it.
    assert_eq!(
        slurm.state(b).unwrap(),
        "PENDING",
        "{}",
        slurm.describe(&[a, b])
    );
    assert_eq!(
        slurm.reason(b).unwrap(),
        "Dependency",
        "{}",
        slurm.describe(&[a, b])
    );

    let states = slurm.wait_until_done(&[a, b], TIMEOUT).unwrap();
    assert_eq!(
        states,
        ["COMPLETED", "COMPLETED"],
        "{}",
        slurm.describe(&[a, b])
    );
    assert_eq!(fs::read_to_string(&a_file).unwrap(), "a\n");
    assert_eq!(fs::read_to_string(&b_file).unwrap(), "b\n");
    let (a_job, b_job) = (slurm.job(a).unwrap(), slurm.job(b).unwrap());
    // ISO 8601 times of one clock, so their text orders as they do.
    assert!(
        b_job["StartTime"] >= a_job["EndTime"],
        "B started at {} before A ended at {}",
        b_job["StartTime"],
        a_job["EndTime"]
    );
}

#[test]
fn a_running_job_is_cancelled() {
    let slurm = start();
    let work = tempfile::tempdir().unwrap();
    let pid_file = work.path().join("pid");
    let script = format!("echo $$ > '{}'; exec sleep 60", pid_file.display());
    let job = slurm
        .sbatch(job_args(&work.path().join("out"), &script))
        .unwrap();

    slurm.wait_for_state(job, &["RUNNING"], TIMEOUT).unwrap();
    slurm
        .wait_for_job(job, "writing its pid", TIMEOUT, |_| pid_file.exists())
        .unwrap();
    slurm.scancel(job).unwrap();
    assert_eq!(
        slurm.wait_until_done(&[job], TIMEOUT).unwrap(),
        ["CANCELLED"]
    );

    // The job's `sleep` is killed, not left behind.
    let pid = fs::read_to_string(&pid_file).unwrap();
    let proc = Path::new("/proc").join(pid.trim());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while proc.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !proc.exists(),
        "the cancelled job's process {} still runs",
        pid.trim()
    );
}

#[test]
fn a_job_that_depends_on_a_failed_job_never_runs() {
    let slurm = start();
    let work = tempfile::tempdir().unwrap();
    let c_file = work.path().join("c.txt");
    let failed = slurm
        .sbatch(job_args(&work.path().join("f.out"), "exit 3"))
        .unwrap();
    let c_script = format!("echo c > '{}'", c_file.display());
    let mut c_args = job_args(&work.path().join("c.out"), &c_script);
    c_args.push(format!("--dependency=afterok:{failed}"));
    let c = slurm.sbatch(c_args).unwrap();

    assert_eq!(
        slurm.wait_until_done(&[failed], TIMEOUT).unwrap(),
        ["FAILED"]
    );
    assert_eq!(slurm.job(failed).unwrap()["ExitCode"], "3:0");
    let never = slurm
        .wait_for_job(c, "held for good", TIMEOUT, |f| {
            f.get("Reason")
                .is_some_and(|r| r == "DependencyNeverSatisfied")
        })
        .unwrap();
    assert_eq!(never["JobState"], "PENDING");
    assert!(!c_file.exists(), "the job behind a failed dependency ran");

    slurm.scancel(c).unwrap();
    assert_eq!(slurm.wait_until_done(&[c], TIMEOUT).unwrap(), ["CANCELLED"]);
    assert!(!c_file.exists(), "the job behind a failed dependency ran");
}
