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

/// One bit per site, set where the site is empty; each row starts on a
/// word of its own, so rows are written in parallel.
#[derive(Clone, Debug, Default)]
pub struct Vacancy {
    nx: usize,
    words_per_row: usize,
    bits: Vec<u64>,
}

impl Vacancy {
    pub fn new(grid: &Grid) -> Vacancy {
        let words_per_row = grid.nx.div_ceil(64);
        Vacancy {
            nx: grid.nx,
            words_per_row,
            bits: vec![0; words_per_row * grid.ny],
        }
    }

    /// The rows' words, for writing each row with `write` (in row order).
    pub fn rows_mut(&mut self) -> rayon::slice::ChunksMut<'_, u64> {
        self.bits.par_chunks_mut(self.words_per_row.max(1))
    }

    /// Marks site `x` of the row whose words are `row` empty or not; every
    /// site of a row is written each step, so stale bits cannot survive.
    #[inline]
    pub fn write(row: &mut [u64], x: usize, empty: bool) {
        let (w, b) = (x / 64, x % 64);
        row[w] = (row[w] & !(1 << b)) | (empty as u64) << b;
    }

    #[inline]
    pub fn is_empty(&self, site: usize) -> bool {
        let (y, x) = (site / self.nx, site % self.nx);
        self.bits[y * self.words_per_row + x / 64] >> (x % 64) & 1 == 1
    }

    /// Bytes held (the memory accounting of README's Performance).
    pub fn bytes(&self) -> usize {
        self.bits.len() * 8
    }
}

/// What the rules pass leaves for division: the sites whose cells may act
/// this step, in site order, and the lattice's empty sites.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    pub acting: Vec<u32>,
    pub vacancy: Vacancy,
}

impl Prepared {
    pub fn new(grid: &Grid) -> Prepared {
        Prepared {
            acting: Vec::new(),
            vacancy: Vacancy::new(grid),
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
        let rows: Vec<Vec<u32>> = cells
            .par_chunks(nx)
            .zip(prep.vacancy.rows_mut())
            .enumerate()
            .map(|(r, (row, words))| {
                let mut acting = Vec::new();
                for (x, c) in row.iter().enumerate() {
                    Vacancy::write(words, x, c.is_empty());
                    let i = r * nx + x;
                    if may_act(c, i, &sig.env(i), p, key, &sig.drive) {
                        acting.push(i as u32);
                    }
                }
                acting
            })
            .collect();
        prep.acting = rows.concat();
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
                    for i in 0..w.grid.len() {
                        assert_eq!(scan.vacancy.is_empty(i), w.prepared().vacancy.is_empty(i));
                        empty += scan.vacancy.is_empty(i) as usize;
                    }
                    acting += scan.acting.len();
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
    fn vacancy_reads_back_what_was_written_on_rows_of_any_width() {
        for nx in [1usize, 3, 63, 64, 65, 130] {
            let grid = Grid::new(nx, 3, Boundary::NoFlux);
            let mut v = Vacancy::new(&grid);
            let empty = |i: usize| (i * 7 + i / 5).is_multiple_of(3);
            // Written twice, the second time the opposite: no stale bit.
            for flip in [true, false] {
                v.rows_mut().enumerate().for_each(|(y, row)| {
                    for x in 0..nx {
                        Vacancy::write(row, x, empty(y * nx + x) ^ flip);
                    }
                });
                for i in 0..grid.len() {
                    assert_eq!(v.is_empty(i), empty(i) ^ flip, "nx {nx}, site {i}");
                }
            }
        }
    }
}
