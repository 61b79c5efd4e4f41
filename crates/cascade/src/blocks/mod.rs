//! Distance blocks: what the plans of one task distance need from its `T (T - 1) / 2` pairs —
//! each task's row sum (for the medoid root) and the minimum spanning tree — computed block by
//! block, without the `T x T` matrix (memory `O(T)` besides the per-task summaries).
//!
//! The pairs `i < j` are split by the row of `i` into `B` blocks of consecutive rows
//! ([`block_rows`]). A block ([`compute_block`], or [`compute_pairs_block`] of any
//! [`PairDistance`]) is independent of the others, so each can be
//! a job of its own on a cluster; it yields a serialisable [`BlockResult`]:
//!
//! - its rows' sums `sum_j D[v][j]`, each added in increasing `j` exactly as the matrix's row
//!   sums are (so the medoid is the matrix's, ties and all). A row's pairs with earlier rows
//!   belong to other blocks; the block computes them again for its sums (`lo` pairs a row);
//! - the minimum spanning forest of its own pairs under the strict order [`Edge::order`];
//! - the pairs' extreme values and first non-finite pair, for the constant-distance note and
//!   the errors the matrix would give.
//!
//! [`combine`] joins the `B` results into a [`PairSummary`]: the minimum spanning tree of the
//! union of the forests is the tree of all pairs (each block's forest keeps every edge the
//! whole tree can use, the order being strict), and so it is [`Tree::mst`] of the matrix; the
//! row sums are concatenated. [`summarise`] is the one-process way: one block over every row.
//! Cost: `T (T - 1) / 2` pair distances in one block; `B` blocks compute `sum_b lo_b |rows_b|`
//! more, about `T^2 / 2` more in all.

mod exact;
mod sweep;
#[cfg(test)]
mod tests;

use std::ops::Range;

use cascade_data::StandardisedTaskSet;
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::distance::{Distance, PairDistance, pair_distance};
use crate::parallel::par_map;
use crate::root::argmin_row_sum;
use crate::tree::{Edge, Tree, kruskal_merge, non_finite};
use sweep::{Extremes, Sweep};

/// Version of the [`BlockResult`] format, stored in each result.
pub const BLOCK_FORMAT: u32 = 1;

/// Rows a tile of the pass over a block's pairs with earlier rows.
const HEAD_TILE: usize = 64;

/// Rows of a batch: at most 64, so that their per-task summaries stay in a core's cache while
/// the later tasks stream past, and fewer past 131,072 tasks, to hold at most 64 MiB of
/// distances (`rows x T` of them); at least 16.
fn batch_rows(tasks: usize) -> usize {
    ((64usize << 20) / (8 * tasks.max(1))).clamp(16, 64)
}

/// A pair whose distance is not a finite number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NonFinitePair {
    /// The smaller task.
    pub i: usize,
    /// The larger task.
    pub j: usize,
    /// `D[i][j]`: NaN or infinite.
    #[serde(with = "exact::one")]
    pub distance: f64,
}

/// One block's share of a distance's plan numbers (see the [module](self) documentation). Its
/// numbers are stored as strings of Rust's shortest round-trip form so that a result written by
/// one job reads back bit for bit in another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockResult {
    /// [`BLOCK_FORMAT`] when written.
    pub format: u32,
    /// The distance.
    pub distance: Distance,
    /// Task count `T`.
    pub tasks: usize,
    /// Block count `B`.
    pub blocks: usize,
    /// This block, `0..B`.
    pub block: usize,
    /// The block's first row ([`block_rows`]).
    pub start: usize,
    /// `sum_j D[v][j]` of each of the block's rows, in row order.
    #[serde(with = "exact::many")]
    pub row_sums: Vec<f64>,
    /// The minimum spanning forest of the block's pairs `(i, j)`, `i` in its rows and `j > i`,
    /// sorted by [`Edge::order`].
    #[serde(with = "exact::edges")]
    pub forest: Vec<Edge>,
    /// `D[0][1]`, which every block computes (0 with fewer than 2 tasks).
    #[serde(with = "exact::one")]
    pub first: f64,
    /// The smallest distance among the block's pairs (NaN ignored; `inf` when it has none).
    #[serde(with = "exact::one")]
    pub min: f64,
    /// The largest distance among the block's pairs (NaN ignored; `-inf` when it has none).
    #[serde(with = "exact::one")]
    pub max: f64,
    /// Whether some pair of the block is NaN.
    pub nan: bool,
    /// The block's first non-finite pair in row order.
    pub non_finite: Option<NonFinitePair>,
}

