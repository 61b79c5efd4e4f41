//! Multi-class tasks on an image set: each task (a client) classifies among all classes of the
//! set, on its own random sample of images.
//!
//! Each task draws a class subset (all classes by default, or `classes_per_task` of them at
//! random: label skew between clients), then `n_train` training images uniformly without
//! replacement from the training images of those classes, and `n_test` test images the same
//! way from the test images. Targets are the set's class indices, so every task's model has one
//! output per class of the set, and a task may never see some classes. Features come from the
//! pairs' pipeline: pixels to `[0, 1]`, a z-score, then PCA scores or the pixels themselves.

use rand::Rng;
use rand::seq::index;

use super::features::prepare_features;
use super::{ImageSet, PairFeatures, Standardise};
use crate::{DataError, LoadedTasks, Split, Task, TaskSet};

/// Settings of [`class_tasks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassTasksConfig {
    /// Number of tasks `T` (default 100).
    pub n_tasks: usize,
    /// Training images per task (default 64).
    pub n_train: usize,
    /// Test images per task (default 128).
    pub n_test: usize,
    /// `Some(m)`: each task sees `m` classes drawn at random; `None` (default): all classes.
    pub classes_per_task: Option<usize>,
    /// PCA scores (default: 100 components) or raw pixels.
    pub features: PairFeatures,
    /// The pixel z-score: global (default) or per pixel position.
    pub standardise: Standardise,
}

impl Default for ClassTasksConfig {
    fn default() -> Self {
        Self {
            n_tasks: 100,
            n_train: 64,
            n_test: 128,
            classes_per_task: None,
            features: PairFeatures::default(),
            standardise: Standardise::Global,
        }
    }
}

