//! The values of the data options that are more than a number: `--pixel-scaling`,
//! `--image-tasks`, and the default of `--pca`, each parsed once where it is read.

use std::fmt;
use std::str::FromStr;

use cascade_data::images::{PairFeatures, Standardise};
use cascade_models::ModelKind;

/// PCA components of image data when `--pca` is not given and the model takes feature vectors.
pub const DEFAULT_PCA: usize = 100;

/// `--pca` when not given: raw pixels (0) for a model that reads images or under a frozen
/// backbone (`backbone`: it embeds raw images), else [`DEFAULT_PCA`] components.
pub fn default_pca(model: Option<&ModelKind>, backbone: bool) -> usize {
    match model {
        _ if backbone => 0,
        Some(model) if model.reads_images() => 0,
        _ => DEFAULT_PCA,
    }
}

/// The image features of `--pca`: raw pixels for 0, else that many PCA components.
pub fn image_features(pca: usize) -> PairFeatures {
    match pca {
        0 => PairFeatures::RawPixels,
        k => PairFeatures::Pca {
            k,
            fit_rows: 10_000,
        },
    }
}

/// `--pixel-scaling`: one mean and std over all training pixels, or one per pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelScaling {
    /// One mean and std over all training pixels (SPEC 6).
    Global,
    /// A mean and std per pixel.
    PerPixel,
}

impl PixelScaling {
    /// As the image readers take it.
    pub fn standardise(self) -> Standardise {
        match self {
            PixelScaling::Global => Standardise::Global,
            PixelScaling::PerPixel => Standardise::PerPixel,
        }
    }
}

impl fmt::Display for PixelScaling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PixelScaling::Global => "global",
            PixelScaling::PerPixel => "per-pixel",
        })
    }
}

impl FromStr for PixelScaling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "global" => Ok(PixelScaling::Global),
            "per-pixel" => Ok(PixelScaling::PerPixel),
            _ => Err(format!("'{s}'; expected global or per-pixel")),
        }
    }
}

/// `--image-tasks`: binary class pairs (the paper's), or tasks over classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageTasks {
    /// Binary tasks on class pairs.
    Pairs,
    /// Each task classifies among `M` classes drawn at random, or all (`None`).
    Classes(Option<usize>),
}

impl fmt::Display for ImageTasks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageTasks::Pairs => f.write_str("pairs"),
            ImageTasks::Classes(None) => f.write_str("classes"),
            ImageTasks::Classes(Some(m)) => write!(f, "classes:{m}"),
        }
    }
}

impl FromStr for ImageTasks {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("'{text}'; expected pairs, classes or classes:M (M classes a task)");
        match text.trim().to_ascii_lowercase().as_str() {
            "pairs" => Ok(ImageTasks::Pairs),
            "classes" => Ok(ImageTasks::Classes(None)),
            other => match other.strip_prefix("classes:") {
                Some(m) => Ok(ImageTasks::Classes(Some(m.parse().map_err(|_| bad())?))),
                None => Err(bad()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_back_what_they_write() {
        for text in ["pairs", "classes", "classes:3"] {
            assert_eq!(text.parse::<ImageTasks>().unwrap().to_string(), text);
        }
        assert!(
            "classes:x"
                .parse::<ImageTasks>()
                .unwrap_err()
                .contains("classes:M")
        );
        for text in ["global", "per-pixel"] {
            assert_eq!(text.parse::<PixelScaling>().unwrap().to_string(), text);
        }
        assert!("local".parse::<PixelScaling>().is_err());
    }

    #[test]
    fn image_models_keep_raw_pixels_by_default() {
        assert_eq!(default_pca(None, false), DEFAULT_PCA);
        assert_eq!(default_pca(Some(&ModelKind::Linear), false), DEFAULT_PCA);
        assert_eq!(default_pca(Some(&ModelKind::SMALL_CNN), false), 0);
        let resnet: ModelKind = "resnet8".parse().unwrap();
        assert_eq!(default_pca(Some(&resnet), false), 0);
        assert_eq!(default_pca(None, true), 0);
    }
}
