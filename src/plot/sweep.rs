//! Plots of a sweep folder: for two varied keys a phase diagram of a metric
//! and a map of verdicts; for one, response curves with 95% bands.

use super::figure::ARM_COLOURS;
use super::figure::{save, verdict_colour, Format, DRIFT, NEUTRAL, REJUVENATION};
use super::grid::{CellGrid, Key};
use super::lines::{Chart, Curve, Panels};
use crate::error::PlotError;
use crate::study::sweep::exec::read_record;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use super::labels::{key_label, metric_label};

type Table = Vec<BTreeMap<String, String>>;

fn read_points(dir: &Path) -> Result<Table, PlotError> {
    let path = dir.join(crate::io::folder::POINTS);
    let bad = |rule: String| PlotError::Input {
        dir: dir.to_path_buf(),
        rule,
    };
    let mut r = csv::Reader::from_path(&path).map_err(|_| {
        bad("no points.csv: the sweep is not complete (rerun the sweep command, or `senesim merge` its shards)".into())
    })?;
    let headers = r
        .headers()
        .map_err(|e| bad(format!("points.csv: {e}")))?
        .clone();
    r.records()
        .map(|rec| {
            let rec = rec.map_err(|e| bad(format!("points.csv: {e}")))?;
            Ok(headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect())
        })
        .collect()
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row.get(col)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Distinct values of a column, in numeric order when they are numbers.
fn levels(rows: &Table, key: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in rows {
        if let Some(x) = r.get(key) {
            if !v.contains(x) {
                v.push(x.clone());
            }
        }
    }
    if v.iter().all(|x| x.parse::<f64>().is_ok()) {
        v.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        });
    }
    v
}

pub struct SweepPlotOptions {
    pub metric: Option<String>,
    pub arm: Option<String>,
    pub format: Format,
}

