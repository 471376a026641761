//! Closed forms the per-cell rules evaluate for every cell each step:
//! Hill functions (by the products `powi` forms, inlined) and the exact
//! relaxation of a linear variable over a step.

use crate::math;
/// aⁿ by repeated squaring: the operations of `f64::powi` (the runtime's
/// `__powidf2`), in the same order, so the result is bit-identical, but
/// inlined on the per-cell hot path instead of a call through the PLT.
#[inline]
fn powi(mut a: f64, n: i32) -> f64 {
    let mut pow = n.unsigned_abs();
    let mut mul = 1.0;
    loop {
        if pow & 1 != 0 {
            mul *= a;
        }
        pow >>= 1;
        if pow == 0 {
            break;
        }
        a *= a;
    }
    if n < 0 {
        1.0 / mul
    } else {
        mul
    }
}

/// xⁿ/(kⁿ + xⁿ). Integer n (the usual case) uses repeated multiplication,
/// several times faster than `powf` on the per-cell hot path.
#[inline]
pub fn hill(x: f64, k: f64, n: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else {
        let r = x / k;
        // The usual coefficients written out: the same products, in the
        // same order, as `powi` forms them (rᵐ·r^{2ᵏ} by squaring), so the
        // same bits, without its loop.
        let xn = if n == 3.0 {
            r * (r * r)
        } else if n == 4.0 {
            let r2 = r * r;
            r2 * r2
        } else if n == n.trunc() && n.abs() <= 16.0 {
            powi(r, n as i32)
        } else {
            math::powf(r, n)
        };
        xn / (1.0 + xn)
    }
}

crate::model::simd::simd_dispatch! {
    /// v[i] ← `hill(v[i], k, n)` for a whole row, bit for bit: the usual
    /// coefficients (3, 4) in loops that vectorise (both branches of
    /// x ≤ 0 computed, the right one kept), others site by site.
    pub fn hill_row(v: &mut [f64], k: f64, n: f64) {
        // `hill` with both branches computed and the right one kept.
        #[inline(always)]
        fn each(v: &mut [f64], k: f64, pow: impl Fn(f64) -> f64) {
            for x in v.iter_mut() {
                let xn = pow(*x / k);
                let h = xn / (1.0 + xn);
                *x = if *x <= 0.0 { 0.0 } else { h };
            }
        }
        if n == 3.0 {
            each(v, k, |r| r * (r * r));
        } else if n == 4.0 {
            each(v, k, |r| {
                let r2 = r * r;
                r2 * r2
            });
        } else {
            for x in v.iter_mut() {
                *x = hill(*x, k, n);
            }
        }
    }
}

/// ∫₀^Δt e^{−rate·τ} dτ = (1 − e^{−rateΔt})/rate, without cancellation
/// where rate·Δt is small (Δt itself at rate 0): what a constant unit
/// source leaves after decaying over the step.
#[inline]
pub fn decay_integral(rate: f64, dt: f64) -> f64 {
    if rate * dt > 0.0 {
        -math::exp_m1(-rate * dt) / rate
    } else {
        dt
    }
}

/// For dx/dt = input − rate·x over Δt, exact for constant input and rate:
/// x(t+Δt) = x·e + input·g with e = e^{−rateΔt}, g = (1 − e)/rate.
#[inline]
pub fn relax_factors(rate: f64, dt: f64) -> (f64, f64) {
    if rate * dt < 1e-12 {
        (1.0, dt)
    } else {
        let e = math::exp(-rate * dt);
        (e, (1.0 - e) / rate)
    }
}

/// What the repair of damage needs of a cell's young signal (rule 1):
/// the young-signal half-saturation, the repair rate without and per unit
/// of young signal (1/h), and the step (h).
#[derive(Clone, Copy, Debug)]
pub struct YoungRepair {
    pub half_saturation: f64,
    pub repair_per_h: f64,
    pub young_repair_per_h: f64,
    pub dt: f64,
}

