//! [`DistanceCache`]: the distances of one task set as plans read them, each computed at most
//! once, as a `T x T` matrix or, past [`MATRIX_FREE_TASKS`] tasks, as the row sums, minimum
//! spanning tree and extremes of its pairs ([`PairSummary`]), which make the same plans.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use cascade_data::StandardisedTaskSet;
use rand::Rng;

use crate::CascadeError;
use crate::blocks::{PairSummary, summarise};
use crate::distance::{self, Distance, DistanceMatrix, has_pair_form, pair_distance};
use crate::root::{RootRule, choose_root, choose_root_with};

/// From this many tasks on, [`Storage::Auto`] plans without the matrix the distances that
/// compute a pair on their own ([`has_pair_form`]): the matrix would take 128 MiB (and 1.5 times
/// that while built), growing as `T^2`, where the summary takes `O(T)`. Below it the matrix is
/// kept: it costs half the distance computations (the summary's row sums need a second pass in
/// effect) and is shared by every plan of the task set. Both give the same plans.
pub const MATRIX_FREE_TASKS: usize = 4096;

/// How a [`DistanceCache`] holds the distances that trees are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Storage {
    /// The matrix below [`MATRIX_FREE_TASKS`] tasks, the summary from there on (default).
    #[default]
    Auto,
    /// Always the `T x T` matrix.
    Matrix,
    /// The summary whenever the distance has a pair form; the matrix otherwise.
    MatrixFree,
}

/// What a plan's tree and budget read a distance from.
#[derive(Debug, Clone, Copy)]
pub enum TreeDistance<'a> {
    /// The whole matrix.
    Matrix(&'a DistanceMatrix),
    /// Row sums, minimum spanning tree and extremes, without the matrix.
    Summary(&'a PairSummary),
}

/// Distances of one task set, each computed at most once (as matrices or summaries, see
/// [`Storage`]), and its feature medoid (the `feature-medoid` root, which depends on the data
/// alone).
#[derive(Debug, Default)]
pub struct DistanceCache {
    storage: Storage,
    matrices: HashMap<Distance, DistanceMatrix>,
    summaries: HashMap<Distance, PairSummary>,
    feature_medoid: Option<usize>,
}

impl DistanceCache {
    /// An empty cache with [`Storage::Auto`] (use one per task set).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache that holds the distances as `storage` says.
    pub fn with_storage(storage: Storage) -> Self {
        Self {
            storage,
            ..Self::default()
        }
    }

    /// Adds the summary of a distance of this task set computed elsewhere (by distance blocks
    /// combined with [`crate::blocks::combine`]): plans over that distance read it from then on,
    /// whatever the storage.
    pub fn insert_summary(&mut self, summary: PairSummary) {
        self.summaries.insert(summary.distance(), summary);
    }

    /// The matrix of `kind` over `data` ([`distance::compute_standardised`]), computed on first
    /// use.
    pub fn get(
        &mut self,
        data: &StandardisedTaskSet,
        kind: Distance,
    ) -> Result<&DistanceMatrix, CascadeError> {
        match self.matrices.entry(kind) {
            Entry::Occupied(entry) => Ok(entry.into_mut()),
            Entry::Vacant(entry) => Ok(entry.insert(distance::compute_standardised(data, kind)?)),
        }
    }

    /// Whether plans over `kind` read its summary rather than its matrix.
    fn matrix_free(&self, data: &StandardisedTaskSet, kind: Distance) -> bool {
        if self.summaries.contains_key(&kind) {
            return true;
        }
        let free = match self.storage {
            Storage::Matrix => false,
            Storage::MatrixFree => true,
            Storage::Auto => data.len() >= MATRIX_FREE_TASKS && !self.matrices.contains_key(&kind),
        };
        free && has_pair_form(kind)
    }

    /// The summary of `kind` over `data` ([`summarise`]), computed on first use.
    fn summary(
        &mut self,
        data: &StandardisedTaskSet,
        kind: Distance,
    ) -> Result<&PairSummary, CascadeError> {
        match self.summaries.entry(kind) {
            Entry::Occupied(entry) => Ok(entry.into_mut()),
            Entry::Vacant(entry) => {
                let pairs = pair_distance(data, kind)?.ok_or_else(|| {
                    CascadeError::ShapeMismatch(format!("{kind} has no pair form"))
                })?;
                Ok(entry.insert(summarise(pairs.as_ref(), kind)?))
            }
        }
    }

    /// Where trees and budgets over `kind` read its distances: the summary or the matrix, as the
    /// storage says, computed on first use.
    pub fn tree_distance(
        &mut self,
        data: &StandardisedTaskSet,
        kind: Distance,
    ) -> Result<TreeDistance<'_>, CascadeError> {
        if self.matrix_free(data, kind) {
            let summary = self.summary(data, kind)?;
            if summary.len() != data.len() {
                return Err(CascadeError::ShapeMismatch(format!(
                    "the summary of {kind} covers {} tasks but the task set has {}",
                    summary.len(),
                    data.len()
                )));
            }
            Ok(TreeDistance::Summary(summary))
        } else {
            Ok(TreeDistance::Matrix(self.get(data, kind)?))
        }
    }

    /// The root `rule` picks among the tasks of `data` ([`choose_root`]) over the distance
    /// `kind` (its matrix or its summary: the same root); the feature medoid is computed once
    /// (it is `O(T^2 d)` and every plan of a task set asks for it).
    pub fn root<R: Rng + ?Sized>(
        &mut self,
        rule: &RootRule,
        kind: Distance,
        data: &StandardisedTaskSet,
        rng: &mut R,
    ) -> Result<usize, CascadeError> {
        if let (RootRule::FeatureMedoid, Some(root)) = (rule, self.feature_medoid) {
            return Ok(root);
        }
        let root = match self.tree_distance(data, kind)? {
            TreeDistance::Matrix(dist) => choose_root(rule, dist, data, rng)?,
            TreeDistance::Summary(summary) => {
                choose_root_with(rule, data, || summary.medoid(), rng)?
            }
        };
        if *rule == RootRule::FeatureMedoid {
            self.feature_medoid = Some(root);
        }
        Ok(root)
    }
}
