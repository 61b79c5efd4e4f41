//! MNIST / Fashion-MNIST IDX files, gzipped or not.
//!
//! An IDX file is a big-endian header, then the data: magic `0x00000803` (unsigned bytes,
//! 3 dimensions), `n`, `rows`, `cols`, then `n*rows*cols` pixel bytes for images; magic
//! `0x00000801`, `n`, then `n` label bytes for labels. A gzipped file is recognised by its first
//! two bytes (`1f 8b`), not by its name.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::{ImageSet, Images};
use crate::DataError;

/// Magic number of an IDX file of unsigned-byte images (3 dimensions).
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels (1 dimension).
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// Fashion-MNIST's ten class names, indexed by label.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// The four file names of the MNIST layout (each may also carry a `.gz` suffix).
pub const IDX_FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// Grayscale images read from an IDX file: `pixels` is `[n, rows*cols]`, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images `n`.
    pub n: usize,
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// Pixel bytes `[n, rows*cols]`.
    pub pixels: Vec<u8>,
}

/// How far deflate can expand: a gzip stream decompresses to at most about 1032 times its
/// size (zlib's technical details), so no real file holds more.
const MAX_GZIP_RATIO: u64 = 1032;

/// Reads a whole file, decompressing it when it starts with the gzip magic bytes `1f 8b`.
/// Returns the bytes and whether they were gzipped. Memory is bounded by the file: its size,
/// or [`MAX_GZIP_RATIO`] times it for a gzip stream, beyond which decompression stops with an
/// error (a gzip bomb is refused before it fills memory).
pub fn read_maybe_gzipped(path: &Path) -> Result<(Vec<u8>, bool), DataError> {
    let raw = std::fs::read(path).map_err(|e| DataError::io(path, &e))?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok((raw, false));
    }
    let cap = (raw.len() as u64).saturating_mul(MAX_GZIP_RATIO);
    let mut out = Vec::with_capacity(raw.len() * 2);
    MultiGzDecoder::new(raw.as_slice())
        .take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| format_error(path, format!("corrupt or truncated gzip stream: {e}")))?;
    if out.len() as u64 > cap {
        return Err(format_error(
            path,
            format!(
                "the gzip stream expands more than {MAX_GZIP_RATIO} times its {} bytes, which \
                 deflate cannot do: not a gzip file",
                raw.len()
            ),
        ));
    }
    Ok((out, true))
}

/// Reads an IDX image file (magic `0x00000803`): `n` images of `rows x cols` bytes.
/// Errors (naming the file): wrong magic number, a file shorter or longer than its header says.
pub fn read_idx_images(path: &Path) -> Result<IdxImages, DataError> {
    let (mut bytes, gz) = read_maybe_gzipped(path)?;
    let dims = header(path, &bytes, IDX_IMAGES_MAGIC, 3, "images")?;
    let (n, rows, cols) = (dims[0], dims[1], dims[2]);
    let needed = n
        .checked_mul(rows)
        .and_then(|v| v.checked_mul(cols))
        .ok_or_else(|| format_error(path, format!("header sizes {n}x{rows}x{cols} overflow")))?;
    let what = format!("{n} images of {rows}x{cols} = {needed} bytes");
    check_length(path, &bytes, 16, needed, &what, gz)?;
    bytes.drain(..16);
    Ok(IdxImages {
        n,
        rows,
        cols,
        pixels: bytes,
    })
}

/// Reads an IDX label file (magic `0x00000801`): `n` label bytes.
/// Errors (naming the file): wrong magic number, a file shorter or longer than its header says.
pub fn read_idx_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let (mut bytes, gz) = read_maybe_gzipped(path)?;
    let n = header(path, &bytes, IDX_LABELS_MAGIC, 1, "labels")?[0];
    check_length(path, &bytes, 8, n, &format!("{n} labels"), gz)?;
    bytes.drain(..8);
    Ok(bytes)
}

