//! Run and compare plots: each figure kind rendered from small fixed data
//! decodes, has its size, is not blank, and shows its colours where they
//! belong; then the commands that draw them (`run`, `compare`, `plot`).

mod common;
use common::*;
use plotters::style::RGBColor;
use senesim::io::output::snapshot::{read_vti, write_vti, Snapshot};
use senesim::math;
use senesim::model::observe::{FieldSample, Row};
use senesim::plot::compare::{effects_figure, timeseries_figure as compare_figure};
use senesim::plot::figure::{phenotype, save, Figure, Format, ARM_COLOURS, DRIFT, REJUVENATION};
use senesim::plot::lines::{Chart, Curve, Panels};
use senesim::plot::map::{Gif, PhenotypeFrame, StateFigure};
use senesim::plot::run::{dose_times, timeseries_figure};
use std::collections::{BTreeMap, HashSet};

fn count(px: &[[u8; 3]], c: plotters::style::RGBColor) -> usize {
    px.iter().filter(|p| **p == [c.0, c.1, c.2]).count()
}

/// Rows of a made-up run: senescence rising linearly, a wound closing.
fn rows(days: usize, wound: bool) -> Vec<Row> {
    (0..=days)
        .map(|d| {
            let t = d as f64 / days as f64;
            Row {
                time_h: 24.0 * d as f64,
                tissue_cells: 1000,
                proliferative: (800.0 - 400.0 * t) as u64,
                arrested: (100.0 + 200.0 * t) as u64,
                senescent: (100.0 + 200.0 * t) as u64,
                deep_senescent_fraction: 0.1 + 0.2 * t,
                senescent_fraction: 0.2 + 0.4 * t,
                sa_beta_gal_fraction: 0.2 + 0.4 * t,
                p16_fraction: 0.15 + 0.3 * t,
                p21_fraction: 0.25 + 0.4 * t,
                proliferation_index: 0.05,
                sasp_mean: 0.1 + 0.5 * t,
                wound_closure: wound.then_some(t),
                ..Row::default()
            }
        })
        .collect()
}

#[test]
fn run_time_series_show_each_phenotype_in_its_colour() {
    let t = Temp::new();
    let p = t.path().join("ts.png");
    let fig = timeseries_figure(&rows(10, true), None, "fixed run");
    save(&fig, &p, Format::Png).unwrap();
    let (w, h, px) = pixels(&p);
    assert_eq!((w, h), fig.size());
    let distinct: HashSet<[u8; 3]> = px.iter().copied().collect();
    assert!(distinct.len() > 20, "{} colours", distinct.len());
    // Lines (3 px wide over a panel) and legend swatches in the fixed colours.
    for c in [
        phenotype::PROLIFERATIVE,
        phenotype::ARRESTED,
        phenotype::DEEP,
        phenotype::SA_BETA_GAL,
    ] {
        assert!(count(&px, c) > 300, "{c:?}: {}", count(&px, c));
    }
    // The minority phenotypes have a panel of their own, on their own scale;
    // the wound has its panel; no field was dosed, so no EV panel.
    let captions: Vec<&str> = fig.charts.iter().map(|c| c.caption.as_str()).collect();
    assert!(captions[1].contains("own scale"), "{captions:?}");
    assert!(captions.last().unwrap().contains("Wound"), "{captions:?}");
    assert!(!captions.iter().any(|c| c.contains("EV")), "{captions:?}");
    let no_wound = timeseries_figure(&rows(10, false), None, "fixed run");
    assert_eq!(no_wound.charts.len(), 4);
}

/// A trace of two doses on day 1 and day 4, each decaying by half an hour.
fn trace() -> Vec<FieldSample> {
    let mut total = 0.0;
    let mut delivered = 0.0;
    (0..=24 * 6)
        .map(|h| {
            let t = h as f64;
            if h > 0 {
                total *= 0.5;
            }
            if h == 25 || h == 97 {
                // Given at the start of the step from t - 1.
                total += 100.0;
                delivered += 100.0;
            }
            FieldSample {
                time_h: t,
                ev_young_total: total,
                ev_senescent_total: 0.0,
                cm_young_total: 0.0,
                cm_senescent_total: 0.0,
                delivered_total: delivered,
            }
        })
        .collect()
}

