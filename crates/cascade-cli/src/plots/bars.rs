//! Grouped bar charts: one group per setting, one bar per method, error bars of +- std.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::{
    ChartBuilder, DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle, Text,
};
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::legend::{self, Entry, Swatch};
use super::palette::method_color;
use super::render::{Figure, bad_input, reason, write_figure};
use super::text;
use crate::error::CliError;

/// One group of bars (one setting) in a grouped bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    /// The setting, printed under the group, e.g. "tau-within=2, budget=500"; long labels
    /// are wrapped at spaces.
    pub label: String,
    /// One bar per method; a method missing from a group leaves its slot empty.
    pub bars: Vec<Bar>,
}

/// One bar: a method's mean and standard deviation in one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The method; it keeps the same colour and slot in every group.
    pub method: String,
    /// The bar's height.
    pub mean: f64,
    /// Half the length of the error bar drawn on the mean.
    pub std: f64,
}

/// Draws a grouped bar chart to `STEM.png` and `STEM.svg` and returns both paths.
///
/// Groups run along x in the order given; methods are ordered by first appearance and keep one
/// colour throughout, named in a legend beside the plot. The y axis, titled `y_label`, spans 0
/// to the largest mean + std (and down to the smallest mean - std when that is negative).
///
/// A bar whose mean is NaN or infinite is left out; an error bar whose std is NaN or infinite
/// is left out. Errors with [`CliError::Plot`] when there are no groups, a group has no bars
/// or names a method twice, a std is negative, no bar has a finite mean, or the drawing or
/// writing fails.
pub fn grouped_bars(
    stem: &Path,
    title: &str,
    y_label: &str,
    groups: &[BarGroup],
) -> Result<Vec<PathBuf>, CliError> {
    let figure = BarsFigure::new(title, y_label, groups).map_err(|r| bad_input(stem, r))?;
    write_figure(stem, &figure)
}

struct BarsFigure<'a> {
    title: &'a str,
    y_label: &'a str,
    groups: &'a [BarGroup],
    /// Methods in order of first appearance.
    methods: Vec<&'a str>,
    /// The y range.
    y: (f64, f64),
}

impl<'a> BarsFigure<'a> {
    fn new(title: &'a str, y_label: &'a str, groups: &'a [BarGroup]) -> Result<Self, String> {
        if groups.is_empty() {
            return Err("the bar chart has no groups".to_string());
        }
        let mut methods: Vec<&str> = Vec::new();
        let (mut lo, mut hi) = (0.0f64, f64::NEG_INFINITY);
        for group in groups {
            if group.bars.is_empty() {
                return Err(format!("group '{}' has no bars", group.label));
            }
            for (i, bar) in group.bars.iter().enumerate() {
                if group.bars[..i].iter().any(|b| b.method == bar.method) {
                    return Err(format!(
                        "group '{}' has two bars for method '{}'",
                        group.label, bar.method
                    ));
                }
                if bar.std < 0.0 {
                    return Err(format!(
                        "method '{}' in group '{}' has a negative std {}",
                        bar.method, group.label, bar.std
                    ));
                }
                if !methods.contains(&bar.method.as_str()) {
                    methods.push(&bar.method);
                }
                if !bar.mean.is_finite() {
                    continue;
                }
                let spread = if bar.std.is_finite() { bar.std } else { 0.0 };
                lo = lo.min(bar.mean - spread);
                hi = hi.max(bar.mean + spread);
            }
        }
        if hi == f64::NEG_INFINITY {
            return Err("no bar has a finite mean".to_string());
        }
        let hi = hi.max(0.0);
        let (lo, hi) = if hi > lo {
            let pad = 0.05 * (hi - lo);
            (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad)
        } else {
            (0.0, 1.0)
        };
        if !(lo.is_finite() && hi.is_finite()) {
            return Err("the bar heights overflow".to_string());
        }
        Ok(BarsFigure {
            title,
            y_label,
            groups,
            methods,
            y: (lo, hi),
        })
    }

