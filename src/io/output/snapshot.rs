//! Spatial snapshots as VTK XML image data (`.vti`, ASCII).
//!
//! One VTK cell per lattice site, origin (0, 0, 0), spacing = site size in µm,
//! so ParaView shows the tissue at its real scale. Python reads it with
//! pyvista (`pv.read(f).cell_data["phenotype"].reshape(ny, nx)`) or with the
//! standard library alone (docs/outputs.md shows how). Arrays, row-major with
//! x fastest:
//!
//! | array | type | meaning |
//! |---|---|---|
//! | kind | UInt8 | 0 empty, 1 tissue, 2 MSC, 3 transformed |
//! | phenotype | UInt8 | 0 proliferative, 1 arrested, 2 deep senescent (only meaningful where kind > 0) |
//! | origin | UInt8 | 0 none, 1 primary, 2 replicative, 3 paracrine, 4 juxtacrine, 5 EV-induced |
//! | damage | Float32 | damage (dimensionless) |
//! | divisions | UInt16 | population doublings done |
//! | cargo_young, cargo_senescent | Float32 | internalised EV cargo (au) |
//! | p21, sa_beta_gal, p16 | UInt8 | 1 where the cell shows the marker (they lag senescence onset: docs/model.md §7) |
//! | sasp, ev_young, ev_senescent | Float32 | field concentration (au per site) |

use crate::model::world::World;
use std::io::{BufWriter, Write};

fn data_array<T: std::fmt::Display>(
    out: &mut impl Write,
    name: &str,
    ty: &str,
    vals: impl Iterator<Item = T>,
) -> std::io::Result<()> {
    write!(
        out,
        "        <DataArray type=\"{ty}\" Name=\"{name}\" format=\"ascii\">\n          "
    )?;
    for (k, v) in vals.enumerate() {
        if k > 0 {
            out.write_all(if k % 16 == 0 { b"\n" } else { b" " })?;
        }
        write!(out, "{v}")?;
    }
    out.write_all(b"\n        </DataArray>\n")
}

/// Writes the world's state at this moment as a `.vti` document, streamed
/// (memory does not grow with the grid).
pub fn write_vti<W: Write>(w: W, world: &World) -> std::io::Result<()> {
    let (nx, ny) = (world.grid.nx, world.grid.ny);
    let h = world.scenario.grid.site_um;
    let mut s = BufWriter::with_capacity(1 << 16, w);
    writeln!(s, "<?xml version=\"1.0\"?>")?;
    writeln!(s, "<!-- senesim snapshot: time_h = {} -->", world.now_h())?;
    writeln!(
        s,
        "<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\">"
    )?;
    writeln!(
        s,
        "  <ImageData WholeExtent=\"0 {nx} 0 {ny} 0 0\" Origin=\"0 0 0\" Spacing=\"{h} {h} {h}\">"
    )?;
    writeln!(s, "    <FieldData>")?;
    writeln!(s, "      <DataArray type=\"Float64\" Name=\"time_h\" NumberOfTuples=\"1\" format=\"ascii\">{}</DataArray>", world.now_h())?;
    writeln!(s, "    </FieldData>")?;
    writeln!(s, "    <Piece Extent=\"0 {nx} 0 {ny} 0 0\">")?;
    writeln!(s, "      <CellData Scalars=\"phenotype\">")?;
    let c = &world.cells;
    data_array(&mut s, "kind", "UInt8", c.iter().map(|c| c.kind as u8))?;
    data_array(
        &mut s,
        "phenotype",
        "UInt8",
        c.iter().map(|c| c.phenotype as u8),
    )?;
    data_array(&mut s, "origin", "UInt8", c.iter().map(|c| c.origin as u8))?;
    data_array(
        &mut s,
        "damage",
        "Float32",
        c.iter().map(|c| c.damage.total() as f32),
    )?;
    data_array(&mut s, "divisions", "UInt16", c.iter().map(|c| c.divisions))?;
    data_array(
        &mut s,
        "cargo_young",
        "Float32",
        c.iter().map(|c| c.cargo_young),
    )?;
    data_array(
        &mut s,
        "cargo_senescent",
        "Float32",
        c.iter().map(|c| c.cargo_senescent),
    )?;
    // Markers, 1 = positive (docs/model.md §7); 0 on empty sites.
    let (now, p21) = (world.now_h(), world.scenario.cell_rules.p21_delay_h);
    let markers = |f: fn(crate::model::cell::Markers) -> bool| {
        c.iter().map(move |c| f(c.markers(now, p21)) as u8)
    };
    data_array(&mut s, "p21", "UInt8", markers(|m| m.p21))?;
    data_array(&mut s, "sa_beta_gal", "UInt8", markers(|m| m.sa_beta_gal))?;
    data_array(&mut s, "p16", "UInt8", markers(|m| m.p16))?;
    data_array(
        &mut s,
        "sasp",
        "Float32",
        world.fields[crate::model::fields::FieldId::Sasp].c.iter(),
    )?;
    data_array(
        &mut s,
        "ev_young",
        "Float32",
        world.fields[crate::model::fields::FieldId::EvYoung]
            .values()
            .iter(),
    )?;
    data_array(
        &mut s,
        "ev_senescent",
        "Float32",
        world.fields[crate::model::fields::FieldId::EvSenescent]
            .values()
            .iter(),
    )?;
    writeln!(s, "      </CellData>")?;
    writeln!(s, "    </Piece>")?;
    writeln!(s, "  </ImageData>")?;
    writeln!(s, "</VTKFile>")?;
    s.flush()
}

/// A snapshot read back from its `.vti` text: the grid and every array by
/// name (values as f64, row-major, x fastest).
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

/// Parses a `.vti` document as `write_vti` writes it (ASCII arrays).
pub fn read_vti(text: &str) -> Result<Snapshot, String> {
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
        let body = rest
            .split_once("</DataArray>")
            .ok_or_else(|| format!("array {name} is not closed (truncated file?)"))?
            .0;
        let values = body
            .split_ascii_whitespace()
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| format!("array {name}: bad value {v}"))
            })
            .collect::<Result<Vec<f64>, _>>()?;
        arrays.insert(name.to_string(), values);
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
