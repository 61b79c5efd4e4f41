//! `cascade train --out DIR`, then `cascade evaluate DIR` and `cascade predict DIR` on the rows
//! `train --test-out` wrote: evaluate reproduces the test metrics train printed, and predict
//! agrees with evaluate. Bad inputs are one-line errors naming the file, column or task.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use common::{cascade, command_with_json, read_csv, repo};
use serde_json::Value;

/// Trains with `args` into `dir/saved`, writing `dir/test.csv`; evaluates and predicts on it.
/// Returns train's JSON, evaluate's JSON and the predictions file's rows.
fn round_trip(dir: &Path, args: &[&str]) -> (Value, Value, Vec<Vec<String>>) {
    let saved = dir.join("saved");
    let test = dir.join("test.csv");
    let mut train_args: Vec<&str> = args.to_vec();
    let (saved_s, test_s) = (saved.to_str().unwrap(), test.to_str().unwrap());
    train_args.extend(["--out", saved_s, "--test-out", test_s]);
    let (stdout, _, trained) = command_with_json("train", &train_args, &dir.join("train.json"));
    assert!(stdout.contains("mean of"), "{stdout}");
    let (_, _, evaluated) = command_with_json(
        "evaluate",
        &[saved_s, "--input", test_s],
        &dir.join("evaluate.json"),
    );
    let preds = dir.join("preds.csv");
    let out = cascade()
        .args(["predict", saved_s, "--input", test_s, "--out"])
        .arg(&preds)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (trained, evaluated, read_csv(&preds))
}

/// Every task's metric `key` is the same in both reports, to float tolerance.
fn assert_same_metric(a: &Value, b: &Value, key: &str) {
    let tasks_a = a["tasks"].as_array().unwrap();
    let tasks_b = b["tasks"].as_array().unwrap();
    assert_eq!(tasks_a.len(), tasks_b.len());
    for (x, y) in tasks_a.iter().zip(tasks_b) {
        assert_eq!(x["task"], y["task"]);
        assert_eq!(x["rows"], y["rows"]);
        let (u, v) = (x[key].as_f64().unwrap(), y[key].as_f64().unwrap());
        assert!(
            (u - v).abs() <= 1e-6 * u.abs().max(1.0),
            "{}: {key} {u} vs {v}",
            x["task"]
        );
    }
}

#[test]
fn evaluate_reproduces_train_and_predict_agrees_on_synthetic_regression() {
    let dir = tempfile::tempdir().unwrap();
    let (trained, evaluated, preds) = round_trip(dir.path(), &["--tasks", "15", "--budget", "90"]);
    for key in ["mse", "mae", "mape_percent"] {
        assert_same_metric(&trained, &evaluated, key);
    }
    // Both reports hold `mean` as one object {metric: value} over the same metrics.
    for report in [&trained, &evaluated] {
        let mean = report["mean"].as_object().unwrap();
        let mut names: Vec<&str> = mean.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["mae", "mape_percent", "mse", "rmse"], "{mean:?}");
        assert!(mean.values().all(|v| v.as_f64().is_some()), "{mean:?}");
    }
    let (a, b) = (&trained["mean"]["mse"], &evaluated["mean"]["mse"]);
    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
    assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "{a} against {b}");
    // Predictions against the targets of test.csv give evaluate's MSE per task.
    let test = read_csv(&dir.path().join("test.csv"));
    assert_eq!(preds[0], ["task", "row", "prediction"]);
    assert_eq!(preds.len(), test.len());
    let target = test[0].len() - 1;
    let mut sse: HashMap<&str, (f64, usize)> = HashMap::new();
    for (p, t) in preds[1..].iter().zip(&test[1..]) {
        assert_eq!(p[0], t[0]);
        let e = p[2].parse::<f64>().unwrap() - t[target].parse::<f64>().unwrap();
        let entry = sse.entry(&t[0]).or_default();
        entry.0 += e * e;
        entry.1 += 1;
    }
    for task in evaluated["tasks"].as_array().unwrap() {
        let (s, n) = sse[task["task"].as_str().unwrap()];
        let mse = task["mse"].as_f64().unwrap();
        assert!((s / n as f64 - mse).abs() <= 1e-9 * mse, "{task}");
    }
}

