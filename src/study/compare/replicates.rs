//! A compare folder while its comparison runs: locked, with a manifest that
//! says where it stands, and each finished replicate saved so that an
//! interrupted comparison continues where it stopped.
//!
//! ```text
//!   DIR/manifest.json                 kind "compare", fingerprint, state, files
//!   DIR/replicates/aAA-rRRRRR.json    arm AA, replicate R: its time series and summary
//! ```
//!
//! A saved replicate is reused only if it carries this senesim version and
//! the fingerprint of exactly the run it stands for (the arm's resolved
//! scenario with the replicate's seed); anything else is run again.

use super::{ArmSpec, CompareOptions};
use crate::error::{FolderError, OutputError};
use crate::io::folder::{self, Kind};
use crate::io::output::write_json;
use crate::model::observe::{Row, Summary};
use crate::run::RunError;
use crate::scenario::{Loaded, Scenario};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One finished replicate as saved.
#[derive(Serialize, Deserialize)]
struct Saved {
    senesim_version: String,
    /// Fingerprint of the run's scenario, seed included.
    run: String,
    summary: Summary,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    kind: &'static str,
    senesim_version: &'static str,
    scenario_source: &'a str,
    scenario_name: &'a str,
    /// What is compared (see `compare::fingerprint`).
    fingerprint: &'a str,
    #[serde(with = "crate::model::rng::seed_text")]
    base_seed: u64,
    replicates: u64,
    threads: usize,
    started_unix_s: u64,
    completed: bool,
    /// running | interrupted | failed | complete
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resume: Option<&'a str>,
    /// Every file this comparison may write: the only ones a later
    /// comparison in this folder deletes or replaces.
    files: &'a [String],
}

/// The folder of a running comparison.
pub struct Folder {
    dir: PathBuf,
    _lock: folder::Lock,
    source: String,
    name: String,
    fingerprint: String,
    base_seed: u64,
    replicates: u64,
    threads: usize,
    started_unix_s: u64,
    files: Vec<String>,
    saved: AtomicUsize,
}

fn fp_of(s: &Scenario) -> String {
    format!(
        "{:016x}",
        crate::model::rng::fnv1a(&serde_json::to_vec(s).unwrap_or_default())
    )
}

fn name(a: usize, r: u64) -> String {
    format!("replicates/a{a:02}-r{r:06}.json")
}

impl Folder {
    /// Locks `opts.out` for the comparison `fingerprint`: refuses a folder
    /// in use, one holding anything but a comparison, another comparison
    /// (unless `force`: then only the files its manifest lists are removed)
    /// and a non-empty folder senesim did not make (unless `force`).
    pub fn claim(
        loaded: &Loaded,
        arms: &[ArmSpec],
        opts: &CompareOptions,
        fingerprint: &str,
    ) -> Result<Folder, RunError> {
        let dir = &opts.out;
        let (lock, earlier) = folder::claim(dir, Kind::Compare, opts.force)?;
        // What the folder's comparison is: its manifest, or (a folder of an
        // earlier version) its comparison.json.
        let described = earlier
            .clone()
            .filter(|m| m["fingerprint"].is_string())
            .or_else(|| {
                let b = crate::io::input::read_capped(
                    &dir.join(crate::io::folder::COMPARISON),
                    256 << 20,
                )
                .ok()?;
                serde_json::from_slice::<serde_json::Value>(&b).ok()
            });
        let mut stale = Vec::new();
        if let Some(m) = described.filter(|m| m["fingerprint"].as_str() != Some(fingerprint)) {
            if !opts.force {
                let seed = m["base_seed"]
                    .as_str()
                    .map_or_else(|| m["base_seed"].to_string(), str::to_string);
                return Err(FolderError::Refused {
                    dir: dir.clone(),
                    rule: format!(
                        "holds a comparison of \"{}\" ({} replicates, base seed {seed}); this comparison would overwrite it \
                         (rule: a compare folder holds one comparison; choose another --out, or pass --force)",
                        crate::text::printable(m["scenario_name"].as_str().unwrap_or("?")),
                        m["replicates"]
                    ),
                }
                .into());
            }
            stale = earlier
                .as_ref()
                .map(folder::owned_files)
                .unwrap_or_default();
        }
        let mut files: Vec<String> = [
            folder::MANIFEST,
            folder::COMPARISON,
            folder::RUNS_TABLE,
            folder::TIMESERIES,
            folder::TABLE,
            "plots/compare_timeseries.png",
            "plots/effects.png",
        ]
        .map(String::from)
        .to_vec();
        for a in 0..arms.len() {
            for r in 0..opts.replicates {
                files.push(name(a, r));
            }
        }
        files.extend(stale.iter().cloned());
        files.sort();
        files.dedup();
        let f = Folder {
            dir: dir.clone(),
            _lock: lock,
            source: loaded.source.clone(),
            name: loaded.scenario.name.clone(),
            fingerprint: fingerprint.to_string(),
            base_seed: loaded.scenario.run.seed,
            replicates: opts.replicates,
            threads: opts.threads,
            started_unix_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            files,
            saved: AtomicUsize::new(0),
        };
        f.write("running", None, None)?;
        folder::remove_owned(dir, &stale);
        crate::io::output::remove_temporaries(dir);
        crate::io::output::remove_temporaries(&dir.join("replicates"));
        std::fs::create_dir_all(dir.join("replicates")).map_err(OutputError::io(dir))?;
        Ok(f)
    }

