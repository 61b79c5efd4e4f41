//! `cascade bench --images [SOURCE]`: which labelled images the image benchmark splits over
//! its clients.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use cascade_data::images::{ImageSet, SyntheticImages, load_fashion_mnist, synthetic_images};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::error::CliError;

/// Where the image benchmark's images come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// Fashion-MNIST's IDX files in this folder.
    FashionMnist(PathBuf),
    /// [`synthetic_images`] of this `[c, h, w]` shape, 10 classes.
    Synthetic([usize; 3]),
}

/// The default folder of Fashion-MNIST (Debian's dataset-fashion-mnist).
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

impl ImageSource {
    /// The images for `tasks` clients (synthetic ones are drawn from `seed`, 20 training and
    /// 10 test images a class per client, so every client can get its 200 and 100).
    pub fn load(&self, tasks: usize, seed: u64) -> Result<ImageSet, CliError> {
        Ok(match self {
            ImageSource::FashionMnist(dir) => load_fashion_mnist(dir)?,
            ImageSource::Synthetic(shape) => {
                let config = SyntheticImages {
                    shape: *shape,
                    classes: 10,
                    train_per_class: 20 * tasks.max(1),
                    test_per_class: 10 * tasks.max(1),
                };
                synthetic_images(&config, &mut StdRng::seed_from_u64(seed))?
            }
        })
    }

    /// Whether the images depend on the number of clients (and so are made per count).
    pub fn per_count(&self) -> bool {
        matches!(self, ImageSource::Synthetic(_))
    }
}

impl FromStr for ImageSource {
    type Err = String;

    /// `synthetic` (1x28x28), `synthetic:CxHxW`, or a folder of Fashion-MNIST IDX files.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some(rest) = s.strip_prefix("synthetic") else {
            return Ok(ImageSource::FashionMnist(PathBuf::from(s)));
        };
        let shape = match rest.strip_prefix(':') {
            None if rest.is_empty() => [1, 28, 28],
            Some(dims) => {
                let parts: Vec<usize> = dims
                    .split('x')
                    .map(|p| p.trim().parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        format!("'{s}': expected synthetic:CxHxW, e.g. synthetic:3x32x32")
                    })?;
                match parts[..] {
                    [c, h, w] if c > 0 && h >= 4 && w >= 4 => [c, h, w],
                    _ => {
                        return Err(format!(
                            "'{s}': expected synthetic:CxHxW with at least 1 channel and 4x4 pixels"
                        ));
                    }
                }
            }
            None => return Err(format!("'{s}': expected synthetic or synthetic:CxHxW")),
        };
        Ok(ImageSource::Synthetic(shape))
    }
}

impl fmt::Display for ImageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageSource::FashionMnist(dir) => write!(f, "{}", dir.display()),
            ImageSource::Synthetic([c, h, w]) => write!(f, "synthetic:{c}x{h}x{w}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        assert_eq!("synthetic".parse(), Ok(ImageSource::Synthetic([1, 28, 28])));
        assert_eq!(
            "synthetic:3x32x32".parse(),
            Ok(ImageSource::Synthetic([3, 32, 32]))
        );
        assert_eq!(
            "data/fm".parse(),
            Ok(ImageSource::FashionMnist(PathBuf::from("data/fm")))
        );
        for bad in [
            "synthetic:3x32",
            "synthetic:0x8x8",
            "synthetic:1x2x2",
            "synthetics",
        ] {
            assert!(bad.parse::<ImageSource>().is_err(), "{bad}");
        }
        assert_eq!(
            ImageSource::Synthetic([3, 32, 32]).to_string(),
            "synthetic:3x32x32"
        );
    }
}