/// Builds `k`-class tasks from `set` (see the module docs), every random choice drawn from
/// `rng`. Task ids are `t017` (or `t017:0,3,8` with a class subset). Errors: invalid settings,
/// a class subset with fewer images than a task draws.
pub fn class_tasks<R: Rng + ?Sized>(
    set: &ImageSet,
    config: &ClassTasksConfig,
    rng: &mut R,
) -> Result<LoadedTasks, DataError> {
    set.check("image set")?;
    let n_classes = set.classes.len();
    let invalid = |name, value: usize, reason| DataError::InvalidSetting {
        name,
        value: value.to_string(),
        reason,
    };
    if n_classes < 2 {
        return Err(invalid(
            "classes",
            n_classes,
            "class tasks need at least 2 classes",
        ));
    }
    if config.n_tasks == 0 {
        return Err(invalid("n_tasks", 0, "must be at least 1"));
    }
    for (name, n) in [("n_train", config.n_train), ("n_test", config.n_test)] {
        if n == 0 {
            return Err(invalid(name, 0, "must be at least 1"));
        }
    }
    let per_task = config.classes_per_task.unwrap_or(n_classes);
    if per_task < 1 || per_task > n_classes {
        return Err(invalid(
            "classes per task",
            per_task,
            "must be between 1 and the number of classes",
        ));
    }
    let train_by_class = set.train.indices_by_class(n_classes);
    let test_by_class = set.test.indices_by_class(n_classes);
    let (featurizer, mut notes) = prepare_features(set, config.features, config.standardise, rng)?;
    let width = (config.n_tasks - 1).to_string().len().max(3);
    let mut tasks = Vec::with_capacity(config.n_tasks);
    for v in 0..config.n_tasks {
        let mut subset: Vec<usize> = if per_task == n_classes {
            (0..n_classes).collect()
        } else {
            index::sample(rng, n_classes, per_task).into_vec()
        };
        subset.sort_unstable();
        let mut split = |images: &super::Images,
                         by_class: &[Vec<usize>],
                         n: usize,
                         name: &'static str|
         -> Result<Split, DataError> {
            let pool: Vec<(usize, f64)> = subset
                .iter()
                .flat_map(|&c| by_class[c].iter().map(move |&r| (r, c as f64)))
                .collect();
            if pool.len() < n {
                return Err(DataError::TooFewImages {
                    class: subset
                        .iter()
                        .map(|&c| set.classes[c].as_str())
                        .collect::<Vec<_>>()
                        .join("+"),
                    split: name,
                    found: pool.len(),
                    needed: n,
                });
            }
            let picked: Vec<(usize, f64)> = index::sample(rng, pool.len(), n)
                .iter()
                .map(|i| pool[i])
                .collect();
            let rows: Vec<usize> = picked.iter().map(|&(r, _)| r).collect();
            let y = nalgebra::DVector::from_iterator(n, picked.iter().map(|&(_, c)| c));
            Ok(featurizer.split(images, &rows, y))
        };
        let train = split(&set.train, &train_by_class, config.n_train, "training")?;
        let test = split(&set.test, &test_by_class, config.n_test, "test")?;
        let id = if per_task == n_classes {
            format!("t{v:0width$}")
        } else {
            let list: Vec<String> = subset.iter().map(usize::to_string).collect();
            format!("t{v:0width$}:{}", list.join(","))
        };
        tasks.push(Task {
            id,
            train,
            test,
            group: None,
        });
    }
    notes.push(format!(
        "{} tasks of {} classes ({} each): {} training and {} test images per task, drawn \
         uniformly without replacement from the task's classes",
        config.n_tasks,
        n_classes,
        if per_task == n_classes {
            "all".to_string()
        } else {
            format!("{per_task} drawn at random")
        },
        config.n_train,
        config.n_test
    ));
    let tasks = featurizer.finish(TaskSet::new(tasks)?.into_classes(set.classes.clone())?)?;
    Ok(LoadedTasks {
        tasks,
        skipped: Vec::new(),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::Problem;
    use crate::images::test_support::fashion_mnist;

    #[test]
    fn tasks_see_their_class_subsets_under_the_sets_class_indices() {
        let config = ClassTasksConfig {
            n_tasks: 6,
            n_train: 40,
            n_test: 20,
            classes_per_task: Some(3),
            features: PairFeatures::Pca {
                k: 8,
                fit_rows: 500,
            },
            standardise: Standardise::Global,
        };
        let loaded = class_tasks(fashion_mnist(), &config, &mut StdRng::seed_from_u64(1)).unwrap();
        let set = &loaded.tasks;
        assert_eq!(set.problem(), Problem::Multiclass { classes: 10 });
        assert_eq!(set.class_names().len(), 10);
        assert_eq!(set.n_features(), 8);
        for task in set.tasks() {
            let subset: Vec<f64> = task
                .id
                .split(':')
                .nth(1)
                .unwrap()
                .split(',')
                .map(|c| c.parse().unwrap())
                .collect();
            assert_eq!(subset.len(), 3, "{}", task.id);
            for y in task.train.y.iter().chain(task.test.y.iter()) {
                assert!(subset.contains(y), "{}: label {y}", task.id);
            }
            assert_eq!((task.train.n_rows(), task.test.n_rows()), (40, 20));
        }
        // Same seed, same tasks.
        let again = class_tasks(fashion_mnist(), &config, &mut StdRng::seed_from_u64(1)).unwrap();
        assert_eq!(&again.tasks, set);
        // All classes: plain ids, raw pixels keep the image shape.
        let raw = ClassTasksConfig {
            classes_per_task: None,
            features: PairFeatures::RawPixels,
            ..config
        };
        let loaded = class_tasks(fashion_mnist(), &raw, &mut StdRng::seed_from_u64(2)).unwrap();
        assert_eq!(loaded.tasks.tasks()[0].id, "t000");
        assert_eq!(loaded.tasks.image_shape(), Some([1, 28, 28]));
    }

    #[test]
    fn settings_out_of_range_are_named() {
        let bad = ClassTasksConfig {
            classes_per_task: Some(11),
            ..ClassTasksConfig::default()
        };
        let err = class_tasks(fashion_mnist(), &bad, &mut StdRng::seed_from_u64(1)).unwrap_err();
        assert!(err.to_string().contains("classes per task = 11"), "{err}");
    }
}
