//! Wound contraction (docs/model.md §6.4): myofibroblasts pull the wound
//! margin inward, driven by PDGF-AA from the senescent cells in the wound
//! (Demaria et al., Dev Cell 2014).
//!
//! Each step, every empty wound site next to an occupied one (a margin hole)
//! contracts with probability 1 − e^{−kΔt}, with
//!
//! ```text
//!   k = wound.contraction_per_h · P/(K + P),  P = (Σ maturity of senescent cells
//!       in the wound)/(wound sites) + wound.topical_pdgf
//! ```
//!
//! (K = `wound.contraction_half_saturation`; maturity as the SASP's, §5.3,
//! PDGF-AA being part of the SASP). Contracting, the tissue moves one site
//! toward the wound's centre along the line from the centre through the
//! hole: the cell next to the hole moves into it, the one behind it into
//! its place, and so on over `wound.contraction_reach` sites; the last site
//! of the line is left empty (the surrounding tissue stretching), and
//! division refills it. Holes are taken in site order and draw keyed
//! numbers, so the result is the same at any thread count.

use crate::math;
use crate::model::cell::{Cell, Kind};
use crate::model::geometry::Grid;
use crate::model::params::Wound;
use crate::model::rng::{uniform, Purpose};

/// A wound's sites and centre, fixed when the wound is cut.
#[derive(Clone, Debug)]
pub struct WoundBed {
    sites: Vec<usize>,
    centre: (f64, f64),
}

impl WoundBed {
    /// The bed of `mask`, or None if it has no site.
    pub fn new(mask: &[bool], grid: &Grid) -> Option<WoundBed> {
        let sites: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
        if sites.is_empty() {
            return None;
        }
        let (mut sx, mut sy) = (0.0, 0.0);
        for &i in &sites {
            let (x, y) = grid.xy(i);
            sx += x as f64 + 0.5;
            sy += y as f64 + 0.5;
        }
        let n = sites.len() as f64;
        Some(WoundBed {
            sites,
            centre: (sx / n, sy / n),
        })
    }

    /// The senescent density of the bed: senescent tissue cells per bed
    /// site, each weighted by its PDGF-AA maturity.
    pub fn senescent_density(&self, cells: &[Cell], now_h: f64, w: &Wound) -> f64 {
        let sum: f64 = self
            .sites
            .iter()
            .map(|&i| &cells[i])
            .filter(|c| c.kind == Kind::Tissue)
            .map(|c| c.maturity(now_h, w.pdgf_maturation_h))
            .sum();
        sum / self.sites.len() as f64
    }

    /// The contraction signal P: the senescent density plus topical PDGF.
    pub fn signal(&self, cells: &[Cell], now_h: f64, w: &Wound) -> f64 {
        self.senescent_density(cells, now_h, w) + w.topical_pdgf
    }

    /// The outward lattice direction at site i: from the centre through i,
    /// rounded to one of the eight Moore directions.
    fn outward(&self, grid: &Grid, i: usize) -> Option<(i64, i64)> {
        let (x, y) = grid.xy(i);
        let (vx, vy) = (
            x as f64 + 0.5 - self.centre.0,
            y as f64 + 0.5 - self.centre.1,
        );
        let len = (vx * vx + vy * vy).sqrt();
        if len < 0.5 {
            return None;
        }
        let d = ((vx / len).round() as i64, (vy / len).round() as i64);
        (d != (0, 0)).then_some(d)
    }

    /// One step of contraction; returns the number of holes that closed.
    pub fn contract(
        &self,
        grid: &Grid,
        cells: &mut [Cell],
        w: &Wound,
        rate_per_h: f64,
        step: (u64, u64, f64),
    ) -> u64 {
        let (seed, k, dt) = step;
        if rate_per_h <= 0.0 {
            return 0;
        }
        let p = 1.0 - math::exp(-rate_per_h * dt);
        let reach = w.contraction_reach as i64;
        let mut closed = 0;
        for &hole in &self.sites {
            if cells[hole].is_occupied()
                || !grid.moore(hole).any(|(_, j)| cells[j].is_occupied())
                || uniform(seed, k, hole as u64, Purpose::Contraction) >= p
            {
                continue;
            }
            let Some((dx, dy)) = self.outward(grid, hole) else {
                continue;
            };
            let (hx, hy) = grid.xy(hole);
            let at = |s: i64| grid.site_at(hx as i64 + s * dx, hy as i64 + s * dy);
            // The line of cells behind the hole, up to the first empty site.
            let mut line = vec![hole];
            for s in 1..=reach {
                match at(s) {
                    Some(j) if cells[j].is_occupied() && !line.contains(&j) => line.push(j),
                    _ => break,
                }
            }
            if line.len() < 2 {
                continue;
            }
            for m in 0..line.len() - 1 {
                cells[line[m]] = cells[line[m + 1]];
            }
            cells[line[line.len() - 1]] = Cell::EMPTY;
            closed += 1;
        }
        closed
    }
}

