//! A signal at any phase leaves a folder that is complete or resumable, and
//! says which; a comparison resumes from its saved replicates; a damaged or
//! edited checkpoint is refused; nothing written holds NaN or infinity.

mod common;
use common::*;
use std::path::Path;

/// SIGINT while the run is in `phase`; then the folder says it is
/// interrupted and resumable, and `resume` completes it to a lone run's bytes.
fn interrupt_at(phase: &str, plots: bool) {
    let t = Temp::new();
    let sc = t.write("small.toml", SMALL);
    let out = t.path().join("cut");
    let mut args = vec![
        "run",
        sc.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    if !plots {
        args.push("--no-plots");
    }
    let (mut child, _) = spawn_holding(&args, phase);
    signal(child.id(), "-INT");
    let code = child.wait().unwrap().code();
    let m = manifest(&out);
    if plots {
        assert_eq!(code, Some(130), "{phase}: stopped");
        assert_eq!(m["completed"], false);
        assert_eq!(m["state"], "interrupted", "{m}");
        assert_eq!(m["steps_done"], m["steps_total"]);
        assert!(m["resume"].as_str().unwrap().contains("senesim resume"));
        let o = senesim(&["resume", out.to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{}", stderr(&o));
    } else {
        // No plots to interrupt: the tables are finished and the run is complete.
        assert_eq!(code, Some(0), "{phase}");
    }
    let m = manifest(&out);
    assert_eq!(
        (m["completed"].clone(), m["state"].clone()),
        (true.into(), "complete".into())
    );
    let lone = t.path().join("lone");
    args[3] = lone.to_str().unwrap();
    assert!(senesim(&args).status.success());
    assert_same_tree(&out, &lone);
}

#[test]
fn sigint_while_plotting_leaves_a_resumable_folder_that_resume_completes() {
    interrupt_at("plots", true);
}

#[test]
fn sigint_while_writing_the_tables_finishes_them_and_stops_before_the_plots() {
    interrupt_at("tables", true);
    interrupt_at("tables", false);
}

#[test]
fn a_comparison_stopped_by_sigterm_resumes_to_identical_tables() {
    let t = Temp::new();
    let sc = t.write("small.toml", SMALL);
    let args = |out: &Path| -> Vec<String> {
        [
            "compare",
            sc.to_str().unwrap(),
            "--replicates",
            "3",
            "--threads",
            "1",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--no-plots",
        ]
        .map(String::from)
        .to_vec()
    };
    let cut = t.path().join("cut");
    let a = args(&cut);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (mut child, _) = spawn_holding(&a, "replicate");
    signal(child.id(), "-TERM");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let m = manifest(&cut);
    assert_eq!(m["state"], "interrupted", "{m}");
    let saved = std::fs::read_dir(cut.join("replicates")).unwrap().count();
    assert!((1..6).contains(&saved), "{saved} of 6 replicates saved");
    assert!(!cut.join("comparison.json").exists());
    // The same command again continues; the tables equal an uninterrupted comparison's.
    let o = senesim(&a);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(&cut)["state"], "complete");
    let whole = t.path().join("whole");
    let w = args(&whole);
    let o = senesim(&w.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success());
    for f in ["runs.csv", "timeseries.csv", "table.txt"] {
        assert!(
            std::fs::read(cut.join(f)).unwrap() == std::fs::read(whole.join(f)).unwrap(),
            "{f} differs"
        );
    }
    let strip = |d: &Path| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("comparison.json")).unwrap()).unwrap();
        v["wall_time_s"] = 0.into();
        v
    };
    assert_eq!(strip(&cut), strip(&whole));
}

/// A run folder holding a checkpoint (saved every 24 h, kept at the end).
fn checkpointed(t: &Temp) -> std::path::PathBuf {
    let sc = t.write("small.toml", SMALL);
    let out = t.path().join("ck");
    let o = run_quiet(&sc, &out, &["--checkpoint-every", "24"]);
    assert!(o.status.success(), "{}", stderr(&o));
    out.join("checkpoint.bin")
}

