//! Pixels to `[0, 1]`, then one global z-score (SPEC 6): a single mean and standard deviation
//! over every training pixel value, the same for all pixels and channels.

use nalgebra::DMatrix;

use super::Images;
use crate::DataError;

/// The map `x -> (x / 255 - mean) / std` from a byte to a standardised pixel value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelScaling {
    /// Mean of all training pixel values after dividing by 255.
    pub mean: f64,
    /// Population standard deviation of the same values (divisor = number of values).
    pub std: f64,
}

impl PixelScaling {
    /// Fits the mean and standard deviation over every byte of `train.pixels` (exactly, from a
    /// 256-bin histogram). Errors when there is no pixel or all pixels are equal.
    pub fn fit(train: &Images) -> Result<Self, DataError> {
        let mut counts = [0u64; 256];
        for &v in &train.pixels {
            counts[usize::from(v)] += 1;
        }
        let n = train.pixels.len() as f64;
        let value = |v: usize| v as f64 / 255.0;
        let mean = counts
            .iter()
            .enumerate()
            .map(|(v, &c)| c as f64 * value(v))
            .sum::<f64>()
            / n;
        let var = counts
            .iter()
            .enumerate()
            .map(|(v, &c)| c as f64 * (value(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        if train.pixels.is_empty() || var <= 0.0 {
            return Err(DataError::InvalidSetting {
                name: "training pixels",
                value: format!("{} values", train.pixels.len()),
                reason: "no spread to standardise: there is no pixel, or all pixels are equal",
            });
        }
        Ok(Self {
            mean,
            std: var.sqrt(),
        })
    }

    /// The standardised value of each byte: `[256]`.
    pub fn table(&self) -> [f64; 256] {
        std::array::from_fn(|v| (v as f64 / 255.0 - self.mean) / self.std)
    }

    /// The standardised pixels of the images `rows` of `images` (`p` values each): `[m, p]`.
    pub fn rows(&self, images: &Images, p: usize, rows: &[usize]) -> DMatrix<f64> {
        let table = self.table();
        DMatrix::from_fn(rows.len(), p, |r, j| {
            table[usize::from(images.pixels[rows[r] * p + j])]
        })
    }

    /// The same pixels transposed, one image per column: `[p, m]` (contiguous per image).
    pub fn columns(&self, images: &Images, p: usize, rows: &[usize]) -> DMatrix<f64> {
        let table = self.table();
        let values = rows
            .iter()
            .flat_map(|&i| images.image(i, p).iter().map(|&v| table[usize::from(v)]));
        DMatrix::from_iterator(p, rows.len(), values)
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;
    use crate::images::test_support::fashion_mnist;

    #[test]
    fn hand_computed_scaling() {
        // Bytes 0, 0, 255, 255 -> values 0, 0, 1, 1: mean 0.5, population std 0.5.
        let images = Images {
            pixels: vec![0, 255, 0, 255],
            labels: vec![0, 0],
        };
        let s = PixelScaling::fit(&images).unwrap();
        assert_relative_eq!(s.mean, 0.5);
        assert_relative_eq!(s.std, 0.5);
        assert_relative_eq!(s.table()[255], 1.0);
        assert_relative_eq!(s.table()[0], -1.0);
        let rows = s.rows(&images, 2, &[1]);
        assert_eq!(rows.shape(), (1, 2));
        assert_relative_eq!(rows[(0, 0)], -1.0);
        assert_eq!(
            s.columns(&images, 2, &[0, 1]),
            s.rows(&images, 2, &[0, 1]).transpose()
        );
        let flat = Images {
            pixels: vec![7; 4],
            labels: vec![0, 0],
        };
        assert!(PixelScaling::fit(&flat).is_err());
        assert!(PixelScaling::fit(&Images::default()).is_err());
    }

    #[test]
    fn fashion_mnist_mean_and_std() {
        let Some(set) = fashion_mnist() else {
            return;
        };
        // The widely used Fashion-MNIST normalisation constants (e.g. torchvision examples):
        // mean 0.2860, std 0.3530 over all training pixels.
        let s = PixelScaling::fit(&set.train).unwrap();
        assert!((s.mean - 0.2860).abs() < 5e-5, "{}", s.mean);
        assert!((s.std - 0.3530).abs() < 5e-5, "{}", s.std);
    }
}