#[test]
fn the_dosed_fields_are_drawn_every_step_with_their_doses_marked() {
    let tr = trace();
    assert_eq!(dose_times(&tr), vec![24.0, 96.0]);
    let fig = timeseries_figure(&rows(6, false), Some(&tr), "dosed");
    let ev = fig
        .charts
        .iter()
        .find(|c| c.caption.contains("EV"))
        .expect("an EV panel");
    assert_eq!(ev.verticals, vec![1.0, 4.0]);
    // Every step's sample is a point of the curve (not only the daily rows).
    assert_eq!(ev.curves.len(), 1);
    assert_eq!(ev.curves[0].points.len(), tr.len());
    let t = Temp::new();
    let p = t.path().join("ts.png");
    save(&fig, &p, Format::Png).unwrap();
    let (_, _, px) = pixels(&p);
    assert!(count(&px, phenotype::MSC) > 100);
}

/// Renders `chart()` alone, with and without its legend: the pixels that
/// differ are the legend's box; in the figure without it, that box shows
/// no curve colour (no data under the legend).
fn assert_legend_covers_no_data(name: &str, chart: &dyn Fn() -> Chart, colours: &[RGBColor]) {
    let t = Temp::new();
    let draw = |show: bool, file: &str| {
        let mut c = chart();
        c.show_legend = show;
        let fig = Panels {
            title: String::new(),
            columns: 1,
            charts: vec![c],
        };
        let p = t.path().join(file);
        save(&fig, &p, Format::Png).unwrap();
        pixels(&p)
    };
    let (w, _, with) = draw(true, "with.png");
    let (_, _, without) = draw(false, "without.png");
    let differ: Vec<usize> = (0..with.len()).filter(|&i| with[i] != without[i]).collect();
    assert!(!differ.is_empty(), "{name}: no legend drawn");
    let (xs, ys): (Vec<u32>, Vec<u32>) =
        differ.iter().map(|&i| (i as u32 % w, i as u32 / w)).unzip();
    let (x0, x1) = (*xs.iter().min().unwrap(), *xs.iter().max().unwrap());
    let (y0, y1) = (*ys.iter().min().unwrap(), *ys.iter().max().unwrap());
    assert!(
        x1 - x0 > 60 && y1 - y0 > 20,
        "{name}: legend box {x0}..{x1} × {y0}..{y1}"
    );
    for y in y0..=y1 {
        for x in x0..=x1 {
            let p = without[(y * w + x) as usize];
            for c in colours {
                assert!(
                    p != [c.0, c.1, c.2],
                    "{name}: data ({c:?}) at ({x}, {y}) under the legend box {x0}..{x1} × {y0}..{y1}"
                );
            }
        }
    }
}

