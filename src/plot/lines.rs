//! Line charts with confidence bands (time series, response curves), alone or
//! as a grid of panels under one title.

use super::axis::Axis;
use super::figure::Figure;
use super::grid::tick;
use super::legend::{self, free_corner, headroom_top, Marks};
use crate::math;
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

pub use super::legend::Corner;

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
    /// The corner the legend prefers; it goes to another, or above the
    /// data, where this one holds data (`legend::free_corner`).
    pub legend: Corner,
    /// Draw the legend (tests turn it off to see what it would cover).
    pub show_legend: bool,
    /// Dashed vertical lines at these x (events such as doses), with one
    /// legend entry, `vertical_label`.
    pub verticals: Vec<f64>,
    pub vertical_label: String,
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
            show_legend: true,
            verticals: Vec::new(),
            vertical_label: String::new(),
        }
    }

    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let log_y = self.log_y;
        // Plotted y: log10 on a log axis (values ≤ 0 become NaN, not drawn).
        let ty = move |y: f64| {
            if !log_y {
                y
            } else if y > 0.0 {
                math::log10(y)
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
        let tx = |x: f64| if self.log_x { math::log10(x) } else { x };
        let area = if self.caption.is_empty() {
            area.clone()
        } else {
            area.titled(&self.caption, ("sans-serif", 19))
                .map_err(|e| e.to_string())?
        };
        let build = |top: f64| {
            ChartBuilder::on(&area)
                .margin(15)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d(
                    Axis::new(tx(x0)..tx(x1), self.log_x),
                    Axis::new(y0..top, log_y),
                )
                .map_err(|e| e.to_string())
        };
        let mut chart = build(y1 + pad)?;
        let mut names: Vec<&str> = self
            .curves
            .iter()
            .filter(|c| !c.name.is_empty())
            .map(|c| c.name.as_str())
            .collect();
        if !self.verticals.is_empty() && !self.vertical_label.is_empty() {
            names.push(&self.vertical_label);
        }
        let mut corner = self.legend;
        if !names.is_empty() {
            let size = legend_size(&names)?;
            let plot = chart.plotting_area();
            let (w, h) = plot.dim_in_pixel();
            let dims = (w as i32, h as i32);
            let marks = self.marks(&chart, (tx(x0), tx(x1)), (y0, y1), &ty, &tx);
            match free_corner(&marks, dims, size, self.legend) {
                Some(c) => corner = c,
                None => {
                    // Every corner holds data: make room above it.
                    let top =
                        headroom_top(y0, y1, size.1 + legend::EDGE + legend::CLEAR + 2, dims.1);
                    chart = build(top.max(y1 + pad))?;
                    corner = match self.legend {
                        Corner::UpperLeft | Corner::LowerLeft => Corner::UpperLeft,
                        _ => Corner::UpperRight,
                    };
                }
            }
        }
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
                    tick(math::powf(10f64, *v))
                } else {
                    tick(*v)
                }
            })
            .y_label_formatter(&|v| {
                if log_y {
                    tick(math::powf(10f64, *v))
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
        // Events (doses): dashed grey verticals up to the data's top (the
        // headroom a legend may take stays clear).
        let event = RGBColor(110, 110, 110).stroke_width(2);
        for (k, &v) in self.verticals.iter().enumerate() {
            let drawn = chart
                .draw_series(DashedLineSeries::new(
                    vec![(tx(v), y0), (tx(v), y1)],
                    5,
                    4,
                    event,
                ))
                .map_err(|e| e.to_string())?;
            if k == 0 && !self.vertical_label.is_empty() {
                drawn
                    .label(self.vertical_label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x + 6, y - 6), (x + 6, y + 6)], event)
                    });
            }
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
        if !self.show_legend {
            return Ok(());
        }
        chart
            .configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .label_font(LEGEND_FONT)
            .position(match corner {
                Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
                Corner::UpperRight => SeriesLabelPosition::UpperRight,
                Corner::LowerRight => SeriesLabelPosition::LowerRight,
                Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
            })
            .draw()
            .map_err(|e| e.to_string())
    }

    /// What the chart draws, in pixels of its plotting area: curves,
    /// bands, dots and the reference line.
    fn marks<DB: DrawingBackend>(
        &self,
        chart: &ChartContext<DB, Cartesian2d<Axis, Axis>>,
        (x0, x1): (f64, f64),
        (y0, y1): (f64, f64),
        ty: &dyn Fn(f64) -> f64,
        tx: &dyn Fn(f64) -> f64,
    ) -> Marks {
        let (bx, by) = chart.plotting_area().get_base_pixel();
        let px = |x: f64, y: f64| {
            let (u, v) = chart.backend_coord(&(x, y));
            (u - bx, v - by)
        };
        let mut m = Marks::default();
        for c in &self.curves {
            let pts: Vec<(i32, i32)> = c
                .points
                .iter()
                .map(|p| (tx(p.0), ty(p.1)))
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .map(|(x, y)| px(x, y))
                .collect();
            if self.scatter || self.markers {
                let r = if self.scatter { 4 } else { 5 };
                m.dots.extend(pts.iter().map(|&(x, y)| (x, y, r)));
            }
            if !self.scatter {
                m.lines.push(pts);
            }
            let band: Vec<(i32, i32, i32)> = c
                .points
                .iter()
                .map(|p| (tx(p.0), ty(p.2), ty(p.3)))
                .filter(|p| p.0.is_finite() && p.1.is_finite() && p.2.is_finite())
                .map(|(x, lo, hi)| {
                    let (u, a) = px(x, lo);
                    (u, a, px(x, hi).1)
                })
                .collect();
            if band.len() >= 2 {
                m.bands.push(band);
            }
        }
        if let Some(r) = self.reference.map(ty).filter(|r| r.is_finite()) {
            m.lines.push(vec![px(x0, r), px(x1, r)]);
        }
        for &v in &self.verticals {
            m.lines.push(vec![px(tx(v), y0), px(tx(v), y1)]);
        }
        m
    }
}

const LEGEND_FONT: (&str, u32) = ("sans-serif", 14);

/// The legend's box (px) for these entries, as plotters lays it out:
/// the text, a 30-px sample and 10-px margins.
fn legend_size(names: &[&str]) -> Result<(i32, i32), String> {
    super::ensure_font();
    let font: TextStyle = LEGEND_FONT.into_font().into();
    let mut text = plotters::element::MultiLineText::<(i32, i32), &str>::new((0, 0), &font);
    for n in names {
        text.push_line(*n);
    }
    let (w, h) = text.estimate_dimension().map_err(|e| e.to_string())?;
    Ok((w + 30 + 20, h + 20))
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
