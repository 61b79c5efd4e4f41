//! One node's rows in one date range: the feature matrix, or why the node cannot be used.

use std::f64::consts::PI;
use std::ops::Range;

use nalgebra::{DMatrix, DVector};

use super::panel::NodeSeries;
use super::time::{DateRange, Timestamp};

/// The time grid of a panel: instants `origin + k * step` for whole `k`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Grid {
    /// Any instant on the grid (the panel's first timestamp).
    pub origin: i64,
    /// Seconds between rows, > 0.
    pub step: i64,
}

impl Grid {
    /// The grid instants in `range`: the first one and how many there are.
    pub fn points_in(&self, range: &DateRange) -> (i64, usize) {
        let offset = range.start.0 - self.origin;
        let first = self.origin + offset.div_euclid(self.step) * self.step;
        let first = if first < range.start.0 {
            first + self.step
        } else {
            first
        };
        let count = if first >= range.end.0 {
            0
        } else {
            ((range.end.0 - 1 - first) / self.step + 1) as usize
        };
        (first, count)
    }
}

/// What a node holds in one range.
pub(super) struct Window {
    /// Grid instants in the range.
    pub points: usize,
    /// Instants of the window (range, lags and look-around) filled by interpolation.
    pub filled: usize,
    /// Grid instants in the range with no row at all (after filling).
    pub absent: usize,
    /// Grid instants in the range whose row has a missing value.
    pub empty: usize,
    /// The first instant that is absent or empty.
    pub first_gap: Option<Timestamp>,
    /// A row in the range that is off the grid: its time and file line.
    pub off_grid: Option<(Timestamp, usize)>,
    /// Usable rows' features `[n, lags + 6]` (see [`super::feature_names`]).
    pub x: DMatrix<f64>,
    /// Usable rows' targets `[n]`.
    pub y: DVector<f64>,
}

/// The six calendar features of instant `t`: hour (fractional), day of week (0 = Monday),
/// sin and cos of `2 pi hour / 24`, sin and cos of `2 pi dow / 7`.
pub(super) fn calendar(t: Timestamp) -> [f64; 6] {
    let hour = t.hour_of_day();
    let dow = f64::from(t.day_of_week());
    let (h_sin, h_cos) = (2.0 * PI * hour / 24.0).sin_cos();
    let (d_sin, d_cos) = (2.0 * PI * dow / 7.0).sin_cos();
    [hour, dow, h_sin, h_cos, d_sin, d_cos]
}

/// Cuts `node`'s rows in `range` on `grid`: a row at `t` is usable when `t` and its `lags` previous
/// grid instants all hold a value (the lags may lie before the range). First, runs of at most
/// `max_fill` missing instants with a reading on each side are filled by linear interpolation
/// (the readings may lie up to `max_fill` steps beyond the range and its lags).
pub(super) fn extract(
    node: &NodeSeries,
    range: &DateRange,
    grid: Grid,
    lags: usize,
    max_fill: usize,
) -> Window {
    let (first, points) = grid.points_in(range);
    // The window: `max_fill` look-behind slots (to close a gap at its start), the lags, the
    // range, and `max_fill` look-ahead slots (to close a gap at its end).
    let lead = max_fill + lags;
    let start = first - lead as i64 * grid.step;
    let len = lead + points + max_fill;
    // Dense window: `present[i]` = a row exists at `start + i * step`; `values[i]` its value.
    let mut present = vec![false; len];
    let mut values = vec![f64::NAN; len];
    let mut off_grid = None;
    let from = node.times.partition_point(|&t| t < start);
    for i in from..node.times.len() {
        let t = node.times[i];
        let offset = t - start;
        if offset >= len as i64 * grid.step {
            break;
        }
        if offset % grid.step != 0 {
            if range.contains(Timestamp(t)) && off_grid.is_none() {
                off_grid = Some((Timestamp(t), node.lines[i]));
            }
            continue;
        }
        let slot = (offset / grid.step) as usize;
        if slot < len {
            present[slot] = true;
            values[slot] = node.values[i];
        }
    }

    // Count only fills the rows use: the lags and the range.
    let filled = fill_short_gaps(&mut values, max_fill, max_fill..lead + points);

    let d = lags + 6;
    let (mut absent, mut empty, mut first_gap) = (0, 0, None);
    let mut data = Vec::with_capacity(points * d);
    let mut y = Vec::with_capacity(points);
    for k in 0..points {
        let slot = lead + k;
        let t = Timestamp(first + k as i64 * grid.step);
        if values[slot].is_nan() {
            if present[slot] {
                empty += 1;
            } else {
                absent += 1;
            }
            first_gap.get_or_insert(t);
            continue;
        }
        let history = &values[slot - lags..slot];
        if history.iter().any(|v| v.is_nan()) {
            continue;
        }
        // Lag 1 (t - step) first, lag `lags` last.
        data.extend(history.iter().rev());
        data.extend(calendar(t));
        y.push(values[slot]);
    }
    Window {
        points,
        filled,
        absent,
        empty,
        first_gap,
        off_grid,
        x: DMatrix::from_row_slice(y.len(), d, &data),
        y: DVector::from_vec(y),
    }
}

