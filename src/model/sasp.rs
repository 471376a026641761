//! The `sasp` field's steady solve, by the solver `fields.sasp.solver`
//! chooses (docs/model.md §4): warm-started multigrid (multigrid.rs), or
//! the exact spectral solve, which is also the fallback on grids multigrid
//! cannot coarsen.
//!
//! The solve is for D∇²c − (decay + uptake)c + s = 0, with s the step's
//! secretion (au/h per site) held in `source`. Uptake is taken uniform
//! over the lattice; in a near-confluent tissue that is every site.

use crate::model::field::Field;
use crate::model::geometry::Grid;
use crate::model::multigrid::Multigrid;
use crate::model::params::{FieldParams, Solver};
use crate::model::spectral::Spectral;

/// The longest SASP range √(D/λ) (sites) the multigrid solves: beyond it
/// the f32 V-cycle cannot reach the contract's 1e-3. Its residual
/// f − (λ + 4a)u + aΣu loses the sources to round-off as a = D/h² grows
/// against λ: measured against the exact solve at every step of the
/// mean-field tissue (tests/sasp_warm_start.rs), worst 1.3e-4 at a range of
/// 87 sites, 2.0e-3 at 150 and 1.5e-2 at 474 (and the error estimate the
/// solver stops by no longer sees it). Tissue ranges are 10-25 sites
/// (docs/model.md §7); a longer one takes the exact spectral solve.
pub const MULTIGRID_MAX_RANGE: f64 = 64.0;

pub enum SaspSolver {
    Multigrid(Multigrid),
    /// The exact solve; the step's sources.
    Spectral(Vec<f32>),
}

impl SaspSolver {
    /// The solver `solver` names for a field of `params`: with `Auto`,
    /// multigrid where the grid coarsens and the SASP range is at most
    /// `MULTIGRID_MAX_RANGE`, else the spectral solve.
    pub fn new(grid: Grid, params: &FieldParams) -> SaspSolver {
        let lambda = params.decay + params.uptake;
        let short = params.diffusion <= MULTIGRID_MAX_RANGE * MULTIGRID_MAX_RANGE * lambda;
        match params.solver {
            Solver::Auto if short => match Multigrid::new(grid) {
                Some(m) => SaspSolver::Multigrid(m),
                None => SaspSolver::Spectral(vec![0.0; grid.len()]),
            },
            Solver::Auto | Solver::Spectral => SaspSolver::Spectral(vec![0.0; grid.len()]),
        }
    }

    /// The sources of the step (written before `solve`; kept after it).
    pub fn source(&self) -> &[f32] {
        match self {
            SaspSolver::Multigrid(m) => &m.source,
            SaspSolver::Spectral(s) => s,
        }
    }

    pub fn source_mut(&mut self) -> &mut [f32] {
        match self {
            SaspSolver::Multigrid(m) => &mut m.source,
            SaspSolver::Spectral(s) => s,
        }
    }

    /// The multigrid's measured contraction per cycle, which steers its
    /// stopping rule: part of a run's state (checkpoints save it).
    pub fn contraction(&self) -> f64 {
        match self {
            SaspSolver::Multigrid(m) => m.rho,
            SaspSolver::Spectral(_) => 0.0,
        }
    }

    pub fn set_contraction(&mut self, rho: f64) {
        if let SaspSolver::Multigrid(m) = self {
            m.rho = rho;
        }
    }

    /// Which solver is in use, for the run manifest: "multigrid" or
    /// "spectral".
    pub fn name(&self) -> &'static str {
        match self {
            SaspSolver::Multigrid(_) => "multigrid",
            SaspSolver::Spectral(_) => "spectral",
        }
    }

    /// Whether the fast solver is in use.
    pub fn is_multigrid(&self) -> bool {
        matches!(self, SaspSolver::Multigrid(_))
    }

    /// `field` becomes the steady state of `source()` (whose total is
    /// `s_total`); with no source it is zero. The multigrid solve starts
    /// from the field as it stands (the previous step's steady state).
    pub fn solve(&mut self, field: &mut Field, sp: &mut Spectral, s_total: f64) {
        if s_total <= 0.0 {
            field.c.iter_mut().for_each(|c| *c = 0.0);
            field.set_active(false);
            return;
        }
        let d = field.params.diffusion;
        let lambda = field.params.decay + field.params.uptake;
        match self {
            SaspSolver::Multigrid(m) => {
                m.solve(&mut field.c, d, lambda);
                field.defect = field.defect.or(m.defect);
            }
            SaspSolver::Spectral(src) => {
                sp.steady_f32(&mut field.c, src, d, lambda);
                field.defect = field.defect.or(sp.defect);
            }
        }
        field.set_active(true);
    }
}
