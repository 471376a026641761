//! Parameter sweeps: many runs of one scenario over a grid, range or Latin
//! hypercube of parameter values, in parallel, resumable, and sliced into
//! shards for Slurm job arrays or GNU parallel.
//!
//! * `spec`   — the sweep file and its values (by index);
//! * `plan`   — points resolved into validated scenarios, seeds and run ids;
//! * `exec`   — running a shard of the runs into the sweep folder, resuming;
//! * `tables` — results.csv and points.csv from the run folders; `merge`;
//! * `slurm`  — a job-array script.

pub mod exec;
pub mod plan;
pub mod slurm;
pub mod spec;
pub mod tables;

pub use exec::{prepare_folder, sweep, Outcome, Shard, SweepOptions};
pub use plan::{plan, plan_with, Plan, SweepRecord};
pub use tables::{merge, write_tables};
