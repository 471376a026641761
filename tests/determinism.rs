//! Same scenario and seed: bit-identical outputs at any thread count.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "snapshots"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            // The lock file records its writer's PID and command line.
            if p.is_file() && !p.ends_with(".senesim.lock") {
                let name = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(name, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The manifest without what legitimately differs between runs.
fn manifest_core(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let m = v.as_object_mut().unwrap();
    for k in ["wall_time_s", "threads", "simd", "started_unix_s"] {
        assert!(m.remove(k).is_some(), "manifest lacks {k}");
    }
    v
}

#[test]
fn outputs_are_bit_identical_at_one_two_and_three_threads() {
    let t = Temp::new();
    let sc = t.write("full.toml", FULL);
    let mut runs = vec![];
    for threads in ["1", "2", "3"] {
        let out = t.path().join(format!("out{threads}"));
        let o = senesim(&[
            "run",
            sc.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        runs.push(files(&out));
    }
    let names: Vec<&String> = runs[0].keys().collect();
    assert!(
        names.iter().any(|n| n.starts_with("snapshots/")),
        "{names:?}"
    );
    for other in &runs[1..] {
        assert_eq!(
            runs[0].keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &runs[0] {
            if name == "manifest.json" {
                assert_eq!(manifest_core(bytes), manifest_core(&other[name]));
            } else {
                assert!(
                    bytes == &other[name],
                    "{name} differs between thread counts"
                );
            }
        }
    }
    // The run did exercise the mechanisms it claims to.
    let summary: serde_json::Value = serde_json::from_slice(&runs[0]["summary.json"]).unwrap();
    assert!(summary["batches"]["tested"].as_u64().unwrap() > 0);
    assert!(summary["divisions"].as_u64().unwrap() > 0);
    assert!(summary["final_wound_closure"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_different_seed_gives_a_different_run() {
    let t = Temp::new();
    let sc = t.write("full.toml", FULL);
    let a = t.path().join("a");
    let b = t.path().join("b");
    for (dir, seed) in [(&a, "1"), (&b, "2")] {
        let o = senesim(&[
            "run",
            sc.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "--seed",
            seed,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_ne!(
        std::fs::read(a.join("timeseries.csv")).unwrap(),
        std::fs::read(b.join("timeseries.csv")).unwrap()
    );
}

/// The vector (AVX-512, AVX2) and scalar builds of the hot loops give the
/// same bits: runs with the AVX2 builds (`SENESIM_SIMD=avx2`, no AVX-512)
/// and the scalar builds (`SENESIM_SIMD=scalar`) forced write every file
/// byte for byte as the default one (src/model/simd.rs). The scenario
/// exercises the heat-kernel EV step, the multigrid SASP solve, the
/// spectral CM step, graft sources and the rules pass's draws.
#[test]
fn outputs_are_bit_identical_with_the_scalar_build_forced() {
    let t = Temp::new();
    let sc = t.write("full.toml", FULL);
    let mut runs = vec![];
    let mut builds = vec![];
    let forced = ["", "avx2", "scalar"];
    for simd in forced {
        let out = t.path().join(format!("out-{simd}"));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_senesim"))
            .args([
                "run",
                sc.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ])
            .env("SENESIM_SIMD", simd)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let f = files(&out);
        let m: serde_json::Value = serde_json::from_slice(&f["manifest.json"]).unwrap();
        builds.push(m["simd"].as_str().unwrap().to_string());
        runs.push(f);
    }
    assert_eq!(builds[2], "scalar");
    assert!(builds[1] == "avx2" || builds[1] == "scalar");
    eprintln!("builds run: {builds:?} (a CPU without AVX-512 or AVX2 runs fewer)");
    for k in 1..forced.len() {
        assert_eq!(
            runs[0].keys().collect::<Vec<_>>(),
            runs[k].keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &runs[0] {
            if name == "manifest.json" {
                assert_eq!(manifest_core(bytes), manifest_core(&runs[k][name]));
            } else {
                assert!(
                    bytes == &runs[k][name],
                    "{name} differs between the {} and {} builds",
                    builds[0],
                    builds[k]
                );
            }
        }
    }
}
