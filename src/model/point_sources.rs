//! What a few point sources (grafted MSCs secreting EVs) add to a field
//! over one step, by the time-integrated lattice heat kernel
//! (docs/model.md §4, the EV fields).
//!
//! Over Δt a constant source s at site j adds, exactly (the variation of
//! constants of ∂c/∂t = D∇²c − λc + s·δ_j),
//!
//! ```text
//!   s · G(x − x_j),    G = ∫₀^Δt e^{−λτ} H_τ dτ,    H_τ = h_τ ⊗ h_τ
//! ```
//!
//! where h_τ is the 1D lattice heat kernel of kernel.rs at time τ. G is not
//! separable; it is tabulated once per field on (2R+1)² offsets (R the
//! radius of h_Δt, truncated at kernel.rs's `TAIL`) by Gauss-Legendre
//! quadrature in τ over `NODES` nodes (the integrand is an entire function
//! of τ: the error is below 1e-9), the mass beyond R added at the source,
//! the 1D taps by the trapezoid rule in θ as in kernel.rs. Images fold
//! offsets beyond an edge back (mirror for no-flux, wrap for periodic),
//! exactly as the kernel step does.
//!
//! The cost is sources × (2R+1)² additions: a graft of a few hundred MSCs
//! costs less than one pass over a 512² lattice, where the exact spectral
//! step it replaces costs two transforms. Where sources are many
//! (`worth_it`), the field takes the spectral step.
//!
//! Each target row sums its sources in f64 in a fixed order (the sources
//! in site order, then the offsets in order), then adds the sum to the f32
//! field once: the same bits at any thread count. The caller books what
//! the field received (f32 differences, summed in f64).

use crate::math;
use crate::model::geometry::Grid;
use crate::model::kernel::{fold, MAX_RADIUS, TAIL};
use crate::model::kinetics::decay_integral;
use rayon::prelude::*;

/// Gauss-Legendre nodes of the time integral.
const NODES: usize = 16;

/// The integrated kernel of one field on one grid.
pub struct PointSources {
    grid: Grid,
    r: usize,
    /// G on offsets (dx, dy) ∈ [−R, R]², row-major by dy, in au per (au/h).
    g: Vec<f64>,
    /// For each extended column −R..nx+R, the site column it lands on.
    ext_x: Vec<usize>,
}

/// Gauss-Legendre nodes and weights on [0, 1] (Newton on Pₙ).
fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let mut x = math::cos(std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5));
            let mut dp = 1.0;
            for _ in 0..100 {
                // P_n(x) and P_n'(x) by the three-term recurrence.
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=n {
                    let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                    p0 = p1;
                    p1 = p2;
                }
                dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
                let dx = p1 / dp;
                x -= dx;
                if dx.abs() < 1e-15 {
                    break;
                }
            }
            let w = 2.0 / ((1.0 - x * x) * dp * dp);
            (0.5 * (1.0 - x), 0.5 * w)
        })
        .collect()
}

/// The 1D lattice heat kernel taps h_τ(0..=r) at D·τ = `dtau`: (1/π)∫₀^π
/// e^{−2Dτ(1 − cos θ)} cos(nθ) dθ by the trapezoid rule, cos(nθ) by the
/// Chebyshev recurrence.
fn heat_taps(dtau: f64, r: usize) -> Vec<f64> {
    let a = 2.0 * dtau;
    // The integrand's bandwidth is ~a + n: samples well beyond it.
    let m = (4.0 * (a + r as f64) + 256.0) as usize;
    let mut taps = vec![0.0; r + 1];
    for j in 0..=m {
        let th = std::f64::consts::PI * j as f64 / m as f64;
        let end = if j == 0 || j == m { 0.5 } else { 1.0 };
        let f = end * math::exp(-a * (1.0 - math::cos(th)));
        let c1 = math::cos(th);
        let (mut prev, mut cur) = (c1, 1.0); // cos(−θ), cos(0)
        for t in taps.iter_mut() {
            *t += f * cur;
            let next = 2.0 * c1 * cur - prev;
            prev = cur;
            cur = next;
        }
    }
    taps.iter().map(|t| t / m as f64).collect()
}

