//! Random trees: the uniform random labelled tree (a random Pruefer sequence, and the decoding
//! of a given one) and the random recursive tree.

use rand::seq::SliceRandom;
use rand::{Rng, RngExt};

use super::orient::{check_root, no_tasks};
use super::value::Tree;
use crate::CascadeError;

impl Tree {
    /// The labelled tree over `seq.len() + 2` tasks whose Pruefer sequence is `seq`, oriented
    /// away from `root`. Every entry must be a task index below `seq.len() + 2`.
    pub fn from_pruefer(seq: &[usize], root: usize) -> Result<Self, CascadeError> {
        let n = seq.len() + 2;
        check_root(n, root)?;
        if let Some(&bad) = seq.iter().find(|&&x| x >= n) {
            return Err(CascadeError::TaskOutOfRange {
                index: bad,
                tasks: n,
            });
        }
        Self::from_edges(n, &pruefer_edges(n, seq), root)
    }

    /// Uniform random labelled tree (random Pruefer sequence), oriented away from `root`.
    ///
    /// Every one of the `n^(n-2)` labelled trees on `n` tasks is equally likely (the paper's
    /// RandTree); for `n <= 2` there is only one tree.
    pub fn random_pruefer<R: Rng + ?Sized>(
        n: usize,
        root: usize,
        rng: &mut R,
    ) -> Result<Self, CascadeError> {
        if n == 0 {
            return Err(no_tasks("a random tree"));
        }
        check_root(n, root)?;
        if n == 1 {
            return Self::from_parents(vec![None]);
        }
        let seq: Vec<usize> = (0..n - 2).map(|_| rng.random_range(0..n)).collect();
        Self::from_pruefer(&seq, root)
    }

    /// Random recursive tree rooted at `root`.
    ///
    /// The non-root tasks are put in a uniformly random order after the root, and each task
    /// takes a uniformly random earlier task of that sequence as its parent: what the research
    /// code's "random tree" does. Not uniform over labelled trees (it favours shallow, bushy
    /// trees near the root); see [`Tree::random_pruefer`] for that.
    pub fn random_recursive<R: Rng + ?Sized>(
        n: usize,
        root: usize,
        rng: &mut R,
    ) -> Result<Self, CascadeError> {
        if n == 0 {
            return Err(no_tasks("a random tree"));
        }
        check_root(n, root)?;
        let mut sequence: Vec<usize> = (0..n).filter(|&v| v != root).collect();
        sequence.shuffle(rng);
        sequence.insert(0, root);
        let mut parent = vec![None; n];
        for i in 1..n {
            parent[sequence[i]] = Some(sequence[rng.random_range(0..i)]);
        }
        Self::from_parents(parent)
    }
}

/// Decodes a Pruefer sequence over `n = seq.len() + 2` tasks into its `n - 1` edges in linear
/// time (entries already checked to be below `n`).
fn pruefer_edges(n: usize, seq: &[usize]) -> Vec<(usize, usize)> {
    let mut degree = vec![1usize; n];
    for &x in seq {
        degree[x] += 1;
    }
    let mut ptr = (0..n).find(|&v| degree[v] == 1).unwrap_or(0);
    let mut leaf = ptr;
    let mut edges = Vec::with_capacity(n - 1);
    for &x in seq {
        edges.push((leaf, x));
        degree[leaf] = 0;
        degree[x] -= 1;
        if degree[x] == 1 && x < ptr {
            leaf = x;
        } else {
            ptr += 1;
            while degree[ptr] != 1 {
                ptr += 1;
            }
            leaf = ptr;
        }
    }
    edges.push((leaf, n - 1));
    edges
}
