//! The results directory of a grid: `grid.json` says which grid it holds, and `cells/` holds
//! one file per finished cell (a group of settings x a block of repetitions), each written
//! atomically (temporary file, fsync, rename) the moment the cell finishes. A killed run loses
//! at most the cell in progress; rerunning the same command skips the cells on disk.

use std::fs;
use std::path::{Path, PathBuf};

use cascade::train::TrainedBy;
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::output::{write_atomic, write_json};

/// What identifies a grid's results: every setting's complete arguments, the repetitions and
/// how they are blocked into cells. Results of another grid are never mixed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Repetitions per setting.
    pub reps: usize,
    /// Repetitions per cell.
    pub stack: usize,
    /// Per setting, its label and its `cascade run` arguments as JSON.
    pub settings: Vec<(String, serde_json::Value)>,
}

/// One repetition of one method in one setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepResult {
    /// Mean test MSE over tasks (the Brier score for binary labels).
    pub mse: f64,
    /// Mean test RMSE over tasks.
    pub rmse: f64,
    /// Mean test accuracy over tasks (binary labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Gradient steps used.
    pub steps: usize,
    /// Wall-clock seconds of the method's training and evaluation.
    pub seconds: f64,
}

/// A method's tree in repetition 0, with each task's test error, for the tree figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeRecord {
    /// Each task's parent (`None` for a root).
    pub parents: Vec<Option<usize>>,
    /// Each task's test error in the grid's metric units (MSE, RMSE or accuracy).
    pub errors: Vec<f64>,
}

/// One method in one setting of a cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellMethod {
    /// The method's name.
    pub method: String,
    /// Per repetition of the cell, in order.
    pub reps: Vec<RepResult>,
    /// The tree of repetition 0 (only in the cell holding it; not for Global).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<TreeRecord>,
    /// Warnings about the plan of the cell's first repetition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The executor and device that trained the cell (absent in cells of older releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_by: Option<TrainedBy>,
}

/// One setting in a cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellSetting {
    /// The setting's index in the grid.
    pub setting: usize,
    /// Its methods, in order.
    pub methods: Vec<CellMethod>,
}

/// A finished cell: some settings (one group, trained together) x a block of repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The group's index.
    pub group: usize,
    /// The repetitions it holds (0-based), in order.
    pub reps: Vec<usize>,
    /// What the data are (first repetition of the cell).
    pub data: String,
    /// Number of tasks.
    pub tasks: usize,
    /// Wall-clock seconds the cell took.
    pub seconds: f64,
    /// Its settings.
    pub settings: Vec<CellSetting>,
}

/// A grid's results directory.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Opens `dir` for `manifest`: creates it, or checks that the grid it holds is this one.
    pub fn open(dir: &Path, manifest: &Manifest) -> Result<Self, CliError> {
        let store = Self {
            dir: dir.to_path_buf(),
        };
        let path = store.manifest_path();
        if path.exists() {
            let text = fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
            let held: Manifest = serde_json::from_str(&text).map_err(|e| CliError::Grid {
                origin: path.display().to_string(),
                reason: format!("not a grid manifest: {e}"),
            })?;
            if &held != manifest {
                return Err(CliError::Grid {
                    origin: dir.display().to_string(),
                    reason: format!(
                        "the folder holds results of another grid ({}); use another --out, \
                         or delete the folder to start over",
                        difference(&held, manifest)
                    ),
                });
            }
        } else {
            write_json(&path, manifest)?;
        }
        Ok(store)
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join("grid.json")
    }

    fn cell_path(&self, group: usize, reps: &[usize]) -> PathBuf {
        let (first, last) = (reps[0], reps[reps.len() - 1]);
        self.dir
            .join("cells")
            .join(format!("group{group:03}-reps{first:04}-{last:04}.json"))
    }

    /// The cell of `group` and `reps`, if it was saved.
    pub fn load(&self, group: usize, reps: &[usize]) -> Result<Option<Cell>, CliError> {
        let path = self.cell_path(group, reps);
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
        let cell: Cell = serde_json::from_str(&text).map_err(|e| CliError::Grid {
            origin: path.display().to_string(),
            reason: format!("unreadable cell ({e}); delete it to compute it again"),
        })?;
        if cell.group != group || cell.reps != reps {
            return Err(CliError::Grid {
                origin: path.display().to_string(),
                reason: "the cell holds other repetitions than its name says; delete it".into(),
            });
        }
        Ok(Some(cell))
    }

    /// Saves a finished cell atomically.
    pub fn save(&self, cell: &Cell) -> Result<(), CliError> {
        let mut text = serde_json::to_vec(cell)?;
        text.push(b'\n');
        write_atomic(&self.cell_path(cell.group, &cell.reps), &text)
    }

    /// A file in the results directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn read_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::Grid {
        origin: path.display().to_string(),
        reason: format!("cannot read it: {e}"),
    }
}

