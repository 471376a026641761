//! Studies that run many models: paired comparisons of arms over
//! replicates (`compare`), parameter sweeps (`sweep`), and their statistics.

pub mod compare;
pub mod stats;
pub mod sweep;
