//! Runs one figure's drawing code on both backends and writes `STEM.png` and `STEM.svg`.

use std::ffi::OsString;
use std::fmt::Display;
use std::path::{Path, PathBuf};

use plotters::backend::{BitMapBackend, SVGBackend};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, IntoDrawingArea, WHITE};

use super::font;
use crate::error::CliError;

/// A figure whose inputs were checked: drawing it can only fail inside plotters or on I/O.
pub(super) trait Figure {
    /// Width and height in pixels (SVG user units).
    fn size(&self) -> (u32, u32);

    /// Draws everything on `root`, which is already filled white.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Turns any plotters or I/O error into the reason carried by [`CliError::Plot`].
pub(super) fn reason<E: Display>(e: E) -> String {
    e.to_string()
}

/// The error for input that cannot be drawn, reported against the stem.
pub(super) fn bad_input(stem: &Path, reason: impl Into<String>) -> CliError {
    CliError::Plot {
        path: stem.to_path_buf(),
        reason: reason.into(),
    }
}

/// Writes `STEM.png` then `STEM.svg` (the extension is appended, so a stem such as
/// `out/tree.rep0` keeps its dot) and returns both paths. The parent directory must exist.
pub(super) fn write_figure(stem: &Path, figure: &impl Figure) -> Result<Vec<PathBuf>, CliError> {
    font::ensure_registered().map_err(|r| bad_input(stem, r))?;
    let png = with_extension(stem, "png");
    write_png(&png, figure).map_err(|reason| CliError::Plot {
        path: png.clone(),
        reason,
    })?;
    let svg = with_extension(stem, "svg");
    write_svg(&svg, figure).map_err(|reason| CliError::Plot {
        path: svg.clone(),
        reason,
    })?;
    Ok(vec![png, svg])
}

fn with_extension(stem: &Path, extension: &str) -> PathBuf {
    let mut name = OsString::from(stem.as_os_str());
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

fn write_png(path: &Path, figure: &impl Figure) -> Result<(), String> {
    let (w, h) = figure.size();
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(reason)?;
        figure.draw(&root)?;
        root.present().map_err(reason)?;
    }
    let image = image::RgbImage::from_raw(w, h, pixels)
        .ok_or_else(|| "the pixel buffer does not match the figure size".to_string())?;
    image
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(reason)
}

/// Draws into a string first, so that a failed drawing leaves no half-written file.
fn write_svg(path: &Path, figure: &impl Figure) -> Result<(), String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area();
        root.fill(&WHITE).map_err(reason)?;
        figure.draw(&root)?;
        root.present().map_err(reason)?;
    }
    std::fs::write(path, svg).map_err(reason)
}
