//! Binary tasks on pairs of image classes (SPEC 6, Images).
//!
//! Each task takes a pair of classes `(a, b)`, `a < b`, and draws a class-balanced sample without
//! replacement: `n_train / 2` images of each class from the training images and `n_test / 2` of
//! each from the test images (so train and test never share an image). Label 1 marks class `b`,
//! 0 class `a`; rows are shuffled. Features: pixels to `[0, 1]`, one global z-score fitted on all
//! training pixels, then either PCA scores (PCA fitted on training images) or the z-scored pixels
//! themselves. In the "clustered" variant `K` distinct pairs are drawn first and every task draws
//! one of them uniformly (recorded as the task's `group`), so the tasks of a cluster differ only
//! in their random samples.

use nalgebra::DVector;
use rand::seq::{SliceRandom, index};
use rand::{Rng, RngExt};

use super::features::{PairFeatures, prepare_features};
use super::{ImageSet, Images, Standardise};
use crate::{DataError, LoadedTasks, Task, TaskSet};

/// Settings of [`pair_tasks`]; defaults are the paper's (SPEC 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairTasksConfig {
    /// Number of tasks `T` (default 200).
    pub n_tasks: usize,
    /// Training images per task, half of each class: even, at least 2 (default 64).
    pub n_train: usize,
    /// Test images per task, half of each class: even, at least 2 (default 128).
    pub n_test: usize,
    /// `Some(K)`: the clustered variant, `K` distinct pairs each shared by a cluster of tasks;
    /// `None` (default): every task draws its own pair uniformly from all `C(classes, 2)` pairs.
    pub clusters: Option<usize>,
    /// PCA scores (default: 100 components, fit on at most 10,000 images) or raw pixels.
    pub features: PairFeatures,
    /// The pixel z-score: one global mean and std (default, SPEC 6) or one per pixel position.
    pub standardise: Standardise,
}

impl Default for PairTasksConfig {
    fn default() -> Self {
        Self {
            n_tasks: 200,
            n_train: 64,
            n_test: 128,
            clusters: None,
            features: PairFeatures::default(),
            standardise: Standardise::Global,
        }
    }
}

impl PairTasksConfig {
    /// Checks the settings against an image set with `n_classes` classes; errors name the setting.
    pub fn validate(&self, n_classes: usize) -> Result<(), DataError> {
        let invalid = |name, value: usize, reason| {
            Err(DataError::InvalidSetting {
                name,
                value: value.to_string(),
                reason,
            })
        };
        if n_classes < 2 {
            return invalid("classes", n_classes, "pair tasks need at least 2 classes");
        }
        if self.n_tasks == 0 {
            return invalid("n_tasks", 0, "must be at least 1");
        }
        for (name, n) in [("n_train", self.n_train), ("n_test", self.n_test)] {
            if n == 0 || n % 2 == 1 {
                return invalid(
                    name,
                    n,
                    "must be even and at least 2 (half from each class)",
                );
            }
        }
        let n_pairs = n_classes * (n_classes - 1) / 2;
        if let Some(k) = self.clusters
            && (k == 0 || k > n_pairs)
        {
            return invalid(
                "clusters",
                k,
                "must be between 1 and the number of class pairs C(classes, 2)",
            );
        }
        if let PairFeatures::Pca { k, fit_rows } = self.features {
            if k == 0 {
                return invalid("pca components", 0, "must be at least 1");
            }
            if fit_rows < 2 {
                return invalid("pca fit_rows", fit_rows, "must be at least 2");
            }
        }
        Ok(())
    }
}

