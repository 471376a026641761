//! Spectral solver for the linear reaction-diffusion operator on the lattice.
//!
//! Every field obeys ∂c/∂t = D∇²c − λc + s(x) (docs/model.md §4), with ∇² the
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
//! substepping: the cost is four 1D transform passes per solve (six with a
//! source).
//!
//! No-flux 2D solves take three sweeps over the grid: cosine transforms of
//! the rows; then the columns in bands of 16, each band gathered into
//! per-thread buffers (straight into the FFT's sample order) where its
//! columns are transformed, multiplied by their modes' factors and
//! transformed back in one pass while in cache (`Cosine::filter_slotted`,
//! the same arithmetic as DCT-II, factors, DCT-III); then the inverse
//! transforms of the rows, which also clamp round-off. Periodic solves go
//! rows, transpose, rows (half spectra). Rows and bands run in parallel with
//! rayon, each row's or column's arithmetic independent of the thread that
//! does it, so the result is bit-identical at any thread count. The cosine
//! transforms are real FFTs (dct.rs). The operator's per-mode factors are
//! separable, e^{−aΔt} = e^{−λΔt}·e^{−Dμx Δt}·e^{−Dμy Δt}, so they are
//! computed from two short per-axis tables instead of being stored per mode.
//!
//! The transforms are rustfft's scalar ones on every CPU (Cargo.toml turns
//! off its AVX, SSE and NEON planners, whose other decompositions give
//! other last bits), so the spectral step gives the same bits whatever the
//! CPU's vector width; the scalar transforms cost a 512² run with the
//! spectral `sasp` solve about 8% of its time. Their twiddle factors still
//! come from the platform's cos and sin (docs/model.md §4).
//!
//! Memory: no-flux solves need no workspace grid (the field is transformed
//! in place; a source is transformed in its own buffer, which the caller
//! gives up). Periodic solves hold half spectra: two complex grids, and a
//! third with a source.

mod clamp;
mod dct;

use crate::math;
use crate::model::geometry::{column_bands, Boundary, Grid};
use clamp::{clamp_pick, clamp_row, defect_of, CLAMP_NONE};
use dct::Cosine;
use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{num_complex::Complex, Fft, FftPlanner};
use std::sync::Arc;

enum Plans {
    Cosine(CosinePlan),
    Fourier(FourierPlan),
}

/// No-flux edges: cosine transforms per axis.
struct CosinePlan {
    x: Cosine,
    y: Cosine,
}

/// Periodic edges: real-to-complex rows, complex columns, and the
/// workspace: half spectra by rows (ny × (nx/2+1)), transposed
/// ((nx/2+1) × ny), and the source's transposed half spectrum.
struct FourierPlan {
    r2c_x: Arc<dyn RealToComplex<f64>>,
    c2r_x: Arc<dyn ComplexToReal<f64>>,
    fwd_y: Arc<dyn Fft<f64>>,
    inv_y: Arc<dyn Fft<f64>>,
    cb: Vec<Complex<f64>>,
    ct: Vec<Complex<f64>>,
    st: Vec<Complex<f64>>,
}

/// The lattice's sizes and per-axis Laplacian eigenvalues.
struct Axes<'a> {
    nx: usize,
    ny: usize,
    ex: &'a [f64],
    ey: &'a [f64],
}

/// The transform plans and workspace for one grid. Reuse it across steps.
pub struct Spectral {
    /// The last solve's defect, if any: (value, site) of a non-finite value
    /// or a negative beyond round-off (see `clamp_roundoff`).
    pub defect: Option<(f64, usize)>,
    grid: Grid,
    plans: Plans,
    /// Lattice Laplacian eigenvalues per axis: μ(k) = μx(kx) + μy(ky).
    ex: Vec<f64>,
    ey: Vec<f64>,
    /// f64 workspace of the f32 entry points, allocated on first use.
    work: Vec<f64>,
}

fn lattice_eigen(n: usize, boundary: Boundary) -> Vec<f64> {
    (0..n)
        .map(|k| {
            let theta = match boundary {
                Boundary::NoFlux => std::f64::consts::PI * k as f64 / n as f64,
                Boundary::Periodic => std::f64::consts::TAU * k as f64 / n as f64,
            };
            2.0 - 2.0 * math::cos(theta)
        })
        .collect()
}

