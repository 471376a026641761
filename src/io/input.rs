//! Reading what a user hands senesim (scenario, sweep and base files,
//! checkpoints) in bounded time and memory.
//!
//! A file is read only if it is a regular file (not a FIFO, a device such
//! as `/dev/zero`, or a folder), and only up to a size cap: beyond it the
//! file is refused, never read whole.

use std::io::Read;
use std::path::Path;

/// Largest scenario, sweep or `extends` base file read (bytes).
pub const MAX_TEXT_BYTES: u64 = 4 << 20;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadRefusal {
    Io(std::io::Error),
    /// Not a regular file: what it is.
    NotAFile(&'static str),
    /// Larger than the cap (bytes).
    TooLarge(u64),
}

impl std::fmt::Display for ReadRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadRefusal::Io(e) => write!(f, "{e}"),
            ReadRefusal::NotAFile(what) => {
                write!(
                    f,
                    "is {what}, not a regular file (rule: senesim reads regular files only)"
                )
            }
            ReadRefusal::TooLarge(cap) => write!(
                f,
                "is larger than {} (rule: files senesim reads are at most that large)",
                human(*cap)
            ),
        }
    }
}

fn human(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64)
    } else {
        format!("{} MiB", b >> 20)
    }
}

fn what(m: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Reads the regular file `path` whole, refusing one larger than `cap` bytes.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadRefusal> {
    let m = std::fs::metadata(path).map_err(ReadRefusal::Io)?;
    if !m.is_file() {
        return Err(ReadRefusal::NotAFile(what(&m)));
    }
    if m.len() > cap {
        return Err(ReadRefusal::TooLarge(cap));
    }
    let f = std::fs::File::open(path).map_err(ReadRefusal::Io)?;
    // The file may have grown since: read at most cap + 1 bytes.
    let mut bytes = Vec::with_capacity(m.len() as usize);
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadRefusal::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadRefusal::TooLarge(cap));
    }
    Ok(bytes)
}

/// `read_capped` of a UTF-8 text file of at most `MAX_TEXT_BYTES`.
pub fn read_text(path: &Path) -> Result<String, ReadRefusal> {
    let bytes = read_capped(path, MAX_TEXT_BYTES)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadRefusal::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_folders_are_refused_without_reading() {
        for p in ["/dev/zero", "/dev/urandom", "/"] {
            assert!(matches!(
                read_capped(Path::new(p), 10),
                Err(ReadRefusal::NotAFile(_))
            ));
        }
    }
}
