//! A diffusing field on the lattice and its mass balance.
//!
//! Values are stored in f32; every amount booked (secreted, delivered,
//! decayed, taken up, lost at boundaries, flushed) is kept in f64, and
//! totals are summed in f64 in a fixed order (docs/model.md §4, the
//! numerical contract: mass balance to 1e-6 relative over a run).
//!
//! Time-dependent fields (EVs, soluble CM) are advanced over an agent step by
//! Strang splitting of local uptake around a diffusion-decay step:
//!
//! ```text
//!   uptake Δt/2  →  D∇² − λ + s over Δt  →  uptake Δt/2
//! ```
//!
//! The middle step is the separable heat-kernel convolution (kernel.rs)
//! when the field's kernel is narrow and it has no source this step, else
//! the exact spectral step (spectral.rs). Uptake at an occupied site is
//! c·(1 − e^{−uΔt/2}) per half step, moved into the cell's cargo pool.
//! Decay is integrated analytically from the uniform mode. A field whose
//! total falls below `fields.dormant_fraction` of its peak, with no source,
//! is flushed to zero (booked) and skipped until it receives something.
//! The `sasp` field is instead solved to steady state each step (sasp.rs).

use crate::model::cell::Cell;
use crate::model::geometry::Grid;
use crate::model::kernel::KernelStep;
use crate::model::params::FieldParams;
use crate::model::params::Solver;
use crate::model::spectral::{decayed_over_step, Spectral};
use crate::model::treatment::SiteWeights;
use rayon::prelude::*;
use serde::Serialize;

/// A sum that is the same at any thread count: per-row partials (each summed
/// left to right) combined in row order.
pub fn ordered_sum(v: &[f64], row: usize) -> f64 {
    v.par_chunks(row.max(1))
        .map(|r| r.iter().sum::<f64>())
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}

/// `ordered_sum` of f32 values, summed in f64 (each row by `lanes_sum`).
pub fn ordered_sum32(v: &[f32], row: usize) -> f64 {
    v.par_chunks(row.max(1))
        .map(lanes_sum)
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}

/// Σ g(v_k) in f64, in a fixed order that vectorises: eight running sums
/// (value k into sum k mod 8), combined pairwise at the end. The order is
/// the algorithm's, not the compiler's, so every CPU gives the same bits.
#[inline(always)]
fn lanes(v: &[f32], g: impl Fn(f32) -> f64) -> f64 {
    let mut acc = [0.0f64; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for j in 0..8 {
            acc[j] += g(c[j]);
        }
    }
    for (j, &x) in rest.iter().enumerate() {
        acc[j] += g(x);
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

crate::model::simd::simd_dispatch! {
    /// Σ v in f64 by `lanes`.
    pub fn lanes_sum(v: &[f32]) -> f64 {
        lanes(v, |x| x as f64)
    }
}

crate::model::simd::simd_dispatch! {
    /// Σ v² in f64 by `lanes`.
    pub fn lanes_sum_sq(v: &[f32]) -> f64 {
        lanes(v, |x| (x as f64) * (x as f64))
    }
}

/// Cumulative amounts (au) booked for one field since t = 0.
#[derive(Clone, Copy, Debug, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct Balance {
    pub initial: f64,
    pub secreted: f64,
    pub delivered: f64,
    pub decayed: f64,
    pub taken_up: f64,
    pub lost_at_boundaries: f64,
    /// Flushed when the field fell dormant (below `fields.dormant_fraction`
    /// of its peak).
    pub flushed: f64,
}

impl Balance {
    /// What the total should be if every amount is accounted for.
    pub fn expected_total(&self) -> f64 {
        self.initial + self.secreted + self.delivered
            - self.decayed
            - self.taken_up
            - self.lost_at_boundaries
            - self.flushed
    }
}

pub struct Field {
    pub name: &'static str,
    pub c: Vec<f32>,
    pub params: FieldParams,
    pub balance: Balance,
    nx: usize,
    /// False while the field is all zero (never dosed, or flushed): it stays
    /// zero and needs no solve.
    active: bool,
    /// The largest total since the field last became active (au).
    peak: f64,
    /// Every site holds the same value (all zero, or uniform doses only,
    /// no uptake, no source): diffusion leaves it as it is, so a step is
    /// its decay alone (docs/model.md §4).
    uniform: bool,
    /// The heat-kernel step, when the field's solver may use it.
    kernel: Option<KernelStep>,
    /// The first solve that produced a non-finite value or a negative beyond
    /// round-off: (value, site). Read by `World::check_fields`.
    pub defect: Option<(f64, usize)>,
}

/// Where the uptake of a field goes: a cell cargo pool, or nowhere (soluble
/// factors act on receptors and are consumed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    Young,
    Senescent,
    None,
}

impl Pool {
    #[inline]
    fn credit(self, cell: &mut Cell, q: f64) {
        match self {
            Pool::Young => cell.cargo_young = (cell.cargo_young as f64 + q) as f32,
            Pool::Senescent => cell.cargo_senescent = (cell.cargo_senescent as f64 + q) as f32,
            Pool::None => {}
        }
    }
}

/// A field's state in a checkpoint.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct FieldState {
    pub c: Vec<f32>,
    pub balance: Balance,
    pub active: bool,
    pub peak: f64,
    pub uniform: bool,
}

impl Field {
    /// An empty field on `grid`, advanced in steps of `dt` h (the steady
    /// `sasp` field ignores `dt`).
    pub fn new(name: &'static str, params: FieldParams, grid: Grid, dt: f64) -> Self {
        let kernel = (params.solver == Solver::Auto && name != "sasp")
            .then(|| KernelStep::new(grid, params.diffusion, dt))
            .flatten();
        Field {
            name,
            c: vec![0.0; grid.len()],
            params,
            balance: Balance::default(),
            nx: grid.nx,
            active: false,
            peak: 0.0,
            uniform: true,
            kernel,
            defect: None,
        }
    }

