//! End-to-end tests of `cascade grid`: outputs, presets, bad grids, and resuming after a kill.

mod common;

use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use common::cascade;
use serde_json::Value;

/// A grid whose cells each take a noticeable time (the per-task reference executor through
/// autodiff), so that a kill lands between cells.
const SLOW_GRID: &str = r#"
reps = 6
stack = 1
[base]
tasks = 16
executor = "reference"
no-linear-fast-path = true
methods = ["indiv", "star", "mst-gradient"]
[axes]
budget = [800, 1600]
"#;

fn write_grid(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("grid.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `cascade grid ARGS` to completion, asserting success; returns stdout and stderr.
fn grid_ok(args: &[&str]) -> (String, String) {
    let out = cascade().arg("grid").args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "cascade grid failed:\n{stderr}");
    (stdout, stderr)
}

/// Starts `cascade grid ARGS` in the background.
fn spawn_grid(args: &[&str]) -> Child {
    Process::new(assert_cmd::cargo::cargo_bin("cascade"))
        .arg("grid")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn saved_cells(out: &Path) -> usize {
    std::fs::read_dir(out.join("cells"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0)
}

/// Waits until at least one cell is saved, checking that the grid is still running.
fn wait_for_a_cell(out: &Path, child: &mut Child) {
    let start = Instant::now();
    while saved_cells(out) == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the grid ended before saving a cell"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no cell after 2 min"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// results.json without wall-clock times, which differ between runs.
fn results_without_times(out: &Path) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|k, _| !k.contains("seconds"));
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(out.join("results.json")).unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    strip(&mut value);
    value
}

#[test]
fn a_killed_grid_resumes_to_the_results_of_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_grid(dir.path(), SLOW_GRID);
    let config = config.to_str().unwrap();
    let whole = dir.path().join("whole");
    grid_ok(&[config, "--out", whole.to_str().unwrap(), "--no-plots"]);
    // 1 group (the budgets share data) x 6 blocks of 1 repetition.
    assert_eq!(saved_cells(&whole), 6);

    let killed = dir.path().join("killed");
    let mut child = spawn_grid(&[config, "--out", killed.to_str().unwrap(), "--no-plots"]);
    wait_for_a_cell(&killed, &mut child);
    child.kill().unwrap(); // SIGKILL: no chance to clean up.
    child.wait().unwrap();
    let saved = saved_cells(&killed);
    assert!(
        (1..6).contains(&saved),
        "the kill should land mid-way: {saved} of 6 cells saved"
    );
    assert!(!killed.join("results.json").exists());
    // No temporary file is mistaken for a cell.
    let (_, stderr) = grid_ok(&[config, "--out", killed.to_str().unwrap(), "--no-plots"]);
    assert_eq!(
        stderr.matches("is saved already").count(),
        saved,
        "{stderr}"
    );
    assert_eq!(
        results_without_times(&killed),
        results_without_times(&whole)
    );
}

#[test]
fn ctrl_c_stops_after_the_current_cell_and_the_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_grid(dir.path(), SLOW_GRID);
    let config = config.to_str().unwrap();
    let out = dir.path().join("out");
    let mut child = spawn_grid(&[config, "--out", out.to_str().unwrap(), "--no-plots"]);
    wait_for_a_cell(&out, &mut child);
    let status = Process::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted:") && stderr.contains("run the same command again"),
        "{stderr}"
    );
    let saved = saved_cells(&out);
    assert!((1..6).contains(&saved), "{saved} cells saved");
    grid_ok(&[config, "--out", out.to_str().unwrap(), "--no-plots"]);
    assert!(out.join("results.json").exists());
}

