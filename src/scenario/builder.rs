//! Scenarios from code: a builder that takes typed overrides and gives a
//! validated scenario, the only kind `run::simulate` takes.

use super::{resolve, Loaded, Scenario};
use crate::error::ScenarioError;
use std::path::{Path, PathBuf};

/// A scenario that passed validation (`Builder::build`, or `Valid::new`):
/// a raw `Scenario` cannot be handed to `run::simulate` by mistake.
#[derive(Clone, Debug)]
pub struct Valid {
    loaded: Loaded,
}

impl Valid {
    /// Validates a scenario built in code (every key named `origin`).
    pub fn new(scenario: Scenario, origin: &str) -> Result<Valid, ScenarioError> {
        let origins = super::Origins::labelled(origin);
        super::validate(&scenario, &origins)?;
        Ok(Valid {
            loaded: Loaded {
                scenario,
                origins,
                source: origin.to_string(),
            },
        })
    }
    pub fn scenario(&self) -> &Scenario {
        &self.loaded.scenario
    }
    /// The file it was read from (or the built-in default's name).
    pub fn source(&self) -> &str {
        &self.loaded.source
    }
    /// The scenario with where each key came from.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }
}

impl std::ops::Deref for Valid {
    type Target = Scenario;
    fn deref(&self) -> &Scenario {
        &self.loaded.scenario
    }
}

/// A scenario file (or the built-in default) with overrides, validated by
/// `build` exactly as `senesim run FILE --set KEY=VALUE --seed N` would be.
///
/// ```no_run
/// use senesim::scenario::Builder;
/// let s = Builder::file("scenarios/default.toml")
///     .set("run.days", 3.0)
///     .set("tissue.age", "young")
///     .seed(7)
///     .build()?;
/// # Ok::<(), senesim::error::ScenarioError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    path: Option<PathBuf>,
    sets: Vec<String>,
    seed: Option<u64>,
}

impl Builder {
    /// The built-in default scenario (scenarios/default.toml).
    pub fn builtin() -> Builder {
        Builder::default()
    }
    /// A scenario file.
    pub fn file(path: impl AsRef<Path>) -> Builder {
        Builder {
            path: Some(path.as_ref().to_path_buf()),
            ..Builder::default()
        }
    }
    /// Overrides `key` (a dotted path, `treatments.0.every_h`) with a typed
    /// value: a number, a bool, a string, or any TOML value.
    pub fn set(mut self, key: &str, value: impl Into<toml::Value>) -> Builder {
        let v: toml::Value = value.into();
        self.sets.push(format!("{key}={v}"));
        self
    }
    /// Overrides as `--set` writes them (`key.path=value`).
    pub fn set_text(mut self, arg: impl Into<String>) -> Builder {
        self.sets.push(arg.into());
        self
    }
    /// The run's seed (`--seed`): overrides the file's and `set`'s.
    pub fn seed(mut self, seed: u64) -> Builder {
        self.seed = Some(seed);
        self
    }
    /// Reads, layers and validates.
    pub fn build(self) -> Result<Valid, ScenarioError> {
        let mut loaded = resolve(self.path.as_deref(), &self.sets)?;
        if let Some(s) = self.seed {
            loaded.scenario.run.seed = s;
        }
        Ok(Valid { loaded })
    }
}
