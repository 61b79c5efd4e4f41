//! `--backbone`: a frozen SmallCnn trunk shared by all tasks (the research code's CascadeFM),
//! trained on each repetition's pooled training images or loaded from a Burn record; the
//! methods then train per-task heads on its features ([`cascade::backbone`]).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Instant;

use burn::prelude::Device;
use cascade::backbone::{FrozenBackbone, embed, load_backbone, pooled_backbone};
use cascade::train::{Eta, TrainConfig, objective_for};
use cascade_data::TaskSet;

use crate::error::CliError;

/// Filters of the backbone's first convolution.
const WIDTH: usize = 8;
/// Pooled training steps when `pooled` gives none.
const DEFAULT_STEPS: usize = 500;
/// The backbone's training: SGD at 0.05 on mini-batches of 32, clipped at 1.
const ETA: f64 = 0.05;
const BATCH: usize = 32;

/// What `--backbone` names: `pooled[:STEPS]` or `record:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackboneSpec {
    /// Trained on each repetition's pooled training images for `steps` steps.
    Pooled { steps: usize },
    /// Loaded from a small-cnn:8 Burn record.
    Record(PathBuf),
}

impl fmt::Display for BackboneSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackboneSpec::Pooled { steps } => write!(f, "pooled:{steps}"),
            BackboneSpec::Record(path) => write!(f, "record:{}", path.display()),
        }
    }
}

impl FromStr for BackboneSpec {
    type Err = String;

    /// `pooled[:STEPS]` (STEPS >= 1) or `record:PATH`.
    fn from_str(spec: &str) -> Result<Self, String> {
        let (name, arg) = spec.split_once(':').unwrap_or((spec, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "pooled" if arg.is_empty() => Ok(BackboneSpec::Pooled {
                steps: DEFAULT_STEPS,
            }),
            "pooled" => match arg.parse::<usize>() {
                Ok(steps) if steps >= 1 => Ok(BackboneSpec::Pooled { steps }),
                _ => Err(format!("'{spec}': pooled:STEPS needs STEPS >= 1")),
            },
            "record" if !arg.is_empty() => Ok(BackboneSpec::Record(PathBuf::from(arg))),
            _ => Err(format!("'{spec}'; expected pooled[:STEPS] or record:PATH")),
        }
    }
}

/// A `--backbone` and the device it runs on.
pub struct Backbone {
    kind: BackboneSpec,
    device: Device,
}

impl fmt::Display for Backbone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BackboneSpec::Pooled { steps } => {
                write!(
                    f,
                    "small-cnn:{WIDTH} backbone trained {steps} steps on the pooled images"
                )
            }
            BackboneSpec::Record(path) => {
                write!(f, "small-cnn:{WIDTH} backbone from {}", path.display())
            }
        }
    }
}

impl Backbone {
    /// The backbone `spec` names, on `device`.
    pub fn new(spec: &BackboneSpec, device: Device) -> Self {
        Self {
            kind: spec.clone(),
            device,
        }
    }

    /// `set`'s rows replaced by the backbone's features, a note saying how it was made, and the
    /// backbone (as [`FrozenBackbone::new`] keeps it with a trained cascade: `keep`);
    /// `seed` draws a pooled backbone's initialisation and mini-batches.
    pub fn apply(
        &self,
        set: &TaskSet,
        seed: u64,
        keep: bool,
    ) -> Result<(TaskSet, String, Option<FrozenBackbone>), CliError> {
        let start = Instant::now();
        let Some(image) = set.image_shape() else {
            return Err(CliError::Usage {
                option: "--backbone",
                reason: "needs raw images: image data with --pca 0".into(),
            });
        };
        let (backbone, outputs) = match &self.kind {
            BackboneSpec::Pooled { steps } => {
                let config = TrainConfig {
                    batch_size: Some(BATCH),
                    // The pooled loss starts far above any task's: no divergence stop.
                    divergence_factor: f64::INFINITY,
                    eta: Eta::Fixed(ETA),
                    ..TrainConfig::default()
                };
                let outputs = objective_for(set.problem()).outputs();
                let network =
                    pooled_backbone(set, WIDTH, *steps, &config, ETA, seed, &self.device)?;
                (network, outputs)
            }
            BackboneSpec::Record(path) => {
                let outputs = set.problem().outputs();
                let network = load_backbone(path, WIDTH, image, outputs, &self.device)?;
                (network, outputs)
            }
        };
        let embedded = embed(set, &backbone)?;
        let note = format!(
            "features: a frozen {self}, {} features a row ({:.1} s to build and embed)",
            embedded.n_features(),
            start.elapsed().as_secs_f64()
        );
        let frozen = if keep {
            Some(FrozenBackbone::new(set, backbone, WIDTH, outputs)?)
        } else {
            None
        };
        Ok((embedded, note, frozen))
    }
}
