//! The sweep's tables, built from its run folders: `results.csv` (one row per
//! run) and `points.csv` (one row per point and arm). Both are made only from
//! `sweep.json` and each run's `summary.json`, never from what happened to be
//! in memory, so a sweep run whole, resumed, or sharded and merged writes
//! the same bytes.

use super::exec::{completed, read_record};
use super::plan::SweepRecord;
use super::spec::cell_text;
use crate::error::{OutputError, SweepError};
use crate::io::output::{write_atomic, write_json};
use crate::model::observe::Summary;
use crate::study::compare::verdict;
use crate::study::stats::{ci_half_width, mean_sd, paired};
use serde::Serialize;
use std::path::{Path, PathBuf};

// The columns: every metric in results.csv, the per-point ones in
// points.csv (model::metrics; closure times censored there, as in compare).
use crate::model::metrics::{per_point, METRICS, VERDICT};

fn num(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map_or(String::new(), |v| v.to_string())
}

fn literal_text(lit: &str) -> String {
    format!("v = {lit}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .map_or_else(|| lit.to_string(), |v| cell_text(&v))
}

fn csv_bytes(
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    path: &Path,
) -> Result<Vec<u8>, OutputError> {
    let enc = |e: csv::Error| OutputError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(enc)?;
    for r in rows {
        w.write_record(&r).map_err(enc)?;
    }
    w.into_inner().map_err(|e| OutputError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes results.csv and points.csv into `out` from the runs found in
/// `dirs` (the first completed copy of each run). Refuses if any is missing.
pub fn write_tables(rec: &SweepRecord, dirs: &[PathBuf], out: &Path) -> Result<(), SweepError> {
    let jobs = rec.jobs();
    let mut summaries = Vec::with_capacity(jobs.len());
    let mut missing = Vec::new();
    for j in &jobs {
        match dirs.iter().find_map(|d| completed(d, &j.label)) {
            Some(s) => summaries.push(s),
            None => missing.push(j.label.run_id.clone()),
        }
    }
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        return Err(SweepError::Folder {
            dir: dirs.first().cloned().unwrap_or_default(),
            rule: format!(
                "{} of {} runs are not complete in {} (e.g. {}): run the missing shards (or rerun the sweep command) first",
                missing.len(),
                jobs.len(),
                dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "),
                shown.join(", ")
            ),
        });
    }
    let values: Vec<Vec<String>> = rec
        .points
        .iter()
        .map(|p| p.values.iter().map(|v| literal_text(v)).collect())
        .collect();

    // results.csv
    let mut header: Vec<String> = ["run_id", "point", "replicate", "arm", "seed"]
        .map(String::from)
        .to_vec();
    header.extend(rec.keys.iter().cloned());
    header.extend(METRICS.iter().map(|m| m.name.to_string()));
    let rows = jobs
        .iter()
        .zip(&summaries)
        .map(|(j, s)| {
            let mut r = vec![
                j.label.run_id.clone(),
                j.point.to_string(),
                j.replicate.to_string(),
                j.label.arm.clone(),
                j.seed.to_string(),
            ];
            r.extend(values[j.point].iter().cloned());
            r.extend(METRICS.iter().map(|m| num(m.value(s))));
            r
        })
        .collect();
    let path = out.join(crate::io::folder::RESULTS);
    write_atomic(&path, &csv_bytes(header, rows, &path)?)?;

    // points.csv
    let arms = rec.arms.len();
    let mut header: Vec<String> = ["point", "arm"].map(String::from).to_vec();
    header.extend(rec.keys.iter().cloned());
    header.push("n".into());
    for m in per_point() {
        for stat in ["mean", "sd", "ci_low", "ci_high"] {
            header.push(format!("{}_{stat}", m.name));
        }
    }
    header.push("wound_not_closed_90".into());
    if rec.paired {
        header.extend(
            ["effect_mean", "effect_ci_low", "effect_ci_high", "verdict"].map(String::from),
        );
    }
    let n = rec.replicates as usize;
    let mut rows = Vec::new();
    for (p, point) in rec.points.iter().enumerate() {
        // Runs of point p, arm a, replicate r sit at (p·n + r)·arms + a.
        let of = |a: usize| -> Vec<&Summary> {
            (0..n).map(|r| &summaries[(p * n + r) * arms + a]).collect()
        };
        for (a, arm) in rec.arms.iter().enumerate() {
            let runs = of(a);
            let mut row = vec![point.point.to_string(), arm.clone()];
            row.extend(values[p].iter().cloned());
            row.push(n.to_string());
            for m in per_point() {
                let x: Vec<f64> = runs.iter().filter_map(|s| m.outcome(s)).collect();
                if x.is_empty() {
                    row.extend([String::new(), String::new(), String::new(), String::new()]);
                    continue;
                }
                let (mean, sd) = mean_sd(&x);
                let half = ci_half_width(sd, x.len());
                row.extend([Some(mean), Some(sd), Some(mean - half), Some(mean + half)].map(num));
            }
            let has_wound = runs.iter().any(|s| s.final_wound_closure.is_some());
            row.push(if has_wound {
                runs.iter()
                    .filter(|s| s.wound_closure_90_h.is_none())
                    .count()
                    .to_string()
            } else {
                String::new()
            });
            if rec.paired {
                if a == 0 {
                    row.extend([String::new(), String::new(), String::new(), String::new()]);
                } else {
                    let verdict_metric = crate::model::metrics::by_name(VERDICT);
                    let f = |v: Vec<&Summary>| -> Vec<f64> {
                        v.iter()
                            .filter_map(|s| verdict_metric.and_then(|m| m.value(s)))
                            .collect()
                    };
                    let d = paired(&f(of(0)), &f(runs));
                    let v = serde_json::to_value(verdict(&d))
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default();
                    row.extend([
                        num(Some(d.diff_mean)),
                        num(Some(d.ci_low)),
                        num(Some(d.ci_high)),
                        v,
                    ]);
                }
            }
            rows.push(row);
        }
    }
    let path = out.join(crate::io::folder::POINTS);
    write_atomic(&path, &csv_bytes(header, rows, &path)?)?;
    Ok(())
}

#[derive(Serialize)]
struct MergeManifest<'a> {
    senesim_version: &'static str,
    merged_from: Vec<String>,
    fingerprint: &'a str,
    runs: u64,
}

/// Combines shard folders of one sweep into `out`'s tables.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<SweepRecord, SweepError> {
    let mut rec: Option<SweepRecord> = None;
    for d in dirs {
        let r = read_record(d)?.ok_or_else(|| SweepError::Folder {
            dir: d.clone(),
            rule: "is not a sweep folder (no sweep.json)".into(),
        })?;
        if let Some(first) = &rec {
            if first.fingerprint != r.fingerprint {
                return Err(SweepError::Folder {
                    dir: d.clone(),
                    rule: format!(
                        "holds a different sweep (fingerprint {}) from {} ({}); only shards of one sweep can be merged",
                        r.fingerprint,
                        dirs[0].display(),
                        first.fingerprint
                    ),
                });
            }
        }
        rec.get_or_insert(r);
    }
    let rec = rec.ok_or_else(|| SweepError::Folder {
        dir: out.to_path_buf(),
        rule: "no folders to merge".into(),
    })?;
    // The tables go into `out`: one writer at a time (shards still running
    // hold a sweep folder shared, so merging it before they end is refused).
    crate::io::folder::check_kind(out, crate::io::folder::Kind::Sweep, false)?;
    let _lock = crate::io::folder::lock(
        out,
        crate::io::folder::LOCK,
        crate::io::folder::Access::Exclusive,
    )?;
    if let Some(o) = read_record(out)? {
        if o.fingerprint != rec.fingerprint {
            return Err(SweepError::Folder {
                dir: out.to_path_buf(),
                rule: "holds a different sweep; merge into an empty folder or the sweep's own"
                    .into(),
            });
        }
    }
    std::fs::create_dir_all(out).map_err(OutputError::io(out))?;
    write_json(&out.join(crate::io::folder::SWEEP_RECORD), &rec)?;
    write_tables(&rec, dirs, out)?;
    write_json(
        &out.join(crate::io::folder::MERGE),
        &MergeManifest {
            senesim_version: env!("CARGO_PKG_VERSION"),
            merged_from: dirs.iter().map(|d| d.display().to_string()).collect(),
            fingerprint: &rec.fingerprint,
            runs: rec.runs(),
        },
    )?;
    Ok(rec)
}
