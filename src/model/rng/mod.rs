//! Counter-based random numbers keyed by (seed, step, site, purpose).
//!
//! docs/model.md §5 requires every stochastic event to draw from a pure function of
//! its key, so that results do not depend on thread count or iteration order,
//! and a treated arm shares every draw it has in common with its untreated
//! control (common random numbers). A sequential generator cannot give that;
//! a keyed hash can.
//!
//! The key is mixed one word at a time through the SplitMix64 finaliser
//! (a bijection on u64 with full avalanche), never by adding indices to the
//! seed: `seed + site` would make seed s at site i+1 equal seed s+1 at site i.
//! A uniform draw is that hash scaled to [0, 1); the normal and exponential
//! draws are rand_distr's, from a generator started at the hash (keyed.rs).

use crate::math;
/// What a draw is for. Each purpose gets its own independent stream, so that
/// adding a rule never shifts the numbers another rule sees. The values are
/// part of every run's random streams: never renumber one; retire a value
/// rather than reuse it (7, 15, 17 and 22 are retired).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    InitOccupancy = 1,
    InitSenescent = 2,
    InitDivisions = 3,
    InitLimit = 4,
    /// Time since onset of a cell senescent at t = 0.
    InitOnsetAge = 5,
    Onset = 6,
    Reversion = 8,
    Transformation = 9,
    Clearance = 10,
    Death = 11,
    Action = 12,
    ActionTarget = 13,
    ActionPriority = 14,
    MscSenescence = 16,
    GraftPlacement = 18,
    BatchPotency = 19,
    BatchSenescent = 20,
    BatchAssay = 21,
    Replicate = 23,
    Senolytic = 24,
    /// Seed of a sweep point, from the sweep's base seed.
    SweepPoint = 25,
    /// Latin hypercube strata and offsets of a sweep.
    LatinHypercube = 26,
    /// The identity of a sweep run (its scenario's fingerprint and seed),
    /// apart from the point seeds (`SweepPoint`).
    RunIdentity = 27,
    /// A senescent cell's SA-β-gal and p16 delays after onset.
    MarkerSaBetaGal = 28,
    MarkerP16 = 29,
    /// Whether a wound margin hole contracts this step.
    Contraction = 30,
    /// Whether a cell senescent at t = 0 is secondary (bystander-induced).
    InitOrigin = 31,
}

/// The keys of draws that need more than (seed, step, site, purpose): the
/// one place they are packed, so that two kinds of key never collide.
pub mod key {
    /// Sites are below 2³¹ (validated), so 40 bits hold any site.
    const SITE_BITS: u32 = 40;

    /// A site's key for the `source`-th of several sources acting on it in
    /// one step (the k-th senolytic, the g-th graft).
    #[inline]
    pub fn source_site(source: usize, site: usize) -> u64 {
        debug_assert!((site as u64) < 1 << SITE_BITS && (source as u64) < 1 << (64 - SITE_BITS));
        (source as u64) << SITE_BITS | site as u64
    }

    /// The stream of the `release`-th batch released for treatment `index`.
    #[inline]
    pub fn batch_release(index: usize, release: u64) -> u64 {
        debug_assert!(release < 1 << 32);
        ((index as u64) << 32) | release
    }

    /// The step slot of the second draw of Latin hypercube axis `axis` (its
    /// offset within a stratum; the first draw, the permutation, uses `axis`).
    #[inline]
    pub fn lhs_offset(axis: usize) -> u64 {
        (axis as u64) | (1 << 32)
    }
}

#[inline]
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 64-bit hash of the full key.
#[inline]
pub fn hash(seed: u64, step: u64, site: u64, purpose: Purpose) -> u64 {
    let mut h = mix64(seed);
    h = mix64(h ^ step);
    h = mix64(h ^ site);
    mix64(h ^ purpose as u64)
}

