//! Error against total budget: one line per method, markers, error bars of +- std.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::{ChartBuilder, DrawingArea, DrawingBackend, PathElement};
use plotters::style::{Color, RGBColor};

use super::legend::{self, Entry, Swatch};
use super::marker::Marker;
use super::palette::method_color;
use super::render::{Figure, bad_input, reason, write_figure};
use super::text;
use crate::error::CliError;

/// `(budget, mean, std)`.
type Point = (f64, f64, f64);

/// At most this many budgets get a tick of their own.
const MAX_TICKS: usize = 12;

/// One line of an error-against-budget plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The method, named in the legend.
    pub name: String,
    /// `(budget, mean, std)` per point, in any order (drawn sorted by budget).
    pub points: Vec<(f64, f64, f64)>,
}

/// Draws error against total budget to `STEM.png` and `STEM.svg` and returns both paths.
///
/// One line with markers per series, an error bar of +- std at every point, a legend beside
/// the plot, and ticks at the budgets that occur. The x axis is logarithmic when all budgets
/// are positive and span more than a factor of 10, linear otherwise. Series at the same budget
/// are nudged a few pixels apart so that their error bars do not hide each other. The y axis,
/// titled `y_label`, spans the data.
///
/// A point whose mean is NaN or infinite is left out (the line joins its neighbours); an error
/// bar whose std is NaN or infinite is left out. Errors with [`CliError::Plot`] when there are
/// no series, a series has no points, a budget is NaN or infinite, a std is negative, no point
/// has a finite mean, or the drawing or writing fails.
pub fn error_vs_budget(
    stem: &Path,
    title: &str,
    y_label: &str,
    series: &[Series],
) -> Result<Vec<PathBuf>, CliError> {
    let figure = BudgetFigure::new(title, y_label, series).map_err(|r| bad_input(stem, r))?;
    write_figure(stem, &figure)
}

struct BudgetFigure<'a> {
    title: &'a str,
    y_label: &'a str,
    /// Name and the drawable points of each series, sorted by budget.
    lines: Vec<(&'a str, Vec<Point>)>,
    log_x: bool,
    /// Budgets that get a tick, already on the axis scale.
    ticks: Vec<f64>,
    x: (f64, f64),
    y: (f64, f64),
}

impl<'a> BudgetFigure<'a> {
    fn new(title: &'a str, y_label: &'a str, series: &'a [Series]) -> Result<Self, String> {
        if series.is_empty() {
            return Err("the budget plot has no series".to_string());
        }
        let mut lines = Vec::with_capacity(series.len());
        for s in series {
            if s.points.is_empty() {
                return Err(format!("series '{}' has no points", s.name));
            }
            for &(budget, _, std) in &s.points {
                if !budget.is_finite() {
                    return Err(format!("series '{}' has a budget of {budget}", s.name));
                }
                if std < 0.0 {
                    return Err(format!("series '{}' has a negative std {std}", s.name));
                }
            }
            let mut points: Vec<_> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.1.is_finite())
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            lines.push((s.name.as_str(), points));
        }
        let all = || lines.iter().flat_map(|(_, p)| p.iter().copied());
        if all().next().is_none() {
            return Err("no point has a finite mean".to_string());
        }
        let mut budgets: Vec<f64> = all().map(|p| p.0).collect();
        budgets.sort_by(f64::total_cmp);
        budgets.dedup();
        let (b_lo, b_hi) = (budgets[0], budgets[budgets.len() - 1]);
        let log_x = b_lo > 0.0 && b_hi > 10.0 * b_lo;
        let to_axis = |b: f64| if log_x { b.log10() } else { b };
        // Every k-th budget when there are too many for a tick each, always keeping the last.
        let step = budgets.len().div_ceil(MAX_TICKS);
        let mut ticks: Vec<f64> = budgets.iter().step_by(step).map(|&b| to_axis(b)).collect();
        if !(budgets.len() - 1).is_multiple_of(step) {
            ticks.pop();
            ticks.push(to_axis(b_hi));
        }
        let x = padded(to_axis(b_lo), to_axis(b_hi), if log_x { 0.3 } else { 0.5 });
        let spread = |p: Point| if p.2.is_finite() { p.2 } else { 0.0 };
        let y_lo = all().map(|p| p.1 - spread(p)).fold(f64::INFINITY, f64::min);
        let y_hi = all()
            .map(|p| p.1 + spread(p))
            .fold(f64::NEG_INFINITY, f64::max);
        let y = padded(y_lo, y_hi, 0.5);
        if !(x.0.is_finite() && x.1.is_finite() && y.0.is_finite() && y.1.is_finite()) {
            return Err("the values overflow the axes".to_string());
        }
        Ok(BudgetFigure {
            title,
            y_label,
            lines,
            log_x,
            ticks,
            x,
            y,
        })
    }

    fn legend_entries(&self) -> Vec<Entry> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, (name, _))| Entry {
                name: name.to_string(),
                color: method_color(i),
                swatch: Swatch::Line(Marker::nth(i)),
            })
            .collect()
    }

    fn axis_of(&self, budget: f64) -> f64 {
        if self.log_x { budget.log10() } else { budget }
    }

    fn budget_at(&self, t: f64) -> f64 {
        if self.log_x { 10f64.powf(t) } else { t }
    }
}