    fn write(
        &self,
        state: &'static str,
        stopped: Option<&str>,
        resume: Option<&str>,
    ) -> Result<(), OutputError> {
        write_json(
            &self.dir.join(crate::io::folder::MANIFEST),
            &Manifest {
                kind: Kind::Compare.name(),
                senesim_version: env!("CARGO_PKG_VERSION"),
                scenario_source: &self.source,
                scenario_name: &self.name,
                fingerprint: &self.fingerprint,
                base_seed: self.base_seed,
                replicates: self.replicates,
                threads: self.threads,
                started_unix_s: self.started_unix_s,
                completed: state == "complete",
                state,
                stopped,
                resume,
                files: &self.files,
            },
        )
    }

    /// The saved result of arm `a`, replicate `r`, if it is of exactly `s`.
    pub fn saved(&self, a: usize, r: u64, s: &Scenario) -> Option<(Vec<Row>, Summary)> {
        let bytes = crate::io::input::read_capped(&self.dir.join(name(a, r)), 1 << 30).ok()?;
        let x: Saved = serde_json::from_slice(&bytes).ok()?;
        let ok = x.senesim_version == env!("CARGO_PKG_VERSION") && x.run == fp_of(s);
        ok.then(|| {
            self.saved.fetch_add(1, Ordering::Relaxed);
            (x.rows, x.summary)
        })
    }

    /// Saves the result of arm `a`, replicate `r` (a run of `s`).
    pub fn save(
        &self,
        a: usize,
        r: u64,
        s: &Scenario,
        out: &(Vec<Row>, Summary),
        cancel: &crate::cancel::Cancel,
    ) -> Result<(), OutputError> {
        let x = Saved {
            senesim_version: env!("CARGO_PKG_VERSION").into(),
            run: fp_of(s),
            summary: out.1.clone(),
            rows: out.0.clone(),
        };
        write_json(&self.dir.join(name(a, r)), &x)?;
        self.saved.fetch_add(1, Ordering::Relaxed);
        crate::cancel::test_hold("replicate", cancel);
        Ok(())
    }

    /// Replicates saved so far (reused or run).
    pub fn count_saved(&self) -> usize {
        self.saved.load(Ordering::Relaxed)
    }

    pub fn interrupted(&self, why: &str) -> Result<(), OutputError> {
        self.write(
            "interrupted",
            Some(why),
            Some("rerun the same command: saved replicates are reused"),
        )
    }

    pub fn failed(&self, why: &str) -> Result<(), OutputError> {
        self.write("failed", Some(why), None)
    }

    pub fn complete(&self) -> Result<(), OutputError> {
        self.write("complete", None, None)
    }
}