#[test]
fn legends_never_cover_data() {
    let colours = [
        phenotype::PROLIFERATIVE,
        phenotype::ARRESTED,
        phenotype::DEEP,
        phenotype::TRANSFORMED,
        phenotype::SA_BETA_GAL,
        phenotype::MSC,
        RGBColor(0, 114, 178),
        RGBColor(230, 159, 0),
    ];
    // Every panel of the run figures, with and without a wound and doses.
    let tr = trace();
    for (label, fig) in [
        ("wound", timeseries_figure(&rows(28, true), None, "x")),
        ("doses", timeseries_figure(&rows(6, false), Some(&tr), "x")),
    ] {
        for k in 0..fig.charts.len() {
            let make = || {
                let f = match label {
                    "wound" => timeseries_figure(&rows(28, true), None, "x"),
                    _ => timeseries_figure(&rows(6, false), Some(&tr), "x"),
                };
                f.charts.into_iter().nth(k).unwrap()
            };
            assert_legend_covers_no_data(
                &format!("{label} panel {k}: {}", fig.charts[k].caption),
                &make,
                &colours,
            );
        }
    }
    // Data in all four corners: the legend goes above them, in headroom.
    let corners = || {
        Chart::new(
            "corners",
            "x",
            "y",
            vec![
                Curve::line(
                    "high",
                    phenotype::PROLIFERATIVE,
                    (0..=20).map(|i| (i as f64, 1.0)),
                ),
                Curve::line("low", phenotype::DEEP, (0..=20).map(|i| (i as f64, 0.0))),
                Curve::line(
                    "rising",
                    phenotype::ARRESTED,
                    (0..=20).map(|i| (i as f64, i as f64 / 20.0)),
                ),
            ],
        )
    };
    assert_legend_covers_no_data("corners", &corners, &colours);
    // Log axes too.
    let log = || {
        let mut c = Chart::new(
            "log",
            "dose",
            "effect",
            vec![Curve::line(
                "effect",
                phenotype::MSC,
                (0..=12).map(|i| (0.1 * 2f64.powi(i), 1.0 + i as f64)),
            )],
        );
        c.log_x = true;
        c
    };
    assert_legend_covers_no_data("log", &log, &colours);
}

/// A made-up 20×10 snapshot: bottom half proliferative, top half deep
/// senescent; SASP rising along x; no EVs.
fn snapshot() -> Snapshot {
    let (nx, ny) = (20, 10);
    let mut arrays = BTreeMap::new();
    arrays.insert("kind".to_string(), vec![1.0; nx * ny]);
    arrays.insert(
        "phenotype".to_string(),
        (0..nx * ny)
            .map(|i| if i / nx < ny / 2 { 0.0 } else { 2.0 })
            .collect(),
    );
    arrays.insert(
        "sasp".to_string(),
        (0..nx * ny).map(|i| (i % nx) as f64 / 19.0).collect(),
    );
    arrays.insert("ev_young".to_string(), vec![0.0; nx * ny]);
    arrays.insert("ev_senescent".to_string(), vec![0.0; nx * ny]);
    Snapshot {
        nx,
        ny,
        spacing_um: 10.0,
        time_h: 48.0,
        arrays,
    }
}

/// Mean pixel row and column of a colour within the given window.
fn centroid(px: &[[u8; 3]], w: u32, win: (u32, u32, u32, u32), c: [u8; 3]) -> (f64, f64, usize) {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0usize);
    for y in win.1..win.3 {
        for x in win.0..win.2 {
            if px[(y * w + x) as usize] == c {
                sx += x as f64;
                sy += y as f64;
                n += 1;
            }
        }
    }
    (sx / n.max(1) as f64, sy / n.max(1) as f64, n)
}

#[test]
fn state_maps_put_y_up_and_colour_fields_on_viridis() {
    let t = Temp::new();
    let s = snapshot();
    let fig = StateFigure {
        title: "fixed state".into(),
        snapshot: &s,
        max: [1.0, 0.0, 0.0],
    };
    let p = t.path().join("state.png");
    save(&fig, &p, Format::Png).unwrap();
    let (w, h, px) = pixels(&p);
    assert_eq!((w, h), fig.size());
    // The phenotype panel is the top-left quarter: proliferative (y < 5,
    // the bottom rows) lies below deep senescent, and each covers about
    // half of a 2:1 map.
    let quarter = (0, 0, w / 2, h / 2);
    let p = phenotype::PROLIFERATIVE;
    let d = phenotype::DEEP;
    let (_, py, np) = centroid(&px, w, quarter, [p.0, p.1, p.2]);
    let (_, dy, nd) = centroid(&px, w, quarter, [d.0, d.1, d.2]);
    assert!(
        py > dy + 20.0,
        "proliferative (bottom rows) below deep: {py} vs {dy}"
    );
    let ratio = np as f64 / nd as f64;
    assert!((0.85..1.2).contains(&ratio), "halves: {np} vs {nd}");
    // The SASP panel (top right, left of its colour bar) runs from viridis'
    // dark end at x = 0 to its light end at x = max (exact end colours occur
    // only in the map: the colour bar samples cell centres).
    let right = (w / 2, 0, w - 190, h / 2);
    let (x0, _, n0) = centroid(&px, w, right, [68, 1, 84]);
    let (x1, _, n1) = centroid(&px, w, right, [253, 231, 37]);
    assert!(n0 > 100 && n1 > 100, "viridis ends present: {n0}, {n1}");
    assert!(x1 > x0 + 200.0, "SASP rises to the right: {x0} → {x1}");
}

