//! Spatial snapshots as VTK XML image data (`.vti`): binary arrays,
//! zlib-compressed, in one appended block (VTK's `vtkZLibDataCompressor`
//! layout, UInt64 headers), which ParaView, VTK, pyvista and meshio read;
//! and `snapshots.pvd`, the collection of a run's snapshots with their real
//! times, so ParaView opens the series as one animated dataset.
//!
//! One VTK cell per lattice site, origin (0, 0, 0), spacing = site size in µm,
//! so ParaView shows the tissue at its real scale. Python reads it with
//! pyvista (`pv.read(f).cell_data["phenotype"].reshape(ny, nx)`) or with the
//! Python package (docs/outputs.md). Arrays, row-major with x fastest:
//!
//! | array | type | meaning |
//! |---|---|---|
//! | occupied | UInt8 | 1 where a cell is, 0 on empty sites |
//! | kind | UInt8 | 0 empty, 1 tissue, 2 MSC, 3 transformed |
//! | phenotype | UInt8 | 0 proliferative, 1 arrested, 2 deep senescent; 255 on empty sites (no cell, no phenotype) |
//! | origin | UInt8 | 0 none, 1 primary, 2 replicative, 3 paracrine, 4 juxtacrine, 5 EV-induced |
//! | damage | Float32 | damage (dimensionless) |
//! | divisions | UInt16 | population doublings done |
//! | cargo_young, cargo_senescent | Float32 | internalised EV cargo (au) |
//! | p21, sa_beta_gal, p16 | UInt8 | 1 where the cell shows the marker (they lag senescence onset: docs/model.md §7) |
//! | sasp, ev_young, ev_senescent, cm_young, cm_senescent | Float32 | field concentration (au per site) |
//!
//! Snapshots written before this format (ASCII arrays, phenotype 0 on empty
//! sites) are still read by `read_vti`.

use crate::model::fields::FieldId;
use crate::model::world::World;
use rayon::prelude::*;
use std::io::{BufWriter, Write};

/// The phenotype code of an empty site.
pub const NO_PHENOTYPE: u8 = 255;

/// Uncompressed bytes per zlib block. Blocks are compressed in parallel
/// (the bytes do not depend on the thread count), at zlib level 1: most of
/// a snapshot is f32 state, which level 6 shrinks only 13% further at
/// three times the cost (1024²: 5.9 MB against 5.1 MB; ASCII was 58 MB).
const BLOCK: usize = 1 << 20;

/// One array: its name, VTK type and little-endian bytes.
struct Array {
    name: &'static str,
    ty: &'static str,
    bytes: Vec<u8>,
}

fn u8s(name: &'static str, vals: impl Iterator<Item = u8>) -> Array {
    Array {
        name,
        ty: "UInt8",
        bytes: vals.collect(),
    }
}

fn u16s(name: &'static str, vals: impl Iterator<Item = u16>) -> Array {
    Array {
        name,
        ty: "UInt16",
        bytes: vals.flat_map(u16::to_le_bytes).collect(),
    }
}

fn f32s(name: &'static str, vals: impl Iterator<Item = f32>) -> Array {
    Array {
        name,
        ty: "Float32",
        bytes: vals.flat_map(f32::to_le_bytes).collect(),
    }
}

