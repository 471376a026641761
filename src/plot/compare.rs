//! Plots of a compare folder, from `comparison.json` and `timeseries.csv`:
//!
//! * `compare_timeseries` — each arm's mean over replicates with its 95%
//!   confidence band (t-based, of the mean) for SA-β-gal+ and deep-senescent
//!   fractions, mean SASP, and wound closure (proliferation without a wound);
//! * `effects` — the paired effects (arm − reference) of every compared
//!   metric with their 95% CIs, the no-effect line, the ±margin of the
//!   verdict and the verdict of each comparison.

use super::figure::{save, verdict_colour, Figure, Format, ARM_COLOURS};
use super::grid::tick;
use super::lines::{Chart, Corner, Curve, Panels};
use super::sweep::metric_label;
use crate::error::{OutputError, PlotError};
use crate::model::observe::Row;
use crate::study::compare::MARGIN;
use crate::study::stats::{ci_half_width, mean_sd};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn bad(dir: &Path, rule: String) -> PlotError {
    PlotError::Input {
        dir: dir.to_path_buf(),
        rule,
    }
}

/// Each arm's runs (time series by replicate), arms in file order.
pub type ArmSeries = Vec<(String, Vec<Vec<Row>>)>;

/// Reads a compare folder's `timeseries.csv` (arm, replicate, run columns).
pub fn read_series(dir: &Path) -> Result<ArmSeries, PlotError> {
    let path = dir.join(crate::io::folder::TIMESERIES);
    let e = |m: String| bad(dir, format!("timeseries.csv: {m}"));
    let mut r = csv::Reader::from_path(&path).map_err(|_| {
        bad(
            dir,
            "no timeseries.csv: rerun `senesim compare` (folders from before senesim 0.1 lack it)"
                .into(),
        )
    })?;
    let headers = r.headers().map_err(|x| e(x.to_string()))?.clone();
    if headers.get(0) != Some("arm") || headers.get(1) != Some("replicate") {
        return Err(e("the first columns must be arm, replicate".into()));
    }
    let row_headers: csv::StringRecord = headers.iter().skip(2).collect();
    let mut out: ArmSeries = Vec::new();
    let mut last: Option<(String, String)> = None;
    for rec in r.records() {
        let rec = rec.map_err(|x| e(x.to_string()))?;
        let (arm, rep) = (&rec[0], &rec[1]);
        let row: Row = rec
            .iter()
            .skip(2)
            .collect::<csv::StringRecord>()
            .deserialize(Some(&row_headers))
            .map_err(|x| e(x.to_string()))?;
        let key = (arm.to_string(), rep.to_string());
        if last.as_ref() != Some(&key) {
            if last.as_ref().is_none_or(|(a, _)| *a != key.0) {
                out.push((key.0.clone(), Vec::new()));
            }
            if let Some((_, runs)) = out.last_mut() {
                runs.push(Vec::new());
            }
            last = Some(key);
        }
        if let Some(run) = out.last_mut().and_then(|(_, runs)| runs.last_mut()) {
            run.push(row);
        }
    }
    Ok(out)
}

/// Mean and t-based 95% CI of the mean over replicates at each output time
/// (replicates share output times), as (day, mean, low, high).
pub fn band(runs: &[Vec<Row>], f: &dyn Fn(&Row) -> f64) -> Vec<(f64, f64, f64, f64)> {
    let len = runs.iter().map(Vec::len).min().unwrap_or(0);
    (0..len)
        .map(|k| {
            let x: Vec<f64> = runs
                .iter()
                .map(|r| f(&r[k]))
                .filter(|v| v.is_finite())
                .collect();
            let (m, sd) = mean_sd(&x);
            let half = if x.len() >= 2 {
                ci_half_width(sd, x.len())
            } else {
                f64::NAN
            };
            (runs[0][k].time_h / 24.0, m, m - half, m + half)
        })
        .collect()
}