impl PointSources {
    /// The kernel of D (sites²/h) and decay λ (1/h) over Δt (h), or None
    /// when it is wider than kernel.rs's `MAX_RADIUS`.
    pub fn new(grid: Grid, diffusion: f64, decay: f64, dt: f64) -> Option<PointSources> {
        let full = heat_taps(diffusion * dt, 4 * MAX_RADIUS);
        let r = full
            .iter()
            .skip(1)
            .take_while(|&&t| t >= TAIL * full[0])
            .count();
        if r > MAX_RADIUS {
            return None;
        }
        let side = 2 * r + 1;
        let mut g = vec![0.0; side * side];
        for (u, w) in gauss_legendre(NODES) {
            let tau = u * dt;
            let h = heat_taps(diffusion * tau, r);
            let wq = w * dt * math::exp(-decay * tau);
            for dy in 0..side {
                let hy = wq * h[dy.abs_diff(r)];
                for dx in 0..side {
                    g[dy * side + dx] += hy * h[dx.abs_diff(r)];
                }
            }
        }
        // What the truncation beyond R drops (~1e-8 of the total at
        // TAIL = 1e-6) stays at the source, as the kernel step's flux form
        // keeps it in the centre tap: G holds ∫₀^Δt e^{−λτ} dτ exactly.
        let held: f64 = g.iter().sum();
        g[r * side + r] += decay_integral(decay, dt) - held;
        let ext_x = (-(r as i64)..(grid.nx + r) as i64)
            .map(|x| fold(x, grid.nx, grid.boundary))
            .collect();
        Some(PointSources { grid, r, g, ext_x })
    }

    /// Whether `n` sources are cheaper this way than by a spectral step
    /// (about 60 operations per site): n·(2R+1)² ≤ 16 × sites.
    pub fn worth_it(&self, n: usize) -> bool {
        let side = 2 * self.r + 1;
        n.saturating_mul(side * side) <= 16 * self.grid.len()
    }

