//! What division needs to know of the lattice after the cell rules: which
//! sites are empty. The rules pass writes one bit per site as it leaves
//! each cell, so that division finds the cells with an empty Moore
//! neighbour from the bits alone (in a confluent tissue, a few % of the
//! sites) and loads a cell of the 40-byte lattice again only there
//! (docs/model.md §2).
//!
//! `Prepared::scan` finds the same from the cells alone (tests and callers
//! without a rules pass); a test checks the two agree.

use crate::model::cell::Cell;
use crate::model::geometry::{Boundary, Grid};
use rayon::prelude::*;

/// One bit per site; each row starts on a word of its own, so rows are
/// written in parallel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteBits {
    nx: usize,
    words_per_row: usize,
    bits: Vec<u64>,
}

impl SiteBits {
    pub fn new(grid: &Grid) -> SiteBits {
        let words_per_row = grid.nx.div_ceil(64);
        SiteBits {
            nx: grid.nx,
            words_per_row,
            bits: vec![0; words_per_row * grid.ny],
        }
    }

    /// The rows' words, for writing each row with `write` (in row order).
    pub fn rows_mut(&mut self) -> rayon::slice::ChunksMut<'_, u64> {
        self.bits.par_chunks_mut(self.words_per_row.max(1))
    }

    /// The words of blocks of `rows` rows each, in order (the last block
    /// may be shorter), for writing in parallel.
    pub fn blocks_mut(&mut self, rows: usize) -> rayon::slice::ChunksMut<'_, u64> {
        self.bits.par_chunks_mut((self.words_per_row * rows).max(1))
    }

    #[inline]
    pub fn get(&self, site: usize) -> bool {
        let (y, x) = (site / self.nx, site % self.nx);
        self.bits[y * self.words_per_row + x / 64] >> (x % 64) & 1 == 1
    }

    /// The sites of row `y` whose bits are set, in order.
    pub fn ones_in_row(&self, y: usize) -> impl Iterator<Item = usize> + '_ {
        ones(self.row(y), y * self.nx)
    }

    /// The words of row `y`.
    fn row(&self, y: usize) -> &[u64] {
        &self.bits[y * self.words_per_row..(y + 1) * self.words_per_row]
    }

    /// How many bits are set.
    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.bits.len() / self.words_per_row.max(1)
    }
}

/// Writes one row's bits, every site in order from x = 0, a word at a
/// time: each word is stored whole when its last site is pushed (`finish`
/// stores a row's last, partial word), so no stale bit survives.
pub struct RowBits<'a> {
    row: &'a mut [u64],
    word: u64,
}

impl<'a> RowBits<'a> {
    /// A writer of the row whose words are `row`.
    #[inline]
    pub fn new(row: &'a mut [u64]) -> RowBits<'a> {
        RowBits { row, word: 0 }
    }

    /// Site `x`'s bit; `x` is one more than the last site pushed.
    #[inline]
    pub fn push(&mut self, x: usize, on: bool) {
        self.word |= (on as u64) << (x % 64);
        if x % 64 == 63 {
            self.row[x / 64] = self.word;
            self.word = 0;
        }
    }

    /// Stores the last word of a row of `nx` sites, if partial.
    #[inline]
    pub fn finish(self, nx: usize) {
        if !nx.is_multiple_of(64) {
            self.row[nx / 64] = self.word;
        }
    }
}

/// What the rules pass leaves for division: the empty sites, one bit per
/// site (0.125 bytes per site).
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    pub vacant: SiteBits,
}

impl Prepared {
    pub fn new(grid: &Grid) -> Prepared {
        Prepared {
            vacant: SiteBits::new(grid),
        }
    }

    /// The same from the cells as they stand.
    pub fn scan(grid: &Grid, cells: &[Cell]) -> Prepared {
        let mut prep = Prepared::new(grid);
        let nx = grid.nx;
        cells
            .par_chunks(nx)
            .zip(prep.vacant.rows_mut())
            .for_each(|(row, vacant)| {
                let mut bits = RowBits::new(vacant);
                for (x, c) in row.iter().enumerate() {
                    bits.push(x, c.is_empty());
                }
                bits.finish(nx);
            });
        prep
    }

    /// The sites of row `y` that hold a cell and have an empty Moore
    /// neighbour, in order (the only cells that can divide or hop): the
    /// empty sites of rows y − 1 to y + 1 (with the lattice's wrap) spread
    /// one site left and right, word by word, less the row's own empty
    /// sites. `words` is the caller's buffer.
    pub fn next_to_vacancy<'w>(
        &self,
        grid: &Grid,
        y: usize,
        words: &'w mut Vec<u64>,
    ) -> impl Iterator<Item = usize> + 'w {
        let v = &self.vacant;
        let periodic = grid.boundary == Boundary::Periodic;
        words.clear();
        words.resize(v.words_per_row, 0);
        let (above, below) = grid.rows_outside(y, y);
        for r in [above, Some(y), below].into_iter().flatten() {
            spread(words, v.row(r), grid.nx, periodic);
        }
        for (w, &e) in words.iter_mut().zip(v.row(y)) {
            *w &= !e;
        }
        ones(words, y * grid.nx)
    }
}

