//! Sums over Moore neighbourhoods of a per-site value, for every site.
//!
//! A site's value is computed once per step, not once for each of its eight
//! neighbours: the lattice is cut into bands of rows; each band computes the
//! values of its rows and of the row above and below it (wrapped on a
//! periodic lattice) into a buffer of its own, then folds every site's
//! neighbours out of that buffer in `MOORE` order. Interior sites index the
//! buffer directly; sites on the lattice's edge take their neighbours from
//! `Grid::moore`, so both boundaries (and lattices narrower than three
//! sites) behave exactly as `Grid::moore` says. Bands run in parallel; every
//! site's fold is the same arithmetic in the same order at any thread
//! count.

use crate::model::geometry::{Grid, MOORE};
use rayon::prelude::*;

/// Rows per band: enough to amortise the two halo rows, few enough to keep
/// a band's values in cache.
const BAND_ROWS: usize = 16;

/// For every site i, the sums over its Moore neighbours j, in MOORE order,
/// of `value(j)` = (count, weight): `count[i]` = Σ counts (u8), `sum[i]` =
/// 0 + Σ weights (f32, added in MOORE order). Each value is computed once
/// per site (and once more per band for its two halo rows) into a band
/// buffer of two planes; interior rows are summed plane-wise, eight
/// shifted rows added in MOORE order, which vectorises (model::simd) and
/// gives every site the same additions in the same order as a site-by-site
/// fold.
pub fn moore_sums(
    grid: &Grid,
    value: impl Fn(usize) -> (u8, f32) + Sync,
    count: &mut [u8],
    sum: &mut [f32],
) {
    let (nx, ny) = (grid.nx, grid.ny);
    assert!(count.len() == nx * ny && sum.len() == nx * ny);
    let band = nx * BAND_ROWS;
    count
        .par_chunks_mut(band)
        .zip(sum.par_chunks_mut(band))
        .enumerate()
        .for_each_init(
            || (Vec::new(), Vec::new()),
            |(bc, bw): &mut (Vec<u8>, Vec<f32>), (b, (oc, ow))| {
                let y0 = b * BAND_ROWS;
                let rows = BAND_ROWS.min(ny - y0);
                // Buffer rows: the halo above (y0 − 1), the band, the halo below.
                let above = grid.site_at(0, y0 as i64 - 1).map(|i| i / nx);
                let below = grid.site_at(0, (y0 + rows) as i64).map(|i| i / nx);
                bc.clear();
                bc.resize((rows + 2) * nx, 0);
                bw.clear();
                bw.resize((rows + 2) * nx, 0.0);
                let mut fill = |slot: usize, y: usize| {
                    for x in 0..nx {
                        let (c, w) = value(y * nx + x);
                        bc[slot * nx + x] = c;
                        bw[slot * nx + x] = w;
                    }
                };
                if let Some(y) = above {
                    fill(0, y);
                }
                for r in 0..rows {
                    fill(r + 1, y0 + r);
                }
                if let Some(y) = below {
                    fill(rows + 1, y);
                }
                // Where site j's value sits in the buffer.
                let slot_of = |j: usize| {
                    let (x, y) = (j % nx, j / nx);
                    let slot = if (y0..y0 + rows).contains(&y) {
                        y - y0 + 1
                    } else if Some(y) == above {
                        0
                    } else {
                        debug_assert_eq!(Some(y), below);
                        rows + 1
                    };
                    slot * nx + x
                };
                for r in 0..rows {
                    let y = y0 + r;
                    let (oc, ow) = (&mut oc[r * nx..(r + 1) * nx], &mut ow[r * nx..(r + 1) * nx]);
                    let interior_row = y >= 1 && y + 1 < ny && nx >= 3;
                    let edge = |x: usize| {
                        let (mut n, mut s) = (0u8, 0.0f32);
                        for (_, j) in grid.moore(y * nx + x) {
                            n += bc[slot_of(j)];
                            s += bw[slot_of(j)];
                        }
                        (n, s)
                    };
                    if !interior_row {
                        for x in 0..nx {
                            (oc[x], ow[x]) = edge(x);
                        }
                        continue;
                    }
                    (oc[0], ow[0]) = edge(0);
                    (oc[nx - 1], ow[nx - 1]) = edge(nx - 1);
                    interior_sums(
                        &bc[r * nx..(r + 3) * nx],
                        &bw[r * nx..(r + 3) * nx],
                        nx,
                        oc,
                        ow,
                    );
                }
            },
        );
}

crate::model::simd::simd_dispatch! {
    /// Sites 1..nx−1 of the middle of three buffered rows (`c`, `w`: 3 × nx):
    /// the eight neighbours' counts and weights, added in MOORE order.
    fn interior_sums(c: &[u8], w: &[f32], nx: usize, oc: &mut [u8], ow: &mut [f32]) {
        let n = nx - 2;
        oc[1..nx - 1].iter_mut().for_each(|v| *v = 0);
        ow[1..nx - 1].iter_mut().for_each(|v| *v = 0.0);
        for &(dx, dy) in &MOORE {
            // Neighbour (x+dx, y+dy) of site x ∈ 1..nx−1 of the middle row.
            let start = ((1 + dy) as usize) * nx + (1 + dx) as usize;
            let (sc, sw) = (&c[start..start + n], &w[start..start + n]);
            for ((o, v), (p, u)) in oc[1..nx - 1].iter_mut().zip(sc).zip(ow[1..nx - 1].iter_mut().zip(sw)) {
                *o += *v;
                *p += *u;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::Boundary;

    /// The sums equal the direct site-by-site sums over `Grid::moore`, in
    /// order, bit for bit, on both boundaries, narrow and band-straddling
    /// lattices.
    #[test]
    fn sums_equal_the_direct_neighbour_sums() {
        for boundary in [Boundary::NoFlux, Boundary::Periodic] {
            for (nx, ny) in [
                (1, 1),
                (2, 2),
                (1, 5),
                (5, 1),
                (3, 3),
                (7, 40),
                (33, 17),
                (16, 32),
                (64, 3),
            ] {
                let g = Grid::new(nx, ny, boundary);
                let value =
                    |i: usize| (((i * 7) % 3) as u8, ((i * 2654435761) % 1000) as f32 * 0.37);
                let mut count = vec![0u8; g.len()];
                let mut sum = vec![0.0f32; g.len()];
                moore_sums(&g, value, &mut count, &mut sum);
                for i in 0..g.len() {
                    let (n, s) = g.moore(i).fold((0u8, 0.0f32), |(n, s), (_, j)| {
                        (n + value(j).0, s + value(j).1)
                    });
                    assert_eq!(
                        (count[i], sum[i].to_bits()),
                        (n, s.to_bits()),
                        "{boundary:?} {nx}x{ny} site {i}"
                    );
                }
            }
        }
    }
}
