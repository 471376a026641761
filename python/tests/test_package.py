"""The Python package against the command line: the same scenario and seed
give the same folder, byte for byte; bad input raises the documented
exceptions with the command line's message; a run stopped by Ctrl-C
resumes to the uninterrupted run's outputs; the GIL is released while the
engine runs."""

import importlib.metadata
import json
import re
import threading
import time
import _thread
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import senesim
from conftest import ROOT, SCENARIOS, SMALL, cli_sets

# What may differ between two runs of one scenario and seed: when and how
# long they ran.
VOLATILE = {"wall_time_s", "started_unix_s"}


def files(d):
    return sorted(p.relative_to(d).as_posix() for p in Path(d).rglob("*") if p.is_file() and p.name != ".senesim.lock")


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in VOLATILE}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def assert_same_folder(a, b):
    """Every file equal byte for byte; JSON records equal but for the times."""
    assert files(a) == files(b)
    for f in files(a):
        x, y = (Path(a) / f).read_bytes(), (Path(b) / f).read_bytes()
        if f.endswith("manifest.json") or f.endswith("comparison.json") or f.endswith("sweep.json"):
            jx, jy = strip(json.loads(x)), strip(json.loads(y))
            # Records of the output folder name it; the two folders differ.
            assert json.dumps(jx).replace(str(a), "OUT") == json.dumps(jy).replace(str(b), "OUT"), f
        else:
            assert x == y, f"{f} differs"


def test_the_version_is_the_crates():
    text = (ROOT / "Cargo.toml").read_text()
    version = re.search(r'\[workspace\.package\]\s*version\s*=\s*"([^"]+)"', text).group(1)
    assert senesim.__version__ == version
    assert importlib.metadata.version("senesim") == version