#[test]
fn the_animation_has_one_frame_per_snapshot() {
    let t = Temp::new();
    let a = snapshot();
    let mut b = snapshot();
    b.arrays.insert("phenotype".into(), vec![0.0; 200]);
    b.time_h = 96.0;
    let p = t.path().join("anim.gif");
    let frames = [
        PhenotypeFrame {
            title: "day 2".into(),
            snapshot: &a,
        },
        PhenotypeFrame {
            title: "day 4".into(),
            snapshot: &b,
        },
    ];
    let mut g = Gif::create(&p, frames[0].size(), 500).unwrap();
    for f in &frames {
        g.push(f).unwrap();
    }
    g.finish().unwrap();
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut d = opts.read_info(std::fs::File::open(&p).unwrap()).unwrap();
    let mut decoded = Vec::new();
    while let Some(f) = d.read_next_frame().unwrap() {
        assert_eq!((f.width as u32, f.height as u32), frames[0].size());
        assert_eq!(f.delay, 50, "centiseconds");
        decoded.push(f.buffer.to_vec());
    }
    assert_eq!(decoded.len(), 2);
    // Frame 1 has deep-senescent pixels (quantised: near DEEP), frame 2 none.
    let near = |buf: &[u8], c: plotters::style::RGBColor| {
        buf.chunks(4)
            .filter(|p| {
                (p[0] as i32 - c.0 as i32).abs()
                    + (p[1] as i32 - c.1 as i32).abs()
                    + (p[2] as i32 - c.2 as i32).abs()
                    < 30
            })
            .count()
    };
    let (d1, d2) = (
        near(&decoded[0], phenotype::DEEP),
        near(&decoded[1], phenotype::DEEP),
    );
    assert!(
        d1 > 50_000 && d2 < 1_000,
        "deep pixels {d1} then {d2} (legend swatch only)"
    );
    assert!(
        near(&decoded[1], phenotype::PROLIFERATIVE)
            > 2 * near(&decoded[0], phenotype::PROLIFERATIVE) - 5_000
    );
}

#[test]
fn compare_time_series_draw_each_arm_with_its_band() {
    // Two arms × three replicates whose values differ by ±0.05.
    let series = ["control", "treated"]
        .iter()
        .enumerate()
        .map(|(a, name)| {
            let runs = (0..3)
                .map(|r| {
                    rows(10, false)
                        .into_iter()
                        .map(|mut row| {
                            let off = 0.05 * (r as f64 - 1.0) + 0.2 * a as f64;
                            row.sa_beta_gal_fraction += off;
                            row.deep_senescent_fraction += off;
                            row.sasp_mean += off;
                            row
                        })
                        .collect()
                })
                .collect();
            (name.to_string(), runs)
        })
        .collect();
    let t = Temp::new();
    let p = t.path().join("c.png");
    let fig = compare_figure(&series, "fixed comparison");
    // The band is the t-based 95% CI of the mean: ±4.303 · 0.05 / √3.
    let c = &fig.charts[0].curves[1].points[5];
    assert!(
        (c.3 - c.1 - 4.303 * 0.05 / 3f64.sqrt()).abs() < 1e-3,
        "{c:?}"
    );
    save(&fig, &p, Format::Png).unwrap();
    let (w, h, px) = pixels(&p);
    assert_eq!((w, h), fig.size());
    let blue = ARM_COLOURS[1];
    assert!(count(&px, blue) > 500, "treated lines");
    // Bands: each arm's colour at 20% over white.
    let band = |c: plotters::style::RGBColor| {
        let m = |v: u8| (0.2 * v as f64 + 0.8 * 255.0).round() as i32;
        [m(c.0), m(c.1), m(c.2)]
    };
    let b = band(blue);
    let n = px
        .iter()
        .filter(|p| (0..3).all(|k| (p[k] as i32 - b[k]).abs() <= 2))
        .count();
    assert!(n > 2000, "treated band pixels: {n}");
}

