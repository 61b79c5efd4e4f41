//! Point markers drawn in pixel coordinates, so lines and legends share one look.

use plotters::coord::Shift;
use plotters::prelude::{
    Circle, DrawingArea, DrawingBackend, PathElement, Polygon, RGBColor, Rectangle,
};
use plotters::style::Color;

use super::render::reason;

/// The shape of a line's markers; shapes repeat after five lines, colours after fifteen, so
/// two lines never share both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
}

impl Marker {
    /// The marker of the `index`-th line.
    pub(super) fn nth(index: usize) -> Marker {
        const ALL: [Marker; 5] = [
            Marker::Circle,
            Marker::Square,
            Marker::Triangle,
            Marker::Diamond,
            Marker::Cross,
        ];
        ALL[index % ALL.len()]
    }

    /// Draws the marker centred on `(x, y)` of `area`'s coordinates, `r` pixels from the centre
    /// to its edge, filled with `color` and outlined in white so overlapping markers stay
    /// apart.
    pub(super) fn draw<DB: DrawingBackend>(
        self,
        area: &DrawingArea<DB, Shift>,
        (x, y): (i32, i32),
        r: i32,
        color: RGBColor,
    ) -> Result<(), String> {
        let fill = color.filled();
        let edge = RGBColor(255, 255, 255).stroke_width(1);
        let square = [(x - r, y - r), (x + r, y + r)];
        let triangle = vec![(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)];
        let diamond = vec![
            (x, y - r - 1),
            (x + r + 1, y),
            (x, y + r + 1),
            (x - r - 1, y),
        ];
        match self {
            Marker::Circle => {
                area.draw(&Circle::new((x, y), r, fill)).map_err(reason)?;
                area.draw(&Circle::new((x, y), r, edge)).map_err(reason)
            }
            Marker::Square => {
                area.draw(&Rectangle::new(square, fill)).map_err(reason)?;
                area.draw(&Rectangle::new(square, edge)).map_err(reason)
            }
            Marker::Triangle => polygon(area, triangle, color),
            Marker::Diamond => polygon(area, diamond, color),
            Marker::Cross => {
                let stroke = color.stroke_width(3);
                area.draw(&PathElement::new(
                    vec![(x - r, y - r), (x + r, y + r)],
                    stroke,
                ))
                .map_err(reason)?;
                area.draw(&PathElement::new(
                    vec![(x - r, y + r), (x + r, y - r)],
                    stroke,
                ))
                .map_err(reason)
            }
        }
    }
}

fn polygon<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mut points: Vec<(i32, i32)>,
    color: RGBColor,
) -> Result<(), String> {
    area.draw(&Polygon::new(points.clone(), color.filled()))
        .map_err(reason)?;
    points.push(points[0]);
    area.draw(&PathElement::new(
        points,
        RGBColor(255, 255, 255).stroke_width(1),
    ))
    .map_err(reason)
}
