//! End-to-end runs of the `cascade` binary on real data: the shipped electricity sample, the
//! shipped exam-score schools and Fashion-MNIST pairs (installed by `scripts/setup`), plus
//! one-line errors for bad data paths.

use std::path::PathBuf;

mod common;

use common::{cascade, repo, run_with_json};
use serde_json::Value;

/// A data file that must exist (shipped in datasets/, or installed by scripts/setup).
fn required(path: PathBuf) -> String {
    assert!(
        path.exists(),
        "{} is missing: the repository's datasets/ and `scripts/setup` (Fashion-MNIST) provide \
         it",
        path.display()
    );
    path.display().to_string()
}

/// Runs `cascade run ARGS --json` and returns stdout, stderr and the JSON.
fn run(args: &[&str]) -> (String, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    run_with_json(args, &dir.path().join("r.json"))
}

fn means(v: &Value, metric: &str) -> Vec<(String, f64)> {
    v["settings"][0]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["method"].as_str().unwrap().to_string(),
                m[metric]["mean"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

#[test]
fn electricity_sample_runs_with_rmse_in_data_units() {
    let path = required(repo().join("datasets/electricity/simbench-sample.csv"));
    let (stdout, _, v) = run(&[
        "--data",
        "electricity",
        &path,
        "--budget",
        "300",
        "--reps",
        "2",
        "--methods",
        "indiv,star,global,mst-gradient",
    ]);
    assert!(stdout.contains("electricity nodes"), "{stdout}");
    assert!(
        v["data"].as_str().unwrap().contains("d = 54"),
        "{}",
        v["data"]
    );
    // Profiles are scaled to peak 1: every RMSE is positive and well below 1.
    for (method, rmse) in means(&v, "rmse") {
        assert!(rmse > 0.0 && rmse < 1.0, "{method}: rmse {rmse}");
    }
    assert!(v["settings"][0]["methods"][0].get("accuracy").is_none());
}

/// `cascade run` on the shipped exam schools (task `school`, target `normexam`) with `extra`
/// options; returns stdout, stderr and the JSON.
fn exam(extra: &[&str]) -> (String, String, Value) {
    let path = required(repo().join("datasets/schools/exam.csv"));
    let data = ["--data", "tasks-csv", &path, "--task-column", "school"];
    run(&[&data[..], &["--target", "normexam"], extra].concat())
}

#[test]
fn exam_schools_run_as_ragged_csv_tasks() {
    let (stdout, _, v) = exam(&[
        "--features",
        "standLRT,sex,schgend,vr,intake,type,schavg",
        "--budget",
        "400",
        "--reps",
        "2",
        "--methods",
        "indiv,global,mst-model",
    ]);
    assert!(stdout.contains("tasks from"), "{stdout}");
    // normexam is a normal score (sd about 1): a sensible model's RMSE is below 1.5.
    for (method, rmse) in means(&v, "rmse") {
        assert!(rmse > 0.3 && rmse < 1.5, "{method}: rmse {rmse}");
    }
}

#[test]
fn ragged_tasks_on_default_options_leave_out_what_cannot_apply() {
    // Exam schools have different row counts (2 to 198 pupils): on default options cka and
    // target cannot apply and are left out with a note; one-row tasks are skipped; eta is
    // chosen from the data and recorded, per task, in the JSON.
    let (_, stderr, v) = exam(&["--reps", "2"]);
    let path = required(repo().join("datasets/schools/exam.csv"));
    assert!(
        stderr.contains("left out of the default methods")
            && stderr.contains("mst-cka (distance 'cka' needs equal training rows"),
        "{stderr}"
    );
    let methods: Vec<String> = means(&v, "mse").into_iter().map(|(m, _)| m).collect();
    assert_eq!(methods.len(), 13, "{methods:?}");
    assert!(methods.contains(&"mean".to_string()) && !methods.contains(&"mst-target".into()));
    assert!(methods.contains(&"mst-mmd".to_string()), "{methods:?}");
    assert_eq!(v["eta"]["rule"], "curvature");
    let (low, high) = (
        v["eta"]["min"].as_f64().unwrap(),
        v["eta"]["max"].as_f64().unwrap(),
    );
    assert!(0.0 < low && low < high, "{low} {high}");
    let indiv = &v["settings"][0]["methods"][1];
    assert_eq!(indiv["method"], "indiv");
    assert!(indiv["last_rep_tasks"][0]["eta"].as_f64().unwrap() > 0.0);
    // normexam has variance about 1: every method's error is finite and in its units.
    for (method, mse) in means(&v, "mse") {
        assert!(mse.is_finite() && mse < 1.5, "{method}: mse {mse}");
    }
    // Named explicitly, a distance that cannot apply is a one-line error naming the task.
    let out = common::cascade()
        .args([
            "run",
            "--data",
            "tasks-csv",
            &path,
            "--task-column",
            "school",
        ])
        .args(["--target", "normexam", "--methods", "indiv,mst-cka"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let last = err.trim().lines().last().unwrap_or_default();
    assert!(last.starts_with("error: "), "{err}");
    assert!(
        last.contains("mst-cka cannot apply") && last.contains("task '"),
        "{err}"
    );
}

#[test]
fn fashion_mnist_pairs_report_accuracy_and_warn_on_label_distances() {
    let dir = required(PathBuf::from("/usr/share/datasets/fashion-mnist"));
    let (stdout, stderr, v) = run(&[
        "--data",
        "fashion-mnist",
        &dir,
        "--tasks",
        "12",
        "--budget",
        "60",
        "--reps",
        "2",
        "--pca",
        "20",
        "--methods",
        "indiv,mst-gradient,mst-kl",
    ]);
    assert!(stdout.contains("test accuracy"), "{stdout}");
    assert!(
        stderr.contains("mst-kl: distance 'kl' is the same for every pair"),
        "{stderr}"
    );
    for (method, acc) in means(&v, "accuracy") {
        // Fashion-MNIST pairs are easy: even a few steps from random weights beat chance.
        assert!(acc > 0.5 && acc <= 1.0, "{method}: accuracy {acc}");
    }
}

#[test]
fn dirichlet_clients_on_mini_batches_compare_cascades_with_fedavg() {
    let dir = required(PathBuf::from("/usr/share/datasets/fashion-mnist"));
    let (stdout, stderr, v) = run(&[
        "--data",
        "fashion-mnist",
        &dir,
        "--partition",
        "dirichlet:0.3",
        "--tasks",
        "12",
        "--max-train",
        "60",
        "--max-test",
        "30",
        "--pca",
        "20",
        "--batch-size",
        "16",
        "--budget",
        "240",
        "--reps",
        "2",
        "--methods",
        "indiv,global,fedavg,mst-gradient,mst-js",
    ]);
    assert!(
        stderr.contains("partition dirichlet:0.3 over 12 clients"),
        "{stderr}"
    );
    assert!(
        stdout.contains("clients (dirichlet:0.3) of 10 classes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fedavg ("),
        "the verdict names FedAvg:\n{stdout}"
    );
    let accuracies = means(&v, "accuracy");
    assert_eq!(accuracies.len(), 5);
    for (method, acc) in accuracies {
        // Ten classes, skewed clients: every trained method beats a coin with ten faces.
        assert!(acc > 0.2 && acc <= 1.0, "{method}: accuracy {acc}");
    }
}

#[test]
fn small_cnn_trains_on_raw_fashion_mnist_pairs() {
    let dir = required(PathBuf::from("/usr/share/datasets/fashion-mnist"));
    let (stdout, _, v) = run(&[
        "--data",
        "fashion-mnist",
        &dir,
        "--pca",
        "0",
        "--model",
        "small-cnn:4",
        "--tasks",
        "4",
        "--n-train",
        "16",
        "--n-test",
        "32",
        "--budget",
        "16",
        "--reps",
        "1",
        "--methods",
        "indiv,star",
    ]);
    assert!(stdout.contains("raw pixels"), "{stdout}");
    for (method, acc) in means(&v, "accuracy") {
        assert!((0.0..=1.0).contains(&acc), "{method}: accuracy {acc}");
    }
}

#[test]
fn bad_data_paths_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    let bad_csv = dir.path().join("bad.csv");
    std::fs::write(&bad_csv, "school,score,x\na,1.0,2\na,2.0,oops\nb,1,1\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["electricity".into()], "needs a PATH"),
        (vec!["parquet".into(), "x".into()], "unknown data 'parquet'"),
        (
            vec!["electricity".into(), missing.display().to_string()],
            "nope.csv",
        ),
        (
            vec!["tasks-csv".into(), bad_csv.display().to_string()],
            "--task-column",
        ),
    ];
    let exam = repo()
        .join("datasets/schools/exam.csv")
        .display()
        .to_string();
    let fashion = "/usr/share/datasets/fashion-mnist".to_string();
    // Image options on other data, or together where they cannot go, are refused.
    let misplaced: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["tasks-csv".into(), exam, "--partition".into(), "iid".into()],
            "splits fashion-mnist",
        ),
        (
            vec!["synthetic".into(), "--image-tasks".into(), "classes".into()],
            "--image-tasks",
        ),
        (
            vec![
                "fashion-mnist".into(),
                fashion.clone(),
                "--partition".into(),
                "iid".into(),
                "--image-tasks".into(),
                "classes".into(),
            ],
            "not both",
        ),
        (
            vec![
                "fashion-mnist".into(),
                fashion,
                "--max-train".into(),
                "10".into(),
            ],
            "cap the clients of --partition",
        ),
    ];
    for (data, expected) in cases.into_iter().chain(misplaced) {
        let out = cascade()
            .arg("run")
            .arg("--data")
            .args(&data)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{data:?} should fail");
        assert_eq!(stderr.trim().lines().count(), 1, "{data:?}: {stderr}");
        assert!(stderr.contains(expected), "{data:?}: {stderr}");
    }
    // A non-numeric value in a numeric column names the file and line.
    let out = cascade()
        .args(["run", "--data", "tasks-csv"])
        .arg(&bad_csv)
        .args(["--task-column", "school", "--target", "score"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("bad.csv") && stderr.contains("line 3"),
        "{stderr}"
    );
}
