//! Checkpoints: a run's full state at a step boundary, so that `senesim
//! resume DIR` continues it to outputs identical, bit for bit, to an
//! uninterrupted run's, and `senesim run --from-checkpoint FILE` starts new
//! treatments on a saved tissue.
//!
//! A checkpoint holds the scenario as resolved (JSON text, floats exact), the
//! rows written so far, and the world: cells, the five fields with their
//! books, treatment progress (doses given, batches in use, the QC ledger),
//! event counters, wound-closure crossings and the step counter. Random
//! numbers are keyed by (seed, step, site, purpose), so there is no
//! generator state. A checkpoint is only resumed by the senesim version
//! that wrote it.
//!
//! Format (version 6; 5 held cell state in f64, 4 held fields in f64 without their dormancy and uniformity, 3 lacked the wound's recruited immune level, 2 held the dose list, now rebuilt from the scenario): the line `senesim checkpoint 6`, the body's length
//! (u64, little-endian), its CRC-32 (u32, little-endian), then the body:
//! the fields in bincode (standard configuration). Reading checks, before
//! anything is used: that the file is a regular file no larger than the
//! memory free; the length and the checksum (every single-bit flip and
//! every burst of up to 32 bits is detected); a decoding bounded to a small
//! multiple of the body's size (a length field cannot claim more); the
//! version; the embedded scenario, validated as if it were a file; and
//! that cells, fields and treatment progress fit that scenario's grid and
//! schedule.

use crate::error::{CheckpointError, OutputError};
use crate::io::output::write_atomic_with;
use crate::model::observe::Row;
pub use crate::model::state::WorldState;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

const MAGIC: &[u8] = b"senesim checkpoint 6\n";
/// Bytes before the body: magic, length, checksum.
const HEADER: usize = MAGIC.len() + 8 + 4;

/// The file name of a run folder's checkpoint.
pub const FILE: &str = "checkpoint.bin";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    pub head: Head,
    pub rows: Vec<Row>,
    pub world: WorldState,
}

/// What a checkpoint says about its run, besides the state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Head {
    pub senesim_version: String,
    /// The run's scenario as resolved, as JSON.
    pub scenario_json: String,
    /// The scenario whose treated area the run's spread is measured on, if
    /// not its own (a paired control's).
    pub treated_area_json: Option<String>,
    pub scenario_source: String,
    pub snapshots: bool,
    pub plots: bool,
    pub checkpoint_every_h: Option<f64>,
}

impl Head {
    /// The run's scenario, validated as a scenario file would be (an edited
    /// checkpoint must not run what `senesim run` would refuse).
    pub fn scenario_checked(&self, path: &Path) -> Result<Scenario, CheckpointError> {
        checked(path, &self.scenario_json, "its scenario")
    }

    /// The run's scenario, unchecked (the checkpoint was checked when read).
    pub fn scenario(&self) -> Result<Scenario, String> {
        serde_json::from_str(&self.scenario_json).map_err(|e| format!("scenario: {e}"))
    }

    pub fn treated_area(&self) -> Result<Option<Scenario>, String> {
        self.treated_area_json
            .as_deref()
            .map(|j| serde_json::from_str(j).map_err(|e| format!("treated area: {e}")))
            .transpose()
    }
}

fn checked(path: &Path, json: &str, what: &str) -> Result<Scenario, CheckpointError> {
    let bad = |rule: String| CheckpointError {
        path: path.to_path_buf(),
        rule,
    };
    let s: Scenario =
        serde_json::from_str(json).map_err(|e| bad(format!("{what} does not read: {e}")))?;
    let origins = crate::scenario::Origins::labelled(&format!("{} ({what})", path.display()));
    crate::scenario::validate(&s, &origins)
        .map_err(|e| bad(format!("{what} is not valid: {e}")))?;
    Ok(s)
}

impl Checkpoint {
    /// Simulated time of the checkpoint (h).
    pub fn time_h(&self) -> Result<f64, String> {
        Ok(self.world.step as f64 * self.head.scenario()?.run.dt_h)
    }
}

/// Writes `c` to `path` atomically.
pub fn write(path: &Path, c: &Checkpoint) -> Result<(), OutputError> {
    let body = bincode::serde::encode_to_vec(c, bincode::config::standard()).map_err(|e| {
        OutputError::Encode {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })?;
    write_atomic_with(path, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
        w.write_all(MAGIC)
            .and_then(|_| w.write_all(&(body.len() as u64).to_le_bytes()))
            .and_then(|_| w.write_all(&crc32fast::hash(&body).to_le_bytes()))
            .and_then(|_| w.write_all(&body))
            .and_then(|_| w.flush())
            .map_err(OutputError::io(path))
    })
}

