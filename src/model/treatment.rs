//! Doses: the batches they come from and their delivery into the fields
//! (docs/model.md §6.3). When they fall is the run's `Schedule`'s.
//!
//! Each dose of a treatment takes product from the treatment's current batch;
//! a new batch is released (and QC-screened, if the product is) every
//! `doses_per_batch` doses. A dose of `a` au per site carries young cargo
//! a·potency·(1 − f) and senescent cargo a·potency·f·(senescent EV output).
//! EV products put all of it into the EV fields; conditioned medium puts its
//! vesicular fraction there and the rest into the soluble `cm_*` fields.

use crate::math;
use crate::model::geometry::Grid;
use crate::model::params::{Delivery, Form, Scenario};
use crate::model::product::{release, Batch, BatchLedger};

/// A dose given: the cargo (au per au of product) it adds to each field,
/// to be spread by its treatment's delivery.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Given {
    pub ev_young: f64,
    pub ev_senescent: f64,
    pub cm_young: f64,
    pub cm_senescent: f64,
}

/// The per-site weights of a delivery, without a grid of them where the
/// rule is simple (uniform, region): a dose then needs no memory per site.
pub enum SiteWeights<'a> {
    Uniform(f64),
    Region(f64, &'a crate::model::geometry::Region, Grid),
    Table(Vec<f64>),
}

impl SiteWeights<'_> {
    pub fn new<'a>(d: &'a Delivery, grid: &Grid) -> SiteWeights<'a> {
        match d {
            Delivery::Uniform { au_per_site } => SiteWeights::Uniform(*au_per_site),
            Delivery::Region {
                au_per_site,
                region,
            } => SiteWeights::Region(*au_per_site, region, *grid),
            Delivery::Injection { .. } => SiteWeights::Table(delivery_weights(d, grid)),
        }
    }

    /// au per site at site i (`delivery_weights` takes its values from here).
    #[inline]
    pub fn at(&self, i: usize) -> f64 {
        match self {
            SiteWeights::Uniform(a) => *a,
            SiteWeights::Region(a, r, g) => {
                let (x, y) = g.xy(i);
                if r.contains(x, y) {
                    *a
                } else {
                    0.0
                }
            }
            SiteWeights::Table(w) => w[i],
        }
    }
}

/// Per-site spatial weight of a delivery (au per site for one dose), as a
/// grid: uniform and region deliveries by `SiteWeights::at` (the one rule
/// of where they land), injections laid out as Gaussians.
pub fn delivery_weights(d: &Delivery, grid: &Grid) -> Vec<f64> {
    let n = grid.len();
    match d {
        Delivery::Uniform { .. } | Delivery::Region { .. } => {
            let w = SiteWeights::new(d, grid);
            (0..n).map(|i| w.at(i)).collect()
        }
        Delivery::Injection {
            au_per_point,
            radius,
            points,
        } => {
            let mut w = vec![0.0; n];
            for p in points {
                let mut g = vec![];
                let reach = (4.0 * radius).ceil() as i64;
                let (cx, cy) = (p[0], p[1]);
                let (bx, by) = (cx.floor() as i64, cy.floor() as i64);
                for dy in -reach..=reach {
                    for dx in -reach..=reach {
                        let Some(site) = grid.site_at(bx + dx, by + dy) else {
                            continue;
                        };
                        let rx = (bx + dx) as f64 + 0.5 - cx;
                        let ry = (by + dy) as f64 + 0.5 - cy;
                        let k = math::exp(-(rx * rx + ry * ry) / (2.0 * radius * radius));
                        g.push((site, k));
                    }
                }
                // Normalised on the lattice so each injection delivers exactly its amount.
                let mut sum: f64 = g.iter().map(|&(_, k)| k).sum();
                if !(sum.is_normal()) {
                    // A radius far below a site: every weight underflowed.
                    // The same Gaussian, scaled so that the nearest site
                    // centre weighs 1 (the amount still lands in full).
                    let r2 = |i: usize| {
                        let (x, y) = ((i % grid.nx) as f64 + 0.5, (i / grid.nx) as f64 + 0.5);
                        let (dx, dy) = (x - cx, y - cy);
                        dx * dx + dy * dy
                    };
                    let near = g.iter().map(|&(i, _)| r2(i)).fold(f64::INFINITY, f64::min);
                    for (i, k) in g.iter_mut() {
                        *k = math::exp(-(r2(*i) - near) / (2.0 * radius * radius));
                    }
                    sum = g.iter().map(|&(_, k)| k).sum();
                }
                for (i, k) in g {
                    w[i] += au_per_point * k / sum;
                }
            }
            w
        }
    }
}

