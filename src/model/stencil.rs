//! Sums over Moore neighbourhoods of a per-site value, one row at a time.
//!
//! What a cell shows its neighbours (its contact-range SASP weight and
//! whether it is deep senescent) is computed once per step per site, by the
//! SASP-source pass (world.rs), into one f32 per site: the weight, with the
//! deep flag in its sign bit (`pack`). The cell rules then fold each row's
//! neighbour sums out of that array as they reach the row (`row_sums`), so
//! no whole-lattice array of sums is stored. Interior sites index the three
//! rows directly, eight shifted rows added plane-wise in MOORE order (this
//! vectorises, model::simd); sites on the lattice's edge take their
//! neighbours from `Grid::moore`, so both boundaries (and lattices narrower
//! than three sites) behave exactly as `Grid::moore` says. Every site's
//! fold is the same arithmetic in the same order, whoever computes it.

use crate::model::geometry::{Grid, MOORE};

const SIGN: u32 = 1 << 31;

/// A site's value for its neighbours: `weight` (≥ 0) with `deep` in the
/// sign bit.
#[inline]
pub fn pack(deep: bool, weight: f32) -> f32 {
    debug_assert!(weight >= 0.0);
    f32::from_bits(weight.to_bits() | (deep as u32) << 31)
}

/// The (deep, weight) of a packed value.
#[inline]
pub fn unpack(v: f32) -> (u8, f32) {
    let b = v.to_bits();
    ((b >> 31) as u8, f32::from_bits(b & !SIGN))
}

/// For every site i of row `y`, the sums over its Moore neighbours j, in
/// MOORE order, of the packed values of `rows`: the rows above `y`, `y`
/// itself and below (wrapped on a periodic lattice; beyond a no-flux edge
/// the slot is never read), each `nx` long. `count[x]` = Σ deep flags,
/// `sum[x]` = 0 + Σ weights (f32, added in MOORE order).
pub fn row_sums(grid: &Grid, rows: [&[f32]; 3], y: usize, count: &mut [u8], sum: &mut [f32]) {
    let (nx, ny) = (grid.nx, grid.ny);
    debug_assert!(rows.iter().all(|r| r.len() == nx) && count.len() == nx && sum.len() == nx);
    // The rows above and below, as the lattice has them (none beyond a
    // no-flux edge).
    let periodic = grid.boundary == crate::model::geometry::Boundary::Periodic;
    let up = (y > 0 || periodic).then(|| (y + ny - 1) % ny);
    let value = |j: usize| {
        let (jy, jx) = (j / nx, j % nx);
        let slot = if jy == y {
            1
        } else if Some(jy) == up {
            0
        } else {
            debug_assert!(y + 1 < ny || periodic);
            2
        };
        rows[slot][jx]
    };
    let edge = |x: usize| {
        let (mut n, mut s) = (0u8, 0.0f32);
        for (_, j) in grid.moore(y * nx + x) {
            let (c, w) = unpack(value(j));
            n += c;
            s += w;
        }
        (n, s)
    };
    if !(y >= 1 && y + 1 < ny && nx >= 3) {
        for x in 0..nx {
            (count[x], sum[x]) = edge(x);
        }
        return;
    }
    (count[0], sum[0]) = edge(0);
    (count[nx - 1], sum[nx - 1]) = edge(nx - 1);
    interior_sums(rows, nx, count, sum);
}

/// The rows `row_sums` reads for row `y` of the whole lattice's `values`
/// (a row beyond a no-flux edge is given as row `y`; it is never read).
pub fn rows_of<'a>(grid: &Grid, values: &'a [f32], y: usize) -> [&'a [f32]; 3] {
    let (nx, ny) = (grid.nx, grid.ny);
    let row = |r: usize| &values[r * nx..(r + 1) * nx];
    let periodic = grid.boundary == crate::model::geometry::Boundary::Periodic;
    let (up, down) = crate::model::geometry::rows_around(y, ny, periodic);
    [row(up), row(y), row(down)]
}

crate::model::simd::simd_dispatch! {
    /// Sites 1..nx−1 of the middle of three rows of packed values (each
    /// nx): the eight neighbours' deep flags and weights, added in MOORE
    /// order. One pass over the row, the eight neighbours of each site
    /// read together (eight passes, each adding one neighbour to the
    /// whole row, read and wrote the sums eight times over).
    fn interior_sums(rows: [&[f32]; 3], nx: usize, oc: &mut [u8], ow: &mut [f32]) {
        let n = nx - 2;
        // Neighbour (x+dx, y+dy) of site x ∈ 1..nx−1 of the middle row.
        let src = MOORE.map(|(dx, dy)| &rows[(1 + dy) as usize][(1 + dx) as usize..][..n]);
        for (k, (o, p)) in oc[1..nx - 1].iter_mut().zip(ow[1..nx - 1].iter_mut()).enumerate() {
            let (mut c, mut w) = (0u32, 0.0f32);
            for s in &src {
                let b = s[k].to_bits();
                c += b >> 31;
                w += f32::from_bits(b & !SIGN);
            }
            (*o, *p) = (c as u8, w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::Boundary;

    /// The sums equal the direct site-by-site sums over `Grid::moore`, in
    /// order, bit for bit, on both boundaries and narrow lattices; the
    /// packing keeps the flag and the weight.
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
                let value = |i: usize| {
                    (
                        (i * 7).is_multiple_of(3),
                        ((i * 2654435761) % 1000) as f32 * 0.37,
                    )
                };
                let packed: Vec<f32> = (0..g.len()).map(|i| pack(value(i).0, value(i).1)).collect();
                let (mut count, mut sum) = (vec![9u8; nx], vec![-1.0f32; nx]);
                for y in 0..ny {
                    row_sums(&g, rows_of(&g, &packed, y), y, &mut count, &mut sum);
                    for x in 0..nx {
                        let i = y * nx + x;
                        let (n, s) = g.moore(i).fold((0u8, 0.0f32), |(n, s), (_, j)| {
                            (n + value(j).0 as u8, s + value(j).1)
                        });
                        assert_eq!(
                            (count[x], sum[x].to_bits()),
                            (n, s.to_bits()),
                            "{boundary:?} {nx}x{ny} site {i}"
                        );
                    }
                }
            }
        }
    }
}
