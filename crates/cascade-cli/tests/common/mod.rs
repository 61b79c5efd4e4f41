//! Helpers shared by the end-to-end tests of the `cascade` binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub mod slurm;

// Not every test binary that includes this module uses every helper.
#[allow(dead_code)]
/// The repository's root, from cargo's run-time `CARGO_MANIFEST_DIR`: the checkout being
/// tested. The compile-time value is only the fallback, since a test binary in a target directory
/// shared by several checkouts (CI's clones) keeps the path it was built in, which may be another
/// clone, or a deleted one.
pub fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join("../..")
}

// Not every test binary that includes this module uses every helper.
#[allow(dead_code)]
/// The `cascade` binary built with the tests.
pub fn cascade() -> Command {
    Command::cargo_bin("cascade").expect("the binary is built with the tests")
}

// Not every test binary that includes this module uses every helper.
#[allow(dead_code)]
/// Runs `cascade run ARGS --json PATH`, asserts that it succeeded (showing its stderr if not),
/// and returns its stdout, its stderr and the JSON it wrote.
pub fn run_with_json(args: &[&str], path: &Path) -> (String, String, Value) {
    command_with_json("run", args, path)
}

#[allow(dead_code)]
/// Runs `cascade COMMAND ARGS --json PATH`, asserts that it succeeded (showing its stderr if
/// not), and returns its stdout, its stderr and the JSON it wrote.
pub fn command_with_json(command: &str, args: &[&str], path: &Path) -> (String, String, Value) {
    let out = cascade()
        .arg(command)
        .args(args)
        .arg("--json")
        .arg(path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "cascade {command} failed:\n{stderr}");
    let json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (stdout, stderr, json)
}

#[allow(dead_code)]
/// A CSV file's header and rows, as text.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let mut rows = vec![reader.headers().unwrap().iter().map(String::from).collect()];
    rows.extend(
        reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect()),
    );
    rows
}