/// src is rows × cols (row-major); dst becomes cols × rows. Each task
/// writes a band of 32 output rows, reading 32 contiguous values per input
/// row, so both sides stay in cache on large grids.
fn transpose<T: Copy + Send + Sync>(src: &[T], dst: &mut [T], rows: usize, cols: usize) {
    const B: usize = 32;
    dst.par_chunks_mut(rows * B)
        .enumerate()
        .for_each(|(band, out)| {
            let c0 = band * B;
            let width = out.len() / rows;
            for r in 0..rows {
                let line = &src[r * cols + c0..r * cols + c0 + width];
                for (dc, &v) in line.iter().enumerate() {
                    out[dc * rows + r] = v;
                }
            }
        });
}

/// Columns per band of the no-flux column pass: 16 values (128 bytes) of
/// each row, so a band's columns (16 × ny) stay in cache while transformed.
const BAND: usize = 16;

thread_local! {
    /// Per-thread column buffers of the no-flux column pass (a band of the
    /// field and of the source), kept across solves.
    static BAND_BUFFERS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A band's pieces into columns `ld` apart, each column in the FFT order
/// of its cosine transform: buf[k·ld + slot(r)] = band[r][k].
fn gather(band: &[&mut [f64]], buf: &mut [f64], ld: usize, t: &Cosine) {
    for (r, piece) in band.iter().enumerate() {
        let at = t.slot(r);
        for (k, &v) in piece.iter().enumerate() {
            buf[k * ld + at] = v;
        }
    }
}

/// The inverse of `gather`, halving each value (`Cosine::filter_slotted`
/// leaves its result doubled, as DCT-III does before its last step).
fn scatter(buf: &[f64], band: &mut [&mut [f64]], ld: usize, t: &Cosine) {
    for (r, piece) in band.iter_mut().enumerate() {
        let at = t.slot(r);
        for (k, v) in piece.iter_mut().enumerate() {
            *v = 0.5 * buf[k * ld + at];
        }
    }
}

/// The diagonal operator applied to each mode.
enum Op {
    /// ĉ ← ŝ/a (the source is in c on entry).
    Steady { diffusion: f64, lambda: f64 },
    /// ĉ ← e^{−aΔt}ĉ + (1 − e^{−aΔt})/a·ŝ.
    Step {
        diffusion: f64,
        lambda: f64,
        dt: f64,
        /// e^{−Dμx Δt}, e^{−Dμy Δt}, e^{−λΔt}.
        fx: Vec<f64>,
        fy: Vec<f64>,
        fl: f64,
    },
}

impl Op {
    fn step(s: &Spectral, diffusion: f64, lambda: f64, dt: f64) -> Op {
        let axis = |e: &[f64]| e.iter().map(|&m| math::exp(-diffusion * m * dt)).collect();
        Op::Step {
            diffusion,
            lambda,
            dt,
            fx: axis(&s.ex),
            fy: axis(&s.ey),
            fl: math::exp(-lambda * dt),
        }
    }

    /// The factor on ĉ of mode (kx, ky) with eigenvalue mu.
    #[inline]
    fn on_c(&self, kx: usize, ky: usize, mu: f64) -> f64 {
        match *self {
            Op::Steady { diffusion, lambda } => 1.0 / (diffusion * mu + lambda),
            Op::Step {
                ref fx, ref fy, fl, ..
            } => fl * fx[kx] * fy[ky],
        }
    }

    /// The factor on ŝ of a mode with eigenvalue mu, given its factor on ĉ
    /// (`on_c`): only computed when there is a source.
    #[inline]
    fn on_s(&self, decay: f64, mu: f64) -> f64 {
        match *self {
            Op::Steady { .. } => 0.0,
            Op::Step {
                diffusion,
                lambda,
                dt,
                ..
            } => {
                let a = diffusion * mu + lambda;
                // (1 − e^{−aΔt})/a without cancellation where aΔt is small.
                if a * dt >= 0.5 {
                    (1.0 - decay) / a
                } else if a * dt > 1e-12 {
                    -math::exp_m1(-a * dt) / a
                } else {
                    dt
                }
            }
        }
    }
}

impl Op {
    /// The new coefficient of mode (kx, ky), eigenvalue mu, from its old
    /// one c and the source's s, scaled by `norm`.
    #[inline]
    fn coefficient(&self, kx: usize, ky: usize, mu: f64, norm: f64, c: f64, s: Option<f64>) -> f64 {
        let fc = self.on_c(kx, ky, mu);
        match s {
            Some(s) => norm * (fc * c + self.on_s(fc, mu) * s),
            // + 0.0: a −0.0 reads as 0, as with a zero source.
            None => norm * (fc * c + 0.0),
        }
    }
}

/// DCT-II of every row (the inverse row pass is fused with clamping).
fn rows_cosine(data: &mut [f64], t: &Cosine, len: usize) {
    data.par_chunks_mut(len)
        .for_each_init(|| t.work(), |w, row| t.dct2(row, w));
}

fn rows_fft(data: &mut [Complex<f64>], len: usize, plan: &Arc<dyn Fft<f64>>) {
    let scratch = plan.get_inplace_scratch_len();
    data.par_chunks_mut(len).for_each_init(
        || vec![Complex::new(0.0, 0.0); scratch],
        |s, row| plan.process_with_scratch(row, s),
    );
}

/// Real rows of length nx → half spectra of length nx/2 + 1.
fn rows_r2c(
    src: &mut [f64],
    dst: &mut [Complex<f64>],
    nx: usize,
    plan: &Arc<dyn RealToComplex<f64>>,
) {
    let half = nx / 2 + 1;
    src.par_chunks_mut(nx)
        .zip(dst.par_chunks_mut(half))
        .for_each_init(
            || plan.make_scratch_vec(),
            |s, (r, d)| {
                plan.process_with_scratch(r, d, s)
                    .expect("buffers are sized by the plan")
            },
        );
}

impl CosinePlan {
    /// Rows forward; then columns in bands: forward, the diagonal operator,
    /// inverse, each band's columns in cache (DCT3∘DCT2 = N/2 per axis);
    /// then rows back, clamping round-off in the same pass.
    fn apply(
        &self,
        a: &Axes,
        c: &mut [f64],
        s: Option<&mut [f64]>,
        op: &Op,
    ) -> Option<(f64, usize)> {
        let (nx, ny, ex, ey) = (a.nx, a.ny, a.ex, a.ey);
        let (x, y) = (&self.x, &self.y);
        rows_cosine(c, x, nx);
        let mut s = s;
        if let Some(s) = s.as_deref_mut() {
            rows_cosine(s, x, nx);
        }
        let norm = 4.0 / (nx as f64 * ny as f64);
        let has_s = s.is_some();
        let cb = column_bands(c, nx, BAND);
        let sb = match s {
            Some(s) => column_bands(s, nx, BAND),
            None => (0..cb.len()).map(|_| Vec::new()).collect(),
        };
        cb.into_par_iter().zip(sb).enumerate().for_each_init(
            || y.work(),
            |w, (band, (mut cp, sp))| {
                BAND_BUFFERS.with_borrow_mut(|buf| {
                    // Columns ny + 8 apart: a power-of-two stride
                    // would map a row's 16 values to one cache set.
                    let ld = ny + 8;
                    buf.resize(2 * BAND * ld, 0.0);
                    let (cbuf, sbuf) = buf.split_at_mut(BAND * ld);
                    gather(&cp, cbuf, ld, y);
                    if has_s {
                        gather(&sp, sbuf, ld, y);
                    }
                    for k in 0..cp[0].len() {
                        let kx = band * BAND + k;
                        let exk = ex[kx];
                        let col = &mut cbuf[k * ld..k * ld + ny];
                        let scol = has_s.then(|| &mut sbuf[k * ld..k * ld + ny]);
                        y.filter_slotted(col, scol, w, |ky, c, s| {
                            op.coefficient(kx, ky, exk + ey[ky], norm, c, s)
                        });
                    }
                    scatter(cbuf, &mut cp, ld, y);
                })
            },
        );
        // The last pass also clamps round-off (no extra sweep).
        let summary = c
            .par_chunks_mut(nx)
            .enumerate()
            .map_init(
                || x.work(),
                |w, (r, row)| {
                    x.dct3(row, w);
                    clamp_row(row, r * nx)
                },
            )
            .reduce(|| CLAMP_NONE, clamp_pick);
        defect_of(summary)
    }
}

impl FourierPlan {
    /// Rows to half spectra, transpose, columns; the diagonal operator; and
    /// back, clamping round-off in the last pass.
    fn apply(
        &mut self,
        a: &Axes,
        c: &mut [f64],
        s: Option<&mut [f64]>,
        op: &Op,
    ) -> Option<(f64, usize)> {
        let (nx, ny, ex, ey) = (a.nx, a.ny, a.ex, a.ey);
        let half = nx / 2 + 1;
        rows_r2c(c, &mut self.cb, nx, &self.r2c_x);
        transpose(&self.cb, &mut self.ct, ny, half);
        rows_fft(&mut self.ct, ny, &self.fwd_y);
        let has_s = s.is_some();
        if let Some(s) = s {
            self.st.resize(half * ny, Complex::new(0.0, 0.0));
            rows_r2c(s, &mut self.cb, nx, &self.r2c_x);
            transpose(&self.cb, &mut self.st, ny, half);
            rows_fft(&mut self.st, ny, &self.fwd_y);
        }
        let norm = 1.0 / (nx as f64 * ny as f64);
        let st: &[Complex<f64>] = &self.st;
        self.ct
            .par_chunks_mut(ny)
            .enumerate()
            .for_each(|(kx, row)| {
                for (ky, cc) in row.iter_mut().enumerate() {
                    let mu = ex[kx] + ey[ky];
                    let fc = op.on_c(kx, ky, mu);
                    *cc = if has_s {
                        (*cc * fc + st[kx * ny + ky] * op.on_s(fc, mu)) * norm
                    } else {
                        (*cc * fc + Complex::new(0.0, 0.0)) * norm
                    };
                }
            });
        rows_fft(&mut self.ct, ny, &self.inv_y);
        transpose(&self.ct, &mut self.cb, half, ny);
        let c2r_x = &self.c2r_x;
        let summary = c
            .par_chunks_mut(nx)
            .zip(self.cb.par_chunks_mut(half))
            .enumerate()
            .map_init(
                || c2r_x.make_scratch_vec(),
                |scr, (r, (out, spec))| {
                    // The edge terms are real in exact arithmetic.
                    spec[0].im = 0.0;
                    if nx % 2 == 0 {
                        spec[half - 1].im = 0.0;
                    }
                    c2r_x
                        .process_with_scratch(spec, out, scr)
                        .expect("buffers are sized by the plan");
                    clamp_row(out, r * nx)
                },
            )
            .reduce(|| CLAMP_NONE, clamp_pick);
        defect_of(summary)
    }
}

impl Spectral {
    pub fn new(grid: Grid) -> Self {
        let (nx, ny) = (grid.nx, grid.ny);
        let plans = match grid.boundary {
            Boundary::NoFlux => {
                let mut p = RealFftPlanner::new();
                Plans::Cosine(CosinePlan {
                    x: Cosine::new(nx, &mut p),
                    y: Cosine::new(ny, &mut p),
                })
            }
            Boundary::Periodic => {
                let mut r = RealFftPlanner::new();
                let mut p = FftPlanner::new();
                let half = (nx / 2 + 1) * ny;
                let zc = Complex::new(0.0, 0.0);
                Plans::Fourier(FourierPlan {
                    r2c_x: r.plan_fft_forward(nx),
                    c2r_x: r.plan_fft_inverse(nx),
                    fwd_y: p.plan_fft_forward(ny),
                    inv_y: p.plan_fft_inverse(ny),
                    cb: vec![zc; half],
                    ct: vec![zc; half],
                    st: Vec::new(),
                })
            }
        };
        Spectral {
            defect: None,
            grid,
            plans,
            ex: lattice_eigen(nx, grid.boundary),
            ey: lattice_eigen(ny, grid.boundary),
            work: Vec::new(),
        }
    }

    /// Applies the diagonal operator `op` to (c, s) and writes the result
    /// into `c`, round-off negatives clamped; returns the defect, if any
    /// (`defect_of`). `s` (None = zero) is overwritten.
    fn apply(&mut self, c: &mut [f64], s: Option<&mut [f64]>, op: &Op) -> Option<(f64, usize)> {
        let axes = Axes {
            nx: self.grid.nx,
            ny: self.grid.ny,
            ex: &self.ex,
            ey: &self.ey,
        };
        assert_eq!(c.len(), axes.nx * axes.ny);
        match &mut self.plans {
            Plans::Cosine(p) => p.apply(&axes, c, s, op),
            Plans::Fourier(p) => p.apply(&axes, c, s, op),
        }
    }
    /// Steady state of D∇²c − λc + s = 0: `c` holds s on entry and the
    /// solution on return. Needs λ > 0.
    pub fn steady(&mut self, c: &mut [f64], diffusion: f64, lambda: f64) {
        debug_assert!(lambda > 0.0);
        self.defect = self.apply(c, None, &Op::Steady { diffusion, lambda });
    }

    /// Advances c over `dt` hours under ∂c/∂t = D∇²c − λc + s, s constant
    /// over the step. `s` is used as workspace (its contents are lost).
    pub fn advance(
        &mut self,
        c: &mut [f64],
        s: Option<&mut [f64]>,
        diffusion: f64,
        lambda: f64,
        dt: f64,
    ) {
        let op = Op::step(self, diffusion, lambda, dt);
        self.defect = self.apply(c, s, &op);
    }
}

impl Spectral {
    /// The lattice's boundary.
    pub fn boundary(&self) -> Boundary {
        self.grid.boundary
    }

    /// `steady` for f32 storage: `c` becomes the steady state of the
    /// sources `src`, solved in f64 in the solver's workspace.
    pub fn steady_f32(&mut self, c: &mut [f32], src: &[f32], diffusion: f64, lambda: f64) {
        let mut w = std::mem::take(&mut self.work);
        w.clear();
        w.extend(src.iter().map(|&v| v as f64));
        self.steady(&mut w, diffusion, lambda);
        store_f32(&w, c);
        self.work = w;
    }

    /// `advance` for f32 storage, in f64 in the solver's workspace (the
    /// source `s`, in f64, is used as workspace as by `advance`).
    pub fn advance_f32(
        &mut self,
        c: &mut [f32],
        s: Option<&mut [f64]>,
        diffusion: f64,
        lambda: f64,
        dt: f64,
    ) {
        let mut w = std::mem::take(&mut self.work);
        w.clear();
        w.extend(c.iter().map(|&v| v as f64));
        self.advance(&mut w, s, diffusion, lambda, dt);
        store_f32(&w, c);
        self.work = w;
    }
}

/// c = w rounded to f32, in parallel.
fn store_f32(w: &[f64], c: &mut [f32]) {
    c.par_iter_mut()
        .zip(w.par_iter())
        .for_each(|(c, &v)| *c = v as f32);
}

/// Total mass change of the uniform mode over a step: returns the amount lost
/// to first-order decay λ while the total evolves from `m0` with constant total
/// source `s_total` (per hour). Exact: λ∫₀^Δt M(t) dt.
pub fn decayed_over_step(m0: f64, s_total: f64, lambda: f64, dt: f64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    let phi = crate::model::kinetics::decay_integral(lambda, dt);
    // ∫M = m0·φ + S·(Δt − φ)/λ
    lambda * (m0 * phi + s_total * (dt - phi) / lambda)
}

#[cfg(test)]
mod tests {
    use rustfft::num_complex::Complex;
    use rustfft::{FftPlanner, FftPlannerScalar};

    /// The planner the solver uses gives the scalar transforms' bits: it
    /// would not if rustfft's SIMD planners were enabled (on a CPU with
    /// SSE4.1 or AVX, that is every x86-64 CPU this runs on).
    #[test]
    fn transforms_are_the_scalar_ones() {
        for n in [8usize, 128, 136, 200, 1024] {
            let data: Vec<Complex<f64>> = (0..n)
                .map(|i| Complex::new((i * 7919 % 1000) as f64, (i * 104729 % 977) as f64))
                .collect();
            let (mut a, mut b) = (data.clone(), data);
            FftPlanner::new().plan_fft_forward(n).process(&mut a);
            FftPlannerScalar::new().plan_fft_forward(n).process(&mut b);
            let same = a
                .iter()
                .zip(&b)
                .all(|(p, q)| p.re.to_bits() == q.re.to_bits() && p.im.to_bits() == q.im.to_bits());
            assert!(
                same,
                "n = {n}: the planner's transform is not the scalar one"
            );
        }
    }
}
