//! A run folder's manifest: what it says of its run (state, files it owns,
//! the scenario as resolved, the sweep job it is), written by `folder` and
//! read back by resume and sweeps.

use crate::io::folder;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which sweep job a run folder holds, so a resumed or merged sweep can tell
/// its own completed runs from anything else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLabel {
    pub run_id: String,
    pub point: usize,
    pub replicate: u64,
    pub arm: String,
    /// Fingerprint of the run's scenario and seed (see `sweep::plan`).
    pub scenario_hash: String,
}

/// Where a run folder stands, as its manifest's `state` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// A process is writing it (if its lock, `.senesim.lock`, is free, that
    /// process was killed: rerun the command to start again).
    Running,
    /// Stopped by a signal; `resume` says how to continue.
    Interrupted,
    /// Stopped by a numerical failure; `stopped` says which.
    Failed,
    /// Every output written.
    Complete,
}

#[derive(Serialize)]
pub(super) struct Manifest<'a> {
    pub(super) kind: &'static str,
    pub(super) senesim_version: &'static str,
    pub(super) scenario_source: &'a str,
    #[serde(with = "crate::model::rng::seed_text")]
    pub(super) seed: u64,
    pub(super) threads: usize,
    /// Which build of the hot loops ran (`model::simd`): "avx512", "avx2" or
    /// "scalar";
    /// the outputs are the same bits either way.
    pub(super) simd: &'static str,
    /// How the `sasp` field was solved: "multigrid" or "spectral" (the
    /// solver `auto` chose, docs/model.md §4, or the one the scenario named).
    pub(super) sasp_solver: &'static str,
    pub(super) started_unix_s: u64,
    pub(super) wall_time_s: f64,
    pub(super) completed: bool,
    pub(super) state: State,
    pub(super) steps_done: u64,
    pub(super) steps_total: u64,
    /// Why the run stopped before its end (absent when it ran or runs on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) stopped: Option<String>,
    /// How to continue an interrupted run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) resume: Option<String>,
    /// The step this process continued from (`senesim resume`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) resumed_from_step: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) checkpoint_every_h: Option<f64>,
    pub(super) outputs: Vec<&'static str>,
    /// Every file this run may have written (relative paths): the only
    /// files a later run in this folder deletes or replaces.
    pub(super) files: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) sweep: Option<&'a JobLabel>,
    pub(super) scenario: &'a Scenario,
}

/// What a finished run's `manifest.json` is read back as.
#[derive(Deserialize)]
pub struct ManifestRecord {
    pub senesim_version: String,
    pub completed: bool,
    #[serde(with = "crate::model::rng::seed_text")]
    pub seed: u64,
    #[serde(default)]
    pub state: Option<State>,
    #[serde(default)]
    pub steps_done: u64,
    #[serde(default)]
    pub steps_total: u64,
    #[serde(default)]
    pub sweep: Option<JobLabel>,
    #[serde(default)]
    pub files: Vec<String>,
    pub scenario: serde_json::Value,
}

impl ManifestRecord {
    pub fn read(dir: &Path) -> Option<ManifestRecord> {
        serde_json::from_value(folder::read_manifest(dir)?).ok()
    }
}
