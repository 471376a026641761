//! DCT-II and DCT-III of one length by a real FFT (Makhoul 1980), which
//! runs on rustfft's SIMD kernels and is about twice as fast as a direct
//! split-radix DCT.
//!
//! Conventions (unnormalised, as FFTW's REDFT10/REDFT01 halved):
//!
//! ```text
//!   DCT-II:   X_k = Σ_n x_n cos(πk(2n+1)/2N)
//!   DCT-III:  x_n = X_0/2 + Σ_{k≥1} X_k cos(πk(2n+1)/2N)
//!   DCT-III(DCT-II(x)) = (N/2)·x
//! ```
//!
//! With v the even samples followed by the odd ones reversed
//! (v_n = x_2n, v_{N−1−n} = x_{2n+1}) and V its DFT, z_k = e^{−iπk/2N}·V_k
//! gives X_k = Re z_k and X_{N−k} = −Im z_k: one real FFT of length N and a
//! twiddle per output pair. DCT-III runs the same steps backwards.

use crate::math;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex;
use std::sync::Arc;

pub struct Cosine {
    n: usize,
    r2c: Arc<dyn RealToComplex<f64>>,
    c2r: Arc<dyn ComplexToReal<f64>>,
    /// e^{−iπk/2N}, k = 0..=N/2.
    twiddle: Vec<Complex<f64>>,
}

/// Per-thread buffers of one length: the permuted samples, the half
/// spectrum and the FFT's own scratch.
pub struct Work {
    v: Vec<f64>,
    spec: Vec<Complex<f64>>,
    /// The source's half spectrum (`filter_slotted`).
    spec_s: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}

impl Cosine {
    pub fn new(n: usize, planner: &mut RealFftPlanner<f64>) -> Cosine {
        let twiddle = (0..=n / 2)
            .map(|k| {
                let a = -std::f64::consts::PI * k as f64 / (2 * n) as f64;
                Complex::new(math::cos(a), math::sin(a))
            })
            .collect();
        Cosine {
            n,
            r2c: planner.plan_fft_forward(n),
            c2r: planner.plan_fft_inverse(n),
            twiddle,
        }
    }

    pub fn work(&self) -> Work {
        let scratch = self.r2c.get_scratch_len().max(self.c2r.get_scratch_len());
        Work {
            v: vec![0.0; self.n],
            spec: vec![Complex::new(0.0, 0.0); self.n / 2 + 1],
            spec_s: vec![Complex::new(0.0, 0.0); self.n / 2 + 1],
            scratch: vec![Complex::new(0.0, 0.0); scratch],
        }
    }

    /// Where sample j goes in the FFT input of a DCT-II: the even samples,
    /// then the odd ones reversed (see the module notes).
    #[inline]
    pub fn slot(&self, j: usize) -> usize {
        if j.is_multiple_of(2) {
            j / 2
        } else {
            self.n - 1 - j / 2
        }
    }

