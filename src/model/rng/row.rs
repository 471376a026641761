//! A cell's death and onset draws in the rules pass: hashed cell by cell
//! from its site's stream, or a row of them at a time where the CPU
//! multiplies 64-bit integers eight at a time (AVX-512 DQ). The numbers are
//! the same either way (the row loop calls `StepStream::site` and
//! `SiteStream::uniform`): the hash is integer arithmetic, and the scaling
//! to [0, 1) exact.
//!
//! Every cell draws for death each step, and every proliferative tissue
//! cell for onset: three SplitMix64 mixes per site (the site, then the two
//! purposes), ~15% of the pass's time on one thread. AVX2 has no 64-bit
//! multiply: emulated, a row's hashes cost more than the scalar ones
//! (measured), so the row is hashed ahead only in the AVX-512 build.

use super::{Purpose, SiteStream, StepStream};

/// Where a cell's death and onset draws come from (the same numbers).
#[derive(Clone, Copy, Debug)]
pub enum CellDraws {
    /// Its site's stream, hashed when a draw is needed.
    Stream(SiteStream),
    /// Computed ahead for its row (`row_draws`).
    Ahead { death: f64, onset: f64 },
}

impl CellDraws {
    /// `Purpose::Death` of the cell's site this step.
    #[inline]
    pub fn death(&self) -> f64 {
        match self {
            CellDraws::Stream(s) => s.uniform(Purpose::Death),
            CellDraws::Ahead { death, .. } => *death,
        }
    }

    /// `Purpose::Onset` of the cell's site this step.
    #[inline]
    pub fn onset(&self) -> f64 {
        match self {
            CellDraws::Stream(s) => s.uniform(Purpose::Onset),
            CellDraws::Ahead { onset, .. } => *onset,
        }
    }
}

/// The draws of sites first, first + 1, ... (one per element of `death`
/// and `onset`, which have one length): `stream.uniform(site, Death)` and
/// `stream.uniform(site, Onset)`. Returns false, writing nothing, where the
/// AVX-512 build does not run; the rules pass then draws cell by cell.
pub fn row_draws(stream: &StepStream, first: u64, death: &mut [f64], onset: &mut [f64]) -> bool {
    #[inline(always)]
    fn body(stream: StepStream, first: u64, death: &mut [f64], onset: &mut [f64]) {
        let onset = &mut onset[..death.len()];
        for (x, (d, o)) in death.iter_mut().zip(onset.iter_mut()).enumerate() {
            let site = stream.site(first.wrapping_add(x as u64));
            *d = site.uniform(Purpose::Death);
            *o = site.uniform(Purpose::Onset);
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,avx512f,avx512dq,avx512vl")]
    unsafe fn wide(stream: StepStream, first: u64, death: &mut [f64], onset: &mut [f64]) {
        body(stream, first, death, onset)
    }
    #[cfg(target_arch = "x86_64")]
    if crate::model::simd::avx512() {
        // SAFETY: `avx512()` is true only on a CPU with these features.
        unsafe { wide(*stream, first, death, onset) };
        return true;
    }
    #[cfg(test)]
    if FORCE_SCALAR_ROWS.with(|f| f.get()) {
        body(*stream, first, death, onset);
        return true;
    }
    let _ = (stream, first, death, onset);
    false
}

#[cfg(test)]
thread_local! {
    /// Tests: `row_draws` computes rows with its scalar build where the
    /// AVX-512 one does not run, so that both builds are checked.
    static FORCE_SCALAR_ROWS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both builds of `row_draws` give every site's draws of its stream,
    /// bit for bit, over rows that start anywhere and have any length.
    #[test]
    fn row_draws_are_the_sites_draws() {
        for force in [false, true] {
            FORCE_SCALAR_ROWS.with(|f| f.set(force));
            let st = StepStream::new(0xDEAD_BEEF, 1234);
            for (first, n) in [
                (0u64, 1usize),
                (7, 13),
                (1 << 20, 1024),
                (u64::MAX - 40, 33),
            ] {
                let (mut d, mut o) = (vec![0.0; n], vec![0.0; n]);
                if !row_draws(&st, first, &mut d, &mut o) {
                    assert!(!force);
                    continue;
                }
                for x in 0..n {
                    let site = first.wrapping_add(x as u64);
                    let s = CellDraws::Stream(st.site(site));
                    assert_eq!(d[x].to_bits(), s.death().to_bits());
                    assert_eq!(o[x].to_bits(), s.onset().to_bits());
                    assert_eq!(d[x], st.uniform(site, Purpose::Death));
                }
            }
        }
        FORCE_SCALAR_ROWS.with(|f| f.set(false));
    }
}
