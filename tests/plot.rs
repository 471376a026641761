//! `senesim plot` on sweep folders: each figure kind decodes, has its size,
//! is not blank, and shows its colours.

mod common;
use common::*;
use std::collections::HashSet;

const BASE: &str = r#"
name = "plot base"
[run]
days = 2.0
snapshot_every_h = 0.0
[grid]
nx = 16
ny = 16
[tissue]
age = "aged"
[products.ev]
source = "bone_marrow"
donor_age_years = 45.0
passage = 4
[[treatments]]
product = "ev"
start_h = 1.0
every_h = 24.0
delivery = { mode = "uniform", au_per_site = 2.0 }
"#;

fn sweep(t: &Temp, axes: &str) -> std::path::PathBuf {
    t.write("base.toml", BASE);
    let s = t.write(
        "s.toml",
        &format!("scenario = \"base.toml\"\nreplicates = 2\npaired = true\n{axes}"),
    );
    let out = t.path().join("out");
    let o = senesim(&[
        "sweep",
        s.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

#[test]
fn two_keys_give_a_phase_diagram_and_a_verdict_map() {
    let t = Temp::new();
    let d = sweep(&t, "[[axes]]\nkey = \"products.ev.passage\"\nvalues = [2, 20]\n[[axes]]\nkey = \"treatments.0.delivery.au_per_site\"\nvalues = [1.0, 8.0]\n");
    let o = senesim(&["plot", d.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, h, px) = pixels(&d.join("plots/sweep_final_senescent_fraction_treated.png"));
    assert!(w >= 800 && h >= 480, "{w}×{h}");
    let distinct: HashSet<[u8; 3]> = px.iter().copied().collect();
    assert!(
        distinct.len() > 50,
        "a colour bar and four cells: {} colours",
        distinct.len()
    );
    // The colour bar runs the whole viridis range: its two ends are present.
    assert!(
        px.contains(&[253, 231, 37]) || px.iter().any(|p| p[0] > 240 && p[1] > 220 && p[2] < 60),
        "viridis yellow"
    );
    assert!(
        px.iter().any(|p| p[0] < 75 && p[1] < 10 && p[2] > 75),
        "viridis purple"
    );

    let (_, _, px) = pixels(&d.join("plots/sweep_verdicts_treated.png"));
    // The legend shows all three verdict colours (Okabe-Ito), cells at least one.
    for c in [[0, 68, 136], [204, 204, 204], [213, 94, 0]] {
        assert!(
            px.iter().filter(|p| **p == c).count() > 200,
            "verdict colour {c:?}"
        );
    }

    // SVG on request; a bad metric is refused with the choices.
    let o = senesim(&["plot", d.to_str().unwrap(), "--svg", "--metric", "effect"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(d.join("plots/sweep_effect_treated.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<rect"));
    let o = senesim(&["plot", d.to_str().unwrap(), "--metric", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("final_senescent_fraction"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn one_key_gives_response_curves_with_bands() {
    let t = Temp::new();
    let d = sweep(
        &t,
        "[[axes]]\nkey = \"products.ev.passage\"\nvalues = [2, 8, 14, 20]\n",
    );
    let o = senesim(&["plot", d.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, h, px) = pixels(&d.join("plots/sweep_final_senescent_fraction_response.png"));
    assert_eq!((w, h), (1000, 650));
    // Control in black, treated in Okabe-Ito blue, and the treated band (blue at 20%).
    assert!(
        px.iter().filter(|p| **p == [0, 114, 178]).count() > 100,
        "treated line"
    );
    assert!(
        px.iter().filter(|p| **p == [0, 0, 0]).count() > 100,
        "control line and text"
    );
    assert!(
        px.iter().any(|p| p[2] > p[0] + 20 && p[0] > 150),
        "a light blue band"
    );
    let o = senesim(&["plot", t.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "not a sweep folder");
}

/// A Latin hypercube sweep of two keys is no grid: each varied key gets a panel of the
/// metric against it, one dot per point and arm.
#[test]
fn latin_hypercube_sweeps_give_one_scatter_panel_per_key() {
    let t = Temp::new();
    let d = sweep(
        &t,
        "[latin_hypercube]\nsamples = 8\naxes = [{ key = \"tissue.clearance_beta_per_day\", from = 0.005, to = 0.05, scale = \"log\" }, { key = \"treatments.0.delivery.au_per_site\", from = 0.5, to = 8.0 }]\n",
    );
    let o = senesim(&["plot", d.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, h, px) = pixels(&d.join("plots/sweep_final_senescent_fraction_sensitivity.png"));
    assert_eq!((w, h), (2 * 720, 550), "two panels side by side");
    // Treated dots (Okabe-Ito blue) in both panels: 8 points each.
    let blue = |x0: u32, x1: u32| {
        px.iter()
            .enumerate()
            .filter(|(i, p)| **p == [0, 114, 178] && (x0..x1).contains(&(*i as u32 % w)))
            .count()
    };
    assert!(blue(0, 720) > 100, "treated dots, left panel");
    assert!(blue(720, 1440) > 100, "treated dots, right panel");
    // The effect is plotted the same way, with its zero line.
    let o = senesim(&["plot", d.to_str().unwrap(), "--metric", "effect"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("plots/sweep_effect_sensitivity.png").is_file());
}

#[test]
fn signed_effects_are_mapped_on_a_diverging_scale_centred_on_zero() {
    use senesim::plot::figure::{diverging, Format};
    use senesim::plot::grid::CellGrid;
    let t = Temp::new();
    let p = t.path().join("effect.png");
    // The values the issue met: −0.030 and +0.002 must not look alike.
    let values = vec![vec![-0.03, 0.002], vec![0.015, -0.001]];
    let fig = CellGrid::metric(
        "effect".into(),
        ("dose (au per site)".into(), vec!["1".into(), "8".into()]),
        ("producer passage".into(), vec!["2".into(), "20".into()]),
        &values,
        "effect on final senescent fraction (arm − control)".into(),
        true,
    );
    senesim::plot::figure::save(&fig, &p, Format::Png).unwrap();
    let (_, _, px) = pixels(&p);
    let m = 0.03;
    for &v in values.iter().flatten() {
        let c = diverging((v + m) / (2.0 * m));
        let n = px.iter().filter(|q| **q == [c.0, c.1, c.2]).count();
        assert!(n > 400, "cell {v}: {n} pixels of {c:?}");
        // Below zero blue, above zero red; zero itself near white.
        if v < 0.0 {
            assert!(c.2 > c.0, "{v}: {c:?}");
        } else {
            assert!(c.0 > c.2, "{v}: {c:?}");
        }
    }
    let (neg, pos) = (diverging(0.0), diverging((0.002 + m) / (2.0 * m)));
    assert!(
        neg.2 as i32 - neg.0 as i32 > 100 && pos.0 >= pos.2,
        "{neg:?} vs {pos:?}"
    );
    assert_eq!(diverging(0.5), plotters::style::RGBColor(247, 247, 247));
    // The colour bar spans both ends of the map.
    for end in [diverging(0.0), diverging(1.0)] {
        let near = |q: &[u8; 3]| {
            (0..3).all(|k| (q[k] as i32 - [end.0, end.1, end.2][k] as i32).abs() <= 6)
        };
        assert!(px.iter().any(near), "colour bar end {end:?}");
    }
}
