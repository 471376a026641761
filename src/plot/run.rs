//! Plots of a run folder, drawn from its files alone (`timeseries.csv`,
//! `fields.csv`, `manifest.json`, `snapshots/*.vti`), so `senesim run` and a later
//! `senesim plot DIR` draw the same figures:
//!
//! * `timeseries` — cells by phenotype (the minority phenotypes on their
//!   own scale), senescence markers (p21, SA-β-gal, p16, proliferation),
//!   mean SASP, the EV and CM fields at every step with the doses marked
//!   (`fields.csv`), wound closure;
//! * `state_<hours>h` per snapshot — phenotype map, SASP and EV heatmaps;
//! * `phenotype.gif` — the phenotype map over the snapshots (two or more).

use super::figure::{phenotype, save, Format};
use super::lines::{Chart, Corner, Curve, Panels};
use super::map::{Gif, PhenotypeFrame, StateFigure, FIELDS};
use crate::cancel::Cancel;
use crate::error::{OutputError, PlotError};
use crate::io::output::snapshot::{read_vti, Snapshot};
use crate::model::observe::{FieldSample, Row};
use plotters::style::RGBColor;
use std::path::{Path, PathBuf};

/// The animation: at most this many frames (every k-th periodic snapshot
/// beyond it), played in about `GIF_MS` (each frame 150-700 ms).
const MAX_FRAMES: usize = 120;
const GIF_MS: u32 = 10_000;

/// State maps: all periodic snapshots up to this many; beyond it, one about
/// every week (`STATE_EVERY_H`), with every extra (post-dose) snapshot and
/// the last.
const MAX_STATES: usize = 9;
const STATE_EVERY_H: f64 = 168.0;

fn bad(dir: &Path, rule: String) -> PlotError {
    PlotError::Input {
        dir: dir.to_path_buf(),
        rule,
    }
}

/// The time series of a run folder.
pub fn read_rows(dir: &Path) -> Result<Vec<Row>, PlotError> {
    let path = dir.join(crate::io::folder::TIMESERIES);
    let mut r = csv::Reader::from_path(&path).map_err(|_| {
        bad(
            dir,
            "no timeseries.csv: not a finished run folder (a run writes it when it ends)".into(),
        )
    })?;
    r.deserialize()
        .collect::<Result<Vec<Row>, _>>()
        .map_err(|e| bad(dir, format!("timeseries.csv: {e}")))
}

/// The scenario name recorded in the folder's manifest.
/// The dosed fields' trace (`fields.csv`), if the run wrote one.
fn read_trace(dir: &Path) -> Result<Option<Vec<FieldSample>>, PlotError> {
    let path = dir.join(crate::io::folder::FIELDS);
    if !path.is_file() {
        return Ok(None);
    }
    crate::io::output::read_field_trace(&path)
        .map(Some)
        .map_err(|e| bad(dir, format!("{}: {e}", crate::io::folder::FIELDS)))
}