/// Sites that a scenario treats locally: where a region or injection delivery
/// reaches (weight above 0.1% of its peak) or a graft is placed. None when
/// every treatment is uniform (or there is none): then nothing is "outside".
pub fn treated_mask(s: &Scenario, grid: &Grid) -> Option<Vec<bool>> {
    let mut mask: Option<Vec<bool>> = None;
    for t in &s.treatments {
        if matches!(t.delivery, Delivery::Uniform { .. }) {
            continue;
        }
        let w = delivery_weights(&t.delivery, grid);
        let peak = w.iter().cloned().fold(0.0, f64::max);
        let m = mask.get_or_insert_with(|| vec![false; grid.len()]);
        for (m, &x) in m.iter_mut().zip(&w) {
            *m |= peak > 0.0 && x > 1e-3 * peak;
        }
    }
    for g in &s.grafts {
        let m = mask.get_or_insert_with(|| vec![false; grid.len()]);
        for (m, r) in m.iter_mut().zip(g.region.mask(grid)) {
            *m |= r;
        }
    }
    mask
}

/// The product batches each treatment is dosing from: the state that dose
/// after dose carries (which batch is in use, how many doses it has given,
/// how many were released), the QC ledger, and the doses skipped. When the
/// doses fall is the run's `Schedule`'s.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Batches {
    batch: Vec<Option<Batch>>,
    doses_from_batch: Vec<u32>,
    releases: Vec<u64>,
    pub ledger: BatchLedger,
    /// Doses skipped because no batch passed QC.
    pub skipped: u64,
}

impl Batches {
    pub fn new(s: &Scenario) -> Batches {
        let k = s.treatments.len();
        Batches {
            batch: vec![None; k],
            doses_from_batch: vec![0; k],
            releases: vec![0; k],
            ledger: BatchLedger::default(),
            skipped: 0,
        }
    }

    /// Whether saved batches are those of this scenario's treatments.
    pub fn fits(&self, s: &Scenario) -> Result<(), String> {
        let k = s.treatments.len();
        if self.batch.len() == k && self.doses_from_batch.len() == k && self.releases.len() == k {
            Ok(())
        } else {
            Err(format!(
                "its treatment progress is for {} treatments, the scenario has {k}",
                self.batch.len()
            ))
        }
    }

    /// A dose of treatment `i`, from its current batch (a new one released
    /// when none is in use or the current one is used up); None when no
    /// batch passed QC.
    pub fn give(&mut self, i: usize, s: &Scenario) -> Option<Given> {
        let t = &s.treatments[i];
        let product = &s.products[&t.product];
        if self.batch[i].is_none() || self.doses_from_batch[i] >= product.doses_per_batch {
            let stream = crate::model::rng::key::batch_release(i, self.releases[i]);
            self.releases[i] += 1;
            self.batch[i] = release(product, &s.secretome, s.run.seed, stream, &mut self.ledger);
            self.doses_from_batch[i] = 0;
        }
        let Some(batch) = &self.batch[i] else {
            self.skipped += 1;
            return None;
        };
        self.doses_from_batch[i] += 1;
        let (young, sen) = batch.cargo_per_au(&s.secretome);
        let v = match product.form {
            Form::Ev => 1.0,
            Form::Cm => s.secretome.cm_vesicular_fraction,
        };
        Some(Given {
            ev_young: young * v,
            ev_senescent: sen * v,
            cm_young: young * (1.0 - v),
            cm_senescent: sen * (1.0 - v),
        })
    }
}

