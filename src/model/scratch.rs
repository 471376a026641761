//! The world's per-step workspace (world.rs): what one phase of a step
//! writes for a later one, allocated once.

use crate::model::geometry::Grid;
use crate::model::vacancy::Prepared;

/// Per-step workspace, allocated once (a fresh allocation per step costs
/// page faults on large grids). Kept small: memory per site is what limits
/// the largest grid (README, Performance).
pub(crate) struct Scratch {
    /// What each site's cell shows its Moore neighbours at the start of
    /// the step: its contact-range SASP (mature primary-cell equivalents,
    /// bystander route) with whether it is deep senescent (juxtacrine) in
    /// the sign bit (stencil::pack). Written with the SASP sources.
    pub(crate) shown: Vec<f32>,
    /// The grafts' EV sources at the start of the step, also written with
    /// the SASP sources.
    pub(crate) graft: crate::model::treatment::GraftSources,
    /// The cells that want to divide or migrate and the empty sites,
    /// written by the rules pass for division (vacancy.rs).
    pub(crate) prepared: Prepared,
    /// The sites division changed this step, each with what its cell
    /// counted before (sources.rs patches them).
    pub(crate) changed: Vec<(u32, u8)>,
    /// Some(taken) when the last rules pass found no cell holding young
    /// cargo or seeing young CM, `taken` being the young-EV field's uptake
    /// then (au, its books): while that has not grown and no young CM is
    /// about, no cell holds young cargo, and the rules pass skips looking.
    /// None when unknown (a new or restored world) or some cell held it.
    pub(crate) no_young_cargo: Option<f64>,
}

impl Scratch {
    pub(crate) fn new(grid: &Grid) -> Scratch {
        Scratch {
            shown: vec![0.0; grid.len()],
            graft: Default::default(),
            prepared: Prepared::new(grid),
            changed: Vec::new(),
            no_young_cargo: None,
        }
    }
}