fn scenario_name(dir: &Path) -> Result<String, PlotError> {
    let text = std::fs::read_to_string(dir.join(crate::io::folder::MANIFEST))
        .map_err(|_| bad(dir, "no manifest.json: not a run folder".into()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(dir, format!("manifest.json: {e}")))?;
    Ok(v["scenario"]["name"].as_str().unwrap_or("run").to_string())
}

fn frac(n: u64, of: u64) -> f64 {
    if of == 0 {
        f64::NAN
    } else {
        n as f64 / of as f64
    }
}

/// The times (h) of the doses in a field trace: where the amount
/// delivered steps up between two samples, the dose fell at the first.
pub fn dose_times(trace: &[FieldSample]) -> Vec<f64> {
    trace
        .windows(2)
        .filter(|w| w[1].delivered_total > w[0].delivered_total)
        .map(|w| w[0].time_h)
        .collect()
}

/// The time series of one run, in panels: the main phenotypes as fractions
/// of tissue cells; the minority ones (arrested, deep senescent,
/// transformed) on their own scale; the senescence markers; mean SASP; the
/// dosed fields (from `trace`, sampled every step, doses marked; from the
/// rows without one), when a dose or field is there; wound closure, when
/// there is a wound.
pub fn timeseries_figure(rows: &[Row], trace: Option<&[FieldSample]>, name: &str) -> Panels {
    let day = |r: &Row| r.time_h / 24.0;
    let series = |label: &str, colour, f: &dyn Fn(&Row) -> f64| {
        Curve::line(label, colour, rows.iter().map(|r| (day(r), f(r))))
    };
    let days = "time (days)";
    let cells = "fraction of tissue cells";
    let phenotypes = Chart::new(
        "Cells by phenotype",
        days,
        cells,
        vec![
            series("proliferative", phenotype::PROLIFERATIVE, &|r| {
                frac(r.proliferative, r.tissue_cells)
            }),
            series("senescent (arrested or deep)", phenotype::DEEP, &|r| {
                r.senescent_fraction
            }),
        ],
    );
    let minority = Chart::new(
        "Senescent and transformed cells (own scale)",
        days,
        cells,
        vec![
            series("arrested (early senescent)", phenotype::ARRESTED, &|r| {
                frac(r.arrested, r.tissue_cells)
            }),
            series("deep senescent", phenotype::DEEP, &|r| {
                r.deep_senescent_fraction
            }),
            series("transformed", phenotype::TRANSFORMED, &|r| {
                frac(r.transformed, r.tissue_cells)
            }),
        ],
    );
    let mut sa = series("SA-β-gal+", phenotype::SA_BETA_GAL, &|r| {
        r.sa_beta_gal_fraction
    });
    sa.dashed = true;
    let markers = Chart::new(
        "Senescence markers",
        days,
        cells,
        vec![
            series("p21+", RGBColor(230, 159, 0), &|r| r.p21_fraction),
            sa,
            series("p16+", RGBColor(0, 114, 178), &|r| r.p16_fraction),
            series(
                "proliferation index (24 h)",
                phenotype::PROLIFERATIVE,
                &|r| r.proliferation_index,
            ),
        ],
    );
    let sasp = Chart::new(
        "SASP (IL-6 proxy)",
        days,
        "mean SASP (au per site)",
        vec![series("mean SASP", phenotype::ARRESTED, &|r| r.sasp_mean)],
    );
    let mut charts = vec![phenotypes, minority, markers, sasp];
    charts.extend(dosed_chart(rows, trace));
    if rows.iter().any(|r| r.wound_closure.is_some()) {
        let mut c = Chart::new(
            "Wound closure",
            days,
            "fraction of the wound re-occupied",
            vec![series("closure", phenotype::PROLIFERATIVE, &|r| {
                r.wound_closure.unwrap_or(f64::NAN)
            })],
        );
        c.reference = Some(0.9);
        c.legend = Corner::LowerRight;
        charts.push(c);
    }
    Panels {
        title: name.to_string(),
        columns: 2,
        charts,
    }
}

/// The EV and CM fields' totals over time, each dose marked; None when the
/// run had neither doses nor any of these fields.
fn dosed_chart(rows: &[Row], trace: Option<&[FieldSample]>) -> Option<Chart> {
    type Get = fn(&FieldSample) -> f64;
    let fields: [(&str, RGBColor, bool, Get); 4] = [
        ("young-MSC EVs", phenotype::MSC, false, |f| f.ev_young_total),
        ("senescent-MSC EVs", phenotype::DEEP, false, |f| {
            f.ev_senescent_total
        }),
        ("young-MSC CM", phenotype::MSC, true, |f| f.cm_young_total),
        ("senescent-MSC CM", phenotype::DEEP, true, |f| {
            f.cm_senescent_total
        }),
    ];
    // Without a trace (folders of older versions), the rows' totals.
    let from_rows: Vec<FieldSample>;
    let samples = match trace {
        Some(t) => t,
        None => {
            from_rows = rows
                .iter()
                .map(|r| FieldSample {
                    time_h: r.time_h,
                    ev_young_total: r.ev_young_total,
                    ev_senescent_total: r.ev_senescent_total,
                    cm_young_total: r.cm_young_total,
                    cm_senescent_total: r.cm_senescent_total,
                    delivered_total: 0.0,
                })
                .collect();
            &from_rows
        }
    };
    let curves: Vec<Curve> = fields
        .iter()
        .filter(|(.., get)| samples.iter().any(|f| get(f) > 0.0))
        .map(|&(name, colour, dashed, get)| {
            let mut c = Curve::line(
                name,
                colour,
                samples.iter().map(|f| (f.time_h / 24.0, get(f))),
            );
            c.dashed = dashed;
            c
        })
        .collect();
    let doses = dose_times(samples);
    if curves.is_empty() && doses.is_empty() {
        return None;
    }
    let mut c = Chart::new(
        if trace.is_some() {
            "EVs and CM in tissue (every step; doses marked)"
        } else {
            "EVs and CM in tissue (at the output interval)"
        },
        "time (days)",
        "field total (au)",
        curves,
    );
    c.verticals = doses.iter().map(|t| t / 24.0).collect();
    c.vertical_label = "dose".into();
    c.legend = Corner::UpperRight;
    Some(c)
}

/// The folder's snapshots, in time order: those its manifest lists as the
/// run's own when it lists files (a folder may hold others' files too).
fn snapshot_files(dir: &Path) -> Vec<PathBuf> {
    let owned: Option<Vec<String>> = crate::io::folder::read_manifest(dir)
        .filter(|m| m["files"].is_array())
        .map(|m| crate::io::folder::owned_files(&m));
    let listed = |p: &Path| {
        owned
            .as_ref()
            .is_none_or(|o| o.contains(&crate::io::folder::relative(dir, p)))
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("snapshots"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "vti")
                        && p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("snapshot_"))
                        && listed(p)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn read_snapshot(dir: &Path, path: &Path) -> Result<Snapshot, PlotError> {
    let bytes = std::fs::read(path).map_err(OutputError::io(path))?;
    read_vti(&bytes).map_err(|e| bad(dir, format!("{}: {e}", path.display())))
}

fn when(t_h: f64) -> String {
    let d = t_h / 24.0;
    if (d - d.round()).abs() < 1e-9 {
        format!("day {d:.0}")
    } else {
        format!("day {d:.2} ({t_h} h)")
    }
}

/// The name of the state map of snapshot `f` (`state_0168h`; within an
/// hour, `state_0000h1800s`).
fn state_name(f: &Path) -> String {
    let t = snapshot_hours(f);
    if !t.is_finite() {
        let stem = f
            .file_stem()
            .map_or(String::new(), |x| x.to_string_lossy().into_owned());
        return format!("state_{}", stem.trim_start_matches("snapshot_"));
    }
    let secs = (t * 3600.0).round() as u64;
    let (h, s) = (secs / 3600, secs % 3600);
    if s == 0 {
        format!("state_{h:04}h")
    } else {
        format!("state_{h:04}h{s:04}s")
    }
}

/// A snapshot's time (h) from its file name (`run::folder::snapshot_name`).
fn snapshot_hours(f: &Path) -> f64 {
    let parse = |x: &str| -> Option<f64> {
        let (h, rest) = x.split_once('h')?;
        let s = match rest {
            "" => 0,
            r => r.strip_suffix('s')?.parse::<u64>().ok()?,
        };
        Some(h.parse::<u64>().ok()? as f64 + s as f64 / 3600.0)
    };
    f.file_stem()
        .and_then(|x| x.to_str())
        .and_then(|x| x.strip_prefix("snapshot_"))
        .and_then(parse)
        .unwrap_or(f64::NAN)
}

/// Which snapshots get a state map, and which are the animation's frames.
struct Selection {
    states: Vec<PathBuf>,
    frames: Vec<PathBuf>,
}

/// The animation shows the periodic snapshots (every `run.snapshot_every_h`
/// of the folder's scenario, e.g. daily), thinned to `MAX_FRAMES`, and the
/// last; state maps show the first and last snapshots, every extra one (a
/// dose's: `run.snapshot_after_dose_h`) and the periodic ones (about one a
/// week when there are more than `MAX_STATES`).
fn select(dir: &Path, files: &[PathBuf]) -> Selection {
    let every = crate::io::folder::read_manifest(dir)
        .and_then(|m| m["scenario"]["run"]["snapshot_every_h"].as_f64())
        .unwrap_or(0.0);
    let periodic = |f: &PathBuf| {
        let h = snapshot_hours(f);
        every <= 0.0 || ((h / every) - (h / every).round()).abs() < 1e-6
    };
    let regular: Vec<&PathBuf> = files.iter().filter(|f| periodic(f)).collect();
    let thin = |n: usize| {
        regular
            .iter()
            .enumerate()
            .filter(move |(i, _)| i % n == 0)
            .map(|(_, f)| (*f).clone())
    };
    let mut frames: Vec<PathBuf> = thin(regular.len().div_ceil(MAX_FRAMES).max(1)).collect();
    let mut states: Vec<PathBuf> = if regular.len() <= MAX_STATES {
        regular.iter().map(|f| (*f).clone()).collect()
    } else {
        let n = if every > 0.0 {
            (STATE_EVERY_H / every).ceil().max(1.0) as usize
        } else {
            regular.len().div_ceil(MAX_STATES)
        };
        thin(n).collect()
    };
    states.extend(files.iter().filter(|f| !periodic(f)).cloned());
    if let Some(last) = files.last() {
        states.push(last.clone());
        frames.push(last.clone());
    }
    for v in [&mut states, &mut frames] {
        v.sort_by(|a, b| snapshot_hours(a).total_cmp(&snapshot_hours(b)));
        v.dedup();
    }
    if frames.len() < 2 {
        frames.clear();
    }
    Selection { states, frames }
}

/// The files `plot_run` would write for the folder as it is now.
pub fn planned(dir: &Path, format: Format) -> Vec<PathBuf> {
    let out = dir.join("plots");
    let sel = select(dir, &snapshot_files(dir));
    let mut p = vec![out.join("timeseries").with_extension(format.ext())];
    if !sel.frames.is_empty() {
        p.push(out.join("phenotype.gif"));
    }
    p.extend(
        sel.states
            .iter()
            .map(|f| out.join(state_name(f)).with_extension(format.ext())),
    );
    p
}

/// A run's plots as PNG, for `run::RunOptions::plotter`.
pub struct RunPlots;

/// The plotter `senesim run` and `resume` use.
pub static RUN_PLOTS: RunPlots = RunPlots;

impl crate::run::folder::Plotter for RunPlots {
    fn planned(&self, dir: &Path) -> Vec<PathBuf> {
        planned(dir, Format::Png)
    }
    fn draw(&self, dir: &Path, cancel: &Cancel) -> Result<Vec<PathBuf>, PlotError> {
        plot_run_until(dir, Format::Png, cancel)
    }
}

/// Draws every plot of a run folder into `dir/plots/`; returns their paths.
pub fn plot_run(dir: &Path, format: Format) -> Result<Vec<PathBuf>, PlotError> {
    plot_run_until(dir, format, &Cancel::new())
}

/// `plot_run`, ended between two figures when `cancel` is cancelled
/// (`PlotError::Interrupted`).
pub fn plot_run_until(
    dir: &Path,
    format: Format,
    cancel: &Cancel,
) -> Result<Vec<PathBuf>, PlotError> {
    let go_on = || {
        if cancel.is_cancelled() {
            Err(PlotError::Interrupted)
        } else {
            Ok(())
        }
    };
    go_on()?;
    let rows = read_rows(dir)?;
    let trace = read_trace(dir)?;
    let name = scenario_name(dir)?;
    let out = dir.join("plots");
    std::fs::create_dir_all(&out).map_err(OutputError::io(&out))?;
    let mut written = Vec::new();
    let p = out.join("timeseries").with_extension(format.ext());
    save(
        &timeseries_figure(&rows, trace.as_deref(), &name),
        &p,
        format,
    )?;
    written.push(p);

    let files = snapshot_files(dir);
    // First pass: one colour scale per field over the whole run, from 0 to the
    // larger of its maximum over the snapshots and its peak mean per site over
    // the time series (so a field between two doses shows as near zero, not
    // bright on a scale of its own traces).
    let mut max = [0.0f64; 3];
    for f in &files {
        let s = read_snapshot(dir, f)?;
        let sites = (s.nx * s.ny) as f64;
        for r in &rows {
            let peak = [
                r.sasp_mean,
                r.ev_young_total / sites,
                r.ev_senescent_total / sites,
            ];
            for k in 0..3 {
                max[k] = max[k].max(peak[k]);
            }
        }
        for (k, (array, _)) in FIELDS.iter().enumerate() {
            let a = s.array(array).map_err(|e| bad(dir, e))?;
            max[k] = a.iter().copied().fold(max[k], f64::max);
        }
    }
    let sel = select(dir, &files);
    let mut gif = None;
    if !sel.frames.is_empty() {
        let p = out.join("phenotype.gif");
        let ms = (GIF_MS / sel.frames.len() as u32).clamp(150, 700);
        gif = Some((Gif::create(&p, (960, 760), ms)?, p));
    }
    for f in &files {
        let (state, frame) = (sel.states.contains(f), sel.frames.contains(f));
        if !(state || frame) {
            continue;
        }
        go_on()?;
        crate::cancel::test_hold("plots", cancel);
        let s = read_snapshot(dir, f)?;
        if state {
            let fig = StateFigure {
                title: format!("{name} — {}", when(s.time_h)),
                snapshot: &s,
                max,
            };
            let p = out.join(state_name(f)).with_extension(format.ext());
            save(&fig, &p, format)?;
            written.push(p);
        }
        if let Some((g, _)) = gif.as_mut().filter(|_| frame) {
            g.push(&PhenotypeFrame {
                title: format!("{name} — {}", when(s.time_h)),
                snapshot: &s,
            })?;
        }
    }
    if let Some((g, p)) = gif {
        g.finish()?;
        written.push(p);
    }
    Ok(written)
}
