//! Off a terminal, run, train, grid, tune and bench print a progress line at a fixed interval
//! (10 s; `CASCADE_PROGRESS_SECONDS` shortens it here to 0.1 s) with done/total, the percentage,
//! the elapsed time and an ETA, whatever else they print.

mod common;

use common::cascade;

/// Runs `cascade ARGS` in `dir` with lines every 0.1 s and checks its progress lines on stderr,
/// `WHAT: DONE/TOTAL UNIT (P%), T elapsed, ETA...`: at least two, each with a count, a
/// percentage, an ETA and `expected_total` (`/TOTAL UNIT`).
fn check_progress(dir: &std::path::Path, args: &[&str], what: &str, expected_total: &str) {
    let out = cascade()
        .current_dir(dir)
        .env("CASCADE_PROGRESS_SECONDS", "0.1")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "cascade {}: {stderr}", args.join(" "));
    let lines: Vec<String> = stderr
        .lines()
        .filter(|l| l.starts_with(&format!("{what}: ")) && l.contains(" elapsed, "))
        .map(str::to_string)
        .collect();
    assert!(
        lines.len() >= 2,
        "cascade {} printed {} progress lines:\n{stderr}",
        args.join(" "),
        lines.len()
    );
    for line in &lines {
        let counts = line.split(": ").nth(1).unwrap().split(' ').next().unwrap();
        let (done, total) = counts.split_once('/').unwrap();
        assert!(!done.is_empty() && !total.is_empty(), "{line}");
        assert!(line.contains("%), "), "{line}");
        assert!(
            line.contains(" left") || line.contains("time left unknown yet"),
            "no ETA: {line}"
        );
        assert!(
            line.contains(expected_total),
            "not {expected_total}: {line}"
        );
    }
}

#[test]
fn train_prints_task_steps_done_of_the_budget_and_an_eta() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "train",
        "-T",
        "100",
        "--model",
        "simple-mlp",
        "--budget",
        "30000",
    ];
    check_progress(
        tmp.path(),
        &args,
        "training mst-gradient",
        "/30.0k task-steps",
    );
}

#[test]
fn run_prints_task_steps_of_every_method_and_repetition() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "-T",
        "60",
        "--reps",
        "2",
        "--methods",
        "mean,indiv,mst-gradient",
        "--model",
        "simple-mlp",
        "--budget",
        "8000",
    ];
    // Two trained methods, two repetitions: 32,000 task-steps at most.
    check_progress(tmp.path(), &args, "run", "/32.0k task-steps");
}

#[test]
fn grid_prints_repetition_settings_done() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = "reps = 2\nstack = 1\n[base]\ntasks = 60\nmodel = \"simple-mlp\"\nmethods = \
                [\"indiv\", \"mst-gradient\"]\n[axes]\nbudget = [4000, 6000]\n";
    std::fs::write(tmp.path().join("grid.toml"), grid).unwrap();
    check_progress(
        tmp.path(),
        &["grid", "grid.toml", "--out", "out"],
        "grid",
        "/4 repetition-settings",
    );
}

#[test]
fn tune_prints_trials_done() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "tune",
        "-T",
        "60",
        "--methods",
        "mst-gradient",
        "--model",
        "simple-mlp",
        "--budget",
        "6000",
        "--trials",
        "4",
        "--reps",
        "1",
    ];
    check_progress(tmp.path(), &args, "tune", "/4 trials");
}

#[test]
fn bench_prints_task_steps_of_every_measurement() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "bench",
        "--tasks",
        "100",
        "--models",
        "simple-mlp",
        "--devices",
        "flex",
        "--methods",
        "indiv",
        "--steps-per-task",
        "100",
        "--repeats",
        "2",
    ];
    // 100 tasks x 100 steps, reference and batched, two repeats.
    check_progress(tmp.path(), &args, "bench", "/40.0k task-steps");
}
