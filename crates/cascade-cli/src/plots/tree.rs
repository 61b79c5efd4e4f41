//! The cascade tree of one run: tasks by depth, a tidy layout, nodes coloured by test error.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::{
    ChartBuilder, Circle, DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle, Text,
};
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{text_on, viridis};
use super::render::{Figure, bad_input, reason, write_figure};
use super::text;
use crate::error::CliError;

/// Width of the colour-bar strip on the right.
const BAR_STRIP: u32 = 170;
/// Tasks at most this many get their index written in the node when the nodes are big enough.
const MAX_NUMBERED: usize = 150;

/// Draws the cascade tree of one run to `STEM.png` and `STEM.svg` and returns both paths.
///
/// `parents[v]` is task `v`'s parent, `None` for a root; several roots (a forest, e.g. every
/// task trained alone) are drawn side by side. `errors[v]` is task `v`'s value of `metric`
/// (e.g. "test MSE"), shown by the node's colour with a colour bar giving the minimum and the
/// maximum. Roots are drawn bigger with a black outline (unless every task is a root). Depth
/// grows downwards; leaves take
/// consecutive slots in depth-first order (children in index order) and each parent sits
/// centred over its first and last child.
///
/// Errors with [`CliError::Plot`] when there are no tasks, `errors` and `parents` differ in
/// length, a parent is out of range or the parents form a cycle, no error is finite, or the
/// drawing or writing fails. A task whose error is NaN or infinite is drawn grey and left out
/// of the colour scale.
pub fn tree(
    stem: &Path,
    title: &str,
    parents: &[Option<usize>],
    errors: &[f64],
    metric: &str,
) -> Result<Vec<PathBuf>, CliError> {
    let figure = TreeFigure::new(title, parents, errors, metric).map_err(|r| bad_input(stem, r))?;
    write_figure(stem, &figure)
}

/// Depth and horizontal slot of every task.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Layout {
    /// Edges from the task's root (0 for a root).
    pub depth: Vec<usize>,
    /// Horizontal position in leaf slots: leaves at 0, 1, 2, ...
    pub x: Vec<f64>,
    /// Number of leaves, i.e. of slots.
    pub leaves: usize,
}

/// The tidy layout of the forest given by `parents`; see [`tree`]. Fails on a parent out of
/// range, a task that is its own parent, or a cycle (tasks no root reaches).
pub(super) fn layout(parents: &[Option<usize>]) -> Result<Layout, String> {
    let n = parents.len();
    let mut children = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (v, parent) in parents.iter().enumerate() {
        match *parent {
            None => roots.push(v),
            Some(p) if p >= n => {
                return Err(format!(
                    "task {v} has parent {p}, but there are only {n} tasks"
                ));
            }
            Some(p) if p == v => return Err(format!("task {v} is its own parent")),
            Some(p) => children[p].push(v),
        }
    }
    let mut depth = vec![usize::MAX; n];
    let mut x = vec![0.0; n];
    let mut leaves = 0usize;
    // Every task has one parent, so a walk down from the roots meets each task at most once;
    // an explicit stack keeps a chain of thousands of tasks off the call stack.
    for &root in &roots {
        depth[root] = 0;
        let mut stack = vec![(root, 0usize)];
        while let Some((v, next)) = stack.last_mut() {
            let v = *v;
            if let Some(&child) = children[v].get(*next) {
                *next += 1;
                depth[child] = depth[v] + 1;
                stack.push((child, 0));
                continue;
            }
            stack.pop();
            x[v] = match (children[v].first(), children[v].last()) {
                (Some(&first), Some(&last)) => (x[first] + x[last]) / 2.0,
                _ => {
                    leaves += 1;
                    (leaves - 1) as f64
                }
            };
        }
    }
    if let Some(v) = depth.iter().position(|&d| d == usize::MAX) {
        return Err(format!(
            "the parents form a cycle: task {v} cannot be reached from a root"
        ));
    }
    Ok(Layout { depth, x, leaves })
}

struct TreeFigure<'a> {
    title: &'a str,
    metric: &'a str,
    parents: &'a [Option<usize>],
    errors: &'a [f64],
    layout: Layout,
    /// Smallest and largest finite error.
    range: (f64, f64),
}

