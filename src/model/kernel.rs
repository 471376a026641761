//! One step of diffusion by a separable convolution with the exact lattice
//! heat kernel, in f32 (docs/model.md §4, the EV fields).
//!
//! The 5-point Laplacian is the sum of two commuting 1D second differences,
//! so e^{ΔtD∇²} = e^{ΔtD∂²ₓ}·e^{ΔtD∂²ᵧ}: a row pass and a column pass with
//! the 1D kernel
//!
//! ```text
//!   w_n = (1/π) ∫₀^π e^{−2DΔt(1 − cos θ)} cos(nθ) dθ   ( = e^{−2DΔt} I_n(2DΔt) )
//! ```
//!
//! computed once by the trapezoid rule (spectrally accurate for this
//! periodic integrand) and truncated where the taps fall below `TAIL` of
//! the centre one. No-flux edges are the kernel's mirror images (the
//! even extension about the half-site beyond the edge, the one the
//! cosine transform of the spectral solver diagonalises), periodic ones
//! wrap: exact but for the truncation (3-6e-8 of the peak after a step of
//! scattered point values at DΔt = 10, where 24 taps remain; tested against the
//! spectral step).
//!
//! Each pass is written in flux form, out_i = c_i + Σ_{k≥1} w_k·((c_{i+k} +
//! c_{i−k}) − 2c_i): in exact arithmetic it conserves the total whatever
//! the taps and their truncation, so the f32 round-off it leaves is
//! unbiased and the field's mass balance holds to ~1e-8 over a run. The
//! sum over k runs in one fixed order for every site, so vector and scalar
//! code give the same bits.

use crate::math;
use crate::model::geometry::{column_bands, Boundary, Grid};
use rayon::prelude::*;

/// Taps below this fraction of the centre tap are dropped.
pub(crate) const TAIL: f64 = 1e-6;

/// Widest kernel the kernel step is used for; a wider one (a fast soluble
/// factor, D·Δt in the thousands) takes the spectral step instead.
pub const MAX_RADIUS: usize = 48;

/// Columns per band of the column pass: a band of the field (ny × BAND
/// f32) is copied into a per-thread buffer and convolved from there.
const BAND: usize = 64;

/// The 1D taps w_1..w_R of e^{ΔtD∂²} (w_0 is implied by the flux form),
/// computed once per (D, Δt) in a process (~10⁶ exp and cos: tens of ms,
/// which a sweep of small runs would otherwise pay per run and field).
pub fn taps(diffusion: f64, dt: f64) -> Vec<f64> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<HashMap<(u64, u64), Vec<f64>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (diffusion.to_bits(), dt.to_bits());
    if let Some(w) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return w;
    }
    let w = compute_taps(diffusion, dt);
    if let Ok(mut c) = cache.lock() {
        c.insert(key, w.clone());
    }
    w
}

fn compute_taps(diffusion: f64, dt: f64) -> Vec<f64> {
    let a = 2.0 * diffusion * dt;
    let m = 8192usize;
    let f = |theta: f64| math::exp(-a * (1.0 - math::cos(theta)));
    // The integrand's factor e^{−a(1 − cos θ)} at the nodes, once for all
    // taps (the same values as computed per tap: the same bits).
    let theta = |j: usize| std::f64::consts::PI * j as f64 / m as f64;
    let fj: Vec<f64> = (0..m).map(|j| f(theta(j))).collect();
    let tap = |n: usize| {
        let mut s =
            0.5 * (fj[0] + f(std::f64::consts::PI) * if n.is_multiple_of(2) { 1.0 } else { -1.0 });
        for (j, &fv) in fj.iter().enumerate().skip(1) {
            s += fv * math::cos(n as f64 * theta(j));
        }
        s / m as f64
    };
    let w0 = tap(0);
    let mut w = Vec::new();
    for n in 1.. {
        let t = tap(n);
        if t < TAIL * w0 || n > 4 * MAX_RADIUS {
            break;
        }
        w.push(t);
    }
    w
}

/// The worse of two defects (value, site): a NaN before any number, the
/// lower value between numbers, the first site on ties. A total order, so
/// the result does not depend on how the bands are combined.
fn worse(a: (f64, usize), b: (f64, usize)) -> (f64, usize) {
    let b_first = match (a.0.is_nan(), b.0.is_nan()) {
        (true, true) => b.1 < a.1,
        (true, false) => false,
        (false, true) => true,
        (false, false) => b.0 < a.0 || (b.0 == a.0 && b.1 < a.1),
    };
    if b_first {
        b
    } else {
        a
    }
}

