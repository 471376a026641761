"""Snapshots read back by an independent reader (VTK's own), checked against
the run's time series: what ParaView and pyvista users will open.

The run folder is $SENESIM_RUN (default: runs/default, which .ci/run makes
with the README's run command).
"""

import csv
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import vtk
from vtk.util.numpy_support import vtk_to_numpy

RUN = Path(os.environ.get("SENESIM_RUN", "runs/default"))


def read(path):
    r = vtk.vtkXMLImageDataReader()
    r.SetFileName(str(path))
    r.Update()
    img = r.GetOutput()
    nx, ny, _ = (d - 1 for d in img.GetDimensions())
    cd = img.GetCellData()
    arrays = {
        cd.GetArrayName(k): vtk_to_numpy(cd.GetArray(k)) for k in range(cd.GetNumberOfArrays())
    }
    time_h = img.GetFieldData().GetArray("time_h").GetValue(0)
    return nx, ny, time_h, arrays


def collection():
    root = ET.parse(RUN / "snapshots.pvd").getroot()
    return [(float(d.get("timestep")), RUN / d.get("file")) for d in root.iter("DataSet")]


def rows():
    with open(RUN / "timeseries.csv") as f:
        return {float(r["time_h"]): r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def snapshots():
    if not (RUN / "snapshots.pvd").is_file():
        pytest.skip(f"no run at {RUN}: run `cargo run --release -- run` first")
    return [(t, read(p)) for t, p in collection()]


def test_the_collection_lists_every_snapshot_with_its_time(snapshots):
    files = sorted(p.name for p in (RUN / "snapshots").glob("*.vti"))
    assert [p.name for _, p in collection()] == files
    assert len(files) >= 2
    for t, (_, _, time_h, _) in snapshots:
        assert t == time_h


def test_arrays_have_one_value_per_site_and_their_documented_types(snapshots):
    types = {
        "occupied": np.uint8, "kind": np.uint8, "phenotype": np.uint8, "origin": np.uint8,
        "p21": np.uint8, "sa_beta_gal": np.uint8, "p16": np.uint8, "divisions": np.uint16,
        "damage": np.float32, "cargo_young": np.float32, "cargo_senescent": np.float32,
        "sasp": np.float32, "ev_young": np.float32, "ev_senescent": np.float32,
        "cm_young": np.float32, "cm_senescent": np.float32,
    }
    for _, (nx, ny, _, a) in snapshots:
        assert set(a) == set(types)
        for name, ty in types.items():
            assert a[name].dtype == ty, name
            assert a[name].shape == (nx * ny,), name
            if ty == np.float32:
                assert np.isfinite(a[name]).all(), name


def fields_csv():
    with open(RUN / "fields.csv") as f:
        return {float(r["time_h"]): r for r in csv.DictReader(f)}


def test_field_arrays_sum_to_the_totals_of_fields_csv(snapshots):
    totals = fields_csv()
    for t, (_, _, _, a) in snapshots:
        for name in ["ev_young", "ev_senescent", "cm_young", "cm_senescent"]:
            want = float(totals[t][f"{name}_total"])
            got = a[name].astype(np.float64).sum()
            assert got == pytest.approx(want, rel=1e-5, abs=1e-9), (t, name)
    # Snapshots after doses (off the daily grid) hold the doses' EVs.
    after = [a for t, (_, _, _, a) in snapshots if t % 24 != 0]
    assert after and all(a["ev_young"].sum() > 0 for a in after)


def test_empty_sites_have_no_phenotype_and_counts_match_the_time_series(snapshots):
    series = rows()
    for t, (_, _, _, a) in snapshots:
        if t not in series:
            continue  # a snapshot after a dose, between two rows
        occupied = a["occupied"] == 1
        assert ((a["kind"] > 0) == occupied).all()
        assert (a["phenotype"][~occupied] == 255).all()
        assert (a["phenotype"][occupied] <= 2).all()
        tissue = occupied & ((a["kind"] == 1) | (a["kind"] == 3))
        row = series[t]
        assert tissue.sum() == int(row["tissue_cells"])
        assert (~occupied).sum() == int(row["empty"])
        tissue_only = a["kind"] == 1
        assert (tissue_only & (a["phenotype"] == 1)).sum() == int(row["arrested"])
        assert (tissue_only & (a["phenotype"] == 2)).sum() == int(row["senescent"])


def test_the_packages_reader_gives_vtks_arrays_types_and_times(snapshots):
    senesim = pytest.importorskip("senesim")
    run = senesim.load(RUN)
    assert list(run.snapshots.times) == [t for t, _ in snapshots]
    for (t, (nx, ny, time_h, a)), s in zip(snapshots, run.snapshots):
        assert (s.nx, s.ny, s.time_h) == (nx, ny, time_h)
        assert set(s.keys()) == set(a)
        for name, v in a.items():
            assert s[name].dtype == v.dtype, name
            assert np.array_equal(s[name].ravel(), v), name


def test_snapshots_as_an_xarray_dataset(snapshots):
    senesim = pytest.importorskip("senesim")
    pytest.importorskip("xarray")
    ds = senesim.load(RUN).snapshots.to_xarray()
    nx, ny = snapshots[0][1][0], snapshots[0][1][1]
    assert ds["p16"].dims == ("time_h", "y", "x")
    assert ds["p16"].shape == (len(snapshots), ny, nx)
    assert list(ds["time_h"].values) == [t for t, _ in snapshots]
    last = snapshots[-1][1][3]
    assert np.array_equal(ds["sasp"].isel(time_h=-1).values.ravel(), last["sasp"])