#[test]
fn a_class_target_in_a_csv_round_trips_with_its_categories() {
    let dir = tempfile::tempdir().unwrap();
    let exam = repo().join("datasets/schools/exam.csv");
    let (trained, evaluated, preds) = round_trip(
        dir.path(),
        &[
            "--data",
            exam.to_str().unwrap(),
            "--task-column",
            "school",
            "--target",
            "vr",
            "--classification",
            "--features",
            "normexam,standLRT,sex,intake",
            "--budget",
            "300",
        ][..]
            .iter()
            .copied()
            .enumerate()
            .flat_map(|(i, a)| {
                if i == 1 {
                    vec!["tasks-csv", a]
                } else {
                    vec![a]
                }
            })
            .collect::<Vec<_>>(),
    );
    for key in ["accuracy", "log_loss", "brier"] {
        assert_same_metric(&trained, &evaluated, key);
    }
    // The schema kept the CSV's own columns and the class names.
    let schema: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("saved/schema.json")).unwrap())
            .unwrap();
    assert_eq!(
        schema["classes"],
        serde_json::json!(["bottom 25%", "mid 50%", "top 25%"])
    );
    assert_eq!(schema["columns"][2]["kind"], "categorical");
    assert_eq!(
        preds[0],
        [
            "task",
            "row",
            "class",
            "p_bottom 25%",
            "p_mid 50%",
            "p_top 25%"
        ]
    );
    // The predicted classes give evaluate's accuracy over all rows.
    let test = read_csv(&dir.path().join("test.csv"));
    let target = test[0].iter().position(|c| c == "vr").unwrap();
    let correct = preds[1..]
        .iter()
        .zip(&test[1..])
        .filter(|(p, t)| p[2] == t[target])
        .count();
    let tasks = evaluated["tasks"].as_array().unwrap();
    let hits: f64 = tasks
        .iter()
        .map(|t| t["accuracy"].as_f64().unwrap() * t["rows"].as_f64().unwrap())
        .sum();
    assert!((hits - correct as f64).abs() < 1e-6, "{hits} vs {correct}");
    // The original file predicts as it is: the columns training left out are skipped.
    let preds = dir.path().join("all.csv");
    let out = cascade()
        .arg("predict")
        .arg(dir.path().join("saved"))
        .arg("--input")
        .arg(&exam)
        .arg("--out")
        .arg(&preds)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(read_csv(&preds).len() > 4000);
}

#[test]
fn ten_class_image_tasks_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (trained, evaluated, preds) = round_trip(
        dir.path(),
        &[
            "--data",
            "fashion-mnist",
            "/usr/share/datasets/fashion-mnist",
            "--image-tasks",
            "classes",
            "--tasks",
            "8",
            "--n-train",
            "40",
            "--n-test",
            "30",
            "--pca",
            "20",
            "--budget",
            "80",
        ],
    );
    assert_same_metric(&trained, &evaluated, "accuracy");
    assert_eq!(preds[0].len(), 3 + 10, "{:?}", preds[0]);
    assert_eq!(preds[0][3], "p_T-shirt/top");
    // `mean` is an object {metric: value}, the same in both reports.
    let mean = evaluated["mean"].as_object().unwrap();
    let names: Vec<&str> = mean.keys().map(String::as_str).collect();
    assert_eq!(names.len(), 3, "{mean:?}");
    for name in ["accuracy", "log_loss", "brier"] {
        assert!(names.contains(&name), "{mean:?}");
        let (a, b) = (
            mean[name].as_f64().unwrap(),
            trained["mean"][name].as_f64().unwrap(),
        );
        assert!(
            (a - b).abs() <= 1e-6 * a.abs().max(1.0),
            "{name}: {a} against {b}"
        );
    }
    // Ten classes: chance is 0.1; a PCA-softmax model on 40 images does far better.
    assert!(mean["accuracy"].as_f64().unwrap() > 0.4, "{mean:?}");
}

fn fails(args: &[&str]) -> String {
    let out = cascade().args(args).output().unwrap();
    assert!(!out.status.success(), "cascade {args:?} succeeded");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.trim().lines().count(), 1, "not one line:\n{stderr}");
    stderr
}

