//! The same command and seed give the same bytes in two processes: `run`, `train` and `grid`,
//! on flex and on ndarray, through the host-linear path and Burn's batched one (an MLP).
//! Times are the only thing allowed to differ: JSON keys and CSV columns whose name contains
//! `seconds`, and the cost section of a grid's table.md, are dropped before comparing; every
//! other file, saved records (`.bpk`) and plots included, must be byte-identical.
//!
//! Each run happens in its own fresh folder with the same relative output paths, so the
//! outputs that echo the command line are equal too.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::cascade;

/// Runs `cascade ARGS` in `dir`, which it creates; fails on a non-zero exit.
fn run_in(dir: &Path, args: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    let out = cascade().current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "cascade {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// `value` without the keys that hold times.
fn without_times(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !k.contains("seconds"))
                .map(|(k, v)| (k, without_times(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_times).collect()),
        other => other,
    }
}

/// What of `path` must not change between runs: JSON and CSV without their times, every other
/// file as it is.
fn comparable(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            let value: Value = serde_json::from_slice(&bytes).unwrap();
            serde_json::to_vec(&without_times(value)).unwrap()
        }
        Some("csv") => {
            let text = String::from_utf8(bytes).unwrap();
            let mut lines = text.lines();
            let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
            let keep: Vec<bool> = header.iter().map(|h| !h.contains("seconds")).collect();
            let mut out = String::new();
            for line in text.lines() {
                let fields: Vec<&str> = line.split(',').collect();
                let kept: Vec<&str> = fields
                    .iter()
                    .zip(keep.iter().chain(std::iter::repeat(&true)))
                    .filter(|(_, k)| **k)
                    .map(|(f, _)| *f)
                    .collect();
                out += &kept.join(",");
                out.push('\n');
            }
            out.into_bytes()
        }
        // A grid's table.md ends with its cost section, steps (in results.json too) and times.
        Some("md") => {
            let text = String::from_utf8(bytes).unwrap();
            text.split("## Cost")
                .next()
                .unwrap_or_default()
                .as_bytes()
                .to_vec()
        }
        _ => bytes,
    }
}

/// Runs `args` in two fresh folders and checks that they hold the same files with the same
/// bytes (times aside); returns how many files were compared.
fn check_rerun(name: &str, args: &[&str], setup: impl Fn(&Path)) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a, &b] {
        std::fs::create_dir_all(dir).unwrap();
        setup(dir);
        run_in(dir, args);
    }
    let (files_a, files_b) = (files(&a), files(&b));
    assert_eq!(
        files_a, files_b,
        "{name}: the two runs wrote different files"
    );
    for file in &files_a {
        assert!(
            comparable(&a.join(file)) == comparable(&b.join(file)),
            "{name}: {} differs between two runs of `cascade {}`",
            file.display(),
            args.join(" ")
        );
    }
    files_a.len()
}

const DEVICES: [&str; 2] = ["flex", "ndarray"];

#[test]
fn run_writes_the_same_json_twice() {
    for device in DEVICES {
        for model in ["linear", "simple-mlp"] {
            let args = [
                "run",
                "-T",
                "16",
                "--reps",
                "2",
                "--stack",
                "2",
                "--budget",
                "400",
                "--methods",
                "mean,indiv,star,global,fedavg,mst-gradient,mst-mmd",
                "--model",
                model,
                "--device",
                device,
                "--json",
                "run.json",
            ];
            let n = check_rerun(&format!("run {model} on {device}"), &args, |_| {});
            assert_eq!(n, 1);
        }
    }
}

#[test]
fn train_saves_the_same_bytes_twice() {
    for device in DEVICES {
        for model in ["linear", "simple-mlp"] {
            let args = [
                "train",
                "-T",
                "12",
                "--budget",
                "300",
                "--model",
                model,
                "--device",
                device,
                "--json",
                "train.json",
                "--out",
                "saved",
            ];
            let n = check_rerun(&format!("train {model} on {device}"), &args, |_| {});
            // train.json, manifest, plan, scalers, schema and one record a task.
            assert!(n >= 12 + 4, "train {model} on {device}: only {n} files");
        }
    }
}

#[test]
fn grid_writes_the_same_cells_tables_and_plots_twice() {
    let grid = "reps = 2\nstack = 2\n[base]\ntasks = 10\nmethods = [\"indiv\", \
                \"mst-gradient\"]\nmodel = \"simple-mlp\"\n[axes]\nbudget = [100, 200]\n";
    for device in DEVICES {
        let args = ["grid", "grid.toml", "--out", "out", "--device", device];
        let n = check_rerun(&format!("grid on {device}"), &args, |dir| {
            std::fs::write(dir.join("grid.toml"), grid).unwrap();
        });
        // The grid file, its copies, a cell, results (json, csv), table and plots.
        assert!(n >= 8, "grid on {device}: only {n} files");
    }
}