/// The four-panel comparison of arms over time.
pub fn timeseries_figure(series: &ArmSeries, name: &str) -> Panels {
    let n = series.first().map_or(0, |(_, r)| r.len());
    let chart = |caption: &str, y: &str, f: &dyn Fn(&Row) -> f64| {
        let curves = series
            .iter()
            .enumerate()
            .map(|(i, (arm, runs))| Curve {
                name: arm.clone(),
                colour: ARM_COLOURS[i % ARM_COLOURS.len()],
                points: band(runs, f),
                dashed: false,
            })
            .collect();
        Chart::new(caption, "time (days)", y, curves)
    };
    let wound = series
        .iter()
        .flat_map(|(_, r)| r.iter().flatten())
        .any(|r| r.wound_closure.is_some());
    let mut last = if wound {
        let mut c = chart("Wound closure", "fraction of the wound re-occupied", &|r| {
            r.wound_closure.unwrap_or(f64::NAN)
        });
        c.reference = Some(0.9);
        c
    } else {
        chart(
            "Proliferation index (divided in 24 h)",
            "fraction of tissue cells",
            &|r| r.proliferation_index,
        )
    };
    last.legend = Corner::LowerRight;
    Panels {
        title: format!("{name} — mean and 95% CI over {n} replicates"),
        columns: 2,
        charts: vec![
            chart(
                "Senescent cells (SA-β-gal+)",
                "fraction of tissue cells",
                &|r| r.sa_beta_gal_fraction,
            ),
            chart("Deep senescent cells", "fraction of tissue cells", &|r| {
                r.deep_senescent_fraction
            }),
            chart("SASP", "mean SASP (au per site)", &|r| r.sasp_mean),
            last,
        ],
    }
}

/// One compared pair: its label, verdict, and (metric → mean, CI low, CI high).
pub struct Effect {
    pub label: String,
    pub verdict: String,
    pub metrics: BTreeMap<String, (f64, f64, f64)>,
}

/// Forest plot: one panel per metric, one row per comparison.
pub struct Effects {
    pub title: String,
    /// A second, smaller title line (what is shown).
    pub subtitle: String,
    pub metrics: Vec<String>,
    pub effects: Vec<Effect>,
}

const VERDICT_METRIC: &str = crate::model::metrics::VERDICT;

impl Effects {
    fn panel_height(&self) -> u32 {
        110 + 50 * self.effects.len() as u32
    }
}

impl Figure for Effects {
    fn size(&self) -> (u32, u32) {
        let chars = self
            .title
            .chars()
            .count()
            .max(self.subtitle.chars().count()) as u32;
        (
            1200.max(11 * chars + 40),
            100 + self.panel_height() * self.metrics.len().max(1) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, ("sans-serif", 22))
            .and_then(|r| r.titled(&self.subtitle, ("sans-serif", 17)))
            .map_err(|e| e.to_string())?;
        let h = self.panel_height();
        let mut rest = root;
        for m in &self.metrics {
            let (area, below) = rest.split_vertically(h);
            rest = below;
            self.panel(&area, m)?;
        }
        Ok(())
    }
}

impl Effects {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        m: &str,
    ) -> Result<(), String> {
        let rows: Vec<(usize, (f64, f64, f64))> = self
            .effects
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.metrics.get(m).map(|v| (i, *v)))
            .collect();
        let verdicts = m == VERDICT_METRIC;
        let xs = rows
            .iter()
            .flat_map(|(_, v)| [v.0, v.1, v.2])
            .chain([0.0])
            .chain(verdicts.then_some([-MARGIN, MARGIN]).into_iter().flatten())
            .filter(|x| x.is_finite());
        let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        let pad = if x1 - x0 > 1e-12 {
            (x1 - x0) * 0.08
        } else {
            x0.abs().max(1.0) * 0.5
        };
        let k = self.effects.len() as f64;
        let (area, side) = area.split_horizontally(area.dim_in_pixel().0 - 170);
        let mut chart = ChartBuilder::on(&area)
            .caption(
                format!("{} — difference (arm − reference)", metric_label(m)),
                ("sans-serif", 17),
            )
            .margin(12)
            .x_label_area_size(35)
            .y_label_area_size(230)
            .build_cartesian_2d((x0 - pad)..(x1 + pad), -0.5..(k - 0.5))
            .map_err(|x| x.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_label_formatter(&|v| tick(*v))
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|x| x.to_string())?;
        if verdicts {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(-MARGIN, -0.5), (MARGIN, k - 0.5)],
                    RGBColor(235, 235, 235).filled(),
                )))
                .map_err(|x| x.to_string())?;
        }
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, -0.5), (0.0, k - 0.5)],
                6,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(|x| x.to_string())?;
        let base = area.get_base_pixel();
        let (sbase, right_of) = (side.get_base_pixel(), Pos::new(HPos::Right, VPos::Center));
        for (i, c) in self.effects.iter().enumerate() {
            // Row i from the top.
            let y = k - 1.0 - i as f64;
            let (px, py) = chart.backend_coord(&(x0 - pad, y));
            area.draw(&Text::new(
                c.label.clone(),
                (px - base.0 - 10, py - base.1),
                ("sans-serif", 15).into_font().color(&BLACK).pos(right_of),
            ))
            .map_err(|x| x.to_string())?;
            let colour = if verdicts {
                verdict_colour(&c.verdict)
            } else {
                RGBColor(60, 60, 60)
            };
            if let Some(&(mean, lo, hi)) = c.metrics.get(m) {
                let mut bar = vec![(lo, y), (hi, y)];
                if !(lo.is_finite() && hi.is_finite()) {
                    bar.clear();
                }
                for (a, b) in [(lo, lo), (hi, hi)].into_iter().filter(|p| p.0.is_finite()) {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(a, y - 0.15), (b, y + 0.15)],
                            colour.stroke_width(2),
                        )))
                        .map_err(|x| x.to_string())?;
                }
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        bar,
                        colour.stroke_width(3),
                    )))
                    .map_err(|x| x.to_string())?;
                chart
                    .draw_series(std::iter::once(Circle::new((mean, y), 7, colour.filled())))
                    .map_err(|x| x.to_string())?;
            }
            if verdicts {
                let (_, vy) = chart.backend_coord(&(0.0, y));
                side.draw(&Text::new(
                    c.verdict.replace('_', " "),
                    (10, vy - sbase.1),
                    ("sans-serif", 16)
                        .into_font()
                        .color(&verdict_colour(&c.verdict))
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(|x| x.to_string())?;
            }
        }
        Ok(())
    }
}

