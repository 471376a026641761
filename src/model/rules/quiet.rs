//! The rules of a row's quiet cells, eight at a time, where the CPU has
//! AVX-512 (F, DQ, VL); elsewhere every cell takes `apply_rules`.
//!
//! In a confluent tissue, most cells at most steps are *quiet*: a
//! proliferative tissue cell whose step is cargo loss, damage accrual and
//! repair (rule 1), a death draw above its apoptosis probability with
//! damage at or below the death threshold (rule 9), and an onset draw
//! above the bound of its hazards (rule 2). Nothing else happens to it,
//! and it then emits nothing and shows nothing to its neighbours
//! (`sources::Emit::cell`, but during a wound's pulse). `quiet_row` does
//! exactly that step for every such cell of a row, eight cells per vector,
//! and marks every other site for `apply_rules`: a cell of another kind or
//! phenotype, or one that would die or may arrest, is left as it was. In
//! the default and aged scenarios ~86-90% of the sites are stepped here;
//! the rules pass then takes ~6 instead of ~8 ns per site-step (aged, 2
//! threads).
//!
//! The numbers are the same as `apply_rules`'s: each lane performs the same
//! IEEE operations in the same order (f32 state widened to f64, products
//! and sums in the scalar order, no FMA, narrowed back to f32 rounding to
//! nearest), and the comparisons are the scalar ones. Updates that leave a
//! field's bits as they are (cargo that is ±0, EV damage +0 without
//! senescent cargo) may be skipped, as `apply_rules` skips them. A unit
//! test checks both builds against `apply_rules` over random cells (every
//! kind, with and without cargo, stress, a wound bed, young signal, and
//! draws about the bounds); tests/determinism.rs compares whole runs of
//! this build with the AVX2 and scalar ones, byte for byte.
//!
//! The cells are read by gathers from their 40-byte records. Gathers do not
//! train the hardware prefetchers as plain loads do: without the explicit
//! prefetch a few chunks ahead, the pass was 12% slower than cell by cell.

use crate::model::cell::{Cell, Kind, Phenotype};
use std::mem::offset_of;

/// What a quiet cell's step needs that is the same at every site.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Consts {
    /// The fraction of cargo kept over the step.
    pub(crate) keep: f64,
    /// The repair factors (e, g) of a cell without young signal.
    pub(crate) basal: (f64, f64),
    /// The intrinsic damage input without stress (1/h).
    pub(crate) basal_damage_per_h: f64,
    pub(crate) sasp_damage_per_h: f64,
    pub(crate) ev_half_saturation: f64,
    pub(crate) ev_damage_per_h: f64,
    pub(crate) death_threshold: f64,
    pub(crate) p_apoptosis: f64,
    /// The onset bound's first two terms (1/h): onset max + bystander.
    pub(crate) bound_per_h: f64,
    /// The wound-induced arrest hazard in the wound bed (1/h).
    pub(crate) wound_induction_per_h: f64,
    pub(crate) juxtacrine_per_h: f64,
    pub(crate) dt: f64,
}

impl Consts {
    /// The constants of the step `ctx`, with the wound bed's arrest
    /// hazard `wound_induction_per_h`.
    pub(crate) fn new(ctx: &crate::model::rules::Ctx, wound_induction_per_h: f64) -> Consts {
        let p = ctx.cell_rules;
        Consts {
            keep: ctx.cargo_keep,
            basal: ctx.basal_relax,
            basal_damage_per_h: ctx.tissue.basal_damage_per_h,
            sasp_damage_per_h: p.sasp_damage_per_h,
            ev_half_saturation: p.ev_half_saturation,
            ev_damage_per_h: p.ev_damage_per_h,
            death_threshold: p.damage_death_threshold,
            p_apoptosis: ctx.p_apoptosis,
            bound_per_h: p.onset_max_per_h + p.bystander_per_h,
            wound_induction_per_h,
            juxtacrine_per_h: p.juxtacrine_per_h,
            dt: ctx.dt,
        }
    }
}

/// A row's per-site inputs, as the rules pass computed them.
pub(crate) struct Row<'a> {
    /// `sasp_signal` of each site.
    pub(crate) hs: &'a [f64],
    pub(crate) death: &'a [f64],
    pub(crate) onset: &'a [f64],
    /// Deep-senescent Moore neighbours.
    pub(crate) deep: &'a [u8],
    /// The repair factors (e, g) of each site where any cell of the row
    /// has young signal; None: every site's are `Consts::basal`.
    pub(crate) relax: Option<(&'a [f64], &'a [f64])>,
    /// Stress damage delivered per hour at each site, if any.
    pub(crate) stress: Option<&'a [f64]>,
    /// Whether each site is in the wound bed, if there is a wound.
    pub(crate) wound: Option<&'a [bool]>,
}

