use std::fmt;
use std::str::FromStr;

use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::cnn::SmallCnn;
use crate::conv::ConvLayout;
use crate::layer::{TaskLinear, task_rngs};
use crate::logistic::LogisticModel;
use crate::resnet::ResNet8;
use crate::{ModelError, TaskModule};

/// Which model every task uses (all tasks share one architecture, SPEC 5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ModelKind {
    /// `d -> k` with bias (`k = 1` for regression and binary labels, the number of classes
    /// otherwise: softmax regression).
    Linear,
    /// `d -> hidden -> ReLU -> 1` (SPEC default hidden 32).
    SimpleMlp {
        /// Hidden width.
        hidden: usize,
    },
    /// `linear(x) + eps * mlp(x)` with a `d -> hidden -> ReLU -> 1` MLP (default hidden 32,
    /// eps 0.1; the paper's electricity runs used hidden 50, eps 0.03).
    ResidualMlp {
        /// Hidden width of the MLP branch.
        hidden: usize,
        /// Weight of the MLP branch.
        eps: f64,
    },
    /// `d -> 1` without bias, for binary labels: the output is a logit (SPEC 5).
    Logistic,
    /// ResNet-8 on raw images ([`ResNet8`]): a 3x3 stem of `width` filters, three residual
    /// blocks of `width`, `2 width` and `4 width` filters, global average pooling.
    ResNet8 {
        /// Stem filters (default 16).
        width: usize,
        /// Input image `[channels, height, width]`; set from the data by [`ModelKind::for_data`].
        image: Option<[usize; 3]>,
        /// How the convolutions run (default: the device's choice).
        #[serde(default)]
        conv: ConvLayout,
    },
    /// A small CNN on raw images ([`SmallCnn`]): two 3x3 convolutions (`width`, then
    /// `2 width` filters) with ReLU and 2x2 max pooling, then a linear output.
    SmallCnn {
        /// Filters of the first convolution (default 8).
        width: usize,
        /// Input image `[channels, height, width]`; set from the data by [`ModelKind::for_data`].
        image: Option<[usize; 3]>,
        /// How the convolutions run (default: the device's choice).
        #[serde(default)]
        conv: ConvLayout,
    },
}

impl ModelKind {
    /// The MLP defaults of SPEC 5: `simple-mlp` with hidden 32.
    pub const SIMPLE_MLP: ModelKind = ModelKind::SimpleMlp { hidden: 32 };
    /// The residual defaults of SPEC 5: hidden 32, eps 0.1.
    pub const RESIDUAL_MLP: ModelKind = ModelKind::ResidualMlp {
        hidden: 32,
        eps: 0.1,
    };

    /// The CNN defaults: 8 filters, image shape taken from the data.
    pub const SMALL_CNN: ModelKind = ModelKind::SmallCnn {
        width: 8,
        image: None,
        conv: ConvLayout::Auto,
    };

    /// The same model with its convolutions in `layout` (models without convolutions are
    /// unchanged).
    pub fn with_conv(self, layout: ConvLayout) -> Self {
        match self {
            ModelKind::SmallCnn { width, image, .. } => ModelKind::SmallCnn {
                width,
                image,
                conv: layout,
            },
            ModelKind::ResNet8 { width, image, .. } => ModelKind::ResNet8 {
                width,
                image,
                conv: layout,
            },
            other => other,
        }
    }

    /// The convolution layout of a CNN (`None` for models without convolutions).
    pub fn conv(&self) -> Option<ConvLayout> {
        match *self {
            ModelKind::SmallCnn { conv, .. } | ModelKind::ResNet8 { conv, .. } => Some(conv),
            _ => None,
        }
    }

    /// Whether the model reads raw images (the CNNs): [`ModelKind::for_data`] then needs an
    /// image shape.
    pub fn reads_images(&self) -> bool {
        matches!(self, ModelKind::SmallCnn { .. } | ModelKind::ResNet8 { .. })
    }

    /// The model for data with `d_in` features, whose rows are images of shape `image` when
    /// given: a CNN takes the image shape from there (and needs one of at least 4x4 pixels);
    /// other models are unchanged.
    pub fn for_data(self, d_in: usize, image: Option<[usize; 3]>) -> Result<Self, ModelError> {
        let (width, resnet, conv) = match self {
            ModelKind::SmallCnn { width, conv, .. } => (width, false, conv),
            ModelKind::ResNet8 { width, conv, .. } => (width, true, conv),
            _ => return Ok(self),
        };
        match image {
            Some([c, h, w]) if c * h * w == d_in && h >= 4 && w >= 4 => Ok(if resnet {
                ModelKind::ResNet8 {
                    width,
                    image: Some([c, h, w]),
                    conv,
                }
            } else {
                ModelKind::SmallCnn {
                    width,
                    image: Some([c, h, w]),
                    conv,
                }
            }),
            Some(shape) => Err(ModelError::InvalidSetting {
                name: "image shape",
                value: format!("{shape:?}"),
                reason: "small-cnn needs images of at least 4x4 pixels matching the features",
            }),
            None => Err(ModelError::NeedsImages(self.to_string())),
        }
    }

