//! Step 1 of a step (world.rs): the events due in [t, t+Δt), in the
//! schedule's order: grafts placed, senolytic doses, treatment doses into
//! the fields.

use super::World;
use crate::model::cell::{Cell, Kind, Origin, Phenotype};
use crate::model::fields::FieldId;
use crate::model::rng::{uniform, Purpose};
use crate::model::schedule::Event;
use crate::model::treatment::SiteWeights;

impl World {
    /// Step 1: the events of this step, in the schedule's order.
    pub(super) fn apply_events(&mut self) {
        let due: Vec<Event> = self.schedule.due(self.step).collect();
        for e in due {
            match e {
                Event::Graft(g) => self.place_graft(g),
                Event::Senolytic(k) => self.apply_senolytic(k),
                Event::Dose(t) => self.give_dose(t),
            }
            // Grafts and senolytics change cells: the sources computed
            // ahead no longer hold.
            if !matches!(e, Event::Dose(_)) {
                self.ahead.ready = false;
            }
        }
    }

    /// Graft `gi`'s MSCs fill its region (each site with probability `fill`);
    /// each is senescent with the producer culture's senescent fraction.
    fn place_graft(&mut self, gi: usize) {
        let s = &self.scenario;
        let g = &s.grafts[gi];
        let f_sen = crate::model::product::producer_senescent_fraction(
            &s.products[&g.product],
            &s.secretome,
        );
        let mask = g.region.mask(&self.grid);
        let now = self.now_h();
        for (i, &m) in mask.iter().enumerate() {
            let key = crate::model::rng::key::source_site(gi, i);
            if !m || uniform(s.run.seed, self.step, key, Purpose::GraftPlacement) >= g.fill {
                continue;
            }
            let mut c = Cell::EMPTY;
            c.kind = Kind::Msc;
            c.graft = gi as u8;
            if uniform(s.run.seed, self.step, key, Purpose::MscSenescence) < f_sen {
                // Senescent in culture for a while already: markers and SASP mature.
                let p = &s.cell_rules;
                let stream = crate::model::rng::StepStream::new(s.run.seed, self.step);
                let delays = crate::model::rules::marker_delays(&stream, key, p);
                let onset = now
                    - p.sasp_maturation_h
                        .max(delays.0.hours())
                        .max(delays.1.hours());
                c.begin_senescence(Phenotype::Senescent, onset, Origin::Primary, delays);
            }
            self.cells[i] = c;
        }
    }

    /// Senolytic `k` removes each senescent tissue cell of its region with
    /// probability `efficacy`.
    fn apply_senolytic(&mut self, k: usize) {
        let s = &self.scenario;
        let x = &s.senolytics[k];
        let mask = x.region.mask(&self.grid);
        for (i, (c, &m)) in self.cells.iter_mut().zip(&mask).enumerate() {
            let key = crate::model::rng::key::source_site(k, i);
            if m && c.kind == Kind::Tissue
                && c.is_senescent_like()
                && uniform(s.run.seed, self.step, key, Purpose::Senolytic) < x.efficacy
            {
                *c = Cell::EMPTY;
                self.events.senolysed += 1;
            }
        }
    }

    /// A dose of treatment `t`, spread over the fields by its delivery.
    fn give_dose(&mut self, t: usize) {
        let Some(g) = self.batches.give(t, &self.scenario) else {
            return;
        };
        let w = SiteWeights::new(&self.scenario.treatments[t].delivery, &self.grid);
        self.fields[FieldId::EvYoung].deliver(&w, g.ev_young);
        self.fields[FieldId::EvSenescent].deliver(&w, g.ev_senescent);
        self.fields[FieldId::CmYoung].deliver(&w, g.cm_young);
        self.fields[FieldId::CmSenescent].deliver(&w, g.cm_senescent);
    }
}
