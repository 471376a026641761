//! What division needs to know of the lattice after the cell rules: which
//! cells may divide or hop (`division::may_act`: their draws below the
//! bound of their rates) and which sites are empty. The rules pass writes
//! both as it leaves each cell, so that division reads the few % of sites
//! that may act and one bit per neighbour, and loads a cell of the 40-byte
//! lattice again only where one has an empty neighbour (docs/model.md §2).
//!
//! `Prepared::scan` finds the same from the cells alone (tests and callers
//! without a rules pass); a test checks the two agree.

use crate::model::cell::Cell;
use crate::model::division::{may_act, Signals, StepKey};
use crate::model::geometry::Grid;
use crate::model::params::CellParams;
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

    /// Sets or clears the bit of site `x` of the row whose words are `row`;
    /// every site of a row is written each step, so stale bits cannot
    /// survive.
    #[inline]
    pub fn write(row: &mut [u64], x: usize, on: bool) {
        let (w, b) = (x / 64, x % 64);
        row[w] = (row[w] & !(1 << b)) | (on as u64) << b;
    }

    #[inline]
    pub fn get(&self, site: usize) -> bool {
        let (y, x) = (site / self.nx, site % self.nx);
        self.bits[y * self.words_per_row + x / 64] >> (x % 64) & 1 == 1
    }

    /// The sites of row `y` whose bits are set, in order.
    pub fn ones_in_row(&self, y: usize) -> impl Iterator<Item = usize> + '_ {
        let words = &self.bits[y * self.words_per_row..(y + 1) * self.words_per_row];
        let base = y * self.nx;
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

    /// How many bits are set.
    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.bits.len() / self.words_per_row.max(1)
    }
}

/// What the rules pass leaves for division: the sites whose cells may act
/// this step (`division::may_act`) and the empty sites, one bit per site
/// each (0.25 bytes per site in all).
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    pub acting: SiteBits,
    pub vacant: SiteBits,
}

impl Prepared {
    pub fn new(grid: &Grid) -> Prepared {
        Prepared {
            acting: SiteBits::new(grid),
            vacant: SiteBits::new(grid),
        }
    }

    /// The same from the cells as they stand: every site's `may_act` under
    /// `sig`, and its vacancy.
    pub fn scan(
        grid: &Grid,
        cells: &[Cell],
        sig: &Signals,
        p: &CellParams,
        key: &StepKey,
    ) -> Prepared {
        let mut prep = Prepared::new(grid);
        let nx = grid.nx;
        cells
            .par_chunks(nx)
            .zip(prep.acting.rows_mut().zip(prep.vacant.rows_mut()))
            .enumerate()
            .for_each(|(r, (row, (acting, vacant)))| {
                for (x, c) in row.iter().enumerate() {
                    let i = r * nx + x;
                    SiteBits::write(vacant, x, c.is_empty());
                    SiteBits::write(acting, x, may_act(c, i, &sig.env(i), p, key, &sig.drive));
                }
            });
        prep
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
            let (steps, seed, dt) = (s.steps(), s.run.seed, s.run.dt_h);
            let mut w = World::new(s);
            let (mut acting, mut empty) = (0, 0);
            for _ in 0..steps {
                w.step_with(&mut |phase, w| {
                    if phase != Phase::Rules {
                        return;
                    }
                    let key = StepKey::new(seed, w.step, w.now_h(), dt);
                    let sig = w.division_signals();
                    let scan =
                        Prepared::scan(&w.grid, &w.cells, &sig, &w.scenario.cell_rules, &key);
                    assert_eq!(scan.acting, w.prepared().acting, "{file}, step {}", w.step);
                    assert_eq!(scan.vacant, w.prepared().vacant, "{file}, step {}", w.step);
                    empty += scan.vacant.count();
                    acting += scan.acting.count();
                });
            }
            // The runs exercise both: cells that may act, and empty sites.
            assert!(
                acting > 100 && empty > 100,
                "{file}: {acting} acting, {empty} empty"
            );
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
                    for x in 0..nx {
                        SiteBits::write(row, x, on(y * nx + x) ^ flip);
                    }
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
