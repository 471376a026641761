//! `senesim validate`: the report a user gets (CI runs the whole suite; here
//! two fast checks through the binary, and the refusal of unknown ids).

mod common;
use common::*;

#[test]
fn validate_writes_a_self_contained_report_with_figures() {
    let t = Temp::new();
    let out = t.path().join("v");
    let o = senesim(&[
        "validate",
        "--only",
        "boundaries",
        "--only",
        "waiting-times",
        "--threads",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("**2 passed, 0 failed**"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let checks = json.as_array().unwrap();
    assert_eq!(checks.len(), 2);
    for c in checks {
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["passed"], true, "{id}");
        // Each section says what, the tolerance and why, and the figure.
        for key in ["tests", "tolerance", "why", "measured"] {
            let text = c[key].as_str().unwrap();
            assert!(text.len() > 20, "{id}.{key}: {text:?}");
            assert!(md.contains(text.split('\n').next().unwrap()), "{id}.{key}");
        }
        let plot = out.join(c["plot"].as_str().unwrap());
        let (w, h, px) = pixels(&plot);
        assert!(w >= 800 && h >= 500, "{}", plot.display());
        // A drawn figure, not a blank canvas.
        assert!(px.iter().filter(|p| **p != [255, 255, 255]).count() > 10_000);
        assert!(md.contains(&format!("<a id=\"{id}\"></a>")));
    }
    let m = manifest(&out);
    assert_eq!(m["threads"], 2);
    assert_eq!(m["failed"].as_array().unwrap().len(), 0);
    assert_eq!(m["senesim_version"], env!("CARGO_PKG_VERSION"));
    // A folder with an earlier report is reused.
    let o = senesim(&[
        "validate",
        "--only",
        "boundaries",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(out.join("report.md"))
        .unwrap()
        .contains("**1 passed, 0 failed**"));
}

#[test]
fn validate_refuses_an_unknown_check() {
    let t = Temp::new();
    let out = t.path().join("v");
    let o = senesim(&["validate", "--only", "k0", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("--only k0") && e.contains("point-source"), "{e}");
    assert!(!out.join("report.md").exists());
}

/// The report never overwrites a run's folder (its manifest.json would be
/// replaced by the report's).
#[test]
fn validate_refuses_a_run_folder() {
    let t = Temp::new();
    let run = t.path().join("r");
    let sc = t.write("s.toml", SWEEP_BASE);
    let o = run_quiet(&sc, &run, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read(run.join("manifest.json")).unwrap();
    let o = senesim(&[
        "validate",
        "--only",
        "boundaries",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds a run"), "{}", stderr(&o));
    assert_eq!(std::fs::read(run.join("manifest.json")).unwrap(), manifest);
    assert!(!run.join("report.md").exists());
}
