//! Line charts with confidence bands (time series, response curves), alone or
//! as a grid of panels under one title.

use super::figure::Figure;
use super::grid::{short, tick};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One curve: (x, y, band low, band high) per point; a NaN band is not drawn.
pub struct Curve {
    pub name: String,
    pub colour: RGBColor,
    pub points: Vec<(f64, f64, f64, f64)>,
    pub dashed: bool,
}

impl Curve {
    /// A curve without a band.
    pub fn line(name: &str, colour: RGBColor, xy: impl Iterator<Item = (f64, f64)>) -> Curve {
        Curve {
            name: name.into(),
            colour,
            points: xy.map(|(x, y)| (x, y, f64::NAN, f64::NAN)).collect(),
            dashed: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corner {
    UpperLeft,
    UpperRight,
    LowerRight,
}

/// One panel: curves over a shared x axis.
pub struct Chart {
    /// Caption over the panel (empty for none).
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub log_x: bool,
    /// Log-scale y axis (errors spanning decades); values ≤ 0 are not drawn.
    pub log_y: bool,
    /// Curves; one with an empty name is drawn without a legend entry.
    pub curves: Vec<Curve>,
    /// A dashed horizontal reference line (e.g. zero effect).
    pub reference: Option<f64>,
    /// Mark each point with a dot (few points); lines only otherwise.
    pub markers: bool,
    /// Dots only, no lines between them (scatter plots of samples).
    pub scatter: bool,
    /// Start the y axis at 0 (fractions, concentrations).
    pub from_zero: bool,
    pub legend: Corner,
}

impl Chart {
    pub fn new(caption: &str, x_label: &str, y_label: &str, curves: Vec<Curve>) -> Chart {
        Chart {
            caption: caption.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_x: false,
            log_y: false,
            curves,
            reference: None,
            markers: false,
            scatter: false,
            from_zero: true,
            legend: Corner::UpperLeft,
        }
    }

    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let log_y = self.log_y;
        // Plotted y: log10 on a log axis (values ≤ 0 become NaN, not drawn).
        let ty = move |y: f64| {
            if !log_y {
                y
            } else if y > 0.0 {
                y.log10()
            } else {
                f64::NAN
            }
        };
        let from_zero = self.from_zero && !log_y;
        let all = || self.curves.iter().flat_map(|c| c.points.iter());
        let xs = all().map(|p| p.0).filter(|x| x.is_finite());
        let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        let ys = all()
            .flat_map(|p| [p.1, p.2, p.3])
            .chain(self.reference)
            .map(ty)
            .chain(from_zero.then_some(0.0))
            .filter(|y| y.is_finite());
        let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
        if !(x0.is_finite() && y0.is_finite()) {
            return Err(format!(
                "{}: nothing to plot (no finite values)",
                self.caption
            ));
        }
        let pad = ((y1 - y0) * 0.08).max(1e-9);
        let y0 = if from_zero && y0 >= 0.0 {
            0.0
        } else {
            y0 - pad
        };
        let (x0, x1) = if x1 > x0 {
            (x0, x1)
        } else {
            (x0 - 0.5, x1 + 0.5)
        };
        // Dots at the ends of a linear axis would be cut in half.
        let (x0, x1) = if self.scatter && !self.log_x {
            let pad = (x1 - x0) * 0.03;
            (x0 - pad, x1 + pad)
        } else {
            (x0, x1)
        };
        let tx = |x: f64| if self.log_x { x.log10() } else { x };
        let mut b = ChartBuilder::on(area);
        b.margin(15).x_label_area_size(50).y_label_area_size(80);
        if !self.caption.is_empty() {
            b.caption(&self.caption, ("sans-serif", 19));
        }
        let mut chart = b
            .build_cartesian_2d(tx(x0)..tx(x1), y0..(y1 + pad))
            .map_err(|e| e.to_string())?;
        let log = self.log_x;
        chart
            .configure_mesh()
            .x_desc(if log {
                format!("{} (log scale)", self.x_label)
            } else {
                self.x_label.clone()
            })
            .y_desc(if log_y {
                format!("{} (log scale)", self.y_label)
            } else {
                self.y_label.clone()
            })
            .x_label_formatter(&|v| {
                if log {
                    short(10f64.powf(*v))
                } else {
                    tick(*v)
                }
            })
            .y_label_formatter(&|v| {
                if log_y {
                    tick(10f64.powf(*v))
                } else {
                    tick(*v)
                }
            })
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some(r) = self.reference.map(ty).filter(|r| r.is_finite()) {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(tx(x0), r), (tx(x1), r)],
                    6,
                    4,
                    BLACK.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?;
        }
        for c in &self.curves {
            let col = c.colour;
            let ok: Vec<&(f64, f64, f64, f64)> = c
                .points
                .iter()
                .filter(|p| p.2.is_finite() && p.3.is_finite())
                .collect();
            if ok.len() >= 2 {
                let mut band: Vec<(f64, f64)> = ok.iter().map(|p| (tx(p.0), ty(p.3))).collect();
                band.extend(ok.iter().rev().map(|p| (tx(p.0), ty(p.2))));
                chart
                    .draw_series(std::iter::once(Polygon::new(band, col.mix(0.2).filled())))
                    .map_err(|e| e.to_string())?;
            }
            let line: Vec<(f64, f64)> = c
                .points
                .iter()
                .map(|p| (tx(p.0), ty(p.1)))
                .filter(|p| p.1.is_finite())
                .collect();
            let style = col.stroke_width(3);
            if self.scatter {
                let drawn = chart
                    .draw_series(line.into_iter().map(|p| Circle::new(p, 4, col.filled())))
                    .map_err(|e| e.to_string())?;
                if !c.name.is_empty() {
                    drawn
                        .label(c.name.clone())
                        .legend(move |(x, y)| Circle::new((x + 8, y), 4, col.filled()));
                }
                continue;
            }
            let dashed = c.dashed;
            let drawn = if dashed {
                chart.draw_series(DashedLineSeries::new(line.clone(), 10, 6, style))
            } else {
                chart.draw_series(LineSeries::new(line.clone(), style))
            };
            let drawn = drawn.map_err(|e| e.to_string())?;
            // A curve without a name has no legend entry.
            if !c.name.is_empty() {
                drawn.label(c.name.clone()).legend(move |(x, y)| {
                    if dashed {
                        PathElement::new(vec![(x, y), (x + 9, y)], style)
                    } else {
                        PathElement::new(vec![(x, y), (x + 22, y)], style)
                    }
                });
            }
            if self.markers {
                chart
                    .draw_series(line.into_iter().map(|p| Circle::new(p, 5, col.filled())))
                    .map_err(|e| e.to_string())?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(match self.legend {
                Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
                Corner::UpperRight => SeriesLabelPosition::UpperRight,
                Corner::LowerRight => SeriesLabelPosition::LowerRight,
            })
            .draw()
            .map_err(|e| e.to_string())
    }
}

/// Charts in a grid of `columns`, row by row, under one title.
pub struct Panels {
    pub title: String,
    pub columns: usize,
    pub charts: Vec<Chart>,
}

impl Figure for Panels {
    fn size(&self) -> (u32, u32) {
        let cols = self.columns.clamp(1, self.charts.len().max(1));
        let rows = self.charts.len().div_ceil(cols).max(1);
        if self.charts.len() == 1 {
            (1000, 650)
        } else {
            (cols as u32 * 720, rows as u32 * 500 + 50)
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, ("sans-serif", 22))
            .map_err(|e| e.to_string())?;
        let cols = self.columns.clamp(1, self.charts.len().max(1));
        let rows = self.charts.len().div_ceil(cols).max(1);
        let areas = root.split_evenly((rows, cols));
        for (chart, area) in self.charts.iter().zip(&areas) {
            chart.draw_on(area)?;
        }
        Ok(())
    }
}