crate::model::simd::simd_dispatch! {
    /// For a row of young-cargo totals y (internal cargo plus weighted
    /// CM): the young signals hy = y/(K + y) (0 where y is 0) and
    /// `relax_factors(repair + young_repair·hy, Δt)` as (e, g), bit for bit
    /// `young_signal` and `Ctx::relax_of`. Without branches, so that it
    /// vectorises (the exponential's table load a gather); the lanes whose
    /// exponential leaves its fast path are mended after, site by site.
    pub fn relax_row(y: &[f64], hy: &mut [f64], e: &mut [f64], g: &mut [f64], p: YoungRepair) {
        let n = y.len();
        let (hy, e, g) = (&mut hy[..n], &mut e[..n], &mut g[..n]);
        let dt = p.dt;
        let mut mend = false;
        for i in 0..n {
            let yi = y[i];
            let h = yi / (p.half_saturation + yi);
            let h = if yi == 0.0 { 0.0 } else { h };
            let rate = p.repair_per_h + p.young_repair_per_h * h;
            let x = -rate * dt;
            let ex = math::exp_fast(x);
            let small = rate * dt < 1e-12;
            mend |= !small & !math::exp_is_fast(x);
            hy[i] = h;
            e[i] = if small { 1.0 } else { ex };
            g[i] = if small { dt } else { (1.0 - ex) / rate };
        }
        if mend {
            for i in 0..n {
                (e[i], g[i]) = relax_factors(p.repair_per_h + p.young_repair_per_h * hy[i], dt);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hill_is_bit_identical_to_the_powi_form() {
        let mut x = 0.37_f64;
        for i in 0..20_000 {
            x = (x * 7.31 + 0.123).fract() * 10f64.powi(i % 9 - 4);
            for n in [1.0f64, 2.0, 3.0, 4.0, 5.0, 2.5] {
                let r = x / 0.7;
                let xn = if n == n.trunc() {
                    r.powi(n as i32)
                } else {
                    math::powf(r, n)
                };
                assert_eq!(
                    hill(x, 0.7, n).to_bits(),
                    (xn / (1.0 + xn)).to_bits(),
                    "{x}^{n}"
                );
            }
        }
    }

    #[test]
    fn hill_row_is_hill_at_every_site() {
        let mut x = 0.37_f64;
        let xs: Vec<f64> = (0..3000)
            .map(|i| {
                x = (x * 7.31 + 0.123).fract();
                match i % 5 {
                    0 => 0.0,
                    1 => -x,
                    _ => x * 10f64.powi(i % 9 - 4),
                }
            })
            .collect();
        for n in [3.0, 4.0, 2.0, 2.5] {
            for len in [xs.len(), 7, 1] {
                let mut v = xs[..len].to_vec();
                hill_row(&mut v, 0.7, n);
                for (a, &x) in v.iter().zip(&xs) {
                    assert_eq!(a.to_bits(), hill(x, 0.7, n).to_bits(), "{x}^{n}");
                }
            }
        }
    }

    /// `relax_row` gives `young_signal`'s and `relax_factors`' bits at every
    /// site: no cargo, cargo over ten decades, rates whose exponential
    /// leaves the fast path (|x| ≥ 512) and rates below the small-rate bound.
    #[test]
    fn relax_row_is_relax_factors_at_every_site() {
        let mut x = 0.37_f64;
        let ys: Vec<f64> = (0..3000)
            .map(|i| {
                x = (x * 7.31 + 0.123).fract();
                if i % 4 == 0 {
                    0.0
                } else {
                    x * 10f64.powi(i % 11 - 6)
                }
            })
            .collect();
        let cases = [
            (0.5, 0.02, 0.05, 1.0),
            (2.0, 0.0, 1e-13, 1.0),
            (0.5, 0.02, 2000.0, 1.0),
            (0.5, 600.0, 0.0, 1.0),
            (0.1, 0.01, 0.3, 0.25),
        ];
        for (k, repair, young, dt) in cases {
            let p = YoungRepair {
                half_saturation: k,
                repair_per_h: repair,
                young_repair_per_h: young,
                dt,
            };
            for len in [ys.len(), 5, 1] {
                let (mut hy, mut e, mut g) = (vec![9.0; len], vec![9.0; len], vec![9.0; len]);
                relax_row(&ys[..len], &mut hy, &mut e, &mut g, p);
                for i in 0..len {
                    let y = ys[i];
                    let want_hy = if y == 0.0 { 0.0 } else { y / (k + y) };
                    let (we, wg) = relax_factors(repair + young * want_hy, dt);
                    assert_eq!(hy[i].to_bits(), want_hy.to_bits(), "hy at {y}");
                    assert_eq!(
                        e[i].to_bits(),
                        we.to_bits(),
                        "e at {y}, {k} {repair} {young}"
                    );
                    assert_eq!(
                        g[i].to_bits(),
                        wg.to_bits(),
                        "g at {y}, {k} {repair} {young}"
                    );
                }
            }
        }
    }

    #[test]
    fn inlined_powi_is_bit_identical_to_std() {
        let mut x = 0.37_f64;
        for i in 0..2000 {
            x = (x * 7.31 + 0.123).fract() * 10f64.powi(i % 7 - 3);
            for n in -16..=16 {
                assert_eq!(powi(x, n).to_bits(), x.powi(n).to_bits(), "{x}^{n}");
            }
        }
    }
}
