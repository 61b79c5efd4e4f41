//! One block's pass over its pairs, a batch of rows at a time: every pair `(a, j)` with `a` in
//! the batch and `j > a` is computed once, and serves the running row sums, the summary numbers
//! and the batch's spanning forest.
//!
//! A batch `A = [r0, r1)` of `s` rows holds its distances to every later task `[s, T - r0]`
//! (column-major). Row sums keep the matrix's order: a later task `j` receives `D[a][j]` for `a`
//! in `A` in increasing `a` (after the rows before `A`, which came in earlier batches), and a row
//! `a` of `A`, which has received everything before it, then adds the diagonal and `D[a][j]` for
//! `j > a` in increasing `j`. So each row sum is `sum_j D[v][j]` added in `j` order, exactly as
//! [`DistanceMatrix`](crate::distance::DistanceMatrix) row sums are.
//!
//! The batch's pairs form the clique on `A` and the complete bipartite graph between `A` and the
//! later tasks `O`. Its minimum spanning forest without sorting its `s |O|` edges: the first edge
//! of each `o` in `O` (in [`Edge::order`]) is in it (the cut around `o`); contracting those joins
//! each `o` to a task of `A`, after which only the first of the parallel edges between two
//! tasks of `A` can matter (an `s x s` table, filled as the columns go by), and dense Prim over
//! the `s` contracted tasks finishes the tree.

use std::ops::Range;

use crate::CascadeError;
use crate::distance::PairDistance;
use crate::tree::{Edge, kruskal_merge, prim, sort_edges};

/// What a block's pairs say about the distance besides its tree: its extreme values, whether
/// one is NaN, and its first non-finite pair `(i, j, D[i][j])` in row order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Extremes {
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) nan: bool,
    pub(super) bad: Option<(usize, usize, f64)>,
}

impl Extremes {
    /// Nothing seen yet.
    pub(super) const NONE: Self = Self {
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        nan: false,
        bad: None,
    };

    fn add(&mut self, i: usize, j: usize, d: f64) {
        self.min = self.min.min(d);
        self.max = self.max.max(d);
        if !d.is_finite() {
            self.nan |= d.is_nan();
            if self.bad.is_none_or(|(bi, bj, _)| (i, j) < (bi, bj)) {
                self.bad = Some((i, j, d));
            }
        }
    }

    /// Both blocks' pairs together.
    pub(super) fn join(self, other: Self) -> Self {
        let bad = match (self.bad, other.bad) {
            (Some(a), Some(b)) => Some(if (b.0, b.1) < (a.0, a.1) { b } else { a }),
            (a, b) => a.or(b),
        };
        Self {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
            nan: self.nan || other.nan,
            bad,
        }
    }
}

/// One thread's share of a batch: the first edge of each of its later tasks, the first edges
/// between contracted tasks, and its pairs' extremes. The table holds, at `k1 * s + k2`, the first
/// edge seen from a later task attached to row `k1` to row `k2` (as distance, smaller and larger
/// end; an empty slot is `(inf, MAX, MAX)`), so that a column updates one contiguous row of it.
struct Share {
    attach: Vec<Edge>,
    distance: Vec<f64>,
    lo: Vec<usize>,
    hi: Vec<usize>,
    extremes: Extremes,
}

impl Share {
    fn new(s: usize) -> Self {
        Self {
            attach: Vec::new(),
            distance: vec![f64::INFINITY; s * s],
            lo: vec![usize::MAX; s * s],
            hi: vec![usize::MAX; s * s],
            extremes: Extremes::NONE,
        }
    }

    /// The edge in slot `at`, if any.
    fn slot(&self, at: usize) -> Option<Edge> {
        (self.lo[at] != usize::MAX).then(|| Edge {
            lo: self.lo[at],
            hi: self.hi[at],
            distance: self.distance[at],
        })
    }
}

/// A block's pass in progress: the running row sums of tasks `lo..T` and the forest so far.
pub(super) struct Sweep<'a> {
    pub(super) pairs: &'a dyn PairDistance,
    /// The block's first row.
    pub(super) lo: usize,
    /// `acc[v - lo]`: task `v`'s row sum so far.
    pub(super) acc: Vec<f64>,
    /// The spanning forest of the pairs seen so far, sorted by [`Edge::order`].
    pub(super) forest: Vec<Edge>,
    pub(super) extremes: Extremes,
    buffer: Vec<f64>,
}

impl<'a> Sweep<'a> {
    /// A pass whose rows `v >= lo` start from the sums in `acc` (`T - lo` of them).
    pub(super) fn new(pairs: &'a dyn PairDistance, lo: usize, acc: Vec<f64>) -> Self {
        Self {
            pairs,
            lo,
            acc,
            forest: Vec::new(),
            extremes: Extremes::NONE,
            buffer: Vec::new(),
        }
    }

