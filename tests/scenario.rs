//! Scenario files: layering, presets, documentation coverage, shipped files.

mod common;
use common::*;
use senesim::scenario::{load, resolve};

/// Every key the defaults define is documented in the reference page.
#[test]
fn every_default_key_is_documented() {
    let defaults: toml::Table = include_str!("../src/scenario/defaults.toml")
        .parse()
        .unwrap();
    let doc = std::fs::read_to_string("docs/scenario-reference.md").unwrap();
    fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(t) => walk(&key, t, out),
                _ => out.push(key),
            }
        }
    }
    let mut keys = vec![];
    walk("", &defaults, &mut keys);
    assert!(keys.len() > 60);
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(missing.is_empty(), "undocumented keys: {missing:?}");
}

/// Every key of a scenario struct can be written (serde has no key the
/// defaults lack): the resolved default round-trips through TOML.
#[test]
fn resolved_scenario_round_trips() {
    let l = load(None, &[]).unwrap();
    let text = toml::to_string(&l.scenario).unwrap();
    let t = Temp::new();
    let p = t.write("resolved.toml", &text);
    let again = resolve(Some(&p), &[]).unwrap();
    assert_eq!(toml::to_string(&again.scenario).unwrap(), text);
}

#[test]
fn builtin_default_is_the_shipped_file_and_valid() {
    let a = resolve(None, &[]).unwrap().scenario;
    let b = resolve(Some(std::path::Path::new("scenarios/default.toml")), &[])
        .unwrap()
        .scenario;
    assert_eq!(toml::to_string(&a).unwrap(), toml::to_string(&b).unwrap());
    assert!(
        !a.treatments.is_empty(),
        "the default scenario is a treated tissue"
    );
}

#[test]
fn every_shipped_scenario_is_valid() {
    let mut n = 0;
    for e in std::fs::read_dir("scenarios").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            resolve(Some(&p), &[]).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 1);
}

#[test]
fn extends_merges_tables_and_replaces_arrays_and_presets_apply_under_the_file() {
    let t = Temp::new();
    t.write(
        "base.toml",
        "[grid]\nnx = 40\nny = 30\n[tissue]\nage = \"young\"\n[cells]\ncommitment_h = 100.0\n",
    );
    let child = t.write(
        "child.toml",
        "extends = \"base.toml\"\n[grid]\nnx = 50\n[tissue]\nclearance_beta_per_day = 0.5\n",
    );
    let s = resolve(Some(&child), &["cells.commitment_h=90".into()])
        .unwrap()
        .scenario;
    assert_eq!(
        (s.grid.nx, s.grid.ny),
        (50, 30),
        "child overrides nx, keeps base ny"
    );
    assert_eq!(s.tissue.clearance_beta_per_day, 0.5, "file beats preset");
    assert_eq!(
        s.tissue.initial_senescent_fraction, 0.015,
        "young preset from the base applies"
    );
    assert_eq!(s.cells.commitment_h, 90.0, "--set beats the base");
}

#[test]
fn cell_type_preset_sets_motility() {
    let k = resolve(None, &["tissue.cell_type=keratinocyte".into()])
        .unwrap()
        .scenario;
    let f = resolve(None, &[]).unwrap().scenario;
    assert!(k.cells.migration_per_h > f.cells.migration_per_h);
}
