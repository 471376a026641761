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
description = "Aged tissue, no division, migration, death or contact induction; SASP diffuses fast"
[run]
days = 40.0
output_every_h = 12.0
snapshot_every_h = 0.0
seed = 7
[grid]
nx = 128
ny = 128
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
sasp_maturation_h = 1.0
secondary_sasp_factor = 1.0
[fields.sasp]
# 1000× the default: the range √(D/λ) = 474 sites exceeds the lattice.
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
division_per_h = 0.0
migration_per_h = 0.0
apoptosis_per_h = 0.0
damage_death_per_h = 0.0
reversion_max_per_h = 0.0
"#;

/// A disc of primary senescent cells from a stress pulse, in young tissue
/// without background damage or clearance (Martin's Senescence_Spread
/// setting; the lesion check sets `cells.secondary_sasp_factor`).
pub const LESION: &str = r#"
name = "validate: lesion of primary senescent cells"
description = "A stress-induced lesion in young tissue without background damage or clearance (Martin 2024)"
[run]
days = 48.0
output_every_h = 12.0
snapshot_every_h = 0.0
seed = 1
[grid]
nx = 96
ny = 96
boundary = "periodic"
[tissue]
age = "young"
initial_senescent_fraction = 0.0
clearance_beta_per_day = 0.0
basal_damage_per_h = 0.0
[cells]
juxtacrine_per_h = 0.0
[[stress]]
time_h = 0.0
damage = 2.5
region = { shape = "circle", cx = 48.0, cy = 48.0, r = 18.0 }
"#;