def test_a_run_equals_the_command_lines_byte_for_byte(cli, tmp_path):
    scenario = SCENARIOS / "wound_aged_young_ev.toml"
    cli("run", scenario, *cli_sets(SMALL), "--seed", 11, "--threads", 2, "--quiet", "--out", tmp_path / "cli")
    r = senesim.run(scenario, set=SMALL, seed=11, threads=2, out=tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py")
    assert (tmp_path / "py" / "plots" / "timeseries.png").is_file()
    # What the package reads is what the files hold.
    csv = pd.read_csv(tmp_path / "cli" / "timeseries.csv")
    pd.testing.assert_frame_equal(r.timeseries, csv)
    assert r.summary == json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert r.completed and r.seed == 11 and r.scenario["grid"]["nx"] == 32
    last = r.snapshots[-1]
    assert last.time_h == r.timeseries["time_h"].iloc[-1] == 168.0
    tissue = (last["occupied"] == 1) & np.isin(last["kind"], [1, 3])
    assert tissue.sum() == r.timeseries["tissue_cells"].iloc[-1]
    assert last["p16"].shape == (32, 32)
    # Doses every 72 h from t = 0 (the scenario's treatment), seen in fields.csv.
    t = r.scenario["treatments"][0]
    assert r.dose_times() == [t["start_h"] + k * t["every_h"] for k in range(3)]
    assert len(r.fields) == 7 * 24 + 1


def test_results_do_not_depend_on_threads(tmp_path):
    a = senesim.run(set=SMALL, threads=1, out=tmp_path / "one", plots=False)
    b = senesim.run(set=SMALL, threads=2, out=tmp_path / "two", plots=False)
    assert (a.path / "timeseries.csv").read_bytes() == (b.path / "timeseries.csv").read_bytes()
    assert a.manifest["threads"] == 1 and b.manifest["threads"] == 2


def test_a_comparison_equals_the_command_lines_and_gives_dataframes(cli, tmp_path):
    scenario = SCENARIOS / "aged_skin_senescent_ev.toml"
    cli("compare", scenario, *cli_sets(SMALL), "--replicates", 3, "--quiet", "--no-plots", "--out", tmp_path / "cli")
    c = senesim.compare(scenario, set=SMALL, replicates=3, plots=False, out=tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py")
    assert list(c.runs["arm"].unique()) == ["control", "treated"] and len(c.runs) == 6
    assert c.runs["seed"].dtype == np.uint64
    effects = c.effects.set_index("metric")
    mean = c.runs.pivot(index="replicate", columns="arm", values="final_senescent_fraction")
    assert effects.loc["final_senescent_fraction", "diff_mean"] == pytest.approx((mean.treated - mean.control).mean(), rel=1e-12)
    assert c.verdicts["treated"] in {"rejuvenation", "neutral", "senescent_drift"}
    assert isinstance(senesim.load(tmp_path / "cli"), senesim.Comparison)


def test_a_sweep_equals_the_command_lines_and_load_reads_it(cli, tmp_path):
    sweep = SCENARIOS / "sweeps" / "passage_vs_dose.toml"
    small = {"grid.nx": 16, "grid.ny": 16, "run.days": 3}
    cli("sweep", sweep, *cli_sets(small), "--quiet", "--out", tmp_path / "cli")
    s = senesim.sweep(sweep, set=small, out=tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py")
    loaded = senesim.load(tmp_path / "cli")
    assert isinstance(loaded, senesim.Sweep)
    pd.testing.assert_frame_equal(loaded.points, s.points)
    assert set(s.points["verdict"].dropna()) <= {"rejuvenation", "neutral", "senescent_drift"}
    assert len(s.results) == len(s.run_ids)
    one = s.run(s.results["run_id"].iloc[0])
    assert one.summary["final_senescent_fraction"] == pytest.approx(s.results["final_senescent_fraction"].iloc[0], rel=1e-15)


def test_check_resolves_like_the_command_line():
    s = senesim.check(SCENARIOS / "default.toml", set={"run.days": 3, "tissue.age": "young"})
    assert s["run"]["days"] == 3 and s["tissue"]["age"] == "young"
    assert s["grid"]["nx"] == 128  # a default filled in
    assert senesim.check()["name"] == senesim.check(SCENARIOS / "default.toml")["name"]


def test_a_bad_override_raises_scenario_error_with_the_command_lines_message(cli):
    p = cli("check", SCENARIOS / "default.toml", "--set", 'tissue.age="ancient"', check=False)
    assert p.returncode == 2
    with pytest.raises(senesim.ScenarioError) as e:
        senesim.run(SCENARIOS / "default.toml", set={"tissue.age": "ancient"})
    assert isinstance(e.value, ValueError)
    assert e.value.file == "--set" and e.value.key == "tissue.age"
    assert "ancient" in e.value.value and e.value.rule
    assert f"error: {e.value.message}" in p.stderr


def test_a_bad_file_names_the_file_key_value_and_rule(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "%s"\n[grid]\nnx = -3\n' % (SCENARIOS / "default.toml").as_posix())
    with pytest.raises(senesim.ScenarioError) as e:
        senesim.check(bad)
    assert e.value.file == str(bad) and e.value.key == "grid.nx" and e.value.value == "-3"
    assert "bad.toml" in str(e.value)
    (tmp_path / "syntax.toml").write_text("[grid\n")
    with pytest.raises(senesim.ScenarioError) as e:
        senesim.check(tmp_path / "syntax.toml")
    assert e.value.key is None and "TOML" in e.value.rule


def test_other_bad_input(tmp_path):
    with pytest.raises(TypeError, match="run.days"):
        senesim.check(set={"run.days": object()})
    with pytest.raises(senesim.UsageError, match="--threads 0"):
        senesim.run(set=SMALL, threads=0, out=tmp_path / "x")
    with pytest.raises(senesim.UsageError, match="nothing to compare"):
        senesim.compare(SCENARIOS / "aged_skin_baseline.toml", set=SMALL, out=tmp_path / "y")
    with pytest.raises(senesim.UsageError, match="replicates"):
        senesim.compare(SCENARIOS / "default.toml", replicates=1, out=tmp_path / "z")
    with pytest.raises(senesim.FolderError, match="not a senesim"):
        senesim.load(tmp_path)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_a_folder_of_another_run_is_refused_then_replaced_with_force(tmp_path):
    senesim.run(set=SMALL, out=tmp_path / "r", plots=False)
    with pytest.raises(senesim.FolderError, match="force"):
        senesim.run(set=SMALL, seed=2, out=tmp_path / "r", plots=False)
    assert senesim.run(set=SMALL, seed=2, out=tmp_path / "r", plots=False, force=True).seed == 2


def interrupt_when(path, timeout=60.0):
    """Sends the main thread a KeyboardInterrupt (as Ctrl-C does) as soon
    as `path` exists."""

    def watch():
        t0 = time.monotonic()
        while not path.exists() and time.monotonic() - t0 < timeout:
            time.sleep(0.002)
        _thread.interrupt_main()

    threading.Thread(target=watch, daemon=True).start()


def test_ctrl_c_stops_a_run_that_resume_completes_to_the_same_bytes(tmp_path):
    sets = {"grid.nx": 96, "grid.ny": 96, "run.days": 28}
    full = senesim.run(set=sets, out=tmp_path / "full", plots=False)
    out = tmp_path / "stopped"
    interrupt_when(out / "snapshots" / "snapshot_0000168h.vti")
    with pytest.raises(KeyboardInterrupt, match="interrupted at step") as e:
        senesim.run(set=sets, out=out, plots=False)
    assert f"senesim.resume({str(out)!r})".replace("'", '"') in str(e.value)
    stopped = senesim.load(out)
    assert not stopped.completed and (out / "checkpoint.bin").is_file()
    assert 168 <= stopped.manifest["steps_done"] < stopped.manifest["steps_total"]
    resumed = senesim.resume(out)
    assert resumed.completed
    for f in ["timeseries.csv", "summary.json", "snapshots.pvd", "snapshots/snapshot_0000672h.vti"]:
        assert (out / f).read_bytes() == (full.path / f).read_bytes(), f


def test_the_gil_is_released_while_the_engine_runs(tmp_path):
    done = threading.Event()

    def work():
        senesim.run(set={"run.days": 7}, out=tmp_path / "r", plots=False, threads=1)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    # Held for the run (~0.2-0.5 s), the GIL would allow no tick at all.
    assert ticks > 50


def test_without_out_an_earlier_run_is_kept_and_a_free_folder_chosen(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = senesim.run(set=SMALL, plots=False)
    b = senesim.run(set=SMALL, seed=3, plots=False)
    again = senesim.run(set=SMALL, plots=False)
    assert (a.path, b.path, again.path) == (Path("runs/default"), Path("runs/default-2"), Path("runs/default"))
    assert a.seed == 1 and b.seed == 3
