//! Figures that render to PNG or SVG from one drawing routine, and the colour
//! scales every plot shares.

use crate::error::OutputError;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// A figure: its size and how to draw it on any backend.
pub trait Figure {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Renders `fig` into `path` (extension replaced by the format's) via a
/// hidden temporary file renamed into place.
pub fn save(fig: &impl Figure, path: &Path, format: Format) -> Result<(), OutputError> {
    super::ensure_font();
    let path = path.with_extension(format.ext());
    let perr = |message: String| OutputError::Encode {
        path: path.clone(),
        message,
    };
    let tmp = crate::io::output::temp_path(&path);
    let size = fig.size();
    match format {
        Format::Png => {
            let root = BitMapBackend::new(&tmp, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| perr(e.to_string()))?;
            fig.draw(&root).map_err(perr)?;
            root.present().map_err(|e| perr(e.to_string()))?;
        }
        Format::Svg => {
            let root = SVGBackend::new(&tmp, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| perr(e.to_string()))?;
            fig.draw(&root).map_err(perr)?;
            root.present().map_err(|e| perr(e.to_string()))?;
        }
    }
    std::fs::rename(&tmp, &path).map_err(OutputError::io(&path))
}

/// Viridis (matplotlib's perceptually uniform map, monotonic in lightness,
/// so it reads in grayscale and by colour-blind readers), 17 knots.
const VIRIDIS: [(u8, u8, u8); 17] = [
    (68, 1, 84),
    (72, 24, 106),
    (71, 45, 123),
    (66, 64, 134),
    (59, 82, 139),
    (51, 99, 141),
    (44, 114, 142),
    (38, 130, 142),
    (33, 145, 140),
    (31, 160, 136),
    (40, 174, 128),
    (63, 188, 115),
    (94, 201, 98),
    (132, 212, 75),
    (173, 220, 48),
    (216, 226, 25),
    (253, 231, 37),
];

/// The colour at t ∈ [0, 1] (clamped; NaN gives light grey) of a map
/// linear between evenly spaced stops.
fn interpolate(stops: &[(u8, u8, u8)], t: f64) -> RGBColor {
    if t.is_nan() {
        return RGBColor(220, 220, 220);
    }
    let x = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let i = (x.floor() as usize).min(stops.len() - 2);
    let f = x - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Viridis at t ∈ [0, 1] (clamped; NaN gives light grey).
pub fn viridis(t: f64) -> RGBColor {
    interpolate(&VIRIDIS, t)
}

/// A diverging map for signed values, centred on zero at t = 0.5: blue
/// below (rejuvenation), near-white at zero, red above (drift) — ColorBrewer
/// RdBu reversed, readable with any colour vision and in grayscale by
/// distance from zero.
pub fn diverging(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (33, 102, 172),
        (103, 169, 207),
        (247, 247, 247),
        (239, 138, 98),
        (178, 24, 43),
    ];
    interpolate(&STOPS, t)
}

/// The colour maps of colour bars and cell grids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColourMap {
    /// Sequential (magnitudes).
    Viridis,
    /// Signed values, zero in the middle (`diverging`).
    Diverging,
}

impl ColourMap {
    pub fn at(self, t: f64) -> RGBColor {
        match self {
            ColourMap::Viridis => viridis(t),
            ColourMap::Diverging => diverging(t),
        }
    }
}

/// Relative luminance (0-1): black or white text on a colour.
pub fn text_on(c: RGBColor) -> RGBColor {
    let l = (0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64) / 255.0;
    if l > 0.5 {
        BLACK
    } else {
        WHITE
    }
}

/// Verdict colours (Okabe-Ito hues, the blue darkened: distinguishable with any colour vision, and
/// dark / light / mid in grayscale).
pub const REJUVENATION: RGBColor = RGBColor(0, 68, 136);
pub const NEUTRAL: RGBColor = RGBColor(204, 204, 204);
pub const DRIFT: RGBColor = RGBColor(213, 94, 0);

/// Colours of arms, in order: control, treated, further arms (Okabe-Ito:
/// black, blue, orange, bluish green, reddish purple).
pub const ARM_COLOURS: [RGBColor; 5] = [
    RGBColor(0, 0, 0),
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
];

/// The one colour of each site state, in every plot (maps and time series).
/// Okabe-Ito hues chosen so the tissue states also differ in grayscale
/// (luminance: empty 240, arrested 163, proliferative 121, deep 54).
pub mod phenotype {
    use plotters::style::RGBColor;
    pub const EMPTY: RGBColor = RGBColor(240, 240, 240);
    pub const PROLIFERATIVE: RGBColor = RGBColor(0, 158, 115);
    pub const ARRESTED: RGBColor = RGBColor(230, 159, 0);
    pub const DEEP: RGBColor = RGBColor(150, 30, 30);
    pub const MSC: RGBColor = RGBColor(86, 180, 233);
    pub const MSC_SENESCENT: RGBColor = RGBColor(0, 60, 130);
    pub const TRANSFORMED: RGBColor = RGBColor(204, 121, 167);
    /// SA-β-gal+ cells (arrested + deep), drawn dashed in time series.
    pub const SA_BETA_GAL: RGBColor = RGBColor(90, 90, 90);

