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
//! when the field's kernel is narrow, its point sources (grafted MSCs) added
//! by the time-integrated kernel (point_sources.rs) when they are few; else
//! the exact spectral step (spectral.rs). Uptake at an occupied site is
//! c·(1 − e^{−uΔt/2}) per half step, moved into the cell's cargo pool.
//! Decay is integrated analytically from the uniform mode. A field whose
//! total falls below `fields.dormant_fraction` of its peak, with no source,
//! is flushed to zero (booked) and skipped until it receives something.
//! The `sasp` field is instead solved to steady state each step (sasp.rs).

use crate::math;
use crate::model::cell::Cell;
use crate::model::geometry::Grid;
use crate::model::kernel::KernelStep;
use crate::model::params::FieldParams;
use crate::model::params::Solver;
use crate::model::point_sources::PointSources;
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
    /// The value at every site, row-major; empty while a dosed field is
    /// uniform, its value then `level` (`view` and `values` read either).
    pub c: Vec<f32>,
    /// The value of every site while `c` is empty.
    level: f32,
    pub params: FieldParams,
    pub balance: Balance,
    grid: Grid,
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
    /// The time-integrated kernel for point sources, made the first time
    /// the field has a source (None before, and for fields without `kernel`).
    point: Option<PointSources>,
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
    /// Empty while the field is uniform at `level`.
    pub c: Vec<f32>,
    pub level: f32,
    pub balance: Balance,
    pub active: bool,
    pub peak: f64,
    pub uniform: bool,
}

impl FieldState {
    /// Whether it fits a lattice of `sites`: a value per site, or, for a
    /// uniform dosed field (not the `sasp` one), its one value.
    pub fn fits(&self, sites: usize, dosed: bool) -> bool {
        self.c.len() == sites || (dosed && self.c.is_empty() && self.uniform)
    }
}

impl Field {
    /// An empty field on `grid`, advanced in steps of `dt` h (the steady
    /// `sasp` field ignores `dt`).
    pub fn new(name: &'static str, params: FieldParams, grid: Grid, dt: f64) -> Self {
        let kernel = (params.solver == Solver::Auto && name != "sasp")
            .then(|| KernelStep::new(grid, params.diffusion, dt))
            .flatten();
        // A dosed field starts uniform (zero) and holds one value until it
        // varies; the steady `sasp` field is written site by site.
        let c = if name == "sasp" {
            vec![0.0; grid.len()]
        } else {
            Vec::new()
        };
        Field {
            name,
            c,
            level: 0.0,
            params,
            balance: Balance::default(),
            grid,
            active: false,
            peak: 0.0,
            uniform: true,
            kernel,
            point: None,
            defect: None,
        }
    }

