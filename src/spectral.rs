//! Spectral solver for the linear reaction-diffusion operator on the lattice.
//!
//! Every field obeys ∂c/∂t = D∇²c − λc + s(x) (MODEL.md §4), with ∇² the
//! 5-point lattice Laplacian (site spacing 1). Its eigenvectors are known in
//! closed form: cosines (DCT-II) for no-flux edges, Fourier modes for periodic
//! ones. In that basis the operator is diagonal, with eigenvalue
//!
//! ```text
//!   a(kx, ky) = D·(μx(kx) + μy(ky)) + λ,   μ(k) = 2 − 2cos(πk/N)   (no-flux)
//!                                          μ(k) = 2 − 2cos(2πk/N)  (periodic)
//! ```
//!
//! so both solves this crate needs are exact, whatever Δt:
//!
//! * steady state (the `sasp` field): ĉ = ŝ / a;
//! * one step with a source held constant over the step (the EV fields):
//!   ĉ(t+Δt) = e^{−aΔt}ĉ(t) + (1 − e^{−aΔt})/a · ŝ.
//!
//! Both maps are positivity-preserving for the lattice operator (an M-matrix
//! inverse and a heat semigroup), so the only negative values are round-off of
//! order 1e-17, which callers clamp. There is no stability limit on Δt and no
//! substepping: the cost is four 1D transform passes per solve.
//!
//! 2D transforms are done as rows, transpose, rows; rows run in parallel with
//! rayon, each row's arithmetic independent of the thread that does it, so the
//! result is bit-identical at any thread count.

use crate::geometry::{Boundary, Grid};
use rayon::prelude::*;
use rustdct::{Dct2, Dct3, DctPlanner};
use rustfft::{num_complex::Complex, Fft, FftPlanner};
use std::sync::Arc;

enum Plans {
    Cosine {
        fwd_x: Arc<dyn Dct2<f64>>,
        inv_x: Arc<dyn Dct3<f64>>,
        fwd_y: Arc<dyn Dct2<f64>>,
        inv_y: Arc<dyn Dct3<f64>>,
    },
    Fourier {
        fwd_x: Arc<dyn Fft<f64>>,
        inv_x: Arc<dyn Fft<f64>>,
        fwd_y: Arc<dyn Fft<f64>>,
        inv_y: Arc<dyn Fft<f64>>,
    },
}

/// The transform plans and workspace for one grid. Reuse it across steps.
pub struct Spectral {
    /// The last solve's defect, if any: (value, site) of a non-finite value
    /// or a negative beyond round-off (see `clamp_roundoff`).
    pub defect: Option<(f64, usize)>,
    grid: Grid,
    plans: Plans,
    /// Laplacian eigenvalues μx(kx) + μy(ky), in the transposed layout
    /// `kx * ny + ky` that the spectral coefficients are held in.
    mu: Vec<f64>,
    // Workspace, allocated once: transposed field, and the source's copy and
    // transpose (real for cosine, complex for Fourier).
    rt: Vec<f64>,
    sr: Vec<f64>,
    srt: Vec<f64>,
    ct: Vec<Complex<f64>>,
    cb: Vec<Complex<f64>>,
    sc: Vec<Complex<f64>>,
    sct: Vec<Complex<f64>>,
}

fn lattice_eigen(n: usize, boundary: Boundary) -> Vec<f64> {
    (0..n)
        .map(|k| {
            let theta = match boundary {
                Boundary::NoFlux => std::f64::consts::PI * k as f64 / n as f64,
                Boundary::Periodic => std::f64::consts::TAU * k as f64 / n as f64,
            };
            2.0 - 2.0 * theta.cos()
        })
        .collect()
}

fn transpose<T: Copy + Send + Sync>(src: &[T], dst: &mut [T], rows: usize, cols: usize) {
    // src is rows × cols (row-major); dst becomes cols × rows.
    dst.par_chunks_mut(rows).enumerate().for_each(|(c, out)| {
        for (r, o) in out.iter_mut().enumerate() {
            *o = src[r * cols + c];
        }
    });
}

