//! A diffusing field on the lattice and its mass balance.
//!
//! Time-dependent fields (EVs, soluble CM) are advanced over an agent step by
//! Strang splitting of local uptake around the exact spectral step:
//!
//! ```text
//!   uptake Δt/2  →  D∇² − λ + s exactly over Δt (spectral.rs)  →  uptake Δt/2
//! ```
//!
//! Uptake at an occupied site is c·(1 − e^{−uΔt/2}) per half step, moved
//! exactly into the cell's cargo pool, so no material is made or lost there.
//! Decay is integrated analytically from the uniform mode. Every amount is
//! booked, so secreted + delivered − decayed − taken up − lost at boundaries
//! equals the change in total to round-off (no-flux and periodic edges lose
//! nothing). The `sasp` field is instead solved to steady state each step.

use crate::model::cell::Cell;
use crate::model::params::FieldParams;
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

/// Cumulative amounts (au) booked for one field since t = 0.
#[derive(Clone, Copy, Debug, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct Balance {
    pub initial: f64,
    pub secreted: f64,
    pub delivered: f64,
    pub decayed: f64,
    pub taken_up: f64,
    pub lost_at_boundaries: f64,
}

impl Balance {
    /// What the total should be if every amount is accounted for.
    pub fn expected_total(&self) -> f64 {
        self.initial + self.secreted + self.delivered
            - self.decayed
            - self.taken_up
            - self.lost_at_boundaries
    }
}

pub struct Field {
    pub name: &'static str,
    pub c: Vec<f64>,
    pub params: FieldParams,
    pub balance: Balance,
    nx: usize,
    /// False until anything is secreted or delivered: an all-zero field stays
    /// zero and needs no solve.
    active: bool,
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
            Pool::Young => cell.cargo_young += q,
            Pool::Senescent => cell.cargo_senescent += q,
            Pool::None => {}
        }
    }
}

/// A field's state in a checkpoint.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct FieldState {
    pub c: Vec<f64>,
    pub balance: Balance,
    pub active: bool,
}

impl Field {
    pub fn new(name: &'static str, params: FieldParams, nx: usize, len: usize) -> Self {
        Field {
            name,
            c: vec![0.0; len],
            params,
            balance: Balance::default(),
            nx,
            active: false,
            defect: None,
        }
    }

    /// What a checkpoint keeps of the field: values, books, and whether it
    /// has ever held anything (the spectral factors are recomputed).
    pub fn state(&self) -> FieldState {
        FieldState {
            c: self.c.clone(),
            balance: self.balance,
            active: self.active,
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
        Ok(())
    }

    pub fn total(&self) -> f64 {
        ordered_sum(&self.c, self.nx)
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
                    let a = weights.at(r * nx + k) * scale;
                    *c += a;
                    s += a;
                }
                s
            })
            .collect();
        let added: f64 = rows.iter().sum();
        if added > 0.0 {
            self.balance.delivered += added;
            self.active = true;
        }
    }

    /// Moves c·(1 − e^{−u·h}) from each occupied site into the cell's `pool`.
    fn uptake(&mut self, cells: &mut [Cell], pool: Pool, h: f64) -> f64 {
        let f = -(-self.params.uptake * h).exp_m1();
        if f == 0.0 {
            return 0.0;
        }
        let nx = self.nx;
        let rows: Vec<f64> = self
            .c
            .par_chunks_mut(nx)
            .zip(cells.par_chunks_mut(nx))
            .map(|(c, cells)| {
                let mut s = 0.0;
                for (c, cell) in c.iter_mut().zip(cells) {
                    if cell.is_occupied() {
                        let q = *c * f;
                        *c -= q;
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
    /// credited to the cells' `pool`.
    pub fn advance(
        &mut self,
        sp: &mut Spectral,
        src: Option<&mut [f64]>,
        cells: &mut [Cell],
        pool: Pool,
        dt: f64,
    ) {
        let s_total = src.as_deref().map_or(0.0, |s| ordered_sum(s, self.nx));
        if !self.active && s_total <= 0.0 {
            return;
        }
        self.active = true;
        let mut up = self.uptake(cells, pool, 0.5 * dt);
        let m0 = self.total();
        let FieldParams {
            diffusion, decay, ..
        } = self.params;
        let source = src.filter(|_| s_total > 0.0);
        sp.advance(&mut self.c, source, diffusion, decay, dt);
        self.defect = self.defect.or(sp.defect);
        self.balance.secreted += s_total * dt;
        self.balance.decayed += decayed_over_step(m0, s_total, decay, dt);
        up += self.uptake(cells, pool, 0.5 * dt);
        self.balance.taken_up += up;
    }

    /// Solves the steady state D∇²c − (decay + uptake)c + src = 0 in place:
    /// the field holds the source (au/h per site) on entry (the `sasp`
    /// field: it equilibrates within minutes, docs/model.md §4). Uptake is taken
    /// uniform over the lattice; in a near-confluent tissue that is every site.
    pub fn solve_steady(&mut self, sp: &mut Spectral) {
        let s_total = self.total();
        if s_total <= 0.0 {
            self.c.iter_mut().for_each(|c| *c = 0.0);
            return;
        }
        let lambda = self.params.decay + self.params.uptake;
        sp.steady(&mut self.c, self.params.diffusion, lambda);
        self.defect = self.defect.or(sp.defect);
        self.active = true;
    }
}