    fn legend_entries(&self) -> Vec<Entry> {
        self.methods
            .iter()
            .enumerate()
            .map(|(i, m)| Entry {
                name: m.to_string(),
                color: method_color(i),
                swatch: Swatch::Bar,
            })
            .collect()
    }

    /// Group labels wrapped to `slot` pixels: the biggest font of 14, 12 and 10 px at which
    /// every label fits in three lines without a word wider than the slot (10 px otherwise).
    fn group_labels<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        slot: u32,
    ) -> Result<(f64, Vec<Vec<String>>), String> {
        for size in [14.0, 12.0] {
            let (labels, fits) = self.wrap_labels(area, slot, size)?;
            if fits {
                return Ok((size, labels));
            }
        }
        Ok((10.0, self.wrap_labels(area, slot, 10.0)?.0))
    }

    /// Every group label wrapped at `size` px, and whether they all fit.
    fn wrap_labels<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        slot: u32,
        size: f64,
    ) -> Result<(Vec<Vec<String>>, bool), String> {
        let style = text::style(size);
        let mut labels = Vec::with_capacity(self.groups.len());
        let mut fits = true;
        for group in self.groups {
            let lines = text::wrap(area, &group.label, &style, slot)?;
            for line in &lines {
                fits &= text::width(area, line, &style)? <= slot;
            }
            fits &= lines.len() <= 3;
            labels.push(lines);
        }
        Ok((labels, fits))
    }
}