/// The sites `base + k` of the bits k set in `words`, in order.
fn ones(words: &[u64], base: usize) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(move |(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let b = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                base + w * 64 + b
            })
        })
    })
}

/// ORs into `out` the bits of the row `v` of `nx` sites and of their left
/// and right neighbours (wrapping around the row if `periodic`).
fn spread(out: &mut [u64], v: &[u64], nx: usize, periodic: bool) {
    let n = v.len();
    for k in 0..n {
        // Site x's neighbour x − 1 across a word's start, x + 1 across its end.
        let from_left = if k > 0 { v[k - 1] >> 63 } else { 0 };
        let from_right = if k + 1 < n { v[k + 1] << 63 } else { 0 };
        out[k] |= v[k] | v[k] << 1 | v[k] >> 1 | from_left | from_right;
    }
    let bit = |x: usize| (v[x / 64] >> (x % 64)) & 1;
    if periodic && nx > 0 {
        // Site 0's left neighbour is nx − 1, and nx − 1's right one is 0.
        out[0] |= bit(nx - 1);
        out[(nx - 1) / 64] |= bit(0) << ((nx - 1) % 64);
    }
    // The shift left carries site nx − 1 past the row's end.
    if !nx.is_multiple_of(64) {
        out[n - 1] &= (1u64 << (nx % 64)) - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::Boundary;
    use crate::model::world::{Phase, World};

    /// Over runs with deaths, arrests, divisions, a wound bed and doses,
    /// what the rules pass prepares is what a scan of the cells finds, at
    /// every step.
    #[test]
    fn the_rules_pass_prepares_what_a_scan_of_the_cells_finds() {
        for file in [
            "scenarios/wound_aged_young_ev.toml",
            "scenarios/default.toml",
        ] {
            let sets = ["grid.nx=40", "grid.ny=36", "run.days=4"].map(String::from);
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let s = crate::scenario::load(Some(&path), &sets).unwrap().scenario;
            let steps = s.steps();
            let mut w = World::new(s);
            let mut empty = 0;
            for _ in 0..steps {
                w.step_with(&mut |phase, w| {
                    if phase != Phase::Rules {
                        return;
                    }
                    let scan = Prepared::scan(&w.grid, &w.cells);
                    assert_eq!(scan.vacant, w.prepared().vacant, "{file}, step {}", w.step);
                    empty += scan.vacant.count();
                });
            }
            assert!(empty > 100, "{file}: {empty} empty");
        }
    }

    /// `next_to_vacancy` lists exactly the occupied sites with an empty
    /// Moore neighbour, on either boundary, on rows and columns as narrow
    /// as 1 and rows across several words.
    #[test]
    fn sites_next_to_a_vacancy_are_those_with_an_empty_neighbour() {
        for boundary in [Boundary::NoFlux, Boundary::Periodic] {
            for (nx, ny) in [
                (1usize, 1usize),
                (1, 5),
                (2, 2),
                (7, 1),
                (9, 6),
                (64, 3),
                (70, 4),
                (130, 5),
            ] {
                let grid = Grid::new(nx, ny, boundary);
                let mut cells = vec![Cell::EMPTY; grid.len()];
                for (i, c) in cells.iter_mut().enumerate() {
                    if (i * 5 + i / 3) % 7 != 0 {
                        c.kind = crate::model::cell::Kind::Tissue;
                    }
                }
                let prep = Prepared::scan(&grid, &cells);
                let mut words = Vec::new();
                for y in 0..ny {
                    let got: Vec<usize> = prep.next_to_vacancy(&grid, y, &mut words).collect();
                    let want: Vec<usize> = (y * nx..(y + 1) * nx)
                        .filter(|&i| {
                            let (around, n) = grid.moore_sites(i);
                            cells[i].is_occupied()
                                && around[..n].iter().any(|&j| cells[j].is_empty())
                        })
                        .collect();
                    assert_eq!(got, want, "{boundary:?} {nx}×{ny}, row {y}");
                }
            }
        }
    }

    #[test]
    fn site_bits_read_back_what_was_written_on_rows_of_any_width() {
        for nx in [1usize, 3, 63, 64, 65, 130] {
            let grid = Grid::new(nx, 3, Boundary::NoFlux);
            let mut v = SiteBits::new(&grid);
            let on = |i: usize| (i * 7 + i / 5).is_multiple_of(3);
            // Written twice, the second time the opposite: no stale bit.
            for flip in [true, false] {
                v.rows_mut().enumerate().for_each(|(y, row)| {
                    let mut bits = RowBits::new(row);
                    for x in 0..nx {
                        bits.push(x, on(y * nx + x) ^ flip);
                    }
                    bits.finish(nx);
                });
                let expect: Vec<usize> = (0..grid.len()).filter(|&i| on(i) ^ flip).collect();
                for i in 0..grid.len() {
                    assert_eq!(v.get(i), on(i) ^ flip, "nx {nx}, site {i}");
                }
                let listed: Vec<usize> = (0..v.rows()).flat_map(|y| v.ones_in_row(y)).collect();
                assert_eq!(listed, expect, "nx {nx}");
                assert_eq!(v.count(), expect.len());
            }
        }
    }
}
