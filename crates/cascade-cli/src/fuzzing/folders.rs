//! The folder targets: a saved cascade and a plan folder of finished jobs, made once per
//! process by the command itself, copied afresh for each input with one file replaced.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{TASKS_CSV, command, root, work, write};
use crate::args::Command;
use crate::error::CliError;
use crate::jobs::plan_dir::PlanDir;

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
    let (rows_s, saved_s, plan_s) = (rows.display(), saved.display(), plan.display());
    let data = format!("--data tasks-csv {rows_s} --task-column task --target y --budget 40");
    crate::execute(&command_words(&format!(
        "train {data} --min-train-rows 1 --out {saved_s}"
    ))?)?;
    crate::execute(&command_words(&format!(
        "plan {data} --min-train-rows 1 --jobs 2 --out {plan_s}"
    ))?)?;
    for job in ["0", "1"] {
        crate::execute(&command_words(&format!(
            "train --plan {plan_s} --job {job}"
        ))?)?;
    }
    Ok(Base { saved, plan, rows })
}

fn command_words(line: &str) -> Result<Command, CliError> {
    let words: Vec<&str> = line.split_whitespace().collect();
    command(&words)
}

/// Copies `from` into a fresh `to`, with `data` after its first byte `i` as the file
/// `i % n` of `from`'s `n` files (sorted by path).
fn mutated_copy(from: &Path, to: &Path, data: &[u8]) -> Result<(), CliError> {
    let _ = fs::remove_dir_all(to);
    copy_dir(from, to)?;
    let files = files_under(from);
    if let Some((&which, body)) = data.split_first()
        && !files.is_empty()
    {
        let base = base_dir().display().to_string();
        let body = replace(body, BASE.as_bytes(), base.as_bytes());
        write(&to.join(&files[which as usize % files.len()]), &body)?;
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

fn copy_dir(from: &Path, to: &Path) -> Result<(), CliError> {
    for file in files_under(from) {
        let bytes = fs::read(from.join(&file)).map_err(|source| CliError::Write {
            path: from.join(&file),
            source,
        })?;
        write(&to.join(file), &bytes)?;
    }
    Ok(())
}

pub(super) fn saved_cascade(data: &[u8]) -> Result<(), CliError> {
    let base = base();
    let dir = work().join("saved");
    mutated_copy(&base.saved, &dir, data)?;
    let out = work().join("predictions.csv");
    let (dir, rows, out) = (dir.display(), base.rows.display(), out.display());
    crate::execute(&command_words(&format!(
        "predict {dir} --input {rows} --out {out}"
    ))?)
}

pub(super) fn plan_folder(data: &[u8]) -> Result<(), CliError> {
    let base = base();
    let dir = work().join("plan");
    mutated_copy(&base.plan, &dir, data)?;
    PlanDir::open(&dir)?;
    let out = work().join("merged");
    let _ = fs::remove_dir_all(&out);
    crate::execute(&command_words(&format!(
        "merge {} --out {}",
        dir.display(),
        out.display()
    ))?)
}

/// One seed a file of the base folder `dir`: its index, then its bytes (the base's path
/// written as [`BASE`]).
pub(super) fn seeds_of(dir: &Path) -> Result<Vec<Vec<u8>>, String> {
    let base = base_dir().display().to_string();
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