/// Decodes `body` allowing the decoder to claim at most `N` bytes.
fn decode_limited<const N: usize>(body: &[u8]) -> Result<(Checkpoint, usize), String> {
    bincode::serde::decode_from_slice(body, bincode::config::standard().with_limit::<N>())
        .map_err(|e| e.to_string())
}

/// Decodes with a limit of the smallest power-of-16 tier above 16× the
/// body's size: nothing decoded can claim more memory than that.
fn decode_bounded(body: &[u8]) -> Result<(Checkpoint, usize), String> {
    let n = body.len().saturating_mul(16);
    if n <= 1 << 24 {
        decode_limited::<{ 1 << 24 }>(body)
    } else if n <= 1 << 28 {
        decode_limited::<{ 1 << 28 }>(body)
    } else if n <= 1 << 32 {
        decode_limited::<{ 1 << 32 }>(body)
    } else {
        decode_limited::<{ 1 << 36 }>(body)
    }
}

/// Reads and checks a checkpoint (see the module's notes): refuses other
/// files, damaged ones, other senesim versions and invalid scenarios.
pub fn read(path: &Path) -> Result<Checkpoint, CheckpointError> {
    let bad = |rule: String| CheckpointError {
        path: path.to_path_buf(),
        rule,
    };
    // The header first: a file that is not a checkpoint is refused without
    // being read whole, however large it is.
    let cap = crate::scenario::available_memory() / 2;
    crate::io::input::read_capped(path, 0).or_else(|e| match e {
        crate::io::input::ReadRefusal::TooLarge(_) => Ok(Vec::new()),
        other => Err(bad(other.to_string())),
    })?;
    let mut head = [0u8; HEADER];
    let got = std::fs::File::open(path)
        .and_then(|f| {
            use std::io::Read;
            let mut n = 0;
            let mut f = f.take(HEADER as u64);
            while n < HEADER {
                match f.read(&mut head[n..])? {
                    0 => break,
                    k => n += k,
                }
            }
            Ok(n)
        })
        .map_err(|e| bad(e.to_string()))?;
    if !head[..got].starts_with(MAGIC) && !MAGIC.starts_with(&head[..got]) || got < MAGIC.len() {
        return Err(bad("not a senesim checkpoint of this version (it does not start with `senesim checkpoint 6`)".into()));
    }
    let bytes = crate::io::input::read_capped(path, cap).map_err(|e| bad(e.to_string()))?;
    let rest = bytes.strip_prefix(MAGIC).ok_or_else(|| {
        bad("not a senesim checkpoint of this version (it does not start with `senesim checkpoint 6`)".into())
    })?;
    if bytes.len() < HEADER {
        return Err(bad("damaged checkpoint: shorter than its header".into()));
    }
    let len = u64::from_le_bytes(rest[..8].try_into().unwrap_or_default());
    let crc = u32::from_le_bytes(rest[8..12].try_into().unwrap_or_default());
    let body = &rest[12..];
    if len != body.len() as u64 {
        return Err(bad(format!(
            "damaged checkpoint: its header gives {len} bytes of state, the file holds {} (truncated or extended)",
            body.len()
        )));
    }
    if crc32fast::hash(body) != crc {
        return Err(bad(
            "damaged checkpoint: its checksum does not match its contents (rule: a checkpoint is resumed only as it was written)".into(),
        ));
    }
    let (c, used) = decode_bounded(body).map_err(|e| bad(format!("damaged checkpoint: {e}")))?;
    if used != body.len() {
        return Err(bad(format!(
            "damaged checkpoint: {} trailing bytes",
            body.len() - used
        )));
    }
    if c.head.senesim_version != env!("CARGO_PKG_VERSION") {
        return Err(bad(format!(
            "written by senesim {}, this is {}: a run continues bit for bit only in the version that started it",
            crate::text::printable(&c.head.senesim_version),
            env!("CARGO_PKG_VERSION")
        )));
    }
    let s = c.head.scenario_checked(path)?;
    if let Some(j) = &c.head.treated_area_json {
        checked(path, j, "its treated-area scenario")?;
    }
    if let Some(h) = c.head.checkpoint_every_h {
        if !(h.is_finite() && h > 0.0) {
            return Err(bad(format!(
                "checkpoint_every_h = {h}: must be a positive number of hours"
            )));
        }
    }
    c.world
        .fits(&s)
        .map_err(|e| bad(format!("its state does not fit its scenario: {e}")))?;
    Ok(c)
}
