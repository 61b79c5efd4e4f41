use thiserror::Error;

/// Everything that can go wrong while building or reading a task collection.
#[derive(Debug, Error, PartialEq)]
pub enum DataError {
    /// The collection holds no task at all.
    #[error("the task set is empty: at least one task is needed")]
    Empty,
    /// Two tasks disagree on the number of features.
    #[error("task '{task}' has {found} features, but task '{first}' has {expected}")]
    FeatureMismatch {
        /// The task.
        task: String,
        /// The first task.
        first: String,
        /// What was expected.
        expected: usize,
        /// What was found.
        found: usize,
    },
    /// A split's feature matrix and target vector disagree on the number of rows.
    #[error("task '{task}', {split} split: X has {x_rows} rows but y has {y_rows} values")]
    RowMismatch {
        /// The task.
        task: String,
        /// The split (`train` or `test`).
        split: &'static str,
        /// Rows of X.
        x_rows: usize,
        /// Values of y.
        y_rows: usize,
    },
    /// A split has no rows.
    #[error("task '{task}' has an empty {split} split")]
    EmptySplit {
        /// The task.
        task: String,
        /// The split (`train` or `test`).
        split: &'static str,
    },
    /// A value is NaN or infinite.
    #[error("task '{task}', {split} split, row {row}, {column}: value {value} is not finite")]
    NonFinite {
        /// The task.
        task: String,
        /// The split (`train` or `test`).
        split: &'static str,
        /// The row (0-based within the split).
        row: usize,
        /// The column.
        column: String,
        /// The value given.
        value: f64,
    },
    /// Two tasks share one id.
    #[error("task id '{0}' appears twice: task ids must be unique")]
    DuplicateId(String),
    /// A generator setting is out of its valid range.
    #[error("invalid setting {name} = {value}: {reason}")]
    InvalidSetting {
        /// The setting.
        name: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A binary task set holds a target other than 0 or 1.
    #[error("task '{task}', {split} split, row {row}: label {value} is not 0 or 1")]
    NotBinary {
        /// The task.
        task: String,
        /// The split (`train` or `test`).
        split: &'static str,
        /// The row (0-based within the split).
        row: usize,
        /// The value given.
        value: f64,
    },
    /// A class target is not one of the class indices.
    #[error(
        "task '{task}', {split} split, row {row}: target {value} is not a class index 0..{classes}"
    )]
    NotClass {
        /// The task.
        task: String,
        /// The split (`train` or `test`).
        split: &'static str,
        /// The row (0-based within the split).
        row: usize,
        /// The value given.
        value: f64,
        /// Number of classes.
        classes: usize,
    },
    /// Holding out validation rows would leave a task without a training or a validation row.
    #[error(
        "task '{task}' has {rows} training row(s): a validation fraction of {fraction} holds out {validation} and leaves {train} to train on, but each side needs at least 1 row"
    )]
    CannotHoldOut {
        /// The task.
        task: String,
        /// Rows it has.
        rows: usize,
        /// The validation fraction.
        fraction: f64,
        /// Rows held out for validation.
        validation: usize,
        /// Rows left to train on.
        train: usize,
    },
    /// A file cannot be opened or read.
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A line of a text file is malformed (line numbers are 1-based, the header is line 1).
    #[error("{path}, line {line}: {message}")]
    Parse {
        /// The file or directory.
        path: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A binary file is malformed: wrong magic number, truncated, inconsistent sizes.
    #[error("{path}: {message}")]
    Format {
        /// The file or directory.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A column named in the settings is not in the file's header.
    #[error("{path}: no column '{column}' (the header has: {available})")]
    MissingColumn {
        /// The file or directory.
        path: String,
        /// The column.
        column: String,
        /// What is available.
        available: String,
    },
    /// Nothing usable is left after reading (every task skipped, say); the message says why.
    #[error("{path}: {message}")]
    NoUsableTasks {
        /// The file or directory.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A class holds fewer images than each task draws from it (image pair tasks).
    #[error(
        "class '{class}' has {found} {split} images, but each task draws {needed} from each class"
    )]
    TooFewImages {
        /// The class.
        class: String,
        /// The split (`train` or `test`).
        split: &'static str,
        /// What was found.
        found: usize,
        /// Images needed.
        needed: usize,
    },
}

impl DataError {
    /// An [`DataError::Io`] for `path` from an I/O error.
    pub fn io(path: &std::path::Path, err: &std::io::Error) -> Self {
        DataError::Io {
            path: path.display().to_string(),
            message: err.to_string(),
        }
    }
}