#[test]
fn every_flipped_bit_tried_in_a_checkpoint_is_refused() {
    let t = Temp::new();
    let ck = checkpointed(&t);
    let good = std::fs::read(&ck).unwrap();
    assert!(senesim::run::checkpoint::read(&ck).is_ok());
    let bad = t.path().join("bad.bin");
    // Every bit of the header and of the first and last 64 bytes of the
    // state, and one bit of every 97th byte between (CRC-32 detects every
    // single-bit error; these show it is checked).
    let n = good.len();
    let mut positions: Vec<(usize, u8)> = (0..(33 + 64).min(n))
        .chain(n.saturating_sub(64)..n)
        .flat_map(|i| (0..8).map(move |b| (i, b)))
        .collect();
    positions.extend((97..n).step_by(97).map(|i| (i, (i % 8) as u8)));
    for &(i, b) in &positions {
        let mut x = good.clone();
        x[i] ^= 1 << b;
        std::fs::write(&bad, &x).unwrap();
        assert!(
            senesim::run::checkpoint::read(&bad).is_err(),
            "flip of bit {b} of byte {i} of {n} accepted"
        );
    }
    // Through the command line: exit 2, the path named once, nothing run.
    let dir = ck.parent().unwrap();
    let mut x = good.clone();
    x[n / 2] ^= 0x10;
    std::fs::write(&ck, &x).unwrap();
    let before = tree(dir);
    let o = senesim(&["resume", dir.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("checksum") && e.matches(ck.to_str().unwrap()).count() == 1,
        "{e}"
    );
    assert_eq!(tree(dir), before);
    let o = senesim(&[
        "run",
        "--from-checkpoint",
        ck.to_str().unwrap(),
        "--out",
        t.path().join("seeded").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Rewrites a checkpoint file from its parts: magic, length, CRC-32, body.
fn reframe(body: &[u8]) -> Vec<u8> {
    let mut f = b"senesim checkpoint 6\n".to_vec();
    f.extend((body.len() as u64).to_le_bytes());
    f.extend(crc32fast::hash(body).to_le_bytes());
    f.extend(body);
    f
}

#[test]
fn a_checkpoint_with_a_valid_checksum_is_still_bounded_and_validated() {
    let t = Temp::new();
    let ck = checkpointed(&t);
    let good = std::fs::read(&ck).unwrap();
    let body = &good[33..];
    let bad = t.path().join("bad.bin");
    // The first length field (the version string's, 5 bytes: varint 0x05)
    // made to claim 2⁴⁰ bytes, and u64::MAX: refused, no allocation of that.
    assert_eq!(body[0], 5);
    for claim in [1u64 << 40, u64::MAX] {
        let mut b = vec![0xFD];
        b.extend(claim.to_le_bytes());
        b.extend(&body[1..]);
        std::fs::write(&bad, reframe(&b)).unwrap();
        let e = senesim::run::checkpoint::read(&bad).unwrap_err();
        assert!(e.to_string().contains("damaged"), "{e}");
    }
    // An edited scenario is validated as a scenario file would be.
    let c = senesim::run::checkpoint::read(&ck).unwrap();
    for (key, value) in [("fields.sasp.decay", -2.0), ("run.days", 9e99)] {
        let mut e = c.clone();
        let mut s: serde_json::Value = serde_json::from_str(&e.head.scenario_json).unwrap();
        let (table, leaf) = key.rsplit_once('.').unwrap();
        let mut slot = &mut s;
        for k in table.split('.') {
            slot = &mut slot[k];
        }
        slot[leaf] = value.into();
        e.head.scenario_json = s.to_string();
        senesim::run::checkpoint::write(&bad, &e).unwrap();
        let err = senesim::run::checkpoint::read(&bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{key}: {err}");
        let dir = t.path().join(format!("edited-{key}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            ck.with_file_name("manifest.json"),
            dir.join("manifest.json"),
        )
        .unwrap();
        std::fs::copy(&bad, dir.join("checkpoint.bin")).unwrap();
        let o = senesim(&["resume", dir.to_str().unwrap(), "--quiet"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    }
}

/// No value written anywhere under `dir` reads as NaN or infinity.
fn assert_all_finite(dir: &Path) {
    for (name, bytes) in tree(dir) {
        if name.ends_with(".csv") || name.ends_with(".json") || name.ends_with(".vti") {
            let text = String::from_utf8_lossy(&bytes).to_lowercase();
            for bad in ["nan", "inf"] {
                let hit = text
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w == bad || w == "-inf" || w == "infinity");
                assert!(!hit, "{name} holds {bad}");
            }
        }
    }
}

#[test]
fn values_that_overflow_stop_the_run_and_nothing_written_holds_nan() {
    let t = Temp::new();
    let sc = t.write("small.toml", SMALL);
    // Values far beyond any biology are refused before any work.
    for set in [
        "products.ev.batch_cv=1e300",
        "cells.sasp_secretion_per_h=1e200",
    ] {
        let out = t.path().join(set.replace(['.', '='], "_"));
        let o = run_quiet(&sc, &out, &["--set", set]);
        let key = set.split('=').next().unwrap();
        assert_eq!(o.status.code(), Some(2), "{set}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(key) && stderr(&o).contains("1e9"),
            "{}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
    // Values within the limits that still overflow in the run stop it.
    for set in ["products.ev.batch_cv=1e9"] {
        let out = t.path().join(set.replace(['.', '='], "_"));
        let o = run_quiet(&sc, &out, &["--set", set]);
        let e = stderr(&o);
        if o.status.success() {
            // Nothing overflowed: then it must all be finite.
            assert_all_finite(&out);
            continue;
        }
        assert_eq!(o.status.code(), Some(1), "{set}: {e}");
        assert!(
            e.contains("numerical failure") && !e.contains("panicked"),
            "{set}: {e}"
        );
        let m = manifest(&out);
        assert_eq!(
            (m["completed"].clone(), m["state"].clone()),
            (false.into(), "failed".into())
        );
        assert!(
            !out.join("timeseries.csv").exists(),
            "no table that looks complete"
        );
        assert_all_finite(&out);
    }
    // A point injection far narrower than a site, off a site centre,
    // delivers its amount in full and finite.
    let delivered = |radius: &str| {
        let out = t.path().join(format!("needle-{radius}"));
        let set = format!("treatments.0.delivery={{ mode = \"injection\", au_per_point = 100.0, radius = {radius}, points = [[3.3, 7.9]] }}");
        let o = run_quiet(&sc, &out, &["--set", &set]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_all_finite(&out);
        let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
        let mut r = csv::Reader::from_reader(ts.as_bytes());
        let h = r.headers().unwrap().clone();
        let col = h.iter().position(|c| c == "ev_delivered").unwrap();
        let last: f64 = r.records().last().unwrap().unwrap()[col].parse().unwrap();
        last
    };
    let (needle, wide) = (delivered("0.01"), delivered("2.0"));
    // The same amount, to the f32 round-off of the sites that hold it.
    assert!(
        needle > 0.0 && (needle - wide).abs() < 1e-6 * wide,
        "{needle} vs {wide}"
    );
}
