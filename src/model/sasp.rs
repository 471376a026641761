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
use crate::model::params::Solver;
use crate::model::spectral::Spectral;

pub enum SaspSolver {
    Multigrid(Multigrid),
    /// The exact solve; the step's sources.
    Spectral(Vec<f32>),
}

impl SaspSolver {
    pub fn new(grid: Grid, solver: Solver) -> SaspSolver {
        match solver {
            Solver::Auto => match Multigrid::new(grid) {
                Some(m) => SaspSolver::Multigrid(m),
                None => SaspSolver::Spectral(vec![0.0; grid.len()]),
            },
            Solver::Spectral => SaspSolver::Spectral(vec![0.0; grid.len()]),
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