    /// Whether the field holds anything (not dormant).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The field's values, stored or uniform.
    #[inline]
    pub fn view(&self) -> View<'_> {
        if self.c.is_empty() {
            View::Uniform(self.level)
        } else {
            View::Grid(&self.c)
        }
    }

    /// The value at every site (a copy when the field is uniform).
    pub fn values(&self) -> std::borrow::Cow<'_, [f32]> {
        match self.view() {
            View::Grid(c) => std::borrow::Cow::Borrowed(c),
            View::Uniform(v) => std::borrow::Cow::Owned(vec![v; self.grid.len()]),
        }
    }

    /// Stores the value of every site (before a step that varies them).
    fn materialise(&mut self) {
        if self.c.is_empty() {
            self.c = vec![self.level; self.grid.len()];
        }
    }

    /// Sets every site to `v` and frees the stored values.
    fn set_uniform(&mut self, v: f32) {
        self.c = Vec::new();
        self.level = v;
        self.uniform = true;
    }

    /// What a checkpoint keeps of the field: values, books, and whether it
    /// has ever held anything (the spectral factors are recomputed).
    pub fn state(&self) -> FieldState {
        FieldState {
            c: self.c.clone(),
            level: self.level,
            balance: self.balance,
            active: self.active,
            peak: self.peak,
            uniform: self.uniform,
        }
    }

    pub fn restore(&mut self, s: FieldState) -> Result<(), String> {
        let n = self.grid.len();
        if !s.fits(n, self.name != "sasp") || !s.level.is_finite() {
            return Err(format!(
                "field {} has {} values for {} sites",
                self.name,
                s.c.len(),
                n
            ));
        }
        self.c = s.c;
        self.level = s.level;
        self.balance = s.balance;
        self.active = s.active;
        self.peak = s.peak;
        self.uniform = s.uniform;
        Ok(())
    }

    pub fn total(&self) -> f64 {
        match self.view() {
            View::Grid(c) => ordered_sum32(c, self.grid.nx),
            View::Uniform(v) => v as f64 * self.grid.len() as f64,
        }
    }

    /// Adds an instantaneous dose of `scale`·`weights` (au per site).
    pub fn deliver(&mut self, weights: &SiteWeights, scale: f64) {
        if scale == 0.0 {
            return;
        }
        let added = match (self.view(), weights) {
            (View::Uniform(before), SiteWeights::Uniform(w)) => {
                // The same amount added to the same f32 value at every site
                // keeps the field uniform.
                self.level = before + (w * scale) as f32;
                (self.level as f64 - before as f64) * self.grid.len() as f64
            }
            _ => self.deliver_per_site(weights, scale),
        };
        self.uniform &= matches!(weights, SiteWeights::Uniform(_));
        if added > 0.0 {
            self.balance.delivered += added;
            if !self.active {
                self.peak = 0.0;
            }
            self.active = true;
        }
    }

    /// Adds the dose site by site; returns what the field received.
    fn deliver_per_site(&mut self, weights: &SiteWeights, scale: f64) -> f64 {
        self.materialise();
        let nx = self.grid.nx;
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
        rows.iter().sum()
    }

    /// Advances the field over `dt` h with point sources `sources` (site,
    /// au/h; in increasing site order, each site once), uptake at occupied
    /// sites credited to the cells' `pool`; then flushes it if it has
    /// fallen dormant (below `dormant_fraction` of its peak, with no
    /// source). `advance_together` does the same for several fields.
    pub fn advance(
        &mut self,
        sp: &mut Spectral,
        sources: &[(usize, f64)],
        cells: &mut [Cell],
        pool: Pool,
        dt: f64,
        dormant_fraction: f64,
    ) {
        let mut one = [Dosed {
            field: self,
            sources,
            pool,
        }];
        advance_together(&mut one, sp, cells, dt, dormant_fraction);
    }

    /// The diffusion-decay-secretion part of a step (between the uptake
    /// half steps) of an active field.
    fn diffuse(&mut self, sp: &mut Spectral, sources: &[(usize, f64)], s_total: f64, dt: f64) {
        let m0 = self.total();
        self.peak = self.peak.max(m0);
        let FieldParams {
            diffusion, decay, ..
        } = self.params;
        let has_source = s_total > 0.0;
        self.uniform &= !has_source;
        let fast = self.params.solver == crate::model::params::Solver::Auto;
        if has_source && self.point.is_none() && self.kernel.is_some() {
            self.point = PointSources::new(self.grid, diffusion, decay, dt);
        }
        if !(fast && self.uniform) {
            self.materialise();
        }
        let point = self.point.as_ref().filter(|p| p.worth_it(sources.len()));
        match (&self.kernel, has_source, point) {
            (_, false, _) if fast && self.uniform => {
                // Uniform: diffusion is the identity; only decay acts.
                let keep = math::exp(-decay * dt) as f32;
                self.level *= keep;
                self.c.par_iter_mut().for_each(|c| *c *= keep);
                self.balance.decayed += m0 * (1.0 - keep as f64);
            }
            (Some(k), false, _) => {
                // Booked with the factor the step applies (f32), so that
                // its rounding is not an imbalance.
                let keep = math::exp(-decay * dt) as f32;
                self.defect = self.defect.or(k.apply(&mut self.c, keep));
                self.balance.decayed += m0 * (1.0 - keep as f64);
            }
            (Some(k), true, Some(point)) => {
                // What the field held, spread and decayed; then what the
                // sources added over the step: the rest of their secretion
                // decayed on the way (booked from what the field received).
                let keep = math::exp(-decay * dt) as f32;
                self.defect = self.defect.or(k.apply(&mut self.c, keep));
                let added = point.add(&mut self.c, sources);
                self.balance.decayed += m0 * (1.0 - keep as f64) + (s_total * dt - added);
            }
            _ => {
                let mut dense = Vec::new();
                if has_source {
                    dense = vec![0.0; self.c.len()];
                    for &(i, rate) in sources {
                        dense[i] += rate;
                    }
                }
                let source = has_source.then_some(&mut dense[..]);
                sp.advance_f32(&mut self.c, source, diffusion, decay, dt);
                self.defect = self.defect.or(sp.defect);
                self.balance.decayed += decayed_over_step(m0, s_total, decay, dt);
            }
        }
        self.balance.secreted += s_total * dt;
    }

    /// Marks the field as holding a steady state (the `sasp` field: its
    /// values are written by sasp.rs).
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
    }
}

