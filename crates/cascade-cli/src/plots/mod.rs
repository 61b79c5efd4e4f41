//! Figures of runs and comparisons, each written as `STEM.png` and `STEM.svg`.
//!
//! - [`tree`]: the cascade tree of one run, nodes coloured by test error.
//! - [`grouped_bars`]: one group of bars per setting, one bar per method.
//! - [`error_vs_budget`]: one line per method against the total budget.
//!
//! The drawing code of each figure is generic over plotters' `DrawingBackend` and runs once
//! for the PNG (an RGB buffer encoded by `image`) and once for the SVG. Text uses the DejaVu
//! Sans font embedded in the binary, so no system font is needed.
//!
//! Every function appends `.png` and `.svg` to the stem it is given (the parent directory must
//! exist), returns the two paths, and reports bad input (nothing to draw, mismatched lengths,
//! cycles, negative spreads) as [`CliError::Plot`](crate::error::CliError::Plot) rather than
//! panicking. NaN or infinite values are skipped, as each function documents.

mod bars;
mod budget;
mod font;
mod legend;
mod marker;
mod palette;
mod render;
mod text;
mod tree;

pub use bars::{Bar, BarGroup, grouped_bars};
pub use budget::{Series, error_vs_budget};
pub use tree::tree;

#[cfg(test)]
mod samples;
#[cfg(test)]
mod test_support;
