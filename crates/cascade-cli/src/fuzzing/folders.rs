//! The folder targets: a saved cascade and a plan folder of finished jobs, made once per
//! process by the command itself, copied afresh for each input with one file replaced.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{TASKS_CSV, command, root, work, write};
use crate::error::CliError;

/// Stands for the base folder's path in inputs (a plan's run.json names its data file by an
/// absolute path), so that kept inputs read in any process.
const BASE: &str = "@BASE@";

/// `data` with every `from` replaced by `to`.
fn replace(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

fn base_dir() -> PathBuf {
    root().join("base")
}

/// The valid folders the folder targets start from, made by the command itself.
pub(super) struct Base {
    pub(super) saved: PathBuf,
    pub(super) plan: PathBuf,
    rows: PathBuf,
}

pub(super) fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| make_base().expect("the fuzz base folders can be made"))
}

fn make_base() -> Result<Base, CliError> {
    let dir = base_dir();
    let rows = dir.join("rows.csv");
    write(&rows, TASKS_CSV.as_bytes())?;
    let (saved, plan) = (dir.join("saved"), dir.join("plan"));
    let (rows_s, saved_s, plan_s) = (path(&rows), path(&saved), path(&plan));
    let data = [
        "--data",
        "tasks-csv",
        &rows_s,
        "--task-column",
        "task",
        "--target",
        "y",
        "--budget",
        "40",
        "--min-train-rows",
        "1",
    ];
    execute(&[&["train"], &data[..], &["--out", &saved_s]].concat())?;
    execute(&[&["plan"], &data[..], &["--jobs", "2", "--out", &plan_s]].concat())?;
    for job in ["0", "1"] {
        execute(&["train", "--plan", &plan_s, "--job", job])?;
    }
    Ok(Base { saved, plan, rows })
}

/// Runs `cascade ARGS` in this process, as the binary would.
fn execute(args: &[&str]) -> Result<(), CliError> {
    crate::execute(&command(args)?)
}

fn path(path: &Path) -> String {
    path.display().to_string()
}

/// Copies `from` into a fresh `to`, with `data` after its first byte `i` in place of the file
/// `i % n` of `from`'s `n` files (sorted by path).
fn mutated_copy(from: &Path, to: &Path, data: &[u8]) -> Result<(), CliError> {
    let _ = fs::remove_dir_all(to);
    let files = files_under(from);
    let replaced = data
        .split_first()
        .filter(|_| !files.is_empty())
        .map(|(&which, body)| (which as usize % files.len(), body));
    for (i, file) in files.iter().enumerate() {
        let bytes = match replaced {
            Some((r, body)) if r == i => {
                let base = path(&base_dir());
                replace(body, BASE.as_bytes(), base.as_bytes())
            }
            _ => fs::read(from.join(file)).map_err(|source| CliError::Write {
                path: from.join(file),
                source,
            })?,
        };
        write(&to.join(file), &bytes)?;
    }
    Ok(())
}

/// The files under `dir`, as paths relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                out.push(relative.to_path_buf());
            }
        }
    }
    out.sort();
    out
}

pub(super) fn saved_cascade(data: &[u8]) -> Result<(), CliError> {
    let base = base();
    let dir = work().join("saved");
    mutated_copy(&base.saved, &dir, data)?;
    let out = work().join("predictions.csv");
    execute(&[
        "predict",
        &path(&dir),
        "--input",
        &path(&base.rows),
        "--out",
        &path(&out),
    ])
}

/// `merge` opens the plan folder (run, plan and jobs files) before it reads the jobs.
pub(super) fn plan_folder(data: &[u8]) -> Result<(), CliError> {
    let dir = work().join("plan");
    mutated_copy(&base().plan, &dir, data)?;
    let out = work().join("merged");
    let _ = fs::remove_dir_all(&out);
    execute(&["merge", &path(&dir), "--out", &path(&out)])
}

/// One seed a file of the base folder `dir`: its index, then its bytes (the base's path
/// written as [`BASE`]).
pub(super) fn seeds_of(dir: &Path) -> Result<Vec<Vec<u8>>, String> {
    let base = path(&base_dir());
    files_under(dir)
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let bytes = fs::read(dir.join(name)).map_err(|e| format!("{name:?}: {e}"))?;
            Ok([
                vec![i as u8],
                replace(&bytes, base.as_bytes(), BASE.as_bytes()),
            ]
            .concat())
        })
        .collect()
}
