//! Steps 5-6 of a step (world.rs): every cell's rules (rules.rs), in
//! parallel by blocks of rows, each row's neighbour signals folded first
//! from what the cells showed at the start of the step; and, as the pass
//! leaves each cell, what division needs of it (whether its site is empty,
//! vacancy.rs) and what it will emit at the start of the next step
//! (sources.rs).
//!
//! The pass overwrites `shown` with the next step's values while it reads
//! the present ones, so each block of rows keeps what it still needs of
//! them: a window of three rows (above, the row, below), copied from the
//! block's own rows before it writes them, and copies of the rows just
//! outside the block (its halo), taken before the pass. A row's sums
//! therefore read only values of the start of the step, whatever the
//! blocks and threads, and the results do not depend on them. The halos
//! cost two rows per block, the windows three rows per thread.
//!
//! Where the CPU has AVX-512, a row's quiet cells (most of them) take their
//! step eight at a time first (rules/quiet.rs), and only the others go
//! through `apply_rules`, in site order; the results are the same bits.

use crate::model::cell::Cell;
use crate::model::field::View;
use crate::model::geometry::Grid;
use crate::model::kinetics::{hill_row, relax_row};
use crate::model::rng::{row_draws, CellDraws, StepKey};
use crate::model::rules::quiet::{self, quiet_row};
use crate::model::rules::{apply_rules, Ctx, Env, Events, Signals};
use crate::model::sources::{Emit, Tally};
use crate::model::stencil::row_sums;
use crate::model::vacancy::{Prepared, RowBits};
use rayon::prelude::*;

/// What every site's environment is made of this step (`Env`).
pub(crate) struct Surroundings<'a> {
    pub(crate) sasp: &'a [f32],
    pub(crate) cm_young: View<'a>,
    pub(crate) cm_senescent: View<'a>,
    pub(crate) stress: Option<&'a [f64]>,
    pub(crate) wound: Option<&'a [bool]>,
    /// Wound-induced arrest hazard in the bed (1/h).
    pub(crate) induction: f64,
    /// Extra clearance in the bed (1/h).
    pub(crate) bed_clearance: f64,
    /// Whether a cell may hold young cargo or see young CM: false only
    /// when none can (`World`'s record of the last pass), and the pass then
    /// looks for none.
    pub(crate) young: bool,
}

impl Surroundings<'_> {
    /// Site i's `Env` for `apply_rules`, without the field levels (left
    /// at zero): the rules read those only through the cell's `Signals`,
    /// which the pass computes a row at a time from the fields themselves
    /// (`rules::tests::apply_rules_reads_no_field_level_of_its_env`).
    #[inline]
    fn env(&self, i: usize, deep: u8, contact: f32) -> Env {
        let in_bed = self.wound.is_some_and(|m| m[i]);
        Env {
            deep_neighbours: deep,
            bystander_signal: contact,
            stress_per_h: self.stress.map_or(0.0, |v| v[i]),
            wound_induction_per_h: if in_bed { self.induction } else { 0.0 },
            extra_clearance_per_h: if in_bed { self.bed_clearance } else { 0.0 },
            ..Env::default()
        }
    }
}

/// The arrays the pass writes.
pub(crate) struct Lattice<'a> {
    pub(crate) cells: &'a mut [Cell],
    /// What each site shows its neighbours: read as at the start of this
    /// step, left as at the start of the next.
    pub(crate) shown: &'a mut [f32],
    /// The next step's SASP sources (the `sasp` solver's source array,
    /// which nothing reads between its solve and the next).
    pub(crate) source: &'a mut [f32],
    pub(crate) prepared: &'a mut Prepared,
}

/// What the pass found.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) events: Events,
    /// Whether any cell held young cargo or saw young CM this step.
    pub(crate) young: bool,
    /// The next step's counts and graft sources (sources.rs).
    pub(crate) tally: Tally,
}

/// Everything the pass needs that is the same at every site.
pub(crate) struct Rules<'a> {
    pub(crate) ctx: &'a Ctx<'a>,
    pub(crate) key: &'a StepKey,
    /// The next step's emission.
    pub(crate) emit: &'a Emit<'a>,
}

