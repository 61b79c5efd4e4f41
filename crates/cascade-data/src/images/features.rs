//! The feature pipeline shared by the image task builders: pixels to `[0, 1]`, a z-score
//! (global or per pixel), then PCA scores or the pixels themselves.

use rand::Rng;

use super::pairs::PairFeatures;
use super::{ImageSet, Pca, PixelScaling, Standardise};
use crate::DataError;

/// The fitted pixel scaling, the PCA (for [`PairFeatures::Pca`]) and notes on both, for the
/// training images of `set`.
pub(super) fn prepare_features<R: Rng + ?Sized>(
    set: &ImageSet,
    features: PairFeatures,
    standardise: Standardise,
    rng: &mut R,
) -> Result<(PixelScaling, Option<Pca>, Vec<String>), DataError> {
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
    Ok((scaling, pca, notes))
}
