//! The lattice: its size, its boundary, Moore neighbourhoods and regions.
//!
//! Sites are indexed row-major, `i = y * nx + x`, with x the fast axis. One
//! site is `site_um` micrometres (10 µm by default, docs/model.md §2). All lengths
//! in scenario files are in sites unless a key's name says otherwise.

use serde::{Deserialize, Serialize};

/// How the lattice edges behave, for cells and for fields alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// Sealed edges: no flux of any field, no neighbour across the edge.
    NoFlux,
    /// The lattice wraps around on both axes (a torus).
    Periodic,
}

/// Moore neighbourhood offsets, in a fixed order (the order matters for
/// determinism: it is the order candidates are enumerated in).
///
/// ```text
///   0 1 2
///   3 . 4
///   5 6 7
/// ```
pub const MOORE: [(i32, i32); 8] = [
    (-1, -1),
    (0, -1),
    (1, -1),
    (-1, 0),
    (1, 0),
    (-1, 1),
    (0, 1),
    (1, 1),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub nx: usize,
    pub ny: usize,
    pub boundary: Boundary,
}

impl Grid {
    pub fn new(nx: usize, ny: usize, boundary: Boundary) -> Self {
        Grid { nx, ny, boundary }
    }

    /// The rows just above and below rows `a..=e`, if the lattice has them
    /// (wrapping around if periodic).
    pub fn rows_outside(&self, a: usize, e: usize) -> (Option<usize>, Option<usize>) {
        let periodic = self.boundary == Boundary::Periodic;
        let up = if a > 0 {
            Some(a - 1)
        } else {
            periodic.then(|| self.ny - 1)
        };
        let down = if e + 1 < self.ny {
            Some(e + 1)
        } else {
            periodic.then_some(0)
        };
        (up, down)
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn xy(&self, i: usize) -> (usize, usize) {
        (i % self.nx, i / self.nx)
    }

    /// The site at offset (dx, dy) from site i, or None across a no-flux edge.
    #[inline]
    pub fn neighbour(&self, i: usize, dx: i32, dy: i32) -> Option<usize> {
        let (x, y) = self.xy(i);
        self.neighbour_at(i, x, y, dx, dy)
    }

    /// `neighbour` for a site whose coordinates (x, y) are known.
    #[inline]
    fn neighbour_at(&self, i: usize, x: usize, y: usize, dx: i32, dy: i32) -> Option<usize> {
        let j = self.site_at(x as i64 + dx as i64, y as i64 + dy as i64)?;
        // On a periodic lattice narrower than 3 a neighbour can be the site itself.
        (j != i).then_some(j)
    }

    /// The site at lattice coordinates (x, y), which may lie outside the
    /// grid: wrapped around on a periodic lattice, None beyond a no-flux edge.
    #[inline]
    pub fn site_at(&self, x: i64, y: i64) -> Option<usize> {
        let (nx, ny) = (self.nx as i64, self.ny as i64);
        let (mut xx, mut yy) = (x, y);
        match self.boundary {
            Boundary::NoFlux => {
                if xx < 0 || yy < 0 || xx >= nx || yy >= ny {
                    return None;
                }
            }
            Boundary::Periodic => {
                xx = xx.rem_euclid(nx);
                yy = yy.rem_euclid(ny);
            }
        }
        Some((yy * nx + xx) as usize)
    }

    /// Moore neighbours of site i, in `MOORE` order, as (direction, site).
    #[inline]
    pub fn moore(&self, i: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        // One division for the coordinates, not one per neighbour.
        let (x, y) = self.xy(i);
        MOORE
            .iter()
            .enumerate()
            .filter_map(move |(k, &(dx, dy))| self.neighbour_at(i, x, y, dx, dy).map(|j| (k, j)))
    }

    /// The sites of `moore(i)`, in order, and their number: interior sites
    /// by fixed offsets (no boundary arithmetic), edge sites by `moore`.
    #[inline]
    pub fn moore_sites(&self, i: usize) -> ([usize; 8], usize) {
        let (x, y) = self.xy(i);
        let nx = self.nx;
        if x >= 1 && x + 1 < nx && y >= 1 && y + 1 < self.ny {
            let (up, down) = (i - nx, i + nx);
            return (
                [up - 1, up, up + 1, i - 1, i + 1, down - 1, down, down + 1],
                8,
            );
        }
        let mut out = [0usize; 8];
        let mut m = 0;
        for (_, j) in self.moore(i) {
            out[m] = j;
            m += 1;
        }
        (out, m)
    }
}

/// The row-major grid `g` (rows of `nx`) cut into bands of `width`
/// columns: band b holds its piece of every row, top to bottom. Safe
/// disjoint views, so the solvers process column bands in parallel with no
/// transpose.
pub fn column_bands<T>(g: &mut [T], nx: usize, width: usize) -> Vec<Vec<&mut [T]>> {
    let ny = g.len() / nx;
    let mut bands: Vec<Vec<&mut [T]>> = (0..nx.div_ceil(width))
        .map(|_| Vec::with_capacity(ny))
        .collect();
    for row in g.chunks_mut(nx) {
        for (b, piece) in row.chunks_mut(width).enumerate() {
            bands[b].push(piece);
        }
    }
    bands
}

/// A part of the lattice, in sites. A site belongs to a region when its centre
/// (x + 0.5, y + 0.5) lies inside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case", deny_unknown_fields)]
pub enum Region {
    /// The whole lattice.
    All,
    /// A disc: centre (cx, cy) and radius r, in sites.
    Circle { cx: f64, cy: f64, r: f64 },
    /// An axis-aligned rectangle [x0, x1) × [y0, y1), in sites.
    Rect { x0: f64, y0: f64, x1: f64, y1: f64 },
}

impl Region {
    #[inline]
    pub fn contains(&self, x: usize, y: usize) -> bool {
        let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
        match *self {
            Region::All => true,
            Region::Circle { cx, cy, r } => (px - cx).powi(2) + (py - cy).powi(2) <= r * r,
            Region::Rect { x0, y0, x1, y1 } => px >= x0 && px < x1 && py >= y0 && py < y1,
        }
    }

