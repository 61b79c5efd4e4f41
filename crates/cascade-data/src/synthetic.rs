//! The paper's synthetic clustered regression tasks, Syn-tau (SPEC 6).
//!
//! `theta_0 ~ N(0, I_d)`; `K` cluster shifts `delta_c ~ N(0, tau_between^2 I)`; each task draws a
//! cluster uniformly; `theta_v = theta_0 + delta_c(v) + zeta_v` with `zeta_v ~ N(0, tau_within^2 I)`;
//! rows of X are `N(0, I_d)`, independently for train and test; `y = X theta_v + N(0, sigma^2)`.
//! The homogeneous variant drops the cluster shifts.

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal, Uniform};
use serde::{Deserialize, Serialize};

use crate::{DataError, Split, Task, TaskSet};

/// Settings of the Syn-tau generator; defaults are the paper's figure settings (SPEC 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticConfig {
    /// Number of tasks `T` (default 200).
    pub n_tasks: usize,
    /// Feature dimension `d` (default 5).
    pub n_features: usize,
    /// Training rows per task (default 64).
    pub n_train: usize,
    /// Test rows per task (default 128).
    pub n_test: usize,
    /// Number of clusters `K` (default 5); ignored when `homogeneous`.
    pub n_clusters: usize,
    /// Spread of tasks within a cluster, `tau_within` (default 5; the paper uses 2, 5 and 10).
    pub tau_within: f64,
    /// Spread of the cluster shifts, `tau_between` (default 10).
    pub tau_between: f64,
    /// Label noise standard deviation `sigma` (default 10).
    pub sigma: f64,
    /// Drop the clusters: every task is `theta_0 + zeta_v` (default false).
    pub homogeneous: bool,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            n_tasks: 200,
            n_features: 5,
            n_train: 64,
            n_test: 128,
            n_clusters: 5,
            tau_within: 5.0,
            tau_between: 10.0,
            sigma: 10.0,
            homogeneous: false,
        }
    }
}

impl SyntheticConfig {
    /// Checks every setting's range; the error names the setting.
    pub fn validate(&self) -> Result<(), DataError> {
        let positive = |name, value: usize| {
            if value == 0 {
                Err(DataError::InvalidSetting {
                    name,
                    value: value.to_string(),
                    reason: "must be at least 1",
                })
            } else {
                Ok(())
            }
        };
        positive("n_tasks", self.n_tasks)?;
        positive("n_features", self.n_features)?;
        positive("n_train", self.n_train)?;
        positive("n_test", self.n_test)?;
        if !self.homogeneous {
            positive("n_clusters", self.n_clusters)?;
        }
        for (name, value) in [
            ("tau_within", self.tau_within),
            ("tau_between", self.tau_between),
            ("sigma", self.sigma),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(DataError::InvalidSetting {
                    name,
                    value: value.to_string(),
                    reason: "must be a finite number >= 0",
                });
            }
        }
        Ok(())
    }

    /// Draws one collection of tasks (ids `task-0`, `task-1`, ...; `group` = the cluster).
    pub fn generate<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<TaskSet, DataError> {
        self.validate()?;
        let d = self.n_features;
        let theta_0 = normal_vector(d, 1.0, rng);
        let k = if self.homogeneous { 1 } else { self.n_clusters };
        let shifts: Vec<DVector<f64>> = (0..k)
            .map(|_| {
                if self.homogeneous {
                    DVector::zeros(d)
                } else {
                    normal_vector(d, self.tau_between, rng)
                }
            })
            .collect();
        let pick = Uniform::new(0, k).expect("k >= 1 was validated");
        let tasks = (0..self.n_tasks)
            .map(|v| {
                let cluster = pick.sample(rng);
                let theta = &theta_0 + &shifts[cluster] + normal_vector(d, self.tau_within, rng);
                Task {
                    id: format!("task-{v}"),
                    train: self.split(&theta, self.n_train, rng),
                    test: self.split(&theta, self.n_test, rng),
                    group: (!self.homogeneous).then_some(cluster),
                }
            })
            .collect();
        TaskSet::new(tasks)
    }

    fn split<R: Rng + ?Sized>(&self, theta: &DVector<f64>, n: usize, rng: &mut R) -> Split {
        let x = DMatrix::from_fn(n, self.n_features, |_, _| standard_normal(rng));
        let noise = normal_vector(n, self.sigma, rng);
        let y = &x * theta + noise;
        Split::new(x, y)
    }
}

fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

fn normal_vector<R: Rng + ?Sized>(n: usize, std: f64, rng: &mut R) -> DVector<f64> {
    DVector::from_fn(n, |_, _| std * standard_normal(rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn shapes_and_seeding() {
        let cfg = SyntheticConfig {
            n_tasks: 7,
            n_features: 3,
            n_train: 4,
            n_test: 6,
            ..Default::default()
        };
        let a = cfg.generate(&mut StdRng::seed_from_u64(1)).unwrap();
        let b = cfg.generate(&mut StdRng::seed_from_u64(1)).unwrap();
        let c = cfg.generate(&mut StdRng::seed_from_u64(2)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 7);
        assert_eq!(a.n_features(), 3);
        assert_eq!(a.tasks()[0].train.x.shape(), (4, 3));
        assert_eq!(a.tasks()[0].test.y.len(), 6);
        assert!(a.tasks().iter().all(|t| t.group.unwrap() < 5));
    }

    #[test]
    fn moments_match_the_model() {
        // With sigma = 0 and one huge task, y = X theta exactly, so the least-squares fit recovers
        // theta; across many tasks the variance of y is |theta|^2 on average (X ~ N(0, I)).
        let cfg = SyntheticConfig {
            n_tasks: 1,
            n_features: 2,
            n_train: 50,
            n_test: 1,
            sigma: 0.0,
            ..Default::default()
        };
        let set = cfg.generate(&mut StdRng::seed_from_u64(3)).unwrap();
        let t = &set.tasks()[0].train;
        let theta = (t.x.transpose() * &t.x)
            .cholesky()
            .unwrap()
            .solve(&(t.x.transpose() * &t.y));
        let resid = &t.x * &theta - &t.y;
        assert!(resid.norm() < 1e-9, "noise-free data must be fit exactly");
    }

    #[test]
    fn homogeneous_tasks_have_no_group_and_bad_settings_are_named() {
        let cfg = SyntheticConfig {
            n_tasks: 3,
            homogeneous: true,
            ..Default::default()
        };
        let set = cfg.generate(&mut StdRng::seed_from_u64(0)).unwrap();
        assert!(set.tasks().iter().all(|t| t.group.is_none()));
        let bad = SyntheticConfig {
            sigma: f64::NAN,
            ..Default::default()
        };
        let err = bad.generate(&mut StdRng::seed_from_u64(0)).unwrap_err();
        assert!(err.to_string().contains("sigma"), "{err}");
    }
}