/// Reads Fashion-MNIST from `dir` (the four files of [`IDX_FILE_NAMES`], gzipped or not), with
/// the class names of [`FASHION_MNIST_CLASSES`]: shape `[1, 28, 28]`, 60,000 train, 10,000 test.
pub fn load_fashion_mnist(dir: &Path) -> Result<ImageSet, DataError> {
    let classes = FASHION_MNIST_CLASSES
        .iter()
        .map(|s| s.to_string())
        .collect();
    load_idx_dir(dir, classes)
}

/// Reads MNIST digits from `dir` (same layout as [`load_fashion_mnist`]); classes `"0"`..`"9"`.
pub fn load_mnist(dir: &Path) -> Result<ImageSet, DataError> {
    load_idx_dir(dir, (0..10).map(|d| d.to_string()).collect())
}

/// Reads the four IDX files of [`IDX_FILE_NAMES`] (each `name` or `name.gz`) from `dir`. Labels
/// must be below `classes.len()`, label and image counts must agree, and the train and test
/// images must share one size. Shape `[1, rows, cols]`.
pub fn load_idx_dir(dir: &Path, classes: Vec<String>) -> Result<ImageSet, DataError> {
    let [train_x, train_y, test_x, test_y] = IDX_FILE_NAMES.map(|name| find_file(dir, name));
    let train_x = train_x?;
    let train_images = read_idx_images(&train_x)?;
    let test_path = test_x?;
    let test_images = read_idx_images(&test_path)?;
    if (test_images.rows, test_images.cols) != (train_images.rows, train_images.cols) {
        return Err(format_error(
            &test_path,
            format!(
                "images are {}x{}, but the training images are {}x{}",
                test_images.rows, test_images.cols, train_images.rows, train_images.cols
            ),
        ));
    }
    let shape = [1, train_images.rows, train_images.cols];
    let train = with_labels(train_images, &train_x, &train_y?, classes.len())?;
    let test = with_labels(test_images, &test_path, &test_y?, classes.len())?;
    ImageSet::new(&dir.display().to_string(), shape, classes, train, test)
}

/// Pairs images with the labels of `labels_path`, checking the count and each label's range.
fn with_labels(
    images: IdxImages,
    images_path: &Path,
    labels_path: &Path,
    n_classes: usize,
) -> Result<Images, DataError> {
    let labels = read_idx_labels(labels_path)?;
    if labels.len() != images.n {
        return Err(format_error(
            labels_path,
            format!(
                "holds {} labels, but {} holds {} images",
                labels.len(),
                images_path.display(),
                images.n
            ),
        ));
    }
    if let Some(i) = labels.iter().position(|&l| usize::from(l) >= n_classes) {
        return Err(format_error(
            labels_path,
            format!(
                "label {} at index {i} is not below the number of classes ({n_classes})",
                labels[i]
            ),
        ));
    }
    Ok(Images {
        pixels: images.pixels,
        labels: labels.into_iter().map(usize::from).collect(),
    })
}

/// `dir/name.gz` if it exists, else `dir/name` if it exists, else an error naming both.
fn find_file(dir: &Path, name: &str) -> Result<PathBuf, DataError> {
    let gz = dir.join(format!("{name}.gz"));
    let plain = dir.join(name);
    if gz.is_file() {
        Ok(gz)
    } else if plain.is_file() {
        Ok(plain)
    } else {
        Err(DataError::Io {
            path: plain.display().to_string(),
            message: format!("missing: neither {name} nor {name}.gz is in this directory"),
        })
    }
}

/// Checks the magic number and reads `n_dims` big-endian u32 sizes after it.
fn header(
    path: &Path,
    bytes: &[u8],
    magic: u32,
    n_dims: usize,
    kind: &str,
) -> Result<Vec<usize>, DataError> {
    let header_len = 4 + 4 * n_dims;
    let word = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    if bytes.len() >= 4 && word(0) != magic {
        return Err(format_error(
            path,
            format!(
                "wrong magic number 0x{:08x}, expected 0x{magic:08x} (IDX {kind} of unsigned bytes)",
                word(0)
            ),
        ));
    }
    if bytes.len() < header_len {
        return Err(format_error(
            path,
            format!(
                "truncated: {} bytes, shorter than the {header_len}-byte IDX {kind} header",
                bytes.len()
            ),
        ));
    }
    Ok((0..n_dims).map(|d| word(4 + 4 * d) as usize).collect())
}