/// The new values (`Stepped`) of the cell at site x of `row`, if it is a
/// proliferative tissue cell that neither dies nor may arrest this step;
/// None otherwise. `apply_rules`'s arithmetic for such a cell, term by
/// term: the specification the vector build follows, its scalar build in
/// the tests, and the last sites of a row not a multiple of 8 long.
#[inline(always)]
pub(crate) fn quiet_cell(c: &Cell, x: usize, row: &Row, k: &Consts) -> Option<Stepped> {
    if !(c.kind == Kind::Tissue && c.phenotype == Phenotype::Proliferative) {
        return None;
    }
    let (e, g) = row.relax.map_or(k.basal, |(re, rg)| (re[x], rg[x]));
    let cs = c.cargo_senescent as f64;
    let he = if cs == 0.0 {
        0.0
    } else {
        cs / (k.ev_half_saturation + cs)
    };
    let young = (c.cargo_young as f64 * k.keep) as f32;
    let senescent = (cs * k.keep) as f32;
    let d = &c.damage;
    let stress = row.stress.map_or(0.0, |v| v[x]);
    let intrinsic = (d.intrinsic as f64 * e + (k.basal_damage_per_h + stress) * g) as f32;
    let sasp = (d.sasp as f64 * e + k.sasp_damage_per_h * row.hs[x] * g) as f32;
    let ev = (d.ev as f64 * e + k.ev_damage_per_h * he * g) as f32;
    let damage = intrinsic as f64 + sasp as f64 + ev as f64;
    let lives = damage <= k.death_threshold && row.death[x] >= k.p_apoptosis;
    let in_bed = row.wound.is_some_and(|m| m[x]);
    let w = if in_bed { k.wound_induction_per_h } else { 0.0 };
    let bound = k.bound_per_h + w + k.juxtacrine_per_h * row.deep[x] as f64;
    let stays = row.onset[x] >= bound * k.dt * (1.0 + 1e-12);
    (lives && stays).then_some([young, senescent, intrinsic, sasp, ev])
}

/// A stepped cell's new young cargo, senescent cargo, and intrinsic, SASP
/// and EV damage.
pub(crate) type Stepped = [f32; 5];

/// Writes a stepped cell's new values.
#[inline(always)]
fn write(c: &mut Cell, v: Stepped) {
    [
        c.cargo_young,
        c.cargo_senescent,
        c.damage.intrinsic,
        c.damage.sasp,
        c.damage.ev,
    ] = v;
}

/// Applies the step of every quiet cell of `cells` (a row) that neither
/// dies nor may arrest, and sets in `slow` (one bit per site, from x = 0;
/// every word written) the bit of every other site, which `apply_rules`
/// must take. Returns how many cells it stepped, or None where the AVX-512
/// build does not run (nothing written).
pub(crate) fn quiet_row(
    cells: &mut [Cell],
    row: &Row,
    k: &Consts,
    slow: &mut [u64],
) -> Option<u64> {
    debug_assert!(slow.len() >= cells.len().div_ceil(64));
    #[cfg(target_arch = "x86_64")]
    if crate::model::simd::avx512() {
        // SAFETY: `avx512()` is true only on a CPU with these features.
        return Some(unsafe { wide::row(cells, row, k, slow) });
    }
    #[cfg(test)]
    if FORCE_SCALAR.with(|f| f.get()) {
        return Some(scalar_row(cells, row, k, slow));
    }
    let _ = (cells, row, k, slow);
    None
}

/// `quiet_row` cell by cell (the tests' reference build).
#[cfg(test)]
fn scalar_row(cells: &mut [Cell], row: &Row, k: &Consts, slow: &mut [u64]) -> u64 {
    slow.iter_mut().for_each(|w| *w = 0);
    let mut done = 0;
    for (x, c) in cells.iter_mut().enumerate() {
        match quiet_cell(c, x, row, k) {
            Some(v) => {
                write(c, v);
                done += 1;
            }
            None => slow[x / 64] |= 1 << (x % 64),
        }
    }
    done
}

#[cfg(test)]
thread_local! {
    /// Tests: `quiet_row` runs its scalar build where the AVX-512 one does
    /// not, so that both are checked.
    static FORCE_SCALAR: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(target_arch = "x86_64")]
