//! End-to-end tests of the `cascade` binary: small runs, the JSON it writes, and one-line
//! errors with a non-zero exit for bad input.

mod common;

use common::{cascade, run_with_json};
use serde_json::Value;

/// A small, fast configuration: 12 tasks, 3 repetitions.
const SMALL: &[&str] = &[
    "--tasks",
    "12",
    "--budget",
    "120",
    "--reps",
    "3",
    "--n-train",
    "16",
];

fn stderr_of(args: &[&str]) -> (bool, String) {
    let out = cascade().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_writes_a_table_and_complete_json() {
    let dir = tempfile::tempdir().unwrap();
    let methods = ["--methods", "indiv,star,global,mst-gradient,mst-model"];
    let (stdout, v) = run_json(
        dir.path(),
        "out/results.json",
        &[SMALL, &methods[..]].concat(),
    );
    for method in ["indiv", "star", "global", "mst-gradient", "mst-model"] {
        assert!(stdout.contains(method), "table lacks {method}:\n{stdout}");
    }
    assert_eq!(v["config"]["data"]["tasks"], 12);
    assert_eq!(v["config"]["method"]["budget"], 120);
    let methods = v["settings"][0]["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 5);
    for m in methods {
        for metric in ["mse", "rmse"] {
            let per_rep: Vec<f64> = m[metric]["per_rep"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            assert_eq!(per_rep.len(), 3);
            assert_eq!(m[metric]["n"], 3);
            let mean = per_rep.iter().sum::<f64>() / 3.0;
            assert!(
                (m[metric]["mean"].as_f64().unwrap() - mean).abs() < 1e-9 * mean.abs().max(1.0)
            );
        }
        // Budgets: every method uses exactly B = 120 steps per repetition.
        let steps: Vec<u64> = m["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap())
            .collect();
        assert_eq!(steps, vec![120, 120, 120], "{}", m["method"]);
        // Per-task values of the last repetition: one entry per task, RMSE = sqrt(MSE).
        let tasks = m["last_rep_tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 12);
        for t in tasks {
            let (mse, rmse) = (
                t["test_mse"].as_f64().unwrap(),
                t["test_rmse"].as_f64().unwrap(),
            );
            assert!((mse.sqrt() - rmse).abs() < 1e-9 * mse.max(1.0));
        }
    }
}

#[test]
fn runs_are_reproducible_for_a_seed() {
    let run = |seed: &str| {
        let out = cascade()
            .arg("run")
            .args(SMALL)
            .args(["--methods", "randtree,mst-model", "--seed", seed])
            .output()
            .unwrap();
        assert!(out.status.success());
        // Drop the seconds column and the wall-time line, which vary between runs.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with("wall time"))
            .map(|l| l.rsplitn(3, '|').skip(2).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(run("3"), run("3"));
    assert_ne!(run("3"), run("4"));
}

#[test]
fn plan_prints_the_tree_and_writes_dot() {
    let dir = tempfile::tempdir().unwrap();
    let dot = dir.path().join("tree.dot");
    let out = cascade()
        .args([
            "plan",
            "--tasks",
            "8",
            "--budget",
            "80",
            "--method",
            "mst-model",
            "--dot",
        ])
        .arg(&dot)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("root task-"), "{stdout}");
    let text = std::fs::read_to_string(&dot).unwrap();
    assert!(text.starts_with("digraph"), "{text}");
    // 8 tasks in a tree: 7 edges.
    assert_eq!(text.matches("->").count(), 7, "{text}");
}

#[test]
fn bad_input_is_one_line_and_a_failure() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "--tasks", "50", "--budget", "20"],
            "smaller than the number of tasks",
        ),
        (&["run", "--tasks", "1"], "at least 2 tasks"),
        (
            &["run", "--methods", "indiv,bogus"],
            "unknown method 'bogus'",
        ),
        (
            &["run", "--methods", "mst-euclid"],
            "unknown distance 'euclid'",
        ),
        (&["run", "--eta", "0"], "eta"),
        (&["run", "--eta", "-1"], "eta"),
        (&["run", "--allocation", "sideways"], "allocation"),
        (&["run", "--root", "999", "--tasks", "10"], "out of range"),
        (&["run", "--model", "transformer"], "unknown model"),
        (&["run", "--device", "tpu"], "unknown device 'tpu'"),
        (&["run", "--no-such-option"], "--no-such-option"),
        (&["run", "--budget", "many"], "many"),
        (
            &[
                "run", "--eta", "10", "--tasks", "20", "--budget", "200", "--reps", "2",
            ],
            "training diverged: task 'task-",
        ),
        (&["run", "--divergence-factor", "0.5"], "divergence_factor"),
    ];
    for (args, needle) in cases {
        let (ok, stderr) = stderr_of(args);
        assert!(!ok, "{args:?} should fail");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{args:?} printed more than one line: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_failed_run_still_writes_the_finished_repetitions() {
    // With seed 0, d = 5 and eta 4, repetition 1 trains but repetition 2 diverges (found by scanning
    // eta; a regression that loses the finished repetition fails here).
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("partial.json");
    let out = cascade()
        .args([
            "run", "--tasks", "10", "--dim", "5", "--budget", "100", "--reps", "6",
        ])
        .args(["--methods", "indiv", "--eta", "4", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: repetition 2: training diverged"),
        "{stderr}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["completed_reps"], 1);
    assert!(v["error"].as_str().unwrap().contains("diverged"));
    assert_eq!(
        v["settings"][0]["methods"][0]["mse"]["per_rep"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Runs `cascade run ARGS --json DIR/NAME`, asserts success, and returns stdout and the JSON.
fn run_json(dir: &std::path::Path, name: &str, args: &[&str]) -> (String, Value) {
    let (stdout, _, json) = run_with_json(args, &dir.join(name));
    (stdout, json)
}

/// Asserts that two settings' method lists agree method by method: same names and steps, and
/// per-repetition mean MSEs within `rel` of each other.
fn assert_same_results(a: &Value, b: &Value, rel: f64) {
    let (a, b) = (
        a["methods"].as_array().unwrap(),
        b["methods"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (m, n) in a.iter().zip(b) {
        assert_eq!(m["method"], n["method"]);
        assert_eq!(m["steps"], n["steps"], "{}", m["method"]);
        let per_rep = |v: &Value| -> Vec<f64> {
            v["mse"]["per_rep"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        for (x, y) in per_rep(m).into_iter().zip(per_rep(n)) {
            assert!((x - y).abs() <= rel * y, "{}: {x} vs {y}", m["method"]);
        }
    }
}

#[test]
fn several_budgets_share_the_data_and_match_single_budget_runs() {
    // `--budgets 60,120` trains both budgets on the same repetitions in one program; each
    // setting must equal the run of its budget alone, repetition by repetition.
    let dir = tempfile::tempdir().unwrap();
    let common = [
        "--tasks",
        "12",
        "--reps",
        "2",
        "--n-train",
        "16",
        "--methods",
        "indiv,global,mst-gradient",
    ];
    let (stdout, both) = run_json(
        dir.path(),
        "both.json",
        &[&common[..], &["--budgets", "60,120"]].concat(),
    );
    let settings = both["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 2);
    for (setting, budget) in settings.iter().zip(["60", "120"]) {
        assert!(stdout.contains(&format!("B = {budget},")), "{stdout}");
        assert_eq!(setting["budget"].to_string(), budget);
        let (_, alone) = run_json(
            dir.path(),
            &format!("{budget}.json"),
            &[&common[..], &["--budget", budget]].concat(),
        );
        assert_same_results(setting, &alone["settings"][0], 1e-4);
    }
}

/// `--device wgpu` end to end (lavapipe on a machine without a GPU; `scripts/setup`): the same
/// table as on flex, to the tolerance of f32 reductions in a different order.
#[cfg(feature = "wgpu")]
#[test]
fn run_on_wgpu_matches_flex() {
    let dir = tempfile::tempdir().unwrap();
    let run = |device: &str| {
        let methods = [
            "--methods",
            "indiv,star,global,mst-gradient",
            "--device",
            device,
        ];
        run_json(
            dir.path(),
            &format!("{device}.json"),
            &[SMALL, &methods[..]].concat(),
        )
        .1
    };
    let (gpu, cpu) = (run("wgpu"), run("flex"));
    assert_eq!(gpu["device"], "wgpu");
    assert_same_results(&gpu["settings"][0], &cpu["settings"][0], 1e-3);
}

#[test]
fn bench_distances_times_every_distance_and_writes_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("distances.json");
    let out = cascade()
        .args([
            "bench",
            "--distances",
            "--tasks",
            "12",
            "--repeats",
            "2",
            "--json",
        ])
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 11, "ten distances and mmd_pooled");
    for row in rows {
        let name = row["distance"].as_str().unwrap();
        assert!(stdout.contains(name), "table lacks {name}:\n{stdout}");
        assert_eq!(row["runs"].as_array().unwrap().len(), 2);
        assert!(row["seconds"].as_f64().unwrap() >= 0.0);
        assert_eq!(row["tasks"], 12);
    }
}

#[test]
fn bench_scale_plans_in_blocks_identically_and_trains() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("scale.json");
    let out = cascade()
        .args([
            "bench",
            "--scale",
            "--tasks",
            "40",
            "--blocks",
            "3",
            "--steps-per-task",
            "2",
            "--devices",
            "flex",
            "--json",
        ])
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let plans = rows["plans"].as_array().unwrap();
    let ways: Vec<(&str, &str)> = plans
        .iter()
        .map(|r| (r["distance"].as_str().unwrap(), r["way"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ways,
        [
            ("gradient", "one process, matrix"),
            ("gradient", "3 blocks"),
            ("feature", "one process, matrix"),
            ("feature", "3 blocks"),
            ("mmd", "one process, matrix"),
        ]
    );
    for row in plans {
        assert!(row["seconds"].as_f64().unwrap() >= 0.0, "{row}");
        if row["way"] == "3 blocks" {
            assert_eq!(row["identical"], true, "{row}");
        }
    }
    let training = rows["training"].as_array().unwrap();
    let methods: Vec<&str> = training
        .iter()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["indiv", "mst-gradient"]);
    for row in training {
        assert_eq!(row["task_steps"], 80, "{row}");
    }
}
