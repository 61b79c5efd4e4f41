//! Writing a whole folder atomically: into a fresh sibling (`.NAME.partial-PID`), renamed into
//! place last, so that a save killed at any point leaves the previous folder or the new one,
//! never a mix that loads wrongly.

use std::fs;
use std::path::{Path, PathBuf};

use super::store::store_error;
use crate::CascadeError;

/// A sibling of `dir` named `.NAME.KIND-PID`.
pub(crate) fn sibling(dir: &Path, kind: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!(".{name}.{kind}-{}", std::process::id()))
}

/// An error unless `dir` may be replaced by a save: missing, empty, or holding `marker` (the
/// file every save writes), so that a save never deletes a folder of something else.
pub(crate) fn check_replaceable(dir: &Path, marker: &str) -> Result<(), CascadeError> {
    let Ok(mut entries) = fs::read_dir(dir) else {
        if dir.exists() {
            return Err(store_error(dir, "exists and is not a folder"));
        }
        return Ok(());
    };
    if entries.next().is_none() || dir.join(marker).is_file() {
        return Ok(());
    }
    Err(store_error(
        dir,
        format!("holds files but no {marker}; save into a new or empty folder"),
    ))
}

/// Calls `write` on a fresh partial folder beside `dir`, then puts it in `dir`'s place (the
/// previous `dir`, if any, is removed only after the new one is in place).
pub(crate) fn write_atomically(
    dir: &Path,
    marker: &str,
    write: impl FnOnce(&Path) -> Result<(), CascadeError>,
) -> Result<(), CascadeError> {
    check_replaceable(dir, marker)?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| store_error(parent, e))?;
    }
    let partial = sibling(dir, "partial");
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(|e| store_error(&partial, e))?;
    }
    fs::create_dir_all(&partial).map_err(|e| store_error(&partial, e))?;
    if let Err(e) = write(&partial) {
        let _ = fs::remove_dir_all(&partial);
        return Err(e);
    }
    if dir.exists() {
        let old = sibling(dir, "old");
        fs::rename(dir, &old).map_err(|e| store_error(dir, e))?;
        fs::rename(&partial, dir).map_err(|e| store_error(dir, e))?;
        fs::remove_dir_all(&old).map_err(|e| store_error(&old, e))?;
    } else {
        fs::rename(&partial, dir).map_err(|e| store_error(dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &Path) -> String {
        fs::read_to_string(dir.join("manifest.json")).unwrap()
    }

    fn save(dir: &Path, text: &str) -> Result<(), CascadeError> {
        write_atomically(dir, "manifest.json", |partial| {
            fs::write(partial.join("manifest.json"), text).map_err(|e| store_error(partial, e))
        })
    }

    #[test]
    fn a_save_that_fails_or_dies_midway_leaves_the_previous_folder() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("out");
        save(&dir, "first").unwrap();
        // A write that fails halfway.
        let failed = write_atomically(&dir, "manifest.json", |partial| {
            fs::write(partial.join("manifest.json"), "half").unwrap();
            Err(store_error(partial, "disk full"))
        });
        assert!(failed.unwrap_err().to_string().contains("disk full"));
        assert_eq!(read(&dir), "first");
        // A write that dies (a panic stands for the process being killed mid-write).
        let died = std::panic::catch_unwind(|| {
            write_atomically(&dir, "manifest.json", |partial| {
                fs::write(partial.join("manifest.json"), "half").unwrap();
                panic!("killed");
            })
        });
        assert!(died.is_err());
        assert_eq!(read(&dir), "first");
        save(&dir, "second").unwrap();
        assert_eq!(read(&dir), "second");
        let names: Vec<_> = fs::read_dir(temp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !n.contains("partial"))
            .collect();
        assert_eq!(
            names,
            ["out"],
            "the previous folder is removed once replaced"
        );
    }

    #[test]
    fn a_folder_of_something_else_is_never_replaced() {
        let temp = tempfile::tempdir().unwrap();
        fs::write(temp.path().join("thesis.tex"), "precious").unwrap();
        let error = save(temp.path(), "x").unwrap_err().to_string();
        assert!(
            error.contains("holds files but no manifest.json"),
            "{error}"
        );
        assert_eq!(
            fs::read_to_string(temp.path().join("thesis.tex")).unwrap(),
            "precious"
        );
    }
}