/// The arrays of a snapshot of `world`, in the order they are written.
fn arrays(world: &World) -> Vec<Array> {
    let c = &world.cells;
    let (now, p21) = (world.now_h(), world.scenario.cell_rules.p21_delay_h);
    let markers = |f: fn(crate::model::cell::Markers) -> bool| {
        c.iter().map(move |c| f(c.markers(now, p21)) as u8)
    };
    let f = &world.fields;
    vec![
        u8s("occupied", c.iter().map(|c| c.is_occupied() as u8)),
        u8s("kind", c.iter().map(|c| c.kind as u8)),
        u8s(
            "phenotype",
            c.iter().map(|c| {
                if c.is_occupied() {
                    c.phenotype as u8
                } else {
                    NO_PHENOTYPE
                }
            }),
        ),
        u8s("origin", c.iter().map(|c| c.origin as u8)),
        f32s("damage", c.iter().map(|c| c.damage.total() as f32)),
        u16s("divisions", c.iter().map(|c| c.divisions)),
        f32s("cargo_young", c.iter().map(|c| c.cargo_young)),
        f32s("cargo_senescent", c.iter().map(|c| c.cargo_senescent)),
        // Markers, 1 = positive (docs/model.md §7); 0 on empty sites.
        u8s("p21", markers(|m| m.p21)),
        u8s("sa_beta_gal", markers(|m| m.sa_beta_gal)),
        u8s("p16", markers(|m| m.p16)),
        f32s("sasp", f[FieldId::Sasp].c.iter().copied()),
        f32s("ev_young", f[FieldId::EvYoung].values().iter().copied()),
        f32s(
            "ev_senescent",
            f[FieldId::EvSenescent].values().iter().copied(),
        ),
        f32s("cm_young", f[FieldId::CmYoung].values().iter().copied()),
        f32s(
            "cm_senescent",
            f[FieldId::CmSenescent].values().iter().copied(),
        ),
    ]
}

/// `bytes` as VTK's zlib-compressed layout: the UInt64 header (number of
/// blocks, block size, size of a partial last block or 0, each block's
/// compressed size) followed by the blocks.
fn compress(bytes: &[u8]) -> Vec<u8> {
    use flate2::{write::ZlibEncoder, Compression};
    let blocks: Vec<Vec<u8>> = bytes
        .par_chunks(BLOCK)
        .map(|b| {
            let mut z = ZlibEncoder::new(Vec::new(), Compression::new(1));
            z.write_all(b).expect("writing to memory");
            z.finish().expect("writing to memory")
        })
        .collect();
    let mut out = Vec::new();
    let head = [
        blocks.len() as u64,
        BLOCK as u64,
        (bytes.len() % BLOCK) as u64,
    ];
    for v in head {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for b in &blocks {
        out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    }
    for b in &blocks {
        out.extend_from_slice(b);
    }
    out
}

/// Writes the world's state at this moment as a `.vti` document.
pub fn write_vti<W: Write>(w: W, world: &World) -> std::io::Result<()> {
    let (nx, ny) = (world.grid.nx, world.grid.ny);
    let h = world.scenario.grid.site_um;
    let t = world.now_h();
    // Compressed one array at a time: the raw bytes of one array at most.
    let data: Vec<(&'static str, &'static str, Vec<u8>)> = arrays(world)
        .into_iter()
        .map(|a| (a.name, a.ty, compress(&a.bytes)))
        .collect();
    let mut s = BufWriter::with_capacity(1 << 16, w);
    writeln!(s, "<?xml version=\"1.0\"?>")?;
    writeln!(s, "<!-- senesim snapshot: time_h = {t} -->")?;
    writeln!(
        s,
        "<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\">"
    )?;
    writeln!(
        s,
        "  <ImageData WholeExtent=\"0 {nx} 0 {ny} 0 0\" Origin=\"0 0 0\" Spacing=\"{h} {h} {h}\">"
    )?;
    writeln!(s, "    <FieldData>")?;
    writeln!(s, "      <DataArray type=\"Float64\" Name=\"time_h\" NumberOfTuples=\"1\" format=\"ascii\">{t}</DataArray>")?;
    writeln!(s, "    </FieldData>")?;
    writeln!(s, "    <Piece Extent=\"0 {nx} 0 {ny} 0 0\">")?;
    writeln!(s, "      <CellData Scalars=\"phenotype\">")?;
    let mut offset = 0;
    for (name, ty, bytes) in &data {
        writeln!(
            s,
            "        <DataArray type=\"{ty}\" Name=\"{name}\" format=\"appended\" offset=\"{offset}\"/>"
        )?;
        offset += bytes.len();
    }
    writeln!(s, "      </CellData>")?;
    writeln!(s, "    </Piece>")?;
    writeln!(s, "  </ImageData>")?;
    write!(s, "  <AppendedData encoding=\"raw\">\n   _")?;
    for (_, _, bytes) in &data {
        s.write_all(bytes)?;
    }
    writeln!(s, "\n  </AppendedData>")?;
    writeln!(s, "</VTKFile>")?;
    s.flush()
}

/// `snapshots.pvd`: the collection of the snapshots `(time_h, path)` (paths
/// relative to the run folder), for ParaView to open as one time series.
pub fn write_pvd<W: Write>(w: W, snapshots: &[(f64, String)]) -> std::io::Result<()> {
    let mut s = BufWriter::new(w);
    writeln!(s, "<?xml version=\"1.0\"?>")?;
    writeln!(
        s,
        "<VTKFile type=\"Collection\" version=\"1.0\" byte_order=\"LittleEndian\">"
    )?;
    writeln!(s, "  <Collection>")?;
    for (t, path) in snapshots {
        writeln!(
            s,
            "    <DataSet timestep=\"{t}\" group=\"\" part=\"0\" file=\"{path}\"/>"
        )?;
    }
    writeln!(s, "  </Collection>")?;
    writeln!(s, "</VTKFile>")?;
    s.flush()
}

/// A snapshot read back from its `.vti` file: the grid and every array by
/// name (values as f64, row-major, x fastest; a Float32 value widened
/// exactly).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub nx: usize,
    pub ny: usize,
    /// Site size (µm).
    pub spacing_um: f64,
    pub time_h: f64,
    pub arrays: std::collections::BTreeMap<String, Vec<f64>>,
}

