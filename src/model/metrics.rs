//! The per-run metrics, in one table: name, label with unit, value in a
//! run's `Summary`, and where each is used (a sweep's results.csv holds them
//! all; points.csv summarises the outcomes; `compare` pairs a subset). Every
//! table, comparison and plot takes its metrics, their order and their
//! labels from here.

use crate::model::observe::Summary;

/// One per-run metric.
pub struct Metric {
    /// Column and key name (`final_senescent_fraction`).
    pub name: &'static str,
    /// Axis label, with its unit.
    pub label: &'static str,
    /// Row label of a comparison's table, if `compare` pairs it.
    pub compared: Option<&'static str>,
    /// Summarised per point and arm in a sweep's points.csv.
    pub per_point: bool,
    /// A time to wound closure: where runs are summarised or compared, a
    /// wound not closed by the end counts as closing at the end (censored).
    pub censored: bool,
    value: fn(&Summary) -> Option<f64>,
}

impl Metric {
    /// Its value in a run, as reached (None: undefined for this run, e.g.
    /// wound closure without a wound, or a closure not reached).
    pub fn value(&self, s: &Summary) -> Option<f64> {
        (self.value)(s)
    }

    /// Its value as an outcome: closure times censored at the run's end
    /// (`Summary::censored_h`).
    pub fn outcome(&self, s: &Summary) -> Option<f64> {
        let v = self.value(s);
        if self.censored {
            s.censored_h(v)
        } else {
            v
        }
    }
}

const fn metric(
    name: &'static str,
    label: &'static str,
    compared: Option<&'static str>,
    per_point: bool,
    value: fn(&Summary) -> Option<f64>,
) -> Metric {
    Metric {
        name,
        label,
        compared,
        per_point,
        censored: false,
        value,
    }
}

/// A time to wound closure: summarised per point, censored at the run's end.
const fn closure(
    name: &'static str,
    label: &'static str,
    compared: Option<&'static str>,
    value: fn(&Summary) -> Option<f64>,
) -> Metric {
    Metric {
        censored: true,
        ..metric(name, label, compared, true, value)
    }
}

/// The metric the verdict of a comparison is called on.
pub const VERDICT: &str = "final_senescent_fraction";

/// Every metric, in the order of results.csv's columns (and of points.csv,
/// comparison tables and effect charts, for those they hold).
pub const METRICS: [Metric; 25] = [
    metric(
        "final_senescent_fraction",
        "final senescent fraction (SA-β-gal+, of tissue cells)",
        Some("final senescent fraction"),
        true,
        |s| Some(s.final_senescent_fraction),
    ),
    metric(
        "final_deep_senescent_fraction",
        "final deep-senescent fraction (of tissue cells)",
        None,
        true,
        |s| Some(s.final_deep_senescent_fraction),
    ),
    metric(
        "auc_senescent_fraction_days",
        "senescent fraction AUC (fraction · days)",
        Some("senescent fraction AUC (·days)"),
        true,
        |s| Some(s.auc_senescent_fraction_days),
    ),
    metric(
        "mean_sasp",
        "mean SASP over the run (au)",
        Some("mean SASP (au)"),
        true,
        |s| Some(s.mean_sasp),
    ),
    metric(
        "final_proliferation_index",
        "final proliferation index (divided in 24 h)",
        None,
        true,
        |s| Some(s.final_proliferation_index),
    ),
    metric(
        "final_transformed",
        "transformed cells at the end",
        Some("transformed cells"),
        true,
        |s| Some(s.final_transformed as f64),
    ),
    metric(
        "max_transformed",
        "most transformed cells at any output time",
        None,
        false,
        |s| Some(s.max_transformed as f64),
    ),
    closure(
        "wound_closure_50_h",
        "time to 50% wound closure (h)",
        None,
        |s| s.wound_closure_50_h,
    ),
    closure(
        "wound_closure_90_h",
        "time to 90% wound closure (h)",
        Some("90% wound closure (h)"),
        |s| s.wound_closure_90_h,
    ),
    metric(
        "final_wound_closure",
        "wound closure at the end (fraction of wound sites filled)",
        None,
        false,
        |s| s.final_wound_closure,
    ),
    metric(
        "senescent_fraction_outside_treated",
        "senescent fraction outside the treated area",
        Some("senescent outside treated area"),
        true,
        |s| s.senescent_fraction_outside_treated,
    ),
    metric("onsets", "senescence onsets (cells)", None, false, |s| {
        Some(s.onsets as f64)
    }),
    metric("reversions", "reversions (cells)", None, false, |s| {
        Some(s.reversions as f64)
    }),
    metric(
        "transformations",
        "transformations (cells)",
        None,
        false,
        |s| Some(s.transformations as f64),
    ),
    metric("cleared", "immune clearances (cells)", None, false, |s| {
        Some(s.cleared as f64)
    }),
    metric("deaths", "deaths (cells)", None, false, |s| {
        Some(s.deaths as f64)
    }),
    metric(
        "senolysed",
        "removed by senolytics (cells)",
        None,
        false,
        |s| Some(s.senolysed as f64),
    ),
    metric("divisions", "divisions", None, false, |s| {
        Some(s.divisions as f64)
    }),
    metric("migrations", "migrations", None, false, |s| {
        Some(s.migrations as f64)
    }),
    metric(
        "contractions",
        "wound margin holes closed by contraction",
        None,
        false,
        |s| Some(s.contractions as f64),
    ),
    metric(
        "batches_tested",
        "product batches QC-tested",
        None,
        false,
        |s| Some(s.batches.tested as f64),
    ),
    metric(
        "batches_rejected",
        "product batches rejected by QC",
        None,
        false,
        |s| Some(s.batches.rejected as f64),
    ),
    metric(
        "doses_skipped",
        "doses skipped (no batch passed QC)",
        None,
        false,
        |s| Some(s.doses_skipped as f64),
    ),
    metric(
        "ev_delivered",
        "EV cargo delivered (au)",
        None,
        false,
        |s| Some(s.ev_delivered),
    ),
    metric(
        "ev_taken_up",
        "EV cargo taken up by cells (au)",
        None,
        false,
        |s| Some(s.ev_taken_up),
    ),
];

/// The metric called `name`.
pub fn by_name(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// The metrics of a sweep's points.csv.
pub fn per_point() -> impl Iterator<Item = &'static Metric> {
    METRICS.iter().filter(|m| m.per_point)
}

/// The metrics `compare` pairs, with their outcome in run `s` where it is
/// defined (wound closure only with a wound, spread outside the treated
/// area only with local treatment).
pub fn compared(s: &Summary) -> Vec<(&'static str, f64)> {
    METRICS
        .iter()
        .filter(|m| m.compared.is_some())
        .filter_map(|m| m.outcome(s).map(|v| (m.name, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_verdict_metric_is_compared() {
        for (i, m) in METRICS.iter().enumerate() {
            assert!(
                METRICS[..i].iter().all(|o| o.name != m.name),
                "{} twice",
                m.name
            );
        }
        assert!(by_name(VERDICT).is_some_and(|m| m.compared.is_some() && m.per_point));
        // A compared metric is one a sweep summarises too.
        assert!(METRICS.iter().all(|m| m.compared.is_none() || m.per_point));
    }
}