    /// Checks the hyper-parameters' ranges.
    pub fn validate(&self) -> Result<(), ModelError> {
        let hidden = match *self {
            ModelKind::Linear | ModelKind::Logistic => return Ok(()),
            ModelKind::SmallCnn { width, .. } | ModelKind::ResNet8 { width, .. } => width,
            ModelKind::SimpleMlp { hidden } => hidden,
            ModelKind::ResidualMlp { hidden, eps } => {
                if !eps.is_finite() {
                    return Err(ModelError::InvalidSetting {
                        name: "eps",
                        value: eps.to_string(),
                        reason: "must be finite",
                    });
                }
                hidden
            }
        };
        if hidden == 0 {
            return Err(ModelError::InvalidSetting {
                name: "hidden",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        Ok(())
    }

    /// Initialises one model per task, `T = task_seeds.len()`, for `d_in` input features.
    /// Task `t`'s parameters depend only on `task_seeds[t]`.
    ///
    /// A CNN must have its image shape set ([`ModelKind::for_data`]); without one it reads each
    /// row as a one-channel square image when `d_in` is a square, and as a `1 x 1 x d_in`
    /// strip otherwise (callers should not rely on this).
    pub fn init(&self, d_in: usize, task_seeds: &[u64], device: &Device) -> TaskModel {
        self.init_with_outputs(d_in, 1, task_seeds, device)
    }

    /// Like [`ModelKind::init`], with `outputs` outputs per task (`k` class logits).
    pub fn init_with_outputs(
        &self,
        d_in: usize,
        outputs: usize,
        task_seeds: &[u64],
        device: &Device,
    ) -> TaskModel {
        let k = outputs;
        let mut rngs = task_rngs(task_seeds);
        match *self {
            ModelKind::Logistic => {
                TaskModel::Logistic(LogisticModel::init(d_in, k, &mut rngs, device))
            }
            ModelKind::SmallCnn { width, image, conv } => TaskModel::SmallCnn(
                SmallCnn::init(cnn_image(image, d_in), width, k, &mut rngs, device).with_conv(conv),
            ),
            ModelKind::ResNet8 { width, image, conv } => TaskModel::ResNet8(
                ResNet8::init(cnn_image(image, d_in), width, k, &mut rngs, device).with_conv(conv),
            ),
            ModelKind::Linear => TaskModel::Linear(LinearModel {
                linear: TaskLinear::init(d_in, k, &mut rngs, device),
            }),
            ModelKind::SimpleMlp { hidden } => TaskModel::SimpleMlp(SimpleMlp {
                hidden: TaskLinear::init(d_in, hidden, &mut rngs, device),
                output: TaskLinear::init(hidden, k, &mut rngs, device),
            }),
            ModelKind::ResidualMlp { hidden, eps } => TaskModel::ResidualMlp(ResidualMlp {
                linear: TaskLinear::init(d_in, k, &mut rngs, device),
                mlp: SimpleMlp {
                    hidden: TaskLinear::init(d_in, hidden, &mut rngs, device),
                    output: TaskLinear::init(hidden, k, &mut rngs, device),
                },
                eps,
            }),
        }
    }

    /// Number of trainable parameters of one task's model with one output.
    pub fn params_per_task(&self, d_in: usize) -> usize {
        self.params_with_outputs(d_in, 1)
    }

    /// Number of trainable parameters of one task's model with `k` outputs.
    pub fn params_with_outputs(&self, d_in: usize, k: usize) -> usize {
        let mlp = |h: usize| d_in * h + h + h * k + k;
        match *self {
            ModelKind::Linear => (d_in + 1) * k,
            ModelKind::SimpleMlp { hidden } => mlp(hidden),
            ModelKind::ResidualMlp { hidden, .. } => (d_in + 1) * k + mlp(hidden),
            ModelKind::Logistic => d_in * k,
            ModelKind::SmallCnn { width, image, .. } => {
                let [c, h, w] = cnn_image(image, d_in);
                let conv = |c_in: usize, c_out: usize| c_out * c_in * 9 + c_out;
                conv(c, width) + conv(width, 2 * width) + (2 * width * (h / 4) * (w / 4) + 1) * k
            }
            ModelKind::ResNet8 { width, image, .. } => {
                ResNet8::params_per_task(cnn_image(image, d_in)[0], width, k)
            }
        }
    }
}

/// A CNN's input shape: the one set from the data, else each row read as a one-channel square
/// image when `d_in` is a square, and as a `1 x 1 x d_in` strip otherwise.
pub(crate) fn cnn_image(image: Option<[usize; 3]>, d_in: usize) -> [usize; 3] {
    image.unwrap_or_else(|| {
        let side = (d_in as f64).sqrt().round() as usize;
        if side * side == d_in {
            [1, side, side]
        } else {
            [1, 1, d_in]
        }
    })
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelKind::Linear => write!(f, "linear"),
            ModelKind::SimpleMlp { hidden } => write!(f, "simple-mlp:{hidden}"),
            ModelKind::ResidualMlp { hidden, eps } => write!(f, "residual-mlp:{hidden},{eps}"),
            ModelKind::Logistic => write!(f, "logistic"),
            ModelKind::SmallCnn { width, .. } => write!(f, "small-cnn:{width}"),
            ModelKind::ResNet8 { width, .. } => write!(f, "resnet8:{width}"),
        }
    }
}

impl FromStr for ModelKind {
    type Err = ModelError;

