//! The run's one schedule: everything the scenario makes happen at a time,
//! planned once when the world is built.
//!
//! * **Events** happen at a step boundary: a graft placed, a senolytic dose,
//!   a treatment dose. Each falls in the step whose interval [kΔt, (k+1)Δt)
//!   holds its time, and within a step they apply in a fixed order: grafts,
//!   then senolytics, then doses, each in the order the scenario lists them.
//! * **Exposures** act over an interval: a stress pulse (damage spread
//!   evenly over its duration), the wound's inflammatory pulse and its
//!   senescence induction (both decaying exponentially from t = 0). A step
//!   receives each exposure's mean over its interval.
//!
//! The schedule is a function of the scenario alone, so a world restored
//! from a checkpoint rebuilds it and continues from its step.

use crate::math;
use crate::model::geometry::Grid;
use crate::model::params::{Scenario, Wound};

/// Something that happens at a step boundary. The order of the variants
/// (then their index) is the order of application within a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Event {
    /// Graft `g` of the scenario is placed.
    Graft(usize),
    /// Senolytic `k` of the scenario is given (once per step, however many
    /// of its times fall in the step).
    Senolytic(usize),
    /// A dose of treatment `t` (one per dose time: two times in one step
    /// are two doses).
    Dose(usize),
}

/// A stress pulse: its interval, its damage rate and where it lands.
#[derive(Clone, Debug)]
struct Pulse {
    from_h: f64,
    to_h: f64,
    /// Damage per hour while the pulse lasts (damage / duration).
    damage: f64,
    duration_h: f64,
    mask: Vec<bool>,
}

/// What acts on each site during one step besides the cells themselves.
#[derive(Clone, Debug, Default)]
pub struct Exposure {
    /// Stress damage per hour, per site; None when no pulse overlaps the step.
    pub stress_per_h: Option<Vec<f64>>,
    /// Arrest hazard (1/h) of proliferative cells inside the wound.
    pub wound_induction_per_h: f64,
}

/// The events and exposures of a run.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// (step, event), by step and then by event.
    events: Vec<(u64, Event)>,
    stress: Vec<Pulse>,
    wound: Option<Wound>,
    dt_h: f64,
}

/// The step whose interval [kΔt, (k+1)Δt) holds time `t`.
pub fn step_of(t: f64, dt: f64) -> u64 {
    (t / dt + 1e-9).floor() as u64
}

impl Schedule {
    pub fn new(s: &Scenario, grid: &Grid) -> Schedule {
        let (end_h, dt) = (s.run.days * 24.0, s.run.dt_h);
        let mut events: Vec<(u64, Event)> = Vec::new();
        for (g, graft) in s.grafts.iter().enumerate() {
            events.push((step_of(graft.time_h, dt), Event::Graft(g)));
        }
        for (k, x) in s.senolytics.iter().enumerate() {
            let mut steps: Vec<u64> = x
                .timing()
                .times(end_h)
                .iter()
                .map(|&t| step_of(t, dt))
                .collect();
            steps.dedup();
            events.extend(steps.into_iter().map(|st| (st, Event::Senolytic(k))));
        }
        for (i, t) in s.treatments.iter().enumerate() {
            let times = t.timing().times(end_h);
            events.extend(times.into_iter().map(|x| (step_of(x, dt), Event::Dose(i))));
        }
        events.sort();
        let stress = s
            .stress
            .iter()
            .map(|st| Pulse {
                from_h: st.time_h,
                to_h: st.time_h + st.duration_h,
                damage: st.damage,
                duration_h: st.duration_h,
                mask: st.region.mask(grid),
            })
            .collect();
        Schedule {
            events,
            stress,
            wound: s.wound.clone(),
            dt_h: dt,
        }
    }