/// What differs between the grid on disk and this one, in a few words.
fn difference(held: &Manifest, new: &Manifest) -> String {
    if held.reps != new.reps {
        return format!("reps {} there, {} here", held.reps, new.reps);
    }
    if held.stack != new.stack {
        return format!("stack {} there, {} here", held.stack, new.stack);
    }
    if held.settings.len() != new.settings.len() {
        return format!(
            "{} settings there, {} here",
            held.settings.len(),
            new.settings.len()
        );
    }
    for (i, ((held_label, held_args), (label, args))) in
        held.settings.iter().zip(&new.settings).enumerate()
    {
        if held_label != label {
            return format!("setting {} is '{held_label}' there, '{label}' here", i + 1);
        }
        if let (Some(a), Some(b)) = (held_args.as_object(), args.as_object()) {
            for (key, value) in b {
                if a.get(key) != Some(value) {
                    return format!("setting {} ({label}) differs in '{key}'", i + 1);
                }
            }
        }
        if held_args != args {
            return format!("setting {} ({label}) differs", i + 1);
        }
    }
    "it differs".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(eta: f64) -> Manifest {
        Manifest {
            reps: 2,
            stack: 1,
            settings: vec![(
                "budget=100".into(),
                serde_json::json!({"method": {"eta": eta}}),
            )],
        }
    }

    #[test]
    fn cells_round_trip_and_other_grids_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &manifest(0.1)).unwrap();
        assert_eq!(store.load(0, &[0]).unwrap(), None);
        let cell = Cell {
            group: 0,
            reps: vec![0],
            data: "d".into(),
            tasks: 3,
            seconds: 1.5,
            settings: vec![CellSetting {
                setting: 0,
                methods: vec![CellMethod {
                    method: "indiv".into(),
                    reps: vec![RepResult {
                        mse: 0.1 + 0.2,
                        rmse: 1.0 / 3.0,
                        accuracy: None,
                        steps: 100,
                        seconds: 0.25,
                    }],
                    tree: Some(TreeRecord {
                        parents: vec![None, Some(0), Some(0)],
                        errors: vec![1.0, 2.0, 3.0],
                    }),
                    notes: vec![],
                    trained_by: Some(cascade::train::TrainedBy::host("host-linear")),
                }],
            }],
        };
        store.save(&cell).unwrap();
        assert_eq!(store.load(0, &[0]).unwrap(), Some(cell));
        // The same grid reopens; another one is refused with what differs.
        Store::open(dir.path(), &manifest(0.1)).unwrap();
        let err = Store::open(dir.path(), &manifest(0.2))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("differs in 'method'"), "{err}");
    }

    #[test]
    fn a_corrupt_cell_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &manifest(0.1)).unwrap();
        let path = dir.path().join("cells").join("group000-reps0000-0000.json");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "{\"group\": 0").unwrap();
        let err = store.load(0, &[0]).unwrap_err().to_string();
        assert!(err.contains("group000-reps0000-0000.json"), "{err}");
        assert!(err.contains("delete it"), "{err}");
    }
}
