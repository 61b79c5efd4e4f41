//! CIFAR-10 binary batches.
//!
//! A batch file is a run of 3,073-byte records: 1 label byte, then 1,024 red, 1,024 green and
//! 1,024 blue bytes of a 32x32 image, rows in order (already channel-major). The standard
//! `cifar-10-binary.tar.gz` unpacks to `cifar-10-batches-bin/` with `data_batch_1.bin` ..
//! `data_batch_5.bin` (training, 10,000 images each) and `test_batch.bin` (10,000 images).

use std::path::{Path, PathBuf};

use super::{ImageSet, Images};
use crate::DataError;

/// CIFAR-10's ten class names, indexed by label (as in `batches.meta.txt`).
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// `[channels, height, width]` of a CIFAR-10 image.
pub const CIFAR10_SHAPE: [usize; 3] = [3, 32, 32];

const PIXELS: usize = 3 * 32 * 32;
const RECORD: usize = 1 + PIXELS;
const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
const TEST_FILE: &str = "test_batch.bin";
const SUBFOLDER: &str = "cifar-10-batches-bin";

/// Reads one binary batch: images `[n, 3072]` (channel-major, shape [`CIFAR10_SHAPE`]) and
/// labels `[n]`. Errors (naming the file): a length that is zero or not a multiple of 3,073, a
/// label above 9.
pub fn read_cifar_batch(path: &Path) -> Result<Images, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, &e))?;
    let format = |message: String| DataError::Format {
        path: path.display().to_string(),
        message,
    };
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD) {
        return Err(format(format!(
            "{} bytes is not a whole number of CIFAR-10 records (1 label + 3072 pixel bytes = \
             {RECORD} bytes each)",
            bytes.len()
        )));
    }
    let n = bytes.len() / RECORD;
    let mut images = Images {
        pixels: Vec::with_capacity(n * PIXELS),
        labels: Vec::with_capacity(n),
    };
    for (i, record) in bytes.chunks_exact(RECORD).enumerate() {
        let label = usize::from(record[0]);
        if label >= CIFAR10_CLASSES.len() {
            return Err(format(format!(
                "record {i}: label {label} is not below the number of classes (10)"
            )));
        }
        images.labels.push(label);
        images.pixels.extend_from_slice(&record[1..]);
    }
    Ok(images)
}

/// Reads CIFAR-10 from `dir` or from `dir/cifar-10-batches-bin/`: `data_batch_1.bin` ..
/// `data_batch_5.bin` as the training images and `test_batch.bin` as the test images, shape
/// [`CIFAR10_SHAPE`], classes [`CIFAR10_CLASSES`]. A missing file is an error naming it.
pub fn load_cifar10(dir: &Path) -> Result<ImageSet, DataError> {
    let root = batch_dir(dir);
    let mut train = Images::default();
    for name in TRAIN_FILES {
        let batch = read_cifar_batch(&existing(&root, name)?)?;
        train.pixels.extend(batch.pixels);
        train.labels.extend(batch.labels);
    }
    let test = read_cifar_batch(&existing(&root, TEST_FILE)?)?;
    let classes = CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect();
    ImageSet::new(
        &root.display().to_string(),
        CIFAR10_SHAPE,
        classes,
        train,
        test,
    )
}

/// `dir` itself when it holds the batches, else its `cifar-10-batches-bin/` subfolder if present.
fn batch_dir(dir: &Path) -> PathBuf {
    let sub = dir.join(SUBFOLDER);
    if !dir.join(TEST_FILE).is_file() && sub.is_dir() {
        sub
    } else {
        dir.to_path_buf()
    }
}

fn existing(dir: &Path, name: &str) -> Result<PathBuf, DataError> {
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(DataError::Io {
            path: path.display().to_string(),
            message: "missing: CIFAR-10 needs data_batch_1.bin .. data_batch_5.bin and \
                      test_batch.bin"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::test_support::cifar_sample_dir;

    fn sample_batch() -> PathBuf {
        cifar_sample_dir().join("test_batch_first20.bin")
    }

    /// Labels from the PNG names `cifar10_<index>_<label>.png` of the same 20 images.
    fn png_labels() -> Vec<usize> {
        let mut names: Vec<String> = std::fs::read_dir(cifar_sample_dir().join("png"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
            .iter()
            .map(|n| n.trim_end_matches(".png").rsplit('_').next().unwrap())
            .map(|l| l.parse().unwrap())
            .collect()
    }

    #[test]
    fn reads_the_sample_batch() {
        let images = read_cifar_batch(&sample_batch()).unwrap();
        assert_eq!(images.len(), 20);
        assert_eq!(images.pixels.len(), 20 * 3072);
        // The first CIFAR-10 test images are a cat, two ships, an airplane (labels 3, 8, 8, 0).
        assert_eq!(&images.labels[..4], &[3, 8, 8, 0]);
        assert_eq!(images.labels, png_labels());
    }

    #[test]
    fn directory_layouts_and_missing_files() {
        for sub in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let root = if sub {
                tmp.path().join(SUBFOLDER)
            } else {
                tmp.path().to_path_buf()
            };
            std::fs::create_dir_all(&root).unwrap();
            for name in TRAIN_FILES.iter().chain([&TEST_FILE]) {
                std::fs::copy(sample_batch(), root.join(name)).unwrap();
            }
            let set = load_cifar10(tmp.path()).unwrap();
            assert_eq!(set.shape, [3, 32, 32]);
            assert_eq!(set.train.len(), 100);
            assert_eq!(set.test.len(), 20);
            assert_eq!(set.classes[3], "cat");
            assert_eq!(set.train.image(20, 3072), set.test.image(0, 3072));
            std::fs::remove_file(root.join("data_batch_4.bin")).unwrap();
            let err = load_cifar10(tmp.path()).unwrap_err().to_string();
            assert!(err.contains("data_batch_4.bin: missing"), "{err}");
        }
    }

    #[test]
    fn wrong_lengths_and_labels_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("data_batch_1.bin");
        std::fs::write(&path, vec![0u8; 3073 * 2 + 5]).unwrap();
        let err = read_cifar_batch(&path).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: 6151 bytes is not a whole number of CIFAR-10 records (1 label + 3072 pixel \
                 bytes = 3073 bytes each)",
                path.display()
            )
        );
        std::fs::write(&path, []).unwrap();
        assert!(read_cifar_batch(&path).is_err());
        let mut bad = vec![0u8; 3073 * 2];
        bad[3073] = 10;
        std::fs::write(&path, bad).unwrap();
        let err = read_cifar_batch(&path).unwrap_err().to_string();
        assert!(
            err.ends_with("record 1: label 10 is not below the number of classes (10)"),
            "{err}"
        );
        let err = read_cifar_batch(&tmp.path().join("nope.bin")).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }), "{err}");
    }
}
