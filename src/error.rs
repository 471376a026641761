//! Typed errors of the library, each defined once. A leaf: this module
//! imports nothing of the crate, so any module may use it. The binary adds
//! context with anyhow at its edge (`cli`).

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
    /// A file refused whole: not a regular file, too large, a sweep file.
    #[error("{}: {rule}", path.display())]
    Refused { path: PathBuf, rule: String },
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

/// An output folder that cannot be written now, or not by this command.
#[derive(Debug, Error)]
pub enum FolderError {
    /// Another process is writing the folder.
    #[error("{}: in use by {holder} (rule: one writer per folder; wait for it to finish, or choose another --out)", dir.display())]
    Busy { dir: PathBuf, holder: String },
    /// The folder holds something this command must not replace.
    #[error("{}: {rule}", dir.display())]
    Refused { dir: PathBuf, rule: String },
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl FolderError {
    /// Whether the user can fix it by their choice of folder (exit 2), as
    /// opposed to a failure of the file system (exit 1).
    pub fn is_input(&self) -> bool {
        !matches!(self, FolderError::Output(_))
    }
}

/// A checkpoint that cannot be resumed: damaged, foreign, of another
/// version, or holding an invalid scenario.
#[derive(Debug, Error)]
#[error("{}: {rule}", path.display())]
pub struct CheckpointError {
    pub path: PathBuf,
    pub rule: String,
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
    #[error(transparent)]
    Claim(#[from] FolderError),
    /// A run of the sweep stopped (interrupted, or a numerical failure).
    #[error("run {run_id}: {source}")]
    Run {
        run_id: String,
        source: Box<RunError>,
    },
    #[error(transparent)]
    Threads(#[from] ThreadsError),
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
    /// A stop was requested (SIGINT/SIGTERM) between two figures.
    #[error("interrupted while drawing the plots")]
    Interrupted,
}

/// A quantity a run would write (a time-series value, a summary metric, a
/// cell's damage or cargo) that is not finite: the run stops instead.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("numerical failure at step {step} (t = {time_h} h): {quantity} is {value}; every value senesim writes must be finite. The run is stopped and marked incomplete (a parameter far outside its documented range can cause this)")]
pub struct NonFiniteError {
    pub quantity: String,
    pub step: u64,
    pub time_h: f64,
    pub value: f64,
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

/// A pool of worker threads that could not be started.
#[derive(Debug, Error)]
#[error("cannot start {threads} worker threads: {message}")]
pub struct ThreadsError {
    pub threads: usize,
    pub message: String,
}

/// Why a run stopped before its end.
#[derive(Debug, Error)]
pub enum DriveError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Numerical(#[from] NumericalError),
    #[error(transparent)]
    NonFinite(#[from] NonFiniteError),
    #[error("interrupted at step {step} (t = {time_h} h)")]
    Interrupted { step: u64, time_h: f64 },
}

#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Numerical(#[from] NumericalError),
    #[error(transparent)]
    NonFinite(#[from] NonFiniteError),
    /// The output folder is in use or holds something this run must not replace.
    #[error(transparent)]
    Folder(#[from] FolderError),
    /// The checkpoint to resume or seed from cannot be used.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("interrupted at step {step} (t = {time_h} h): the run folder is marked incomplete{}", checkpoint.as_ref().map_or(String::new(), |c| format!("; continue it with `senesim resume {}`", c.display())))]
    Interrupted {
        step: u64,
        time_h: f64,
        /// The folder to resume, when a checkpoint was written.
        checkpoint: Option<PathBuf>,
    },
    #[error(transparent)]
    Threads(#[from] ThreadsError),
}

impl From<DriveError> for RunError {
    fn from(e: DriveError) -> RunError {
        match e {
            DriveError::Output(o) => RunError::Output(o),
            DriveError::Numerical(n) => RunError::Numerical(n),
            DriveError::NonFinite(n) => RunError::NonFinite(n),
            DriveError::Interrupted { step, time_h } => RunError::Interrupted {
                step,
                time_h,
                checkpoint: None,
            },
        }
    }
}

/// A check of the verification suite that could not be carried out (as
/// opposed to one that ran and failed, which its report says).
#[derive(Debug, Error)]
pub enum ValidateError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Plot(#[from] PlotError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Drive(#[from] DriveError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Failed(String),
}
