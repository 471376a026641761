//! A chart axis, linear or logarithmic, with ticks at round values: on a
//! linear axis plotters' own (1, 2, 5 × 10ᵏ steps); on a log axis the
//! decades, then 1-2-5 or 1-2-…-9 within each, as many as fit.
//!
//! A log axis is plotted in log₁₀ of the value, so its range and its ticks
//! are log₁₀ values; `value` turns one back.

use crate::math;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use std::ops::Range;

#[derive(Clone, Debug)]
pub struct Axis {
    /// The plotted range (log₁₀ of the values on a log axis).
    lo: f64,
    hi: f64,
    log: bool,
}

impl Axis {
    pub fn new(range: Range<f64>, log: bool) -> Axis {
        Axis {
            lo: range.start,
            hi: range.end,
            log,
        }
    }
    /// The value at a plotted coordinate.
    pub fn value(&self, plotted: f64) -> f64 {
        if self.log {
            math::powf(10f64, plotted)
        } else {
            plotted
        }
    }
    fn linear(&self) -> RangedCoordf64 {
        (self.lo..self.hi).into()
    }
}

/// Round values m × 10ᵏ (m from `mantissas`) in [10^lo, 10^hi], as log₁₀.
fn round_logs(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    let eps = 1e-9 * (hi - lo).abs().max(1.0);
    let mut out = Vec::new();
    for k in (lo.floor() as i32 - 1)..=(hi.ceil() as i32) {
        for m in mantissas {
            let v = math::log10(*m) + k as f64;
            if v >= lo - eps && v <= hi + eps {
                out.push(v);
            }
        }
    }
    out
}

/// Ticks of a log axis over [lo, hi] (log₁₀), at most `max` of them: the
/// finest of 1-2-…-9, 1-2-5, 1 per decade (or every 2nd, 5th, … decade)
/// that fits; at least two where the range allows.
pub fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let max = max.max(2);
    let all: [&[f64]; 3] = [
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        &[1.0, 2.0, 5.0],
        &[1.0],
    ];
    let mut best: Option<Vec<f64>> = None;
    for m in all {
        let t = round_logs(lo, hi, m);
        if t.len() <= max {
            if t.len() >= 2 || best.is_none() {
                best = Some(t);
            }
            break;
        }
        best = Some(t);
    }
    let mut t = best.unwrap_or_default();
    // More decades than fit: every n-th decade.
    let mut n = 2;
    while t.len() > max {
        t = round_logs(lo, hi, &[1.0])
            .into_iter()
            .filter(|v| (v.round() as i64).rem_euclid(n) == 0)
            .collect();
        n += 1;
    }
    t
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear().map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if !self.log {
            return self.linear().key_points(hint);
        }
        let t = log_ticks(self.lo, self.hi, hint.max_num_points());
        if t.len() >= 2 {
            t
        } else {
            // Less than a factor of 2 wide: plotters' linear steps in log space.
            self.linear().key_points(hint)
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, v: &f64) -> String {
        if self.log {
            super::grid::tick(self.value(*v))
        } else {
            super::grid::tick(*v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: &[f64]) -> Vec<String> {
        t.iter()
            .map(|v| super::super::grid::tick(math::powf(10f64, *v)))
            .collect()
    }

    #[test]
    fn log_ticks_are_round_values() {
        // 0.2 to 20: 1-2-5 fits in 8.
        assert_eq!(
            values(&log_ticks(math::log10(0.2f64), math::log10(20f64), 8)),
            ["0.2", "0.5", "1", "2", "5", "10", "20"]
        );
        // Six decades in 4 ticks: every other decade.
        let t = values(&log_ticks(-3.0, 3.0, 4));
        assert_eq!(t, ["0.01", "1", "100"]);
        // A narrow range: 1-2-…-9.
        assert_eq!(
            values(&log_ticks(math::log10(2f64), math::log10(6f64), 10)),
            ["2", "3", "4", "5", "6"]
        );
        // No tick is a value like 0.251 or 15.8.
        for (lo, hi) in [(0.25, 16.0), (0.03, 700.0), (1.5, 9.0), (2.0, 14.0)] {
            let (a, b) = (math::log10(lo), math::log10(hi));
            for s in values(&log_ticks(a, b, 10)) {
                let v: f64 = s.parse().unwrap();
                let m = v / math::powf(10f64, math::log10(v).floor());
                assert!((m - m.round()).abs() < 1e-9, "{lo}..{hi}: tick {s}");
            }
        }
    }

    #[test]
    fn a_linear_axis_keeps_plotters_ticks() {
        let a = Axis::new(0.0..1.0, false);
        let k = a.key_points(6usize);
        assert!(
            k.iter().all(|v| (v * 5.0 - (v * 5.0).round()).abs() < 1e-9),
            "{k:?}"
        );
    }
}
