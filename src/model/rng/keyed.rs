//! Non-uniform draws from the keyed streams, through `rand_distr`.
//!
//! A draw's key (seed, step, site, purpose) hashes to one 64-bit word
//! (`super::hash`). `KeyedRng` is the SplitMix64 generator started from that
//! word, implementing rand's core traits (`TryRng`, hence `Rng`), so that
//! `rand_distr`'s samplers draw from it as many words as they need: the
//! standard normal and the exponential by the ziggurat method, which needs
//! one word most of the time and a few more in its rare rejections. A draw
//! therefore stays a pure function of its key, whatever the thread count or
//! the order in which sites are visited, and a treated arm and its control
//! share it (common random numbers).
//!
//! The ziggurat's rare rejection tests (about 1 draw in 80 for the normal)
//! compare against `exp` and `ln` computed by `num-traits`, which calls the
//! platform's C library: a draw could differ between machines only if such
//! a comparison fell within the last bit of the library's result
//! (probability ~1e-16 per test). Everything else a draw takes is exact
//! integer and IEEE arithmetic, and what senesim computes from a draw
//! (the lognormal factor) uses `crate::math`.

use super::{hash, mix64, Purpose};
use crate::math;
use rand::TryRng;
use rand_distr::{Distribution, Exp1, StandardNormal};
use std::convert::Infallible;

/// SplitMix64's increment (2⁶⁴/φ); `mix64` adds it too, so the first word
/// is `mix64` of the key's hash.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The generator of one draw key: SplitMix64 (Steele, Lea & Flood 2014)
/// from the key's hash. Each draw makes its own; it is never shared between
/// keys and never kept between steps.
#[derive(Debug)]
pub struct KeyedRng {
    state: u64,
}

impl KeyedRng {
    /// The generator whose first word is `mix64(key_hash)`.
    #[inline]
    pub fn new(key_hash: u64) -> KeyedRng {
        KeyedRng { state: key_hash }
    }

    /// The generator of the draw keyed (seed, step, site, purpose).
    #[inline]
    pub fn keyed(seed: u64, step: u64, site: u64, purpose: Purpose) -> KeyedRng {
        KeyedRng::new(hash(seed, step, site, purpose))
    }
}

impl TryRng for KeyedRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let z = mix64(self.state);
        self.state = self.state.wrapping_add(GOLDEN);
        Ok(z)
    }

    /// The high half of the next word (its best-mixed bits).
    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        rand::rand_core::utils::fill_bytes_via_next_word(dst, || self.try_next_u64())
    }
}

/// A standard normal draw from the generator started at `key_hash`.
#[inline]
pub(super) fn normal_of(key_hash: u64) -> f64 {
    StandardNormal.sample(&mut KeyedRng::new(key_hash))
}

/// A standard normal draw (`rand_distr::StandardNormal`) keyed by
/// (seed, step, site, purpose).
pub fn normal(seed: u64, step: u64, site: u64, purpose: Purpose) -> f64 {
    normal_of(hash(seed, step, site, purpose))
}

/// An exponential draw with mean 1 (`rand_distr::Exp1`) keyed by
/// (seed, step, site, purpose); divide by a rate for that rate's law.
pub fn exponential(seed: u64, step: u64, site: u64, purpose: Purpose) -> f64 {
    Exp1.sample(&mut KeyedRng::keyed(seed, step, site, purpose))
}