/// Rows per block: about 64 blocks (load balance on a few threads), at
/// least 4 rows (the halos' cost). The results do not depend on it.
fn block_rows(ny: usize) -> usize {
    ny.div_ceil(64).max(4)
}

/// Copies of the rows just above and just below a block, if it has them.
type Halo = (Option<Vec<f32>>, Option<Vec<f32>>);

/// The pass over the whole lattice.
pub(crate) fn run(grid: &Grid, lat: Lattice, around: &Surroundings, rules: &Rules) -> Outcome {
    let (nx, ny) = (grid.nx, grid.ny);
    let b = block_rows(ny);
    let row = |v: &[f32], r: usize| v[r * nx..(r + 1) * nx].to_vec();
    // The halos: the rows just outside each block, as they stand now.
    let halos: Vec<Halo> = (0..ny.div_ceil(b))
        .map(|k| {
            let (up, down) = grid.rows_outside(k * b, ((k + 1) * b).min(ny) - 1);
            (
                up.map(|r| row(lat.shown, r)),
                down.map(|r| row(lat.shown, r)),
            )
        })
        .collect();
    let Prepared { vacant } = lat.prepared;
    let parts: Vec<Outcome> = lat
        .cells
        .par_chunks_mut(b * nx)
        .zip(lat.shown.par_chunks_mut(b * nx))
        .zip(lat.source.par_chunks_mut(b * nx))
        .zip(vacant.blocks_mut(b))
        .zip(halos.par_iter())
        .enumerate()
        .map(|(k, ((((cells, shown), source), bits), halo))| {
            let block = Block {
                grid,
                first: k * b,
                cells,
                shown,
                source,
                bits,
                halo,
            };
            block.run(around, rules)
        })
        .collect();
    let mut out = Outcome::default();
    for mut p in parts {
        out.events += p.events;
        out.young |= p.young;
        out.tally.append(&mut p.tally);
    }
    out
}

/// One block of rows and what it writes.
struct Block<'a> {
    grid: &'a Grid,
    /// Its first row.
    first: usize,
    cells: &'a mut [Cell],
    shown: &'a mut [f32],
    source: &'a mut [f32],
    /// Its rows' vacancy words.
    bits: &'a mut [u64],
    halo: &'a Halo,
}