mod wide {
    use super::*;
    use std::arch::x86_64::*;

    /// Byte offsets within a cell of the fields the row reads.
    const YOUNG: i32 = offset_of!(Cell, cargo_young) as i32;
    const SENESCENT: i32 = offset_of!(Cell, cargo_senescent) as i32;
    const DAMAGE: usize = offset_of!(Cell, damage);
    const INTRINSIC: i32 = (DAMAGE + offset_of!(crate::model::cell::Damage, intrinsic)) as i32;
    const SASP: i32 = (DAMAGE + offset_of!(crate::model::cell::Damage, sasp)) as i32;
    const EV: i32 = (DAMAGE + offset_of!(crate::model::cell::Damage, ev)) as i32;
    const KIND: usize = offset_of!(Cell, kind);
    const PHENOTYPE: usize = offset_of!(Cell, phenotype);
    const SIZE: i32 = std::mem::size_of::<Cell>() as i32;
    /// How far ahead the cells are prefetched (bytes): eight chunks.
    const AHEAD: usize = 8 * 8 * SIZE as usize;
    // The aligned 32-bit words holding kind and phenotype (cells are
    // 4-aligned and a multiple of 4 long, so each word lies in its cell).
    const _: () = assert!(std::mem::align_of::<Cell>() >= 4 && SIZE % 4 == 0);
    const KIND_WORD: i32 = (KIND & !3) as i32;
    const PHENOTYPE_WORD: i32 = (PHENOTYPE & !3) as i32;

