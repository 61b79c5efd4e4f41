//! Image data sets and binary tasks on class pairs (SPEC 6, Images).
//!
//! Three readers return one [`ImageSet`] (8-bit pixels `[n, c*h*w]`, channel-major, with labels
//! and class names): [`load_fashion_mnist`] / [`load_mnist`] (IDX files, gzipped or not),
//! [`load_cifar10`] (CIFAR-10 binary batches) and [`load_image_folder`] (one folder of PNG/JPEG
//! files per class). [`pair_tasks`] turns an image set into binary tasks on class pairs: pixels
//! to `[0, 1]`, a z-score ([`Standardise`]: one global mean and std by default), then PCA scores
//! ([`Pca`]) or the raw z-scored pixels.

mod cifar;
mod classes;
mod clients;
mod features;
mod folder;
mod idx;
mod pairs;
mod partition;
mod pca;
mod scaling;
mod set;
mod shares;
mod synthetic;
mod tree;

pub use cifar::{CIFAR10_CLASSES, CIFAR10_SHAPE, load_cifar10, read_cifar_batch};
pub use classes::{ClassTasksConfig, class_tasks};
pub use clients::{
    ClientImages, client_folder_tasks, client_folder_tasks_with_input, load_client_folders,
};
pub use features::{ImageInput, PairFeatures};
pub use folder::{ColorMode, FolderOptions, is_image_file, load_image_folder, read_image_file};
pub use idx::{
    FASHION_MNIST_CLASSES, IDX_FILE_NAMES, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IdxImages,
    load_fashion_mnist, load_idx_dir, load_mnist, read_idx_images, read_idx_labels,
    read_maybe_gzipped,
};
pub use pairs::{PairTasksConfig, pair_tasks};
pub use partition::{PartitionConfig, partition_tasks};
pub use pca::{PCA_MAX_FEATURES, Pca};
pub use scaling::{PixelScaling, Standardise};
pub use set::{ImageSet, Images};
pub use shares::Partition;
pub use synthetic::{SyntheticImages, synthetic_images};
pub use tree::{ImageFile, ImageTree, list_image_tree};

#[cfg(test)]
pub(crate) mod test_support {
    //! Shared fixtures: the real Fashion-MNIST files (read once) and the CIFAR-10 sample.

    use std::path::PathBuf;
    use std::sync::OnceLock;

    use super::ImageSet;

    /// Where Fashion-MNIST lives: `$FASHION_MNIST_DIR`, else the Debian package's directory.
    pub fn fashion_mnist_dir() -> PathBuf {
        std::env::var_os("FASHION_MNIST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/share/datasets/fashion-mnist"))
    }

    /// The full Fashion-MNIST set, read once for all tests. `scripts/setup` installs it (Debian
    /// package `dataset-fashion-mnist`); a missing set fails the test with that advice rather
    /// than passing silently.
    pub fn fashion_mnist() -> &'static ImageSet {
        static SET: OnceLock<ImageSet> = OnceLock::new();
        SET.get_or_init(|| {
            let dir = fashion_mnist_dir();
            assert!(
                dir.is_dir(),
                "Fashion-MNIST is not in {}: run scripts/setup (or set FASHION_MNIST_DIR)",
                dir.display()
            );
            super::load_fashion_mnist(&dir).expect("Fashion-MNIST reads")
        })
    }

    /// The 20-image CIFAR-10 sample shipped with the crate (binary batch and PNGs).
    pub fn cifar_sample_dir() -> PathBuf {
        crate::repo_root().join("crates/cascade-data/testdata/cifar10-sample")
    }
}
