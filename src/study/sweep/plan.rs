//! A sweep resolved into runs: every point's scenario (and paired arms),
//! validated before any work starts, each run's seed and identity.
//!
//! Seeds: point p has seed hash(base, p); replicate r of point p runs with
//! hash(point seed, r), shared by all arms of that point and replicate
//! (common random numbers, as in `compare`). A run's seed therefore depends
//! only on (base seed, point, replicate), never on which other runs share
//! the sweep or the shard.
//!
//! Identity: each (point, arm) scenario is fingerprinted (FNV-1a of its JSON
//! with the seed zeroed); a run's hash combines that with its seed. A run
//! folder whose manifest carries the same run id and hash, and says
//! completed, is reused on resume or merge.

use super::spec::{self, cell_text, SweepFile};
use crate::error::SweepError;
use crate::model::rng::{fnv1a, hash, Purpose};
use crate::run::JobLabel;
use crate::scenario::{resolve, Scenario};
use crate::study::compare::{arms_of, replicate_seed};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a sweep folder records about its sweep (`sweep.json`): everything
/// needed to name, seed and check its runs and to build its tables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRecord {
    pub senesim_version: String,
    pub name: String,
    pub description: String,
    pub sweep_file: String,
    pub base_scenario: String,
    #[serde(with = "crate::model::rng::seed_text")]
    pub base_seed: u64,
    pub replicates: u64,
    pub paired: bool,
    /// `treated` alone, or `control`, `treated` and the scenario's [[arms]].
    pub arms: Vec<String>,
    /// The varied keys, in column order.
    pub keys: Vec<String>,
    /// Overrides of the base scenario given on the command line (`--set`),
    /// applied after the sweep file's own `set`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_line_sets: Vec<String>,
    /// Changes whenever what the sweep runs changes (values, scenarios, seeds).
    pub fingerprint: String,
    pub points: Vec<PointRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    pub point: usize,
    /// One TOML literal per key, as passed to `--set`.
    pub values: Vec<String>,
    #[serde(with = "crate::model::rng::seed_text")]
    pub seed: u64,
    /// Fingerprint of each arm's scenario (seed zeroed), in `arms` order.
    pub scenario_hashes: Vec<String>,
}

/// One run of the sweep.
#[derive(Clone, Debug)]
pub struct Job {
    pub index: usize,
    pub point: usize,
    pub replicate: u64,
    pub arm: usize,
    pub seed: u64,
    pub label: JobLabel,
}

/// A resolved sweep: its record and the scenario of every (point, arm).
pub struct Plan {
    pub record: SweepRecord,
    pub path: PathBuf,
    pub scenarios: Vec<Vec<Scenario>>,
    pub snapshots: bool,
    pub run_plots: bool,
}

fn hex(x: u64) -> String {
    format!("{x:016x}")
}

fn scenario_hash(s: &Scenario) -> u64 {
    let mut s = s.clone();
    s.run.seed = 0;
    fnv1a(&serde_json::to_vec(&s).unwrap_or_default())
}

/// Run id `p00012-r003-treated`: sorts by point, replicate, arm.
pub fn run_id(point: usize, replicate: u64, arm: &str) -> String {
    format!("p{point:05}-r{replicate:03}-{arm}")
}

impl SweepRecord {
    /// Every run, point-major, then replicate, then arm.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        for p in &self.points {
            for r in 0..self.replicates {
                let seed = replicate_seed(p.seed, r);
                for (a, arm) in self.arms.iter().enumerate() {
                    let h = hash(
                        u64::from_str_radix(&p.scenario_hashes[a], 16).unwrap_or(0),
                        seed,
                        0,
                        Purpose::RunIdentity,
                    );
                    jobs.push(Job {
                        index: jobs.len(),
                        point: p.point,
                        replicate: r,
                        arm: a,
                        seed,
                        label: JobLabel {
                            run_id: run_id(p.point, r, arm),
                            point: p.point,
                            replicate: r,
                            arm: arm.clone(),
                            scenario_hash: hex(h),
                        },
                    });
                }
            }
        }
        jobs
    }

    fn compute_fingerprint(&self) -> String {
        let mut r = self.clone();
        r.fingerprint.clear();
        r.senesim_version.clear();
        r.name.clear();
        r.description.clear();
        r.sweep_file.clear();
        // How the base scenario's path was spelled (relative to where the
        // sweep was started) is not what the sweep runs.
        r.base_scenario.clear();
        hex(fnv1a(&serde_json::to_vec(&r).unwrap_or_default()))
    }

    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.replicates * self.arms.len() as u64
    }
}

/// Reads a sweep file, expands its points and resolves and validates every
/// point's scenario (in parallel). Nothing is written.
pub fn plan(path: &Path) -> Result<Plan, SweepError> {
    plan_with(path, &[])
}