/// One dosed field's part of a step: the field, its point sources (site,
/// au/h, in site order) and the cargo pool its uptake feeds.
pub struct Dosed<'a> {
    pub field: &'a mut Field,
    pub sources: &'a [(usize, f64)],
    pub pool: Pool,
}

/// Advances several fields over `dt` h as `Field::advance` does each, with
/// the uptake of all of them in one pass over the cells per half step (the
/// cells are the larger part of the memory a step streams). Every field's
/// values and books are those of advancing it alone.
pub fn advance_together(
    items: &mut [Dosed],
    sp: &mut Spectral,
    cells: &mut [Cell],
    dt: f64,
    dormant_fraction: f64,
) {
    let mut live = vec![None; items.len()];
    for (d, live) in items.iter_mut().zip(live.iter_mut()) {
        debug_assert!(d.sources.windows(2).all(|w| w[0].0 < w[1].0));
        if !d.sources.iter().any(|s| s.1 > 0.0) {
            d.sources = &[];
        }
        let s_total: f64 = d.sources.iter().map(|s| s.1).sum();
        let f = &mut *d.field;
        if !f.active && s_total <= 0.0 {
            continue;
        }
        if !f.active {
            f.peak = 0.0;
        }
        f.active = true;
        *live = Some(s_total);
    }
    let up = uptake(items, &live, cells, 0.5 * dt);
    for (d, live) in items.iter_mut().zip(&live) {
        if let Some(s_total) = *live {
            d.field.diffuse(sp, d.sources, s_total, dt);
        }
    }
    let up2 = uptake(items, &live, cells, 0.5 * dt);
    for (k, (d, live)) in items.iter_mut().zip(&live).enumerate() {
        let Some(s_total) = *live else { continue };
        let f = &mut *d.field;
        f.balance.taken_up += up[k] + up2[k];
        if s_total <= 0.0 && dormant_fraction > 0.0 {
            let total = f.total();
            if total < dormant_fraction * f.peak {
                f.balance.flushed += total;
                f.set_uniform(0.0);
                f.active = false;
            }
        }
    }
}

/// Moves c·(1 − e^{−u·h}) from each occupied site of every live field into
/// the cell's pool of that field, all fields in one pass over the cells;
/// returns what each field lost (per row, summed in row order).
fn uptake(items: &mut [Dosed], live: &[Option<f64>], cells: &mut [Cell], h: f64) -> Vec<f64> {
    const MAX: usize = 4;
    let mut out = vec![0.0; items.len()];
    // (item, factor, pool) of the fields that take up anything.
    let mut takes = Vec::new();
    for (k, d) in items.iter_mut().enumerate() {
        if live[k].is_none() {
            continue;
        }
        let f = -math::exp_m1(-d.field.params.uptake * h) as f32;
        if f != 0.0 {
            d.field.uniform = false;
            d.field.materialise();
            takes.push((k, f, d.pool));
        }
    }
    if takes.is_empty() {
        return out;
    }
    assert!(takes.len() <= MAX);
    let nx = items[takes[0].0].field.grid.nx;
    let mut rows: Vec<Vec<&mut [f32]>> = (0..cells.len() / nx).map(|_| Vec::new()).collect();
    for (k, d) in items.iter_mut().enumerate() {
        if takes.iter().any(|t| t.0 == k) {
            for (row, c) in rows.iter_mut().zip(d.field.c.chunks_mut(nx)) {
                row.push(c);
            }
        }
    }
    let sums: Vec<[f64; MAX]> = cells
        .par_chunks_mut(nx)
        .zip(rows.into_par_iter())
        .map(|(cells, mut fields)| {
            let mut s = [0.0f64; MAX];
            for (x, cell) in cells.iter_mut().enumerate() {
                if cell.is_occupied() {
                    for (j, &(_, f, pool)) in takes.iter().enumerate() {
                        // The amount moved is exactly what the site lost.
                        let c = &mut fields[j][x];
                        let before = *c;
                        *c -= *c * f;
                        let q = before as f64 - *c as f64;
                        pool.credit(cell, q);
                        s[j] += q;
                    }
                }
            }
            s
        })
        .collect();
    for (j, &(k, ..)) in takes.iter().enumerate() {
        out[k] = sums.iter().map(|s| s[j]).sum();
    }
    out
}

/// A field's values as the per-site loops read them.
#[derive(Clone, Copy)]
pub enum View<'a> {
    Uniform(f32),
    Grid(&'a [f32]),
}

impl View<'_> {
    #[inline(always)]
    pub fn at(&self, i: usize) -> f32 {
        match self {
            View::Uniform(v) => *v,
            View::Grid(c) => c[i],
        }
    }
}