impl Figure for BarsFigure<'_> {
    fn size(&self) -> (u32, u32) {
        let per_group = (self.methods.len() as u32 * 16 + 30).max(110);
        let w = (self.groups.len() as u32 * per_group + 120).clamp(700, 2400);
        // The legend strip comes on top of the plot width; wide charts get taller.
        (w + 260, (w * 2 / 5).clamp(640, 900))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = root.titled(self.title, text::style(22.0)).map_err(reason)?;
        let entries = self.legend_entries();
        let (w, _) = body.dim_in_pixel();
        let legend_w = legend::width(&body, &entries)?.min(w / 3);
        let (plot_area, legend_area) = body.split_horizontally(w - legend_w);

        const Y_LABELS: u32 = 80;
        const MARGIN: u32 = 15;
        let g = self.groups.len();
        let plot_w = plot_area
            .dim_in_pixel()
            .0
            .saturating_sub(Y_LABELS + 2 * MARGIN);
        let slot = (plot_w / g as u32).saturating_sub(8).max(20);
        let (label_size, labels) = self.group_labels(&plot_area, slot)?;
        let lines = labels.iter().map(Vec::len).max().unwrap_or(1) as u32;
        let line_h = (label_size * 1.25).ceil() as u32;

        let (lo, hi) = self.y;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(MARGIN)
            .margin_top(25)
            .y_label_area_size(Y_LABELS)
            .x_label_area_size(lines * line_h + 14)
            .build_cartesian_2d(-0.5..g as f64 - 0.5, lo..hi)
            .map_err(reason)?;
        let y_fmt = |v: &f64| text::number(*v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(8)
            .y_max_light_lines(1)
            .y_label_formatter(&y_fmt)
            .y_desc(self.y_label)
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(215, 215, 215))
            .label_style(text::style(14.0))
            .axis_desc_style(text::style(16.0))
            .draw()
            .map_err(reason)?;

        // Faint separators between groups, and the zero line when the axis goes below zero.
        let separator = RGBColor(200, 200, 200).stroke_width(1);
        chart
            .draw_series((1..g).map(|i| {
                let x = i as f64 - 0.5;
                PathElement::new(vec![(x, lo), (x, hi)], separator)
            }))
            .map_err(reason)?;
        if lo < 0.0 {
            chart
                .draw_series([PathElement::new(
                    vec![(-0.5, 0.0), (g as f64 - 0.5, 0.0)],
                    RGBColor(0, 0, 0).stroke_width(1),
                )])
                .map_err(reason)?;
        }

        let m = self.methods.len() as f64;
        let width = 0.82 / m;
        let error_style =
            RGBColor(0, 0, 0).stroke_width(if width * f64::from(slot) > 10.0 { 2 } else { 1 });
        for (gi, group) in self.groups.iter().enumerate() {
            for bar in group.bars.iter().filter(|b| b.mean.is_finite()) {
                let mi = self
                    .methods
                    .iter()
                    .position(|m| *m == bar.method)
                    .unwrap_or(0);
                let left = gi as f64 - 0.41 + mi as f64 * width;
                let (x0, x1) = (left + 0.06 * width, left + 0.94 * width);
                chart
                    .draw_series([Rectangle::new(
                        [(x0, 0.0), (x1, bar.mean)],
                        method_color(mi).filled(),
                    )])
                    .map_err(reason)?;
                if bar.std.is_finite() && bar.std > 0.0 {
                    let centre = left + width / 2.0;
                    let cap = 0.25 * width;
                    let (down, up) = (bar.mean - bar.std, bar.mean + bar.std);
                    chart
                        .draw_series([
                            PathElement::new(vec![(centre, down), (centre, up)], error_style),
                            PathElement::new(
                                vec![(centre - cap, down), (centre + cap, down)],
                                error_style,
                            ),
                            PathElement::new(
                                vec![(centre - cap, up), (centre + cap, up)],
                                error_style,
                            ),
                        ])
                        .map_err(reason)?;
                }
            }
        }

        // Group labels, drawn on the root (pixel coordinates) under each group's centre.
        let style = text::style(label_size).pos(Pos::new(HPos::Center, VPos::Top));
        let bottom = chart.plotting_area().get_pixel_range().1.end;
        for (gi, lines) in labels.iter().enumerate() {
            let centre = chart.backend_coord(&(gi as f64, lo)).0;
            for (li, line) in lines.iter().enumerate() {
                let y = bottom + 8 + li as i32 * line_h as i32;
                root.draw(&Text::new(line.clone(), (centre, y), style.clone()))
                    .map_err(reason)?;
            }
        }
        legend::draw(&legend_area, &entries, 40)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_written;
    use super::*;

    fn bar(method: &str, mean: f64, std: f64) -> Bar {
        Bar {
            method: method.to_string(),
            mean,
            std,
        }
    }

    fn group(label: &str, bars: Vec<Bar>) -> BarGroup {
        BarGroup {
            label: label.to_string(),
            bars,
        }
    }

    #[test]
    fn grouped_bars_render_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let groups = vec![
            group(
                "tau-within=2, budget=500",
                vec![bar("Indiv", 1.0, 0.1), bar("CTL", 0.6, 0.05)],
            ),
            // A missing method, a NaN mean and a NaN std are tolerated.
            group(
                "tau-within=4, budget=500",
                vec![bar("CTL", 0.7, f64::NAN), bar("Pool", f64::NAN, 0.1)],
            ),
            group("negative", vec![bar("Indiv", -0.2, 0.1)]),
        ];
        let stem = dir.path().join("bars");
        let paths = grouped_bars(&stem, "Test MSE by setting", "test MSE", &groups).unwrap();
        let size = BarsFigure::new("", "", &groups).unwrap().size();
        assert_written(&paths, Some(size), "Test MSE by setting");
    }

    #[test]
    fn grouped_bars_reject_bad_input_with_a_plot_error() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("bad");
        let cases = [
            vec![],
            vec![group("empty", vec![])],
            vec![group("twice", vec![bar("A", 1.0, 0.1), bar("A", 2.0, 0.1)])],
            vec![group("negative std", vec![bar("A", 1.0, -0.1)])],
            vec![group("all NaN", vec![bar("A", f64::NAN, 0.1)])],
        ];
        for groups in cases {
            let err = grouped_bars(&stem, "t", "y", &groups).unwrap_err();
            assert!(matches!(err, CliError::Plot { .. }), "{err}");
        }
    }
}
