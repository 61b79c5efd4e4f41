//! A folder of image files per class: `DIR/<class>/*.png|jpg|jpeg`, or `DIR/train/<class>/` and
//! `DIR/test/<class>/`.
//!
//! Classes are the sub-folder names sorted by name (label = position); files are read in name
//! order. Every image is converted to one colour mode (RGB or grayscale) and all must share one
//! size. Without `train/` and `test/` folders the caller's [`FolderOptions::test_fraction`] splits
//! each class at random.

use std::path::{Path, PathBuf};

use image::DynamicImage;
use rand::Rng;
use rand::seq::index;

use super::{ImageSet, Images};
use crate::DataError;

/// How decoded images are converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    /// Grayscale (1 channel) when the first image read is grayscale, else RGB (3 channels).
    #[default]
    Auto,
    /// Red, green, blue (3 channels); alpha is dropped, gray is repeated.
    Rgb,
    /// Luma (1 channel), converted by the `image` crate (Rec. 709 weights).
    Gray,
}

/// Settings of [`load_image_folder`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FolderOptions {
    /// Colour conversion applied to every image (default [`ColorMode::Auto`]).
    pub color: ColorMode,
    /// Without `train/` and `test/` folders: the share of each class drawn at random for the
    /// test split, `round(n * test_fraction)` images, strictly between 0 and 1 (default 0.2).
    pub test_fraction: f64,
}

impl Default for FolderOptions {
    fn default() -> Self {
        Self {
            color: ColorMode::Auto,
            test_fraction: 0.2,
        }
    }
}

/// Reads a folder of images per class. With `dir/train/` and `dir/test/` (which must hold the
/// same class folders) those are the splits; otherwise the class folders sit in `dir` and
/// `options.test_fraction` of each class, drawn with `rng`, becomes the test split. Shape
/// `[1 or 3, h, w]`. Errors name the file or folder: no class folders, a class without images,
/// an undecodable file, an image whose size differs from the first one's.
pub fn load_image_folder<R: Rng + ?Sized>(
    dir: &Path,
    options: &FolderOptions,
    rng: &mut R,
) -> Result<ImageSet, DataError> {
    let (train_dir, test_dir) = (dir.join("train"), dir.join("test"));
    let mut decoder = Decoder::new(options.color);
    let (classes, train, test) = if train_dir.is_dir() && test_dir.is_dir() {
        let train_classes = class_folders(&train_dir)?;
        let test_classes = class_folders(&test_dir)?;
        let names = |c: &[(String, PathBuf)]| c.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        if names(&train_classes) != names(&test_classes) {
            return Err(DataError::NoUsableTasks {
                path: test_dir.display().to_string(),
                message: format!(
                    "class folders [{}] differ from those of {} [{}]",
                    names(&test_classes).join(", "),
                    train_dir.display(),
                    names(&train_classes).join(", ")
                ),
            });
        }
        let mut train = Images::default();
        let mut test = Images::default();
        for (label, ((_, train_class), (_, test_class))) in
            train_classes.iter().zip(&test_classes).enumerate()
        {
            decoder.read_all(&image_files(train_class)?, label, &mut train)?;
            decoder.read_all(&image_files(test_class)?, label, &mut test)?;
        }
        (names(&train_classes), train, test)
    } else {
        let f = options.test_fraction;
        if !(f > 0.0 && f < 1.0) {
            return Err(DataError::InvalidSetting {
                name: "test_fraction",
                value: f.to_string(),
                reason: "must be strictly between 0 and 1 (the folder has no train/ and test/)",
            });
        }
        let classes = class_folders(dir)?;
        let mut train = Images::default();
        let mut test = Images::default();
        for (label, (_, class_dir)) in classes.iter().enumerate() {
            let files = image_files(class_dir)?;
            let n_test = ((files.len() as f64) * f).round() as usize;
            let mut is_test = vec![false; files.len()];
            for i in index::sample(rng, files.len(), n_test) {
                is_test[i] = true;
            }
            let (test_files, train_files): (Vec<_>, Vec<_>) = files
                .into_iter()
                .zip(is_test)
                .partition(|(_, is_test)| *is_test);
            let strip = |v: Vec<(PathBuf, bool)>| v.into_iter().map(|(p, _)| p).collect::<Vec<_>>();
            decoder.read_all(&strip(train_files), label, &mut train)?;
            decoder.read_all(&strip(test_files), label, &mut test)?;
        }
        (classes.into_iter().map(|(n, _)| n).collect(), train, test)
    };
    let shape = decoder.shape().unwrap_or([1, 1, 1]);
    ImageSet::new(&dir.display().to_string(), shape, classes, train, test)
}

