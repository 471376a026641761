//! Scenario files: layering, presets, documentation coverage, shipped files.

mod common;
use common::*;
use senesim::scenario::{load, resolve};

/// The reference page's key and preset tables are generated from
/// defaults.toml and presets.toml, so every key is documented with the unit
/// and range validation uses. After changing a default, regenerate them:
/// `SENESIM_BLESS=1 cargo test --test scenario reference_page`.
#[test]
fn the_reference_page_is_generated_from_the_defaults() {
    use senesim::scenario::reference::{entries, regenerate};
    let path = "docs/scenario-reference.md";
    let doc = std::fs::read_to_string(path).unwrap();
    let fresh = regenerate(&doc).unwrap();
    if std::env::var_os("SENESIM_BLESS").is_some() {
        std::fs::write(path, &fresh).unwrap();
    } else {
        assert!(
        doc == fresh,
            "{path} is out of step with defaults.toml: run SENESIM_BLESS=1 cargo test --test scenario reference_page"
        );
    }
    let missing: Vec<&str> = entries()
        .iter()
        .filter(|e| !fresh.contains(&format!("| `{}` |", e.key)))
        .map(|e| e.key.as_str())
        .collect();
    assert!(missing.is_empty(), "undocumented keys: {missing:?}");
}

/// docs/model.md, the model as implemented, names every parameter (a
/// field's keys by `fields.NAME.KEY`, which covers all five).
#[test]
fn the_model_document_names_every_parameter() {
    use senesim::scenario::reference::entries;
    let doc = std::fs::read_to_string("docs/model.md").unwrap();
    let missing: Vec<&str> = entries()
        .iter()
        .filter(|e| {
            let generic = e
                .key
                .strip_prefix("fields.")
                .and_then(|k| k.split_once('.'))
                .map(|(_, last)| format!("fields.NAME.{last}"));
            !doc.contains(&e.key) && !generic.is_some_and(|g| doc.contains(&g))
        })
        .map(|e| e.key.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "docs/model.md does not mention {missing:?}"
    );
}

/// Every range the defaults give is enforced, and its message carries the
/// key, the value and the table's unit.
#[test]
fn every_documented_range_is_enforced_with_its_unit() {
    use senesim::scenario::reference::{entries, Rule};
    let mut checked = 0;
    for e in entries() {
        let Some(rule) = e.rule else { continue };
        let bad = match rule {
            Rule::Positive | Rule::NonNegative => "-1",
            Rule::Fraction => "1.5",
            Rule::AtLeast(_) => "0",
        };
        let err = resolve(None, &[format!("{}={bad}", e.key)])
            .err()
            .unwrap_or_else(|| panic!("{} = {bad} was accepted", e.key))
            .to_string();
        assert!(
            err.contains(&e.key) && err.contains(bad),
            "{}: {err}",
            e.key
        );
        if rule != Rule::Fraction {
            assert!(err.contains(&format!("({})", e.unit)), "{}: {err}", e.key);
        }
        checked += 1;
    }
    assert!(checked > 60);
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
    assert_eq!(s.cell_rules.commitment_h, 90.0, "--set beats the base");
}

#[test]
fn cell_type_preset_sets_motility() {
    let k = resolve(None, &["tissue.cell_type=keratinocyte".into()])
        .unwrap()
        .scenario;
    let f = resolve(None, &[]).unwrap().scenario;
    assert!(k.cell_rules.migration_per_h > f.cell_rules.migration_per_h);
}

/// Region coordinates relative to the grid ("center", "P%") resolve to
/// sites of the grid as loaded, so a wound stays centred and in proportion
/// when `--set` changes the grid; a bad one is refused with its key.
#[test]
fn region_coordinates_relative_to_the_grid_follow_the_grid() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/wound_young.toml");
    let region = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let s = resolve(Some(&path), &sets).unwrap().scenario;
        serde_json::to_value(&s.wound.unwrap().region).unwrap()
    };
    let full = region(&[]);
    assert_eq!(
        (full["cx"].as_f64(), full["r"].as_f64()),
        (Some(128.0), Some(90.0))
    );
    let small = region(&["grid.nx=48", "grid.ny=40"]);
    assert_eq!(small["cx"].as_f64(), Some(24.0));
    assert_eq!(small["cy"].as_f64(), Some(20.0));
    assert_eq!(small["r"].as_f64(), Some(0.3515625 * 40.0));
    let e = resolve(Some(&path), &["wound.region.r=\"half\"".to_string()]).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("wound.region.r") && m.contains("\"half\"") && m.contains("percentage"),
        "{m}"
    );
}
