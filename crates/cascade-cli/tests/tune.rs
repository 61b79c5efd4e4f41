//! End-to-end tests of `cascade tune`: a small synthetic tune and the JSON it writes, diverged
//! trials that are reported rather than fatal, and one-line errors for bad options and for data
//! whose test rows tuning could see.

// The helpers for `cascade run` in common are not used here.
mod common;

use std::path::Path;

use common::cascade;
use serde_json::Value;

/// 12 tasks, B = 120, one tuning repetition, 2 test repetitions.
const SMALL: &[&str] = &[
    "-T",
    "12",
    "--budget",
    "120",
    "--tune-reps",
    "1",
    "--reps",
    "2",
];

/// Two methods, 6 trials each.
const SIX_TRIALS: &[&str] = &["--trials", "6", "--methods", "indiv,mst-gradient"];

/// Runs `cascade tune ARGS --json PATH`, asserts success, returns stdout, stderr and the JSON.
fn tune_json(args: &[&str], path: &Path) -> (String, String, Value) {
    common::command_with_json("tune", args, path)
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn a_small_tune_records_every_trial_the_best_and_the_test_results() {
    let dir = tempfile::tempdir().unwrap();
    let args = [SMALL, SIX_TRIALS].concat();
    let (stdout, _, v) = tune_json(&args, &dir.path().join("out.json"));
    assert!(
        stdout.contains("test MSE") && stdout.contains("best eta"),
        "{stdout}"
    );
    let methods = v["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 2);
    for m in methods {
        let name = m["method"].as_str().unwrap();
        let trials = m["trials"].as_array().unwrap();
        assert_eq!(trials.len(), 6, "{name}");
        let values: Vec<f64> = trials.iter().filter_map(|t| t["value"].as_f64()).collect();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(m["best"]["value"].as_f64().unwrap(), min, "{name}");
        for t in trials {
            let eta = t["eta"].as_f64().unwrap();
            assert!((1e-4..=1.0).contains(&eta), "{name}: eta {eta}");
            // Indiv has no root seed phase: only eta is tuned.
            match name {
                "indiv" => assert!(t["seed_fraction"].is_null()),
                _ => {
                    let f = t["seed_fraction"].as_f64().unwrap();
                    assert!((0.01..=0.5).contains(&f), "{name}: f {f}");
                }
            }
            assert!(numbers(&t["steps"]).iter().all(|&s| s <= 120.0));
        }
        assert!(m["max_steps_per_rep"].as_u64().unwrap() <= 120);
        let test = &m["test"];
        assert_eq!(numbers(&test["mse"]["per_rep"]).len(), 2, "{name}");
        assert!(numbers(&test["steps"]).iter().all(|&s| s <= 120.0));
    }
    // Tuning data never share a seed with test data.
    let tuning = numbers(&v["tuning_data_seeds"]);
    let test = numbers(&v["test_data_seeds"]);
    assert_eq!((tuning.len(), test.len()), (1, 2));
    assert!(tuning.iter().all(|s| !test.contains(s)));
}

#[test]
fn the_same_seed_gives_the_same_trials() {
    let dir = tempfile::tempdir().unwrap();
    // 12 trials: TPE takes over after 10, so the suggestions depend on the values too.
    let args = [
        SMALL,
        &["--trials", "12", "--methods", "indiv,mst-gradient"],
        &["--device", "ndarray", "--search", "tpe"],
    ]
    .concat();
    let trials = |name: &str| {
        let (_, _, v) = tune_json(&args, &dir.path().join(name));
        v["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let trials = m["trials"].as_array().unwrap();
                trials
                    .iter()
                    .map(|t| {
                        (
                            t["eta"].clone(),
                            t["seed_fraction"].clone(),
                            t["value"].clone(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(trials("a.json"), trials("b.json"));
}

#[test]
fn diverged_trials_count_as_worst_and_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    // Learning rates up to 50 make some trials diverge (seed 0: half of indiv's).
    let args = [SMALL, &["--trials", "6", "--methods", "indiv"]].concat();
    let args = [&args[..], &["--eta-range", "0.5..50"]].concat();
    let (_, stderr, v) = tune_json(&args, &dir.path().join("d.json"));
    assert!(stderr.contains("counts as the worst value"), "{stderr}");
    let m = &v["methods"][0];
    let trials = m["trials"].as_array().unwrap();
    let failed: Vec<&Value> = trials.iter().filter(|t| t["value"].is_null()).collect();
    assert!(!failed.is_empty(), "no trial diverged: {trials:?}");
    for t in &failed {
        assert!(t["error"].as_str().unwrap().contains("diverged"), "{t}");
    }
    assert!(m["best"]["value"].is_f64());
}

#[test]
fn an_electricity_panel_tunes_on_its_training_period() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::repo()
        .join("datasets/electricity/simbench-sample.csv")
        .display()
        .to_string();
    let args = [
        &["--data", "electricity", &path, "--budget", "300"][..],
        &["--tune-reps", "1", "--reps", "1"],
        &["--trials", "4", "--methods", "mst-gradient"],
    ]
    .concat();
    let (stdout, _, v) = tune_json(&args, &dir.path().join("e.json"));
    assert!(stdout.contains("electricity nodes"), "{stdout}");
    let m = &v["methods"][0];
    assert_eq!(m["trials"].as_array().unwrap().len(), 4);
    // Profiles are scaled to peak 1: validation and test MSE are small and positive.
    let validation = m["best"]["value"].as_f64().unwrap();
    let test = m["test"]["mse"]["mean"].as_f64().unwrap();
    assert!(validation > 0.0 && validation < 1.0, "{validation}");
    assert!(test > 0.0 && test < 1.0, "{test}");
}

#[test]
fn bad_options_are_one_line_errors() {
    for (args, says) in [
        (&["--eta-range", "1..0.1"][..], "--eta-range"),
        (&["--eta-range", "0..1"], "--eta-range"),
        (&["--validation-fraction", "1.5"], "--validation-fraction"),
        (
            &["--seed-fraction-range", "0.2..1.5"],
            "--seed-fraction-range",
        ),
        (&["--search", "grid"], "tpe, random"),
        (&["--trials", "0"], "--trials"),
        (&["--methods", "indiv,bogus"], "unknown method 'bogus'"),
    ] {
        let out = cascade()
            .arg("tune")
            .args(["-T", "12", "--budget", "120"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn tasks_csv_data_are_refused_because_their_splits_change_per_repetition() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("tasks.csv");
    let mut text = String::from("task,x,y\n");
    for t in 0..3 {
        for r in 0..8 {
            text.push_str(&format!("t{t},{r},{}\n", r * (t + 1)));
        }
    }
    std::fs::write(&csv, text).unwrap();
    let out = cascade()
        .args(["tune", "--data", "tasks-csv"])
        .arg(&csv)
        .args(["--task-column", "task", "--target", "y", "--budget", "30"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--data") && stderr.contains("tasks-csv"),
        "{stderr}"
    );
}
