//! Every file reader of `cascade`, driven from raw bytes: the fuzz targets in `fuzz/` call
//! [`run`], and `tests/fuzz_corpus.rs` replays every kept input through it on the stable
//! toolchain, so CI guards what the fuzzers found.
//!
//! Each target writes the bytes where the command would read a file and then reads it exactly
//! as the command does (the same parsing of options, the same functions). A refusal is
//! `Err(message)` and must be one line; a panic, an abort or an allocation past the bound the
//! fuzz script sets (`-malloc_limit_mb`) is a bug.
//!
//! Targets whose input is a folder ([`Target::SavedCascade`], [`Target::PlanFolder`],
//! [`Target::ImageFolders`]) start from a small valid folder made once per process by the
//! command itself; the first byte of the input picks the file it replaces.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::args::Command;
use crate::error::CliError;
use crate::grid::GridFile;
use crate::session::Session;

mod folders;

/// One reader (or folder of files) under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `--data tasks-csv FILE`: a grouped CSV (task, target and feature columns).
    TasksCsv,
    /// `--data electricity FILE`: a long CSV; the header is fixed and valid, the body is the
    /// input, and the date ranges are given so reading goes past the range check.
    Electricity,
    /// An IDX file (Fashion-MNIST): first byte even, images; odd, labels.
    Idx,
    /// A CIFAR-10 binary batch.
    Cifar,
    /// `--data image-tasks DIR`: one client's image file is the input, beside valid ones.
    ImageFolders,
    /// A grid file: first byte even, TOML; odd, JSON. Parsed and expanded into settings.
    Grid,
    /// A saved cascade: the input replaces one of its files (manifest, plan, scalers, schema
    /// or a task record, by the first byte), then `cascade predict` runs on it.
    SavedCascade,
    /// A plan folder of finished jobs: the input replaces one of its files (run, plan, jobs,
    /// a job's finished.json or a record, by the first byte), then `cascade merge` runs on it.
    PlanFolder,
}

impl Target {
    /// Every target, in the order `scripts/fuzz` runs them.
    pub const ALL: [Target; 8] = [
        Target::TasksCsv,
        Target::Electricity,
        Target::Idx,
        Target::Cifar,
        Target::ImageFolders,
        Target::Grid,
        Target::SavedCascade,
        Target::PlanFolder,
    ];

    /// The target's name: its fuzz target's and its corpus folder's (`fuzz/corpus/NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Target::TasksCsv => "tasks_csv",
            Target::Electricity => "electricity",
            Target::Idx => "idx",
            Target::Cifar => "cifar",
            Target::ImageFolders => "image_folders",
            Target::Grid => "grid",
            Target::SavedCascade => "saved_cascade",
            Target::PlanFolder => "plan_folder",
        }
    }

    /// The target named `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The fixed, valid header of [`Target::Electricity`] inputs.
pub const ELECTRICITY_HEADER: &str = "timestamp,node,consumption\n";

/// Reads `data` as `target`'s reader does. `Ok` when it was read, `Err` with the message the
/// command would print when it was refused (after `error: `, control characters escaped).
pub fn run(target: Target, data: &[u8]) -> Result<(), String> {
    let result = match target {
        Target::TasksCsv => tasks_csv(data),
        Target::Electricity => electricity(data),
        Target::Idx => idx(data),
        Target::Cifar => cifar(data),
        Target::ImageFolders => image_folders(data),
        Target::Grid => grid(data),
        Target::SavedCascade => folders::saved_cascade(data),
        Target::PlanFolder => folders::plan_folder(data),
    };
    result.map_err(|e| crate::error::one_line(&e.to_string()))
}

/// [`run`], then a panic if the refusal's message is not one line (what a fuzz target and the
/// corpus replay call: a panic is a finding).
pub fn check(target: Target, data: &[u8]) {
    if let Err(message) = run(target, data) {
        assert!(
            !message.contains('\n') && !message.trim().is_empty(),
            "{}: the refusal is not one line: {message:?}",
            target.name()
        );
    }
}

/// Valid inputs of `target`, the seeds of its corpus (kept in `fuzz/seeds/NAME/seed-N`).
pub fn seeds(target: Target) -> Result<Vec<Vec<u8>>, String> {
    Ok(match target {
        Target::TasksCsv => vec![TASKS_CSV.as_bytes().to_vec()],
        Target::Electricity => vec![electricity_body().into_bytes()],
        Target::Idx => vec![
            [&[0], &idx_seed(true)[..]].concat(),
            [&[1], &idx_seed(false)[..]].concat(),
        ],
        Target::Cifar => vec![cifar_seed()],
        Target::ImageFolders => vec![png(4, 4, 40)],
        Target::Grid => vec![
            [b"\0".as_slice(), GRID_TOML.as_bytes()].concat(),
            [b"\x01".as_slice(), GRID_JSON.as_bytes()].concat(),
        ],
        Target::SavedCascade => folders::seeds_of(&folders::base().saved)?,
        Target::PlanFolder => folders::seeds_of(&folders::base().plan)?,
    })
}

pub(super) const TASKS_CSV: &str = "task,y,x1,x2,colour\n\
a,1.5,0.1,2,red\na,2.5,0.3,1,blue\na,0.5,0.2,3,red\na,1.0,0.9,0,blue\na,2.0,0.4,1,red\n\
b,3.5,1.1,2,blue\nb,2.5,1.3,1,red\nb,4.5,1.2,3,blue\nb,3.0,1.9,0,red\nb,4.0,1.4,1,blue\n";

