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