    #[target_feature(enable = "avx2,avx512f,avx512dq,avx512vl")]
    pub(super) fn row(cells: &mut [Cell], row: &Row, k: &Consts, slow: &mut [u64]) -> u64 {
        let n = cells.len();
        slow.iter_mut().for_each(|w| *w = 0);
        let lanes = _mm256_mullo_epi32(
            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            _mm256_set1_epi32(SIZE),
        );
        let at = |off: i32| _mm256_add_epi32(lanes, _mm256_set1_epi32(off));
        let (i_young, i_sen, i_int, i_sasp, i_ev) =
            (at(YOUNG), at(SENESCENT), at(INTRINSIC), at(SASP), at(EV));
        let (i_kind, i_phen) = (at(KIND_WORD), at(PHENOTYPE_WORD));
        let byte = |w: __m256i, off: usize| {
            _mm256_and_si256(
                _mm256_srlv_epi32(w, _mm256_set1_epi32(((off & 3) * 8) as i32)),
                _mm256_set1_epi32(0xFF),
            )
        };
        let set = |v: f64| _mm512_set1_pd(v);
        let (keep, e0, g0) = (set(k.keep), set(k.basal.0), set(k.basal.1));
        let (basal_damage, sdp) = (set(k.basal_damage_per_h), set(k.sasp_damage_per_h));
        let induction = set(k.wound_induction_per_h);
        let (ev_half, edp) = (set(k.ev_half_saturation), set(k.ev_damage_per_h));
        let (threshold, p_apop) = (set(k.death_threshold), set(k.p_apoptosis));
        let (bound_per_h, jux, dt, slack) = (
            set(k.bound_per_h),
            set(k.juxtacrine_per_h),
            set(k.dt),
            set(1.0 + 1e-12),
        );
        let mut done = 0u64;
        let mut x = 0;
        while x + 8 <= n {
            // SAFETY: cells x..x+8 are in the slice; every gathered
            // offset lies within its cell (offsets of its fields).
            let base = unsafe { cells.as_mut_ptr().add(x) } as *mut u8;
            // Gathers do not train the hardware's prefetchers as loads
            // do: the cells a few chunks ahead are fetched by hand (a
            // prefetch never faults, in the slice or past it).
            for line in (0..8 * SIZE as usize).step_by(64) {
                _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(AHEAD + line) as *const i8);
            }
            let gather =
                |idx: __m256i| unsafe { _mm256_i32gather_ps::<1>(base as *const f32, idx) };
            let word =
                |idx: __m256i| unsafe { _mm256_i32gather_epi32::<1>(base as *const i32, idx) };
            let kind = byte(word(i_kind), KIND);
            let phen = byte(word(i_phen), PHENOTYPE);
            let (young, sen) = (gather(i_young), gather(i_sen));
            let (d_int, d_sasp, d_ev) = (gather(i_int), gather(i_sasp), gather(i_ev));
            let quiet = _mm256_cmpeq_epi32_mask(kind, _mm256_set1_epi32(Kind::Tissue as i32))
                & _mm256_cmpeq_epi32_mask(phen, _mm256_set1_epi32(Phenotype::Proliferative as i32));
            let load = |v: &[f64]| unsafe { _mm512_loadu_pd(v[x..x + 8].as_ptr()) };
            let (e, g) = match row.relax {
                Some((re, rg)) => (load(re), load(rg)),
                None => (e0, g0),
            };
            let wide = |v: __m256| _mm512_cvtps_pd(v);
            let narrow = |v: __m512d| _mm512_cvtpd_ps(v);
            let mul = |a, b| _mm512_mul_pd(a, b);
            let add = |a, b| _mm512_add_pd(a, b);
            let cs = wide(sen);
            // cs / (K + cs), and 0 where cs is 0 (everywhere, in a
            // tissue without senescent EVs: no division then).
            let held = _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(cs, _mm512_setzero_pd());
            let he = if held == 0 {
                _mm512_setzero_pd()
            } else {
                _mm512_maskz_div_pd(held, cs, add(ev_half, cs))
            };
            let young_new = narrow(mul(wide(young), keep));
            let sen_new = narrow(mul(cs, keep));
            // The intrinsic input: basal plus stress (0 without).
            let input = match row.stress {
                Some(v) => add(basal_damage, load(v)),
                None => add(basal_damage, _mm512_setzero_pd()),
            };
            let int_new = narrow(add(mul(wide(d_int), e), mul(input, g)));
            let sasp_new = narrow(add(mul(wide(d_sasp), e), mul(mul(sdp, load(row.hs)), g)));
            let ev_new = narrow(add(mul(wide(d_ev), e), mul(mul(edp, he), g)));
            let damage = add(add(wide(int_new), wide(sasp_new)), wide(ev_new));
            let lives = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(damage, threshold)
                & _mm512_cmp_pd_mask::<_CMP_GE_OQ>(load(row.death), p_apop);
            let deep = unsafe { _mm_loadl_epi64(row.deep[x..x + 8].as_ptr() as *const __m128i) };
            let h_jux = mul(jux, _mm512_cvtepi32_pd(_mm256_cvtepu8_epi32(deep)));
            // The wound bed's hazard where a site is in it, else 0.
            let w = match row.wound {
                Some(m) => {
                    let bed = unsafe { _mm_loadl_epi64(m[x..x + 8].as_ptr() as *const __m128i) };
                    let bed =
                        _mm256_cmpneq_epi32_mask(_mm256_cvtepu8_epi32(bed), _mm256_setzero_si256());
                    _mm512_maskz_mov_pd(bed, induction)
                }
                None => _mm512_setzero_pd(),
            };
            let bound = add(add(bound_per_h, w), h_jux);
            let stays =
                _mm512_cmp_pd_mask::<_CMP_GE_OQ>(load(row.onset), mul(mul(bound, dt), slack));
            let step = quiet & lives & stays;
            // The stepped cells' new values, the others' as they were.
            let mut out = [[0f32; 8]; 5];
            let keep_old = |new: __m256, old: __m256| _mm256_mask_blend_ps(step, old, new);
            for (o, v) in out.iter_mut().zip([
                keep_old(young_new, young),
                keep_old(sen_new, sen),
                keep_old(int_new, d_int),
                keep_old(sasp_new, d_sasp),
                keep_old(ev_new, d_ev),
            ]) {
                unsafe { _mm256_storeu_ps(o.as_mut_ptr(), v) };
            }
            // Only the fields a chunk changes are stored: cargo that is
            // ±0 in every lane stays as it is (±0·keep keeps its sign), and
            // so does EV damage that is +0 in every lane without senescent
            // cargo (+0·e + 0·g is +0), bit for bit.
            let bits_zero = |v: __m256, mask: i32| {
                _mm256_testz_si256(_mm256_castps_si256(v), _mm256_set1_epi32(mask)) == 1
            };
            let zero = |v: __m256| bits_zero(v, 0x7FFF_FFFF);
            let chunk = &mut cells[x..x + 8];
            for (j, c) in chunk.iter_mut().enumerate() {
                (c.damage.intrinsic, c.damage.sasp) = (out[2][j], out[3][j]);
            }
            if !(zero(young) && zero(sen)) {
                for (j, c) in chunk.iter_mut().enumerate() {
                    (c.cargo_young, c.cargo_senescent) = (out[0][j], out[1][j]);
                }
            }
            if !bits_zero(d_ev, -1) || held != 0 {
                for (j, c) in chunk.iter_mut().enumerate() {
                    c.damage.ev = out[4][j];
                }
            }
            slow[x / 64] |= ((!step) as u64) << (x % 64);
            done += step.count_ones() as u64;
            x += 8;
        }
        // The last sites of a row not a multiple of 8 long, one by one.
        while x < n {
            match quiet_cell(&cells[x], x, row, k) {
                Some(v) => {
                    write(&mut cells[x], v);
                    done += 1;
                }
                None => slow[x / 64] |= 1 << (x % 64),
            }
            x += 1;
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cell::Origin;
    use crate::model::kinetics::relax_factors;
    use crate::model::rng::{CellDraws, StepKey};
    use crate::model::rules::{apply_rules, Ctx, Env, Events, Signals};
    use crate::scenario::load;

    /// A small generator for the test's cells (not the model's streams).
    struct Lcg(u64);
    impl Lcg {
        fn unit(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        fn pick(&mut self, n: usize) -> usize {
            (self.unit() * n as f64) as usize
        }
    }

    /// Both builds of `quiet_row` against `apply_rules`, over rows of
    /// random cells of every kind and phenotype, with and without cargo,
    /// EV damage and young signal, damage about the death threshold and
    /// draws about the death and onset bounds: a stepped cell is exactly
    /// what `apply_rules` makes of it (and nothing happened to it that an
    /// event counts); every other site is marked and its cell untouched,
    /// and it is marked only where `apply_rules` does more than a quiet
    /// step (not a proliferative tissue cell, or it dies or may arrest).
    /// A reordered f64 product ((a·b)·c as a·(b·c)) changes only the last
    /// bit of an f64, which rarely survives the rounding to the stored
    /// f32: this test does not catch that (measured), so the vector build
    /// follows `apply_rules` term by term.
    #[test]
    fn quiet_row_is_apply_rules_for_the_cells_it_steps() {
        let mut s = load(None, &[]).unwrap().scenario;
        s.cell_rules.juxtacrine_per_h = 0.01;
        let (p, t) = (&s.cell_rules, &s.tissue);
        let ctx = Ctx::new(p, t, &[], StepKey::new(9, 40, 40.0, 1.0), 0.02);
        let k = Consts::new(&ctx, 0.05);
        let mut rng = Lcg(7);
        let mut checked = [0usize; 2];
        for force in [false, true] {
            FORCE_SCALAR.with(|f| f.set(force));
            // Rows of cells with cargo and EV damage, and rows without
            // (`clean`: ±0 cargo, +0 EV damage but at a few cells -0).
            for (n, young, hurt, clean) in [
                (1027usize, false, false, false),
                (1027, true, false, false),
                (1027, true, true, false),
                (1027, false, false, true),
                (1027, true, true, true),
                (13, true, true, false),
                (8, false, false, false),
            ] {
                let cells: Vec<Cell> = (0..n)
                    .map(|_| {
                        let mut c = Cell::EMPTY;
                        c.kind = [
                            Kind::Tissue,
                            Kind::Tissue,
                            Kind::Tissue,
                            Kind::Empty,
                            Kind::Msc,
                            Kind::Transformed,
                        ][rng.pick(6)];
                        c.phenotype = [
                            Phenotype::Proliferative,
                            Phenotype::Proliferative,
                            Phenotype::Arrested,
                            Phenotype::Senescent,
                        ][rng.pick(4)];
                        c.origin = Origin::None;
                        c.limit = 50;
                        let thr = p.damage_death_threshold as f32;
                        c.damage.intrinsic = thr * rng.unit() as f32 * 0.7;
                        c.damage.sasp = thr * rng.unit() as f32 * 0.5;
                        let zero = |rng: &mut Lcg| if rng.unit() < 0.5 { 0.0 } else { -0.0 };
                        c.damage.ev = if clean {
                            if rng.unit() < 0.02 {
                                -0.0
                            } else {
                                0.0
                            }
                        } else if rng.unit() < 0.5 {
                            0.0
                        } else {
                            thr * rng.unit() as f32 * 0.2
                        };
                        c.cargo_young = if clean {
                            zero(&mut rng)
                        } else if rng.unit() < 0.5 {
                            0.0
                        } else {
                            rng.unit() as f32
                        };
                        c.cargo_senescent = if clean {
                            zero(&mut rng)
                        } else if rng.unit() < 0.6 {
                            0.0
                        } else {
                            rng.unit() as f32
                        };
                        c
                    })
                    .collect();
                let hs: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
                let deep: Vec<u8> = (0..n).map(|_| rng.pick(4) as u8).collect();
                // Draws spread over [0, 1), and many about the two bounds.
                let near = |rng: &mut Lcg, b: f64| {
                    if rng.unit() < 0.5 {
                        rng.unit()
                    } else {
                        b * 2.0 * rng.unit()
                    }
                };
                let death: Vec<f64> = (0..n).map(|_| near(&mut rng, ctx.p_apoptosis)).collect();
                let onset: Vec<f64> = (0..n).map(|_| near(&mut rng, 0.02)).collect();
                let relax: Vec<(f64, f64)> = (0..n)
                    .map(|_| relax_factors(t.repair_per_h * (1.0 + rng.unit()), 1.0))
                    .collect();
                let (re, rg): (Vec<f64>, Vec<f64>) = relax.iter().copied().unzip();
                // Stress on some sites, a wound bed over others.
                let stress: Vec<f64> = (0..n)
                    .map(|_| {
                        if rng.unit() < 0.5 {
                            0.0
                        } else {
                            0.01 * rng.unit()
                        }
                    })
                    .collect();
                let bed: Vec<bool> = (0..n).map(|_| rng.unit() < 0.3).collect();
                let row = Row {
                    hs: &hs,
                    death: &death,
                    onset: &onset,
                    deep: &deep,
                    relax: young.then_some((&re[..], &rg[..])),
                    stress: hurt.then_some(&stress[..]),
                    wound: hurt.then_some(&bed[..]),
                };
                let mut got = cells.clone();
                let mut slow = vec![u64::MAX; n.div_ceil(64)];
                let Some(done) = quiet_row(&mut got, &row, &k, &mut slow) else {
                    assert!(!force, "the scalar build always runs when forced");
                    continue;
                };
                let mut stepped = 0;
                for x in 0..n {
                    let mut want = cells[x];
                    let mut ev = Events::default();
                    let in_bed = hurt && bed[x];
                    let w = if in_bed { k.wound_induction_per_h } else { 0.0 };
                    let env = Env {
                        deep_neighbours: deep[x],
                        stress_per_h: if hurt { stress[x] } else { 0.0 },
                        wound_induction_per_h: w,
                        extra_clearance_per_h: if in_bed { 0.3 } else { 0.0 },
                        ..Env::default()
                    };
                    let sig = Signals {
                        hs: hs[x],
                        hy: 0.0,
                        relax: if young { relax[x] } else { ctx.basal_relax },
                    };
                    let draws = CellDraws::Ahead {
                        death: death[x],
                        onset: onset[x],
                    };
                    apply_rules(&mut want, &draws, (x, sig), &env, &ctx, &mut ev);
                    let marked = slow[x / 64] >> (x % 64) & 1 == 1;
                    let bits = |c: &Cell| {
                        let d = c.damage;
                        [c.cargo_young, c.cargo_senescent, d.intrinsic, d.sasp, d.ev]
                            .map(f32::to_bits)
                    };
                    if marked {
                        assert_eq!(
                            bits(&got[x]),
                            bits(&cells[x]),
                            "site {x}: marked, untouched"
                        );
                        let c = &cells[x];
                        if c.kind == Kind::Tissue && c.phenotype == Phenotype::Proliferative {
                            // Marked because it dies or may arrest.
                            let dies = want.kind == Kind::Empty;
                            let d = want.damage.total();
                            let bound = k.bound_per_h + w + k.juxtacrine_per_h * deep[x] as f64;
                            let may_arrest = onset[x] < bound * k.dt * (1.0 + 1e-12);
                            assert!(
                                dies || may_arrest || d > k.death_threshold,
                                "site {x} marked"
                            );
                        }
                    } else {
                        stepped += 1;
                        assert_eq!(ev, Events::default(), "site {x}");
                        assert_eq!(
                            bits(&got[x]),
                            bits(&want),
                            "site {x}: stepped as apply_rules"
                        );
                        assert_eq!(got[x], want, "site {x}");
                    }
                }
                assert_eq!(done, stepped as u64);
                // Every kind of site was met.
                assert!(stepped > n / 20 || n < 64, "{stepped} of {n}");
                assert!(n - stepped > n / 4 || n < 64, "{stepped} of {n}");
                checked[force as usize] += n;
            }
        }
        FORCE_SCALAR.with(|f| f.set(false));
        assert!(checked[1] > 0, "the scalar build was checked");
        eprintln!("checked {checked:?} sites (AVX-512 build, scalar build)");
    }
}
