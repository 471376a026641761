//! Paired comparisons: a scenario's treated arm (and any further arms)
//! against its untreated control, over replicates with common random numbers.
//!
//! Replicate r of every arm runs with the same seed, derived from (base seed,
//! r), so arms differ only by what the treatment changes. For each metric the
//! paired differences (arm − control) give a mean and a t-based 95%
//! confidence interval. The verdict on the final senescent fraction:
//!
//! ```text
//!   rejuvenation     the whole CI lies below −MARGIN
//!   senescent_drift  the whole CI lies above +MARGIN
//!   neutral          otherwise
//! ```
//!
//! MARGIN = 0.005 (half a percentage point), so that a difference too small
//! to matter biologically is not called an effect however many replicates run.
//!
//! A compare folder is resumable: each finished replicate is saved in
//! `replicates/` (see `replicates`), and rerunning the same command reuses
//! them, giving tables identical to an uninterrupted comparison's.

mod replicates;

use crate::error::{OutputError, ScenarioError};
use crate::io::output::{write_atomic, write_json};
use crate::model::observe::{Row, Summary};
use crate::model::rng::{hash, Purpose};
use crate::model::treatment::treated_mask;
use crate::model::world::World;
use crate::run::{progress_bar, simulate_world, with_threads, RunError};
use crate::scenario::{resolve, Loaded, Scenario};
use crate::study::stats::{paired, Paired};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Smallest paired difference in final senescent fraction called an effect.
pub const MARGIN: f64 = 0.005;