    /// A mask over the grid (true inside).
    pub fn mask(&self, grid: &Grid) -> Vec<bool> {
        (0..grid.len())
            .map(|i| {
                let (x, y) = grid.xy(i);
                self.contains(x, y)
            })
            .collect()
    }

    /// Checks that the region lies within a grid of nx × ny sites; returns the
    /// rule it breaks.
    pub fn check_inside(&self, nx: usize, ny: usize) -> Result<(), String> {
        let (w, h) = (nx as f64, ny as f64);
        match *self {
            Region::All => Ok(()),
            Region::Circle { cx, cy, r } => {
                if r.is_nan() || r <= 0.0 || r.is_infinite() {
                    return Err(format!("radius r = {r} must be > 0 (sites)"));
                }
                if cx - r < 0.0 || cy - r < 0.0 || cx + r > w || cy + r > h {
                    return Err(format!(
                        "circle (cx = {cx}, cy = {cy}, r = {r}) must lie inside the {nx}×{ny} grid"
                    ));
                }
                Ok(())
            }
            Region::Rect { x0, y0, x1, y1 } => {
                if !(x1 > x0 && y1 > y0) {
                    return Err(format!(
                        "rect needs x1 > x0 and y1 > y0 (got x0 = {x0}, x1 = {x1}, y0 = {y0}, y1 = {y1})"
                    ));
                }
                if x0 < 0.0 || y0 < 0.0 || x1 > w || y1 > h {
                    return Err(format!(
                        "rect [{x0}, {x1}) × [{y0}, {y1}) must lie inside the {nx}×{ny} grid"
                    ));
                }
                Ok(())
            }
        }
    }
}

/// The rows above and below row y (row y itself for a mirrored one).
#[inline]
pub fn rows_around(y: usize, ny: usize, periodic: bool) -> (usize, usize) {
    let up = if y > 0 {
        y - 1
    } else if periodic {
        ny - 1
    } else {
        y
    };
    let down = if y + 1 < ny {
        y + 1
    } else if periodic {
        0
    } else {
        y
    };
    (up, down)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noflux_corner_has_three_neighbours_periodic_has_eight() {
        let g = Grid::new(5, 4, Boundary::NoFlux);
        assert_eq!(g.moore(0).count(), 3);
        assert_eq!(g.moore(g.len() - 1).count(), 3);
        assert_eq!(g.moore(6).count(), 8);
        let p = Grid::new(5, 4, Boundary::Periodic);
        let n: Vec<usize> = p.moore(0).map(|(_, j)| j).collect();
        assert_eq!(n.len(), 8);
        assert!(n.contains(&19)); // (4,3) wraps to the corner's diagonal
    }

    /// `moore_sites` lists exactly `moore`'s sites, in order, everywhere.
    #[test]
    fn moore_sites_equal_moore() {
        for boundary in [Boundary::NoFlux, Boundary::Periodic] {
            for (nx, ny) in [(1, 1), (2, 3), (3, 3), (7, 5), (16, 2)] {
                let g = Grid::new(nx, ny, boundary);
                for i in 0..g.len() {
                    let (s, n) = g.moore_sites(i);
                    let expect: Vec<usize> = g.moore(i).map(|(_, j)| j).collect();
                    assert_eq!(&s[..n], &expect[..], "{boundary:?} {nx}x{ny} site {i}");
                }
            }
        }
    }

    #[test]
    fn region_membership_uses_site_centres() {
        let c = Region::Circle {
            cx: 5.0,
            cy: 5.0,
            r: 1.0,
        };
        assert!(c.contains(4, 4)); // centre (4.5,4.5) at distance 0.707
        assert!(!c.contains(3, 4)); // (3.5,4.5) at distance 1.58
        let r = Region::Rect {
            x0: 1.0,
            y0: 1.0,
            x1: 3.0,
            y1: 2.0,
        };
        let g = Grid::new(4, 4, Boundary::NoFlux);
        assert_eq!(r.mask(&g).iter().filter(|&&b| b).count(), 2);
    }

    #[test]
    fn region_outside_grid_is_refused() {
        let c = Region::Circle {
            cx: 60.0,
            cy: 10.0,
            r: 8.0,
        };
        assert!(c.check_inside(64, 64).is_err());
        assert!(c.check_inside(100, 64).is_ok());
        let r = Region::Rect {
            x0: 3.0,
            y0: 0.0,
            x1: 2.0,
            y1: 5.0,
        };
        assert!(r.check_inside(10, 10).is_err());
    }
}