    /// `linear`, `simple-mlp[:hidden]`, `residual-mlp[:hidden[,eps]]`, `logistic`,
    /// `small-cnn[:width]`, `resnet8[:width]` (defaults of SPEC 5; the CNN's 8 filters are this crate's).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let (name, args) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
        let args: Vec<&str> = args.split(',').filter(|a| !a.is_empty()).collect();
        let bad = || ModelError::UnknownModel(s.to_string());
        let hidden = |default: usize| -> Result<usize, ModelError> {
            args.first()
                .map_or(Ok(default), |a| a.parse().map_err(|_| bad()))
        };
        let kind = match (name, args.len()) {
            ("linear", 0) => ModelKind::Linear,
            ("simple-mlp" | "mlp", 0..=1) => ModelKind::SimpleMlp {
                hidden: hidden(32)?,
            },
            ("residual-mlp" | "residual", 0..=2) => ModelKind::ResidualMlp {
                hidden: hidden(32)?,
                eps: args
                    .get(1)
                    .map_or(Ok(0.1), |a| a.parse().map_err(|_| bad()))?,
            },
            ("logistic", 0) => ModelKind::Logistic,
            ("small-cnn" | "cnn", 0..=1) => ModelKind::SmallCnn {
                width: hidden(8)?,
                image: None,
                conv: ConvLayout::Auto,
            },
            ("resnet8" | "resnet-8", 0..=1) => ModelKind::ResNet8 {
                width: hidden(16)?,
                image: None,
                conv: ConvLayout::Auto,
            },
            _ => return Err(bad()),
        };
        kind.validate()?;
        Ok(kind)
    }
}

/// A linear model per task: `x: [T, n, d] -> [T, n, k]`.
#[derive(Module, Debug)]
pub struct LinearModel {
    /// `[T, d, k]` weights and `[T, 1, k]` biases.
    pub linear: TaskLinear,
}

/// A one-hidden-layer ReLU network per task: `x: [T, n, d] -> [T, n, k]`.
#[derive(Module, Debug)]
pub struct SimpleMlp {
    /// `d -> hidden`.
    pub hidden: TaskLinear,
    /// `hidden -> k`.
    pub output: TaskLinear,
}

impl SimpleMlp {
    /// `x: [T, n, d]` -> `[T, n, k]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.output.forward(relu(self.hidden.forward(x)))
    }
}

/// A linear model plus a small MLP correction, per task: `linear(x) + eps * mlp(x)`.
#[derive(Module, Debug)]
pub struct ResidualMlp {
    /// The linear branch: `[T, d, k]`.
    pub linear: TaskLinear,
    /// The MLP branch.
    pub mlp: SimpleMlp,
    /// Weight of the MLP branch (a constant, not trained).
    pub eps: f64,
}

/// The models of `T` tasks sharing one architecture, as one Burn module.
#[derive(Module, Debug)]
pub enum TaskModel {
    /// See [`LinearModel`].
    Linear(LinearModel),
    /// See [`SimpleMlp`].
    SimpleMlp(SimpleMlp),
    /// See [`ResidualMlp`].
    ResidualMlp(ResidualMlp),
    /// See [`LogisticModel`].
    Logistic(LogisticModel),
    /// See [`SmallCnn`].
    SmallCnn(SmallCnn),
    /// See [`ResNet8`].
    ResNet8(ResNet8),
}

impl TaskModule for TaskModel {
    /// Predictions for every task (logits for classifiers): `x: [T, n, d]` -> `[T, n, k]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        match self {
            TaskModel::Linear(m) => m.linear.forward(x),
            TaskModel::SimpleMlp(m) => m.forward(x),
            TaskModel::ResidualMlp(m) => {
                m.linear.forward(x.clone()) + m.mlp.forward(x).mul_scalar(m.eps)
            }
            TaskModel::Logistic(m) => m.forward(x),
            TaskModel::SmallCnn(m) => m.forward(x),
            TaskModel::ResNet8(m) => m.forward(x),
        }
    }

    fn affine(&self) -> Option<&TaskLinear> {
        match self {
            TaskModel::Linear(m) => Some(&m.linear),
            _ => None,
        }
    }

    fn with_affine(self, layer: TaskLinear) -> Self {
        match self {
            TaskModel::Linear(_) => TaskModel::Linear(LinearModel { linear: layer }),
            other => other,
        }
    }
}
