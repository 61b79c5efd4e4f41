//! Checks shared by the figure tests.

use std::collections::HashSet;
use std::path::PathBuf;

/// Asserts that `paths` are `STEM.png` and `STEM.svg`, that the PNG decodes to `size` with
/// several distinct colours (something was drawn), and that the SVG names `title`.
pub(super) fn assert_written(paths: &[PathBuf], size: Option<(u32, u32)>, title: &str) {
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert_eq!(paths[0].extension().unwrap(), "png");
    assert_eq!(paths[1].extension().unwrap(), "svg");
    let png = image::open(&paths[0]).unwrap().to_rgb8();
    if let Some((w, h)) = size {
        assert_eq!(png.dimensions(), (w, h));
    }
    let colours: HashSet<[u8; 3]> = png.pixels().map(|p| p.0).collect();
    assert!(colours.len() >= 5, "only {} colours", colours.len());
    let svg = std::fs::read_to_string(&paths[1]).unwrap();
    assert!(svg.contains("<svg"));
    assert!(svg.contains(title), "the SVG lacks the title {title:?}");
}
