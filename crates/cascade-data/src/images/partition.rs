//! Clients as personalised federated learning builds them: a labelled image set split over `T`
//! clients with label skew.
//!
//! For every class `c`, shares `q_c = (q_c1, ..., q_cT)` over the clients decide how many of the
//! class's images each client gets:
//! - `iid`: `q_cv = 1/T`;
//! - `dirichlet:ALPHA`: `q_c ~ Dirichlet(ALPHA, ..., ALPHA)` (the usual label-skew benchmark;
//!   small ALPHA gives each client a few dominant classes, and ragged client sizes);
//! - `dirichlet-balanced:ALPHA`: the NIID-Bench convention (Li et al. 2022, also FedLab's
//!   `hetero_dir`): classes are dealt in order, a client already holding `N/T` training images
//!   takes no share of later classes, and the whole draw is repeated until every client holds at
//!   least 10 training images (or `N/T`, when smaller). This gives more skew than plain
//!   `dirichlet` (top-class share about 0.50 against 0.45 on ten classes at ALPHA 0.3) and is
//!   what most published personalised-FL tables use;
//! - `shards:K`: the class-sorted images cut into `T K` shards (each class `T K / C` of them,
//!   the remainder spread over the first classes) dealt at random, `K` to a client: each client
//!   sees at most `K` classes.
//!
//! The same shares cut the class's training images and its test images (each shuffled first),
//! so a client's test split has the label mix of its training split. `max_train` and
//! `max_test` cap a client's images, class by class in proportion (largest remainders), so the
//! mix survives the cap. A client left with no training or no test image is skipped with a
//! reason. Every random choice comes from the caller's generator.

use nalgebra::DVector;
use rand::Rng;
use rand::seq::SliceRandom;

use super::features::prepare_features;
use super::shares::{Partition, class_shares, cut};
use super::{ImageSet, PairFeatures, Standardise};
use crate::{DataError, LoadedTasks, SkippedTask, Task, TaskSet};

/// Settings of [`partition_tasks`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PartitionConfig {
    /// Number of clients `T`.
    pub n_clients: usize,
    /// How class shares are drawn.
    pub partition: Partition,
    /// Most training images a client keeps (`None`: all it gets).
    pub max_train: Option<usize>,
    /// Most test images a client keeps (`None`: all it gets).
    pub max_test: Option<usize>,
    /// PCA scores or raw pixels.
    pub features: PairFeatures,
    /// The pixel z-score.
    pub standardise: Standardise,
}