/// The effects chart of a `comparison.json`.
pub fn effects_figure(report: &serde_json::Value, dir: &Path) -> Result<Effects, PlotError> {
    let comparisons = report["comparisons"]
        .as_array()
        .ok_or_else(|| bad(dir, "comparison.json has no comparisons".into()))?;
    // The compared metrics, in the comparison table's order.
    let order: Vec<&str> = crate::model::metrics::METRICS
        .iter()
        .filter(|m| m.compared.is_some())
        .map(|m| m.name)
        .collect();
    let effects: Vec<Effect> = comparisons
        .iter()
        .map(|c| Effect {
            label: format!(
                "{} vs {}",
                c["arm"].as_str().unwrap_or("?"),
                c["against"].as_str().unwrap_or("?")
            ),
            verdict: c["verdict"].as_str().unwrap_or("neutral").to_string(),
            metrics: c["metrics"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, p)| {
                            let g = |f: &str| p[f].as_f64().unwrap_or(f64::NAN);
                            (k.clone(), (g("diff_mean"), g("ci_low"), g("ci_high")))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let metrics = order
        .iter()
        .filter(|m| effects.iter().any(|c| c.metrics.contains_key(**m)))
        .map(|m| m.to_string())
        .collect();
    Ok(Effects {
        title: report["scenario_name"]
            .as_str()
            .unwrap_or("comparison")
            .to_string(),
        subtitle: format!(
            "paired effects (arm − reference): mean and 95% CI over {} replicates; \
             verdict on the final senescent fraction (grey: ±{MARGIN}, too small to call)",
            report["replicates"].as_u64().unwrap_or(0)
        ),
        metrics,
        effects,
    })
}

/// Draws a compare folder's plots into `dir/plots/`; returns their paths.
pub fn plot_compare(dir: &Path, format: Format) -> Result<Vec<PathBuf>, PlotError> {
    let path = dir.join(crate::io::folder::COMPARISON);
    let text = std::fs::read_to_string(&path).map_err(OutputError::io(&path))?;
    let report: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(dir, format!("comparison.json: {e}")))?;
    let name = report["scenario_name"].as_str().unwrap_or("comparison");
    let series = read_series(dir)?;
    let out = dir.join("plots");
    std::fs::create_dir_all(&out).map_err(OutputError::io(&out))?;
    let mut written = Vec::new();
    let p = out.join("compare_timeseries").with_extension(format.ext());
    save(&timeseries_figure(&series, name), &p, format)?;
    written.push(p);
    let p = out.join("effects").with_extension(format.ext());
    save(&effects_figure(&report, dir)?, &p, format)?;
    written.push(p);
    Ok(written)
}
