//! `senesim compare`: paired arms, verdicts, outputs, determinism, bad input.

mod common;
use common::*;
use std::path::Path;

const SMALL: &str = r#"
name = "small aged patch, young EVs"
[run]
days = 14.0
snapshot_every_h = 0.0
[grid]
nx = 40
ny = 40
[tissue]
age = "aged"
[products.young]
source = "umbilical_cord"
donor_age_years = 25.0
passage = 3
[products.old]
source = "bone_marrow"
donor_age_years = 70.0
passage = 15
cryo_cycles = 2
[[treatments]]
product = "young"
start_h = 24.0
every_h = 96.0
delivery = { mode = "uniform", au_per_site = 4.0 }
[[arms]]
name = "old_product"
description = "the same schedule with EVs from old, high-passage producers"
set = ["treatments.0.product=\"old\""]
"#;

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn compare(t: &Temp, out: &str, threads: &str) -> (std::process::Output, serde_json::Value) {
    let sc = t.write("small.toml", SMALL);
    let out = t.path().join(out);
    let o = senesim(&[
        "compare",
        sc.to_str().unwrap(),
        "--replicates",
        "3",
        "--threads",
        threads,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json(&out.join("comparison.json"));
    (o, j)
}

#[test]
fn compare_gives_verdicts_for_every_arm_pair() {
    let t = Temp::new();
    let (o, j) = compare(&t, "cmp", "2");
    let c = j["comparisons"].as_array().unwrap();
    let find = |a: &str, b: &str| {
        c.iter()
            .find(|x| x["arm"] == a && x["against"] == b)
            .unwrap_or_else(|| panic!("{a} vs {b}"))
    };
    assert_eq!(find("treated", "control")["verdict"], "rejuvenation");
    assert_eq!(find("old_product", "control")["verdict"], "senescent_drift");
    assert_eq!(find("old_product", "treated")["verdict"], "senescent_drift");
    let m = &find("treated", "control")["metrics"];
    for k in [
        "final_senescent_fraction",
        "auc_senescent_fraction_days",
        "mean_sasp",
        "final_transformed",
    ] {
        let p = &m[k];
        assert_eq!(p["n"], 3, "{k}");
        assert!(
            p["ci_low"].as_f64().unwrap() <= p["diff_mean"].as_f64().unwrap(),
            "{k}"
        );
        assert!(
            p["diff_mean"].as_f64().unwrap() <= p["ci_high"].as_f64().unwrap(),
            "{k}"
        );
    }
    // The paired difference is the difference of the per-replicate values.
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 9);
    let val = |arm: &str, r: u64| {
        runs.iter()
            .find(|x| x["arm"] == arm && x["replicate"] == r)
            .unwrap()["metrics"]["final_senescent_fraction"]
            .as_f64()
            .unwrap()
    };
    let mean_diff: f64 = (0..3)
        .map(|r| val("treated", r) - val("control", r))
        .sum::<f64>()
        / 3.0;
    assert!(
        (mean_diff - m["final_senescent_fraction"]["diff_mean"].as_f64().unwrap()).abs() < 1e-12
    );
    // Each replicate's seed is shared by all arms; replicates differ.
    let seeds: Vec<u64> = j["seeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().parse::<u64>().unwrap())
        .collect();
    assert_eq!(seeds.len(), 3);
    assert!(seeds[0] != seeds[1] && seeds[1] != seeds[2]);
    for r in runs {
        assert_eq!(
            r["seed"].as_str().unwrap().parse::<u64>().unwrap(),
            seeds[r["replicate"].as_u64().unwrap() as usize]
        );
    }
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("verdict: rejuvenation") && table.contains("final senescent fraction"),
        "{table}"
    );
}

#[test]
fn compare_is_identical_at_one_and_two_threads() {
    let t = Temp::new();
    let (_, mut a) = compare(&t, "a", "1");
    let (_, mut b) = compare(&t, "b", "2");
    for v in [&mut a, &mut b] {
        let m = v.as_object_mut().unwrap();
        m.remove("wall_time_s");
        m.remove("threads");
    }
    assert_eq!(a, b);
    assert_eq!(
        std::fs::read(t.path().join("a/runs.csv")).unwrap(),
        std::fs::read(t.path().join("b/runs.csv")).unwrap()
    );
}

#[test]
fn compare_refuses_bad_input_before_running() {
    let t = Temp::new();
    let sc = t.write("small.toml", SMALL);
    let out = t.path().join("x");
    let o = senesim(&[
        "compare",
        sc.to_str().unwrap(),
        "--replicates",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--replicates 1"), "{}", stderr(&o));
    let bad = t.write(
        "bad.toml",
        &SMALL.replace(
            "treatments.0.product=\\\"old\\\"",
            "treatments.0.product=\\\"nothing\\\"",
        ),
    );
    let o = senesim(&[
        "compare",
        bad.to_str().unwrap(),
        "--replicates",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("arms[0] \"old_product\"") && err.contains("no such product"),
        "{err}"
    );
    // A scenario without treatments (or arms that change it): nothing to compare.
    let plain = t.write(
        "plain.toml",
        "[run]\ndays = 2.0\n[grid]\nnx = 16\nny = 16\n",
    );
    let o = senesim(&[
        "compare",
        plain.to_str().unwrap(),
        "--replicates",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to compare"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// A compare folder holds one comparison: another one (here: other
/// replicates) is refused before any run, and the folder is left as it was;
/// the same comparison may be rerun into it; --force overwrites.
#[test]
fn compare_refuses_to_overwrite_another_comparison() {
    let t = Temp::new();
    let (_, first) = compare(&t, "cmp", "2");
    let sc = t.path().join("small.toml");
    let out = t.path().join("cmp");
    let before = std::fs::read(out.join("comparison.json")).unwrap();
    let again = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            sc.to_str().unwrap(),
            "--replicates",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--no-plots",
        ];
        args.extend_from_slice(extra);
        senesim(&args)
    };
    let o = again(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("holds a comparison of \"small aged patch, young EVs\" (3 replicates")
            && e.contains("--force"),
        "{e}"
    );
    assert_eq!(std::fs::read(out.join("comparison.json")).unwrap(), before);
    // The same comparison again: allowed, same result.
    let (_, same) = compare(&t, "cmp", "1");
    assert_eq!(same["comparisons"], first["comparisons"]);
    // A run folder is not a compare folder either.
    let run = t.path().join("run");
    let o = run_quiet(&sc, &run, &["--set", "run.days=2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = senesim(&[
        "compare",
        sc.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds a run"), "{}", stderr(&o));
    // --force overwrites.
    let o = again(&["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&out.join("comparison.json"))["replicates"], 2);
}