    /// One column of a solve, on samples already placed by `slot`: DCT-II,
    /// each coefficient X_k replaced by g(k, X_k, S_k) (S the DCT-II of the
    /// source `s`, if any, also placed by `slot`), DCT-III; the result is
    /// left in `v` in slot order and twice its value (the caller halves it
    /// when it puts the samples back). The arithmetic is that of `dct2`, a
    /// pass of g, then `dct3`, value for value, without storing the
    /// coefficients in between.
    pub fn filter_slotted(
        &self,
        v: &mut [f64],
        s: Option<&mut [f64]>,
        w: &mut Work,
        g: impl Fn(usize, f64, Option<f64>) -> f64,
    ) {
        let n = self.n;
        assert_eq!(v.len(), n);
        self.r2c
            .process_with_scratch(v, &mut w.spec, &mut w.scratch)
            .expect("buffers are sized by the plan");
        let has_s = s.is_some();
        if let Some(s) = s {
            assert_eq!(s.len(), n);
            self.r2c
                .process_with_scratch(s, &mut w.spec_s, &mut w.scratch)
                .expect("buffers are sized by the plan");
        }
        let (tw, spec, spec_s) = (&self.twiddle, &mut w.spec, &w.spec_s);
        // X_k = Re z_k, X_{N−k} = −Im z_k with z_k = V_k·e^{−iπk/2N}.
        let coeffs = |spec: &[Complex<f64>], k: usize| -> (f64, f64, Option<(f64, f64)>) {
            let z = spec[k] * tw[k];
            let zs = has_s.then(|| spec_s[k] * tw[k]);
            (z.re, -z.im, zs.map(|z| (z.re, -z.im)))
        };
        let x0 = g(0, spec[0].re, has_s.then(|| spec_s[0].re));
        let h = n.div_ceil(2);
        for k in 1..h {
            let (a, b, sab) = coeffs(spec, k);
            let a = g(k, a, sab.map(|p| p.0));
            let b = g(n - k, b, sab.map(|p| p.1));
            // V_k = e^{+iπk/2N}·(X_k − i·X_{N−k})
            spec[k] = Complex::new(a, -b) * tw[k].conj();
        }
        if n.is_multiple_of(2) && n > 0 {
            let m = n / 2;
            let (a, _, sab) = coeffs(spec, m);
            let a = g(m, a, sab.map(|p| p.0));
            spec[m] = Complex::new(a, -a) * tw[m].conj();
            // V_{N/2} is real in exact arithmetic; the inverse needs it so.
            spec[m].im = 0.0;
        }
        spec[0] = Complex::new(x0, 0.0);
        self.c2r
            .process_with_scratch(spec, v, &mut w.scratch)
            .expect("buffers are sized by the plan and the edge terms are real");
    }

    /// DCT-II of `x` in place.
    pub fn dct2(&self, x: &mut [f64], w: &mut Work) {
        let n = self.n;
        assert_eq!(x.len(), n);
        let h = n.div_ceil(2);
        // v: the even samples, then the odd ones reversed.
        let (lo, hi) = w.v.split_at_mut(h);
        for ((a, b), pair) in lo
            .iter_mut()
            .zip(hi.iter_mut().rev())
            .zip(x.chunks_exact(2))
        {
            *a = pair[0];
            *b = pair[1];
        }
        if n % 2 == 1 {
            lo[h - 1] = x[n - 1];
        }
        self.r2c
            .process_with_scratch(&mut w.v, &mut w.spec, &mut w.scratch)
            .expect("buffers are sized by the plan");
        // X_k = Re z_k and X_{N−k} = −Im z_k for 0 < k < N/2, then X_{N/2}.
        let (head, rest) = x.split_at_mut(h);
        let (mid, tail) = rest.split_at_mut(rest.len() + 1 - h);
        head[0] = w.spec[0].re;
        let zs = w.spec[1..h].iter().zip(&self.twiddle[1..h]);
        for ((a, b), (s, t)) in head[1..].iter_mut().zip(tail.iter_mut().rev()).zip(zs) {
            let z = s * t;
            *a = z.re;
            *b = -z.im;
        }
        if let Some(m) = mid.first_mut() {
            *m = (w.spec[n / 2] * self.twiddle[n / 2]).re;
        }
    }

    /// DCT-III of `x` in place.
    pub fn dct3(&self, x: &mut [f64], w: &mut Work) {
        let n = self.n;
        assert_eq!(x.len(), n);
        let m = n / 2;
        w.spec[0] = Complex::new(x[0], 0.0);
        // V_k = e^{+iπk/2N}·(X_k − i·X_{N−k})
        let xs = x[1..=m].iter().zip(x[n - m..].iter().rev());
        for ((v, t), (&a, &b)) in w.spec[1..=m].iter_mut().zip(&self.twiddle[1..=m]).zip(xs) {
            *v = Complex::new(a, -b) * t.conj();
        }
        if n.is_multiple_of(2) {
            // V_{N/2} is real in exact arithmetic; the inverse needs it so.
            w.spec[m].im = 0.0;
        }
        self.c2r
            .process_with_scratch(&mut w.spec, &mut w.v, &mut w.scratch)
            .expect("buffers are sized by the plan and the edge terms are real");
        let h = n.div_ceil(2);
        let (lo, hi) = w.v.split_at(h);
        for ((pair, &a), &b) in x.chunks_exact_mut(2).zip(lo).zip(hi.iter().rev()) {
            pair[0] = 0.5 * a;
            pair[1] = 0.5 * b;
        }
        if n % 2 == 1 {
            x[n - 1] = 0.5 * lo[h - 1];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct2(x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..n)
            .map(|k| {
                x.iter()
                    .enumerate()
                    .map(|(j, v)| {
                        v * math::cos(
                            std::f64::consts::PI * k as f64 * (2 * j + 1) as f64 / (2 * n) as f64,
                        )
                    })
                    .sum()
            })
            .collect()
    }

    fn direct3(x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..n)
            .map(|j| {
                0.5 * x[0]
                    + (1..n)
                        .map(|k| {
                            x[k] * math::cos(
                                std::f64::consts::PI * k as f64 * (2 * j + 1) as f64
                                    / (2 * n) as f64,
                            )
                        })
                        .sum::<f64>()
            })
            .collect()
    }

