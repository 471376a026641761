"""Snapshots: the ``snapshots/*.vti`` of a run folder, as numpy arrays.

A snapshot is VTK XML image data (``.vti``), one cell per lattice site,
its arrays zlib-compressed in appended binary (or, as early builds of
0.1.0 wrote them, ASCII). docs/outputs.md lists the arrays and their
units; ``phenotype`` is 255 on empty sites (``occupied`` is 0 there).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Sequence

import numpy as np

__all__ = ["Snapshot", "Snapshots", "read_snapshot"]

_DTYPES = {
    "Int8": "<i1",
    "UInt8": "<u1",
    "Int16": "<i2",
    "UInt16": "<u2",
    "Int32": "<i4",
    "UInt32": "<u4",
    "Int64": "<i8",
    "UInt64": "<u8",
    "Float32": "<f4",
    "Float64": "<f8",
}

_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class Snapshot:
    """One snapshot: the time, the grid and every array.

    ``arrays[name]`` has shape ``(ny, nx)``: ``arrays["p16"][y, x]`` is the
    site at column x, row y (x fastest in the file, as in ``timeseries.csv``'s
    grid). ``spacing_um`` is the side of a site in µm.
    """

    time_h: float
    nx: int
    ny: int
    spacing_um: float
    arrays: Dict[str, np.ndarray] = field(repr=False)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def keys(self) -> List[str]:
        return list(self.arrays)


def _attrs(tag: str) -> Dict[str, str]:
    return dict(_ATTR.findall(tag))


def read_snapshot(path: "str | Path") -> Snapshot:
    """Reads one ``.vti`` snapshot written by senesim."""
    data = Path(path).read_bytes()
    marker = data.find(b"<AppendedData")
    head = data[: marker if marker >= 0 else len(data)].decode("utf-8")
    base = -1
    if marker >= 0:
        base = data.index(b"_", marker) + 1
    image = _attrs(re.search(r"<ImageData\b[^>]*>", head).group(0))
    x0, x1, y0, y1, _, _ = (int(v) for v in image["WholeExtent"].split())
    nx, ny = x1 - x0, y1 - y0
    spacing = float(image["Spacing"].split()[0])
    time = re.search(r'Name="time_h"[^>]*>\s*([^<\s]+)\s*<', head)
    time_h = float(time.group(1)) if time else float("nan")
    cell = head[head.index("<CellData") : head.index("</CellData>")]
    header = np.dtype("<u8")
    arrays: Dict[str, np.ndarray] = {}
    for m in re.finditer(r"<DataArray\b([^>]*?)(/?)>", cell):
        a = _attrs(m.group(1))
        dtype = np.dtype(_DTYPES[a["type"]])
        if a.get("format") == "appended":
            at = base + int(a["offset"])
            nblocks, _block, _last = np.frombuffer(data, header, 3, at)
            sizes = np.frombuffer(data, header, int(nblocks), at + 24)
            at += 24 + 8 * int(nblocks)
            raw = bytearray()
            for s in sizes:
                raw += zlib.decompress(data[at : at + int(s)])
                at += int(s)
            values = np.frombuffer(bytes(raw), dtype)
        else:
            end = cell.index("</DataArray>", m.end())
            values = np.array(cell[m.end() : end].split(), dtype=dtype)
        if values.size != nx * ny:
            raise ValueError(f"{path}: array {a['Name']} has {values.size} values for {nx}×{ny} sites")
        arrays[a["Name"]] = values.reshape(ny, nx)
    return Snapshot(time_h, nx, ny, spacing, arrays)


class Snapshots(Sequence[Snapshot]):
    """The snapshots of a run, in time order, read when first indexed.

    ``times`` gives their times (h); ``snapshots[i]`` (or iteration) gives a
    :class:`Snapshot`; ``to_xarray()`` gives every snapshot as one
    ``xarray.Dataset`` over time (needs xarray).
    """

    def __init__(self, files: List[Path], times: List[float]) -> None:
        self.files = files
        self.times = np.array(times, dtype=float)
        self._cache: Dict[int, Snapshot] = {}

    @classmethod
    def of_run(cls, run: Path) -> "Snapshots":
        pvd = run / "snapshots.pvd"
        if pvd.is_file():
            sets = ET.parse(pvd).getroot().iter("DataSet")
            pairs = [(float(d.get("timestep")), run / d.get("file")) for d in sets]
        else:
            pairs = []
            for f in sorted((run / "snapshots").glob("snapshot_*.vti")):
                m = re.fullmatch(r"snapshot_(\d+)h(?:(\d+)s)?", f.stem)
                if m:
                    pairs.append((int(m.group(1)) + int(m.group(2) or 0) / 3600, f))
        pairs.sort(key=lambda p: p[0])
        return cls([f for _, f in pairs], [t for t, _ in pairs])

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._cache:
            self._cache[i] = read_snapshot(self.files[i])
        return self._cache[i]

    def __iter__(self) -> Iterator[Snapshot]:
        return (self[i] for i in range(len(self)))

    def at(self, time_h: float) -> Snapshot:
        """The snapshot taken at ``time_h`` (h)."""
        hits = np.flatnonzero(np.isclose(self.times, time_h))
        if hits.size == 0:
            raise KeyError(f"no snapshot at t = {time_h} h (snapshots at {[float(t) for t in self.times]} h)")
        return self[int(hits[0])]

    def __repr__(self) -> str:
        return f"Snapshots({len(self)} at t = {[float(t) for t in self.times]} h)"

    def to_xarray(self):
        """Every snapshot as an ``xarray.Dataset`` with dimensions
        ``(time_h, y, x)`` and coordinates in h and µm (site centres)."""
        try:
            import xarray as xr
        except ImportError as e:
            raise ImportError("to_xarray needs xarray: pip install xarray") from e
        if len(self) == 0:
            raise ValueError("the run has no snapshots")
        first = self[0]
        x = (np.arange(first.nx) + 0.5) * first.spacing_um
        y = (np.arange(first.ny) + 0.5) * first.spacing_um
        names = first.keys()
        data = {n: (("time_h", "y", "x"), np.stack([s.arrays[n] for s in self])) for n in names}
        ds = xr.Dataset(data, coords={"time_h": self.times, "y": y, "x": x})
        ds["x"].attrs["units"] = "µm"
        ds["y"].attrs["units"] = "µm"
        ds["time_h"].attrs["units"] = "h"
        return ds
