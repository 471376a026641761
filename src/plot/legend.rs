//! Where a chart's legend goes: in a corner of the plotting area that no
//! data cross, or, when every corner holds data, above the data in
//! headroom the chart adds to its y axis. A legend never covers a curve, a
//! band, a dot or a reference line.
//!
//! Geometry in pixels of the plotting area (origin top left, y down), as
//! plotters lays a legend out (`SeriesLabelPosition`: 5 px from the edges).

/// A corner of the plotting area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corner {
    UpperLeft,
    UpperRight,
    LowerRight,
    LowerLeft,
}

impl Corner {
    /// The corners, `first` first, then the upper ones, then the lower.
    pub fn order(first: Corner) -> [Corner; 4] {
        let mut all = [first; 4];
        let rest = [
            Corner::UpperRight,
            Corner::UpperLeft,
            Corner::LowerRight,
            Corner::LowerLeft,
        ];
        for (slot, c) in all[1..]
            .iter_mut()
            .zip(rest.into_iter().filter(|c| *c != first))
        {
            *slot = c;
        }
        all
    }
}

/// Gap between the legend's box and the plotting area's edge (plotters').
pub const EDGE: i32 = 5;
/// Clearance kept between the box and any mark (px): half a 3-px line and
/// a little air.
pub const CLEAR: i32 = 4;

/// What a chart draws, in plotting-area pixels.
#[derive(Default, Debug)]
pub struct Marks {
    /// Polylines (curves, reference lines).
    pub lines: Vec<Vec<(i32, i32)>>,
    /// Dots, with their radius.
    pub dots: Vec<(i32, i32, i32)>,
    /// Bands: at each x, the pixel rows from one edge to the other.
    pub bands: Vec<Vec<(i32, i32, i32)>>,
}

/// The legend's box (x0, y0, x1, y1) in a corner of an area `w` × `h`.
pub fn rect(corner: Corner, (w, h): (i32, i32), (lw, lh): (i32, i32)) -> (i32, i32, i32, i32) {
    let x = match corner {
        Corner::UpperLeft | Corner::LowerLeft => EDGE,
        Corner::UpperRight | Corner::LowerRight => w - lw - EDGE,
    };
    let y = match corner {
        Corner::UpperLeft | Corner::UpperRight => EDGE,
        Corner::LowerLeft | Corner::LowerRight => h - lh - EDGE,
    };
    (x, y, x + lw, y + lh)
}

fn inside((x0, y0, x1, y1): (i32, i32, i32, i32), (x, y): (i32, i32), r: i32) -> bool {
    x >= x0 - r && x <= x1 + r && y >= y0 - r && y <= y1 + r
}

/// Whether a segment passes within `CLEAR` of the box (sampled every pixel).
fn segment_hits(b: (i32, i32, i32, i32), p: (i32, i32), q: (i32, i32)) -> bool {
    let n = (p.0 - q.0).abs().max((p.1 - q.1).abs()).max(1);
    (0..=n).any(|k| {
        let t = k as f64 / n as f64;
        let x = p.0 as f64 + t * (q.0 - p.0) as f64;
        let y = p.1 as f64 + t * (q.1 - p.1) as f64;
        inside(b, (x.round() as i32, y.round() as i32), CLEAR)
    })
}

/// Whether any mark comes within `CLEAR` of the box.
pub fn covers(marks: &Marks, b: (i32, i32, i32, i32)) -> bool {
    let line = |pts: &[(i32, i32)]| match pts {
        [one] => inside(b, *one, CLEAR),
        _ => pts.windows(2).any(|w| segment_hits(b, w[0], w[1])),
    };
    marks.lines.iter().any(|l| line(l))
        || marks
            .dots
            .iter()
            .any(|&(x, y, r)| inside(b, (x, y), r + CLEAR))
        || marks.bands.iter().any(|band| {
            band.windows(2).any(|w| {
                let (x, a0, a1) = w[0];
                let (u, c0, c1) = w[1];
                // The band between two samples: its edges and the columns at
                // its ends and middle.
                segment_hits(b, (x, a0), (u, c0))
                    || segment_hits(b, (x, a1), (u, c1))
                    || segment_hits(b, (x, a0), (x, a1))
                    || segment_hits(b, (u, c0), (u, c1))
                    || segment_hits(
                        b,
                        ((x + u) / 2, (a0 + c0) / 2),
                        ((x + u) / 2, (a1 + c1) / 2),
                    )
            })
        })
}

/// The first corner, in `Corner::order(first)`, where a legend of `legend`
/// pixels covers no mark; None when every corner does.
pub fn free_corner(
    marks: &Marks,
    area: (i32, i32),
    legend: (i32, i32),
    first: Corner,
) -> Option<Corner> {
    if legend.0 + 2 * EDGE > area.0 || legend.1 + 2 * EDGE > area.1 {
        return None;
    }
    Corner::order(first)
        .into_iter()
        .find(|&c| !covers(marks, rect(c, area, legend)))
}

/// The top of a y axis from `y0` to it that leaves the top `band` pixels of
/// an area `height` pixels high free of data whose largest value is `y_max`
/// (linear in the plotted coordinate).
pub fn headroom_top(y0: f64, y_max: f64, band: i32, height: i32) -> f64 {
    let f = (band as f64 / height.max(1) as f64).min(0.8);
    (y_max - f * y0) / (1.0 - f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_starts_with_the_preferred_corner_and_holds_each_once() {
        for first in [
            Corner::UpperLeft,
            Corner::UpperRight,
            Corner::LowerRight,
            Corner::LowerLeft,
        ] {
            let o = Corner::order(first);
            assert_eq!(o[0], first);
            for c in [
                Corner::UpperLeft,
                Corner::UpperRight,
                Corner::LowerRight,
                Corner::LowerLeft,
            ] {
                assert_eq!(o.iter().filter(|x| **x == c).count(), 1, "{first:?}: {o:?}");
            }
        }
    }

    #[test]
    fn a_curve_across_the_top_sends_the_legend_to_a_lower_corner() {
        let area = (600, 400);
        let marks = Marks {
            lines: vec![vec![(0, 20), (600, 10)]],
            ..Marks::default()
        };
        let c = free_corner(&marks, area, (150, 60), Corner::UpperLeft).unwrap();
        assert_eq!(c, Corner::LowerRight);
        assert!(!covers(&marks, rect(c, area, (150, 60))));
    }

    #[test]
    fn a_band_fills_its_inside() {
        let area = (600, 400);
        // A band from near the top to near the bottom: no corner is free of it.
        let marks = Marks {
            bands: vec![vec![(0, 2, 398), (600, 2, 398)]],
            ..Marks::default()
        };
        assert_eq!(
            free_corner(&marks, area, (100, 40), Corner::UpperLeft),
            None
        );
        // A thin band along the top leaves the lower corners free.
        let thin = Marks {
            bands: vec![vec![(0, 10, 30), (600, 10, 30)]],
            ..Marks::default()
        };
        assert_eq!(
            free_corner(&thin, area, (100, 40), Corner::UpperLeft),
            Some(Corner::LowerRight)
        );
    }

    #[test]
    fn headroom_puts_the_data_below_the_band() {
        let (y0, y_max, band, h) = (0.0, 1.0, 80, 400);
        let top = headroom_top(y0, y_max, band, h);
        // The pixel of y_max, from the top, is at least `band`.
        let px = (top - y_max) / (top - y0) * h as f64;
        assert!((px - band as f64).abs() < 1e-9, "{px}");
    }
}
