//! The model: a lattice of cells, the fields that diffuse over it, the rules
//! each cell follows, division and migration, treatments and the products
//! they dose, and the world that steps them all. Nothing here does IO: a
//! world is built from a scenario, stepped, and observed.

pub mod cell;
pub mod contraction;
pub mod division;
pub mod field;
pub mod fields;
pub mod geometry;
pub mod initial;
pub mod interventions;
pub mod kernel;
pub mod kinetics;
pub mod metrics;
pub mod multigrid;
pub mod observe;
pub mod params;
pub mod point_sources;
pub mod product;
pub mod rng;
pub mod rules;
pub(crate) mod rules_pass;
pub mod sasp;
pub mod schedule;
mod scratch;
pub mod simd;
pub mod sources;
pub mod spectral;
pub mod state;
pub mod stencil;
pub mod treatment;
pub mod vacancy;
pub mod world;