/// `lo..hi` widened by 6% of its length on each side, or by `fallback` (scaled to the value's
/// size when that is bigger) when it is a single value.
fn padded(lo: f64, hi: f64, fallback: f64) -> (f64, f64) {
    if hi > lo {
        let pad = 0.06 * (hi - lo);
        (lo - pad, hi + pad)
    } else {
        let pad = fallback.max(0.1 * lo.abs());
        (lo - pad, hi + pad)
    }
}

/// A point in pixels: the marker's centre and the error bar's top and bottom, if any.
struct Placed {
    centre: (i32, i32),
    bar: Option<(i32, i32)>,
}

/// A linear axis with ticks exactly at the given values. plotters' own `with_key_points`
/// loses the label formatter of `f64` axes, hence this small wrapper.
struct TickedAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

impl Figure for BudgetFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 680)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = root.titled(self.title, text::style(22.0)).map_err(reason)?;
        let entries = self.legend_entries();
        let (w, _) = body.dim_in_pixel();
        let legend_w = legend::width(&body, &entries)?.min(w / 3);
        let (plot_area, legend_area) = body.split_horizontally(w - legend_w);

        let x_axis = TickedAxis {
            inner: (self.x.0..self.x.1).into(),
            ticks: self.ticks.clone(),
        };
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(15)
            .margin_top(25)
            .y_label_area_size(80)
            .x_label_area_size(55)
            .build_cartesian_2d(x_axis, self.y.0..self.y.1)
            .map_err(reason)?;
        let x_fmt = |t: &f64| text::number(self.budget_at(*t));
        let y_fmt = |v: &f64| text::number(*v);
        let x_desc = if self.log_x {
            "total budget B (log scale)"
        } else {
            "total budget B"
        };
        chart
            .configure_mesh()
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .y_labels(8)
            .y_max_light_lines(1)
            .x_desc(x_desc)
            .y_desc(self.y_label)
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(220, 220, 220))
            .label_style(text::style(14.0))
            .axis_desc_style(text::style(16.0))
            .draw()
            .map_err(reason)?;

        // Everything below is drawn in pixels on the root, each series nudged sideways so
        // that error bars at the same budget stay apart: lines and error bars first, then
        // all markers on top.
        let m = self.lines.len() as f64;
        let nudge = (48.0 / m).clamp(3.0, 9.0);
        let placed: Vec<Vec<Placed>> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, (_, points))| {
                let shift = ((i as f64 - (m - 1.0) / 2.0) * nudge).round() as i32;
                let pixel = |budget: f64, y: f64| {
                    let (px, py) = chart.backend_coord(&(self.axis_of(budget), y));
                    (px + shift, py)
                };
                let place = |&(budget, mean, std): &Point| Placed {
                    centre: pixel(budget, mean),
                    bar: (std.is_finite() && std > 0.0)
                        .then(|| (pixel(budget, mean + std).1, pixel(budget, mean - std).1)),
                };
                points.iter().map(place).collect()
            })
            .collect();
        for (i, points) in placed.iter().enumerate() {
            let style = method_color(i).stroke_width(2);
            let centres: Vec<_> = points.iter().map(|p| p.centre).collect();
            root.draw(&PathElement::new(centres, style))
                .map_err(reason)?;
            for p in points {
                let ((x, _), Some((top, bottom))) = (p.centre, p.bar) else {
                    continue;
                };
                for segment in [
                    vec![(x, top), (x, bottom)],
                    vec![(x - 5, top), (x + 5, top)],
                    vec![(x - 5, bottom), (x + 5, bottom)],
                ] {
                    root.draw(&PathElement::new(segment, style))
                        .map_err(reason)?;
                }
            }
        }
        for (i, points) in placed.iter().enumerate() {
            for p in points {
                Marker::nth(i).draw(root, p.centre, 5, method_color(i))?;
            }
        }
        legend::draw(&legend_area, &entries, 40)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_written;
    use super::*;

    fn series(name: &str, points: Vec<(f64, f64, f64)>) -> Series {
        Series {
            name: name.to_string(),
            points,
        }
    }

    #[test]
    fn error_vs_budget_renders_log_and_linear_axes() {
        let dir = tempfile::tempdir().unwrap();
        let wide = vec![
            series("CTL", vec![(10000.0, 0.3, 0.02), (500.0, 0.6, 0.05)]),
            series("Indiv", vec![(500.0, 0.9, 0.1), (50000.0, f64::NAN, 0.1)]),
        ];
        let figure = BudgetFigure::new("", "", &wide).unwrap();
        assert!(figure.log_x);
        let paths = error_vs_budget(&dir.path().join("log"), "Wide", "test MSE", &wide).unwrap();
        assert_written(&paths, Some(figure.size()), "Wide");

        let narrow = vec![series(
            "CTL",
            vec![(500.0, 0.6, f64::NAN), (1000.0, 0.5, 0.0)],
        )];
        assert!(!BudgetFigure::new("", "", &narrow).unwrap().log_x);
        let paths = error_vs_budget(&dir.path().join("lin"), "Narrow", "y", &narrow).unwrap();
        assert_written(&paths, None, "Narrow");

        let single = vec![series("CTL", vec![(500.0, 0.6, 0.1)])];
        let paths = error_vs_budget(&dir.path().join("one"), "Single", "y", &single).unwrap();
        assert_written(&paths, None, "Single");
    }

    #[test]
    fn error_vs_budget_rejects_bad_input_with_a_plot_error() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("bad");
        let cases = [
            vec![],
            vec![series("empty", vec![])],
            vec![series("NaN budget", vec![(f64::NAN, 1.0, 0.1)])],
            vec![series("negative std", vec![(10.0, 1.0, -0.1)])],
            vec![series("all NaN", vec![(10.0, f64::NAN, 0.1)])],
        ];
        for series in cases {
            let err = error_vs_budget(&stem, "t", "y", &series).unwrap_err();
            assert!(matches!(err, CliError::Plot { .. }), "{err}");
        }
    }

    #[test]
    fn many_budgets_get_at_most_twelve_ticks_including_the_last() {
        let points = (1..=30).map(|b| (f64::from(b), 1.0, 0.1)).collect();
        let many = vec![series("A", points)];
        let figure = BudgetFigure::new("", "", &many).unwrap();
        assert!(figure.ticks.len() <= MAX_TICKS);
        assert!(figure.log_x);
        assert_eq!(figure.ticks.last(), Some(&30f64.log10()));
    }
}