/// The site index of lattice coordinate `j` (which may lie beyond either
/// edge) along an axis of `n` sites.
pub(crate) fn fold(j: i64, n: usize, boundary: Boundary) -> usize {
    let n = n as i64;
    match boundary {
        Boundary::Periodic => j.rem_euclid(n) as usize,
        Boundary::NoFlux => {
            let m = j.rem_euclid(2 * n);
            (if m >= n { 2 * n - 1 - m } else { m }) as usize
        }
    }
}

/// A diffusion step for one field on one grid.
pub struct KernelStep {
    grid: Grid,
    w: Vec<f32>,
    /// Per axis: for each extended coordinate −R..n+R, the site it reads.
    ext_x: Vec<usize>,
    ext_y: Vec<usize>,
}

impl KernelStep {
    /// The step for D (sites²/h) over Δt (h), or None when the kernel is
    /// wider than `MAX_RADIUS`.
    pub fn new(grid: Grid, diffusion: f64, dt: f64) -> Option<KernelStep> {
        let w = taps(diffusion, dt);
        if w.len() > MAX_RADIUS {
            return None;
        }
        let r = w.len() as i64;
        let ext = |n: usize| {
            (-r..n as i64 + r)
                .map(|j| fold(j, n, grid.boundary))
                .collect()
        };
        Some(KernelStep {
            grid,
            w: w.iter().map(|&x| x as f32).collect(),
            ext_x: ext(grid.nx),
            ext_y: ext(grid.ny),
        })
    }

    /// c ← keep·e^{ΔtD∇²}c, negatives of round-off set to zero. Returns
    /// the defect, if any, as (value, site): the first NaN in site order,
    /// else the most negative value beyond round-off (below −1e-5 of the
    /// largest value the band read), which is where a negative spike was
    /// (its kernel's tails reach below the bound rows away). The run's
    /// numerical guard stops on it.
    pub fn apply(&self, c: &mut [f32], keep: f32) -> Option<(f64, usize)> {
        let (nx, ny, r) = (self.grid.nx, self.grid.ny, self.w.len());
        assert_eq!(c.len(), nx * ny);
        let w = &self.w;
        // Rows: each row extended by its images into a per-thread buffer
        // (the row itself copied whole; only the R images each side folded).
        c.par_chunks_mut(nx).for_each_init(
            || (vec![0f32; nx + 2 * r], vec![0f32; nx]),
            |(ext, acc), row| {
                ext[r..r + nx].copy_from_slice(row);
                for j in (0..r).chain(nx + r..nx + 2 * r) {
                    ext[j] = row[self.ext_x[j]];
                }
                row_step(ext, acc, w, row);
            },
        );
        // Columns, in bands: the band copied out (rows extended by their
        // images), convolved back into the field.
        let bands = column_bands(c, nx, BAND);
        bands
            .into_par_iter()
            .enumerate()
            .map_init(Vec::new, |buf: &mut Vec<f32>, (b, mut band)| {
                let width = band[0].len();
                buf.clear();
                buf.resize((ny + 2 * r) * width + width, 0.0);
                let (ext, acc) = buf.split_at_mut((ny + 2 * r) * width);
                for (e, &y) in ext.chunks_mut(width).zip(&self.ext_y) {
                    e.copy_from_slice(band[y]);
                }
                let floor = -1e-5 * largest_magnitude(ext);
                let mut defect = None;
                for (y, out) in band.iter_mut().enumerate() {
                    let ok = column_step(ext, acc, w, (y, width), (keep, floor), out);
                    if !ok {
                        let centre = &ext[(y + r) * width..(y + r + 1) * width];
                        // Rare: find the sites (NaN fails `>=` too).
                        for x in 0..width {
                            let v = (centre[x] + acc[x]) * keep;
                            if v.is_nan() || v < floor {
                                let d = (v as f64, y * nx + b * BAND + x);
                                defect = Some(defect.map_or(d, |e| worse(e, d)));
                            }
                        }
                    }
                }
                defect
            })
            .reduce(
                || None,
                |a: Option<(f64, usize)>, b| match (a, b) {
                    (Some(a), Some(b)) => Some(worse(a, b)),
                    (a, b) => a.or(b),
                },
            )
    }
}

/// Sites whose sums are kept in registers while the taps run over them
/// (four AVX2 vectors): each site's sum still starts at 0 and adds the
/// taps' terms in order k = 1..R, so every build gives the same bits.
const CHUNK: usize = 32;

