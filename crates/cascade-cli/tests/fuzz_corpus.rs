//! Replays every seed (`fuzz/seeds/NAME/*`), every input the fuzzers kept
//! (`fuzz/corpus/NAME/*`) and every crash they found
//! (`fuzz/artifacts/NAME/*`) through the reader its target drives, on the stable toolchain:
//! each must be read, or refused with a one-line message, never panic. So CI guards what
//! `scripts/fuzz` found once it is fixed.
//!
//! The seeds the corpora start from are made by `cascade_cli::fuzzing::seeds` and kept in
//! `fuzz/seeds/NAME/seed-N`; a test checks that they are all there and all still read.
//! After a change to a format, refresh them with
//! `CASCADE_WRITE_SEEDS=1 cargo test --release --workspace --test fuzz_corpus`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use cascade_cli::fuzzing::{Target, check, clean_up, run, seeds};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir`, sorted; none if it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// One test, so that the two checks do not share the readers' work folder from two threads.
#[test]
fn kept_seeds_are_current_and_every_kept_input_is_read_or_refused_in_one_line() {
    the_kept_seeds_are_current_and_valid();
    every_kept_input_is_read_or_refused_in_one_line();
    clean_up();
}

fn every_kept_input_is_read_or_refused_in_one_line() {
    let mut failures = Vec::new();
    let mut total = 0;
    for target in Target::ALL {
        let corpus = files(&fuzz_dir().join("corpus").join(target.name()));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{} is empty: run scripts/fuzz",
            target.name()
        );
        let seeds = files(&fuzz_dir().join("seeds").join(target.name()));
        let crashes = files(&fuzz_dir().join("artifacts").join(target.name()));
        for path in seeds.iter().chain(&corpus).chain(&crashes) {
            let data = std::fs::read(path).unwrap();
            total += 1;
            // A panic is a finding: name the file and go on, so one run lists them all.
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(target, &data))) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{}: {message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} kept inputs panicked:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn the_kept_seeds_are_current_and_valid() {
    let write = std::env::var_os("CASCADE_WRITE_SEEDS").is_some();
    for target in Target::ALL {
        let dir = fuzz_dir().join("seeds").join(target.name());
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            for (i, seed) in seeds(target).unwrap().iter().enumerate() {
                std::fs::write(dir.join(format!("seed-{i}")), seed).unwrap();
            }
        }
        // Saved files hold training times, so a fresh seed need not equal the kept one byte
        // for byte; what matters is that the kept seeds still read, and there are as many.
        let kept: Vec<PathBuf> = files(&dir)
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("seed-")
            })
            .collect();
        let fresh = seeds(target).unwrap();
        assert!(
            !fresh.is_empty() && kept.len() == fresh.len(),
            "{} keeps {} seeds, the target makes {}; refresh with CASCADE_WRITE_SEEDS=1 cargo \
             test --release --workspace --test fuzz_corpus",
            dir.display(),
            kept.len(),
            fresh.len()
        );
        for path in kept {
            // A seed the reader refuses would start the fuzzer at the door.
            if let Err(e) = run(target, &std::fs::read(&path).unwrap()) {
                panic!("{} is refused: {e}", path.display());
            }
        }
    }
}