/// Checks that exactly `needed` data bytes follow the `header_len`-byte header.
fn check_length(
    path: &Path,
    bytes: &[u8],
    header_len: usize,
    needed: usize,
    what: &str,
    gz: bool,
) -> Result<(), DataError> {
    let held = bytes.len() - header_len;
    let unzipped = if gz { " (decompressed)" } else { "" };
    if held < needed {
        return Err(format_error(
            path,
            format!("truncated: header says {what}, the file{unzipped} holds {held}"),
        ));
    }
    if held > needed {
        return Err(format_error(
            path,
            format!(
                "header says {what}, but the file{unzipped} holds {held}: {} bytes too many",
                held - needed
            ),
        ));
    }
    Ok(())
}

fn format_error(path: &Path, message: String) -> DataError {
    DataError::Format {
        path: path.display().to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;
    use crate::images::test_support::fashion_mnist;

    /// An IDX file: big-endian magic, sizes, then `data`.
    fn idx_bytes(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = magic.to_be_bytes().to_vec();
        for d in dims {
            out.extend(d.to_be_bytes());
        }
        out.extend(data);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// A tiny valid MNIST-layout directory: 3 train and 2 test images of 2x2 pixels.
    fn tiny_dir(gz: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            idx_bytes(IDX_IMAGES_MAGIC, &[3, 2, 2], &(0..12).collect::<Vec<u8>>()),
            idx_bytes(IDX_LABELS_MAGIC, &[3], &[2, 0, 9]),
            idx_bytes(IDX_IMAGES_MAGIC, &[2, 2, 2], &[7; 8]),
            idx_bytes(IDX_LABELS_MAGIC, &[2], &[1, 1]),
        ];
        for (name, bytes) in IDX_FILE_NAMES.iter().zip(files) {
            if gz {
                write(dir.path(), &format!("{name}.gz"), &gzip(&bytes));
            } else {
                write(dir.path(), name, &bytes);
            }
        }
        dir
    }

    #[test]
    fn reads_plain_and_gzipped_files_alike() {
        for gz in [false, true] {
            let dir = tiny_dir(gz);
            let set = load_mnist(dir.path()).unwrap();
            assert_eq!(set.shape, [1, 2, 2]);
            assert_eq!(set.classes.len(), 10);
            assert_eq!(set.train.labels, vec![2, 0, 9]);
            assert_eq!(set.train.image(1, 4), &[4, 5, 6, 7]);
            assert_eq!(set.test.pixels, vec![7; 8]);
            assert_eq!(set.test.labels, vec![1, 1]);
        }
    }

    #[test]
    fn gzip_is_detected_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = idx_bytes(IDX_LABELS_MAGIC, &[2], &[3, 4]);
        let gz_named_plain = write(dir.path(), "a.gz", &bytes);
        let plain_named_gz = write(dir.path(), "b", &gzip(&bytes));
        assert_eq!(read_idx_labels(&gz_named_plain).unwrap(), vec![3, 4]);
        assert_eq!(read_idx_labels(&plain_named_gz).unwrap(), vec![3, 4]);
    }

    #[test]
    fn malformed_files_give_one_line_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let labels = write(
            dir.path(),
            "labels",
            &idx_bytes(IDX_LABELS_MAGIC, &[1], &[0]),
        );
        let err = read_idx_images(&labels).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: wrong magic number 0x00000801, expected 0x00000803 (IDX images of unsigned bytes)",
                labels.display()
            )
        );
        // 3 images of 2x2 need 12 bytes after the 16-byte header; 5 are there.
        let short = idx_bytes(IDX_IMAGES_MAGIC, &[3, 2, 2], &[0; 5]);
        let plain = write(dir.path(), "short", &short);
        let err = read_idx_images(&plain).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: truncated: header says 3 images of 2x2 = 12 bytes, the file holds 5",
                plain.display()
            )
        );
        let gz = write(dir.path(), "short.gz", &gzip(&short));
        let err = read_idx_images(&gz).unwrap_err().to_string();
        assert!(
            err.ends_with("short.gz: truncated: header says 3 images of 2x2 = 12 bytes, the file (decompressed) holds 5"),
            "{err}"
        );
        // A gzip stream cut in the middle.
        let whole = gzip(&idx_bytes(IDX_IMAGES_MAGIC, &[3, 2, 2], &[0; 12]));
        let cut = write(dir.path(), "cut.gz", &whole[..whole.len() - 6]);
        let err = read_idx_images(&cut).unwrap_err().to_string();
        assert!(
            err.contains("cut.gz: corrupt or truncated gzip stream"),
            "{err}"
        );
        let long = write(
            dir.path(),
            "long",
            &idx_bytes(IDX_LABELS_MAGIC, &[1], &[0, 0]),
        );
        let err = read_idx_labels(&long).unwrap_err().to_string();
        assert!(
            err.ends_with("long: header says 1 labels, but the file holds 2: 1 bytes too many"),
            "{err}"
        );
        let tiny = write(dir.path(), "tiny", &[0, 0, 8, 1, 0]);
        let err = read_idx_labels(&tiny).unwrap_err().to_string();
        assert!(
            err.ends_with("tiny: truncated: 5 bytes, shorter than the 8-byte IDX labels header"),
            "{err}"
        );
        // Sizes whose product overflows are an error, not a panic or a huge allocation.
        let huge = write(
            dir.path(),
            "huge",
            &idx_bytes(IDX_IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX], &[]),
        );
        let err = read_idx_images(&huge).unwrap_err().to_string();
        assert!(err.contains("huge: "), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn directory_errors_name_the_file() {
        let dir = tiny_dir(false);
        std::fs::remove_file(dir.path().join("t10k-labels-idx1-ubyte")).unwrap();
        let err = load_mnist(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("t10k-labels-idx1-ubyte: missing: neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz"),
            "{err}"
        );
        write(
            dir.path(),
            "t10k-labels-idx1-ubyte",
            &idx_bytes(IDX_LABELS_MAGIC, &[1], &[1]),
        );
        let err = load_mnist(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("t10k-labels-idx1-ubyte: holds 1 labels, but ")
                && err.ends_with("t10k-images-idx3-ubyte holds 2 images"),
            "{err}"
        );
        write(
            dir.path(),
            "t10k-labels-idx1-ubyte",
            &idx_bytes(IDX_LABELS_MAGIC, &[2], &[1, 10]),
        );
        let err = load_mnist(dir.path()).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "t10k-labels-idx1-ubyte: label 10 at index 1 is not below the number of classes (10)"
            ),
            "{err}"
        );
        write(
            dir.path(),
            "t10k-images-idx3-ubyte",
            &idx_bytes(IDX_IMAGES_MAGIC, &[2, 1, 4], &[0; 8]),
        );
        let err = load_mnist(dir.path()).unwrap_err().to_string();
        assert!(
            err.ends_with("images are 1x4, but the training images are 2x2"),
            "{err}"
        );
    }

    #[test]
    fn reads_the_real_fashion_mnist() {
        let set = fashion_mnist();
        // Facts from the Fashion-MNIST README (zalandoresearch/fashion-mnist): 60,000 training and
        // 10,000 test images of 28x28, 6,000 and 1,000 per class; the first training and the
        // first test image are both ankle boots (label 9).
        assert_eq!(set.shape, [1, 28, 28]);
        assert_eq!(set.train.len(), 60_000);
        assert_eq!(set.test.len(), 10_000);
        assert_eq!(set.train.pixels.len(), 60_000 * 784);
        assert_eq!(set.train.labels[0], 9);
        assert_eq!(set.test.labels[0], 9);
        assert_eq!(set.classes[9], "Ankle boot");
        let counts = |labels: &[usize]| {
            let mut c = [0usize; 10];
            labels.iter().for_each(|&l| c[l] += 1);
            c
        };
        assert_eq!(counts(&set.train.labels), [6000; 10]);
        assert_eq!(counts(&set.test.labels), [1000; 10]);
    }
}