#[test]
fn the_effects_chart_colours_verdicts() {
    let report = serde_json::json!({
        "scenario_name": "fixed effects",
        "replicates": 4,
        "comparisons": [
            {"arm": "treated", "against": "control", "verdict": "rejuvenation",
             "metrics": {"final_senescent_fraction": {"diff_mean": -0.05, "ci_low": -0.07, "ci_high": -0.03},
                         "mean_sasp": {"diff_mean": -0.01, "ci_low": -0.02, "ci_high": 0.0}}},
            {"arm": "old", "against": "control", "verdict": "senescent_drift",
             "metrics": {"final_senescent_fraction": {"diff_mean": 0.04, "ci_low": 0.02, "ci_high": 0.06},
                         "mean_sasp": {"diff_mean": 0.02, "ci_low": 0.01, "ci_high": 0.03}}}
        ]
    });
    let t = Temp::new();
    let fig = effects_figure(&report, t.path()).unwrap();
    assert_eq!(fig.metrics, ["final_senescent_fraction", "mean_sasp"]);
    let p = t.path().join("e.png");
    save(&fig, &p, Format::Png).unwrap();
    let (w, h, px) = pixels(&p);
    assert_eq!((w, h), fig.size());
    // Marker, error bar and verdict text in each verdict's colour.
    assert!(
        count(&px, REJUVENATION) > 150,
        "{}",
        count(&px, REJUVENATION)
    );
    assert!(count(&px, DRIFT) > 150, "{}", count(&px, DRIFT));
}

#[test]
fn snapshots_read_back_exactly() {
    let t = Temp::new();
    let path = t.write("full.toml", FULL);
    let loaded = senesim::scenario::resolve(Some(&path), &[]).unwrap();
    let mut w = senesim::model::world::World::new(loaded.scenario);
    for _ in 0..30 {
        w.step();
    }
    let mut buf = Vec::new();
    write_vti(&mut buf, &w).unwrap();
    let s = read_vti(&buf).unwrap();
    assert_eq!((s.nx, s.ny, s.time_h), (48, 40, 30.0));
    // Fields are f32: each value written reads back as the same f32.
    use senesim::model::fields::FieldId;
    let narrow = |a: &[f64]| -> Vec<f32> { a.iter().map(|&v| v as f32).collect() };
    assert_eq!(narrow(s.array("sasp").unwrap()), w.fields[FieldId::Sasp].c);
    assert_eq!(
        narrow(s.array("ev_young").unwrap()),
        w.fields[FieldId::EvYoung].c
    );
    assert_eq!(
        narrow(s.array("cm_young").unwrap()),
        &w.fields[FieldId::CmYoung].values()[..]
    );
    // Empty sites have no phenotype (255) and are not occupied.
    let phen: Vec<f64> = w
        .cells
        .iter()
        .map(|c| {
            if c.is_occupied() {
                c.phenotype as u8 as f64
            } else {
                255.0
            }
        })
        .collect();
    assert_eq!(s.array("phenotype").unwrap(), &phen[..]);
    let occupied: Vec<f64> = w
        .cells
        .iter()
        .map(|c| c.is_occupied() as u8 as f64)
        .collect();
    assert_eq!(s.array("occupied").unwrap(), &occupied[..]);
    assert!(occupied.contains(&0.0) && occupied.contains(&1.0));
    let damage: Vec<f32> = w.cells.iter().map(|c| c.damage.total() as f32).collect();
    assert_eq!(narrow(s.array("damage").unwrap()), damage);
    let divisions: Vec<f64> = w.cells.iter().map(|c| c.divisions as f64).collect();
    assert_eq!(s.array("divisions").unwrap(), &divisions[..]);
    // Compressed: smaller than the arrays' raw bytes (7 UInt8, 1 UInt16
    // and 8 Float32 arrays: 41 bytes per site), though damage, cargo and
    // fields vary from site to site on this small lattice.
    let raw = 41.0 * (s.nx * s.ny) as f64;
    assert!(
        (buf.len() as f64) < 0.75 * raw,
        "{} bytes of {raw}",
        buf.len()
    );
    // A file cut anywhere is an error, not a short array.
    for cut in [buf.len() / 3, buf.len() / 2, buf.len() - 20] {
        assert!(read_vti(&buf[..cut]).is_err(), "cut at {cut}");
    }
}

