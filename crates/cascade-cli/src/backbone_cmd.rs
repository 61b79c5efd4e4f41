//! `--backbone`: a frozen SmallCnn trunk shared by all tasks (the research code's CascadeFM),
//! trained on each repetition's pooled training images or loaded from a Burn record; the
//! methods then train per-task heads on its features ([`cascade::backbone`]).

use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use burn::prelude::Device;
use cascade::backbone::{embed, load_backbone, pooled_backbone};
use cascade::train::{Eta, TrainConfig};
use cascade_data::TaskSet;

use crate::error::CliError;
use crate::settings;

/// Filters of the backbone's first convolution.
const WIDTH: usize = 8;
/// Pooled training steps when `pooled` gives none.
const DEFAULT_STEPS: usize = 500;
/// The backbone's training: SGD at 0.05 on mini-batches of 32, clipped at 1.
const ETA: f64 = 0.05;
const BATCH: usize = 32;

enum Kind {
    Pooled { steps: usize },
    Record(PathBuf),
}

/// A parsed `--backbone` and the device it runs on.
pub struct Backbone {
    kind: Kind,
    device: Device,
}

impl fmt::Display for Backbone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Pooled { steps } => {
                write!(
                    f,
                    "small-cnn:{WIDTH} backbone trained {steps} steps on the pooled images"
                )
            }
            Kind::Record(path) => write!(f, "small-cnn:{WIDTH} backbone from {}", path.display()),
        }
    }
}

impl Backbone {
    /// `pooled[:STEPS]` or `record:PATH`, on the device named `device`.
    pub fn parse(spec: &str, device: &str) -> Result<Self, CliError> {
        let bad = |reason: String| CliError::Usage {
            option: "--backbone",
            reason,
        };
        let (name, arg) = spec.split_once(':').unwrap_or((spec, ""));
        let kind = match name.trim().to_ascii_lowercase().as_str() {
            "pooled" if arg.is_empty() => Kind::Pooled {
                steps: DEFAULT_STEPS,
            },
            "pooled" => match arg.parse::<usize>() {
                Ok(steps) if steps >= 1 => Kind::Pooled { steps },
                _ => return Err(bad(format!("'{spec}': pooled:STEPS needs STEPS >= 1"))),
            },
            "record" if !arg.is_empty() => Kind::Record(PathBuf::from(arg)),
            _ => {
                return Err(bad(format!(
                    "'{spec}'; expected pooled[:STEPS] or record:PATH"
                )));
            }
        };
        Ok(Self {
            kind,
            device: settings::device(device)?.device,
        })
    }

    /// `set`'s rows replaced by the backbone's features, and a note saying how it was made;
    /// `seed` draws a pooled backbone's initialisation and mini-batches.
    pub fn apply(&self, set: &TaskSet, seed: u64) -> Result<(TaskSet, String), CliError> {
        let start = Instant::now();
        let Some(image) = set.image_shape() else {
            return Err(CliError::Usage {
                option: "--backbone",
                reason: "needs raw images: image data with --pca 0".into(),
            });
        };
        let backbone = match &self.kind {
            Kind::Pooled { steps } => {
                let config = TrainConfig {
                    batch_size: Some(BATCH),
                    // The pooled loss starts far above any task's: no divergence stop.
                    divergence_factor: f64::INFINITY,
                    eta: Eta::Fixed(ETA),
                    ..TrainConfig::default()
                };
                pooled_backbone(set, WIDTH, *steps, &config, ETA, seed, &self.device)?
            }
            Kind::Record(path) => {
                let outputs = set.problem().outputs();
                load_backbone(path, WIDTH, image, outputs, &self.device)?
            }
        };
        let embedded = embed(set, &backbone)?;
        let note = format!(
            "features: a frozen {self}, {} features a row ({:.1} s to build and embed)",
            embedded.n_features(),
            start.elapsed().as_secs_f64()
        );
        Ok((embedded, note))
    }
}
