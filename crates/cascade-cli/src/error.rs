use std::path::PathBuf;

use thiserror::Error;

/// Everything the `cascade` command can fail with; `main` prints it as one line.
#[derive(Debug, Error)]
pub enum CliError {
    /// The method failed or was given bad settings.
    #[error(transparent)]
    Cascade(#[from] cascade::CascadeError),
    /// The data could not be built or read.
    #[error(transparent)]
    Data(#[from] cascade_data::DataError),
    /// The model or device could not be set up.
    #[error(transparent)]
    Model(#[from] cascade_models::ModelError),
    /// A command-line value is invalid.
    #[error("invalid value for {option}: {reason}")]
    Usage {
        option: &'static str,
        reason: String,
    },
    /// The work would need more memory than the machine has available.
    #[error(
        "needs about {needs}; this machine has {available} available (--skip-memory-check goes \
         ahead anyway)"
    )]
    Memory {
        /// The total and its parts.
        needs: String,
        /// The memory available.
        available: String,
    },
    /// A file could not be written.
    #[error("cannot write '{path}': {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Something failed inside one repetition of a run.
    #[error("repetition {rep}: {source}")]
    InRepetition {
        rep: usize,
        #[source]
        source: Box<CliError>,
    },
    /// A grid file, preset or results folder is unusable.
    #[error("grid '{origin}': {reason}")]
    Grid { origin: String, reason: String },
    /// The user stopped a grid (Ctrl-C); its finished cells are saved.
    #[error(
        "interrupted: {saved} of {total} cells are saved in '{dir}'; run the same command again to resume"
    )]
    Interrupted {
        saved: usize,
        total: usize,
        dir: PathBuf,
    },
    /// A figure could not be drawn or written.
    #[error("cannot draw '{path}': {reason}")]
    Plot { path: PathBuf, reason: String },
    /// A plan folder of jobs is unusable, or a job cannot run yet.
    #[error("plan '{plan}': {reason}")]
    Jobs { plan: PathBuf, reason: String },
    /// A scheduler (Slurm) or a job process failed.
    #[error("{scheduler}: {reason}")]
    Scheduler {
        scheduler: &'static str,
        reason: String,
    },
    /// A check (`bench --check`) found results that should agree and do not.
    #[error("check failed: {0}")]
    Check(String),
    /// A value could not be turned into JSON.
    #[error("cannot serialise the results to JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A run took more gradient steps than the budget allows (a bug: never expected).
    #[error("{method} used {steps} gradient steps in {what}, more than the budget B = {budget}")]
    OverBudget {
        method: String,
        what: String,
        steps: usize,
        budget: usize,
    },
}

/// `text` on one line, as every error is printed: control characters (a newline inside a
/// quoted CSV header, a tab in a task name) are written as escapes (`\n`, `\t`, `\u{1b}`), so a
/// message that echoes the user's data stays one line whatever the data hold.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn control_characters_become_escapes_and_the_rest_stays() {
        assert_eq!(one_line("a\nb\tc\u{4}d é"), "a\\nb\\tc\\u{4}d é");
        assert_eq!(one_line("plain"), "plain");
    }
}
