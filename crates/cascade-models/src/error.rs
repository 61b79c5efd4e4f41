use thiserror::Error;

/// Errors of model construction and device selection.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// The named backend was not compiled into this build.
    #[error(
        "device '{0}' is not available in this build; rebuild with `--features {0}` (compiled in: {1})"
    )]
    BackendNotCompiled(&'static str, String),
    /// The backend is compiled in but cannot run here (no usable GPU adapter, say).
    #[error("device '{0}' cannot run on this machine: {1}")]
    DeviceUnavailable(&'static str, String),
    /// The name is not a known backend.
    #[error("unknown device '{0}'; expected one of: flex, ndarray, wgpu, cuda")]
    UnknownBackend(String),
    /// The name is not a known model.
    #[error(
        "unknown model '{0}'; expected one of: linear, simple-mlp[:hidden], residual-mlp[:hidden[,eps]], logistic, small-cnn[:width], resnet8[:width]"
    )]
    UnknownModel(String),
    /// A convolutional model was asked for on data that are not images.
    #[error("model '{0}' needs image data (fashion-mnist, cifar10 or image-folder without PCA)")]
    NeedsImages(String),
    /// A model setting is out of range.
    #[error("invalid model setting {name} = {value}: {reason}")]
    InvalidSetting {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A task index passed to a gather is out of range.
    #[error("task index {index} is out of range for a model of {tasks} tasks")]
    TaskOutOfRange {
        /// The index asked for.
        index: usize,
        /// Tasks the model holds.
        tasks: usize,
    },
}
