//! Tiny hand-made tasks shared by the distance tests, random task sets, and the reference.
//!
//! The expected values in the tests come from this independent numpy 2.4 / scipy 1.17 script
//! (numpy.histogram, scipy.spatial.distance.jensenshannon, scipy.stats.wasserstein_distance,
//! np.cov, np.linalg.solve, explicit n x n CKA Gram matrices):
//!
//! ```text
//! import numpy as np
//! from scipy.spatial.distance import jensenshannon, pdist, cdist
//! from scipy.stats import wasserstein_distance
//!
//! T = {
//!     "a": (np.array([[0, 1], [1, 0], [2, 2], [3, 1]], float), np.array([0.5, -1, 2, 0])),
//!     "b": (np.array([[1, 1], [0, 2], [2, 0], [1, 3]], float), np.array([1, 0, -0.5, 3])),
//!     "d": (np.array([[0.5, 0], [1, 1], [1.5, -1], [2, 0.5]]), np.array([-1, -1, 2, 2.0])),
//!     "c": (np.array([[0, 0], [1, 2], [3, 1]], float), np.array([2, 1, 0.0])),
//! }
//!
//! def feature(u, v):
//!     (xu, _), (xv, _) = u, v
//!     if xu.shape == xv.shape:
//!         return np.sqrt(np.mean((xu - xv) ** 2))
//!     e = lambda x: np.concatenate([x.mean(0), x.var(0)])
//!     return np.sqrt(np.mean((e(xu) - e(xv)) ** 2))
//!
//! def mmd(u, v):
//!     (xu, _), (xv, _) = u, v
//!     z = np.vstack([xu[:1000], xv[:1000]])
//!     d2 = pdist(z, "sqeuclidean")
//!     d2 = d2[d2 > 0]
//!     s2 = np.median(d2) / 2 if len(d2) else 1.0
//!     g = 1 / (2 * s2)
//!     k = lambda p, q: np.exp(-g * cdist(p, q, "sqeuclidean"))
//!     kuu, kvv, kuv = k(xu, xu), k(xv, xv), k(xu, xv)
//!     n, m = len(xu), len(xv)
//!     m2 = (kuu.sum() - np.trace(kuu)) / (n * (n - 1)) + (kvv.sum() - np.trace(kvv)) / (m * (m - 1)) - 2 * kuv.mean()
//!     return np.sqrt(max(0, m2))
//!
//! def mean_cov(u, v):
//!     (xu, _), (xv, _) = u, v
//!     c = lambda x: np.cov(x, rowvar=False) + 1e-6 * np.eye(x.shape[1])
//!     return np.linalg.norm(xu.mean(0) - xv.mean(0)) + np.linalg.norm(c(xu) - c(xv), "fro")
//!
//! def cka(u, v):
//!     (xu, _), (xv, _) = u, v
//!     K = lambda x: (x - x.mean(0)) @ (x - x.mean(0)).T
//!     ku, kv = K(xu), K(xv)
//!     return 1 - np.trace(ku @ kv) / np.sqrt(np.trace(ku @ ku) * np.trace(kv @ kv))
//!
//! def target(u, v):
//!     return np.linalg.norm(u[1] - v[1])
//!
//! ALL_Y = np.concatenate([t[1] for t in T.values()])
//! def kl_with(lo, hi):
//!     def kl(u, v):
//!         h = lambda y: np.histogram(y, bins=19, range=(lo, hi))[0] / len(y) + 1e-8
//!         p, q = h(u[1]), h(v[1])
//!         p, q = p / p.sum(), q / q.sum()
//!         return 0.5 * (np.sum(p * np.log(p / q)) + np.sum(q * np.log(q / p)))
//!     return kl
//!
//! def js(u, v):
//!     yu, yv = u[1], v[1]
//!     both = np.concatenate([yu, yv])
//!     bins = min(50, max(10, int(np.floor(np.sqrt(len(both))))))
//!     r = (both.min(), both.max())
//!     return jensenshannon(np.histogram(yu, bins, r)[0], np.histogram(yv, bins, r)[0])
//!
//! def wass(u, v):
//!     return wasserstein_distance(u[1], v[1])
//!
//! def grad(u, v):
//!     g = lambda t: t[0].T @ t[1] / (np.linalg.norm(t[0].T @ t[1]) + 1e-8)
//!     return np.linalg.norm(g(u) - g(v))
//!
//! def model(u, v):
//!     th = lambda t: np.linalg.solve(t[0].T @ t[0] + 0.01 * np.eye(t[0].shape[1]), t[0].T @ t[1])
//!     return np.linalg.norm(th(u) - th(v))
//!
//! for name, ids in [("EQUAL (a, b, d)", "abd"), ("RAGGED (a, b, c)", "abc")]:
//!     ys = np.concatenate([T[i][1] for i in ids])
//!     fns = dict(feature=feature, mmd=mmd, mean_cov=mean_cov, cka=cka, target=target,
//!                kl=kl_with(ys.min(), ys.max()), js=js, wasserstein=wass, gradient=grad, model=model)
//!     print(name)
//!     for fname, f in fns.items():
//!         if fname in ("cka", "target") and ids == "abc":
//!             continue
//!         vals = [f(T[ids[i]], T[ids[j]]) for i, j in [(0, 1), (0, 2), (1, 2)]]
//!         print(f"  {fname}: [{', '.join(repr(float(x)) for x in vals)}]")
//! # numpy.histogram bin placement of values on bin edges
//! vals = np.round(np.arange(0, 1.0001, 0.1), 10)
//! print("edges:", np.histogram(vals, bins=10, range=(0.0, 1.0))[0].tolist())
//! vals = np.array([-1.0, -0.7, -0.4, 0.2, 1.7, 2.0])
//! print("edges19:", np.histogram(vals, bins=19, range=(-1.0, 2.0))[0].tolist())
//! # mmd on sets that differ
//! P = np.array([[0, 0], [0, 1], [1, 0]], float)
//! Q = np.array([[3, 3], [4, 3], [3, 5], [4, 4]], float)
//! R = np.array([[0, 0], [0.5, 0.5], [0, 0], [1, 1]], float)
//! print("mmd p q r:", [mmd((P, None), (Q, None)), mmd((P, None), (R, None)), mmd((Q, None), (R, None))])
//! # the median heuristic uses only the first 1000 rows of each task
//! i = np.arange(1000)
//! k = np.arange(300)
//! U = np.vstack([np.c_[np.sin(i), np.cos(0.5 * i)], np.c_[50 + 0.1 * k, np.full(300, 50.0)]])
//! j = np.arange(20)
//! V = np.c_[1 + 0.5 * np.sin(0.3 * j), np.cos(j)]
//! print("mmd big:", mmd((U, None), (V, None)))
//! Z = np.vstack([U, V]); D2 = pdist(Z, "sqeuclidean"); g = 1 / np.median(D2[D2 > 0])
//! kk = lambda p, q: np.exp(-g * cdist(p, q, "sqeuclidean"))
//! a, b, c = kk(U, U), kk(V, V), kk(U, V)
//! print("mmd big without subsample:", np.sqrt((a.sum() - len(U)) / (len(U) * (len(U) - 1)) + (b.sum() - len(V)) / (len(V) * (len(V) - 1)) - 2 * c.mean()))
//! ```
//!
//! Its output:
//!
//! ```text
//! EQUAL (a, b, d)
//!   feature: [1.5, 1.2624381172952597, 1.2119199643540823]
//!   mmd: [0.0, 0.0, 0.0]
//!   mean_cov: [2.7071067811865475, 2.2692989343432863, 2.710042485937368]
//!   cka: [0.6161499130176298, 0.24887405168657806, 0.16601179855252812]
//!   target: [4.06201920231798, 2.5, 3.5]
//!   kl: [12.775787389724755, 4.4318825537904205, 17.380956700730678]
//!   js: [0.7210134433004415, 0.464501404022459, 0.8325546111576977]
//!   wasserstein: [0.5, 0.625, 0.875]
//!   gradient: [0.29546041638821086, 1.2353491952434337, 1.4541546222383557]
//!   model: [0.6398427632994791, 2.5496114338565357, 1.9296539702966033]
//! RAGGED (a, b, c)
//!   feature: [1.5, 0.19295061096458063, 0.6737184908686058]
//!   mmd: [0.0, 0.0, 0.0]
//!   mean_cov: [2.7071067811865475, 0.9484026266372387, 3.0390483522986305]
//!   kl: [12.775787389724755, 7.169580162906247, 7.169580162906246]
//!   js: [0.7210134433004415, 0.5429402540654636, 0.5429402540654636]
//!   wasserstein: [0.5, 0.6250000000000001, 0.625]
//!   gradient: [0.29546041638821086, 0.12427488271987827, 0.17197816780060138]
//!   model: [0.6398427632994791, 0.6250204700315353, 0.2524699685679674]
//! edges: [1, 1, 2, 0, 1, 2, 1, 0, 1, 2]
//! edges19: [1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
//! mmd p q r: [np.float64(1.1618527256787687), np.float64(0.0), np.float64(1.1577666101304582)]
//! mmd big: 0.5034623552931942
//! mmd big without subsample: 0.49694614608032595
//! ```