const GRID_TOML: &str = "reps = 2\nstack = 1\n[base]\ntasks = 6\nmethods = [\"indiv\", \
\"mst-gradient\"]\n[axes]\nbudget = [60, 120]\ntau-within = [2.5]\n";

const GRID_JSON: &str = "{\"reps\": 2, \"base\": {\"tasks\": 6, \"data\": [\"tasks-csv\", \
\"clients.csv\"]}, \"axes\": {\"budget\": [60, 120]}}";

/// This process's folder: the base folders, and a folder of inputs a thread.
pub(super) fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cascade-fuzz-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    })
}

/// Where this thread writes its inputs (tests replay in parallel threads).
pub(super) fn work() -> PathBuf {
    root().join(format!("{:?}", std::thread::current().id()).replace(['(', ')'], ""))
}

/// Removes the files this process wrote (the fuzz targets leave theirs to the system's
/// temporary folder; the replay test calls this).
pub fn clean_up() {
    let _ = fs::remove_dir_all(root());
}

pub(super) fn write(path: &Path, data: &[u8]) -> Result<(), CliError> {
    let error = |source| CliError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(error)?;
    }
    fs::write(path, data).map_err(error)
}

/// The command line `cascade ARGS`, parsed as the binary parses it.
pub(super) fn command(args: &[&str]) -> Result<Command, CliError> {
    let argv = std::iter::once("cascade").chain(args.iter().copied());
    crate::parse(argv).map_err(|e| CliError::Usage {
        option: "fuzz",
        reason: crate::usage_line(&e),
    })
}

/// Reads repetition 0 of `--data ARGS` as `cascade run` does.
fn read_data(args: &[&str]) -> Result<(), CliError> {
    let Command::Run(run) = command(&[&["run"], args].concat())? else {
        unreachable!("a run command line parses as Command::Run")
    };
    Session::read(&run.data, &run.source, &run.method, 0).map(|_| ())
}

fn tasks_csv(data: &[u8]) -> Result<(), CliError> {
    let path = work().join("tasks.csv");
    write(&path, data)?;
    let path = path.display().to_string();
    let data = ["--data", "tasks-csv", &path, "--task-column", "task"];
    read_data(&[&data[..], &["--target", "y", "--min-train-rows", "1"]].concat())
}

/// Four days of half-hourly readings of two nodes, the test range the last day.
fn electricity_body() -> String {
    let mut out = String::new();
    for day in 1..=4 {
        for half in 0..48 {
            for node in ["n1", "n2"] {
                let value = 1.0 + (half as f64 / 7.0).sin() + day as f64 * 0.1;
                out += &format!(
                    "2016-01-0{day} {:02}:{:02}:00,{node},{value:.3}\n",
                    half / 2,
                    30 * (half % 2)
                );
            }
        }
    }
    out
}

fn electricity(data: &[u8]) -> Result<(), CliError> {
    let path = work().join("electricity.csv");
    write(&path, &[ELECTRICITY_HEADER.as_bytes(), data].concat())?;
    let path = path.display().to_string();
    read_data(&[
        "--data",
        "electricity",
        &path,
        "--lags",
        "4",
        "--train-range",
        "2016-01-01..2016-01-03",
        "--test-range",
        "2016-01-04..2016-01-04",
        "--fill-gaps",
        "2",
    ])
}

fn idx_seed(images: bool) -> Vec<u8> {
    if images {
        let mut out = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3];
        out.extend((0..18).map(|i| (i * 14) as u8));
        out
    } else {
        vec![0, 0, 8, 1, 0, 0, 0, 3, 4, 0, 9]
    }
}

fn idx(data: &[u8]) -> Result<(), CliError> {
    let Some((&which, body)) = data.split_first() else {
        return Ok(());
    };
    let path = work().join("data.idx");
    write(&path, body)?;
    if which % 2 == 0 {
        cascade_data::images::read_idx_images(&path)?;
    } else {
        cascade_data::images::read_idx_labels(&path)?;
    }
    Ok(())
}

fn cifar_seed() -> Vec<u8> {
    (0..2)
        .flat_map(|label| std::iter::once(label as u8).chain((0..3072).map(|i| (i % 251) as u8)))
        .collect()
}

fn cifar(data: &[u8]) -> Result<(), CliError> {
    let path = work().join("data_batch.bin");
    write(&path, data)?;
    cascade_data::images::read_cifar_batch(&path)?;
    Ok(())
}

/// A `w x h` grayscale PNG of one shade.
fn png(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let image = image::GrayImage::from_pixel(w, h, image::Luma([shade]));
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("a small PNG encodes");
    out.into_inner()
}

fn image_folders(data: &[u8]) -> Result<(), CliError> {
    let dir = work().join("clients");
    if !dir.exists() {
        for (client, class, i) in [
            ("a", "c0", 0),
            ("a", "c1", 1),
            ("a", "c1", 2),
            ("b", "c0", 3),
            ("b", "c0", 4),
            ("b", "c1", 5),
            ("b", "c1", 6),
        ] {
            let path = dir.join(client).join(class).join(format!("{i}.png"));
            write(&path, &png(4, 4, 30 * i as u8))?;
        }
    }
    write(&dir.join("a").join("c0").join("fuzz.png"), data)?;
    let dir = dir.display().to_string();
    read_data(&[
        "--data",
        "image-tasks",
        &dir,
        "--test-fraction",
        "0.34",
        "--pca",
        "3",
        "--min-train-rows",
        "1",
    ])
}

fn grid(data: &[u8]) -> Result<(), CliError> {
    let Some((&which, body)) = data.split_first() else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(body);
    let file = GridFile::parse(&text, which % 2 == 1, "fuzz.grid")?;
    file.settings("fuzz.grid").map(|_| ())
}