#[test]
fn bad_rows_unknown_tasks_and_damaged_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved");
    let test = dir.path().join("test.csv");
    let out = cascade()
        .args([
            "train", "--tasks", "4", "--dim", "3", "--budget", "20", "--out",
        ])
        .arg(&saved)
        .arg("--test-out")
        .arg(&test)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved_s = saved.to_str().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };

    // Rows of an unknown task are reported and skipped; the others are predicted.
    let mixed = write(
        "mixed.csv",
        "task,x0,x1,x2,y\ntask-0,1,2,3,4\nnope,1,2,3,4\n",
    );
    let preds = dir.path().join("p.csv");
    let out = cascade()
        .args(["predict", saved_s, "--input", &mixed, "--out"])
        .arg(&preds)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("skipped 1 rows of 1 tasks the cascade was not trained on: 'nope'"),
        "{stderr}"
    );
    assert_eq!(read_csv(&preds).len(), 2);

    let only_unknown = write("unknown.csv", "task,x0,x1,x2\nnope,1,2,3\n");
    let err = fails(&["predict", saved_s, "--input", &only_unknown]);
    assert!(
        err.contains("no row belongs to a task of the cascade"),
        "{err}"
    );

    let missing = write("missing.csv", "task,x0,x2,y\ntask-0,1,3,4\n");
    let err = fails(&["evaluate", saved_s, "--input", &missing]);
    assert!(
        err.contains("missing.csv")
            && err.contains("feature column 'x1' of the saved schema is missing"),
        "{err}"
    );
    let extra = write("extra.csv", "task,x0,x1,x2,x9,y\ntask-0,1,2,3,0,4\n");
    let err = fails(&["predict", saved_s, "--input", &extra]);
    assert!(
        err.contains("column 'x9' is not in the saved schema"),
        "{err}"
    );
    let no_target = write("no-target.csv", "task,x0,x1,x2\ntask-0,1,2,3\n");
    let err = fails(&["evaluate", saved_s, "--input", &no_target]);
    assert!(err.contains("no target column 'y'"), "{err}");
    let bad_cell = write("bad.csv", "task,x0,x1,x2,y\ntask-0,1,two,3,4\n");
    let err = fails(&["predict", saved_s, "--input", &bad_cell]);
    assert!(
        err.contains("bad.csv") && err.contains("line 2") && err.contains("'two' is not a number"),
        "{err}"
    );

    // A truncated record names its file.
    let record = saved.join("tasks/00002.bpk");
    let bytes = fs::read(&record).unwrap();
    fs::write(&record, &bytes[..bytes.len() / 3]).unwrap();
    let err = fails(&["evaluate", saved_s, "--input", test.to_str().unwrap()]);
    assert!(err.contains("00002.bpk"), "{err}");
    let err = fails(&[
        "predict",
        dir.path().join("nowhere").to_str().unwrap(),
        "--input",
        &mixed,
    ]);
    assert!(err.contains("manifest.json"), "{err}");

    let err = fails(&[
        "train", "--tasks", "4", "--budget", "20", "--method", "mean",
    ]);
    assert!(err.contains("trains no model"), "{err}");
}

#[test]
fn train_refuses_a_folder_of_something_else_before_training() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("notes.txt"), "keep me").unwrap();
    let out = common::cascade()
        .args(["train", "-T", "8", "--out"])
        .arg(temp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("holds files but no manifest.json") && !stderr.contains("training"),
        "{stderr}"
    );
    assert!(temp.path().join("notes.txt").exists());
}

#[test]
fn a_train_killed_at_any_moment_leaves_a_cascade_that_loads() {
    let temp = tempfile::tempdir().unwrap();
    let (dir, rows) = (temp.path().join("model"), temp.path().join("rows.csv"));
    let args = ["train", "-T", "400", "--n-test", "4"];
    let start = std::time::Instant::now();
    let first = common::cascade()
        .args(args)
        .arg("--out")
        .arg(&dir)
        .arg("--test-out")
        .arg(&rows)
        .output()
        .unwrap();
    assert!(first.status.success());
    let whole = start.elapsed();
    // Kill reruns (another seed) at moments spread over a whole run, the save included.
    for k in 1..=6u32 {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cascade"))
            .args(args)
            .args(["--seed", &k.to_string(), "--out"])
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(0.5 + 0.1 * f64::from(k)));
        child.kill().unwrap();
        child.wait().unwrap();
        let predict = common::cascade()
            .arg("predict")
            .arg(&dir)
            .arg("--input")
            .arg(&rows)
            .arg("--out")
            .arg(temp.path().join("p.csv"))
            .output()
            .unwrap();
        assert!(
            predict.status.success(),
            "after a kill at {k}: {}",
            String::from_utf8_lossy(&predict.stderr)
        );
    }
}
