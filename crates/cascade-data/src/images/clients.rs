//! A folder per client: `DIR/<task>/<class>/*.png|jpg|jpeg`, or `DIR/<task>/train/<class>/` and
//! `DIR/<task>/test/<class>/`, the layout a user with per-client image collections has.
//!
//! Each task folder is read as an image folder ([`super::load_image_folder`]: without `train/`
//! and `test/`, a seeded stratified split by the test fraction). Class names are the union over
//! tasks, sorted; a task may lack classes, and its labels index the union. Every image of every
//! task must share one shape. The pixel scaling and the PCA are fitted on all tasks' training
//! images, as for the other image data.

use std::path::Path;

use nalgebra::DVector;
use rand::Rng;

use super::features::prepare_features;
use super::{
    FolderOptions, ImageInput, ImageSet, Images, PairFeatures, Standardise, load_image_folder,
};
use crate::{DataError, LoadedTasks, Task, TaskSet};

/// The images of every client folder, pooled into one set, and which of them each task holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientImages {
    /// Every task's images, labels indexing the union of class names.
    pub set: ImageSet,
    /// Per task: its id (the folder name), its training and its test images in `set`.
    pub tasks: Vec<(String, Vec<usize>, Vec<usize>)>,
}

/// Reads `dir`'s task folders (sorted by name, hidden ones left out); `rng` splits the tasks
/// without `train/` and `test/`. Errors name the folder or file.
pub fn load_client_folders<R: Rng + ?Sized>(
    dir: &Path,
    options: &FolderOptions,
    rng: &mut R,
) -> Result<ClientImages, DataError> {
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DataError::io(dir, &e))? {
        let entry = entry.map_err(|e| DataError::io(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && !name.starts_with('.') {
            folders.push((name, entry.path()));
        }
    }
    folders.sort();
    if folders.is_empty() {
        return Err(DataError::NoUsableTasks {
            path: dir.display().to_string(),
            message: "no task folders: expected <task>/<class>/*.png|jpg|jpeg inside".into(),
        });
    }
    let sets = folders
        .iter()
        .map(|(_, path)| load_image_folder(path, options, rng))
        .collect::<Result<Vec<ImageSet>, _>>()?;
    let mut classes: Vec<String> = sets.iter().flat_map(|s| s.classes.clone()).collect();
    classes.sort();
    classes.dedup();
    let shape = sets[0].shape;
    let (mut train, mut test) = (Images::default(), Images::default());
    let mut tasks = Vec::with_capacity(sets.len());
    for ((name, path), set) in folders.iter().zip(&sets) {
        if set.shape != shape {
            return Err(DataError::NoUsableTasks {
                path: path.display().to_string(),
                message: format!(
                    "images of shape {:?} (channels, height, width), but task '{}' has {:?}",
                    set.shape, folders[0].0, shape
                ),
            });
        }
        let union: Vec<usize> = set
            .classes
            .iter()
            .map(|c| {
                classes
                    .binary_search(c)
                    .expect("the union holds every class")
            })
            .collect();
        let append = |from: &Images, to: &mut Images| -> Vec<usize> {
            let first = to.len();
            to.pixels.extend_from_slice(&from.pixels);
            to.labels.extend(from.labels.iter().map(|&l| union[l]));
            (first..to.len()).collect()
        };
        let train_rows = append(&set.train, &mut train);
        let test_rows = append(&set.test, &mut test);
        tasks.push((name.clone(), train_rows, test_rows));
    }
    let set = ImageSet::new(&dir.display().to_string(), shape, classes, train, test)?;
    Ok(ClientImages { set, tasks })
}

/// The tasks of `clients`, with features from the pooled training images (the PCA fit sample
/// drawn from `rng`). A task without training or test images is an error naming it.
pub fn client_folder_tasks<R: Rng + ?Sized>(
    clients: &ClientImages,
    features: PairFeatures,
    standardise: Standardise,
    rng: &mut R,
) -> Result<LoadedTasks, DataError> {
    Ok(client_folder_tasks_with_input(clients, features, standardise, rng)?.0)
}

/// [`client_folder_tasks`] with the fitted feature pipeline, which turns image files into the
/// rows of these tasks (kept with a trained cascade for predictions on image files).
pub fn client_folder_tasks_with_input<R: Rng + ?Sized>(
    clients: &ClientImages,
    features: PairFeatures,
    standardise: Standardise,
    rng: &mut R,
) -> Result<(LoadedTasks, ImageInput), DataError> {
    let set = &clients.set;
    let (featurizer, mut notes) = prepare_features(set, features, standardise, rng)?;
    let split = |images: &Images, rows: &[usize]| {
        let y = DVector::from_iterator(rows.len(), rows.iter().map(|&r| images.labels[r] as f64));
        featurizer.split(images, rows, y)
    };
    let mut tasks = Vec::with_capacity(clients.tasks.len());
    for (id, train, test) in &clients.tasks {
        if train.is_empty() || test.is_empty() {
            return Err(DataError::EmptySplit {
                task: id.clone(),
                split: if train.is_empty() { "train" } else { "test" },
            });
        }
        tasks.push(Task {
            id: id.clone(),
            train: split(&set.train, train),
            test: split(&set.test, test),
            group: None,
        });
    }
    notes.push(format!(
        "{} client folders, {} classes over all of them, {} training and {} test images",
        tasks.len(),
        set.classes.len(),
        set.train.len(),
        set.test.len()
    ));
    let tasks = featurizer.finish(TaskSet::new(tasks)?.into_classes(set.classes.clone())?)?;
    Ok((
        LoadedTasks {
            tasks,
            skipped: Vec::new(),
            notes,
        },
        featurizer,
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::images::test_support::{cifar_sample_dir, fashion_mnist};

    /// Writes image `i` of `images` (`[1, 28, 28]` gray) as a PNG.
    fn write_gray(images: &Images, i: usize, path: &Path) {
        let img = image::GrayImage::from_raw(28, 28, images.image(i, 784).to_vec()).unwrap();
        img.save(path).unwrap();
    }

    #[test]
    fn a_folder_per_client_written_from_fashion_mnist_reads_back_pixel_for_pixel() {
        let set = fashion_mnist();
        let root = tempfile::tempdir().unwrap();
        // Three clients: a and b with train/ and test/, c split by the test fraction; client b
        // lacks class "Bag", client c holds only "Trouser" and "Bag".
        let by_class = set.train.indices_by_class(10);
        let layout: [(&str, &[usize]); 3] = [("a", &[0, 1, 8]), ("b", &[0, 1]), ("c", &[1, 8])];
        let mut written = 0;
        for (client, classes) in layout {
            for &c in classes {
                // "T-shirt/top" cannot be a folder name.
                let name = set.classes[c].replace('/', "-");
                let dirs: Vec<_> = if client == "c" {
                    vec![root.path().join(client).join(&name)]
                } else {
                    vec![
                        root.path().join(client).join("train").join(&name),
                        root.path().join(client).join("test").join(&name),
                    ]
                };
                for (k, dir) in dirs.iter().enumerate() {
                    std::fs::create_dir_all(dir).unwrap();
                    for j in 0..5 {
                        let i = by_class[c][written % 500 + 10 * k + j];
                        write_gray(&set.train, i, &dir.join(format!("{j}.png")));
                    }
                }
                written += 20;
            }
        }
        let options = FolderOptions {
            test_fraction: 0.4,
            ..FolderOptions::default()
        };
        let clients =
            load_client_folders(root.path(), &options, &mut StdRng::seed_from_u64(1)).unwrap();
        // The union of class names, sorted; labels index it.
        assert_eq!(
            clients.set.classes,
            ["Bag", "T-shirt-top", "Trouser"].map(String::from)
        );
        let ids: Vec<&str> = clients.tasks.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        let (_, b_train, _) = &clients.tasks[1];
        assert_eq!(b_train.len(), 10);
        assert!(
            b_train.iter().all(|&r| clients.set.train.labels[r] != 0),
            "b has no Bag"
        );
        // Client c: 2 classes of 5 images, 40% of each class to test.
        assert_eq!((clients.tasks[2].1.len(), clients.tasks[2].2.len()), (6, 4));
        // Pixels survive the PNG round trip exactly.
        let first_a = &clients.set.train.pixels[..784];
        assert!(set.train.pixels.chunks(784).any(|img| img == first_a));

        let loaded = client_folder_tasks(
            &clients,
            PairFeatures::Pca {
                k: 4,
                fit_rows: 100,
            },
            Standardise::Global,
            &mut StdRng::seed_from_u64(2),
        )
        .unwrap();
        assert_eq!(loaded.tasks.len(), 3);
        assert_eq!(
            loaded.tasks.problem(),
            crate::Problem::Multiclass { classes: 3 }
        );
        assert_eq!(loaded.tasks.n_features(), 4);
    }

    #[test]
    fn client_folders_from_the_cifar_sample_keep_colour_and_name_mismatched_shapes() {
        let root = tempfile::tempdir().unwrap();
        let pngs: Vec<_> = std::fs::read_dir(cifar_sample_dir().join("png"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        for (k, png) in pngs.iter().enumerate() {
            let label = png
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .rsplit('_')
                .next()
                .unwrap()
                .to_string();
            let dir = root
                .path()
                .join(format!("site{}", k % 2))
                .join(format!("class{label}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(png, dir.join(png.file_name().unwrap())).unwrap();
        }
        let clients = load_client_folders(
            root.path(),
            &FolderOptions::default(),
            &mut StdRng::seed_from_u64(3),
        )
        .unwrap();
        assert_eq!(clients.set.shape, [3, 32, 32]);
        assert_eq!(clients.tasks.len(), 2);
        let loaded = client_folder_tasks(
            &clients,
            PairFeatures::RawPixels,
            Standardise::Global,
            &mut StdRng::seed_from_u64(4),
        );
        // Tiny classes may leave a client without test images: a named error, not a panic.
        match loaded {
            Ok(loaded) => assert_eq!(loaded.tasks.image_shape(), Some([3, 32, 32])),
            Err(e) => assert!(e.to_string().contains("site"), "{e}"),
        }
        // A client whose images are another size is named.
        let odd = root.path().join("site9/classX");
        std::fs::create_dir_all(&odd).unwrap();
        image::RgbImage::new(8, 8).save(odd.join("x.png")).unwrap();
        let err = load_client_folders(
            root.path(),
            &FolderOptions::default(),
            &mut StdRng::seed_from_u64(3),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("site9") && err.contains("[3, 8, 8]"), "{err}");
    }
}