/// Fills each run of at most `max_fill` `NaN`s that has a number on both sides by linear
/// interpolation between those two numbers; returns how many of the filled values lie in
/// `counted`.
fn fill_short_gaps(values: &mut [f64], max_fill: usize, counted: Range<usize>) -> usize {
    if max_fill == 0 {
        return 0;
    }
    let mut filled = 0;
    let mut last: Option<usize> = None; // index of the last number seen
    for i in 0..values.len() {
        if values[i].is_nan() {
            continue;
        }
        if let Some(a) = last {
            let run = i - a - 1;
            if run > 0 && run <= max_fill {
                let (va, vb) = (values[a], values[i]);
                for (j, v) in values.iter_mut().enumerate().take(i).skip(a + 1) {
                    *v = va + (vb - va) * (j - a) as f64 / (i - a) as f64;
                }
                filled += (a + 1..i).filter(|j| counted.contains(j)).count();
            }
        }
        last = Some(i);
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(times: &[i64], values: &[f64]) -> NodeSeries {
        NodeSeries {
            id: "n".into(),
            times: times.to_vec(),
            values: values.to_vec(),
            lines: (2..2 + times.len()).collect(),
        }
    }

    #[test]
    fn grid_points_and_lagged_rows() {
        // Grid every 10 s from 0; range [15, 45) holds 20, 30, 40.
        let grid = Grid {
            origin: 0,
            step: 10,
        };
        let range = DateRange::new(Timestamp(15), Timestamp(45)).unwrap();
        assert_eq!(grid.points_in(&range), (20, 3));
        // Values 0..5 at 0, 10, .., 50, with 30 missing (NaN): with 1 lag, t = 20 is usable
        // (lag 10 present), t = 30 is an empty cell, t = 40 is not usable (its lag 30 is empty).
        let node = series(
            &[0, 10, 20, 30, 40, 50],
            &[0.0, 1.0, 2.0, f64::NAN, 4.0, 5.0],
        );
        let w = extract(&node, &range, grid, 1, 0);
        assert_eq!((w.points, w.absent, w.empty), (3, 0, 1));
        assert_eq!(w.first_gap, Some(Timestamp(30)));
        assert_eq!(w.y.as_slice(), &[2.0]);
        assert_eq!(w.x[(0, 0)], 1.0);
        assert_eq!(w.x.shape(), (1, 7));
        // A row at 25 is off the grid.
        let node = series(&[10, 20, 25, 30, 40], &[1.0, 2.0, 2.5, 3.0, 4.0]);
        let w = extract(&node, &range, grid, 1, 0);
        assert_eq!(w.off_grid, Some((Timestamp(25), 4)));
        assert_eq!(w.y.as_slice(), &[2.0, 3.0, 4.0]);
    }

    #[test]
    fn short_gaps_are_interpolated() {
        // [1, _, _, 4, _, _, _, 8, _]: the 2-run becomes 2, 3 (a straight line from 1 to 4); the
        // 3-run is longer than 2 and stays; the trailing run has no right neighbour.
        let nan = f64::NAN;
        let mut v = [1.0, nan, nan, 4.0, nan, nan, nan, 8.0, nan];
        assert_eq!(fill_short_gaps(&mut v, 2, 0..9), 2);
        assert_eq!(v[..4], [1.0, 2.0, 3.0, 4.0]);
        assert!(v[4..7].iter().all(|x| x.is_nan()) && v[8].is_nan());
        // Only the fills at indices 5 and 6 are counted.
        assert_eq!(fill_short_gaps(&mut v, 3, 5..9), 2);
        assert_eq!(v[4..8], [5.0, 6.0, 7.0, 8.0]);
    }
}