/// Builds binary tasks on class pairs from `set` (see the module docs), every random choice
/// drawn from `rng`: the PCA fit sample, the cluster pairs, each task's pair and samples.
/// Task ids are `t017:3v8` (task 17 on classes 3 and 8); `group` is the cluster's index in the
/// clustered variant, else `None`. The result is binary, and with [`PairFeatures::RawPixels`]
/// records `set.shape`. Notes give the classes, the pixel scaling, the PCA's explained variance
/// and the pairs. Errors: invalid settings, a class with fewer images than a task draws.
pub fn pair_tasks<R: Rng + ?Sized>(
    set: &ImageSet,
    config: &PairTasksConfig,
    rng: &mut R,
) -> Result<LoadedTasks, DataError> {
    set.check("image set")?;
    let n_classes = set.classes.len();
    config.validate(n_classes)?;
    let train_by_class = set.train.indices_by_class(n_classes);
    let test_by_class = set.test.indices_by_class(n_classes);
    for (split, by_class, n) in [
        ("training", &train_by_class, config.n_train),
        ("test", &test_by_class, config.n_test),
    ] {
        if let Some(c) = by_class.iter().position(|rows| rows.len() < n / 2) {
            return Err(DataError::TooFewImages {
                class: set.classes[c].clone(),
                split,
                found: by_class[c].len(),
                needed: n / 2,
            });
        }
    }
    let (featurizer, mut notes) = prepare_features(set, config.features, config.standardise, rng)?;
    let all_pairs: Vec<(usize, usize)> = (0..n_classes)
        .flat_map(|a| (a + 1..n_classes).map(move |b| (a, b)))
        .collect();
    let cluster_pairs: Option<Vec<(usize, usize)>> = config.clusters.map(|k| {
        index::sample(rng, all_pairs.len(), k)
            .iter()
            .map(|i| all_pairs[i])
            .collect()
    });
    let width = (config.n_tasks - 1).to_string().len().max(3);
    let mut tasks = Vec::with_capacity(config.n_tasks);
    for v in 0..config.n_tasks {
        let (group, (a, b)) = match &cluster_pairs {
            Some(pairs) => {
                let g = rng.random_range(0..pairs.len());
                (Some(g), pairs[g])
            }
            None => (None, all_pairs[rng.random_range(0..all_pairs.len())]),
        };
        let mut split = |images: &Images, by_class: &[Vec<usize>], n: usize| {
            let (rows, y) = balanced_sample(&by_class[a], &by_class[b], n / 2, rng);
            featurizer.split(images, &rows, y)
        };
        let train = split(&set.train, &train_by_class, config.n_train);
        let test = split(&set.test, &test_by_class, config.n_test);
        tasks.push(Task {
            id: format!("t{v:0width$}:{a}v{b}"),
            train,
            test,
            group,
        });
    }
    notes.push(pair_note(
        config,
        &all_pairs,
        cluster_pairs.as_deref(),
        &tasks,
    ));
    notes.push(format!(
        "each task: {} + {} training and {} + {} test images of its two classes, drawn without \
         replacement; label 1 = the pair's second class (task t017:3v8: label 1 = class 8)",
        config.n_train / 2,
        config.n_train / 2,
        config.n_test / 2,
        config.n_test / 2
    ));
    let tasks = featurizer.finish(TaskSet::new(tasks)?.into_binary()?)?;
    Ok(LoadedTasks {
        tasks,
        skipped: Vec::new(),
        notes,
    })
}

/// `half` images of class `a` (label 0) and `half` of class `b` (label 1), each drawn without
/// replacement from its class's rows, then shuffled together: rows `[2*half]`, labels `[2*half]`.
fn balanced_sample<R: Rng + ?Sized>(
    class_a: &[usize],
    class_b: &[usize],
    half: usize,
    rng: &mut R,
) -> (Vec<usize>, DVector<f64>) {
    let mut rows: Vec<(usize, f64)> = Vec::with_capacity(2 * half);
    for (class_rows, label) in [(class_a, 0.0), (class_b, 1.0)] {
        rows.extend(
            index::sample(rng, class_rows.len(), half)
                .iter()
                .map(|i| (class_rows[i], label)),
        );
    }
    rows.shuffle(rng);
    let y = DVector::from_iterator(rows.len(), rows.iter().map(|&(_, label)| label));
    (rows.into_iter().map(|(row, _)| row).collect(), y)
}

