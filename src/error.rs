//! Typed errors of the library. The binary adds context with anyhow at the edge.

use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ScenarioError {
    #[error("{}: cannot read scenario: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: malformed TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{}: `extends` cycle: {chain}", path.display())]
    ExtendsCycle { path: PathBuf, chain: String },
    #[error("--set {arg}: {rule}")]
    Override { arg: String, rule: String },
    #[error("arms[{index}] \"{name}\": {source}")]
    Arm {
        index: usize,
        name: String,
        source: Box<ScenarioError>,
    },
    /// A key whose value breaks a rule. `origin` is the file (or `--set`) that set it.
    #[error("{origin}: {key} = {value}: {rule}")]
    Invalid {
        origin: String,
        key: String,
        value: String,
        rule: String,
    },
}

#[derive(Debug, Error)]
pub enum OutputError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Encode { path: PathBuf, message: String },
}

impl OutputError {
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> OutputError {
        let path = path.into();
        move |source| OutputError::Io { path, source }
    }
}

#[derive(Debug, Error)]
pub enum SweepError {
    #[error("{}: cannot read sweep file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: malformed TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    /// A key of the sweep file whose value breaks a rule.
    #[error("{}: {key} = {value}: {rule}", path.display())]
    Invalid {
        path: PathBuf,
        key: String,
        value: String,
        rule: String,
    },
    /// The base scenario, or one point of the sweep, is not a valid scenario.
    #[error("{}: {what}: {source}", path.display())]
    Scenario {
        path: PathBuf,
        what: String,
        source: Box<ScenarioError>,
    },
    /// The output folder cannot be used for this sweep.
    #[error("{}: {rule}", dir.display())]
    Folder { dir: PathBuf, rule: String },
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A run of the sweep stopped (interrupted, or a numerical failure).
    #[error("run {run_id}: {source}")]
    Run {
        run_id: String,
        source: Box<crate::run::RunError>,
    },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}

impl SweepError {
    pub fn invalid(path: &std::path::Path, key: &str, value: String, rule: &str) -> SweepError {
        SweepError::Invalid {
            path: path.to_path_buf(),
            key: key.to_string(),
            value,
            rule: rule.to_string(),
        }
    }
}

#[derive(Debug, Error)]
pub enum PlotError {
    /// The folder or an option does not give what the plot needs.
    #[error("{}: {rule}", dir.display())]
    Input { dir: PathBuf, rule: String },
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// A field value that no correct solve can produce: the run stops here and
/// writes nothing more as if valid.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("numerical failure at step {step} (t = {time_h} h): field `{field}` is {value} at site ({x}, {y}); concentrations must be finite and ≥ 0. The run is stopped and marked incomplete (please report this with the scenario)")]
pub struct NumericalError {
    pub field: &'static str,
    pub step: u64,
    pub time_h: f64,
    pub value: f64,
    pub x: usize,
    pub y: usize,
}
