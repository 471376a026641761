//! The elementary functions senesim computes with: the same bits on every
//! machine.
//!
//! `f64::exp` and its kin call the platform's C library, whose results in
//! the last bit differ between its versions (glibc 2.17's correctly rounded
//! `exp` and the faster one of 2.28 onwards) and between the variants one
//! version picks by CPU (glibc's `__exp_fma` on CPUs with FMA, another build
//! without): a run on a cluster node could then differ from the same run on
//! a laptop. These functions are compiled into senesim with no FMA and no
//! choice by CPU, so a scenario and seed give the same outputs on any x86-64
//! machine: `exp` is senesim's own (exp.rs, the table method of musl's and
//! glibc's exp, ~2× faster than libm's on the per-cell path), the others
//! the `libm` crate's (ports of FreeBSD's and musl's).
//! They are within 1 ulp of the exact value (`exp`, `ln`, `cos`, `sin`,
//! `exp_m1`, `ln_1p`, `log2`, `log10`) or a few ulp (`powf`).
//!
//! clippy.toml forbids the standard library's versions in this crate
//! (`disallowed-methods`), so a new call cannot bring the platform back.
//! `sqrt` is not here: IEEE 754 rounds it exactly on every machine.

mod exp;

/// eˣ (table method, src/math/exp.rs); its fast path alone and the
/// test for it, for loops that vectorise.
pub use exp::{exp, exp_fast, fast as exp_is_fast};

/// eˣ − 1, accurate for small x.
#[inline]
pub fn exp_m1(x: f64) -> f64 {
    libm::expm1(x)
}

/// The natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// ln(1 + x), accurate for small x.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// log₂ x.
#[inline]
pub fn log2(x: f64) -> f64 {
    libm::log2(x)
}

/// log₁₀ x.
#[inline]
pub fn log10(x: f64) -> f64 {
    libm::log10(x)
}

/// xʸ.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// cos x (x in radians).
#[inline]
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// sin x (x in radians).
#[inline]
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against values computed to 30 digits (mpmath), rounded to f64: each
    /// within 1 ulp.
    #[test]
    fn agree_with_high_precision_values() {
        let ulps = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs();
        let cases: [(f64, f64); 9] = [
            (exp(1.0), std::f64::consts::E),
            (exp(-0.5), 0.606_530_659_712_633_4),
            (exp_m1(1e-10), 1.000_000_000_05e-10),
            (ln(10.0), std::f64::consts::LN_10),
            (ln_1p(1e-12), 9.999_999_999_995e-13),
            (log2(10.0), std::f64::consts::LOG2_10),
            (log10(2.0), std::f64::consts::LOG10_2),
            (powf(2.0, 0.5), std::f64::consts::SQRT_2),
            (cos(1.0), 0.540_302_305_868_139_8),
        ];
        for (k, (got, want)) in cases.into_iter().enumerate() {
            assert!(ulps(got, want) <= 1, "case {k}: {got:e} against {want:e}");
        }
        assert!(ulps(sin(1.0), 0.841_470_984_807_896_5) <= 1);
    }
}