const SMALL: [&str; 8] = [
    "--set",
    "grid.nx=24",
    "--set",
    "grid.ny=24",
    "--set",
    "run.days=4",
    "--set",
    "run.snapshot_every_h=48",
];

#[test]
fn plot_redraws_a_run_folder_byte_for_byte() {
    let t = Temp::new();
    let out = t.path().join("run");
    let mut args = vec!["run", "--out", out.to_str().unwrap(), "--quiet"];
    args.extend(SMALL);
    let o = senesim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = [
        "timeseries.png",
        "state_0000h.png",
        "state_0048h.png",
        "state_0096h.png",
        "phenotype.gif",
    ];
    let first: Vec<Vec<u8>> = names
        .iter()
        .map(|n| std::fs::read(out.join("plots").join(n)).unwrap())
        .collect();
    std::fs::remove_dir_all(out.join("plots")).unwrap();
    let o = senesim(&["plot", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (n, bytes) in names.iter().zip(&first) {
        assert_eq!(
            &std::fs::read(out.join("plots").join(n)).unwrap(),
            bytes,
            "{n}"
        );
    }
    // SVG maps embed the lattice as one image.
    let o = senesim(&["plot", out.to_str().unwrap(), "--svg"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(out.join("plots/state_0096h.svg")).unwrap();
    assert!(svg.contains("<image"), "raster embedded");
    // Sweep-only options are refused on a run folder.
    let o = senesim(&["plot", out.to_str().unwrap(), "--metric", "mean_sasp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("sweep folders"), "{}", stderr(&o));

    // --no-plots: no plots folder, and the manifest does not list one.
    let bare = t.path().join("bare");
    let mut args = vec![
        "run",
        "--out",
        bare.to_str().unwrap(),
        "--quiet",
        "--no-plots",
    ];
    args.extend(SMALL);
    let o = senesim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!bare.join("plots").exists());
    let m = std::fs::read_to_string(bare.join("manifest.json")).unwrap();
    assert!(!m.contains("plots/"), "{m}");
}

#[test]
fn compare_writes_replicate_series_and_its_plots() {
    let t = Temp::new();
    let s = t.write("full.toml", FULL);
    let out = t.path().join("cmp");
    let o = senesim(&[
        "compare",
        s.to_str().unwrap(),
        "--replicates",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--set",
        "run.days=5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Every arm × replicate × output time is a row of timeseries.csv.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("comparison.json")).unwrap())
            .unwrap();
    let arms = report["arms"].as_array().unwrap().len();
    let rows = csv::Reader::from_path(out.join("timeseries.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(
        rows,
        arms * 2 * 11,
        "{arms} arms × 2 replicates × (0, 12, …, 120 h)"
    );
    for n in ["compare_timeseries.png", "effects.png"] {
        let (w, h, px) = pixels(&out.join("plots").join(n));
        assert!(w >= 1000 && h >= 600, "{n}: {w}×{h}");
        let distinct: HashSet<[u8; 3]> = px.iter().copied().collect();
        assert!(distinct.len() > 20, "{n}: {} colours", distinct.len());
    }
    // An unknown folder is refused with what was expected.
    let o = senesim(&["plot", t.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("comparison.json"), "{}", stderr(&o));
}

#[test]
fn a_run_animates_its_daily_snapshots_and_maps_weeks_and_the_hours_after_doses() {
    // The default scenario (daily snapshots; doses at day 1, 8, 15, 22; a
    // snapshot 6 h after each) on a small patch.
    let t = Temp::new();
    let d = t.path().join("run");
    let o = senesim(&[
        "run",
        "scenarios/default.toml",
        "--set",
        "grid.nx=24",
        "--set",
        "grid.ny=24",
        "--out",
        d.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut states: Vec<String> = std::fs::read_dir(d.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("state_"))
        .collect();
    states.sort();
    let hours = [0, 30, 168, 198, 336, 366, 504, 534, 672];
    assert_eq!(
        states,
        hours.map(|h| format!("state_{h:04}h.png")).to_vec(),
        "weekly maps, one 6 h after each dose, the last"
    );
    // One animation frame per day, days 0..=28, with a delay that plays the
    // month in a few seconds.
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = opts
        .read_info(std::fs::File::open(d.join("plots/phenotype.gif")).unwrap())
        .unwrap();
    let mut frames = 0;
    let mut delay = 0;
    while let Some(f) = dec.read_next_frame().unwrap() {
        frames += 1;
        delay = f.delay;
    }
    assert_eq!(frames, 29);
    assert!((15..=70).contains(&delay), "{delay} cs per frame");
    // The map 6 h after a dose shows the dose's EVs; the one before it does not.
    let read = |h: u32| {
        read_vti(&std::fs::read(d.join(format!("snapshots/snapshot_{h:07}h.vti"))).unwrap())
            .unwrap()
    };
    let ev = |s: &Snapshot| s.array("ev_young").unwrap().iter().sum::<f64>();
    assert!(ev(&read(30)) > 0.0 && ev(&read(24)) == 0.0);
}

/// The text of every `<text>` element of an SVG figure.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            t.split_once('>')
                .and_then(|(_, rest)| rest.split_once("</text>"))
        })
        .map(|(text, _)| text.trim().to_string())
        .collect()
}

#[test]
fn tick_labels_read_round_values_and_zero_as_0() {
    // A log x axis from 0.25 to 16 (the issue met 0.251, 0.398, 15.8) and a
    // y axis through zero (the issue met -2.78e-17).
    let chart = || {
        let mut c = Chart::new(
            "ticks",
            "dose",
            "effect",
            vec![Curve::line(
                "effect",
                phenotype::MSC,
                (0..=8).map(|i| (0.25 * 2f64.powi(i), -0.03 + 0.0075 * i as f64)),
            )],
        );
        c.log_x = true;
        c.from_zero = false;
        c
    };
    let t = Temp::new();
    let p = t.path().join("ticks.svg");
    let fig = Panels {
        title: String::new(),
        columns: 1,
        charts: vec![chart()],
    };
    save(&fig, &p, Format::Svg).unwrap();
    let texts = svg_texts(&std::fs::read_to_string(&p).unwrap());
    let numbers: Vec<f64> = texts.iter().filter_map(|s| s.parse::<f64>().ok()).collect();
    assert!(numbers.len() >= 8, "{texts:?}");
    assert!(
        texts.iter().any(|s| s == "0"),
        "a zero tick reads 0: {texts:?}"
    );
    assert!(!texts.iter().any(|s| s.contains("e-1")), "{texts:?}");
    // Every positive label is m × 10^k with a whole m (1, 2, 5, 0.5, 10, …).
    for v in numbers.iter().filter(|v| **v > 0.2) {
        let m = v / math::powf(10f64, math::log10(*v).floor());
        assert!((m - m.round()).abs() < 1e-9, "tick {v} in {texts:?}");
    }
    for want in ["0.5", "1", "2", "5", "10"] {
        assert!(texts.iter().any(|s| s == want), "no tick {want}: {texts:?}");
    }
}