/// acc[j] = Σ_k w_k·((a_k[j] + b_k[j]) − 2c[j]) for the first `m` ≤ CHUNK
/// sites of `centre`, k in order, where `side(k)` gives (a_k, b_k) for tap
/// k + 1 (a whole chunk, m = CHUNK, or the rest of a row).
#[inline(always)]
fn chunk_flux<'a>(
    centre: &[f32],
    w: &[f32],
    side: impl Fn(usize) -> (&'a [f32], &'a [f32]),
    acc: &mut [f32],
    m: usize,
) {
    // A whole chunk with its length known to the compiler, so that the
    // sums stay in registers.
    if m == CHUNK {
        flux_of(centre, w, side, acc, CHUNK)
    } else {
        flux_of(centre, w, side, acc, m)
    }
}

#[inline(always)]
fn flux_of<'a>(
    centre: &[f32],
    w: &[f32],
    side: impl Fn(usize) -> (&'a [f32], &'a [f32]),
    acc: &mut [f32],
    m: usize,
) {
    let mut sum = [0f32; CHUNK];
    let mut twice = [0f32; CHUNK];
    for j in 0..m {
        twice[j] = centre[j] + centre[j];
    }
    for (k, &wk) in w.iter().enumerate() {
        let (a, b) = side(k);
        let (a, b) = (&a[..m], &b[..m]);
        for j in 0..m {
            sum[j] += wk * ((a[j] + b[j]) - twice[j]);
        }
    }
    acc[..m].copy_from_slice(&sum[..m]);
}

crate::model::simd::simd_dispatch! {
    /// acc[i] = Σ_k w_k·((e[i+R+k] + e[i+R−k]) − 2e[i+R]) for i < n (the
    /// extended row `e` has R images on each side), k in order.
    #[cfg(test)]
    fn flux_pass(e: &[f32], acc: &mut [f32], w: &[f32], n: usize) {
        flux_pass_body(e, acc, w, n)
    }
}

#[inline(always)]
fn flux_pass_body(e: &[f32], acc: &mut [f32], w: &[f32], n: usize) {
    let r = w.len();
    for i0 in (0..n).step_by(CHUNK) {
        let side = |k: usize| (&e[i0 + r - k - 1..], &e[i0 + r + k + 1..]);
        let m = CHUNK.min(n - i0);
        chunk_flux(&e[i0 + r..], w, side, &mut acc[i0..], m);
    }
}

crate::model::simd::simd_dispatch! {
    /// The row pass of one row: out[i] = e[i+R] + Σ_k w_k·((e[i+R+k] +
    /// e[i+R−k]) − 2e[i+R]) (`flux_pass`'s sums in `acc`).
    fn row_step(e: &[f32], acc: &mut [f32], w: &[f32], out: &mut [f32]) {
        let (n, r) = (out.len(), w.len());
        flux_pass_body(e, acc, w, n);
        for ((o, &c), &a) in out.iter_mut().zip(&e[r..r + n]).zip(&acc[..n]) {
            *o = c + a;
        }
    }
}

crate::model::simd::simd_dispatch! {
    /// The largest |v| of `v` (0 for none; NaNs ignored), by eight lanes:
    /// a maximum, so the same whatever the order.
    fn largest_magnitude(v: &[f32]) -> f32 {
        let mut lanes = [0f32; 8];
        let mut chunks = v.chunks_exact(8);
        for c in &mut chunks {
            for (m, &x) in lanes.iter_mut().zip(c) {
                let a = x.abs();
                *m = if a > *m { a } else { *m };
            }
        }
        for (m, &x) in lanes.iter_mut().zip(chunks.remainder()) {
            let a = x.abs();
            *m = if a > *m { a } else { *m };
        }
        lanes.iter().fold(0f32, |m, &a| if a > m { a } else { m })
    }
}

crate::model::simd::simd_dispatch! {
    /// The column pass for output row y of a band `width` wide (`at`;
    /// `column_flux`), the result times `keep` (`scale`) written to `out` with negatives set to zero.
    /// Returns whether every value was at least `floor` (false for a NaN).
    fn column_step(
        ext: &[f32],
        acc: &mut [f32],
        w: &[f32],
        at: (usize, usize),
        scale: (f32, f32),
        out: &mut [f32],
    ) -> bool {
        let ((y, width), (keep, floor)) = (at, scale);
        column_flux_body(ext, acc, w, y, width);
        let r = w.len();
        let centre = &ext[(y + r) * width..(y + r + 1) * width];
        let mut ok = true;
        for ((o, &c), &a) in out.iter_mut().zip(centre).zip(&acc[..width]) {
            let v = (c + a) * keep;
            ok &= v >= floor;
            *o = v.max(0.0);
        }
        ok
    }
}