    /// Colour of a site from its kind and phenotype codes (as in snapshots).
    pub fn of_site(kind: u8, phenotype: u8) -> RGBColor {
        match (kind, phenotype) {
            (0, _) => EMPTY,
            (2, 0) => MSC,
            (2, _) => MSC_SENESCENT,
            (3, _) => TRANSFORMED,
            (_, 0) => PROLIFERATIVE,
            (_, 1) => ARRESTED,
            _ => DEEP,
        }
    }

    /// The legend of a phenotype map.
    pub const LEGEND: [(&str, RGBColor); 7] = [
        ("empty", EMPTY),
        ("proliferative", PROLIFERATIVE),
        ("arrested (early)", ARRESTED),
        ("deep senescent", DEEP),
        ("MSC (graft)", MSC),
        ("senescent MSC", MSC_SENESCENT),
        ("transformed", TRANSFORMED),
    ];
}

pub fn verdict_colour(v: &str) -> RGBColor {
    match v {
        "rejuvenation" => REJUVENATION,
        "senescent_drift" => DRIFT,
        _ => NEUTRAL,
    }
}

/// A column of colour swatches with their names.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(impl AsRef<str>, RGBColor)],
) -> Result<(), String> {
    for (k, (name, c)) in items.iter().enumerate() {
        let y = 50 + 30 * k as i32;
        let e = |r: Result<(), DrawingAreaErrorKind<DB::ErrorType>>| r.map_err(|e| e.to_string());
        e(area.draw(&Rectangle::new([(10, y), (30, y + 20)], c.filled())))?;
        e(area.draw(&Rectangle::new(
            [(10, y), (30, y + 20)],
            BLACK.stroke_width(1),
        )))?;
        e(area.draw(&Text::new(name.as_ref(), (38, y + 2), ("sans-serif", 15))))?;
    }
    Ok(())
}

/// A vertical colour bar for [lo, hi] in `area`, labelled `label`.
pub fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lo: f64,
    hi: f64,
    label: &str,
    map: ColourMap,
) -> Result<(), String> {
    let hi = if hi > lo { hi } else { lo + 1e-12 };
    let mut c = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(60)
        .margin_right(10)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(|e| e.to_string())?;
    c.configure_mesh()
        .disable_x_mesh()
        .disable_x_axis()
        .disable_y_mesh()
        .y_desc(label)
        .y_labels(6)
        .y_label_formatter(&|v| super::grid::tick(*v))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .draw()
        .map_err(|e| e.to_string())?;
    let n = 128;
    c.draw_series((0..n).map(|k| {
        let (a, b) = (
            lo + (hi - lo) * k as f64 / n as f64,
            lo + (hi - lo) * (k + 1) as f64 / n as f64,
        );
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            map.at((k as f64 + 0.5) / n as f64).filled(),
        )
    }))
    .map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_runs_dark_to_light_monotonically() {
        let lum = |c: RGBColor| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
        let mut last = -1.0;
        for k in 0..=100 {
            let l = lum(viridis(k as f64 / 100.0));
            assert!(l > last, "lightness rises at {k}");
            last = l;
        }
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(-3.0), viridis(0.0));
    }

    #[test]
    fn tissue_states_differ_in_grayscale() {
        use phenotype::*;
        let lum = |c: RGBColor| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
        let mut l: Vec<f64> = [EMPTY, PROLIFERATIVE, ARRESTED, DEEP]
            .iter()
            .map(|&c| lum(c))
            .collect();
        l.sort_by(f64::total_cmp);
        assert!(l.windows(2).all(|w| w[1] - w[0] > 35.0), "{l:?}");
        assert_eq!(of_site(1, 2), DEEP);
        assert_eq!(of_site(0, 2), EMPTY);
    }

    #[test]
    fn verdict_colours_differ_in_grayscale() {
        let lum = |c: RGBColor| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
        let l = [lum(REJUVENATION), lum(DRIFT), lum(NEUTRAL)];
        assert!(l[1] - l[0] > 25.0 && l[2] - l[1] > 25.0, "{l:?}");
    }
}
