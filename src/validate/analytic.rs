//! Reference solutions and statistics the checks measure against: the 2D
//! free-space Green's functions of the field equation, the Kolmogorov
//! distribution, and a fixed-step RK4 integrator for mean-field ODEs.

use crate::math;
use std::f64::consts::PI;

/// Modified Bessel function K₀ (Abramowitz & Stegun 9.8.5-9.8.6, |ε| < 2e-7).
pub fn bessel_k0(x: f64) -> f64 {
    if x <= 2.0 {
        let t = x / 3.75;
        let t2 = t * t;
        let i0 = 1.0
            + t2 * (3.5156229
                + t2 * (3.0899424
                    + t2 * (1.2067492 + t2 * (0.2659732 + t2 * (0.0360768 + t2 * 0.0045813)))));
        let y = x * x / 4.0;
        -math::ln(x / 2.0) * i0 - 0.57721566
            + y * (0.42278420
                + y * (0.23069756
                    + y * (0.03488590 + y * (0.00262698 + y * (0.00010750 + y * 0.0000074)))))
    } else {
        let y = 2.0 / x;
        math::exp(-x) / x.sqrt()
            * (1.25331414
                + y * (-0.07832358
                    + y * (0.02189568
                        + y * (-0.01062446
                            + y * (0.00587872 + y * (-0.00251540 + y * 0.00053208))))))
    }
}

/// Steady state of a point source q (au/h) in the plane:
/// c(r) = q/(2πD)·K₀(r/L), L = √(D/λ).
pub fn point_source(q: f64, d: f64, lambda: f64, r: f64) -> f64 {
    q / (2.0 * PI * d) * bessel_k0(r / (d / lambda).sqrt())
}

/// A 2D Gaussian of `mass` and variance `var` per axis at distance² `r2`.
pub fn gaussian(mass: f64, var: f64, r2: f64) -> f64 {
    mass / (2.0 * PI * var) * math::exp(-r2 / (2.0 * var))
}

/// A Gaussian of variance `var0` centred at (`cx`, `cy`) after diffusing for
/// `t` with D and decaying at λ, sampled at the cell centres (x + ½, y + ½)
/// of an `nx`×`ny` lattice of spacing `h`, with images `images` (each an
/// (x, y) centre) added: the method of images for walls and periodic copies.
#[allow(clippy::too_many_arguments)]
pub fn gaussian_field(
    nx: usize,
    ny: usize,
    h: f64,
    mass: f64,
    var0: f64,
    d: f64,
    lambda: f64,
    t: f64,
    images: &[(f64, f64)],
) -> Vec<f64> {
    let var = var0 + 2.0 * d * t;
    let m = mass * math::exp(-lambda * t);
    (0..nx * ny)
        .map(|i| {
            let (x, y) = (((i % nx) as f64 + 0.5) * h, ((i / nx) as f64 + 0.5) * h);
            images
                .iter()
                .map(|&(cx, cy)| gaussian(m, var, (x - cx).powi(2) + (y - cy).powi(2)))
                .sum::<f64>()
        })
        .collect()
}

/// P(D·√n > λ) under the null hypothesis: the Kolmogorov distribution's
/// survival function with Stephens' finite-n correction (Numerical Recipes
/// §14.3). Conservative (too large) for a discrete reference distribution.
pub fn ks_p_value(d: f64, n: usize) -> f64 {
    let sn = (n as f64).sqrt();
    let lam = (sn + 0.12 + 0.11 / sn) * d;
    if lam < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let kf = k as f64;
        let term = 2.0 * (-1f64).powi(k - 1) * math::exp(-2.0 * kf * kf * lam * lam);
        sum += term;
        if term.abs() < 1e-12 {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}

/// Integrates y' = f(t, y) from t = 0 with the classical RK4 method at a
/// fixed step `h`, returning y at each multiple of `every` up to `t_end`.
pub fn rk4(
    y0: &[f64],
    f: impl Fn(f64, &[f64]) -> Vec<f64>,
    h: f64,
    every: f64,
    t_end: f64,
) -> Vec<(f64, Vec<f64>)> {
    let per = (every / h).round().max(1.0) as usize;
    let steps = (t_end / h).round() as usize;
    let mut y = y0.to_vec();
    let mut out = vec![(0.0, y.clone())];
    let axpy = |y: &[f64], k: &[f64], a: f64| -> Vec<f64> {
        y.iter().zip(k).map(|(y, k)| y + a * k).collect()
    };
    for s in 0..steps {
        let t = s as f64 * h;
        let k1 = f(t, &y);
        let k2 = f(t + h / 2.0, &axpy(&y, &k1, h / 2.0));
        let k3 = f(t + h / 2.0, &axpy(&y, &k2, h / 2.0));
        let k4 = f(t + h, &axpy(&y, &k3, h));
        for i in 0..y.len() {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
        if (s + 1) % per == 0 {
            out.push(((s + 1) as f64 * h, y.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_reference_values() {
        // Tabulated K0(0.5) = 0.9244191, K0(1) = 0.4210244, K0(3) = 0.0347395.
        assert!((bessel_k0(0.5) - 0.9244191).abs() < 1e-6);
        assert!((bessel_k0(1.0) - 0.4210244).abs() < 1e-6);
        assert!((bessel_k0(3.0) - 0.0347395).abs() < 1e-6);
    }

    #[test]
    fn kolmogorov_tail_matches_tables() {
        // Critical values for large n: 1.36/√n at 5%, 1.63/√n at 1%.
        let n = 1_000_000;
        let p05 = ks_p_value(1.358 / (n as f64).sqrt(), n);
        let p01 = ks_p_value(1.628 / (n as f64).sqrt(), n);
        assert!((p05 - 0.05).abs() < 0.002, "{p05}");
        assert!((p01 - 0.01).abs() < 0.001, "{p01}");
    }

    #[test]
    fn rk4_integrates_exponential_decay() {
        let out = rk4(&[1.0], |_, y| vec![-0.5 * y[0]], 0.1, 1.0, 4.0);
        let (t, y) = out.last().unwrap();
        assert!((t - 4.0).abs() < 1e-12);
        assert!((y[0] - math::exp(-2.0f64)).abs() < 1e-7);
        assert_eq!(out.len(), 5);
    }
}