use cascade_data::{Split, Task, TaskSet};
use nalgebra::{DMatrix, DVector, dmatrix, dvector};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use super::DistanceMatrix;

/// A task whose test split repeats its training split (distances never read it).
pub(crate) fn task(id: &str, x: DMatrix<f64>, y: DVector<f64>) -> Task {
    let split = Split::new(x, y);
    Task {
        id: id.into(),
        train: split.clone(),
        test: split,
        group: None,
    }
}

/// The script's tasks `a`, `b`, `d` (4 rows) and `c` (3 rows), all with `d = 2`.
pub(crate) fn fixture(id: char) -> Task {
    let (x, y) = match id {
        'a' => (
            dmatrix![0.0, 1.0; 1.0, 0.0; 2.0, 2.0; 3.0, 1.0],
            dvector![0.5, -1.0, 2.0, 0.0],
        ),
        'b' => (
            dmatrix![1.0, 1.0; 0.0, 2.0; 2.0, 0.0; 1.0, 3.0],
            dvector![1.0, 0.0, -0.5, 3.0],
        ),
        'd' => (
            dmatrix![0.5, 0.0; 1.0, 1.0; 1.5, -1.0; 2.0, 0.5],
            dvector![-1.0, -1.0, 2.0, 2.0],
        ),
        'c' => (
            dmatrix![0.0, 0.0; 1.0, 2.0; 3.0, 1.0],
            dvector![2.0, 1.0, 0.0],
        ),
        other => panic!("no fixture task '{other}'"),
    };
    task(&id.to_string(), x, y)
}