/// Splits `set` over clients (see the module docs). Task ids are `client-007`; targets are the
/// set's class indices. Notes give the partition and the spread of client sizes.
pub fn partition_tasks<R: Rng + ?Sized>(
    set: &ImageSet,
    config: &PartitionConfig,
    rng: &mut R,
) -> Result<LoadedTasks, DataError> {
    set.check("image set")?;
    let n_classes = set.classes.len();
    let t = config.n_clients;
    if t == 0 {
        return Err(DataError::InvalidSetting {
            name: "tasks",
            value: "0".into(),
            reason: "a partition needs at least 1 client",
        });
    }
    for (name, cap) in [
        ("max_train", config.max_train),
        ("max_test", config.max_test),
    ] {
        if cap == Some(0) {
            return Err(DataError::InvalidSetting {
                name,
                value: "0".into(),
                reason: "a cap must be at least 1",
            });
        }
    }
    let mut train_by_class = set.train.indices_by_class(n_classes);
    let class_sizes: Vec<usize> = train_by_class.iter().map(Vec::len).collect();
    let shares = class_shares(config.partition, &class_sizes, t, rng)?;
    let mut test_by_class = set.test.indices_by_class(n_classes);
    // Per client and class, the images it gets: [T][C][..].
    let mut train_of = vec![vec![Vec::new(); n_classes]; t];
    let mut test_of = vec![vec![Vec::new(); n_classes]; t];
    for c in 0..n_classes {
        train_by_class[c].shuffle(rng);
        test_by_class[c].shuffle(rng);
        for (rows, of) in [
            (&train_by_class[c], &mut train_of),
            (&test_by_class[c], &mut test_of),
        ] {
            for (v, range) in cut(rows.len(), &shares[c]).into_iter().enumerate() {
                of[v][c] = rows[range].to_vec();
            }
        }
    }
    let (featurizer, mut notes) = prepare_features(set, config.features, config.standardise, rng)?;
    let width = (t - 1).to_string().len().max(3);
    let mut tasks = Vec::new();
    let mut skipped = Vec::new();
    for v in 0..t {
        let id = format!("client-{v:0width$}");
        let train = capped(&train_of[v], config.max_train);
        let test = capped(&test_of[v], config.max_test);
        if train.is_empty() || test.is_empty() {
            skipped.push(SkippedTask {
                id,
                reason: format!(
                    "{} training and {} test images: a client needs at least 1 of each",
                    train.len(),
                    test.len()
                ),
            });
            continue;
        }
        let split = |images: &super::Images, rows: &[(usize, usize)]| {
            let indices: Vec<usize> = rows.iter().map(|&(r, _)| r).collect();
            let y = DVector::from_iterator(rows.len(), rows.iter().map(|&(_, c)| c as f64));
            featurizer.split(images, &indices, y)
        };
        tasks.push(Task {
            id,
            train: split(&set.train, &train),
            test: split(&set.test, &test),
            group: None,
        });
    }
    if tasks.is_empty() {
        return Err(DataError::NoUsableTasks {
            path: "image set".into(),
            message: format!(
                "all {t} clients of partition {} were left empty",
                config.partition
            ),
        });
    }
    let sizes: Vec<usize> = tasks.iter().map(|t| t.train.n_rows()).collect();
    let classes_seen: Vec<usize> = tasks
        .iter()
        .map(|t| {
            let mut seen = vec![false; n_classes];
            t.train.y.iter().for_each(|&y| seen[y as usize] = true);
            seen.iter().filter(|&&s| s).count()
        })
        .collect();
    notes.push(format!(
        "partition {} over {t} clients: training images a client {}..{} (median {}), classes a \
         client {}..{}{}{}",
        config.partition,
        sizes.iter().min().unwrap_or(&0),
        sizes.iter().max().unwrap_or(&0),
        median(&sizes),
        classes_seen.iter().min().unwrap_or(&0),
        classes_seen.iter().max().unwrap_or(&0),
        config
            .max_train
            .map_or(String::new(), |m| format!(", at most {m} training")),
        config
            .max_test
            .map_or(String::new(), |m| format!(", at most {m} test")),
    ));
    let tasks = featurizer.finish(TaskSet::new(tasks)?.into_classes(set.classes.clone())?)?;
    Ok(LoadedTasks {
        tasks,
        skipped,
        notes,
    })
}

/// A client's `(image, class)` pairs, at most `cap` of them, each class keeping its share
/// (largest remainders), classes in order.
fn capped(by_class: &[Vec<usize>], cap: Option<usize>) -> Vec<(usize, usize)> {
    let n: usize = by_class.iter().map(Vec::len).sum();
    let keep: Vec<usize> = match cap {
        Some(cap) if n > cap => {
            let exact: Vec<f64> = by_class
                .iter()
                .map(|rows| rows.len() as f64 * cap as f64 / n as f64)
                .collect();
            let mut keep: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
            let mut order: Vec<usize> = (0..by_class.len()).collect();
            order.sort_by(|&a, &b| {
                (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor()))
            });
            let mut left = cap - keep.iter().sum::<usize>();
            for c in order {
                if left == 0 {
                    break;
                }
                if keep[c] < by_class[c].len() {
                    keep[c] += 1;
                    left -= 1;
                }
            }
            keep
        }
        _ => by_class.iter().map(Vec::len).collect(),
    };
    by_class
        .iter()
        .zip(keep)
        .enumerate()
        .flat_map(|(c, (rows, k))| rows[..k].iter().map(move |&r| (r, c)))
        .collect()
}

