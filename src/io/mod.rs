//! What senesim reads and writes: output folders (their kinds, locks and
//! ownership), bounded reading of user files, atomic writing of outputs,
//! and snapshots.

pub mod folder;
pub mod input;
pub mod output;