/// The tasks named by `ids`, in that order (`"abd"`: equal rows, `"abc"`: ragged).
pub(crate) fn fixture_set(ids: &str) -> TaskSet {
    TaskSet::new(ids.chars().map(fixture).collect()).unwrap()
}

/// The upper triangle of a 3 x 3 matrix: `[D01, D02, D12]`, the script's order.
pub(crate) fn upper3(m: &DistanceMatrix) -> [f64; 3] {
    [m.get(0, 1), m.get(0, 2), m.get(1, 2)]
}

/// Element-wise `|got - want| <= tol`, with both in the message.
pub(crate) fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= tol,
            "got {got:?}, want {want:?} (tol {tol})"
        );
    }
}

/// `n_tasks` random tasks with `d` features: rows `n` each, or drawn from `5..=12` when `ragged`.
/// Targets mix a per-task linear map, noise and some repeated values (ties for the histograms).
pub(crate) fn random_set(seed: u64, n_tasks: usize, d: usize, n: usize, ragged: bool) -> TaskSet {
    let mut rng = StdRng::seed_from_u64(seed);
    let tasks = (0..n_tasks)
        .map(|v| {
            let rows = if ragged { rng.random_range(5..=12) } else { n };
            let x = DMatrix::from_fn(rows, d, |_, _| normal(&mut rng));
            let theta = DVector::from_fn(d, |_, _| normal(&mut rng));
            let mut y = &x * theta + DVector::from_fn(rows, |_, _| 0.3 * normal(&mut rng));
            y[rows - 1] = y[0];
            task(&format!("t{v}"), x, y)
        })
        .collect();
    TaskSet::new(tasks).unwrap()
}

fn normal(rng: &mut StdRng) -> f64 {
    StandardNormal.sample(rng)
}