/// The sub-folders of `dir` (hidden ones left out), sorted by name: `(name, path)`.
fn class_folders(dir: &Path) -> Result<Vec<(String, PathBuf)>, DataError> {
    let mut classes = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DataError::io(dir, &e))? {
        let entry = entry.map_err(|e| DataError::io(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && !name.starts_with('.') {
            classes.push((name, entry.path()));
        }
    }
    classes.sort();
    if classes.is_empty() {
        return Err(DataError::NoUsableTasks {
            path: dir.display().to_string(),
            message: "no class folders: expected <class name>/*.png|jpg|jpeg inside".into(),
        });
    }
    Ok(classes)
}

/// The `.png`, `.jpg` and `.jpeg` files (any case) of a class folder, sorted by name.
fn image_files(class_dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(class_dir).map_err(|e| DataError::io(class_dir, &e))? {
        let path = entry.map_err(|e| DataError::io(class_dir, &e))?.path();
        if is_image_file(&path) {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(DataError::NoUsableTasks {
            path: class_dir.display().to_string(),
            message: "class folder holds no .png, .jpg or .jpeg image".into(),
        });
    }
    Ok(files)
}

/// Decodes files into one colour mode and one size, fixed by the first image read.
struct Decoder {
    color: ColorMode,
    /// `(width, height, file)` of the first image read.
    first: Option<(u32, u32, PathBuf)>,
}

impl Decoder {
    fn new(color: ColorMode) -> Self {
        Self { color, first: None }
    }

    fn shape(&self) -> Option<[usize; 3]> {
        let channels = if self.color == ColorMode::Gray { 1 } else { 3 };
        self.first
            .as_ref()
            .map(|(w, h, _)| [channels, *h as usize, *w as usize])
    }

    /// Appends every file's channel-major pixels and `label` to `out`.
    fn read_all(
        &mut self,
        files: &[PathBuf],
        label: usize,
        out: &mut Images,
    ) -> Result<(), DataError> {
        for path in files {
            let img = decode(path)?;
            self.check_size(path, &img)?;
            channel_major(&img, self.color == ColorMode::Gray, &mut out.pixels);
            out.labels.push(label);
        }
        Ok(())
    }

    /// Fixes the size and (for `Auto`) the colour mode at the first image; later ones must match.
    fn check_size(&mut self, path: &Path, img: &DynamicImage) -> Result<(), DataError> {
        let (w, h) = (img.width(), img.height());
        match &self.first {
            None => {
                if self.color == ColorMode::Auto {
                    self.color = if img.color().has_color() {
                        ColorMode::Rgb
                    } else {
                        ColorMode::Gray
                    };
                }
                self.first = Some((w, h, path.to_path_buf()));
                Ok(())
            }
            Some((w0, h0, first)) if (*w0, *h0) != (w, h) => Err(DataError::Format {
                path: path.display().to_string(),
                message: format!(
                    "image is {w}x{h}, but {} is {w0}x{h0}: all images must share one size",
                    first.display()
                ),
            }),
            Some(_) => Ok(()),
        }
    }
}

/// Appends `img`'s pixels to `out` channel-major: its luma (`gray`), else red, green, blue.
fn channel_major(img: &DynamicImage, gray: bool, out: &mut Vec<u8>) {
    if gray {
        out.extend_from_slice(img.to_luma8().as_raw());
    } else {
        let rgb = img.to_rgb8();
        for channel in 0..3 {
            out.extend(rgb.as_raw().iter().skip(channel).step_by(3));
        }
    }
}

/// Reads one image file as training read it into images of `shape` (`[1 or 3, h, w]`):
/// `c*h*w` bytes, channel-major, appended to `out`. The file's own shape (1 channel for a
/// grayscale file, 3 for colour) must be `shape`; otherwise, or when it cannot be read or
/// decoded, the error names the file and both shapes.
pub fn read_image_file(path: &Path, shape: [usize; 3], out: &mut Vec<u8>) -> Result<(), DataError> {
    let img = decode(path)?;
    let channels = if img.color().has_color() { 3 } else { 1 };
    let found = [channels, img.height() as usize, img.width() as usize];
    if found != shape {
        return Err(DataError::Format {
            path: path.display().to_string(),
            message: format!(
                "image is {found:?} (channels, height, width), but the cascade reads {shape:?}"
            ),
        });
    }
    channel_major(&img, channels == 1, out);
    Ok(())
}

/// Whether `path` names a `.png`, `.jpg` or `.jpeg` file (any case), the files the readers take.
pub fn is_image_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    path.is_file() && matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg"))
}

/// The largest image a reader decodes, in bytes of decoded pixels: a header that claims more
/// (a 100,000 x 100,000 PNG, say) is refused before anything is allocated.
pub const MAX_IMAGE_BYTES: u64 = 256 << 20;

fn decode(path: &Path) -> Result<DynamicImage, DataError> {
    let mut reader = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| DataError::io(path, &e))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_IMAGE_BYTES);
    reader.limits(limits);
    reader.decode().map_err(|e| DataError::Format {
        path: path.display().to_string(),
        message: format!("cannot decode image: {e}").replace('\n', " "),
    })
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::images::read_cifar_batch;
    use crate::images::test_support::cifar_sample_dir;

    /// The sample PNGs `cifar10_<index>_<label>.png` as `(index, label, path)`, by index.
    fn sample_pngs() -> Vec<(usize, usize, PathBuf)> {
        let mut out: Vec<_> = std::fs::read_dir(cifar_sample_dir().join("png"))
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                let parts: Vec<&str> = stem.split('_').collect();
                (parts[1].parse().unwrap(), parts[2].parse().unwrap(), path)
            })
            .collect();
        out.sort();
        out
    }

    /// Copies the sample PNGs into `root/<label>/` folders.
    fn class_tree(root: &Path) {
        for (_, label, path) in sample_pngs() {
            let class = root.join(label.to_string());
            std::fs::create_dir_all(&class).unwrap();
            std::fs::copy(&path, class.join(path.file_name().unwrap())).unwrap();
        }
    }

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    #[test]
    fn png_pixels_equal_the_binary_batch() {
        // The README of the sample: the PNGs and test_batch_first20.bin hold the same 20 images.
        let batch = read_cifar_batch(&cifar_sample_dir().join("test_batch_first20.bin")).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        class_tree(&tmp.path().join("train"));
        class_tree(&tmp.path().join("test"));
        let set = load_image_folder(tmp.path(), &FolderOptions::default(), &mut rng()).unwrap();
        assert_eq!(set.shape, [3, 32, 32]);
        // Labels 2 and 4 do not occur among the first 20 CIFAR-10 test images.
        assert_eq!(set.classes, ["0", "1", "3", "5", "6", "7", "8", "9"]);
        // Images come class by class (classes sorted by name), files in name order.
        let mut expected: Vec<(usize, usize)> =
            sample_pngs().iter().map(|(i, l, _)| (*l, *i)).collect();
        expected.sort();
        for split in [&set.train, &set.test] {
            assert_eq!(split.len(), 20);
            for (row, (label, index)) in expected.iter().enumerate() {
                assert_eq!(set.classes[split.labels[row]], label.to_string());
                assert_eq!(
                    split.image(row, 3072),
                    batch.image(*index, 3072),
                    "image {index}"
                );
            }
        }
    }

    #[test]
    fn flat_layout_splits_each_class_reproducibly() {
        let tmp = tempfile::tempdir().unwrap();
        class_tree(tmp.path());
        let options = FolderOptions {
            test_fraction: 0.5,
            ..Default::default()
        };
        let a = load_image_folder(tmp.path(), &options, &mut rng()).unwrap();
        let b = load_image_folder(tmp.path(), &options, &mut rng()).unwrap();
        assert_eq!(a, b);
        // Class "6" has 4 images (indices 4, 5, 7, 19): round(4 * 0.5) = 2 go to the test split;
        // class "0" has 2 (indices 3, 10): 1 each.
        let count =
            |images: &Images, label: usize| images.labels.iter().filter(|&&l| l == label).count();
        let six = a.classes.iter().position(|c| c == "6").unwrap();
        assert_eq!((count(&a.train, six), count(&a.test, six)), (2, 2));
        assert_eq!((count(&a.train, 0), count(&a.test, 0)), (1, 1));
        assert_eq!(a.train.len() + a.test.len(), 20);
        let bad = FolderOptions {
            test_fraction: 1.0,
            ..Default::default()
        };
        let err = load_image_folder(tmp.path(), &bad, &mut rng()).unwrap_err();
        assert!(err.to_string().contains("test_fraction"), "{err}");
    }

    #[test]
    fn gray_and_rgb_conversions() {
        let tmp = tempfile::tempdir().unwrap();
        for class in ["a", "b"] {
            std::fs::create_dir_all(tmp.path().join(class)).unwrap();
        }
        // A gray image first: Auto reads everything as 1 channel.
        image::GrayImage::from_raw(2, 1, vec![10, 200])
            .unwrap()
            .save(tmp.path().join("a/1.png"))
            .unwrap();
        // A gray-valued RGB pixel (v, v, v) has luma v under any weights summing to 1.
        image::RgbImage::from_raw(2, 1, vec![50, 50, 50, 255, 0, 0])
            .unwrap()
            .save(tmp.path().join("b/1.png"))
            .unwrap();
        std::fs::write(tmp.path().join("b/notes.txt"), "ignored").unwrap();
        let split = FolderOptions {
            test_fraction: 0.4,
            ..Default::default()
        };
        // round(1 * 0.4) = 0: every image goes to training.
        let set = load_image_folder(tmp.path(), &split, &mut rng()).unwrap();
        assert_eq!(set.shape, [1, 1, 2]);
        assert_eq!(set.train.image(0, 2), &[10, 200]);
        assert_eq!(set.train.image(1, 2)[0], 50);
        // Rec. 709 luma of pure red: 0.2126 * 255 = 54.2, stored as 54.
        assert_eq!(set.train.image(1, 2)[1], 54);
        let rgb = FolderOptions {
            color: ColorMode::Rgb,
            ..split
        };
        let set = load_image_folder(tmp.path(), &rgb, &mut rng()).unwrap();
        assert_eq!(set.shape, [3, 1, 2]);
        // Channel-major: R of both pixels, then G, then B; gray repeats into all three.
        assert_eq!(set.train.image(0, 6), &[10, 200, 10, 200, 10, 200]);
        assert_eq!(set.train.image(1, 6), &[50, 255, 50, 0, 50, 0]);
    }

    #[test]
    fn malformed_folders_give_one_line_errors_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let err = load_image_folder(tmp.path(), &FolderOptions::default(), &mut rng())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no class folders"), "{err}");
        let class = tmp.path().join("cat");
        std::fs::create_dir_all(&class).unwrap();
        let err = load_image_folder(tmp.path(), &FolderOptions::default(), &mut rng())
            .unwrap_err()
            .to_string();
        assert!(err.contains("cat: class folder holds no .png"), "{err}");
        image::GrayImage::new(2, 2)
            .save(class.join("a.png"))
            .unwrap();
        image::GrayImage::new(3, 2)
            .save(class.join("b.png"))
            .unwrap();
        let err = load_image_folder(tmp.path(), &FolderOptions::default(), &mut rng())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("b.png: image is 3x2, but ")
                && err.ends_with("a.png is 2x2: all images must share one size"),
            "{err}"
        );
        std::fs::remove_file(class.join("b.png")).unwrap();
        std::fs::write(class.join("c.PNG"), b"not an image at all").unwrap();
        let err = load_image_folder(tmp.path(), &FolderOptions::default(), &mut rng())
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.PNG: cannot decode image"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        // train/ and test/ with different classes.
        let split = tempfile::tempdir().unwrap();
        for d in ["train/cat", "train/dog", "test/cat"] {
            std::fs::create_dir_all(split.path().join(d)).unwrap();
        }
        let err = load_image_folder(split.path(), &FolderOptions::default(), &mut rng())
            .unwrap_err()
            .to_string();
        assert!(err.contains("class folders [cat] differ"), "{err}");
    }
}
