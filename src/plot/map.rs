//! Spatial maps of a snapshot: the lattice coloured by phenotype (with a
//! legend), and field heatmaps on viridis (with a colour bar and units), at
//! the tissue's real scale in mm. The lattice is drawn as one raster image
//! (embedded as PNG in SVG figures), sampled nearest-site to the pixels.

use super::figure::{colour_bar, legend, phenotype, viridis, ColourMap, Figure};
use crate::error::OutputError;
use crate::io::output::snapshot::Snapshot;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// What a map shows.
pub enum Layer {
    Phenotype,
    /// A field array of the snapshot, on viridis over [0, max].
    Field {
        array: &'static str,
        max: f64,
    },
}

/// The fields mapped, with their panel captions (units: au per site, as in
/// the scenario reference).
pub const FIELDS: [(&str, &str); 3] = [
    ("sasp", "SASP"),
    ("ev_young", "young-MSC EVs"),
    ("ev_senescent", "senescent-MSC EVs"),
];

pub const FIELD_UNITS: &str = "concentration (au per site)";

/// RGB raster of `w`×`h` pixels, row 0 at the top (largest y), each pixel
/// taking the colour of the site under its centre.
fn raster(nx: usize, ny: usize, (w, h): (u32, u32), colour: impl Fn(usize) -> RGBColor) -> Vec<u8> {
    let mut buf = Vec::with_capacity((w * h * 3) as usize);
    for py in 0..h {
        let y = ny - 1 - ((py as f64 + 0.5) * ny as f64 / h as f64).floor() as usize;
        for px in 0..w {
            let x = ((px as f64 + 0.5) * nx as f64 / w as f64).floor() as usize;
            let c = colour(y.min(ny - 1) * nx + x.min(nx - 1));
            buf.extend([c.0, c.1, c.2]);
        }
    }
    buf
}

/// Draws one map with its key (legend or colour bar) into `area`.
fn draw_map<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    layer: &Layer,
    caption: &str,
) -> Result<(), String> {
    let area = area
        .titled(caption, ("sans-serif", 19))
        .map_err(|e| e.to_string())?;
    let (w, _) = area.dim_in_pixel();
    // One key width for legends and colour bars, so every map has one size.
    let key_w = 190;
    let (map, key) = area.split_horizontally(w.saturating_sub(key_w));
    let (mw, mh) = map.dim_in_pixel();
    let (label_y, label_x, m) = (65u32, 50u32, 10u32);
    let aw = mw.saturating_sub(label_y + 2 * m) as f64;
    let ah = mh.saturating_sub(label_x + 2 * m) as f64;
    let (nx, ny) = (snap.nx, snap.ny);
    let s = (aw / nx as f64).min(ah / ny as f64);
    if s.is_nan() || s <= 0.0 {
        return Err("figure too small for the map".into());
    }
    let (pw, ph) = ((nx as f64 * s) as u32, (ny as f64 * s) as u32);
    let (lx, ly) = (
        nx as f64 * snap.spacing_um / 1000.0,
        ny as f64 * snap.spacing_um / 1000.0,
    );
    let mut chart = ChartBuilder::on(&map)
        .margin(m)
        .margin_right(m + (aw as u32).saturating_sub(pw))
        .margin_bottom(m + (ah as u32).saturating_sub(ph))
        .x_label_area_size(label_x)
        .y_label_area_size(label_y)
        .build_cartesian_2d(0.0..lx, 0.0..ly)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x (mm)")
        .y_desc("y (mm)")
        .x_labels(5)
        .y_labels(5)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .draw()
        .map_err(|e| e.to_string())?;
    let size = chart.plotting_area().dim_in_pixel();
    let buf = match layer {
        Layer::Phenotype => {
            let (kind, phen) = (snap.array("kind")?, snap.array("phenotype")?);
            raster(nx, ny, size, |i| {
                phenotype::of_site(kind[i] as u8, phen[i] as u8)
            })
        }
        Layer::Field { array, max, .. } => {
            let v = snap.array(array)?;
            let hi = if *max > 0.0 { *max } else { 1.0 };
            raster(nx, ny, size, |i| viridis(v[i] / hi))
        }
    };
    let image = BitMapElement::with_owned_buffer((0.0, ly), size, buf)
        .ok_or("raster size does not match the map")?;
    chart
        .draw_series(std::iter::once(image))
        .map_err(|e| e.to_string())?;
    match layer {
        Layer::Phenotype => legend(&key, &phenotype::LEGEND),
        Layer::Field { max, .. } => {
            let hi = if *max > 0.0 { *max } else { 1.0 };
            colour_bar(&key, 0.0, hi, FIELD_UNITS, ColourMap::Viridis)
        }
    }
}

