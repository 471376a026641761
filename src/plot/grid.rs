//! A grid of coloured, annotated cells over parameter values: phase diagrams
//! (a metric with a colour bar) and verdict maps (categories with a legend).

use super::figure::{colour_bar, legend, text_on, ColourMap, Figure};
use crate::math;
use plotters::coord::Shift;
use plotters::prelude::*;

/// What the colours of a cell grid mean.
pub enum Key {
    /// A continuous value: `map` over [lo, hi], with this label (and units).
    Bar {
        lo: f64,
        hi: f64,
        label: String,
        map: ColourMap,
    },
    /// Categories, each with its colour.
    Legend(Vec<(String, RGBColor)>),
}

pub struct CellGrid {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_ticks: Vec<String>,
    pub y_ticks: Vec<String>,
    /// Rows by y (first row at the bottom), each by x: colour and annotation.
    pub cells: Vec<Vec<(RGBColor, String)>>,
    pub key: Key,
}

impl CellGrid {
    /// A metric on viridis, or, when `signed` (an effect: arm − control),
    /// on a diverging map centred on zero over ±(largest |value|), so that
    /// sign reads as hue; NaN cells grey and blank.
    pub fn metric(
        title: String,
        x: (String, Vec<String>),
        y: (String, Vec<String>),
        values: &[Vec<f64>],
        label: String,
        signed: bool,
    ) -> CellGrid {
        let finite = values.iter().flatten().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let (lo, hi, map) = if signed {
            let m = lo.abs().max(hi.abs()).max(1e-12);
            (-m, m, ColourMap::Diverging)
        } else {
            (lo, hi, ColourMap::Viridis)
        };
        let cells = values
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&v| {
                        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                        (
                            map.at(t),
                            if v.is_finite() {
                                short(v)
                            } else {
                                String::new()
                            },
                        )
                    })
                    .collect()
            })
            .collect();
        CellGrid {
            title,
            x_label: x.0,
            y_label: y.0,
            x_ticks: x.1,
            y_ticks: y.1,
            cells,
            key: Key::Bar { lo, hi, label, map },
        }
    }
}

/// A value in 3 significant digits, for cell annotations.
pub fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let mag = math::log10(v.abs()).floor() as i32;
    if !(-3..5).contains(&mag) {
        return format!("{v:.2e}");
    }
    let decimals = (2 - mag).max(0) as usize;
    format!("{v:.decimals$}")
}

/// Below this magnitude a tick is zero: an axis's zero tick, computed as a
/// multiple of its step, can carry round-off (-2.78e-17), and no quantity
/// senesim plots is this small and non-zero on an axis.
const TICK_ZERO: f64 = 1e-12;

/// An axis tick: at most 3 significant digits, trailing zeros dropped
/// ("0.08", "25", "1.5e-6"), round-off around zero shown as "0".
pub fn tick(v: f64) -> String {
    if v.abs() < TICK_ZERO {
        return "0".into();
    }
    // Whole numbers below a million in full (90000, 100000), not 1e5.
    if v.abs() >= 1.0 && v.abs() < 1e6 && v.fract() == 0.0 {
        return format!("{}", v as i64);
    }
    let s = short(v);
    let (mantissa, exp) = match s.split_once('e') {
        Some((m, e)) => (m.to_string(), format!("e{e}")),
        None => (s.clone(), String::new()),
    };
    let m = if mantissa.contains('.') {
        mantissa
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        mantissa
    };
    format!("{m}{exp}")
}

impl Figure for CellGrid {
    fn size(&self) -> (u32, u32) {
        let nx = self.x_ticks.len().max(1) as u32;
        let ny = self.y_ticks.len().max(1) as u32;
        let cell = (640 / nx.max(ny)).clamp(40, 120);
        (
            (nx * cell + 420).max(11 * self.title.chars().count() as u32 + 60),
            (ny * cell + 200).max(480),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (w, _) = self.size();
        let root = root
            .titled(&self.title, ("sans-serif", 22))
            .map_err(|e| e.to_string())?;
        let (main, side) = root.split_horizontally(w - 200);
        let (nx, ny) = (self.x_ticks.len().max(1), self.y_ticks.len().max(1));
        let mut chart = ChartBuilder::on(&main)
            .margin(15)
            .x_label_area_size(60)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
            .map_err(|e| e.to_string())?;
        // Tick labels are drawn by hand at the cell centres (categorical axes).
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(|e| e.to_string())?;
        let centre = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        );
        for (j, row) in self.cells.iter().enumerate() {
            for (i, (c, text)) in row.iter().enumerate() {
                let (x, y) = (i as f64, j as f64);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, y), (x + 1.0, y + 1.0)],
                        c.filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        text.clone(),
                        (x + 0.5, y + 0.5),
                        ("sans-serif", 15)
                            .into_font()
                            .color(&text_on(*c))
                            .pos(centre),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        let base = main.get_base_pixel();
        let px = |x: f64, y: f64| {
            let (a, b) = chart.backend_coord(&(x, y));
            (a - base.0, b - base.1)
        };
        let right = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Right,
            plotters::style::text_anchor::VPos::Center,
        );
        let top = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Top,
        );
        for (i, t) in self.x_ticks.iter().enumerate() {
            let (a, b) = px(i as f64 + 0.5, 0.0);
            main.draw(&Text::new(
                t.clone(),
                (a, b + 8),
                ("sans-serif", 15).into_font().color(&BLACK).pos(top),
            ))
            .map_err(|e| e.to_string())?;
        }
        for (j, t) in self.y_ticks.iter().enumerate() {
            let (a, b) = px(0.0, j as f64 + 0.5);
            main.draw(&Text::new(
                t.clone(),
                (a - 8, b),
                ("sans-serif", 15).into_font().color(&BLACK).pos(right),
            ))
            .map_err(|e| e.to_string())?;
        }
        match &self.key {
            Key::Bar { lo, hi, label, map } => colour_bar(&side, *lo, *hi, label, *map),
            Key::Legend(items) => legend(&side, items),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn annotations_keep_three_significant_digits() {
        assert_eq!(short(0.12345), "0.123");
        assert_eq!(short(12.345), "12.3");
        assert_eq!(short(-0.0049), "-0.00490");
        assert_eq!(short(123456.0), "1.23e5");
        assert_eq!(short(0.0), "0");
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        use super::tick;
        assert_eq!(tick(0.08), "0.08");
        assert_eq!(tick(1.0), "1");
        assert_eq!(tick(25.0), "25");
        assert_eq!(tick(0.0000015), "1.5e-6");
        assert_eq!(tick(-0.005), "-0.005");
        assert_eq!(tick(0.0), "0");
        // Round-off at a zero tick, and negative zero, read as 0.
        assert_eq!(tick(-2.78e-17), "0");
        // Large whole numbers in full; beyond a million in exponent form.
        assert_eq!(tick(100_000.0), "100000");
        assert_eq!(tick(-2500.0), "-2500");
        assert_eq!(tick(2.5e7), "2.5e7");
        assert_eq!(tick(5.5e-17), "0");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(-0.1 + 0.1), "0");
    }
}
