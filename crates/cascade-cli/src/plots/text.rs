//! Text helpers shared by the figures: number formatting, styles and label wrapping.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, IntoFont, RGBColor, TextStyle};

use super::font::FAMILY;
use super::render::reason;

/// A black text style in the embedded font, `size` pixels rounded to an even number: plotters
/// 0.3.7 places each glyph at `size / 2` truncated towards zero, so at odd sizes dots and
/// commas land a pixel off the baseline in PNGs.
pub(super) fn style(size: f64) -> TextStyle<'static> {
    let size = (size / 2.0).round().max(4.0) * 2.0;
    (FAMILY, size).into_font().color(&RGBColor(0, 0, 0))
}

/// About four significant digits, scientific notation for very large or small magnitudes.
pub(super) fn number(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        return v.to_string();
    }
    if a == 0.0 {
        return "0".to_string();
    }
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.2e}");
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Pixel width of `text` in `style` as laid out on `area`.
pub(super) fn width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> Result<u32, String> {
    Ok(area.estimate_text_size(text, style).map_err(reason)?.0)
}

/// Greedy word wrap of `text` into lines no wider than `max_width` pixels; a single word wider
/// than that gets a line of its own.
pub(super) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_width: u32,
) -> Result<Vec<String>, String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || width(area, &candidate, style)? <= max_width {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// Keeps at most `max_chars` characters, ending with an ellipsis when cut.
pub(super) fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_keeps_four_significant_digits() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.123456), "0.1235");
        assert_eq!(number(12.3456), "12.35");
        assert_eq!(number(500.0), "500");
        assert_eq!(number(499.99999999), "500");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(123456.0), "1.23e5");
        assert_eq!(number(0.0001234), "1.23e-4");
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
