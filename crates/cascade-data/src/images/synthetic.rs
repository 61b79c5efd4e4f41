//! Synthetic labelled images, for benchmarks and checks on machines without an image dataset
//! (a GPU machine that reaches no package registry): `k` classes, each a smooth random
//! prototype, every image its class's prototype shifted by up to two pixels plus pixel noise.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Normal};

use super::{ImageSet, Images};
use crate::DataError;

/// Settings of [`synthetic_images`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticImages {
    /// `[channels, height, width]` (e.g. `[1, 28, 28]` like Fashion-MNIST, `[3, 32, 32]` like
    /// CIFAR-10).
    pub shape: [usize; 3],
    /// Number of classes.
    pub classes: usize,
    /// Training images per class.
    pub train_per_class: usize,
    /// Test images per class.
    pub test_per_class: usize,
}

/// Blobs per prototype and channel.
const BLOBS: usize = 4;
/// Standard deviation of the pixel noise, in 0..=255 units.
const NOISE: f64 = 24.0;

/// Images as [`SyntheticImages`] says, every random choice drawn from `rng`. Class `j`'s
/// prototype is a sum of [`BLOBS`] Gaussian blobs per channel at random places and widths;
/// an image is the prototype moved by a random shift of at most two pixels each way, plus
/// Gaussian noise, clamped to 0..=255. Class names are `c0`, `c1`, ...
pub fn synthetic_images<R: Rng + ?Sized>(
    config: &SyntheticImages,
    rng: &mut R,
) -> Result<ImageSet, DataError> {
    let [c, h, w] = config.shape;
    if c == 0 || h == 0 || w == 0 || config.classes < 2 {
        return Err(DataError::InvalidSetting {
            name: "synthetic images",
            value: format!("{:?} x {} classes", config.shape, config.classes),
            reason: "need a non-empty image shape and at least 2 classes",
        });
    }
    let prototypes: Vec<Vec<f64>> = (0..config.classes)
        .map(|_| prototype(config.shape, rng))
        .collect();
    let noise = Normal::new(0.0, NOISE).expect("a positive standard deviation");
    let draw = |per_class: usize, rng: &mut R| {
        let mut images = Images::default();
        for _ in 0..per_class {
            for (label, proto) in prototypes.iter().enumerate() {
                let (dy, dx) = (rng.random_range(-2i64..=2), rng.random_range(-2i64..=2));
                for ch in 0..c {
                    for y in 0..h {
                        for x in 0..w {
                            let sy = (y as i64 - dy).clamp(0, h as i64 - 1) as usize;
                            let sx = (x as i64 - dx).clamp(0, w as i64 - 1) as usize;
                            let v = proto[(ch * h + sy) * w + sx] + noise.sample(rng);
                            images.pixels.push(v.clamp(0.0, 255.0) as u8);
                        }
                    }
                }
                images.labels.push(label);
            }
        }
        images
    };
    let train = draw(config.train_per_class, rng);
    let test = draw(config.test_per_class, rng);
    let classes = (0..config.classes).map(|j| format!("c{j}")).collect();
    ImageSet::new("synthetic images", config.shape, classes, train, test)
}

/// One class's prototype `[c, h, w]`, values in 0..=255.
fn prototype<R: Rng + ?Sized>([c, h, w]: [usize; 3], rng: &mut R) -> Vec<f64> {
    let mut image = vec![0.0; c * h * w];
    for ch in 0..c {
        for _ in 0..BLOBS {
            let (cy, cx) = (
                rng.random_range(0.0..h as f64),
                rng.random_range(0.0..w as f64),
            );
            let width = rng.random_range(1.0..(h.max(w) as f64 / 3.0).max(1.5));
            let height = rng.random_range(80.0..200.0);
            for y in 0..h {
                for x in 0..w {
                    let d2 = (y as f64 - cy).powi(2) + (x as f64 - cx).powi(2);
                    image[(ch * h + y) * w + x] += height * (-d2 / (2.0 * width * width)).exp();
                }
            }
        }
    }
    image
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn images_have_their_shape_labels_and_seeded_values() {
        let config = SyntheticImages {
            shape: [3, 8, 6],
            classes: 4,
            train_per_class: 5,
            test_per_class: 2,
        };
        let set = synthetic_images(&config, &mut StdRng::seed_from_u64(1)).unwrap();
        assert_eq!(set.train.len(), 20);
        assert_eq!(set.test.len(), 8);
        assert_eq!(set.train.pixels.len(), 20 * 3 * 8 * 6);
        assert_eq!(set.train.indices_by_class(4)[3].len(), 5);
        let again = synthetic_images(&config, &mut StdRng::seed_from_u64(1)).unwrap();
        assert_eq!(set, again);
        // Classes differ: the mean images of two classes are far apart next to the noise.
        let mean = |label: usize| -> Vec<f64> {
            let rows = &set.train.indices_by_class(4)[label];
            (0..144)
                .map(|p| {
                    rows.iter()
                        .map(|&i| f64::from(set.train.image(i, 144)[p]))
                        .sum::<f64>()
                        / rows.len() as f64
                })
                .collect()
        };
        let (a, b) = (mean(0), mean(1));
        let gap = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / 144.0;
        assert!(gap > 10.0, "{gap}");
        let bad = SyntheticImages {
            classes: 1,
            ..config
        };
        assert!(synthetic_images(&bad, &mut StdRng::seed_from_u64(1)).is_err());
    }
}