impl Snapshot {
    /// An array that must be present, with one value per site.
    pub fn array(&self, name: &str) -> Result<&[f64], String> {
        match self.arrays.get(name) {
            Some(a) if a.len() == self.nx * self.ny => Ok(a),
            Some(a) => Err(format!(
                "array {name} has {} values for {}×{} sites",
                a.len(),
                self.nx,
                self.ny
            )),
            None => Err(format!("no array {name}")),
        }
    }
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    tag[at..].split('"').next()
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads `n` little-endian header integers of `width` bytes from `data`.
fn header(data: &[u8], n: usize, width: usize) -> Result<Vec<u64>, String> {
    (0..n)
        .map(|k| {
            let b = data
                .get(k * width..(k + 1) * width)
                .ok_or("appended data ends inside a header (truncated file?)")?;
            let mut v = [0u8; 8];
            v[..width].copy_from_slice(b);
            Ok(u64::from_le_bytes(v))
        })
        .collect()
}

/// The raw bytes of an appended, zlib-compressed array at `data`.
fn inflate(data: &[u8], width: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let head = header(data, 3, width)?;
    let (blocks, size, last) = (head[0] as usize, head[1] as usize, head[2] as usize);
    if blocks > data.len() {
        return Err("bad compression header".into());
    }
    let sizes = header(&data[3 * width..], blocks, width)?;
    let mut at = (3 + blocks) * width;
    let mut out = Vec::new();
    for (k, &c) in sizes.iter().enumerate() {
        let block = data
            .get(at..at + c as usize)
            .ok_or("appended data ends inside a block (truncated file?)")?;
        let expect = if k + 1 == blocks && last > 0 {
            last
        } else {
            size
        };
        let before = out.len();
        flate2::read::ZlibDecoder::new(block)
            .take(expect as u64)
            .read_to_end(&mut out)
            .map_err(|e| format!("corrupt compressed block: {e}"))?;
        if out.len() - before != expect {
            return Err("a compressed block is shorter than its header says".into());
        }
        at += c as usize;
    }
    Ok(out)
}

/// Values of VTK type `ty` from little-endian bytes, as f64.
fn values(ty: &str, b: &[u8]) -> Result<Vec<f64>, String> {
    Ok(match ty {
        "UInt8" => b.iter().map(|&v| v as f64).collect(),
        "UInt16" => b
            .chunks_exact(2)
            .map(|v| u16::from_le_bytes([v[0], v[1]]) as f64)
            .collect(),
        "Float32" => b
            .chunks_exact(4)
            .map(|v| f32::from_le_bytes([v[0], v[1], v[2], v[3]]) as f64)
            .collect(),
        "Float64" => b
            .chunks_exact(8)
            .map(|v| f64::from_le_bytes(v.try_into().expect("8 bytes")))
            .collect(),
        other => return Err(format!("unsupported array type {other}")),
    })
}

/// Parses a `.vti` file as `write_vti` writes it (appended zlib-compressed
/// binary arrays), or as earlier versions did (ASCII arrays).
pub fn read_vti(bytes: &[u8]) -> Result<Snapshot, String> {
    let (head, appended) = match find(bytes, b"<AppendedData") {
        Some(at) => {
            let rest = &bytes[at..];
            let us = rest
                .iter()
                .position(|&b| b == b'_')
                .ok_or("<AppendedData> without its '_' marker")?;
            (&bytes[..at], Some(&rest[us + 1..]))
        }
        None => (bytes, None),
    };
    let text = std::str::from_utf8(head).map_err(|_| "the XML part is not UTF-8")?;
    let root = text
        .split("<VTKFile")
        .nth(1)
        .and_then(|t| t.split('>').next())
        .ok_or("no <VTKFile> element")?;
    let width = match attr(root, "header_type") {
        Some("UInt64") => 8,
        None | Some("UInt32") => 4,
        Some(other) => return Err(format!("unsupported header_type {other}")),
    };
    let zlib = match attr(root, "compressor") {
        Some("vtkZLibDataCompressor") => true,
        None => false,
        Some(other) => return Err(format!("unsupported compressor {other}")),
    };
    let image = text
        .split("<ImageData")
        .nth(1)
        .and_then(|t| t.split('>').next())
        .ok_or("no <ImageData> element")?;
    let extent: Vec<usize> = attr(image, "WholeExtent")
        .ok_or("no WholeExtent")?
        .split_whitespace()
        .map(|v| v.parse().map_err(|_| format!("bad WholeExtent value {v}")))
        .collect::<Result<_, _>>()?;
    let [_, nx, _, ny, ..] = extent[..] else {
        return Err("WholeExtent needs 6 values".into());
    };
    let spacing_um = attr(image, "Spacing")
        .and_then(|s| s.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or("no Spacing")?;
    let mut arrays = std::collections::BTreeMap::new();
    for chunk in text.split("<DataArray").skip(1) {
        let (tag, rest) = chunk.split_once('>').ok_or("unterminated <DataArray>")?;
        let name = attr(tag, "Name").ok_or("a <DataArray> without Name")?;
        let ty = attr(tag, "type").ok_or_else(|| format!("array {name} has no type"))?;
        let vals = if attr(tag, "format") == Some("appended") {
            let data = appended.ok_or_else(|| format!("array {name}: no appended data"))?;
            if !zlib {
                return Err(format!(
                    "array {name}: uncompressed appended data is not read"
                ));
            }
            let offset: usize = attr(tag, "offset")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("array {name}: no offset"))?;
            let raw = inflate(data.get(offset..).ok_or("offset beyond the data")?, width)
                .map_err(|e| format!("array {name}: {e}"))?;
            values(ty, &raw)?
        } else {
            let body = rest
                .split_once("</DataArray>")
                .ok_or_else(|| format!("array {name} is not closed (truncated file?)"))?
                .0;
            body.split_ascii_whitespace()
                .map(|v| {
                    v.parse::<f64>()
                        .map_err(|_| format!("array {name}: bad value {v}"))
                })
                .collect::<Result<Vec<f64>, _>>()?
        };
        arrays.insert(name.to_string(), vals);
    }
    if appended.is_some() && find(bytes, b"</VTKFile>").is_none() {
        return Err("no closing </VTKFile> (truncated file?)".into());
    }
    let time_h = arrays
        .remove("time_h")
        .and_then(|t| t.first().copied())
        .ok_or("no time_h field")?;
    Ok(Snapshot {
        nx,
        ny,
        spacing_um,
        time_h,
        arrays,
    })
}