fn rows_dct2(data: &mut [f64], len: usize, plan: &Arc<dyn Dct2<f64>>) {
    let scratch = plan.get_scratch_len();
    data.par_chunks_mut(len).for_each_init(
        || vec![0.0; scratch],
        |s, row| plan.process_dct2_with_scratch(row, s),
    );
}

fn rows_dct3(data: &mut [f64], len: usize, plan: &Arc<dyn Dct3<f64>>) {
    let scratch = plan.get_scratch_len();
    data.par_chunks_mut(len).for_each_init(
        || vec![0.0; scratch],
        |s, row| plan.process_dct3_with_scratch(row, s),
    );
}

fn rows_fft(data: &mut [Complex<f64>], len: usize, plan: &Arc<dyn Fft<f64>>) {
    let scratch = plan.get_inplace_scratch_len();
    data.par_chunks_mut(len).for_each_init(
        || vec![Complex::new(0.0, 0.0); scratch],
        |s, row| plan.process_with_scratch(row, s),
    );
}

impl Spectral {
    pub fn new(grid: Grid) -> Self {
        let (nx, ny) = (grid.nx, grid.ny);
        let plans = match grid.boundary {
            Boundary::NoFlux => {
                let mut p = DctPlanner::new();
                Plans::Cosine {
                    fwd_x: p.plan_dct2(nx),
                    inv_x: p.plan_dct3(nx),
                    fwd_y: p.plan_dct2(ny),
                    inv_y: p.plan_dct3(ny),
                }
            }
            Boundary::Periodic => {
                let mut p = FftPlanner::new();
                Plans::Fourier {
                    fwd_x: p.plan_fft_forward(nx),
                    inv_x: p.plan_fft_inverse(nx),
                    fwd_y: p.plan_fft_forward(ny),
                    inv_y: p.plan_fft_inverse(ny),
                }
            }
        };
        let ex = lattice_eigen(nx, grid.boundary);
        let ey = lattice_eigen(ny, grid.boundary);
        let mut mu = vec![0.0; nx * ny];
        for kx in 0..nx {
            for ky in 0..ny {
                mu[kx * ny + ky] = ex[kx] + ey[ky];
            }
        }
        let complex = matches!(plans, Plans::Fourier { .. });
        let (nc, nr) = if complex { (nx * ny, 0) } else { (0, nx * ny) };
        let zc = Complex::new(0.0, 0.0);
        Spectral {
            defect: None,
            grid,
            plans,
            mu,
            rt: vec![0.0; nr],
            sr: vec![0.0; nr],
            srt: vec![0.0; nr],
            ct: vec![zc; nc],
            cb: vec![zc; nc],
            sc: vec![zc; nc],
            sct: vec![zc; nc],
        }
    }