fn median(values: &[usize]) -> usize {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::images::test_support::fashion_mnist;

    fn config(partition: Partition) -> PartitionConfig {
        PartitionConfig {
            n_clients: 20,
            partition,
            max_train: Some(200),
            max_test: Some(100),
            features: PairFeatures::Pca {
                k: 5,
                fit_rows: 500,
            },
            standardise: Standardise::Global,
        }
    }

    fn histogram(y: &DVector<f64>) -> Vec<f64> {
        let mut h = vec![0.0; 10];
        y.iter()
            .for_each(|&c| h[c as usize] += 1.0 / y.len() as f64);
        h
    }

    #[test]
    fn dirichlet_clients_are_skewed_ragged_and_mirror_their_mix_in_test() {
        let loaded = partition_tasks(
            fashion_mnist(),
            &config("dirichlet:0.3".parse().unwrap()),
            &mut StdRng::seed_from_u64(4),
        )
        .unwrap();
        let tasks = loaded.tasks.tasks();
        assert!(tasks.len() >= 18, "{} clients kept", tasks.len());
        let mut sizes = Vec::new();
        for task in tasks {
            assert!(task.train.n_rows() <= 200 && task.test.n_rows() <= 100);
            sizes.push(task.train.n_rows());
            // Test mirrors train: same classes, shares within a few images of each other.
            let (a, b) = (histogram(&task.train.y), histogram(&task.test.y));
            let tv: f64 = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).sum::<f64>() / 2.0;
            assert!(tv < 0.12, "{}: train/test mixes differ by {tv}", task.id);
            // Skew: the top class holds a large share at alpha 0.3.
        }
        let top_share: f64 = tasks
            .iter()
            .map(|t| histogram(&t.train.y).into_iter().fold(0.0, f64::max))
            .sum::<f64>()
            / tasks.len() as f64;
        assert!(top_share > 0.4, "mean top-class share {top_share}");
        // Same seed, same partition.
        let again = partition_tasks(
            fashion_mnist(),
            &config(Partition::Dirichlet(0.3)),
            &mut StdRng::seed_from_u64(4),
        )
        .unwrap();
        assert_eq!(again.tasks, loaded.tasks);
    }

    #[test]
    fn balanced_dirichlet_stops_feeding_full_clients_and_keeps_ten_images_each() {
        let set = fashion_mnist();
        let n = set.train.labels.len() as f64;
        let uncapped = PartitionConfig {
            max_train: None,
            max_test: None,
            ..config("dirichlet-balanced:0.3".parse().unwrap())
        };
        let loaded = partition_tasks(set, &uncapped, &mut StdRng::seed_from_u64(9)).unwrap();
        let fair = n / uncapped.n_clients as f64;
        for task in loaded.tasks.tasks() {
            let mut counts = vec![0usize; 10];
            task.train.y.iter().for_each(|&c| counts[c as usize] += 1);
            assert!(task.train.n_rows() >= 10, "{}: {:?}", task.id, counts);
            // Classes are dealt in order: before its last class, a client held under N/T.
            let last = counts.iter().rposition(|&c| c > 0).unwrap();
            let before: usize = counts[..last].iter().sum();
            assert!((before as f64) < fair, "{}: {before} >= {fair}", task.id);
        }
        assert_eq!(
            "dirichlet-balanced:0.5".parse::<Partition>().unwrap(),
            Partition::BalancedDirichlet(0.5)
        );
    }

    #[test]
    fn shards_give_each_client_at_most_k_classes_and_iid_all_of_them() {
        let shards = partition_tasks(
            fashion_mnist(),
            &config(Partition::Shards(2)),
            &mut StdRng::seed_from_u64(1),
        )
        .unwrap();
        for task in shards.tasks.tasks() {
            let seen = histogram(&task.train.y)
                .iter()
                .filter(|&&p| p > 0.0)
                .count();
            assert!((1..=2).contains(&seen), "{}: {seen} classes", task.id);
        }
        let iid = partition_tasks(
            fashion_mnist(),
            &config(Partition::Iid),
            &mut StdRng::seed_from_u64(1),
        )
        .unwrap();
        for task in iid.tasks.tasks() {
            assert_eq!(task.train.n_rows(), 200);
            let seen = histogram(&task.train.y)
                .iter()
                .filter(|&&p| p > 0.0)
                .count();
            assert_eq!(seen, 10, "{}", task.id);
        }
    }

    #[test]
    fn cuts_and_caps_by_hand() {
        assert_eq!(cut(10, &[0.25, 0.25, 0.5]), vec![0..2, 2..5, 5..10]);
        assert_eq!(cut(3, &[1.0, 0.0]), vec![0..3, 3..3]);
        // 6 + 3 + 1 images capped to 5: exact shares 3, 1.5, 0.5; the remainders give one more
        // to the class with the larger fraction (a tie: class 1 first by order).
        let by_class = vec![(0..6).collect(), (10..13).collect(), vec![20]];
        let kept = capped(&by_class, Some(5));
        assert_eq!(kept.len(), 5);
        assert_eq!(kept.iter().filter(|&&(_, c)| c == 0).count(), 3);
        assert!("dirichlet:0".parse::<Partition>().is_err());
        assert!("shards:0".parse::<Partition>().is_err());
        assert_eq!(
            "Dirichlet:0.5".parse::<Partition>().unwrap(),
            Partition::Dirichlet(0.5)
        );
    }
}