#[test]
fn a_grid_writes_results_csv_and_a_marked_table() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_grid(
        dir.path(),
        "reps = 4\nstack = 2\n[base]\ntasks = 10\nmethods = [\"indiv\", \"star\", \"mst-model\"]\n\
         [axes]\ntau-within = [2, 10]\nbudget = [100, 200]\n",
    );
    let out = dir.path().join("out");
    let (stdout, _) = grid_ok(&[config.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let table = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert_eq!(stdout.trim(), table.trim());
    assert!(
        table.contains("| setting | indiv | star | mst-model |"),
        "{table}"
    );
    for row in [
        "tau-within=2, budget=100",
        "tau-within=2, budget=200",
        "tau-within=10, budget=100",
        "tau-within=10, budget=200",
    ] {
        assert_eq!(
            table.matches(&format!("| {row} |")).count(),
            2,
            "{row}\n{table}"
        );
    }
    // Exactly one best per row of the metric table.
    let metric_rows: Vec<&str> = table
        .lines()
        .take_while(|l| !l.starts_with("## Cost"))
        .filter(|l| l.starts_with("| tau-within"))
        .collect();
    assert_eq!(metric_rows.len(), 4);
    for row in metric_rows {
        assert_eq!(row.matches("**").count(), 2, "{row}");
    }
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let settings = json["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 4);
    for setting in settings {
        let budget = setting["budget"].as_u64().unwrap();
        for method in setting["methods"].as_array().unwrap() {
            assert_eq!(method["metric"]["per_rep"].as_array().unwrap().len(), 4);
            assert!(method["cost"]["steps_max"].as_u64().unwrap() <= budget);
            if method["method"] == "indiv" {
                assert!(method["vs_indiv"].is_null());
            } else {
                let p = method["vs_indiv"]["p_value"].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&p));
            }
        }
        assert_eq!(
            setting["parameters"]["budget"].as_str(),
            Some(&*budget.to_string())
        );
    }
    // Figures: the methods of every setting, error against budget per tau, a tree per setting.
    let plots = out.join("plots");
    for stem in ["methods", "budget-tau-within-2", "budget-tau-within-10"] {
        for ext in ["png", "svg"] {
            assert!(plots.join(format!("{stem}.{ext}")).exists(), "{stem}.{ext}");
        }
    }
    let trees = std::fs::read_dir(&plots)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("tree-"))
        .count();
    assert_eq!(trees, 2 * 4, "a PNG and an SVG tree per setting");
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("setting,tau-within,budget,tasks,method,")
    );
    assert_eq!(lines.count(), 4 * 3);
}

#[test]
fn presets_are_listed_and_printed_as_grid_files() {
    let (stdout, _) = grid_ok(&["--list-presets"]);
    for name in [
        "paper-synthetic",
        "ablation-budget",
        "paper-electricity",
        "paper-fmnist",
        "paper-cifar10",
    ] {
        assert!(stdout.contains(&format!("{name}: ")), "{stdout}");
    }
    let (stdout, _) = grid_ok(&[
        "--preset",
        "paper-synthetic",
        "--reps",
        "3",
        "--print-config",
    ]);
    assert!(stdout.contains("reps = 3"), "{stdout}");
    assert!(stdout.contains("eta = 0.00121423383766747"), "{stdout}");
    // What is printed is a grid file that runs.
    let dir = tempfile::tempdir().unwrap();
    let printed = write_grid(dir.path(), &stdout);
    let out = cascade()
        .args(["grid", printed.to_str().unwrap(), "--print-config"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), stdout);
}

#[test]
fn bad_grids_fail_with_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cases: [(&str, &str); 4] = [
        (
            "[axes]\nbudget = [100]\nsigmaa = [1, 2]",
            "[axes] unknown key 'sigmaa'",
        ),
        (
            "[base]\nmethods = [\"mst-nothing\"]",
            "unknown distance 'nothing'",
        ),
        ("[base]\ntasks = 50\nbudget = 10", "budget"),
        ("reps = \"many\"", "grid.toml"),
    ];
    for (text, expected) in cases {
        let config = write_grid(dir.path(), text);
        let output = cascade()
            .args([
                "grid",
                config.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{text}");
        assert_eq!(stderr.trim().lines().count(), 1, "{text}: {stderr}");
        assert!(stderr.contains(expected), "{text}: {stderr}");
    }
    // A folder holding another grid is not overwritten.
    let first = write_grid(
        dir.path(),
        "reps = 2\n[base]\ntasks = 6\nmethods = [\"indiv\"]\n",
    );
    grid_ok(&[
        first.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
    ]);
    let other = write_grid(
        dir.path(),
        "reps = 2\n[base]\ntasks = 7\nmethods = [\"indiv\"]\n",
    );
    let output = cascade()
        .args([
            "grid",
            other.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("results of another grid"), "{stderr}");
    assert!(stderr.contains("differs in 'data'"), "{stderr}");
}