#[inline]
fn to_unit(h: u64) -> f64 {
    // Below 2⁵³, so exact as a signed integer: one conversion instruction
    // instead of the unsigned one's sequence, the same value.
    ((h >> 11) as i64) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in [0, 1) with 53 random bits.
#[inline]
pub fn uniform(seed: u64, step: u64, site: u64, purpose: Purpose) -> f64 {
    to_unit(hash(seed, step, site, purpose))
}

/// The draws of one (seed, step): the same numbers as `hash` and `uniform`,
/// with the seed and step mixed once per step instead of once per draw
/// (the per-site hot loops draw several times per site).
#[derive(Clone, Copy, Debug)]
pub struct StepStream {
    prefix: u64,
}

impl StepStream {
    #[inline]
    pub fn new(seed: u64, step: u64) -> StepStream {
        StepStream {
            prefix: mix64(mix64(seed) ^ step),
        }
    }
    #[inline]
    pub fn hash(&self, site: u64, purpose: Purpose) -> u64 {
        self.site(site).hash(purpose)
    }
    /// The draws of one site this step (the site mixed once).
    #[inline]
    pub fn site(&self, site: u64) -> SiteStream {
        SiteStream {
            prefix: mix64(self.prefix ^ site),
        }
    }
    #[inline]
    pub fn uniform(&self, site: u64, purpose: Purpose) -> f64 {
        to_unit(self.hash(site, purpose))
    }
    /// Standard normal: the same number as `normal` with this seed and step.
    #[inline]
    pub fn normal(&self, site: u64, purpose: Purpose) -> f64 {
        keyed::normal_of(self.hash(site, purpose))
    }
}

/// The draws of one (seed, step, site): the same numbers as `StepStream`'s
/// for that site, the site mixed once for a cell's several draws.
#[derive(Clone, Copy, Debug)]
pub struct SiteStream {
    prefix: u64,
}

impl SiteStream {
    #[inline]
    pub fn hash(&self, purpose: Purpose) -> u64 {
        mix64(self.prefix ^ purpose as u64)
    }
    #[inline]
    pub fn uniform(&self, purpose: Purpose) -> f64 {
        to_unit(self.hash(purpose))
    }
}

/// The keys of one step's draws (seed and step mixed once), with the step's
/// time: made once per step and shared by the cell rules and division.
#[derive(Clone, Copy, Debug)]
pub struct StepKey {
    /// The keyed draws of this step.
    pub stream: StepStream,
    pub now_h: f64,
    pub dt: f64,
}

impl StepKey {
    pub fn new(seed: u64, step: u64, now_h: f64, dt: f64) -> StepKey {
        StepKey {
            stream: StepStream::new(seed, step),
            now_h,
            dt,
        }
    }
}

/// Probability that an event with constant hazard `rate` (per hour) happens
/// within `dt` hours.
#[inline]
pub fn hazard_prob(rate: f64, dt: f64) -> f64 {
    if rate <= 0.0 {
        0.0
    } else {
        -math::exp_m1(-rate * dt)
    }
}

/// Whether an event of hazard `rate` (per hour) happens within `dt` hours,
/// given the uniform draw `u`: exactly `u < hazard_prob(rate, dt)`, but the
/// exponential is only evaluated when `u` falls below its upper bound
/// rate·dt (1 − e^{−x} ≤ x), which on the per-cell hot path is rare. The
/// bound is widened by 1e-15 relative so that the last-ulp rounding of
/// `exp_m1` can never make the shortcut disagree with the exact test.
#[inline]
pub fn happens(u: f64, rate: f64, dt: f64) -> bool {
    u < (rate * dt) * (1.0 + 1e-15) && u < hazard_prob(rate, dt)
}

/// FNV-1a over bytes: a stable 64-bit fingerprint (change detection, not security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub mod keyed;
pub mod row;
pub mod seed_text;
pub use keyed::{exponential, lognormal_unit_mean, normal, KeyedRng};
pub use row::{row_draws, CellDraws};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_mean_and_variance_are_those_of_u01() {
        let n = 200_000u64;
        let (mut s, mut s2) = (0.0, 0.0);
        for i in 0..n {
            let u = uniform(7, 3, i, Purpose::Onset);
            assert!((0.0..1.0).contains(&u));
            s += u;
            s2 += u * u;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        // SE of the mean is 0.29/sqrt(n) = 6.5e-4; allow 5 SE.
        assert!((mean - 0.5).abs() < 3.3e-3, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 2e-3, "var {var}");
    }

    /// Independence of the streams: draws of neighbouring sites, steps,
    /// seeds and purposes are uncorrelated (Pearson r within 5 SE of 0),
    /// and pairs of successive sites fill a 16×16 grid of cells evenly
    /// (χ² with 255 degrees of freedom below its 0.1% point, 330.5).
    #[test]
    fn streams_are_independent_across_keys() {
        let n = 100_000u64;
        let r = |a: &dyn Fn(u64) -> f64, b: &dyn Fn(u64) -> f64| {
            let (mut sa, mut sb, mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for i in 0..n {
                let (x, y) = (a(i), b(i));
                sa += x;
                sb += y;
                sab += x * y;
                saa += x * x;
                sbb += y * y;
            }
            let nf = n as f64;
            let cov = sab / nf - sa / nf * sb / nf;
            cov / ((saa / nf - (sa / nf).powi(2)) * (sbb / nf - (sb / nf).powi(2))).sqrt()
        };
        let se = 1.0 / (n as f64).sqrt();
        let base = |i: u64| uniform(7, 3, i, Purpose::Onset);
        for (what, other) in [
            (
                "next site",
                &(|i: u64| uniform(7, 3, i + 1, Purpose::Onset)) as &dyn Fn(u64) -> f64,
            ),
            ("next step", &|i: u64| uniform(7, 4, i, Purpose::Onset)),
            ("next seed", &|i: u64| uniform(8, 3, i, Purpose::Onset)),
            ("other purpose", &|i: u64| uniform(7, 3, i, Purpose::Death)),
            ("site in the next row of 1024", &|i: u64| {
                uniform(7, 3, i + 1024, Purpose::Onset)
            }),
        ] {
            let c = r(&base, other);
            assert!(c.abs() < 5.0 * se, "{what}: r = {c}");
        }
        let mut cells = [0u32; 256];
        for i in 0..n {
            let (a, b) = (base(2 * i), base(2 * i + 1));
            cells[(a * 16.0) as usize * 16 + (b * 16.0) as usize] += 1;
        }
        let e = n as f64 / 256.0;
        let chi2: f64 = cells.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
        assert!(chi2 < 330.5, "χ² = {chi2}");
    }

    #[test]
    fn keys_do_not_alias_by_addition() {
        // seed s at site i+1 must not equal seed s+1 at site i.
        for i in 0..1000 {
            assert_ne!(
                hash(10, 0, i + 1, Purpose::Onset),
                hash(11, 0, i, Purpose::Onset)
            );
        }
        assert_ne!(hash(1, 2, 3, Purpose::Onset), hash(1, 2, 3, Purpose::Death));
        assert_ne!(hash(1, 2, 3, Purpose::Onset), hash(1, 3, 2, Purpose::Onset));
    }

    #[test]
    fn step_stream_gives_the_keyed_draws() {
        let st = StepStream::new(42, 17);
        for site in [0u64, 1, 999, u64::MAX] {
            for p in [Purpose::Onset, Purpose::Death, Purpose::ActionPriority] {
                assert_eq!(st.hash(site, p), hash(42, 17, site, p));
                assert_eq!(st.uniform(site, p), uniform(42, 17, site, p));
            }
        }
    }

    #[test]
    fn happens_is_the_exact_hazard_test() {
        // Draws around the probability, for rates over many decades.
        for k in -40..=8 {
            let rate = math::powf(10f64, k as f64 * 0.5);
            let p = hazard_prob(rate, 1.0);
            for u in [
                0.0,
                p * 0.5,
                p * (1.0 - 1e-15),
                p,
                p * (1.0 + 1e-15),
                rate,
                0.999_999,
            ] {
                assert_eq!(happens(u, rate, 1.0), u < p, "rate {rate}, u {u}");
            }
        }
        assert!(!happens(0.0, 0.0, 1.0));
    }

    #[test]
    fn hazard_prob_matches_exponential_law() {
        assert_eq!(hazard_prob(0.0, 1.0), 0.0);
        assert!((hazard_prob(0.1, 1.0) - (1.0 - math::exp(-0.1f64))).abs() < 1e-15);
        assert!(hazard_prob(1e9, 1.0) <= 1.0);
    }
}