/// The contraction rate (1/h) at signal P.
pub fn rate_per_h(w: &Wound, signal: f64) -> f64 {
    if signal <= 0.0 {
        0.0
    } else {
        w.contraction_per_h * signal / (w.contraction_half_saturation + signal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::{Boundary, Region};

    fn wound(contraction_per_h: f64) -> Wound {
        Wound {
            region: Region::Circle {
                cx: 16.0,
                cy: 16.0,
                r: 6.0,
            },
            inflammation_per_h: 0.0,
            inflammation_tau_h: 48.0,
            senescence_induction_per_h: 0.0,
            senescence_induction_tau_h: 48.0,
            immune_clearance_per_day: 0.0,
            immune_memory_h: 336.0,
            pdgf_maturation_h: 120.0,
            contraction_per_h,
            contraction_half_saturation: 0.02,
            contraction_reach: 8,
            topical_pdgf: 0.0,
        }
    }

    /// A 32² tissue with the wound cut out, and its bed.
    fn tissue(w: &Wound) -> (Grid, Vec<Cell>, WoundBed) {
        let grid = Grid::new(32, 32, Boundary::NoFlux);
        let mask = w.region.mask(&grid);
        let cells: Vec<Cell> = mask
            .iter()
            .enumerate()
            .map(|(i, &m)| {
                let mut c = Cell::EMPTY;
                if !m {
                    c.kind = Kind::Tissue;
                    c.divisions = (i % 50) as u16; // tells cells apart
                }
                c
            })
            .collect();
        let bed = WoundBed::new(&mask, &grid).expect("a wound");
        (grid, cells, bed)
    }

    #[test]
    fn contraction_moves_tissue_into_the_wound_and_keeps_every_cell() {
        let w = wound(50.0);
        let (grid, mut cells, bed) = tissue(&w);
        let mask = w.region.mask(&grid);
        let count = |c: &[Cell]| c.iter().filter(|c| c.is_occupied()).count();
        let inside = |c: &[Cell]| {
            c.iter()
                .zip(&mask)
                .filter(|(c, &m)| m && c.is_occupied())
                .count()
        };
        let (before, in_before) = (count(&cells), inside(&cells));
        assert_eq!(in_before, 0);
        let closed = bed.contract(&grid, &mut cells, &w, rate_per_h(&w, 1.0), (1, 0, 1.0));
        // Every margin hole contracted (the rate saturates): cells moved in,
        // none was made or lost, and the vacancies lie outside the wound.
        assert!(closed > 20, "{closed}");
        assert_eq!(count(&cells), before);
        assert_eq!(inside(&cells) as u64, closed);
        // A moved cell is one of the tissue's, not a new one.
        let tagged = |c: &[Cell]| {
            let mut d: Vec<u16> = c
                .iter()
                .filter(|c| c.is_occupied())
                .map(|c| c.divisions)
                .collect();
            d.sort();
            d
        };
        let (_, fresh, _) = tissue(&w);
        assert_eq!(tagged(&cells), tagged(&fresh));
    }

    #[test]
    fn without_senescent_cells_or_pdgf_the_wound_does_not_contract() {
        let w = wound(50.0);
        let (grid, mut cells, bed) = tissue(&w);
        let signal = bed.signal(&cells, 0.0, &w);
        assert_eq!(signal, 0.0);
        assert_eq!(
            bed.contract(&grid, &mut cells, &w, rate_per_h(&w, signal), (1, 0, 1.0)),
            0
        );
        let topical = Wound {
            topical_pdgf: 0.02,
            ..w.clone()
        };
        let s = bed.signal(&cells, 0.0, &topical);
        assert!(
            (rate_per_h(&topical, s) - 25.0).abs() < 1e-12,
            "half of 50/h at K"
        );
    }
}
