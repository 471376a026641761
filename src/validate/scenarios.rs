//! The scenarios the model checks run (each is also written into the
//! report's `scenarios/` folder, so it can be rerun with `senesim run`).
//! The test suite shares them.

/// A small scenario with every mechanism: wound, stress pulse, screened and
/// unscreened products (EV and CM), uniform, region and injection delivery,
/// and an MSC graft that senesces (the mass-balance check's whole run).
pub const EVERYTHING: &str = r#"
name = "everything, small"
[run]
days = 8.0
output_every_h = 12.0
snapshot_every_h = 96.0
seed = 42
[grid]
nx = 48
ny = 40
[tissue]
age = "aged"
[wound]
region = { shape = "circle", cx = 24.0, cy = 20.0, r = 8.0 }
[[stress]]
kind = "uvb"
time_h = 5.0
damage = 1.0
duration_h = 3.0
region = { shape = "rect", x0 = 0.0, y0 = 0.0, x1 = 12.0, y1 = 40.0 }
[products.young]
source = "umbilical_cord"
donor_age_years = 25.0
passage = 3
batch_cv = 0.3
batch_senescent_cv = 0.3
[products.old_cm]
source = "bone_marrow"
donor_age_years = 70.0
passage = 12
cryo_cycles = 2
form = "cm"
batch_senescent_cv = 0.5
qc = { assay_sd = 0.05, release_threshold = 0.6 }
[[treatments]]
product = "young"
start_h = 0.0
every_h = 48.0
delivery = { mode = "injection", au_per_point = 300.0, radius = 3.0, points = [[10.0, 10.0], [38.0, 30.0]] }
[[treatments]]
product = "old_cm"
times_h = [24.0, 100.0]
delivery = { mode = "region", au_per_site = 3.0, region = { shape = "circle", cx = 24.0, cy = 20.0, r = 8.0 } }
[[treatments]]
product = "young"
times_h = [60.0]
delivery = { mode = "uniform", au_per_site = 1.0 }
[[grafts]]
product = "old_cm"
time_h = 12.0
region = { shape = "rect", x0 = 40.0, y0 = 0.0, x1 = 48.0, y1 = 8.0 }
fill = 0.5
senescence_per_day = 0.3
"#;

/// A tissue where SASP feedback drives spread, for the mean-field check.
pub const MEAN_FIELD: &str = r#"
name = "validate: mean-field limit of SASP-driven spread"
description = "Aged tissue, no division, migration, death or contact (juxtacrine, bystander) induction; SASP diffuses fast"
[run]
days = 40.0
output_every_h = 12.0
snapshot_every_h = 0.0
seed = 7
[grid]
# 512²: a finite lattice lags the ODE (its limit) by an amount that
# shrinks with the number of sites (kinetics.rs, `mean_field`).
nx = 512
ny = 512
boundary = "periodic"
[tissue]
age = "aged"
density = 1.0
initial_senescent_fraction = 0.25
[cells]
division_per_h = 0.0
migration_per_h = 0.0
apoptosis_per_h = 0.0
damage_death_per_h = 0.0
juxtacrine_per_h = 0.0
bystander_per_h = 0.0
sasp_maturation_h = 1.0
secondary_sasp_factor = 1.0
[fields.sasp]
# 1000× the default: the range √(D/λ) = 474 sites spans most of the lattice.
diffusion = 3600000.0
"#;

/// Aged tissue with a preset senescent load and nothing but clearance
/// (the saturating-clearance check sets the load).
pub const CLEARANCE: &str = r#"
name = "validate: saturating clearance"
description = "Aged tissue with a preset senescent load and nothing but immune clearance"
[run]
days = 60.0
output_every_h = 6.0
snapshot_every_h = 0.0
seed = 11
[grid]
nx = 256
ny = 256
boundary = "periodic"
[tissue]
age = "aged"
density = 1.0
[cells]
onset_max_per_h = 0.0
juxtacrine_per_h = 0.0
bystander_per_h = 0.0
division_per_h = 0.0
migration_per_h = 0.0
apoptosis_per_h = 0.0
damage_death_per_h = 0.0
reversion_max_per_h = 0.0
"#;

/// The two lesions of the paracrine checks (docs/model.md §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LesionKind {
    /// A disc of r = 10 sites in confluent tissue: ~300 primary cells.
    Confluent,
    /// Martin's lesion: ~30 primary cells within r = 5.5 sites of a tissue
    /// at 35% density (the tissue then grows to confluence around them).
    Sparse,
}

/// A lesion of primary senescent cells from a stress pulse, in young
/// tissue without background damage or clearance (Martin's
/// Senescence_Spread setting), 64² periodic, 90 days; the checks set
/// `cells.secondary_sasp_factor`.
pub fn lesion(kind: LesionKind) -> String {
    let (density, r) = match kind {
        LesionKind::Confluent => (1.0, 10.0),
        LesionKind::Sparse => (0.35, 5.5),
    };
    format!(
        r#"
name = "validate: lesion of primary senescent cells"
description = "A stress-induced lesion in young tissue without background damage or clearance (Martin 2024)"
[run]
days = 90.0
output_every_h = 24.0
snapshot_every_h = 0.0
seed = 1
[grid]
nx = 64
ny = 64
boundary = "periodic"
[tissue]
age = "young"
density = {density:?}
initial_senescent_fraction = 0.0
clearance_beta_per_day = 0.0
basal_damage_per_h = 0.0
[cells]
juxtacrine_per_h = 0.0
[[stress]]
time_h = 0.0
damage = 2.5
region = {{ shape = "circle", cx = 32.0, cy = 32.0, r = {r:?} }}
"#
    )
}

/// One primary senescent cell (a stress pulse on one site) in young tissue
/// with its own background damage, clearance off so that the cell stays for
/// the month (the single-cell bystander check and its test).
pub const SINGLE_CELL: &str = r#"
name = "validate: one senescent cell and its neighbours"
description = "One stressed cell in young tissue (periodic 32², no clearance), 30 days"
[run]
days = 30.0
output_every_h = 24.0
snapshot_every_h = 0.0
seed = 1
[grid]
nx = 32
ny = 32
boundary = "periodic"
[tissue]
age = "young"
initial_senescent_fraction = 0.0
clearance_beta_per_day = 0.0
[[stress]]
time_h = 0.0
damage = 2.5
region = { shape = "circle", cx = 16.5, cy = 16.5, r = 0.5 }
"#;

/// The site of `SINGLE_CELL`'s stressed cell.
pub const SINGLE_CELL_SITE: (usize, usize) = (16, 16);

/// Aged tissue dosed weekly with EVs of a young (PRODUCT = young) or an
/// aged, high-passage, cryopreserved producer (PRODUCT = old): the
/// secretome-effects check.
pub const SECRETOME_PATCH: &str = r#"
name = "validate: young vs senescent-producer EVs on aged tissue"
description = "Aged dermal patch, 48², weekly EVs from 24 h, 21 days"
[run]
days = 21.0
output_every_h = 24.0
snapshot_every_h = 0.0
[grid]
nx = 48
ny = 48
[tissue]
age = "aged"
[products.young]
source = "umbilical_cord"
donor_age_years = 25.0
passage = 3
[products.old]
source = "bone_marrow"
donor_age_years = 70.0
passage = 15
cryo_cycles = 2
[[treatments]]
product = "PRODUCT"
start_h = 24.0
every_h = 168.0
delivery = { mode = "uniform", au_per_site = 4.0 }
"#;