/// The state of the tissue at one snapshot: phenotype map and the three
/// field heatmaps, each field on a fixed scale [0, `max`] (shared by every
/// snapshot of a run, so days can be compared).
pub struct StateFigure<'a> {
    pub title: String,
    pub snapshot: &'a Snapshot,
    /// Upper end of each field's scale, in the order of `FIELDS`.
    pub max: [f64; 3],
}

/// A field panel's caption: says when the field is zero throughout the run,
/// or zero at this time (its panel then reads dark on the run's scale).
fn field_caption(name: &str, max: f64, zero_now: bool) -> String {
    if max <= 0.0 {
        format!("{name}: zero everywhere")
    } else if zero_now {
        format!("{name}: none at this time (scale: the run's peak)")
    } else {
        format!("{name} (au per site; scale to the run's peak)")
    }
}

impl Figure for StateFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1500, 1350)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, ("sans-serif", 24))
            .map_err(|e| e.to_string())?;
        let areas = root.split_evenly((2, 2));
        draw_map(
            &areas[0],
            self.snapshot,
            &Layer::Phenotype,
            "cells by phenotype",
        )?;
        for (k, (array, name)) in FIELDS.iter().enumerate() {
            draw_map(
                &areas[k + 1],
                self.snapshot,
                &Layer::Field {
                    array,
                    max: self.max[k],
                },
                &field_caption(
                    name,
                    self.max[k],
                    self.snapshot
                        .array(array)
                        .is_ok_and(|a| a.iter().all(|&v| v == 0.0)),
                ),
            )?;
        }
        Ok(())
    }
}

/// The phenotype map alone (a frame of the animation).
pub struct PhenotypeFrame<'a> {
    pub title: String,
    pub snapshot: &'a Snapshot,
}

impl Figure for PhenotypeFrame<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 760)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, ("sans-serif", 22))
            .map_err(|e| e.to_string())?;
        draw_map(
            &root,
            self.snapshot,
            &Layer::Phenotype,
            "cells by phenotype",
        )
    }
}

/// A looping animated GIF written frame by frame into a hidden temporary
/// file, renamed into place by `finish`.
pub struct Gif {
    root: DrawingArea<BitMapBackend<'static>, Shift>,
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
    size: (u32, u32),
}

impl Gif {
    pub fn create(path: &Path, size: (u32, u32), delay_ms: u32) -> Result<Gif, OutputError> {
        super::ensure_font();
        let tmp = crate::io::output::temp_path(path);
        let root = BitMapBackend::gif(tmp.clone(), size, delay_ms)
            .map_err(|e| encode(path, e.to_string()))?
            .into_drawing_area();
        Ok(Gif {
            root,
            tmp,
            path: path.to_path_buf(),
            size,
        })
    }

    /// Draws `fig` (of the animation's size) as the next frame.
    pub fn push(&mut self, fig: &impl Figure) -> Result<(), OutputError> {
        if fig.size() != self.size {
            return Err(encode(&self.path, "frames differ in size".into()));
        }
        let e = |m: String| encode(&self.path, m);
        self.root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
        fig.draw(&self.root).map_err(e)?;
        self.root.present().map_err(|x| e(x.to_string()))
    }

    pub fn finish(self) -> Result<(), OutputError> {
        let Gif {
            root, tmp, path, ..
        } = self;
        drop(root);
        std::fs::rename(&tmp, &path).map_err(OutputError::io(&path))
    }
}

fn encode(path: &Path, message: String) -> OutputError {
    OutputError::Encode {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::raster;
    use plotters::style::RGBColor;

    #[test]
    fn raster_puts_the_first_row_at_the_bottom_and_samples_sites() {
        // 2×2 sites on 4×4 pixels: site i has grey level i.
        let buf = raster(2, 2, (4, 4), |i| RGBColor(i as u8, 0, 0));
        let px = |x: usize, y: usize| buf[(y * 4 + x) * 3];
        assert_eq!(px(0, 3), 0, "bottom left: site (0, 0)");
        assert_eq!(px(3, 3), 1, "bottom right: site (1, 0)");
        assert_eq!(px(0, 0), 2, "top left: site (0, 1)");
        assert_eq!(px(3, 0), 3);
        // Downsampling 3 → 2 pixels picks sites under pixel centres.
        let b = raster(3, 1, (2, 1), |i| RGBColor(i as u8, 0, 0));
        assert_eq!((b[0], b[3]), (0, 2));
    }
}
