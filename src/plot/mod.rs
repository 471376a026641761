//! Plots of a run, rendered with an embedded font (DejaVu Sans) so they look
//! the same on any machine, with or without system fonts.
//!
//! The functions take tables (time-series rows, a phenotype grid), never the
//! simulation, so they can plot saved outputs too.

pub mod figure;
pub mod grid;
pub mod sweep;

use crate::error::OutputError;
use crate::observe::Row;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

pub(crate) fn ensure_font() {
    REGISTER.call_once(|| {
        // The font is compiled in; failure here is a build defect, not user input.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn perr(path: &Path) -> impl Fn(String) -> OutputError + '_ {
    move |message| OutputError::Encode {
        path: path.to_path_buf(),
        message,
    }
}

/// Renders into a hidden temporary PNG and renames it into place.
fn render_atomic(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<(), OutputError> {
    ensure_font();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{stem}.partial.png"));
    {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .map_err(perr(path))?;
        draw(&root).map_err(perr(path))?;
        root.present()
            .map_err(|e| e.to_string())
            .map_err(perr(path))?;
    }
    std::fs::rename(&tmp, path).map_err(OutputError::io(path))
}

pub type Series<'a> = (&'a str, RGBColor, Box<dyn Fn(&Row) -> f64 + 'a>);

fn panel(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    rows: &[Row],
    title: &str,
    ylabel: &str,
    series: Vec<Series>,
) -> Result<(), String> {
    let days: Vec<f64> = rows.iter().map(|r| r.time_h / 24.0).collect();
    let x_max = days.last().copied().unwrap_or(1.0).max(1e-9);
    let y_max = series
        .iter()
        .flat_map(|(_, _, f)| rows.iter().map(f))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let y_max = if y_max > 0.0 { y_max * 1.1 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("time (days)")
        .y_desc(ylabel)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| e.to_string())?;
    for (name, color, f) in &series {
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .zip(&days)
            .map(|(r, &d)| (d, f(r)))
            .filter(|p| p.1.is_finite())
            .collect();
        let c = *color;
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| e.to_string())
}

const BLUE_: RGBColor = RGBColor(31, 119, 180);
const ORANGE_: RGBColor = RGBColor(255, 127, 14);
const GREEN_: RGBColor = RGBColor(44, 160, 44);
const RED_: RGBColor = RGBColor(214, 39, 40);
const PURPLE_: RGBColor = RGBColor(148, 103, 189);

/// The senescence-marker panel's series: (label, colour, value of a row).
pub fn marker_series() -> Vec<Series<'static>> {
    vec![
        (
            "senescent, SA-β-gal+ (arrested + deep)",
            RED_,
            Box::new(|r: &Row| r.senescent_fraction),
        ),
        (
            "deep senescent",
            ORANGE_,
            Box::new(|r: &Row| r.deep_senescent_fraction),
        ),
        (
            "proliferation index (24 h)",
            GREEN_,
            Box::new(|r: &Row| r.proliferation_index),
        ),
    ]
}

/// Four panels: senescence markers, damage and p16, SASP, and wound closure
/// (or EV field totals when there is no wound).
pub fn timeseries_png(path: &Path, rows: &[Row], title: &str) -> Result<(), OutputError> {
    render_atomic(path, (1400, 1000), |root| {
        let root = root
            .titled(title, ("sans-serif", 26))
            .map_err(|e| e.to_string())?;
        let areas = root.split_evenly((2, 2));
        panel(
            &areas[0],
            rows,
            "Senescence markers",
            "fraction of tissue cells",
            marker_series(),
        )?;
        panel(
            &areas[1],
            rows,
            "Damage and p16",
            "mean per tissue cell",
            vec![
                ("damage", PURPLE_, Box::new(|r: &Row| r.mean_damage)),
                ("p16 proxy", RED_, Box::new(|r: &Row| r.p16_mean)),
            ],
        )?;
        panel(
            &areas[2],
            rows,
            "SASP (IL-6 proxy)",
            "mean sasp (au)",
            vec![("sasp", ORANGE_, Box::new(|r: &Row| r.sasp_mean))],
        )?;
        if rows.iter().any(|r| r.wound_closure.is_some()) {
            panel(
                &areas[3],
                rows,
                "Wound closure",
                "fraction of wound re-occupied",
                vec![(
                    "closure",
                    BLUE_,
                    Box::new(|r: &Row| r.wound_closure.unwrap_or(f64::NAN)),
                )],
            )
        } else {
            panel(
                &areas[3],
                rows,
                "EV in tissue",
                "field total (au)",
                vec![
                    ("young EV", GREEN_, Box::new(|r: &Row| r.ev_young_total)),
                    (
                        "senescent EV",
                        RED_,
                        Box::new(|r: &Row| r.ev_senescent_total),
                    ),
                ],
            )
        }
    })
}

/// Colour of a site from its kind and phenotype codes (as in snapshots).
pub fn site_colour(kind: u8, phenotype: u8) -> RGBColor {
    match (kind, phenotype) {
        (0, _) => RGBColor(245, 245, 245),
        (2, 0) => BLUE_,
        (2, _) => RGBColor(23, 55, 120),
        (3, _) => PURPLE_,
        (_, 0) => RGBColor(150, 205, 150),
        (_, 1) => ORANGE_,
        _ => RED_,
    }
}

/// A map of the lattice coloured by phenotype, with a legend.
pub fn phenotype_map_png(
    path: &Path,
    nx: usize,
    ny: usize,
    kind: &[u8],
    phenotype: &[u8],
    title: &str,
) -> Result<(), OutputError> {
    let scale = (800 / nx.max(ny)).max(1) as u32;
    let (w, h) = (nx as u32 * scale, ny as u32 * scale);
    render_atomic(path, (w + 260, h.max(300) + 60), |root| {
        let (map, legend) = root.split_horizontally(w + 20);
        let map = map
            .titled(title, ("sans-serif", 18))
            .map_err(|e| e.to_string())?;
        for y in 0..ny {
            for x in 0..nx {
                let i = y * nx + x;
                let c = site_colour(kind[i], phenotype[i]);
                let (px, py) = (
                    10 + (x as u32 * scale) as i32,
                    10 + (y as u32 * scale) as i32,
                );
                map.draw(&Rectangle::new(
                    [(px, py), (px + scale as i32, py + scale as i32)],
                    c.filled(),
                ))
                .map_err(|e| e.to_string())?;
            }
        }
        let items = [
            ("empty", site_colour(0, 0)),
            ("proliferative", site_colour(1, 0)),
            ("arrested (early)", site_colour(1, 1)),
            ("deep senescent", site_colour(1, 2)),
            ("MSC", site_colour(2, 0)),
            ("senescent MSC", site_colour(2, 2)),
            ("transformed", site_colour(3, 0)),
        ];
        for (k, (name, c)) in items.iter().enumerate() {
            let y = 50 + 30 * k as i32;
            legend
                .draw(&Rectangle::new([(10, y), (30, y + 20)], c.filled()))
                .map_err(|e| e.to_string())?;
            legend
                .draw(&Rectangle::new(
                    [(10, y), (30, y + 20)],
                    BLACK.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?;
            legend
                .draw(&Text::new(*name, (40, y + 2), ("sans-serif", 16)))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: after `senescent_fraction` came to mean arrested + deep,
    /// the "deep senescent" line kept plotting it.
    #[test]
    fn marker_series_plot_the_columns_their_labels_name() {
        let row = Row {
            senescent_fraction: 0.3,
            sa_beta_gal_fraction: 0.3,
            deep_senescent_fraction: 0.1,
            proliferation_index: 0.05,
            ..Row::default()
        };
        let got: Vec<(&str, f64)> = marker_series()
            .iter()
            .map(|(l, _, f)| (*l, f(&row)))
            .collect();
        assert_eq!(got[0].1, 0.3);
        assert!(got[0].0.contains("arrested + deep"));
        assert_eq!(got[1], ("deep senescent", 0.1));
        assert_eq!(got[2].1, 0.05);
    }
}