    /// Whether the field holds anything (not dormant).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// What a checkpoint keeps of the field: values, books, and whether it
    /// has ever held anything (the spectral factors are recomputed).
    pub fn state(&self) -> FieldState {
        FieldState {
            c: self.c.clone(),
            balance: self.balance,
            active: self.active,
            peak: self.peak,
            uniform: self.uniform,
        }
    }

    pub fn restore(&mut self, s: FieldState) -> Result<(), String> {
        if s.c.len() != self.c.len() {
            return Err(format!(
                "field {} has {} values for {} sites",
                self.name,
                s.c.len(),
                self.c.len()
            ));
        }
        self.c = s.c;
        self.balance = s.balance;
        self.active = s.active;
        self.peak = s.peak;
        self.uniform = s.uniform;
        Ok(())
    }

    pub fn total(&self) -> f64 {
        ordered_sum32(&self.c, self.nx)
    }

    /// Adds an instantaneous dose of `scale`·`weights` (au per site).
    pub fn deliver(&mut self, weights: &SiteWeights, scale: f64) {
        if scale == 0.0 {
            return;
        }
        let nx = self.nx;
        let rows: Vec<f64> = self
            .c
            .par_chunks_mut(nx)
            .enumerate()
            .map(|(r, c)| {
                let mut s = 0.0;
                for (k, c) in c.iter_mut().enumerate() {
                    // What the site receives is what f32 holds of it.
                    let before = *c;
                    *c += (weights.at(r * nx + k) * scale) as f32;
                    s += *c as f64 - before as f64;
                }
                s
            })
            .collect();
        let added: f64 = rows.iter().sum();
        // The same amount added to the same f32 value at every site keeps
        // the field uniform.
        self.uniform &= matches!(weights, SiteWeights::Uniform(_));
        if added > 0.0 {
            self.balance.delivered += added;
            if !self.active {
                self.peak = 0.0;
            }
            self.active = true;
        }
    }

    /// Moves c·(1 − e^{−u·h}) from each occupied site into the cell's `pool`.
    fn uptake(&mut self, cells: &mut [Cell], pool: Pool, h: f64) -> f64 {
        let f = -(-self.params.uptake * h).exp_m1() as f32;
        if f == 0.0 {
            return 0.0;
        }
        self.uniform = false;
        let nx = self.nx;
        let rows: Vec<f64> = self
            .c
            .par_chunks_mut(nx)
            .zip(cells.par_chunks_mut(nx))
            .map(|(c, cells)| {
                let mut s = 0.0;
                for (c, cell) in c.iter_mut().zip(cells) {
                    if cell.is_occupied() {
                        // The amount moved is exactly what the site lost.
                        let before = *c;
                        *c -= *c * f;
                        let q = before as f64 - *c as f64;
                        pool.credit(cell, q);
                        s += q;
                    }
                }
                s
            })
            .collect();
        rows.iter().sum()
    }

    /// Advances the field over `dt` h with secretion `src` (au/h per site;
    /// used as workspace, its contents are lost), uptake at occupied sites
    /// credited to the cells' `pool`; then flushes it if it has fallen
    /// dormant (below `dormant_fraction` of its peak, with no source).
    pub fn advance(
        &mut self,
        sp: &mut Spectral,
        src: Option<&mut [f64]>,
        cells: &mut [Cell],
        pool: Pool,
        dt: f64,
        dormant_fraction: f64,
    ) {
        let s_total = src.as_deref().map_or(0.0, |s| ordered_sum(s, self.nx));
        if !self.active && s_total <= 0.0 {
            return;
        }
        if !self.active {
            self.peak = 0.0;
        }
        self.active = true;
        let mut up = self.uptake(cells, pool, 0.5 * dt);
        let m0 = self.total();
        self.peak = self.peak.max(m0);
        let FieldParams {
            diffusion, decay, ..
        } = self.params;
        let source = src.filter(|_| s_total > 0.0);
        self.uniform &= source.is_none();
        let fast = self.params.solver == crate::model::params::Solver::Auto;
        match (&self.kernel, source) {
            (_, None) if fast && self.uniform => {
                // Uniform: diffusion is the identity; only decay acts.
                let keep = (-decay * dt).exp() as f32;
                self.c.par_iter_mut().for_each(|c| *c *= keep);
                self.balance.decayed += m0 * (1.0 - keep as f64);
            }
            (Some(k), None) => {
                // Booked with the factor the step applies (f32), so that
                // its rounding is not an imbalance.
                let keep = (-decay * dt).exp() as f32;
                self.defect = self.defect.or(k.apply(&mut self.c, keep));
                self.balance.decayed += m0 * (1.0 - keep as f64);
            }
            (_, source) => {
                sp.advance_f32(&mut self.c, source, diffusion, decay, dt);
                self.defect = self.defect.or(sp.defect);
                self.balance.decayed += decayed_over_step(m0, s_total, decay, dt);
            }
        }
        self.balance.secreted += s_total * dt;
        up += self.uptake(cells, pool, 0.5 * dt);
        self.balance.taken_up += up;
        if s_total <= 0.0 && dormant_fraction > 0.0 {
            let total = self.total();
            if total < dormant_fraction * self.peak {
                self.balance.flushed += total;
                self.c.par_iter_mut().for_each(|c| *c = 0.0);
                self.active = false;
                self.uniform = true;
            }
        }
    }

    /// Marks the field as holding a steady state (the `sasp` field: its
    /// values are written by sasp.rs).
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
    }
}