impl<'a> TreeFigure<'a> {
    fn new(
        title: &'a str,
        parents: &'a [Option<usize>],
        errors: &'a [f64],
        metric: &'a str,
    ) -> Result<Self, String> {
        if parents.is_empty() {
            return Err("the tree has no tasks".to_string());
        }
        if errors.len() != parents.len() {
            return Err(format!(
                "{} errors for {} tasks; give one error per task",
                errors.len(),
                parents.len()
            ));
        }
        let layout = layout(parents)?;
        let finite = errors.iter().copied().filter(|e| e.is_finite());
        let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| {
            (lo.min(e), hi.max(e))
        });
        if min > max {
            return Err("no task has a finite error to colour by".to_string());
        }
        Ok(TreeFigure {
            title,
            metric,
            parents,
            errors,
            layout,
            range: (min, max),
        })
    }

    fn max_depth(&self) -> usize {
        self.layout.depth.iter().copied().max().unwrap_or(0)
    }

    /// Position on the colour scale, 0 at the smallest error; 0.5 when all errors are equal.
    fn scale(&self, e: f64) -> f64 {
        let (lo, hi) = self.range;
        if hi > lo { (e - lo) / (hi - lo) } else { 0.5 }
    }

    fn color(&self, e: f64) -> RGBColor {
        if e.is_finite() {
            viridis(self.scale(e))
        } else {
            RGBColor(170, 170, 170)
        }
    }

    fn draw_colour_bar<DB: DrawingBackend>(
        &self,
        strip: &DrawingArea<DB, Shift>,
        root_radius: Option<i32>,
    ) -> Result<(), String> {
        let h = strip.dim_in_pixel().1;
        let (top, bottom) = (70, (h as i32 - 150).max(120));
        let (left, right) = (20, 44);
        let heading = text::style(16.0).pos(Pos::new(HPos::Left, VPos::Bottom));
        let caption = text::truncate(self.metric, 22);
        strip
            .draw(&Text::new(caption, (left - 6, top - 12), heading))
            .map_err(reason)?;
        let steps = (bottom - top).max(1);
        for i in 0..steps {
            // The top of the bar is the largest error.
            let t = 1.0 - f64::from(i) / f64::from(steps);
            strip
                .draw(&Rectangle::new(
                    [(left, top + i), (right, top + i + 1)],
                    viridis(t).filled(),
                ))
                .map_err(reason)?;
        }
        strip
            .draw(&Rectangle::new(
                [(left, top), (right, bottom)],
                RGBColor(0, 0, 0).stroke_width(1),
            ))
            .map_err(reason)?;
        let (lo, hi) = self.range;
        let label = text::style(14.0).pos(Pos::new(HPos::Left, VPos::Center));
        let ticks = [
            (top, format!("max {}", text::number(hi))),
            ((top + bottom) / 2, text::number((lo + hi) / 2.0)),
            (bottom, format!("min {}", text::number(lo))),
        ];
        for (y, value) in ticks {
            strip
                .draw(&PathElement::new(
                    vec![(right, y), (right + 5, y)],
                    RGBColor(0, 0, 0).stroke_width(1),
                ))
                .map_err(reason)?;
            strip
                .draw(&Text::new(value, (right + 8, y), label.clone()))
                .map_err(reason)?;
        }
        // Below the bar: what a root and a node without a value look like.
        let mut legend_y = bottom + 40;
        if let Some(r) = root_radius {
            let r = r.clamp(5, 9);
            let centre = (left + 12, legend_y);
            strip
                .draw(&Circle::new(centre, r, RGBColor(150, 150, 150).filled()))
                .map_err(reason)?;
            strip
                .draw(&Circle::new(centre, r, RGBColor(0, 0, 0).stroke_width(2)))
                .map_err(reason)?;
            strip
                .draw(&Text::new("root", (left + 30, legend_y), label.clone()))
                .map_err(reason)?;
            legend_y += 28;
        }
        if self.errors.iter().any(|e| !e.is_finite()) {
            strip
                .draw(&Circle::new(
                    (left + 12, legend_y),
                    5,
                    RGBColor(170, 170, 170).filled(),
                ))
                .map_err(reason)?;
            strip
                .draw(&Text::new("no value", (left + 30, legend_y), label))
                .map_err(reason)?;
        }
        Ok(())
    }
}

