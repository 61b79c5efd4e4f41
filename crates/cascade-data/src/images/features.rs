//! The feature pipeline shared by the image task builders: pixels to `[0, 1]`, a z-score
//! (global or per pixel), then PCA scores or the pixels themselves ([`PairFeatures`]).

use std::path::PathBuf;

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{ImageSet, Images, Pca, PixelScaling, Standardise, read_image_file};
use crate::{DataError, Split, TaskSet};

/// The features of an image task (class pairs, classes, clients): PCA scores or raw pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairFeatures {
    /// Scores on the first `k` principal components of the standardised training images, the
    /// PCA fitted on `min(fit_rows, n_train_images)` training images drawn at random: `[n, k]`;
    /// images of fewer than `k` pixels keep all of theirs (with a note).
    Pca {
        /// Number of components `k` (SPEC 6: 100).
        k: usize,
        /// Most training images the PCA fit uses, to bound its time (10,000 takes seconds).
        fit_rows: usize,
    },
    /// The standardised pixels, channel-major `[n, c*h*w]`; the task set records the image shape.
    RawPixels,
}

impl Default for PairFeatures {
    fn default() -> Self {
        Self::Pca {
            k: 100,
            fit_rows: 10_000,
        }
    }
}

/// The fitted feature pipeline of an image set, kept with a trained cascade so that image files
/// become the rows it was trained on: pixels to `[0, 1]` and z-scored ([`PixelScaling`]), then
/// PCA scores or the pixels themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInput {
    /// `[channels, height, width]` of every image (1 channel: grayscale, 3: RGB).
    pub shape: [usize; 3],
    /// The pixel scaling fitted on the training images.
    pub scaling: PixelScaling,
    /// The PCA fitted on the standardised training images, when the features are its scores.
    pub pca: Option<Pca>,
}

impl ImageInput {
    /// Bytes per image `p = c*h*w`.
    pub fn pixels(&self) -> usize {
        self.shape.iter().product()
    }

    /// Features the rows have: the PCA's components, else `p`.
    pub fn n_features(&self) -> usize {
        self.pca
            .as_ref()
            .map_or_else(|| self.pixels(), |pca| pca.components.ncols())
    }

    /// The features of images `rows` of `images` with targets `y`.
    pub(super) fn split(&self, images: &Images, rows: &[usize], y: DVector<f64>) -> Split {
        Split::new(self.features(images, rows), y)
    }

    /// The features of images `rows` of `images`: `[rows, d]`.
    pub fn features(&self, images: &Images, rows: &[usize]) -> DMatrix<f64> {
        let x = self.scaling.rows(images, self.pixels(), rows);
        match &self.pca {
            Some(pca) => pca.transform(&x),
            None => x,
        }
    }

    /// The features of the image files `files`, read as training read them
    /// ([`super::read_image_file`]): `[files, d]`. Errors name the file.
    pub fn read_files(&self, files: &[PathBuf]) -> Result<DMatrix<f64>, DataError> {
        let mut images = Images::default();
        images.pixels.reserve(files.len() * self.pixels());
        for path in files {
            read_image_file(path, self.shape, &mut images.pixels)?;
            images.labels.push(0);
        }
        let rows: Vec<usize> = (0..files.len()).collect();
        Ok(self.features(&images, &rows))
    }

    /// `tasks` with the image shape recorded when the features are the pixels themselves.
    pub(super) fn finish(&self, tasks: TaskSet) -> Result<TaskSet, DataError> {
        match self.pca {
            Some(_) => Ok(tasks),
            None => tasks.with_image_shape(self.shape),
        }
    }
}

/// The fitted pixel scaling and PCA (for [`PairFeatures::Pca`]) of the training images of
/// `set`, and notes on both.
pub(super) fn prepare_features<R: Rng + ?Sized>(
    set: &ImageSet,
    features: PairFeatures,
    standardise: Standardise,
    rng: &mut R,
) -> Result<(ImageInput, Vec<String>), DataError> {
    let p = set.pixels_per_image();
    let n_classes = set.classes.len();
    let scaling = PixelScaling::fit(&set.train, p, standardise)?;
    let scaling_note = if scaling.is_global() {
        format!(
            "pixels to [0, 1], one global z-score over the {} training pixel values: mean {:.4}, \
             std {:.4}",
            set.train.pixels.len(),
            scaling.mean[0],
            scaling.std[0]
        )
    } else {
        let constant = scaling.std.iter().filter(|&&s| s == 1.0).count();
        format!(
            "pixels to [0, 1], z-scored per pixel position over the {} training images ({} of \
             {p} positions never vary and are only centred)",
            set.train.len(),
            constant
        )
    };
    let mut notes = vec![
        format!(
            "{n_classes} classes: {}",
            set.classes
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{i} {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        scaling_note,
    ];
    let pca = match features {
        PairFeatures::Pca { k, fit_rows } => {
            // Images of fewer pixels than components asked (8 x 8 digits and the default 100)
            // keep them all: k = p is a rotation of the pixels, so nothing is lost.
            if k > p {
                notes.push(format!(
                    "PCA keeps all {p} components: the images have fewer pixels than the {k} \
                     asked"
                ));
            }
            let k = k.min(p);
            let pca = Pca::fit_images(&set.train, p, &scaling, k, fit_rows, rng)?;
            notes.push(format!(
                "PCA to {k} components explains {:.1}% of the variance (fit on {} of {} training \
                 images)",
                100.0 * pca.explained_ratio,
                pca.n_fit,
                set.train.len()
            ));
            Some(pca)
        }
        PairFeatures::RawPixels => {
            notes.push(format!(
                "features: the {p} z-scored pixels of {:?} images (channels, height, width), \
                 channel-major",
                set.shape
            ));
            None
        }
    };
    Ok((
        ImageInput {
            scaling,
            pca,
            shape: set.shape,
        },
        notes,
    ))
}
