//! Scenario files: what a run is, read from TOML and checked before work starts.

mod builder;
mod load;
pub mod reference;
mod relative;
mod validate;

pub use crate::model::params::*;
pub use builder::{Builder, Valid};
pub(crate) use load::lookup;
pub(crate) use load::parse_message;
pub use load::{load, Loaded, Origins, BUILTIN, BUILTIN_NAME, MAX_EXTENDS_DEPTH};
pub use validate::{available_memory, limits, validate, BYTES_PER_SITE, MAX_MAGNITUDE};

use crate::error::ScenarioError;
use std::path::Path;

/// Loads and validates: the one entry point the CLI and tests use.
pub fn resolve(path: Option<&Path>, sets: &[String]) -> Result<Loaded, ScenarioError> {
    let loaded = load(path, sets)?;
    validate(&loaded.scenario, &loaded.origins)?;
    Ok(loaded)
}
