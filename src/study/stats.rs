//! Paired differences across replicates and their confidence intervals.

use serde::Serialize;

/// Two-sided 97.5% quantiles of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// t₀.₉₇₅ with `df` degrees of freedom (table to 30, Cornish-Fisher beyond).
pub fn t975(df: usize) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T975[df - 1],
        _ => {
            let z: f64 = 1.959964;
            let n = df as f64;
            z + (z.powi(3) + z) / (4.0 * n)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        }
    }
}

/// Mean and sample standard deviation.
pub fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    if x.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = x.iter().sum::<f64>() / n;
    let sd = if x.len() < 2 {
        f64::NAN
    } else {
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    };
    (m, sd)
}

/// A paired comparison of one metric: control and arm values per replicate.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Paired {
    pub n: usize,
    pub control_mean: f64,
    pub arm_mean: f64,
    /// Mean of (arm − control) over replicates.
    pub diff_mean: f64,
    pub diff_sd: f64,
    /// 95% confidence interval of the mean paired difference (t-based).
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Half-width of the t-based 95% confidence interval of a mean of `n`
/// values with standard deviation `sd` (infinite for n < 2): the one rule of
/// every CI senesim reports or draws.
pub fn ci_half_width(sd: f64, n: usize) -> f64 {
    t975(n.saturating_sub(1)) * sd / (n as f64).sqrt()
}

pub fn paired(control: &[f64], arm: &[f64]) -> Paired {
    assert_eq!(control.len(), arm.len(), "paired samples");
    let d: Vec<f64> = arm.iter().zip(control).map(|(a, c)| a - c).collect();
    let (dm, dsd) = mean_sd(&d);
    let half = ci_half_width(dsd, d.len());
    let half = if half.is_nan() { f64::INFINITY } else { half };
    Paired {
        n: d.len(),
        control_mean: mean_sd(control).0,
        arm_mean: mean_sd(arm).0,
        diff_mean: dm,
        diff_sd: dsd,
        ci_low: dm - half,
        ci_high: dm + half,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_ci_matches_a_hand_computed_case() {
        // d = [1, 2, 3]: mean 2, sd 1, half-width 4.303/√3 = 2.4843.
        let p = paired(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0]);
        assert_eq!(p.diff_mean, 2.0);
        assert!((p.diff_sd - 1.0).abs() < 1e-12);
        assert!((p.ci_low - (2.0 - 2.4843)).abs() < 1e-3);
        assert!((p.ci_high - (2.0 + 2.4843)).abs() < 1e-3);
    }

    #[test]
    fn pairing_removes_shared_variation() {
        // Large between-replicate spread, constant effect: the CI is tight.
        let c = [0.1, 0.5, 0.9, 0.3];
        let a: Vec<f64> = c.iter().map(|x| x - 0.05).collect();
        let p = paired(&c, &a);
        assert!((p.diff_mean + 0.05).abs() < 1e-12);
        assert!(p.ci_high - p.ci_low < 1e-9);
    }

    #[test]
    fn t_quantiles_join_the_asymptote() {
        assert!((t975(30) - 2.042).abs() < 1e-9);
        assert!((t975(31) - 2.040).abs() < 0.002);
        assert!((t975(1000) - 1.962).abs() < 0.002);
        assert!(t975(0).is_infinite());
        // One replicate: no interval.
        let p = paired(&[0.2], &[0.1]);
        assert!(p.ci_low.is_infinite() && p.ci_high.is_infinite());
    }
}
