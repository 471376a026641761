//! senesim: an agent-based simulator of senescence spread, SASP and MSC
//! secretome treatments in tissue. The model is specified in MODEL.md; the
//! scenario keys in docs/scenario-reference.md.

pub mod cell;
pub mod checkpoint;
pub mod cli;
pub mod compare;
pub mod division;
pub mod error;
pub mod field;
pub mod folder;
pub mod geometry;
pub mod input;
pub mod observe;
pub mod output;
pub mod plot;
pub mod product;
pub mod rng;
pub mod rules;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod spectral;
pub mod stats;
pub mod sweep;
pub mod treatment;
pub mod validate;