    #[test]
    fn matches_the_defining_sums_for_even_and_odd_lengths() {
        let mut planner = RealFftPlanner::new();
        for n in [1usize, 2, 3, 5, 8, 12, 17, 64, 96] {
            let c = Cosine::new(n, &mut planner);
            let mut w = c.work();
            let x: Vec<f64> = (0..n).map(|i| ((i * 37 + 11) % 23) as f64 - 9.5).collect();
            let scale = x.iter().map(|v| v.abs()).sum::<f64>();
            let mut y = x.clone();
            c.dct2(&mut y, &mut w);
            for (a, b) in y.iter().zip(direct2(&x)) {
                assert!((a - b).abs() < 1e-13 * scale, "n = {n}: dct2 {a} vs {b}");
            }
            let mut z = x.clone();
            c.dct3(&mut z, &mut w);
            for (a, b) in z.iter().zip(direct3(&x)) {
                assert!((a - b).abs() < 1e-13 * scale, "n = {n}: dct3 {a} vs {b}");
            }
            // Round trip: DCT-III(DCT-II(x)) = N/2·x.
            c.dct3(&mut y, &mut w);
            for (a, b) in y.iter().zip(&x) {
                assert!((a - 0.5 * n as f64 * b).abs() < 1e-12 * scale * n as f64);
            }
        }
    }

    /// `filter_slotted` is dct2, a pass of g, dct3, value for value: the
    /// solvers' results do not depend on which path computed them.
    #[test]
    fn the_fused_column_filter_is_bit_identical_to_its_three_steps() {
        let mut planner = RealFftPlanner::new();
        let g = |k: usize, c: f64, s: Option<f64>| {
            let f = 1.0 / (3.0 + k as f64);
            match s {
                Some(s) => 0.25 * (f * c + 0.5 * f * s),
                None => 0.25 * (f * c + 0.0),
            }
        };
        for n in [1usize, 2, 3, 5, 8, 12, 17, 64, 96] {
            let c = Cosine::new(n, &mut planner);
            let mut w = c.work();
            let x: Vec<f64> = (0..n).map(|i| ((i * 37 + 11) % 23) as f64 - 9.5).collect();
            let src: Vec<f64> = (0..n).map(|i| ((i * 13 + 5) % 7) as f64).collect();
            for with_source in [false, true] {
                // Three steps.
                let (mut y, mut t) = (x.clone(), src.clone());
                c.dct2(&mut y, &mut w);
                c.dct2(&mut t, &mut w);
                for k in 0..n {
                    y[k] = g(k, y[k], with_source.then_some(t[k]));
                }
                c.dct3(&mut y, &mut w);
                // Fused, on slotted samples, halved when put back.
                let mut v = vec![0.0; n];
                let mut vs = vec![0.0; n];
                for j in 0..n {
                    v[c.slot(j)] = x[j];
                    vs[c.slot(j)] = src[j];
                }
                let s = with_source.then_some(&mut vs[..]);
                c.filter_slotted(&mut v, s, &mut w, g);
                for j in 0..n {
                    let z = 0.5 * v[c.slot(j)];
                    assert_eq!(z.to_bits(), y[j].to_bits(), "n = {n}, sample {j}");
                }
            }
        }
    }
}