    /// Applies the diagonal spectral operator `f(k, mu, coeff_c, coeff_s)` to
    /// the pair (c, s) and writes the result into `c`. `s` may be None (zero).
    /// `f` receives the mode index, its Laplacian eigenvalue and the two
    /// coefficients, and returns the new coefficient of c.
    fn apply<F>(&mut self, c: &mut [f64], s: Option<&[f64]>, f: F)
    where
        F: Fn(usize, f64, f64, f64) -> f64 + Sync,
    {
        let (nx, ny) = (self.grid.nx, self.grid.ny);
        assert_eq!(c.len(), nx * ny);
        match &self.plans {
            Plans::Cosine {
                fwd_x,
                inv_x,
                fwd_y,
                inv_y,
            } => {
                // Forward transform of c and, if given, s (into the workspace).
                rows_dct2(c, nx, fwd_x);
                transpose(c, &mut self.rt, ny, nx);
                rows_dct2(&mut self.rt, ny, fwd_y);
                let st = match s {
                    Some(s) => {
                        self.sr.copy_from_slice(s);
                        rows_dct2(&mut self.sr, nx, fwd_x);
                        transpose(&self.sr, &mut self.srt, ny, nx);
                        rows_dct2(&mut self.srt, ny, fwd_y);
                        Some(&self.srt)
                    }
                    None => None,
                };
                // DCT3∘DCT2 = N/2 per axis.
                let norm = 4.0 / (nx as f64 * ny as f64);
                let mu = &self.mu;
                match st {
                    Some(st) => self
                        .rt
                        .par_iter_mut()
                        .zip(st.par_iter())
                        .zip(mu.par_iter())
                        .enumerate()
                        .for_each(|(k, ((cc, &ss), &m))| *cc = norm * f(k, m, *cc, ss)),
                    None => self
                        .rt
                        .par_iter_mut()
                        .zip(mu.par_iter())
                        .enumerate()
                        .for_each(|(k, (cc, &m))| *cc = norm * f(k, m, *cc, 0.0)),
                }
                rows_dct3(&mut self.rt, ny, inv_y);
                transpose(&self.rt, c, nx, ny);
                rows_dct3(c, nx, inv_x);
            }
            Plans::Fourier {
                fwd_x,
                inv_x,
                fwd_y,
                inv_y,
            } => {
                self.cb
                    .iter_mut()
                    .zip(c.iter())
                    .for_each(|(z, &x)| *z = Complex::new(x, 0.0));
                rows_fft(&mut self.cb, nx, fwd_x);
                transpose(&self.cb, &mut self.ct, ny, nx);
                rows_fft(&mut self.ct, ny, fwd_y);
                let st = match s {
                    Some(s) => {
                        self.sc
                            .iter_mut()
                            .zip(s)
                            .for_each(|(z, &x)| *z = Complex::new(x, 0.0));
                        rows_fft(&mut self.sc, nx, fwd_x);
                        transpose(&self.sc, &mut self.sct, ny, nx);
                        rows_fft(&mut self.sct, ny, fwd_y);
                        Some(&self.sct)
                    }
                    None => None,
                };
                let norm = 1.0 / (nx as f64 * ny as f64);
                let mu = &self.mu;
                let apply_c = |k: usize, cc: &mut Complex<f64>, ss: Complex<f64>, m: f64| {
                    *cc = Complex::new(norm * f(k, m, cc.re, ss.re), norm * f(k, m, cc.im, ss.im));
                };
                match st {
                    Some(st) => self
                        .ct
                        .par_iter_mut()
                        .zip(st.par_iter())
                        .zip(mu.par_iter())
                        .enumerate()
                        .for_each(|(k, ((cc, &ss), &m))| apply_c(k, cc, ss, m)),
                    None => self
                        .ct
                        .par_iter_mut()
                        .zip(mu.par_iter())
                        .enumerate()
                        .for_each(|(k, (cc, &m))| apply_c(k, cc, Complex::new(0.0, 0.0), m)),
                }
                rows_fft(&mut self.ct, ny, inv_y);
                transpose(&self.ct, &mut self.cb, nx, ny);
                rows_fft(&mut self.cb, nx, inv_x);
                c.iter_mut()
                    .zip(self.cb.iter())
                    .for_each(|(x, z)| *x = z.re);
            }
        }
    }

    /// Steady state of D∇²c − λc + s = 0, written into `out`. Needs λ > 0.
    pub fn steady(&mut self, s: &[f64], out: &mut [f64], diffusion: f64, lambda: f64) {
        debug_assert!(lambda > 0.0);
        out.copy_from_slice(s);
        self.apply(out, None, |_, mu, cs, _| cs / (diffusion * mu + lambda));
        self.defect = clamp_roundoff(out);
    }

    /// The per-mode factors of one step of length `dt` (reuse them while D,
    /// λ and Δt are unchanged: computing them costs two exponentials a mode).
    pub fn step_factors(&self, diffusion: f64, lambda: f64, dt: f64) -> StepFactors {
        let (decay, phi) = self
            .mu
            .par_iter()
            .map(|&mu| {
                let a = diffusion * mu + lambda;
                // (1 − e^{−aΔt})/a, continuous at a = 0.
                let phi = if a * dt > 1e-12 {
                    -(-a * dt).exp_m1() / a
                } else {
                    dt
                };
                ((-a * dt).exp(), phi)
            })
            .unzip();
        StepFactors {
            diffusion,
            lambda,
            dt,
            decay,
            phi,
        }
    }