impl Block<'_> {
    fn run(self, around: &Surroundings, rules: &Rules) -> Outcome {
        let nx = self.grid.nx;
        let rows = self.cells.len() / nx;
        let words = self.bits.len() / rows;
        let mut out = Outcome::default();
        let (mut deep, mut contact) = (vec![0u8; nx], vec![0f32; nx]);
        let mut hs = vec![0f64; nx];
        // The row's death and onset draws, where computed ahead.
        let (mut death, mut onset) = (vec![0f64; nx], vec![0f64; nx]);
        // The row's young-cargo totals, young signals and repair factors.
        let [mut ys, mut hy, mut re, mut rg] = std::array::from_fn(|_| vec![0f64; nx]);
        let p = rules.ctx.cell_rules;
        let repair = rules.ctx.young_repair();
        // The repair factors of a cell without young signal.
        let basal = rules.ctx.relax_of(0.0);
        // The window: the rows above, at and below the row being done, as
        // they stood at the start of the step (zeros beyond a no-flux edge,
        // never read).
        let zeros = vec![0f32; nx];
        let mut window = [
            self.halo.0.clone().unwrap_or_else(|| zeros.clone()),
            self.shown[..nx].to_vec(),
            zeros.clone(),
        ];
        let (key, ctx) = (rules.key, rules.ctx);
        // The quiet cells' step (rules/quiet.rs).
        let consts = quiet::Consts::new(ctx, around.induction);
        // Proliferative tissue cells emit and show nothing (no wound pulse).
        let silent = rules.emit.silent_tissue();
        // The sites the quiet step left, one bit each.
        let mut slow = vec![0u64; nx.div_ceil(64)];
        for q in 0..rows {
            let y = self.first + q;
            if q > 0 {
                window.rotate_left(1);
            }
            // The row below, before anything is written to it.
            window[2].copy_from_slice(if q + 1 < rows {
                &self.shown[(q + 1) * nx..(q + 2) * nx]
            } else {
                self.halo.1.as_deref().unwrap_or(&zeros)
            });
            let [w0, w1, w2] = &window;
            row_sums(self.grid, [w0, w1, w2], y, &mut deep, &mut contact);
            let span = q * nx..(q + 1) * nx;
            let cells = &mut self.cells[span.clone()];
            let shown = &mut self.shown[span.clone()];
            let source = &mut self.source[span];
            // The row's SASP signals (`sasp_signal`), off the cells' chain.
            for (x, h) in hs.iter_mut().enumerate() {
                let i = y * nx + x;
                *h = around.sasp[i] as f64 + around.cm_senescent.at(i) as f64;
            }
            hill_row(&mut hs, p.sasp_half_saturation, p.sasp_damage_hill);
            // Its young signals and repair factors (`rules::signals`), in a
            // loop that vectorises, where any cell holds young cargo or
            // sees young CM; elsewhere the basal factors.
            let mut young = false;
            if around.young {
                for (x, (v, c)) in ys.iter_mut().zip(cells.iter()).enumerate() {
                    let cm = around.cm_young.at(y * nx + x) as f64;
                    *v = c.cargo_young as f64 + p.cm_young_weight * cm;
                    young |= *v != 0.0;
                }
            }
            if young {
                relax_row(&ys, &mut hy, &mut re, &mut rg, repair);
                out.young = true;
            }
            let ahead = row_draws(&key.stream, (y * nx) as u64, &mut death, &mut onset);
            // The cell at x, by the rules; what it will emit at the start
            // of the next step.
            let one = |x: usize, c: &mut Cell, out: &mut Outcome| {
                let i = y * nx + x;
                let env = around.env(i, deep[x], contact[x]);
                let draws = if ahead {
                    CellDraws::Ahead {
                        death: death[x],
                        onset: onset[x],
                    }
                } else {
                    CellDraws::Stream(key.stream.site(i as u64))
                };
                let (hy, relax) = if young {
                    (hy[x], (re[x], rg[x]))
                } else {
                    (0.0, basal)
                };
                let sig = Signals {
                    hs: hs[x],
                    hy,
                    relax,
                };
                apply_rules(c, &draws, (i, sig), &env, ctx, &mut out.events);
                rules.emit.cell(c, i, &mut out.tally)
            };
            // The row's quiet cells eight at a time, where the CPU can.
            let row = quiet::Row {
                hs: &hs,
                death: &death,
                onset: &onset,
                deep: &deep,
                relax: young.then_some((&re[..], &rg[..])),
                stress: around.stress.map(|v| &v[y * nx..(y + 1) * nx]),
                wound: around.wound.map(|m| &m[y * nx..(y + 1) * nx]),
            };
            let stepped = if ahead {
                quiet_row(cells, &row, &consts, &mut slow)
            } else {
                None
            };
            // What division will need of each cell: whether its site is
            // empty (vacancy.rs).
            let vacant = &mut self.bits[q * words..(q + 1) * words];
            if let Some(done) = stepped.filter(|_| silent) {
                // The stepped cells are proliferative tissue cells: not
                // empty, emitting and showing nothing. The others, in order.
                out.tally.tissue += done;
                source.fill(0.0);
                shown.fill(0.0);
                vacant.fill(0);
                for (w, &word) in slow.iter().enumerate() {
                    let mut b = word;
                    while b != 0 {
                        let x = w * 64 + b.trailing_zeros() as usize;
                        b &= b - 1;
                        let c = &mut cells[x];
                        (source[x], shown[x]) = one(x, c, &mut out);
                        vacant[w] |= (c.is_empty() as u64) << (x % 64);
                    }
                }
            } else {
                // Every cell in order: by the rules, or only its emission
                // where the quiet step took it (during a wound's pulse).
                let left = |x: usize| stepped.is_none() || slow[x / 64] >> (x % 64) & 1 == 1;
                let mut bits = RowBits::new(vacant);
                for (x, c) in cells.iter_mut().enumerate() {
                    (source[x], shown[x]) = if left(x) {
                        one(x, c, &mut out)
                    } else {
                        rules.emit.cell(c, y * nx + x, &mut out.tally)
                    };
                    bits.push(x, c.is_empty());
                }
                bits.finish(nx);
            }
        }
        out
    }
}
