//! Readable axis labels: a metric's label with its units (`model::metrics`),
//! and a scenario key's name in words with its unit (the key's unit in
//! docs/scenario-reference.md: defaults.toml's bracket for the keys with
//! defaults, the key's name for the others), e.g.
//! `products.young_uc_ev.passage` → "producer passage",
//! `treatments.0.delivery.au_per_site` → "dose (au per site)",
//! `fields.sasp.decay` → "SASP decay (1/h)".

/// Axis label of a metric, with units.
pub fn metric_label(m: &str) -> String {
    match crate::model::metrics::by_name(m) {
        Some(x) => x.label.into(),
        None if m == "effect" => "effect on final senescent fraction (arm − control)".into(),
        None => m.replace('_', " "),
    }
}

/// Names in words of the keys a sweep most often varies, by their last
/// segment (and, for the fields, their table).
fn words(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('.').collect();
    let last = *parts.last()?;
    let field = |name: &str| match name {
        "sasp" => Some("SASP"),
        "ev_young" => Some("young-MSC EV"),
        "ev_senescent" => Some("senescent-MSC EV"),
        "cm_young" => Some("young-MSC CM"),
        "cm_senescent" => Some("senescent-MSC CM"),
        _ => None,
    };
    if parts.len() == 3 && parts[0] == "fields" {
        if let Some(f) = field(parts[1]) {
            return Some(format!("{f} {last}"));
        }
    }
    let named = match (parts[0], last) {
        ("products", "passage") => "producer passage",
        ("products", "donor_age_years") => "donor age",
        ("products", "cryo_cycles") => "freeze-thaw cycles",
        ("products", "batch_cv") => "batch potency CV",
        ("products", "batch_senescent_cv") => "batch senescent-fraction CV",
        ("products", "doses_per_batch") => "doses per batch",
        ("products", "release_threshold") => "QC release threshold (measured senescent fraction)",
        ("products", "assay_sd") => "QC assay SD (senescent fraction)",
        ("products", "max_batches") => "QC batches made at most",
        ("treatments", "au_per_site") => "dose",
        ("treatments", "au_per_point") => "dose per injection",
        ("treatments", "radius") => "injection radius",
        ("treatments", "every_h") => "dose interval",
        ("treatments", "start_h") => "first dose",
        ("treatments", "count") => "number of doses",
        ("grafts", "cells") => "grafted MSCs",
        ("senolytics", "efficacy") => "senolytic efficacy",
        ("run", "days") => "duration",
        ("run", "seed") => "seed",
        _ => return None,
    };
    Some(named.to_string())
}

/// The defaults.toml entry of a key, if it has one.
fn entry(key: &str) -> Option<&'static crate::scenario::reference::Entry> {
    crate::scenario::reference::entries()
        .iter()
        .find(|e| e.key == key)
}

/// The first clause of a key's meaning in defaults.toml, when short.
fn meaning(key: &str) -> Option<String> {
    let text = &entry(key)?.text;
    let clause = text.split([';', ':', ',']).next()?.trim();
    (!clause.is_empty() && clause.chars().count() <= 45 && !clause.starts_with("as "))
        .then(|| clause.to_string())
}

/// The unit of a key: its bracket in defaults.toml, else read from its name
/// (`_h`, `_per_h`, `_um`, ...). None for dimensionless keys.
fn unit(key: &str) -> Option<String> {
    if let Some(e) = entry(key) {
        let u = e.unit.as_str();
        let bare = ["dimensionless", "integer", "text", "fraction"].contains(&u) || u.contains('|');
        return (!bare).then(|| u.to_string());
    }
    let last = key.rsplit('.').next().unwrap_or(key);
    let u = if last == "au_per_site" {
        "au per site"
    } else if last == "au_per_point" {
        "au"
    } else if last == "radius" {
        "sites"
    } else if last.ends_with("_per_h") || last == "decay" || last == "uptake" {
        "1/h"
    } else if last.ends_with("_per_day") {
        "1/day"
    } else if last == "diffusion" {
        "sites²/h"
    } else if last.ends_with("_years") {
        "years"
    } else if last.ends_with("_um") {
        "µm"
    } else if last.ends_with("_h") {
        "h"
    } else if last == "days" {
        "days"
    } else {
        return None;
    };
    Some(u.to_string())
}

/// Axis label of a scenario key: its name in words, with its unit.
pub fn key_label(key: &str) -> String {
    let name = words(key).or_else(|| meaning(key)).unwrap_or_else(|| {
        let last = key.rsplit('.').next().unwrap_or(key);
        let stem = ["_per_day", "_per_h", "_years", "_um", "_h"]
            .iter()
            .find_map(|s| last.strip_suffix(s))
            .unwrap_or(last);
        stem.replace('_', " ")
    });
    match unit(key) {
        Some(u) => format!("{name} ({u})"),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::key_label;

    #[test]
    fn keys_read_as_words_with_their_units() {
        for (key, label) in [
            ("treatments.0.delivery.au_per_site", "dose (au per site)"),
            ("fields.sasp.decay", "SASP decay (1/h)"),
            (
                "fields.ev_young.diffusion",
                "young-MSC EV diffusion (sites²/h)",
            ),
            (
                "cells.onset_max_per_h",
                "maximal damage-driven arrest hazard (1/h)",
            ),
            ("treatments.0.every_h", "dose interval (h)"),
            ("products.ev.donor_age_years", "donor age (years)"),
            ("products.young_uc_ev.passage", "producer passage"),
            (
                "products.p.qc.release_threshold",
                "QC release threshold (measured senescent fraction)",
            ),
            (
                "tissue.clearance_kappa",
                "half-saturation κ of removal (senescent fraction)",
            ),
            (
                "tissue.initial_senescent_fraction",
                "fraction of cells SA-β-gal+ at t = 0",
            ),
            (
                "cells.commitment_h",
                "early (arrested) to deep senescence (h)",
            ),
            ("grid.site_um", "site edge (µm)"),
            ("run.days", "duration (days)"),
        ] {
            assert_eq!(key_label(key), label, "{key}");
        }
    }
}
