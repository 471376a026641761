//! Plots of run, compare and sweep folders, rendered with an embedded font
//! (DejaVu Sans) so they look the same on any machine, with or without system
//! fonts.
//!
//! Every plot is drawn from a folder's saved files, never from the
//! simulation, so `senesim plot DIR` redraws what a run drew.

pub mod axis;
pub mod compare;
pub mod figure;
pub mod grid;
pub mod labels;
pub mod legend;
pub mod lines;
pub mod map;
pub mod run;
pub mod sweep;

use plotters::style::FontStyle;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

pub(crate) fn ensure_font() {
    REGISTER.call_once(|| {
        // The font is compiled in; failure here is a build defect, not user input.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}