/// The rows `i` whose pairs `(i, j > i)` make block `block` of `blocks` over `tasks` tasks:
/// `tasks b / B .. tasks (b + 1) / B`. Every block then costs about `T |rows|` distances (its
/// own pairs and its rows' pairs with earlier rows). Errors: no block, or `block >= blocks`.
pub fn block_rows(tasks: usize, blocks: usize, block: usize) -> Result<Range<usize>, CascadeError> {
    if blocks == 0 || block >= blocks {
        return Err(CascadeError::InvalidSetting {
            name: "distance block",
            value: format!("{block} of {blocks}"),
            reason: "blocks are numbered 0, 1, ..., B - 1 with at least one block".into(),
        });
    }
    let at = |b: usize| (tasks as u128 * b as u128 / blocks as u128) as usize;
    Ok(at(block)..at(block + 1))
}

/// Computes block `block` of `blocks` of the distance `kind` over the standardised training
/// splits of `data` ([`pair_distance`]), spread over the machine's cores. Memory: the per-task
/// summaries, the row sums of the tasks from the block's first row on, the forests (`O(T)`)
/// and a batch of about 64 MiB of distances.
///
/// Errors: a distance without a pair form (`mmd`, `cka`, the target distances: they need the
/// matrix), a distance that cannot apply to the data, a bad block number.
pub fn compute_block(
    data: &StandardisedTaskSet,
    kind: Distance,
    blocks: usize,
    block: usize,
) -> Result<BlockResult, CascadeError> {
    let pairs = pair_distance(data, kind)?.ok_or_else(|| CascadeError::InvalidSetting {
        name: "distance",
        value: kind.to_string(),
        reason: "this distance is computed as a whole matrix only; distance blocks take \
                 gradient, model, feature or mean_cov"
            .into(),
    })?;
    compute_pairs_block(pairs.as_ref(), kind, blocks, block)
}

/// [`compute_block`] of any [`PairDistance`] (a matrix too), named `distance` in the result.
pub fn compute_pairs_block(
    pairs: &dyn PairDistance,
    distance: Distance,
    blocks: usize,
    block: usize,
) -> Result<BlockResult, CascadeError> {
    compute_block_in_batches(pairs, distance, blocks, block, batch_rows(pairs.len()))
}

/// [`compute_pairs_block`] with `batch` rows a batch (tests use small ones).
pub(crate) fn compute_block_in_batches(
    pairs: &dyn PairDistance,
    distance: Distance,
    blocks: usize,
    block: usize,
    batch: usize,
) -> Result<BlockResult, CascadeError> {
    let n = pairs.len();
    let rows = block_rows(n, blocks, block)?;
    // The value `Iterator::sum` starts from, so that sums agree with the matrix's to the bit.
    let zero: f64 = std::iter::empty::<f64>().sum();
    let lo = rows.start;
    // The block's rows start from their pairs with earlier rows, in `j` order: a tile of rows
    // at a time (kept in cache while the earlier tasks stream past), the tiles over the cores.
    let tiles: Vec<usize> = rows.clone().step_by(HEAD_TILE).collect();
    let mut acc: Vec<f64> = par_map(&tiles, 1, |&v0| {
        let v1 = (v0 + HEAD_TILE).min(rows.end);
        let (mut sums, mut row) = (vec![zero; v1 - v0], vec![0.0; v1 - v0]);
        for j in 0..lo {
            pairs.pair_row(j, v0..v1, &mut row);
            for (sum, d) in sums.iter_mut().zip(&row) {
                *sum += d;
            }
        }
        sums
    })
    .concat();
    acc.resize(n - lo, zero);
    let mut sweep = Sweep::new(pairs, lo, acc);
    let mut r0 = rows.start;
    while r0 < rows.end {
        let r1 = (r0 + batch.max(1)).min(rows.end);
        sweep.batch(r0..r1)?;
        r0 = r1;
    }
    let mut row_sums = sweep.acc;
    row_sums.truncate(rows.len());
    let extremes = sweep.extremes;
    Ok(BlockResult {
        format: BLOCK_FORMAT,
        distance,
        tasks: n,
        blocks,
        block,
        start: lo,
        row_sums,
        forest: sweep.forest,
        first: if n >= 2 { pairs.pair(0, 1) } else { 0.0 },
        min: extremes.min,
        max: extremes.max,
        nan: extremes.nan,
        non_finite: extremes
            .bad
            .map(|(i, j, distance)| NonFinitePair { i, j, distance }),
    })
}

/// The plan numbers of a distance over all its pairs: row sums, minimum spanning tree, extremes.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSummary {
    distance: Distance,
    row_sums: Vec<f64>,
    edges: Vec<Edge>,
    first: f64,
    extremes: Extremes,
}

/// The one-process way: [`compute_pairs_block`] over every row, then [`combine`].
pub fn summarise(
    pairs: &dyn PairDistance,
    distance: Distance,
) -> Result<PairSummary, CascadeError> {
    combine(vec![compute_pairs_block(pairs, distance, 1, 0)?])
}

