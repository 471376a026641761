//! Folds over Moore neighbourhoods of a per-site value, for every site.
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

/// Sites per band: chunk per-site outputs by this for `moore_fold`.
pub fn band_len(grid: &Grid) -> usize {
    grid.nx * BAND_ROWS
}

/// For every site i, `fold(init, v(j) for each Moore neighbour j of i in
/// MOORE order)`, with `v = value(j)` computed once per site (and once more
/// per band for its two halo rows), handed to `store(band, k, acc)` with k
/// the site's offset in its band. `bands` yields each band's output (e.g.
/// `par_chunks_mut(band_len(grid))` of one or more per-site vectors).
pub fn moore_fold<T, A, O>(
    grid: &Grid,
    value: impl Fn(usize) -> T + Sync,
    bands: impl IndexedParallelIterator<Item = O>,
    init: A,
    add: impl Fn(A, T) -> A + Sync,
    store: impl Fn(&mut O, usize, A) + Sync,
) where
    T: Copy + Default + Send,
    A: Copy + Send + Sync,
    O: Send,
{
    let (nx, ny) = (grid.nx, grid.ny);
    assert_eq!(bands.len(), ny.div_ceil(BAND_ROWS));
    bands
        .enumerate()
        .for_each_init(Vec::new, |buf: &mut Vec<T>, (b, mut out)| {
            let y0 = b * BAND_ROWS;
            let rows = BAND_ROWS.min(ny - y0);
            // Buffer rows: the halo above (y0 − 1), the band, the halo below.
            let above = grid.site_at(0, y0 as i64 - 1).map(|i| i / nx);
            let below = grid.site_at(0, (y0 + rows) as i64).map(|i| i / nx);
            buf.clear();
            buf.resize((rows + 2) * nx, T::default());
            let fill = |buf: &mut [T], slot: usize, y: usize| {
                for (x, v) in buf[slot * nx..(slot + 1) * nx].iter_mut().enumerate() {
                    *v = value(y * nx + x);
                }
            };
            if let Some(y) = above {
                fill(buf, 0, y);
            }
            for r in 0..rows {
                fill(buf, r + 1, y0 + r);
            }
            if let Some(y) = below {
                fill(buf, rows + 1, y);
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
                let interior_row = y >= 1 && y + 1 < ny;
                for x in 0..nx {
                    let mut acc = init;
                    if interior_row && x >= 1 && x + 1 < nx {
                        let c = (r + 1) * nx + x;
                        for &(dx, dy) in &MOORE {
                            let k = (c as isize + dy as isize * nx as isize + dx as isize) as usize;
                            acc = add(acc, buf[k]);
                        }
                    } else {
                        for (_, j) in grid.moore(y * nx + x) {
                            acc = add(acc, buf[slot_of(j)]);
                        }
                    }
                    store(&mut out, r * nx + x, acc);
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::Boundary;

    /// The fold equals the direct sum over `Grid::moore`, in order, on
    /// both boundaries, narrow and band-straddling lattices.
    #[test]
    fn fold_equals_the_direct_neighbour_sum() {
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
            ] {
                let g = Grid::new(nx, ny, boundary);
                let value = |i: usize| ((i * 2654435761) % 1000) as f32 * 0.37;
                let b = band_len(&g);
                let put = |o: &mut &mut [_], k: usize, a| o[k] = a;
                let mut out = vec![0.0f32; g.len()];
                moore_fold(&g, value, out.par_chunks_mut(b), 0.0, |a, v| a + v, put);
                // An order-sensitive fold too: the sequence itself must match.
                let mut seq = vec![0u64; g.len()];
                let put = |o: &mut &mut [_], k: usize, a| o[k] = a;
                let mix = |a: u64, v| a.wrapping_mul(1_000_003).wrapping_add(v);
                moore_fold(&g, |i| i as u64, seq.par_chunks_mut(b), 7, mix, put);
                for i in 0..g.len() {
                    let direct = g.moore(i).fold(0.0f32, |a, (_, j)| a + value(j));
                    assert_eq!(
                        out[i].to_bits(),
                        direct.to_bits(),
                        "{boundary:?} {nx}x{ny} site {i}"
                    );
                    let order = g.moore(i).fold(7u64, |a, (_, j)| {
                        a.wrapping_mul(1_000_003).wrapping_add(j as u64)
                    });
                    assert_eq!(seq[i], order, "{boundary:?} {nx}x{ny} site {i}");
                }
            }
        }
    }
}