    /// The events of `step`, in the order they apply.
    pub fn due(&self, step: u64) -> impl Iterator<Item = Event> + '_ {
        let from = self.events.partition_point(|&(s, _)| s < step);
        self.events[from..]
            .iter()
            .take_while(move |&&(s, _)| s == step)
            .map(|&(_, e)| e)
    }

    /// The wound's inflammatory SASP source per wound site over the step
    /// starting at `now_h`: the mean of amp·e^{−t/τ} over [t, t+Δt).
    pub fn wound_sasp_per_h(&self, now_h: f64) -> Option<f64> {
        let w = self.wound.as_ref()?;
        let (tau, dt) = (w.inflammation_tau_h, self.dt_h);
        Some(
            w.inflammation_per_h * tau / dt
                * (math::exp(-now_h / tau) - math::exp(-(now_h + dt) / tau)),
        )
    }

    /// The exposures of the step starting at `now_h`, on a grid of `sites`.
    pub fn exposure(&self, now_h: f64, sites: usize) -> Exposure {
        let dt = self.dt_h;
        let (t0, t1) = (now_h, now_h + dt);
        let mut stress: Option<Vec<f64>> = None;
        for p in &self.stress {
            let overlap = (t1.min(p.to_h) - t0.max(p.from_h)).max(0.0);
            if overlap <= 0.0 {
                continue;
            }
            let rate = p.damage / p.duration_h * overlap / dt;
            let o = stress.get_or_insert_with(|| vec![0.0; sites]);
            for (o, &m) in o.iter_mut().zip(&p.mask) {
                if m {
                    *o += rate;
                }
            }
        }
        // Evaluated at the step's midpoint.
        let induction = self.wound.as_ref().map_or(0.0, |w| {
            w.senescence_induction_per_h
                * math::exp(-(now_h + 0.5 * dt) / w.senescence_induction_tau_h)
        });
        Exposure {
            stress_per_h: stress,
            wound_induction_per_h: induction,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::Region;
    use crate::model::params::{Delivery, Graft, Senolytic, Stress, Treatment};

    /// The built-in scenario, 10 days at Δt = 1 h on 8×8, with no events.
    fn scenario() -> Scenario {
        let b = crate::scenario::Builder::builtin()
            .set("run.days", 10.0)
            .set("run.dt_h", 1.0)
            .set("grid.nx", 8)
            .set("grid.ny", 8);
        let mut s = b.build().expect("valid").scenario().clone();
        s.treatments.clear();
        s.grafts.clear();
        s.senolytics.clear();
        s.stress.clear();
        s
    }

    #[test]
    fn events_apply_grafts_then_senolytics_then_doses_each_in_their_step() {
        let mut s = scenario();
        let product = s.products.keys().next().expect("a product").clone();
        s.treatments.push(Treatment {
            product: product.clone(),
            times_h: Some(vec![5.0, 5.5, 30.0]),
            start_h: None,
            every_h: None,
            count: None,
            delivery: Delivery::Uniform { au_per_site: 1.0 },
        });
        s.senolytics.push(Senolytic {
            times_h: Some(vec![5.2, 5.7, 48.0]),
            start_h: None,
            every_h: None,
            count: None,
            efficacy: 0.5,
            region: Region::All,
        });
        s.grafts.push(Graft {
            product,
            time_h: 5.9,
            region: Region::All,
            fill: 1.0,
            ev_per_h: 0.5,
            senescence_per_day: 0.03,
            death_per_day: 0.02,
        });
        let grid = Grid::new(8, 8, s.grid.boundary);
        let sched = Schedule::new(&s, &grid);
        // Two dose times in step 5 are two doses; two senolytic times, one dose.
        assert_eq!(
            sched.due(5).collect::<Vec<_>>(),
            vec![
                Event::Graft(0),
                Event::Senolytic(0),
                Event::Dose(0),
                Event::Dose(0)
            ]
        );
        assert_eq!(sched.due(30).collect::<Vec<_>>(), vec![Event::Dose(0)]);
        assert_eq!(sched.due(48).collect::<Vec<_>>(), vec![Event::Senolytic(0)]);
        assert_eq!(sched.due(6).count(), 0);
        let doses = (0..240)
            .flat_map(|k| sched.due(k))
            .filter(|e| matches!(e, Event::Dose(_)))
            .count();
        assert_eq!(doses, 3);
    }

    #[test]
    fn a_stress_pulse_delivers_its_damage_over_the_steps_it_overlaps() {
        let mut s = scenario();
        s.stress.push(Stress {
            kind: "h2o2".into(),
            time_h: 2.5,
            duration_h: 2.0,
            damage: 3.0,
            region: Region::Rect {
                x0: 0.0,
                y0: 0.0,
                x1: 4.0,
                y1: 8.0,
            },
        });
        let grid = Grid::new(8, 8, s.grid.boundary);
        let sched = Schedule::new(&s, &grid);
        let rate: Vec<f64> = (0..6)
            .map(|k| {
                let e = sched.exposure(k as f64, grid.len());
                e.stress_per_h.map_or(0.0, |v| v[0])
            })
            .collect();
        // Half of step 2, all of 3, half of 4 (Δt = 1 h): 0.75 + 1.5 + 0.75 = 3.
        assert_eq!(rate, [0.0, 0.0, 0.75, 1.5, 0.75, 0.0]);
        let e = sched
            .exposure(3.0, grid.len())
            .stress_per_h
            .expect("a pulse");
        assert_eq!(
            e.iter().filter(|&&x| x > 0.0).count(),
            32,
            "only the region"
        );
    }
}