/// The verdict rule, as reports state it.
pub fn rule() -> String {
    format!(
        "verdict on the paired difference (arm − control) in final senescent fraction: \
         rejuvenation if its whole 95% CI lies below −{MARGIN}, senescent_drift if above +{MARGIN}, neutral otherwise"
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Rejuvenation,
    SenescentDrift,
    Neutral,
}

pub fn verdict(p: &Paired) -> Verdict {
    if p.ci_high < -MARGIN {
        Verdict::Rejuvenation
    } else if p.ci_low > MARGIN {
        Verdict::SenescentDrift
    } else {
        Verdict::Neutral
    }
}

/// One arm: a name and a complete scenario.
#[derive(Clone, Debug)]
pub struct ArmSpec {
    pub name: String,
    pub description: String,
    pub scenario: Scenario,
}

/// The arms of a comparison: control (treatments and grafts removed),
/// treated (the scenario as written), then the scenario's `[[arms]]`, each
/// resolved from the file with its overrides and validated before any run.
pub fn arms_of(
    path: Option<&Path>,
    sets: &[String],
    loaded: &Loaded,
) -> Result<Vec<ArmSpec>, ScenarioError> {
    let s = &loaded.scenario;
    let mut arms = vec![
        ArmSpec {
            name: "control".into(),
            description: "treatments and grafts removed".into(),
            scenario: s.untreated(),
        },
        ArmSpec {
            name: "treated".into(),
            description: "the scenario as written".into(),
            scenario: s.clone(),
        },
    ];
    for (index, a) in s.arms.iter().enumerate() {
        let mut all = sets.to_vec();
        all.extend(a.set.iter().cloned());
        let arm = resolve(path, &all).map_err(|e| ScenarioError::Arm {
            index,
            name: a.name.clone(),
            source: Box::new(e),
        })?;
        if arms.iter().any(|x| x.name == a.name) {
            return Err(ScenarioError::Invalid {
                origin: loaded.source.clone(),
                key: format!("arms[{index}].name"),
                value: format!("\"{}\"", a.name),
                rule: "arm names must be unique and not `control` or `treated`".into(),
            });
        }
        arms.push(ArmSpec {
            name: a.name.clone(),
            description: a.description.clone(),
            scenario: arm.scenario,
        });
    }
    Ok(arms)
}

/// Seed of replicate r: a hash of (base seed, r), never base + r.
pub fn replicate_seed(base: u64, r: u64) -> u64 {
    hash(base, r, 0, Purpose::Replicate)
}

#[derive(Serialize)]
pub struct RunRecord {
    pub arm: String,
    pub replicate: u64,
    #[serde(with = "crate::model::rng::seed_text")]
    pub seed: u64,
    pub metrics: BTreeMap<&'static str, f64>,
    /// Whether the wound reached 90% closure (null without a wound).
    pub wound_closed_90: Option<bool>,
}

#[derive(Serialize)]
pub struct Comparison {
    pub arm: String,
    pub against: String,
    pub verdict: Verdict,
    pub metrics: BTreeMap<&'static str, Paired>,
    /// Replicates whose wound had not reached 90% closure, per side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wound_not_closed: Option<[usize; 2]>,
}

#[derive(Serialize)]
pub struct Report {
    pub senesim_version: &'static str,
    /// Identifies what was compared: every arm's resolved scenario and the
    /// replicates (see `fingerprint`).
    pub fingerprint: String,
    pub scenario_source: String,
    pub scenario_name: String,
    #[serde(with = "crate::model::rng::seed_text")]
    pub base_seed: u64,
    pub replicates: u64,
    #[serde(with = "crate::model::rng::seed_text::list")]
    pub seeds: Vec<u64>,
    pub threads: usize,
    pub wall_time_s: f64,
    pub rule: String,
    pub arms: Vec<BTreeMap<&'static str, String>>,
    pub comparisons: Vec<Comparison>,
    pub runs: Vec<RunRecord>,
    /// Each run's time series, in the order of `runs` (written to timeseries.csv).
    #[serde(skip)]
    pub series: Vec<Vec<Row>>,
}

/// Draws a folder's plots, returning the files written.
pub type DrawFolder = fn(&Path) -> Result<Vec<PathBuf>, crate::error::PlotError>;

pub struct CompareOptions {
    pub replicates: u64,
    pub threads: usize,
    pub out: PathBuf,
    pub progress: bool,
    /// Replace another comparison in `out` (only the files its manifest
    /// lists), or write into a non-empty folder senesim did not make.
    pub force: bool,
    /// Draws plots/ after the tables (`plot::compare::plot_compare`; None:
    /// no plots). Comparing does not depend on plotting: the caller chooses.
    pub plotter: Option<DrawFolder>,
    /// Stops the comparison (its runs at the end of a step) when cancelled.
    pub cancel: crate::cancel::Cancel,
}

/// What a comparison is: its arms' resolved scenarios (seed included) and
/// its replicates, hashed.
pub fn fingerprint(arms: &[ArmSpec], replicates: u64) -> String {
    let scenarios: Vec<&Scenario> = arms.iter().map(|a| &a.scenario).collect();
    let bytes = serde_json::to_vec(&(scenarios, replicates)).unwrap_or_default();
    format!("{:016x}", crate::model::rng::fnv1a(&bytes))
}

/// Runs every arm × replicate not yet saved in `opts.out`, in parallel,
/// builds the report, and writes the folder (tables, then plots if asked).
/// The folder is locked while it is written; one holding another
/// comparison is refused unless `opts.force`.
pub fn compare(
    loaded: &Loaded,
    arms: &[ArmSpec],
    opts: &CompareOptions,
) -> Result<Report, RunError> {
    let fp = fingerprint(arms, opts.replicates);
    let folder = replicates::Folder::claim(loaded, arms, opts, &fp)?;
    let report = compute(loaded, arms, opts, &fp, &folder)?;
    crate::cancel::test_hold("tables", &opts.cancel);
    write_report(&opts.out, &report)?;
    if let Some(draw) = opts.plotter {
        if opts.cancel.is_cancelled() {
            folder.interrupted("interrupted before drawing the plots")?;
            return Err(RunError::Interrupted {
                step: 0,
                time_h: 0.0,
                checkpoint: None,
            });
        }
        let plotted = draw(&opts.out);
        if let Err(e) = plotted {
            let e = OutputError::Encode {
                path: opts.out.join("plots"),
                message: e.to_string(),
            };
            folder.failed(&e.to_string())?;
            return Err(e.into());
        }
    }
    folder.complete()?;
    Ok(report)
}

/// The report of every arm × replicate, reusing those saved in the folder.
fn compute(
    loaded: &Loaded,
    arms: &[ArmSpec],
    opts: &CompareOptions,
    fp: &str,
    folder: &replicates::Folder,
) -> Result<Report, RunError> {
    let started = Instant::now();
    let base = loaded.scenario.run.seed;
    let seeds: Vec<u64> = (0..opts.replicates)
        .map(|r| replicate_seed(base, r))
        .collect();
    let jobs: Vec<(usize, u64)> = (0..arms.len())
        .flat_map(|a| (0..opts.replicates).map(move |r| (a, r)))
        .collect();
    // Spread outside the treated area is measured on the treated arm's area in every arm.
    let treated = &arms[1].scenario;
    let bar = progress_bar(opts.progress, jobs.len() as u64, "runs");
    let results: Result<Vec<(Vec<Row>, Summary)>, _> = with_threads(opts.threads, || {
        jobs.par_iter()
            .map(|&(a, r)| {
                let mut s = arms[a].scenario.clone();
                s.run.seed = seeds[r as usize];
                if let Some(saved) = folder.saved(a, r, &s) {
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                    return Ok(saved);
                }
                let mut w = World::new(s.clone());
                let mask = treated_mask(treated, &w.grid);
                let out = simulate_world(&mut w, mask.as_deref(), &opts.cancel)?;
                folder.save(a, r, &s, &out, &opts.cancel)?;
                if let Some(b) = &bar {
                    b.inc(1);
                }
                Ok(out)
            })
            .collect()
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let results: Vec<(Vec<Row>, Summary)> = match results {
        Ok(r) => r,
        Err(CompareFailure::Drive(crate::run::DriveError::Interrupted { step, time_h })) => {
            folder.interrupted(&format!(
                "interrupted; {} of {} replicates are saved",
                folder.count_saved(),
                jobs.len()
            ))?;
            return Err(RunError::Interrupted {
                step,
                time_h,
                checkpoint: None,
            });
        }
        Err(CompareFailure::Drive(e)) => {
            let e = RunError::from(e);
            folder.failed(&e.to_string())?;
            return Err(e);
        }
        Err(CompareFailure::Output(e)) => return Err(e.into()),
    };
    let (series, summaries): (Vec<Vec<Row>>, Vec<Summary>) = results.into_iter().unzip();
    let n = opts.replicates as usize;
    let per_arm: Vec<&[Summary]> = summaries.chunks(n).collect();
    let values = |a: usize| -> BTreeMap<&'static str, Vec<f64>> {
        let mut m: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
        for s in per_arm[a] {
            for (k, v) in crate::model::metrics::compared(s) {
                m.entry(k).or_default().push(v);
            }
        }
        m
    };
    let not_closed = |a: usize| {
        per_arm[a]
            .iter()
            .filter(|s| s.wound_closure_90_h.is_none())
            .count()
    };
    let mut pairs = vec![(1usize, 0usize)];
    for a in 2..arms.len() {
        pairs.push((a, 0));
        pairs.push((a, 1));
    }
    let comparisons = pairs
        .into_iter()
        .map(|(a, b)| {
            let (va, vb) = (values(a), values(b));
            let metrics: BTreeMap<&'static str, Paired> = va
                .iter()
                .filter_map(|(k, x)| vb.get(k).map(|y| (*k, paired(y, x))))
                .collect();
            Comparison {
                arm: arms[a].name.clone(),
                against: arms[b].name.clone(),
                verdict: verdict(&metrics[crate::model::metrics::VERDICT]),
                wound_not_closed: loaded
                    .scenario
                    .wound
                    .as_ref()
                    .map(|_| [not_closed(a), not_closed(b)]),
                metrics,
            }
        })
        .collect();
    let runs = jobs
        .iter()
        .zip(&summaries)
        .map(|(&(a, r), s)| RunRecord {
            arm: arms[a].name.clone(),
            replicate: r,
            seed: seeds[r as usize],
            metrics: crate::model::metrics::compared(s).into_iter().collect(),
            wound_closed_90: arms[a]
                .scenario
                .wound
                .as_ref()
                .map(|_| s.wound_closure_90_h.is_some()),
        })
        .collect();
    Ok(Report {
        senesim_version: env!("CARGO_PKG_VERSION"),
        fingerprint: fp.to_string(),
        scenario_source: loaded.source.clone(),
        scenario_name: loaded.scenario.name.clone(),
        base_seed: base,
        replicates: opts.replicates,
        seeds,
        threads: opts.threads,
        wall_time_s: started.elapsed().as_secs_f64(),
        rule: rule(),
        arms: arms
            .iter()
            .map(|a| {
                BTreeMap::from([
                    ("name", a.name.clone()),
                    ("description", a.description.clone()),
                ])
            })
            .collect(),
        comparisons,
        runs,
        series,
    })
}

/// Why a replicate did not give its result.
enum CompareFailure {
    Drive(crate::run::DriveError),
    Output(OutputError),
}

impl From<crate::run::DriveError> for CompareFailure {
    fn from(e: crate::run::DriveError) -> Self {
        CompareFailure::Drive(e)
    }
}

impl From<OutputError> for CompareFailure {
    fn from(e: OutputError) -> Self {
        CompareFailure::Output(e)
    }
}

/// The printed table: one block per comparison.
pub fn table(r: &Report) -> String {
    let mut out = format!(
        "{} — {} replicates (paired, common random numbers)\n",
        r.scenario_name, r.replicates
    );
    for c in &r.comparisons {
        out.push_str(&format!(
            "\n{} vs {}{:>w$}{:>12}{:>12}   difference [95% CI]\n",
            c.arm,
            c.against,
            "",
            c.against,
            c.arm,
            w = 34usize.saturating_sub(c.arm.len() + c.against.len() + 4)
        ));
        for m in &crate::model::metrics::METRICS {
            let (Some(label), Some(p)) = (m.compared, c.metrics.get(m.name)) else {
                continue;
            };
            {
                out.push_str(&format!(
                    "  {label:<32}{:>12.4}{:>12.4}   {:+.4} [{:+.4}, {:+.4}]\n",
                    p.control_mean, p.arm_mean, p.diff_mean, p.ci_low, p.ci_high
                ));
            }
        }
        if let Some([a, b]) = c.wound_not_closed {
            if a + b > 0 {
                out.push_str(&format!("  (wound not 90% closed by the end: {a} {} and {b} {} runs, counted at the end)\n", c.arm, c.against));
            }
        }
        out.push_str(&format!(
            "  verdict: {}\n",
            serde_json::to_value(c.verdict)
                .map(|v| v.as_str().unwrap_or("").to_string())
                .unwrap_or_default()
        ));
    }
    out.push_str(&format!("\nrule: {}\n", r.rule));
    out
}

/// Every run's time series in one table: `arm`, `replicate`, then the
/// columns of a run's `timeseries.csv`.
pub fn timeseries_csv(r: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    // The header: arm, replicate, then a run's own columns as its
    // timeseries.csv names them (csv writes a struct's header only with a row).
    let mut one = csv::Writer::from_writer(Vec::new());
    one.serialize(Row::default())?;
    let bytes = one.into_inner().map_err(|e| e.into_error())?;
    let text = String::from_utf8_lossy(&bytes);
    let names = text.lines().next().unwrap_or_default();
    out.write_record(["arm", "replicate"].into_iter().chain(names.split(',')))?;
    for (run, rows) in r.runs.iter().zip(&r.series) {
        for row in rows {
            out.serialize((run.arm.as_str(), run.replicate, row))?;
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// Writes `comparison.json`, `runs.csv`, `timeseries.csv` and `table.txt`
/// into `dir`, atomically.
pub fn write_report(dir: &Path, r: &Report) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
    write_json(&dir.join(crate::io::folder::COMPARISON), r)?;
    let mut keys: Vec<&str> = r
        .runs
        .iter()
        .flat_map(|x| x.metrics.keys().copied())
        .collect();
    keys.sort();
    keys.dedup();
    let mut csv = format!("arm,replicate,seed,{}\n", keys.join(","));
    for run in &r.runs {
        let vals: Vec<String> = keys
            .iter()
            .map(|k| run.metrics.get(k).map_or(String::new(), |v| v.to_string()))
            .collect();
        csv.push_str(&format!(
            "{},{},{},{}\n",
            run.arm,
            run.replicate,
            run.seed,
            vals.join(",")
        ));
    }
    write_atomic(&dir.join(crate::io::folder::RUNS_TABLE), csv.as_bytes())?;
    let path = dir.join(crate::io::folder::TIMESERIES);
    let ts = timeseries_csv(r).map_err(|e| OutputError::Encode {
        path: path.clone(),
        message: e.to_string(),
    })?;
    write_atomic(&path, &ts)?;
    write_atomic(&dir.join(crate::io::folder::TABLE), table(r).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lo: f64, hi: f64) -> Paired {
        Paired {
            n: 4,
            control_mean: 0.1,
            arm_mean: 0.1,
            diff_mean: (lo + hi) / 2.0,
            diff_sd: 0.0,
            ci_low: lo,
            ci_high: hi,
        }
    }

    #[test]
    fn verdict_rule_uses_the_whole_interval_and_the_margin() {
        assert_eq!(verdict(&p(-0.05, -0.01)), Verdict::Rejuvenation);
        assert_eq!(verdict(&p(0.01, 0.05)), Verdict::SenescentDrift);
        assert_eq!(verdict(&p(-0.05, 0.01)), Verdict::Neutral, "CI spans zero");
        assert_eq!(
            verdict(&p(-0.004, -0.001)),
            Verdict::Neutral,
            "too small to matter"
        );
        assert_eq!(
            verdict(&p(f64::NEG_INFINITY, f64::INFINITY)),
            Verdict::Neutral
        );
    }

    #[test]
    fn replicate_seeds_are_distinct_and_not_offsets() {
        let s: Vec<u64> = (0..100).map(|r| replicate_seed(7, r)).collect();
        let mut u = s.clone();
        u.sort();
        u.dedup();
        assert_eq!(u.len(), 100);
        assert_ne!(replicate_seed(7, 1), replicate_seed(8, 0));
    }
}
