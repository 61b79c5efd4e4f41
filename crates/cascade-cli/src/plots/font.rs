//! The font every figure uses, embedded in the binary and registered with plotters once.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

/// The family name the figures ask plotters for.
pub(super) const FAMILY: &str = "sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the embedded font under [`FAMILY`]; later calls only return the first outcome.
pub(super) fn ensure_registered() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err("the embedded font DejaVu Sans could not be loaded".to_string())
    }
}
