//! senesim: an agent-based simulator of senescence spread, SASP and MSC
//! secretome treatments in tissue. The model as implemented is described in
//! docs/model.md, the layout of this crate in docs/architecture.md, the
//! scenario keys in docs/scenario-reference.md.
//!
//! * `model`: the simulation itself (cells, lattice, fields, rules,
//!   division, treatments, products, the world and its step, observation);
//!   it does no IO.
//! * `scenario`: reading, layering and validating scenario files.
//! * `run`: the step loop and a run into a folder; `study`: what runs many
//!   models (paired comparisons, sweeps, their statistics).
//! * `io`: folders (their layout, locks and ownership), bounded input,
//!   atomic output, snapshots and checkpoints; `plot`: figures from folders.
//! * `validate`: the verification suite; `cli`: the command line.

pub mod cli;
pub mod error;
pub mod io;
pub mod model;
pub mod plot;
pub mod run;
pub mod scenario;
pub mod study;
pub mod text;
pub mod validate;