/// Adds the graft EV secretion of `cell` at `site` to `out`: young EVs
/// from a proliferative MSC, senescent EVs from a senescent one. Called for
/// the cells in site order (world.rs, with the SASP sources).
#[inline]
pub fn graft_source(
    s: &Scenario,
    cell: &crate::model::cell::Cell,
    site: usize,
    out: &mut GraftSources,
) {
    use crate::model::cell::{Kind, Phenotype};
    if cell.kind != Kind::Msc {
        return;
    }
    let rate = s
        .grafts
        .get(cell.graft as usize)
        .map_or(0.0, |g| g.ev_per_h);
    if cell.phenotype == Phenotype::Proliferative {
        out.young.push((site, rate));
    } else {
        out.senescent
            .push((site, rate * s.secretome.senescent_ev_output));
    }
}

/// The EV sources of grafted MSCs: (site, au/h), in site order.
#[derive(Default, Debug)]
pub struct GraftSources {
    /// Young-EV secretion of proliferative MSCs.
    pub young: Vec<(usize, f64)>,
    /// Senescent-EV secretion of senescent MSCs.
    pub senescent: Vec<(usize, f64)>,
}

impl GraftSources {
    pub fn append(&mut self, other: &mut GraftSources) {
        self.young.append(&mut other.young);
        self.senescent.append(&mut other.senescent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::{Boundary, Region};
    use crate::model::params::Treatment;

    fn treatment(
        times: Option<Vec<f64>>,
        start: Option<f64>,
        every: Option<f64>,
        count: Option<u32>,
    ) -> Treatment {
        Treatment {
            product: "p".into(),
            times_h: times,
            start_h: start,
            every_h: every,
            count,
            delivery: Delivery::Uniform { au_per_site: 1.0 },
        }
    }

    fn dose_times(t: &Treatment, end_h: f64) -> Vec<f64> {
        t.timing().times(end_h)
    }

    #[test]
    fn schedules_by_times_or_by_interval() {
        assert_eq!(
            dose_times(
                &treatment(Some(vec![0.0, 50.0, 500.0]), None, None, None),
                100.0
            ),
            vec![0.0, 50.0]
        );
        assert_eq!(
            dose_times(&treatment(None, Some(10.0), Some(24.0), None), 100.0),
            vec![10.0, 34.0, 58.0, 82.0]
        );
        assert_eq!(
            dose_times(&treatment(None, Some(0.0), Some(24.0), Some(2)), 100.0),
            vec![0.0, 24.0]
        );
        // By index: 1000 doses at 0.1 h land exactly on k·0.1.
        let t = dose_times(&treatment(None, Some(0.0), Some(0.1), Some(1000)), 1e6);
        assert_eq!(t[999], 999.0 * 0.1);
    }

    #[test]
    fn injection_delivers_exactly_its_amount_even_at_an_edge() {
        let g = Grid::new(32, 32, Boundary::NoFlux);
        let d = Delivery::Injection {
            au_per_point: 100.0,
            radius: 3.0,
            points: vec![[1.0, 1.0], [16.0, 16.0]],
        };
        let w = delivery_weights(&d, &g);
        let total: f64 = w.iter().sum();
        assert!((total - 200.0).abs() < 1e-9);
        // The four sites around the point (16, 16) share the peak; it falls off with distance.
        let peak = w[16 * 32 + 16];
        assert!((w[15 * 32 + 15] - peak).abs() < 1e-12);
        assert!(w[16 * 32 + 17] < peak);
        assert!(w[16 * 32 + 22] < 0.2 * peak);
        // The edge injection is renormalised over the sites that exist, so its peak is higher.
        assert!(w[32 + 1] > peak);
    }

    #[test]
    fn region_delivery_is_confined_to_its_region() {
        let g = Grid::new(20, 20, Boundary::NoFlux);
        let r = Region::Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 5.0,
            y1: 4.0,
        };
        let w = delivery_weights(
            &Delivery::Region {
                au_per_site: 2.0,
                region: r,
            },
            &g,
        );
        assert_eq!(w.iter().filter(|&&x| x > 0.0).count(), 20);
        assert_eq!(w.iter().sum::<f64>(), 40.0);
    }
}