/// `plan`, with `extra` overrides of the base scenario (`--set KEY=VALUE` on
/// the command line) after the sweep file's own `set`.
pub fn plan_with(path: &Path, extra: &[String]) -> Result<Plan, SweepError> {
    let mut file = spec::read(path)?;
    file.set.extend(extra.iter().cloned());
    let SweepFile {
        name,
        description,
        scenario,
        replicates,
        seed,
        paired,
        set,
        snapshots,
        run_plots,
        ..
    } = file.clone();
    let base = path.parent().unwrap_or(Path::new(".")).join(&scenario);
    let scenario_err = |what: String, e| SweepError::Scenario {
        path: path.to_path_buf(),
        what,
        source: Box::new(e),
    };
    let loaded = resolve(Some(&base), &set)
        .map_err(|e| scenario_err(format!("scenario \"{scenario}\""), e))?;
    let min_reps = if paired { 2 } else { 1 };
    if !(min_reps..=spec::MAX_REPLICATES).contains(&replicates) {
        return Err(SweepError::invalid(
            path,
            "replicates",
            replicates.to_string(),
            &format!(
                "must be between {min_reps} and {}{}",
                spec::MAX_REPLICATES,
                if paired {
                    " (a paired confidence interval needs at least 2)"
                } else {
                    ""
                }
            ),
        ));
    }
    let base_seed = seed.unwrap_or(loaded.scenario.run.seed);
    let (keys, points) = spec::expand(path, &file, base_seed)?;
    let arm_names: Vec<String> = if paired {
        arms_of(Some(&base), &set, &loaded)
            .map_err(|e| scenario_err("arms".into(), e))?
            .into_iter()
            .map(|a| a.name)
            .collect()
    } else {
        vec!["treated".into()]
    };
    let runs = points.len() as u128 * replicates as u128 * arm_names.len() as u128;
    if runs > spec::MAX_RUNS as u128 {
        return Err(SweepError::invalid(
            path,
            "replicates",
            replicates.to_string(),
            &format!(
                "{} points × {} arms × {replicates} replicates = {runs} runs, more than {}; split the sweep",
                points.len(),
                arm_names.len(),
                spec::MAX_RUNS
            ),
        ));
    }
    let resolved: Vec<Vec<Scenario>> = points
        .par_iter()
        .map(|p| {
            let mut sets = set.clone();
            sets.extend(keys.iter().zip(&p.values).map(|(k, v)| format!("{k}={v}")));
            let what = || {
                let vals: Vec<String> = keys
                    .iter()
                    .zip(&p.values)
                    .map(|(k, v)| format!("{k}={}", cell_text(v)))
                    .collect();
                format!("point {} ({})", p.index, vals.join(", "))
            };
            let l = resolve(Some(&base), &sets).map_err(|e| scenario_err(what(), e))?;
            Ok(if paired {
                arms_of(Some(&base), &sets, &l)
                    .map_err(|e| scenario_err(what(), e))?
                    .into_iter()
                    .map(|a| a.scenario)
                    .collect()
            } else {
                vec![l.scenario]
            })
        })
        .collect::<Result<_, SweepError>>()?;
    let stem = path
        .file_stem()
        .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
    let mut record = SweepRecord {
        senesim_version: env!("CARGO_PKG_VERSION").into(),
        name: name.unwrap_or(stem),
        description,
        sweep_file: path.display().to_string(),
        base_scenario: base.display().to_string(),
        base_seed,
        replicates,
        paired,
        arms: arm_names,
        keys,
        command_line_sets: extra.to_vec(),
        fingerprint: String::new(),
        points: points
            .iter()
            .zip(&resolved)
            .map(|(p, arms)| PointRecord {
                point: p.index,
                values: p.values.iter().map(|v| v.to_string()).collect(),
                // Common random numbers across points: every point has the
                // same replicate seeds (docs/sweeps.md, Seeds).
                seed: hash(base_seed, 0, 0, Purpose::SweepPoint),
                scenario_hashes: arms.iter().map(|s| hex(scenario_hash(s))).collect(),
            })
            .collect(),
    };
    record.fingerprint = record.compute_fingerprint();
    Ok(Plan {
        record,
        path: path.to_path_buf(),
        scenarios: resolved,
        snapshots,
        run_plots,
    })
}

impl Plan {
    /// The complete scenario of one job (its seed set).
    pub fn scenario(&self, job: &Job) -> Scenario {
        let mut s = self.scenarios[job.point][job.arm].clone();
        s.run.seed = job.seed;
        s
    }
    /// The scenario whose treated area a job's spread is measured on: the
    /// treated arm's for a paired control, else its own.
    pub fn treated_area(&self, job: &Job) -> Option<&Scenario> {
        (self.record.paired && job.arm == 0).then(|| &self.scenarios[job.point][1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_sort_by_point_then_replicate() {
        let mut ids = vec![run_id(10, 0, "a"), run_id(2, 5, "a"), run_id(2, 11, "a")];
        ids.sort();
        assert_eq!(
            ids,
            [run_id(2, 5, "a"), run_id(2, 11, "a"), run_id(10, 0, "a")]
        );
    }
}