/// One line on the pairs used: the clusters and their sizes, or how many distinct pairs.
fn pair_note(
    config: &PairTasksConfig,
    all_pairs: &[(usize, usize)],
    cluster_pairs: Option<&[(usize, usize)]>,
    tasks: &[Task],
) -> String {
    match cluster_pairs {
        Some(pairs) => {
            let listed: Vec<String> = pairs
                .iter()
                .enumerate()
                .map(|(g, (a, b))| {
                    let n = tasks.iter().filter(|t| t.group == Some(g)).count();
                    format!("group {g} = {a}v{b} ({n} tasks)")
                })
                .collect();
            format!(
                "clustered: {} distinct class pairs, each task draws one uniformly: {}",
                pairs.len(),
                listed.join(", ")
            )
        }
        None => {
            let mut used: Vec<&str> = tasks
                .iter()
                .map(|t| t.id.split(':').nth(1).unwrap_or(""))
                .collect();
            used.sort_unstable();
            used.dedup();
            format!(
                "{} tasks, each on a class pair drawn uniformly from all {} pairs ({} distinct \
                 pairs used)",
                config.n_tasks,
                all_pairs.len(),
                used.len()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::Problem;
    use crate::Split;
    use crate::images::PixelScaling;
    use crate::images::test_support::fashion_mnist;

    /// `n_classes` classes of `per_class` train and test images, shape `[1, 1, 3]`. Each image
    /// says who it is: pixel 0 = class (+ 100 in the test split), pixels 1, 2 = its index within
    /// its class and split.
    fn labelled_set(n_classes: usize, per_class: usize) -> ImageSet {
        let split = |offset: u8| {
            let mut images = Images::default();
            for c in 0..n_classes {
                for i in 0..per_class {
                    images
                        .pixels
                        .extend([offset + c as u8, (i / 256) as u8, (i % 256) as u8]);
                    images.labels.push(c);
                }
            }
            images
        };
        let classes = (0..n_classes).map(|c| format!("c{c}")).collect();
        ImageSet::new("mem", [1, 1, 3], classes, split(0), split(100)).unwrap()
    }

    /// Undoes the z-score of a raw-pixel row: the image's bytes.
    fn bytes_of(set: &ImageSet, split: &Split, row: usize) -> Vec<u8> {
        let s = PixelScaling::fit(&set.train, 3, Standardise::Global).unwrap();
        split
            .x
            .row(row)
            .iter()
            .map(|z| ((z * s.std[0] + s.mean[0]) * 255.0).round() as u8)
            .collect()
    }

    fn raw(n_tasks: usize, clusters: Option<usize>) -> PairTasksConfig {
        PairTasksConfig {
            n_tasks,
            n_train: 6,
            n_test: 10,
            clusters,
            features: PairFeatures::RawPixels,
            standardise: Standardise::Global,
        }
    }

    #[test]
    fn balanced_labelled_disjoint_samples() {
        let set = labelled_set(4, 20);
        let loaded = pair_tasks(&set, &raw(30, None), &mut StdRng::seed_from_u64(1)).unwrap();
        let tasks = &loaded.tasks;
        assert_eq!(tasks.len(), 30);
        assert_eq!(tasks.problem(), Problem::Binary);
        assert_eq!(tasks.image_shape(), Some([1, 1, 3]));
        for task in tasks.tasks() {
            // Id t007:1v3 names classes a = 1 < b = 3.
            let (a, b) = task.id.split_once(':').unwrap().1.split_once('v').unwrap();
            let (a, b): (u8, u8) = (a.parse().unwrap(), b.parse().unwrap());
            assert!(a < b && b < 4, "{}", task.id);
            assert_eq!(task.group, None);
            for (split, n, offset) in [(&task.train, 6, 0u8), (&task.test, 10, 100)] {
                assert_eq!(split.x.shape(), (n, 3));
                assert_eq!(split.y.sum(), (n / 2) as f64, "balanced");
                let mut seen = Vec::new();
                for row in 0..n {
                    let bytes = bytes_of(&set, split, row);
                    // Label 1 <=> class b; train rows come from the train images only (pixel 0
                    // below 100) and test rows from the test images.
                    let class = if split.y[row] == 1.0 { b } else { a };
                    assert_eq!(bytes[0], offset + class, "{} row {row}", task.id);
                    seen.push(bytes);
                }
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), n, "drawn without replacement");
            }
        }
        // 30 tasks over the 6 pairs of 4 classes: all are used with overwhelming probability.
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.contains("from all 6 pairs (6 distinct")),
            "{:?}",
            loaded.notes
        );
    }

    #[test]
    fn reproducible_from_the_seed() {
        let set = labelled_set(5, 12);
        let run = |seed, config: &PairTasksConfig| {
            pair_tasks(&set, config, &mut StdRng::seed_from_u64(seed)).unwrap()
        };
        let pca = PairTasksConfig {
            features: PairFeatures::Pca { k: 2, fit_rows: 30 },
            ..raw(8, Some(3))
        };
        let per_pixel = PairTasksConfig {
            standardise: Standardise::PerPixel,
            ..pca
        };
        for config in [raw(8, None), pca, per_pixel] {
            assert_eq!(run(3, &config), run(3, &config));
            assert_ne!(run(3, &config).tasks, run(4, &config).tasks);
        }
        assert_eq!(run(3, &pca).tasks.n_features(), 2);
        assert_eq!(run(3, &pca).tasks.image_shape(), None);
        // Pixel 1 (index / 256) is 0 in every image: the one position that never varies.
        let notes = run(3, &per_pixel).notes;
        assert!(
            notes[1].contains("(1 of 3 positions never vary"),
            "{notes:?}"
        );
    }

    #[test]
    fn clustered_tasks_share_their_groups_pair() {
        let set = labelled_set(5, 12);
        let loaded = pair_tasks(&set, &raw(40, Some(3)), &mut StdRng::seed_from_u64(2)).unwrap();
        let mut pair_of_group = std::collections::HashMap::new();
        for task in loaded.tasks.tasks() {
            let g = task.group.unwrap();
            assert!(g < 3);
            let pair = task.id.split_once(':').unwrap().1.to_string();
            assert_eq!(pair_of_group.entry(g).or_insert(pair.clone()), &pair);
        }
        // 40 tasks, 3 groups: every group is drawn (probability of a miss ~ 3 (2/3)^40 < 1e-6).
        assert_eq!(pair_of_group.len(), 3);
        let mut pairs: Vec<_> = pair_of_group.values().collect();
        pairs.sort();
        pairs.dedup();
        assert_eq!(pairs.len(), 3, "the K pairs are distinct");
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.starts_with("clustered: 3 distinct"))
        );
    }

    #[test]
    fn bad_settings_and_small_classes_are_named() {
        let set = labelled_set(3, 4);
        let err = |config: PairTasksConfig| {
            pair_tasks(&set, &config, &mut StdRng::seed_from_u64(0))
                .unwrap_err()
                .to_string()
        };
        assert!(
            err(PairTasksConfig {
                n_train: 5,
                ..raw(2, None)
            })
            .contains("n_train = 5")
        );
        assert!(
            err(PairTasksConfig {
                n_test: 0,
                ..raw(2, None)
            })
            .contains("n_test = 0")
        );
        assert!(err(raw(0, None)).contains("n_tasks = 0"));
        // 3 classes have 3 pairs.
        assert!(err(raw(2, Some(4))).contains("clusters = 4"));
        assert!(err(raw(2, Some(0))).contains("clusters = 0"));
        // n_test = 10 draws 5 of each class, but each class has 4 test images.
        assert_eq!(
            err(raw(2, None)),
            "class 'c0' has 4 test images, but each task draws 5 from each class"
        );
        // Public fields can be set inconsistently: an error, not a panic.
        let mut broken = labelled_set(3, 4);
        broken.train.labels[0] = 7;
        let e = pair_tasks(&broken, &raw(2, None), &mut StdRng::seed_from_u64(0)).unwrap_err();
        assert!(
            e.to_string()
                .contains("label 7 but there are only 3 classes"),
            "{e}"
        );
        let one = labelled_set(1, 10);
        let e = pair_tasks(&one, &raw(2, None), &mut StdRng::seed_from_u64(0)).unwrap_err();
        assert!(e.to_string().contains("classes = 1"), "{e}");
        let k0 = PairTasksConfig {
            features: PairFeatures::Pca { k: 0, fit_rows: 10 },
            n_test: 2,
            ..raw(2, None)
        };
        assert!(err(k0).contains("pca components = 0"));
        // More components than the 3 pixels: all 3, with a note (not an error).
        let too_many = PairTasksConfig {
            features: PairFeatures::Pca { k: 4, fit_rows: 10 },
            n_test: 2,
            ..raw(2, None)
        };
        let loaded = pair_tasks(&set, &too_many, &mut StdRng::seed_from_u64(0)).unwrap();
        assert_eq!(loaded.tasks.n_features(), 3);
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.contains("keeps all 3 components")),
            "{:?}",
            loaded.notes
        );
    }

    #[test]
    fn fashion_mnist_pair_tasks() {
        let set = fashion_mnist();
        let start = std::time::Instant::now();
        let loaded = pair_tasks(
            set,
            &PairTasksConfig::default(),
            &mut StdRng::seed_from_u64(0),
        )
        .unwrap();
        let seconds = start.elapsed().as_secs_f64();
        let tasks = &loaded.tasks;
        assert_eq!((tasks.len(), tasks.n_features()), (200, 100));
        assert_eq!(tasks.tasks()[0].train.x.shape(), (64, 100));
        assert_eq!(tasks.tasks()[0].test.x.shape(), (128, 100));
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.starts_with("PCA to 100 components explains 9")),
            "{:?}",
            loaded.notes
        );
        assert!(seconds < 60.0, "{seconds:.1} s");
        let raw = PairTasksConfig {
            n_tasks: 5,
            clusters: Some(2),
            features: PairFeatures::RawPixels,
            ..Default::default()
        };
        let loaded = pair_tasks(set, &raw, &mut StdRng::seed_from_u64(0)).unwrap();
        assert_eq!(loaded.tasks.image_shape(), Some([1, 28, 28]));
        assert_eq!(loaded.tasks.n_features(), 784);
    }
}