/// Writes the sweep's plots into `dir/plots/`; returns their paths.
pub fn plot_sweep(dir: &Path, o: &SweepPlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    let bad = |rule: String| PlotError::Input {
        dir: dir.to_path_buf(),
        rule,
    };
    let rec = read_record(dir)
        .map_err(|e| bad(e.to_string()))?
        .ok_or_else(|| bad("not a sweep folder (no sweep.json)".into()))?;
    let rows = read_points(dir)?;
    let metric = o
        .metric
        .clone()
        .unwrap_or_else(|| crate::model::metrics::VERDICT.into());
    let (mean, lo, hi) = if metric == "effect" {
        (
            "effect_mean".to_string(),
            "effect_ci_low".to_string(),
            "effect_ci_high".to_string(),
        )
    } else {
        (
            format!("{metric}_mean"),
            format!("{metric}_ci_low"),
            format!("{metric}_ci_high"),
        )
    };
    if !rows.first().is_some_and(|r| r.contains_key(&mean)) {
        return Err(bad(format!(
            "--metric {metric}: points.csv has no column {mean} (metrics: {}{})",
            crate::model::metrics::per_point()
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", "),
            if rec.paired { ", effect" } else { "" }
        )));
    }
    let arm = o.arm.clone().unwrap_or_else(|| "treated".into());
    if !rec.arms.contains(&arm) {
        return Err(bad(format!(
            "--arm {arm}: the sweep's arms are {}",
            rec.arms.join(", ")
        )));
    }
    let out = dir.join("plots");
    std::fs::create_dir_all(&out).map_err(crate::error::OutputError::io(&out))?;
    let mut written = Vec::new();
    let file = |name: &str| out.join(name).with_extension(o.format.ext());
    let of_arm = |arm: &str| {
        rows.iter()
            .filter(|r| r.get("arm").map(String::as_str) == Some(arm))
            .count()
    };
    let grid =
        |kx: &str, ky: &str| levels(&rows, kx).len() * levels(&rows, ky).len() == of_arm(&arm);
    let arms: Vec<&String> = if metric == "effect" {
        rec.arms.iter().skip(1).collect()
    } else {
        rec.arms.iter().collect()
    };
    let arm_colour =
        |i: usize| ARM_COLOURS[(i + usize::from(metric == "effect")) % ARM_COLOURS.len()];
    match rec.keys.as_slice() {
        [k] => {
            let xs = levels(&rows, k);
            if xs.iter().any(|x| x.parse::<f64>().is_err()) {
                return Err(bad(format!(
                    "{k} is not numeric: a response curve needs numbers (see points.csv)"
                )));
            }
            let xf: Vec<f64> = xs.iter().filter_map(|x| x.parse().ok()).collect();
            let log_x = xf.iter().all(|&x| x > 0.0)
                && xf.iter().cloned().fold(0.0, f64::max)
                    / xf.iter().cloned().fold(f64::INFINITY, f64::min)
                    >= 20.0;
            let curve = |a: &str, colour| Curve {
                name: a.to_string(),
                colour,
                points: rows
                    .iter()
                    .filter(|r| r.get("arm").map(String::as_str) == Some(a))
                    .map(|r| (num(r, k), num(r, &mean), num(r, &lo), num(r, &hi)))
                    .collect(),
                dashed: false,
            };
            let curves = arms
                .iter()
                .enumerate()
                .map(|(i, a)| curve(a, arm_colour(i)))
                .collect();
            let mut chart = Chart::new("", &key_label(k), &metric_label(&metric), curves);
            chart.log_x = log_x;
            chart.markers = true;
            chart.from_zero = false;
            chart.reference = (metric == "effect").then_some(0.0);
            let fig = Panels {
                title: format!(
                    "{} — {} (mean, 95% CI, {} replicates)",
                    rec.name,
                    metric_label(&metric),
                    rec.replicates
                ),
                columns: 1,
                charts: vec![chart],
            };
            let p = file(&format!("sweep_{metric}_response"));
            save(&fig, &p, o.format)?;
            written.push(p);
        }
        [kx, ky] if grid(kx, ky) => {
            let (xs, ys) = (levels(&rows, kx), levels(&rows, ky));
            let of_arm: Vec<&BTreeMap<String, String>> =
                rows.iter().filter(|r| r.get("arm") == Some(&arm)).collect();
            let find = |x: &str, y: &str| {
                of_arm.iter().find(|r| {
                    r.get(kx).map(String::as_str) == Some(x)
                        && r.get(ky).map(String::as_str) == Some(y)
                })
            };
            let values: Vec<Vec<f64>> = ys
                .iter()
                .map(|y| {
                    xs.iter()
                        .map(|x| find(x, y).map_or(f64::NAN, |r| num(r, &mean)))
                        .collect()
                })
                .collect();
            let fig = CellGrid::metric(
                format!(
                    "{} — {}, arm {arm} (mean of {})",
                    rec.name,
                    metric_label(&metric),
                    rec.replicates
                ),
                (key_label(kx), xs.clone()),
                (key_label(ky), ys.clone()),
                &values,
                metric_label(&metric),
                metric == "effect",
            );
            let p = file(&format!("sweep_{metric}_{arm}"));
            save(&fig, &p, o.format)?;
            written.push(p);
            if rec.paired && arm != "control" {
                let cells = ys
                    .iter()
                    .map(|y| {
                        xs.iter()
                            .map(|x| match find(x, y) {
                                Some(r) => {
                                    let v = r.get("verdict").cloned().unwrap_or_default();
                                    let e = num(r, "effect_mean");
                                    (
                                        verdict_colour(&v),
                                        if e.is_finite() {
                                            format!("{e:+.3}")
                                        } else {
                                            String::new()
                                        },
                                    )
                                }
                                None => (NEUTRAL, String::new()),
                            })
                            .collect()
                    })
                    .collect();
                let fig = CellGrid {
                    title: format!("{} — verdict, {arm} vs control (cell: mean effect on final senescent fraction)", rec.name),
                    x_label: key_label(kx),
                    y_label: key_label(ky),
                    x_ticks: xs,
                    y_ticks: ys,
                    cells,
                    key: Key::Legend(vec![
                        ("rejuvenation".into(), REJUVENATION),
                        ("neutral".into(), NEUTRAL),
                        ("senescent drift".into(), DRIFT),
                    ]),
                };
                let p = file(&format!("sweep_verdicts_{arm}"));
                save(&fig, &p, o.format)?;
                written.push(p);
            }
        }
        keys => {
            // Not a grid of one or two keys (Latin hypercube samples, or
            // three or more keys): the metric against each key in turn.
            let mut charts = Vec::new();
            for k in keys {
                let xf: Vec<f64> = rows.iter().map(|r| num(r, k)).collect();
                if xf.iter().any(|x| !x.is_finite()) {
                    continue; // a key with non-numeric values has no axis
                }
                let curves = arms
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        Curve::line(
                            a,
                            arm_colour(i),
                            rows.iter()
                                .filter(|r| r.get("arm").map(String::as_str) == Some(a.as_str()))
                                .map(|r| (num(r, k), num(r, &mean))),
                        )
                    })
                    .collect();
                let mut chart = Chart::new("", &key_label(k), &metric_label(&metric), curves);
                chart.scatter = true;
                chart.from_zero = false;
                chart.reference = (metric == "effect").then_some(0.0);
                chart.log_x = xf.iter().all(|&x| x > 0.0)
                    && xf.iter().cloned().fold(0.0, f64::max)
                        / xf.iter().cloned().fold(f64::INFINITY, f64::min)
                        >= 20.0;
                charts.push(chart);
            }
            if charts.is_empty() {
                return Err(bad(format!(
                    "none of the varied keys ({}) is numeric: plot from results.csv",
                    keys.join(", ")
                )));
            }
            let fig = Panels {
                title: format!(
                    "{} — {} against each varied key ({} points, mean of {} replicates each)",
                    rec.name,
                    metric_label(&metric),
                    of_arm(&arm),
                    rec.replicates
                ),
                columns: charts.len().min(3),
                charts,
            };
            let p = file(&format!("sweep_{metric}_sensitivity"));
            save(&fig, &p, o.format)?;
            written.push(p);
        }
    }
    Ok(written)
}