/// A lognormal factor with mean 1 and coefficient of variation `cv`, from a
/// standard normal draw `z`: exp(zσ − σ²/2) with σ² = ln(1 + cv²).
pub fn lognormal_unit_mean(z: f64, cv: f64) -> f64 {
    if cv <= 0.0 {
        return 1.0;
    }
    let s2 = math::ln(1.0 + cv * cv);
    math::exp(z * s2.sqrt() - 0.5 * s2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Kolmogorov-Smirnov distance between the sample and the law `cdf`.
    fn ks(mut xs: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter()
            .enumerate()
            .map(|(i, &x)| {
                let f = cdf(x);
                (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max)
    }

    /// The KS distance's 0.1% critical value for n draws (1.949/√n).
    fn ks_critical(n: usize) -> f64 {
        1.949 / (n as f64).sqrt()
    }

    fn phi(x: f64) -> f64 {
        0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
    }

    #[test]
    fn keyed_rng_is_splitmix64_from_the_key() {
        // The published SplitMix64 sequence from state 1234567.
        let mut r = KeyedRng::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(r.next_u64(), 9_817_491_932_198_370_423);
        // u32s are the high halves; bytes are the words little-endian.
        let mut a = KeyedRng::new(99);
        let mut b = KeyedRng::new(99);
        assert_eq!(a.next_u32() as u64, b.next_u64() >> 32);
        let mut bytes = [0u8; 12];
        a.fill_bytes(&mut bytes);
        let w = b.next_u64().to_le_bytes();
        assert_eq!(&bytes[..8], &w);
        assert_eq!(&bytes[8..], &b.next_u64().to_le_bytes()[..4]);
    }

    #[test]
    fn draws_are_pure_functions_of_their_key() {
        let st = super::super::StepStream::new(42, 17);
        for site in [0u64, 1, 999, 1 << 40] {
            let z = normal(42, 17, site, Purpose::MarkerP16);
            assert_eq!(z.to_bits(), st.normal(site, Purpose::MarkerP16).to_bits());
            assert_eq!(
                z.to_bits(),
                normal(42, 17, site, Purpose::MarkerP16).to_bits()
            );
            assert_ne!(z, normal(42, 17, site, Purpose::MarkerSaBetaGal));
            assert_ne!(z, normal(43, 17, site, Purpose::MarkerP16));
        }
    }

    /// 200 000 normals over consecutive sites: mean, variance, the two-sided
    /// tail beyond 3 (0.270%, exercising the ziggurat's tail) and the KS
    /// distance to Φ, each within its 0.1% bound for this n.
    #[test]
    fn normal_draws_follow_the_standard_normal() {
        let n = 200_000usize;
        let xs: Vec<f64> = (0..n as u64)
            .map(|i| normal(1, 0, i, Purpose::InitLimit))
            .collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        // SE of the mean 1/√n = 2.2e-3, of the variance √(2/n) = 3.2e-3.
        assert!(mean.abs() < 7.4e-3, "mean {mean}");
        assert!((var - 1.0).abs() < 1.05e-2, "var {var}");
        let tail = xs.iter().filter(|x| x.abs() > 3.0).count() as f64 / n as f64;
        // p = 2.70e-3, SE √(p/n) = 1.16e-4.
        assert!((tail - 2.70e-3).abs() < 3.9e-4, "tail {tail}");
        let d = ks(xs, phi);
        assert!(d < ks_critical(n), "KS {d}");
    }

    #[test]
    fn exponential_draws_follow_the_unit_exponential() {
        let n = 200_000usize;
        let xs: Vec<f64> = (0..n as u64)
            .map(|i| exponential(5, 0, i, Purpose::InitOnsetAge))
            .collect();
        assert!(xs.iter().all(|&x| x >= 0.0 && x.is_finite()));
        let mean = xs.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 7.4e-3, "mean {mean}");
        let beyond5 = xs.iter().filter(|&&x| x > 5.0).count() as f64 / n as f64;
        // p = e⁻⁵ = 6.74e-3, SE 1.83e-4.
        assert!((beyond5 - 6.74e-3).abs() < 6.1e-4, "P(x > 5) {beyond5}");
        let d = ks(xs, |x| -math::exp_m1(-x));
        assert!(d < ks_critical(n), "KS {d}");
    }

    /// Normals of neighbouring sites, steps and seeds are uncorrelated
    /// (Pearson r within 5 SE of 0).
    #[test]
    fn normal_streams_are_independent_across_keys() {
        let n = 100_000u64;
        let base: Vec<f64> = (0..n).map(|i| normal(7, 3, i, Purpose::Onset)).collect();
        let se = 1.0 / (n as f64).sqrt();
        for (what, other) in [
            (
                "next site",
                &(|i: u64| normal(7, 3, i + 1, Purpose::Onset)) as &dyn Fn(u64) -> f64,
            ),
            ("next step", &|i| normal(7, 4, i, Purpose::Onset)),
            ("next seed", &|i| normal(8, 3, i, Purpose::Onset)),
            ("other purpose", &|i| normal(7, 3, i, Purpose::Death)),
        ] {
            let r = base
                .iter()
                .enumerate()
                .map(|(i, a)| a * other(i as u64))
                .sum::<f64>()
                / n as f64;
            assert!(r.abs() < 5.0 * se, "{what}: r ≈ {r}");
        }
    }

    #[test]
    fn lognormal_factor_has_requested_mean_and_cv() {
        let n = 200_000u64;
        let cv = 0.4;
        let xs: Vec<f64> = (0..n)
            .map(|i| lognormal_unit_mean(normal(3, 0, i, Purpose::BatchPotency), cv))
            .collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
        assert!((sd / mean - cv).abs() < 0.01, "cv {}", sd / mean);
        assert_eq!(lognormal_unit_mean(1.5, 0.0), 1.0);
    }
}