    /// Adds what `sources` (site, au/h; in increasing site order) secrete
    /// over the step to `c`; returns the amount the field received.
    pub fn add(&self, c: &mut [f32], sources: &[(usize, f64)]) -> f64 {
        let (nx, ny, r) = (self.grid.nx, self.grid.ny, self.r as i64);
        let side = 2 * self.r + 1;
        let boundary = self.grid.boundary;
        // Per target row, the (source, dy) pairs that reach it, in source
        // then offset order.
        let mut reach: Vec<Vec<(u32, u32)>> = vec![Vec::new(); ny];
        for (s, &(site, _)) in sources.iter().enumerate() {
            let y = (site / nx) as i64;
            for dy in -r..=r {
                let ty = fold(y + dy, ny, boundary);
                reach[ty].push((s as u32, (dy + r) as u32));
            }
        }
        c.par_chunks_mut(nx)
            .zip(reach.par_iter())
            .map_init(
                || vec![0.0f64; nx],
                |acc, (row, pairs)| {
                    if pairs.is_empty() {
                        return 0.0;
                    }
                    acc.iter_mut().for_each(|a| *a = 0.0);
                    for &(s, dy) in pairs {
                        let (site, rate) = sources[s as usize];
                        let x = site % nx;
                        let g = &self.g[dy as usize * side..(dy as usize + 1) * side];
                        if x >= self.r && x + self.r < nx {
                            // Away from the edges: one contiguous run.
                            for (a, &gv) in acc[x - self.r..=x + self.r].iter_mut().zip(g) {
                                *a += rate * gv;
                            }
                        } else {
                            // Extended column x + dx sits at ext_x[x + dx + R].
                            for (&tx, &gv) in self.ext_x[x..x + side].iter().zip(g) {
                                acc[tx] += rate * gv;
                            }
                        }
                    }
                    let mut added = 0.0;
                    for (v, &a) in row.iter_mut().zip(acc.iter()) {
                        if a != 0.0 {
                            let before = *v;
                            *v += a as f32;
                            added += *v as f64 - before as f64;
                        }
                    }
                    added
                },
            )
            .collect::<Vec<f64>>()
            .iter()
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::Boundary;

    #[test]
    fn quadrature_and_taps_are_exact_where_closed_forms_exist() {
        // ∫₀¹ x^k dx = 1/(k+1) for k < 2n.
        let gl = gauss_legendre(NODES);
        for k in 0..2 * NODES as i32 {
            let q: f64 = gl.iter().map(|(x, w)| w * x.powi(k)).sum();
            assert!((q - 1.0 / (k + 1) as f64).abs() < 1e-13, "k = {k}: {q}");
        }
        // The heat kernel's taps sum to 1 and match kernel.rs's.
        let h = heat_taps(10.0, 60);
        let total = h[0] + 2.0 * h[1..].iter().sum::<f64>();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let w = crate::model::kernel::taps(10.0, 1.0);
        for (k, wk) in w.iter().enumerate() {
            assert!((wk - h[k + 1]).abs() < 1e-14, "tap {k}");
        }
    }

    /// G holds ∫₀^Δt e^{−λτ} dτ per unit source, and a source far from the
    /// edges adds that amount; by a mirror it adds the same (no flux).
    #[test]
    fn a_source_adds_what_it_secretes_less_its_decay() {
        let (d, lambda, dt) = (10.0, 0.05, 1.0);
        for boundary in [Boundary::NoFlux, Boundary::Periodic] {
            let grid = Grid::new(80, 70, boundary);
            let k = PointSources::new(grid, d, lambda, dt).unwrap();
            let expect = -math::exp_m1(-lambda * dt) / lambda;
            let gsum: f64 = k.g.iter().sum();
            assert!((gsum - expect).abs() < 1e-9 * expect, "{gsum} vs {expect}");
            for site in [40 + 35 * 80, 3 + 2 * 80] {
                let mut c = vec![0.0f32; grid.len()];
                let added = k.add(&mut c, &[(site, 2.0)]);
                let held: f64 = c.iter().map(|&v| v as f64).sum();
                assert!((added - held).abs() < 1e-12);
                assert!(
                    (held - 2.0 * expect).abs() < 1e-6,
                    "{boundary:?} {site}: {held}"
                );
            }
        }
    }

    /// The kernel step plus the point sources equals the exact spectral
    /// step with the same sources (diffusion, decay and secretion over Δt),
    /// sources by an edge and a corner included.
    #[test]
    fn matches_the_exact_spectral_step() {
        let (d, lambda, dt) = (10.0, 0.0289, 1.0);
        for boundary in [Boundary::NoFlux, Boundary::Periodic] {
            let grid = Grid::new(64, 40, boundary);
            let n = grid.len();
            let c0: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 * 0.1).collect();
            let sources = vec![(0usize, 3.0), (1, 2.0), (64 * 20 + 30, 5.0), (n - 1, 1.0)];
            let mut dense = vec![0.0; n];
            for &(i, r) in &sources {
                dense[i] = r;
            }
            let mut exact = c0.clone();
            crate::model::spectral::Spectral::new(grid).advance(
                &mut exact,
                Some(&mut dense),
                d,
                lambda,
                dt,
            );
            let mut c: Vec<f32> = c0.iter().map(|&v| v as f32).collect();
            let k = crate::model::kernel::KernelStep::new(grid, d, dt).unwrap();
            assert!(k.apply(&mut c, math::exp(-lambda * dt) as f32).is_none());
            PointSources::new(grid, d, lambda, dt)
                .unwrap()
                .add(&mut c, &sources);
            let num: f64 = c
                .iter()
                .zip(&exact)
                .map(|(&a, b)| (a as f64 - b).powi(2))
                .sum();
            let den: f64 = exact.iter().map(|b| b * b).sum();
            let err = (num / den).sqrt();
            // f32 round-off (measured 5-6e-8).
            assert!(err < 5e-7, "{boundary:?}: relative L2 {err:.2e}");
        }
    }
}
