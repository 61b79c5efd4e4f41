//! The one type every image reader returns: labelled 8-bit images, train and test.

use crate::DataError;

/// Labelled images of one shape, stored flat: `pixels` is `[n, c*h*w]` row-major, each image
/// channel-major (all of channel 0 row by row, then channel 1, ...), one byte per pixel value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Images {
    /// Pixel values 0..=255: `[n, c*h*w]`, image `i` at `pixels[i*p .. (i+1)*p]` with `p = c*h*w`.
    pub pixels: Vec<u8>,
    /// Class index of each image: `[n]`, each below the number of classes.
    pub labels: Vec<usize>,
}

impl Images {
    /// Number of images `n`.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i` as `[c*h*w]` bytes, given `p = c*h*w` (panics if `i` is out of range).
    pub fn image(&self, i: usize, p: usize) -> &[u8] {
        &self.pixels[i * p..(i + 1) * p]
    }

    /// The indices of the images of each class: `[n_classes][..]`, in file order (labels at or
    /// above `n_classes` are left out).
    pub fn indices_by_class(&self, n_classes: usize) -> Vec<Vec<usize>> {
        let mut by_class = vec![Vec::new(); n_classes];
        for (i, &label) in self.labels.iter().enumerate() {
            if let Some(rows) = by_class.get_mut(label) {
                rows.push(i);
            }
        }
        by_class
    }
}

/// A labelled image collection: shape `[c, h, w]`, class names, training and test images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    /// `[channels, height, width]` of every image (1 channel for grayscale, 3 for RGB).
    pub shape: [usize; 3],
    /// Class names, indexed by label.
    pub classes: Vec<String>,
    /// Training images (the only ones PCA and the pixel scaling look at).
    pub train: Images,
    /// Test images.
    pub test: Images,
}

impl ImageSet {
    /// Checks that pixel counts match `shape` and labels are below `classes.len()`; `source`
    /// names the data in errors (a directory, a file).
    pub fn new(
        source: &str,
        shape: [usize; 3],
        classes: Vec<String>,
        train: Images,
        test: Images,
    ) -> Result<Self, DataError> {
        let set = Self {
            shape,
            classes,
            train,
            test,
        };
        set.check(source)?;
        Ok(set)
    }

    /// Re-checks the invariants of [`ImageSet::new`] (the fields are public); `source` names the
    /// data in errors.
    pub fn check(&self, source: &str) -> Result<(), DataError> {
        let p = self.pixels_per_image();
        let format = |message: String| DataError::Format {
            path: source.to_string(),
            message,
        };
        if p == 0 {
            return Err(format(format!(
                "image shape {:?} holds no pixels",
                self.shape
            )));
        }
        for (name, images) in [("train", &self.train), ("test", &self.test)] {
            if images.pixels.len() != images.labels.len() * p {
                return Err(format(format!(
                    "{name} split: {} pixel bytes for {} labels of {p} pixels each",
                    images.pixels.len(),
                    images.labels.len()
                )));
            }
            if let Some(i) = images.labels.iter().position(|&l| l >= self.classes.len()) {
                return Err(format(format!(
                    "{name} split, image {i}: label {} but there are only {} classes",
                    images.labels[i],
                    self.classes.len()
                )));
            }
        }
        Ok(())
    }

    /// Pixel values per image, `p = c*h*w`.
    pub fn pixels_per_image(&self) -> usize {
        self.shape.iter().product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_sizes_and_labels() {
        let images = |pixels: Vec<u8>, labels: Vec<usize>| Images { pixels, labels };
        let ok = ImageSet::new(
            "mem",
            [1, 1, 2],
            vec!["a".into(), "b".into()],
            images(vec![1, 2, 3, 4], vec![0, 1]),
            images(vec![5, 6], vec![1]),
        )
        .unwrap();
        assert_eq!(ok.pixels_per_image(), 2);
        assert_eq!(ok.train.image(1, 2), &[3, 4]);
        assert_eq!(ok.train.indices_by_class(2), vec![vec![0], vec![1]]);
        assert_eq!(ok.train.indices_by_class(1), vec![vec![0]]);
        let err = ImageSet::new(
            "mem",
            [1, 1, 2],
            vec!["a".into()],
            images(vec![1, 2], vec![1]),
            Images::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "mem: train split, image 0: label 1 but there are only 1 classes"
        );
        let err = ImageSet::new(
            "mem",
            [1, 1, 2],
            vec!["a".into()],
            Images::default(),
            images(vec![1], vec![0]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("test split: 1 pixel bytes"),
            "{err}"
        );
    }
}
