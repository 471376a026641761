//! The command line: bad input is refused before work starts, with a message
//! that names the file, the key, the value and the rule, and exit status 2;
//! good input writes a complete run folder.

mod common;
use common::*;

/// Runs `senesim run FILE --out DIR`; asserts refusal and that nothing was written.
fn refused(file_text: &str, expect: &[&str]) -> String {
    let t = Temp::new();
    let sc = t.write("bad.toml", file_text);
    let out = t.path().join("out");
    let o = senesim(&[
        "run",
        sc.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.toml"), "names the file: {err}");
    for e in expect {
        assert!(err.contains(e), "expected `{e}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !out.exists(),
        "a refused scenario must not create its output folder"
    );
    err
}

#[test]
fn malformed_toml_names_file_and_line() {
    refused("[grid]\nnx = 64\nny = \n", &["malformed TOML", "line 3"]);
}

#[test]
fn unknown_key_is_named_with_its_value() {
    refused(
        "[tissue]\ncolour = \"red\"\n",
        &["tissue.colour = \"red\"", "unknown key"],
    );
    refused(
        "[fields.sasp]\ndifusion = 10.0\n",
        &["fields.sasp.difusion = 10.0", "unknown key"],
    );
}

#[test]
fn negative_diffusion_is_refused_with_the_rule() {
    refused(
        "[fields.sasp]\ndiffusion = -3.0\n",
        &["fields.sasp.diffusion = -3", "must be > 0", "sites²/h"],
    );
    refused(
        "[fields.ev_young]\ndiffusion = -0.5\n",
        &["fields.ev_young.diffusion = -0.5", "must be > 0"],
    );
}

#[test]
fn grid_too_large_for_memory_is_refused() {
    refused(
        "[grid]\nnx = 1000000\nny = 1000000\n",
        &["grid.nx = 1000000", "1000000 × 1000000", "memory"],
    );
    // Overflowing sizes too.
    refused(
        "[grid]\nnx = 9223372036854775807\nny = 4\n",
        &[
            "grid.nx = 9223372036854775807",
            "9223372036854775807 × 4",
            "memory",
        ],
    );
}

#[test]
fn contraction_keys_out_of_range_are_refused() {
    let w = "[grid]\nnx = 64\nny = 64\n[wound]\nregion = { shape = \"circle\", cx = 32.0, cy = 32.0, r = 10.0 }\n";
    refused(
        &format!("{w}contraction_per_h = -1.0\n"),
        &["wound.contraction_per_h = -1", "must be ≥ 0 (1/h)"],
    );
    refused(
        &format!("{w}contraction_half_saturation = 0.0\n"),
        &["wound.contraction_half_saturation = 0", "must be > 0"],
    );
    refused(
        &format!("{w}topical_pdgf = nan\n"),
        &["wound.topical_pdgf = NaN", "must be ≥ 0"],
    );
    refused(
        &format!("{w}contraction_reach = 4000000000\n"),
        &["wound.contraction_reach = 4000000000", "must be ≤ 64 sites"],
    );
}

#[test]
fn wound_immune_and_pdgf_keys_out_of_range_are_refused() {
    let w = "[grid]\nnx = 64\nny = 64\n[wound]\nregion = { shape = \"circle\", cx = 32.0, cy = 32.0, r = 10.0 }\n";
    refused(
        &format!("{w}immune_clearance_per_day = -3.0\n"),
        &["wound.immune_clearance_per_day = -3", "must be ≥ 0"],
    );
    refused(
        &format!("{w}immune_memory_h = 0.0\n"),
        &["wound.immune_memory_h = 0", "must be > 0 (h)"],
    );
    refused(
        &format!("{w}pdgf_maturation_h = -1.0\n"),
        &["wound.pdgf_maturation_h = -1", "must be > 0 (h)"],
    );
}

#[test]
fn wound_outside_the_grid_is_refused() {
    refused(
        "[grid]\nnx = 64\nny = 64\n[wound]\nregion = { shape = \"circle\", cx = 60.0, cy = 30.0, r = 10.0 }\n",
        &["wound.region", "cx = 60", "must lie inside the 64×64 grid"],
    );
}

#[test]
fn wrong_types_enum_values_and_missing_products_are_refused() {
    refused(
        "[tissue]\nage = \"middle\"\n",
        &["tissue.age = \"middle\"", "unknown variant"],
    );
    refused(
        "[grid]\nnx = \"big\"\n",
        &["grid.nx = \"big\"", "invalid type"],
    );
    refused(
        "[[treatments]]\nproduct = \"nope\"\nstart_h = 0.0\ndelivery = { mode = \"uniform\", au_per_site = 1.0 }\n",
        &["treatments[0].product = \"nope\"", "no such product"],
    );
    refused(
        "[run]\ndt_h = 0.7\n",
        &["run.output_every_h = 24", "whole number"],
    );
    refused(
        "[run]\ndays = 1.01\n",
        &["run.days = 1.01", "whole number of steps"],
    );
    refused(
        "[tissue]\ndensity = 1.5\n",
        &["tissue.density = 1.5", "[0, 1]"],
    );
}

#[test]
fn extends_cycle_is_detected() {
    let t = Temp::new();
    t.write("a.toml", "extends = \"b.toml\"\n");
    t.write("b.toml", "extends = \"a.toml\"\n");
    let o = senesim(&["check", t.path().join("a.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("cycle") && err.contains("a.toml -> ") && err.contains("b.toml"),
        "{err}"
    );
}

#[test]
fn error_in_a_base_file_names_the_base_file() {
    let t = Temp::new();
    t.write("base.toml", "[cells]\ncommitment_h = -1.0\n");
    let child = t.write(
        "child.toml",
        "extends = \"base.toml\"\n[grid]\nnx = 32\nny = 32\n",
    );
    let o = senesim(&["check", child.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("base.toml: cells.commitment_h = -1: must be > 0"),
        "{err}"
    );
}

#[test]
fn bad_set_overrides_are_refused() {
    let o = senesim(&[
        "check",
        "scenarios/default.toml",
        "--set",
        "fields.sasp.decay=-1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--set: fields.sasp.decay = -1: must be ≥ 0"),
        "{}",
        stderr(&o)
    );
    let o = senesim(&["check", "scenarios/default.toml", "--set", "grid.nx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected key.path=value"));
    let o = senesim(&[
        "check",
        "scenarios/default.toml",
        "--set",
        "treatments.5.every_h=3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("index 5 is past"), "{}", stderr(&o));
}

#[test]
fn check_prints_the_resolved_scenario_with_overrides() {
    let o = senesim(&[
        "check",
        "scenarios/default.toml",
        "--set",
        "tissue.age=young",
        "--set",
        "treatments.0.every_h=72",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let v: toml::Table = text.parse().expect("check prints TOML");
    // The young preset's clearance replaced the aged default.
    assert_eq!(
        v["tissue"]["clearance_beta_per_day"].as_float(),
        Some(0.045)
    );
    assert_eq!(v["treatments"][0]["every_h"].as_float(), Some(72.0));
    // Every section is resolved, including keys the file never set.
    assert!(v["fields"]["sasp"]["diffusion"].as_float().is_some());
}

#[test]
fn run_writes_a_complete_folder() {
    let t = Temp::new();
    let out = t.path().join("run");
    let o = senesim(&[
        "run",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--threads",
        "2",
        "--set",
        "grid.nx=32",
        "--set",
        "grid.ny=32",
        "--set",
        "run.days=3",
        "--set",
        "run.snapshot_every_h=24",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "timeseries.csv",
        "summary.json",
        "manifest.json",
        "plots/timeseries.png",
        "plots/state_0072h.png",
        "plots/phenotype.gif",
        "snapshots/snapshot_0000072h.vti",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    // No temporary files are left behind.
    let leftovers: Vec<_> = ["", "plots", "snapshots"]
        .iter()
        .flat_map(|d| std::fs::read_dir(out.join(d)).unwrap())
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.contains("partial").then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let m = manifest(&out);
    assert_eq!(m["completed"], true);
    assert_eq!(m["threads"], 2);
    assert_eq!(m["sasp_solver"], "multigrid");
    assert_eq!(m["seed"], "1", "seeds are written as strings");
    assert_eq!(m["steps_done"], 72);
    assert_eq!(m["scenario"]["grid"]["nx"], 32);
    assert!(m["wall_time_s"].as_f64().unwrap() > 0.0);
    // One row per output interval: t = 0, 24, 48, 72 h.
    let mut r = csv::Reader::from_path(out.join("timeseries.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    for col in [
        "time_h",
        "tissue_cells",
        "proliferative",
        "arrested",
        "senescent",
        "empty",
        "transformed",
        "senescent_fraction",
        "sa_beta_gal_fraction",
        "proliferation_index",
        "mean_damage",
        "sasp_mean",
        "ev_young_total",
        "ev_senescent_total",
        "wound_closure",
    ] {
        assert!(headers.iter().any(|h| h == col), "missing column {col}");
    }
    let times: Vec<f64> = r
        .records()
        .map(|rec| rec.unwrap()[0].parse().unwrap())
        .collect();
    assert_eq!(times, vec![0.0, 24.0, 48.0, 72.0]);
}

/// The manifest says which `sasp` solver ran: `auto` takes the exact
/// spectral solve for a SASP range beyond the multigrid's 64 sites.
#[test]
fn the_manifest_names_the_sasp_solver_auto_chose() {
    let t = Temp::new();
    let out = t.path().join("run");
    // λ = 16/h in the default tissue: a range of 250 sites.
    let o = senesim(&[
        "run",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--set",
        "grid.nx=32",
        "--set",
        "grid.ny=32",
        "--set",
        "run.days=2",
        "--set",
        "fields.sasp.diffusion=1000000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!(m["sasp_solver"], "spectral");
}

#[test]
fn an_unwritable_output_folder_is_a_clean_error() {
    let t = Temp::new();
    let blocker = t.write("file", "not a folder");
    let o = senesim(&[
        "run",
        "--out",
        blocker.join("sub").to_str().unwrap(),
        "--quiet",
        "--set",
        "grid.nx=16",
        "--set",
        "grid.ny=16",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error:") && !err.contains("panicked"), "{err}");
}

#[test]
fn rerunning_into_a_folder_leaves_no_stale_snapshots() {
    let t = Temp::new();
    let out = t.path().join("run");
    let run = |every: &str| {
        let o = senesim(&[
            "run",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--set",
            "grid.nx=16",
            "--set",
            "grid.ny=16",
            "--set",
            "run.days=2",
            "--set",
            &format!("run.snapshot_every_h={every}"),
            "--set",
            "run.snapshot_after_dose_h=0",
            // Another snapshot interval is another run: overwriting needs --force.
            "--force",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run("12");
    assert!(out.join("snapshots/snapshot_0000012h.vti").is_file());
    run("24");
    let mut names: Vec<String> = std::fs::read_dir(out.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "snapshot_0000000h.vti",
            "snapshot_0000024h.vti",
            "snapshot_0000048h.vti"
        ]
    );
    // The collection lists this run's snapshots, with their times, and no
    // file of the earlier interval.
    let pvd = std::fs::read_to_string(out.join("snapshots.pvd")).unwrap();
    let listed: Vec<&str> = pvd.lines().filter(|l| l.contains("<DataSet")).collect();
    assert_eq!(listed.len(), 3, "{pvd}");
    for (line, t) in listed.iter().zip([0, 24, 48]) {
        assert!(
            line.contains(&format!("timestep=\"{t}\""))
                && line.contains(&format!("file=\"snapshots/snapshot_{t:07}h.vti\"")),
            "{line}"
        );
    }
}

#[test]
fn an_unwritable_or_closed_stdout_is_an_error_not_a_panic() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/default.toml");
    let bin = env!("CARGO_BIN_EXE_senesim");
    // A full disk (Linux's /dev/full fails every write).
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let o = std::process::Command::new(bin)
            .args(["check", scenario])
            .stdout(full)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.starts_with("error: failed printing to stdout"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A reader that has gone (`senesim check s.toml | head -1`).
    let mut child = std::process::Command::new(bin)
        .args(["check", scenario])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        matches!(o.status.code(), Some(141) | Some(0)),
        "{:?} {err}",
        o.status
    );
}

#[test]
fn snapshots_within_an_hour_get_names_of_their_own() {
    // Δt = 0.5 h with a snapshot every step: names once rounded to whole
    // hours, so 0.5 h overwrote 1 h's file.
    let t = Temp::new();
    let out = t.path().join("run");
    let o = senesim(&[
        "run",
        "scenarios/aged_skin_baseline.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--set",
        "grid.nx=12",
        "--set",
        "grid.ny=12",
        "--set",
        "run.days=0.125",
        "--set",
        "run.dt_h=0.5",
        "--set",
        "run.output_every_h=0.5",
        "--set",
        "run.snapshot_every_h=0.5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(out.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "snapshot_0000000h.vti",
            "snapshot_0000000h1800s.vti",
            "snapshot_0000001h.vti",
            "snapshot_0000001h1800s.vti",
            "snapshot_0000002h.vti",
            "snapshot_0000002h1800s.vti",
            "snapshot_0000003h.vti",
        ],
        "one file per snapshot, in time order by name"
    );
    // Each file holds its own time, and the collection names each once.
    for n in &names {
        let s = senesim::io::output::snapshot::read_vti(
            &std::fs::read(out.join("snapshots").join(n)).unwrap(),
        )
        .unwrap();
        let h: f64 = n[9..16].parse().unwrap();
        let secs: f64 = n[17..]
            .strip_suffix("s.vti")
            .map_or(0.0, |x| x.parse().unwrap());
        assert_eq!(s.time_h, h + secs / 3600.0, "{n}");
    }
    let pvd = std::fs::read_to_string(out.join("snapshots.pvd")).unwrap();
    let files: std::collections::HashSet<&str> = pvd
        .lines()
        .filter_map(|l| l.split("file=\"").nth(1))
        .collect();
    assert_eq!(files.len(), 7, "{pvd}");
    let mut states: Vec<String> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("state_"))
        .collect();
    states.sort();
    assert_eq!(states.len(), 7, "{states:?}");
    assert!(
        states.contains(&"state_0000h1800s.png".to_string()),
        "{states:?}"
    );
}