/// Joins the results of blocks `0..B` of one distance (in any order) into its [`PairSummary`].
///
/// Errors: no result, results of other distances, task or block counts, a block missing or
/// given twice, or a result whose rows are not its block's.
pub fn combine(mut results: Vec<BlockResult>) -> Result<PairSummary, CascadeError> {
    let refuse = |value: String, reason: &str| CascadeError::InvalidSetting {
        name: "distance blocks",
        value,
        reason: reason.to_string(),
    };
    let Some(head) = results.first() else {
        return Err(refuse(
            "none".into(),
            "combining needs every block's result",
        ));
    };
    let (distance, n, blocks, first) = (head.distance, head.tasks, head.blocks, head.first);
    results.sort_by_key(|r| r.block);
    for (b, r) in results.iter().enumerate() {
        let what = format!(
            "block {} of {} ({}, T = {})",
            r.block, r.blocks, r.distance, r.tasks
        );
        if r.format != BLOCK_FORMAT {
            return Err(refuse(
                what,
                &format!("format {} is not {BLOCK_FORMAT}", r.format),
            ));
        }
        if (r.distance, r.tasks, r.blocks) != (distance, n, blocks)
            || r.first.to_bits() != first.to_bits()
        {
            return Err(refuse(
                what,
                &format!("the first block is of {distance} over {n} tasks in {blocks} blocks"),
            ));
        }
        if r.block != b {
            return Err(refuse(
                what,
                &format!("block {b} is missing or given twice"),
            ));
        }
        let rows = block_rows(n, blocks, b)?;
        if r.start != rows.start || r.row_sums.len() != rows.len() {
            return Err(refuse(what, &format!("block {b} holds rows {rows:?}")));
        }
    }
    if results.len() != blocks {
        return Err(refuse(
            format!("{} of {blocks} blocks", results.len()),
            "every block's result is needed",
        ));
    }
    let mut edges = Vec::new();
    let mut extremes = Extremes::NONE;
    let mut row_sums = Vec::with_capacity(n);
    for r in results {
        edges = kruskal_merge(n, &[&edges, &r.forest])?;
        extremes = extremes.join(Extremes {
            min: r.min,
            max: r.max,
            nan: r.nan,
            bad: r.non_finite.map(|p| (p.i, p.j, p.distance)),
        });
        row_sums.extend(r.row_sums);
    }
    Ok(PairSummary {
        distance,
        row_sums,
        edges,
        first,
        extremes,
    })
}

impl PairSummary {
    /// The distance summarised.
    pub fn distance(&self) -> Distance {
        self.distance
    }

    /// Task count `T`.
    pub fn len(&self) -> usize {
        self.row_sums.len()
    }

    /// True for zero tasks.
    pub fn is_empty(&self) -> bool {
        self.row_sums.is_empty()
    }

    /// `sum_j D[v][j]` of every task, added in `j` order (the matrix's row sums, bit for bit).
    pub fn row_sums(&self) -> &[f64] {
        &self.row_sums
    }

    /// The minimum spanning tree's `T - 1` edges, sorted by [`Edge::order`] (fewer when some
    /// distance is not finite).
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The error [`Tree::mst`] and the medoid give on the matrix when a distance is NaN or
    /// infinite: the first such pair in row order.
    pub fn check_finite(&self) -> Result<(), CascadeError> {
        match self.extremes.bad {
            Some((i, j, d)) => Err(non_finite(i, j, d)),
            None => Ok(()),
        }
    }

    /// The medoid `argmin_v sum_w D[v][w]` (lowest index on ties), as
    /// [`medoid`](crate::root::medoid) finds it on the matrix. Errors: a non-finite distance.
    pub fn medoid(&self) -> Result<usize, CascadeError> {
        self.check_finite()?;
        Ok(argmin_row_sum(self.row_sums.iter().copied()))
    }

    /// The minimum spanning tree oriented away from `root`: [`Tree::mst`] of the matrix.
    /// Errors: `root` out of range, a non-finite distance.
    pub fn tree(&self, root: usize) -> Result<Tree, CascadeError> {
        let n = self.len();
        if root >= n {
            return Err(CascadeError::TaskOutOfRange {
                index: root,
                tasks: n,
            });
        }
        self.check_finite()?;
        let pairs: Vec<(usize, usize)> = self.edges.iter().map(|e| (e.lo, e.hi)).collect();
        Tree::from_edges(n, &pairs, root)
    }

    /// [`DistanceMatrix::is_constant`](crate::distance::DistanceMatrix::is_constant) of the
    /// matrix: every off-diagonal entry within `tol` times the largest entry of `D[0][1]`.
    /// `|D - D[0][1]|` is largest at the smallest or the largest entry (rounding is monotone),
    /// so the extremes decide it.
    pub fn is_constant(&self, tol: f64) -> bool {
        let e = &self.extremes;
        if self.len() < 3 || e.nan {
            return false;
        }
        let scale = 0.0f64.max(e.max.abs()).max(e.min.abs());
        [e.max, e.min]
            .iter()
            .all(|d| (d - self.first).abs() <= tol * scale)
    }
}
