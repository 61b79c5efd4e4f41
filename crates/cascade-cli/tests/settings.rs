//! End-to-end tests of how settings are read: typed values refused as they are parsed, with the
//! library's message; grid files read into the same typed settings; `--help` in groups; and
//! image models keeping raw pixels by default.

mod common;

use std::path::Path;

use cascade::budget::Allocation;
use cascade::distance::Distance;
use common::{cascade, command_with_json};

/// Runs `cascade ARGS`; returns whether it succeeded and its stderr.
fn stderr_of(args: &[&str]) -> (bool, String) {
    let out = cascade().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_values_are_refused_as_they_are_read_with_the_library_message() {
    // A data file that does not exist: the value is refused before anything is read.
    let missing = ["--data", "electricity", "/nonexistent/panel.csv"];
    let allocation = "sideways".parse::<Allocation>().unwrap_err().to_string();
    let distance = "euclid".parse::<Distance>().unwrap_err().to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--allocation", "sideways"], &allocation),
        (&["run", "--root-distance", "euclid"], &distance),
        (&["plan", "--method", "mst-euclid"], &distance),
        (&["train", "--method", "mst-euclid"], &distance),
        (&["tune", "--methods", "indiv,mst-euclid"], &distance),
        (
            &["run", "--executor", "gpu"],
            "auto, batched, reference, host",
        ),
        (
            &["run", "--optimizer", "rmsprop"],
            "unknown optimizer 'rmsprop'",
        ),
        (&["run", "--rounding", "up"], "rounding"),
        (
            &["run", "--pixel-scaling", "local"],
            "expected global or per-pixel",
        ),
        (
            &["run", "--image-tasks", "triples"],
            "expected pairs, classes",
        ),
        (&["run", "--partition", "dirichlet:-1"], "partition"),
        (
            &["run", "--train-range", "2016-13-01..2016-13-02"],
            "date range",
        ),
        (&["run", "--backbone", "pooled:0"], "STEPS >= 1"),
        (&["run", "--reps", "0"], "--reps"),
        (&["run", "--stack", "0"], "must be at least 1"),
        (&["tune", "--tune-reps", "0"], "--tune-reps"),
        (
            &["grid", "--preset", "paper-synthetic", "--reps", "0"],
            "--reps",
        ),
    ];
    for (args, says) in cases {
        let mut args = args.to_vec();
        if args[0] != "grid" {
            args.extend(missing);
        }
        let (ok, stderr) = stderr_of(&args);
        assert!(!ok, "{args:?} should fail");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: invalid value") && !stderr.contains("nonexistent"),
            "{args:?} should be refused as it is parsed: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn help_groups_the_options_under_headings() {
    let out = cascade().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let mut last = 0;
    for heading in [
        "Synthetic tasks:",
        "Data:",
        "Electricity data:",
        "Grouped CSV data:",
        "Image data:",
        "Plan:",
        "Model and training:",
        "Device:",
        "Methods and repetitions:",
        "Output:",
    ] {
        let at = help
            .find(heading)
            .unwrap_or_else(|| panic!("no {heading}:\n{help}"));
        assert!(at >= last, "{heading} out of order:\n{help}");
        last = at;
    }
    let plan = help.find("Plan:").unwrap();
    let training = help.find("Model and training:").unwrap();
    assert!((plan..training).contains(&help.find("--allocation").unwrap()));
    assert!(help[training..].contains("--eta"));
}

#[test]
fn grid_files_with_a_typo_or_a_bad_value_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let grid = dir.path().join("typo.toml");
    let allocation = "hybird:1".parse::<Allocation>().unwrap_err().to_string();
    for (text, says) in [
        (
            "[base]\nsigmaa = 1\n[axes]\nbudget = [100]",
            "grid '{file}': [base] unknown key 'sigmaa'",
        ),
        (
            "[axes]\nbudget = [1000]\nallocation = [\"uniform\", \"hybird:1\"]",
            "setting 2 (allocation=hybird:1, budget=1000): allocation = hybird:1: {allocation}",
        ),
        ("[base]\neta = \"fast\"", "eta = fast: "),
    ] {
        std::fs::write(&grid, text).unwrap();
        let says = says
            .replace("{file}", &grid.display().to_string())
            .replace("{allocation}", &allocation);
        let out = dir.path().join("out");
        let (ok, stderr) = stderr_of(&[
            "grid",
            grid.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(!ok, "{text}");
        assert!(stderr.contains(&says), "{text}: {stderr}");
        assert!(
            stderr.contains(&grid.display().to_string()),
            "{text}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{text}: {stderr}");
        assert!(!out.exists(), "{text}: nothing is computed");
    }
}

/// A folder per task (`DIR/<task>/{train,test}/<class>/*.png`): 3 tasks of two classes of
/// 8x8 grey images, dark or light with a task's own shade.
fn write_image_tasks(dir: &Path) {
    for task in 0..3u8 {
        for (split, count) in [("train", 6u8), ("test", 3)] {
            for class in 0..2u8 {
                let folder = dir
                    .join(format!("site{task}"))
                    .join(split)
                    .join(format!("class{class}"));
                std::fs::create_dir_all(&folder).unwrap();
                for i in 0..count {
                    let base = 40 + 140 * class + 10 * task;
                    let image = image::GrayImage::from_fn(8, 8, |x, y| {
                        image::Luma([base + ((x + y + u32::from(i)) % 5) as u8 * 3])
                    });
                    image.save(folder.join(format!("{i}.png"))).unwrap();
                }
            }
        }
    }
}

#[test]
fn an_image_model_keeps_raw_pixels_without_pca_0() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("tasks");
    write_image_tasks(&data);
    let data = data.to_str().unwrap();
    let json = dir.path().join("run.json");
    let (stdout, _, v) = command_with_json(
        "run",
        &[
            "--data",
            "image-tasks",
            data,
            "--model",
            "small-cnn:2",
            "--budget",
            "12",
            "--reps",
            "1",
            "--methods",
            "indiv,star",
        ],
        &json,
    );
    assert!(
        stdout.contains("3 client image folders of 2 classes"),
        "{stdout}"
    );
    assert!(stdout.contains("d = 64"), "raw 8x8 pixels:\n{stdout}");
    assert_eq!(v["config"]["source"]["pca"], 0);
    assert_eq!(v["config"]["method"]["model"], "small-cnn:2");
    // PCA asked for explicitly with an image model stays a clear error.
    let (ok, stderr) = stderr_of(&[
        "run",
        "--data",
        "image-tasks",
        data,
        "--model",
        "small-cnn",
        "--pca",
        "5",
        "--reps",
        "1",
    ]);
    assert!(!ok);
    let last = stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains("needs image data"),
        "{stderr}"
    );
}