impl Figure for TreeFigure<'_> {
    fn size(&self) -> (u32, u32) {
        let leaves = self.layout.leaves as u32;
        let levels = self.max_depth() as u32 + 1;
        let w = (leaves.saturating_mul(18) + 200).clamp(900, 2400) + BAR_STRIP;
        let h = (levels.saturating_mul(70) + 180).clamp(520, 1400);
        (w, h)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = root.titled(self.title, text::style(22.0)).map_err(reason)?;
        let (w, _) = body.dim_in_pixel();
        let (plot_area, strip) = body.split_horizontally(w - BAR_STRIP);
        let max_depth = self.max_depth() as f64;
        let leaves = self.layout.leaves as f64;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(15)
            .margin_top(25)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.6..leaves - 0.4, -max_depth - 0.5..0.5)
            .map_err(reason)?;
        // Depth d is drawn at y = -d so that the root is at the top.
        let depth_label = |y: &f64| {
            if (y - y.round()).abs() < 1e-6 && *y <= 0.0 {
                format!("{}", -y.round() as i64)
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_x_axis()
            .y_max_light_lines(0)
            .y_labels((self.max_depth() + 2).min(12))
            .y_label_formatter(&depth_label)
            .y_desc("depth")
            .label_style(text::style(14.0))
            .axis_desc_style(text::style(16.0))
            .draw()
            .map_err(reason)?;

        let (px, py) = chart.plotting_area().dim_in_pixel();
        let slot = f64::from(px) / leaves.max(1.0);
        let level = f64::from(py) / (max_depth + 1.0);
        let radius = (0.32 * slot.min(level)).clamp(1.5, 11.0);
        let root_radius = (radius * 1.5).max(radius + 2.0);
        let at = |v: usize| (self.layout.x[v], -(self.layout.depth[v] as f64));

        let edge = RGBColor(120, 120, 120).stroke_width(if radius < 3.0 { 1 } else { 2 });
        let edges = self
            .parents
            .iter()
            .enumerate()
            .filter_map(|(v, p)| p.map(|p| PathElement::new(vec![at(p), at(v)], edge)));
        chart.draw_series(edges).map_err(reason)?;

        // Roots are drawn last, on top, and marked only when some task has a parent: in a
        // forest of lone tasks every node is a root and the marks would only add noise.
        let mark_roots = self.parents.iter().any(Option::is_some);
        let (non_roots, roots): (Vec<usize>, Vec<usize>) =
            (0..self.parents.len()).partition(|&v| self.parents[v].is_some());
        let root_r = if mark_roots { root_radius } else { radius }.round() as i32;
        let nodes = non_roots
            .iter()
            .map(|&v| (v, radius.round() as i32))
            .chain(roots.iter().map(|&v| (v, root_r)));
        chart
            .draw_series(
                nodes.map(|(v, r)| Circle::new(at(v), r, self.color(self.errors[v]).filled())),
            )
            .map_err(reason)?;
        if mark_roots {
            let outline = RGBColor(0, 0, 0).stroke_width(if root_r < 5 { 1 } else { 2 });
            chart
                .draw_series(roots.iter().map(|&v| Circle::new(at(v), root_r, outline)))
                .map_err(reason)?;
        }

        if self.parents.len() <= MAX_NUMBERED && radius >= 8.0 {
            let size = (radius * 1.15).min(12.0);
            for v in 0..self.parents.len() {
                let color = text_on(self.color(self.errors[v]));
                let style = text::style(size)
                    .color(&color)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart
                    .draw_series([Text::new(v.to_string(), at(v), style)])
                    .map_err(reason)?;
            }
        }
        self.draw_colour_bar(&strip, mark_roots.then_some(root_r))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_written;
    use super::*;

    #[test]
    fn tidy_layout_of_a_small_tree() {
        //       0            depth 0
        //     /   \
        //    1     2         depth 1
        //   / \
        //  3   4             depth 2
        // Leaves in DFS order: 3 -> slot 0, 4 -> slot 1, 2 -> slot 2.
        // 1 is centred over 3 and 4: 0.5; 0 over 1 and 2: (0.5 + 2) / 2 = 1.25.
        let parents = [None, Some(0), Some(0), Some(1), Some(1)];
        let layout = layout(&parents).unwrap();
        assert_eq!(layout.depth, vec![0, 1, 1, 2, 2]);
        assert_eq!(layout.x, vec![1.25, 0.5, 2.0, 0.0, 1.0]);
        assert_eq!(layout.leaves, 3);
    }

    #[test]
    fn tidy_layout_puts_roots_side_by_side() {
        // Roots 0 and 2; 0 has child 1, 2 has children 3 and 4 (given out of order in the
        // array, so index order decides): slots 1 -> 0, 3 -> 1, 4 -> 2; 0 at 0, 2 at 1.5.
        let parents = [None, Some(0), None, Some(2), Some(2)];
        let layout = layout(&parents).unwrap();
        assert_eq!(layout.depth, vec![0, 1, 0, 1, 1]);
        assert_eq!(layout.x, vec![0.0, 0.0, 1.5, 1.0, 2.0]);
    }

    #[test]
    fn layout_rejects_cycles_and_bad_parents() {
        assert!(layout(&[None, Some(2), Some(1)]).is_err());
        assert!(layout(&[Some(0)]).is_err());
        assert!(layout(&[None, Some(5)]).is_err());
    }

    #[test]
    fn tree_renders_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let parents = [None, Some(0), Some(0), Some(1), Some(1), Some(2)];
        let errors = [0.5, 0.4, f64::NAN, 0.1, 0.3, 0.2];
        let stem = dir.path().join("tree.rep0");
        let paths = tree(&stem, "Cascade tree", &parents, &errors, "test MSE").unwrap();
        assert_eq!(paths[0], dir.path().join("tree.rep0.png"));
        let size = TreeFigure::new("", &parents, &errors, "").unwrap().size();
        assert_written(&paths, Some(size), "Cascade tree");
    }

    #[test]
    fn tree_renders_a_forest_and_a_large_tree() {
        let dir = tempfile::tempdir().unwrap();
        let forest = vec![None; 300];
        let errors: Vec<f64> = (0..300).map(|v| f64::from(v % 7)).collect();
        let paths = tree(&dir.path().join("forest"), "Indiv", &forest, &errors, "x").unwrap();
        assert_written(&paths, None, "Indiv");
        // Task v hangs under (v - 1) / 3: a complete ternary tree of 2000 tasks.
        let parents: Vec<Option<usize>> = (0..2000usize)
            .map(|v| v.checked_sub(1).map(|u| u / 3))
            .collect();
        let errors: Vec<f64> = (0..2000).map(|v| f64::from(v).sqrt()).collect();
        let paths = tree(&dir.path().join("big"), "Big", &parents, &errors, "x").unwrap();
        assert_written(&paths, None, "Big");
    }

    #[test]
    fn tree_rejects_bad_input_with_a_plot_error() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("bad");
        let cyclic = [None, Some(2), Some(1)];
        let err = tree(&stem, "t", &cyclic, &[1.0, 2.0, 3.0], "m").unwrap_err();
        assert!(matches!(err, CliError::Plot { .. }), "{err}");
        let chain = [None, Some(0)];
        let err = tree(&stem, "t", &chain, &[1.0], "m").unwrap_err();
        assert!(matches!(err, CliError::Plot { .. }), "{err}");
        let err = tree(&stem, "t", &chain, &[f64::NAN, f64::INFINITY], "m").unwrap_err();
        assert!(matches!(err, CliError::Plot { .. }), "{err}");
        let err = tree(&stem, "t", &[], &[], "m").unwrap_err();
        assert!(matches!(err, CliError::Plot { .. }), "{err}");
        assert!(!dir.path().join("bad.png").exists());
    }

    #[test]
    fn layout_handles_a_long_chain() {
        let parents: Vec<Option<usize>> = (0..5000usize).map(|v| v.checked_sub(1)).collect();
        let layout = layout(&parents).unwrap();
        assert_eq!(layout.depth[4999], 4999);
        assert_eq!(layout.leaves, 1);
    }
}