    /// Adds the pairs of the rows `r0..r1` (the next rows of the block, in order).
    pub(super) fn batch(&mut self, rows: Range<usize>) -> Result<(), CascadeError> {
        let n = self.pairs.len();
        let (r0, r1) = (rows.start, rows.end);
        let s = r1 - r0;
        if s == 0 {
            return Ok(());
        }
        self.buffer.resize(s * (n - r0), 0.0);
        let shares = self.columns(r0, r1);
        self.row_chains(r0, r1);
        // The contracted graph: the first edge between each two tasks of the batch, direct or
        // through a later task.
        let mut table: Vec<Option<Edge>> = vec![None; s * s];
        for share in &shares {
            for k1 in 0..s {
                for k2 in 0..s {
                    let slot = &mut table[k1.min(k2) * s + k1.max(k2)];
                    if let Some(e) = share.slot(k1 * s + k2)
                        && slot.is_none_or(|t| e.before(&t))
                    {
                        *slot = Some(e);
                    }
                }
            }
        }
        let buffer = &self.buffer;
        let contracted = prim(s, |k1, k2| {
            let direct = Edge::new(r0 + k1, r0 + k2, buffer[k2 * s + k1]);
            Ok::<Edge, CascadeError>(match table[k1 * s + k2] {
                Some(through) if through.before(&direct) => through,
                _ => direct,
            })
        })?;
        let mut lists: Vec<Vec<Edge>> = Vec::with_capacity(shares.len() + 2);
        for share in shares {
            self.extremes = self.extremes.join(share.extremes);
            lists.push(share.attach);
        }
        let mut contracted = contracted;
        sort_edges(&mut contracted);
        lists.push(contracted);
        lists.push(std::mem::take(&mut self.forest));
        let views: Vec<&[Edge]> = lists.iter().map(Vec::as_slice).collect();
        self.forest = kruskal_merge(n, &views)?;
        Ok(())
    }

    /// Computes the batch's columns `r0..T` into the buffer, spread over the cores: each later
    /// task's sum and first edge, and the shares of the contracted table.
    fn columns(&mut self, r0: usize, r1: usize) -> Vec<Share> {
        let n = self.pairs.len();
        let s = r1 - r0;
        let width = n - r0;
        let cores = std::thread::available_parallelism().map_or(1, |p| p.get());
        // At least ~16k pairs a thread, or the threads cost more than they save.
        let threads = cores.min((s * width) / (1 << 14)).max(1);
        let per = width.div_ceil(threads);
        let pairs = self.pairs;
        let acc = &mut self.acc[r0 - self.lo..];
        let work = |c0: usize, buffer: &mut [f64], acc: &mut [f64]| {
            columns(pairs, r0..r1, r0 + c0, buffer, acc)
        };
        if threads == 1 {
            return vec![work(0, &mut self.buffer, acc)];
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .buffer
                .chunks_mut(per * s)
                .zip(acc.chunks_mut(per))
                .enumerate()
                .map(|(t, (buffer, acc))| {
                    let work = &work;
                    scope.spawn(move || work(t * per, buffer, acc))
                })
                .collect();
            handles
                .into_iter()
                // A panic inside the distance is re-raised here, as in the sequential version.
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }

    /// Finishes the row sums of the batch's rows: the diagonal, then `D[a][j]` for `j > a` in
    /// increasing `j`.
    fn row_chains(&mut self, r0: usize, r1: usize) {
        let s = r1 - r0;
        let rows = &mut self.acc[r0 - self.lo..r1 - self.lo];
        for (c, column) in self.buffer.chunks_exact(s).enumerate() {
            let j = r0 + c;
            if j < r1 {
                // Rows a < j take D[a][j]; row j itself takes its diagonal zero.
                for (sum, &d) in rows[..c].iter_mut().zip(column) {
                    *sum += d;
                }
                rows[c] += 0.0;
            } else {
                for (sum, &d) in rows.iter_mut().zip(column) {
                    *sum += d;
                }
            }
        }
    }
}

/// The columns `c0..` of the batch `rows` (as many as `acc` holds): `D[a][j]` for `a` in the
/// batch below `j` into `buffer` (`s` values a column), added to `acc[j - c0]` in increasing `a`.
///
/// The comparisons take the distances as plain numbers first and fall back on [`Edge::order`]
/// for equal ones; with a NaN distance the forest is unspecified (plans refuse such distances).
fn columns(
    pairs: &dyn PairDistance,
    rows: Range<usize>,
    c0: usize,
    buffer: &mut [f64],
    acc: &mut [f64],
) -> Share {
    let (r0, r1) = (rows.start, rows.end);
    let s = r1 - r0;
    let mut share = Share::new(s);
    for (c, (column, sum)) in buffer.chunks_exact_mut(s).zip(acc.iter_mut()).enumerate() {
        let j = c0 + c;
        let top = j.min(r1) - r0;
        let values = &mut column[..top];
        pairs.pair_column(r0..r0 + top, j, values);
        let (mut min, mut max, mut finite) = (f64::INFINITY, f64::NEG_INFINITY, true);
        for &d in values.iter() {
            *sum += d;
            min = min.min(d);
            max = max.max(d);
            finite &= d.is_finite();
        }
        let e = &mut share.extremes;
        (e.min, e.max) = (e.min.min(min), e.max.max(max));
        if !finite {
            for (k, &d) in values.iter().enumerate() {
                e.add(r0 + k, j, d);
            }
        }
        if j < r1 {
            continue;
        }
        // The first edge of `j`: the smallest distance, the lowest row on ties.
        let first = (1..s).fold(0, |best, k| if column[k] < column[best] { k } else { best });
        share.attach.push(Edge::new(r0 + first, j, column[first]));
        let row = first * s;
        for (k, &d) in column.iter().enumerate() {
            let at = row + k;
            if k != first && d <= share.distance[at] {
                let e = Edge::new(r0 + k, j, d);
                if share.slot(at).is_none_or(|t| e.before(&t)) {
                    (share.distance[at], share.lo[at], share.hi[at]) = (d, e.lo, e.hi);
                }
            }
        }
    }
    sort_edges(&mut share.attach);
    share
}