    /// Advances c over `dt` hours under ∂c/∂t = D∇²c − λc + s, s constant.
    pub fn advance(
        &mut self,
        c: &mut [f64],
        s: Option<&[f64]>,
        diffusion: f64,
        lambda: f64,
        dt: f64,
    ) {
        let f = self.step_factors(diffusion, lambda, dt);
        self.advance_with(c, s, &f);
    }

    /// `advance` with precomputed factors.
    pub fn advance_with(&mut self, c: &mut [f64], s: Option<&[f64]>, f: &StepFactors) {
        assert_eq!(
            f.decay.len(),
            self.mu.len(),
            "step factors are for another grid"
        );
        self.apply(c, s, |k, _, cc, ss| f.decay[k] * cc + f.phi[k] * ss);
        self.defect = clamp_roundoff(c);
    }
}

/// e^{−aΔt} and (1 − e^{−aΔt})/a for every mode, for one (D, λ, Δt).
pub struct StepFactors {
    pub diffusion: f64,
    pub lambda: f64,
    pub dt: f64,
    decay: Vec<f64>,
    phi: Vec<f64>,
}

impl StepFactors {
    pub fn matches(&self, diffusion: f64, lambda: f64, dt: f64) -> bool {
        self.diffusion == diffusion && self.lambda == lambda && self.dt == dt
    }
}

/// Sets negatives to zero in one pass, and returns (value, site) of a defect:
/// a non-finite value, or a negative below −1e-9 of the field's largest
/// magnitude (round-off is ~1e-17 of it). A defect is reported, not
/// repaired: the run's numerical guard stops the run on it.
fn clamp_roundoff(c: &mut [f64]) -> Option<(f64, usize)> {
    // (largest magnitude, (key, site, value)), key = value, or −∞ when non-finite;
    // ties go to the lower site, so the report is the same at any thread count.
    type Acc = (f64, (f64, usize, f64));
    let pick = |a: Acc, b: Acc| -> Acc {
        let w = if b.1 .0 < a.1 .0 || (b.1 .0 == a.1 .0 && b.1 .1 < a.1 .1) {
            b.1
        } else {
            a.1
        };
        (a.0.max(b.0), w)
    };
    let (scale, (_, site, value)) = c
        .par_iter_mut()
        .enumerate()
        .map(|(i, x)| {
            let v = *x;
            if v < 0.0 {
                *x = 0.0;
            }
            if v.is_finite() {
                (v.abs(), (v, i, v))
            } else {
                (0.0, (f64::NEG_INFINITY, i, v))
            }
        })
        .reduce(|| (0.0, (f64::INFINITY, usize::MAX, 0.0)), pick);
    (!value.is_finite() || value < -1e-9 * scale).then_some((value, site))
}

/// Total mass change of the uniform mode over a step: returns the amount lost
/// to first-order decay λ while the total evolves from `m0` with constant total
/// source `s_total` (per hour). Exact: λ∫₀^Δt M(t) dt.
pub fn decayed_over_step(m0: f64, s_total: f64, lambda: f64, dt: f64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    let phi = -(-lambda * dt).exp_m1() / lambda;
    // ∫M = m0·φ + S·(Δt − φ)/λ
    lambda * (m0 * phi + s_total * (dt - phi) / lambda)
}

#[cfg(test)]
mod tests {
    use super::clamp_roundoff;

    #[test]
    fn roundoff_is_clamped_and_defects_are_reported() {
        let mut c = vec![1.0, -1e-17, 0.5];
        assert_eq!(clamp_roundoff(&mut c), None);
        assert_eq!(c, [1.0, 0.0, 0.5]);
        let mut c = vec![1.0, -0.01, -0.02, 0.5];
        assert_eq!(clamp_roundoff(&mut c), Some((-0.02, 2)));
        let mut c = vec![1.0, -0.5, f64::NAN, 0.5];
        let d = clamp_roundoff(&mut c).unwrap();
        assert!(d.0.is_nan() && d.1 == 2, "{d:?}");
        let mut c = vec![f64::INFINITY, 1.0];
        assert_eq!(clamp_roundoff(&mut c), Some((f64::INFINITY, 0)));
    }
}