crate::model::simd::simd_dispatch! {
    /// The column pass for output row y of a band `width` wide: acc[x] =
    /// Σ_k w_k·((ext[y+R−k] + ext[y+R+k]) − 2ext[y+R]) at column x, k in
    /// order (`ext` holds the band's rows extended by R images each side).
    #[cfg(test)]
    fn column_flux(ext: &[f32], acc: &mut [f32], w: &[f32], y: usize, width: usize) {
        column_flux_body(ext, acc, w, y, width)
    }
}

#[inline(always)]
fn column_flux_body(ext: &[f32], acc: &mut [f32], w: &[f32], y: usize, width: usize) {
    let r = w.len();
    let row = |k: usize| &ext[k * width..(k + 1) * width];
    for x0 in (0..width).step_by(CHUNK) {
        let side = |k: usize| (&row(y + r - k - 1)[x0..], &row(y + r + k + 1)[x0..]);
        let m = CHUNK.min(width - x0);
        chunk_flux(&row(y + r)[x0..], w, side, &mut acc[x0..], m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spectral::Spectral;

    /// Σ_k w_k·((a + b) − 2c) site by site, k in order: the sums the
    /// chunked passes must reproduce bit for bit.
    fn by_site(c: f32, a: impl Fn(usize) -> f32, b: impl Fn(usize) -> f32, w: &[f32]) -> f32 {
        let mut s = 0f32;
        for (k, &wk) in w.iter().enumerate() {
            s += wk * ((a(k) + b(k)) - (c + c));
        }
        s
    }

    /// Both passes, over whole chunks and the rest, give exactly the sums
    /// of the site-by-site order (and so the same bits in every build).
    #[test]
    fn chunked_passes_add_each_sites_terms_in_order() {
        let w: Vec<f32> = taps(10.0, 1.0).iter().map(|&x| x as f32).collect();
        let r = w.len();
        let value =
            |i: usize| (math::sin((i * 7919 % 1013) as f64 * 0.37).abs() * 3.0 + 1e-3) as f32;
        for n in [5, 32, 75, 200] {
            let e: Vec<f32> = (0..n + 2 * r).map(value).collect();
            let mut acc = vec![f32::NAN; n];
            flux_pass(&e, &mut acc, &w, n);
            for (i, &got) in acc.iter().enumerate() {
                let want = by_site(e[i + r], |k| e[i + r - k - 1], |k| e[i + r + k + 1], &w);
                assert_eq!(got.to_bits(), want.to_bits(), "row pass, n = {n}, site {i}");
            }
        }
        for width in [11, 64] {
            let ny = 9;
            let ext: Vec<f32> = (0..(ny + 2 * r) * width).map(value).collect();
            let at = |y: usize, x: usize| ext[y * width + x];
            let mut acc = vec![f32::NAN; width];
            for y in 0..ny {
                column_flux(&ext, &mut acc, &w, y, width);
                for (x, &got) in acc.iter().enumerate() {
                    let want = by_site(
                        at(y + r, x),
                        |k| at(y + r - k - 1, x),
                        |k| at(y + r + k + 1, x),
                        &w,
                    );
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "column pass, width {width}, ({x}, {y})"
                    );
                }
            }
        }
    }

    #[test]
    fn taps_are_the_lattice_heat_kernel() {
        // D·Δt small: w_1 ≈ DΔt (the explicit stencil), and Σ = 1.
        let w = taps(1e-3, 1.0);
        assert!((w[0] - 1e-3).abs() < 2e-6, "{}", w[0]);
        let w = taps(10.0, 1.0);
        // e^{−20}·I_n(20), n = 1, 10 (Abramowitz & Stegun 9.7.1 tables).
        let i1 = 4.245_497_338_512_777e7 * math::exp(-20f64);
        assert!((w[0] / i1 - 1.0).abs() < 1e-9, "{} vs {i1}", w[0]);
        // Truncated where the taps fall below TAIL of the centre: 24 taps
        // at DΔt = 10, the last above the bound and the next below it.
        let exact0 = 4.355_828_255_955_353e7 * math::exp(-20f64);
        assert_eq!(w.len(), 24);
        assert!(
            w[23] >= TAIL * exact0 && w[23] < 3.0 * TAIL * exact0,
            "{}",
            w[23]
        );
        // The flux form's centre tap 1 − 2Σw holds the dropped tails' mass
        // (2Σ_{k>R} w_k, the Bessel tail falling by ~0.4 a tap: < 4·TAIL).
        let w0 = 1.0 - 2.0 * w.iter().sum::<f64>();
        let dropped = w0 - exact0;
        assert!(
            dropped > 0.0 && dropped < 4.0 * TAIL * exact0,
            "{dropped:e}"
        );
    }

    /// The kernel step against the exact spectral one, on both boundaries,
    /// odd sizes, a grid narrower than the kernel: within 1e-6 of the
    /// largest value (f32 round-off of the values it starts from is 6e-8).
    #[test]
    fn step_matches_the_spectral_step() {
        for boundary in [Boundary::NoFlux, Boundary::Periodic] {
            for (nx, ny) in [(64, 48), (37, 29), (9, 70)] {
                let g = Grid::new(nx, ny, boundary);
                let k = KernelStep::new(g, 10.0, 1.0).unwrap();
                let init: Vec<f64> = (0..g.len())
                    .map(|i| {
                        if (i * 7919) % 97 == 0 {
                            1.0 + (i % 5) as f64
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let mut exact = init.clone();
                Spectral::new(g).advance(&mut exact, None, 10.0, 0.03, 1.0);
                let mut c: Vec<f32> = init.iter().map(|&v| v as f32).collect();
                assert_eq!(k.apply(&mut c, math::exp(-0.03f64) as f32), None);
                let peak = init.iter().cloned().fold(0.0, f64::max);
                let worst = c
                    .iter()
                    .zip(&exact)
                    .map(|(&a, &b)| (a as f64 - b).abs())
                    .fold(0.0, f64::max);
                assert!(
                    worst < 1e-6 * peak,
                    "{boundary:?} {nx}x{ny}: {worst} of {peak}"
                );
                // The flux form conserves the total (here: up to the decay).
                let m0: f64 = init.iter().sum::<f64>() * math::exp(-0.03f64);
                let m1: f64 = c.iter().map(|&v| v as f64).sum();
                assert!((m1 / m0 - 1.0).abs() < 1e-6, "{m1} vs {m0}");
            }
        }
    }

    #[test]
    fn non_finite_and_negative_values_are_reported() {
        let g = Grid::new(40, 30, Boundary::NoFlux);
        let k = KernelStep::new(g, 10.0, 1.0).unwrap();
        let mut c = vec![1.0f32; g.len()];
        c[5 * 40 + 7] = f32::NAN;
        let d = k.apply(&mut c, 1.0).unwrap();
        assert!(d.0.is_nan());
        let mut c = vec![1.0f32; g.len()];
        c[20 * 40 + 30] = -1e3;
        let d = k.apply(&mut c, 1.0).unwrap();
        assert!(d.0 < 0.0, "{d:?}");
    }

    /// A negative spike in a small positive background: its kernel's tails
    /// fall below the bound in rows before it, but the defect names the
    /// spike's site; a NaN anywhere takes precedence.
    #[test]
    fn the_worst_defect_is_reported() {
        let g = Grid::new(48, 40, Boundary::NoFlux);
        let k = KernelStep::new(g, 10.0, 1.0).unwrap();
        let site = 20 * 48 + 24;
        let mut c = vec![1e-3f32; g.len()];
        c[site] = -1e3;
        let d = k.apply(&mut c, 1.0).unwrap();
        assert_eq!(d.1, site, "{d:?}");
        assert!(d.0 < -1.0, "{d:?}");
        let mut c = vec![1e-3f32; g.len()];
        c[site] = -1e3;
        c[39 * 48 + 40] = f32::NAN;
        assert!(k.apply(&mut c, 1.0).unwrap().0.is_nan());
        assert_eq!(worse((-1.0, 5), (-1.0, 3)), (-1.0, 3));
        assert_eq!(worse((-2.0, 5), (-1.0, 3)), (-2.0, 5));
    }

    #[test]
    fn wide_kernels_are_refused() {
        let g = Grid::new(32, 32, Boundary::NoFlux);
        assert!(KernelStep::new(g, 3600.0, 1.0).is_none());
        assert!(KernelStep::new(g, 10.0, 1.0).is_some());
    }
}
