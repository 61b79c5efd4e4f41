//! A legend drawn in its own strip beside the plot, so it never covers data.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle, Text};
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::marker::Marker;
use super::render::reason;
use super::text;

/// Longest method name shown in full.
const MAX_CHARS: usize = 40;
const SWATCH: i32 = 30;
const GAP: i32 = 8;
const PAD: i32 = 12;

/// How one legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    /// A filled square, as for a bar.
    Bar,
    /// A short line through a marker.
    Line(Marker),
}

/// One legend row.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub name: String,
    pub color: RGBColor,
    pub swatch: Swatch,
}

/// Text size and row height for `count` entries in `height` pixels: 16 px text, shrinking
/// in even steps to 10 px when the rows would not fit.
fn metrics(count: usize, height: u32) -> (f64, i32) {
    let rows = count.max(1) as f64 + 1.0;
    let size = (f64::from(height) / rows / 3.0).floor().clamp(5.0, 8.0) * 2.0;
    (size, (size * 1.5).round() as i32)
}

/// The strip width the legend needs: swatch, gap, the widest name and padding.
pub(super) fn width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
) -> Result<u32, String> {
    let (size, _) = metrics(entries.len(), area.dim_in_pixel().1);
    let style = text::style(size);
    let mut widest = 0;
    for entry in entries {
        widest = widest.max(text::width(
            area,
            &text::truncate(&entry.name, MAX_CHARS),
            &style,
        )?);
    }
    Ok((PAD + SWATCH + GAP) as u32 + widest + 2 * PAD as u32)
}

/// Draws the entries top-down in `area`, starting `top` pixels below its upper edge.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    top: i32,
) -> Result<(), String> {
    let (size, row) = metrics(entries.len(), area.dim_in_pixel().1);
    let style = text::style(size).pos(Pos::new(HPos::Left, VPos::Center));
    let frame_bottom = top + row * entries.len() as i32 + PAD;
    let frame_right = area.dim_in_pixel().0 as i32 - PAD;
    area.draw(&Rectangle::new(
        [
            (PAD / 2, top - PAD / 2),
            (frame_right, frame_bottom - PAD / 2),
        ],
        RGBColor(190, 190, 190).stroke_width(1),
    ))
    .map_err(reason)?;
    for (i, entry) in entries.iter().enumerate() {
        let y = top + row * i as i32 + row / 2;
        let x0 = PAD;
        match entry.swatch {
            Swatch::Bar => {
                let half = (row / 2 - 2).max(3);
                area.draw(&Rectangle::new(
                    [(x0 + 4, y - half), (x0 + SWATCH - 4, y + half)],
                    entry.color.filled(),
                ))
                .map_err(reason)?;
            }
            Swatch::Line(marker) => {
                area.draw(&PathElement::new(
                    vec![(x0, y), (x0 + SWATCH, y)],
                    entry.color.stroke_width(2),
                ))
                .map_err(reason)?;
                marker.draw(area, (x0 + SWATCH / 2, y), 5, entry.color)?;
            }
        }
        let name = text::truncate(&entry.name, MAX_CHARS);
        area.draw(&Text::new(name, (x0 + SWATCH + GAP, y), style.clone()))
            .map_err(reason)?;
    }
    Ok(())
}
