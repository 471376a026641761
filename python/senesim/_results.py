"""Folders written by senesim (or its command line), opened as Python
objects: :class:`Run`, :class:`Comparison`, :class:`Sweep`. Their files
are described in docs/outputs.md and docs/sweeps.md; the objects read them
when first asked and keep what they read.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, List, Union

import pandas as pd

from ._errors import FolderError
from ._snapshots import Snapshots

__all__ = ["Run", "Comparison", "Sweep", "load"]

PathLike = Union[str, Path]


def _json(path: Path) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _csv(path: Path) -> pd.DataFrame:
    # Seeds are 64-bit unsigned: read as such, never as floats.
    return pd.read_csv(path, dtype={"seed": "uint64"})


class _Folder:
    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)

    @cached_property
    def manifest(self) -> Dict[str, Any]:
        """manifest.json: version, scenario as resolved, seed, threads, time taken."""
        return _json(self.path / "manifest.json")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"


class Run(_Folder):
    """A run folder: ``timeseries`` (one row per output interval),
    ``fields`` (the EV and CM totals at every step), ``summary`` (the run's
    metrics), ``manifest``, ``scenario`` (as resolved) and ``snapshots``."""

    @property
    def completed(self) -> bool:
        """Whether the run reached its end (an interrupted one can be resumed)."""
        return bool(self.manifest.get("completed"))

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """timeseries.csv (or, for a run that stopped early, the rows it wrote)."""
        path = self.path / "timeseries.csv"
        if not path.is_file() and (self.path / "timeseries.csv.partial").is_file():
            path = self.path / "timeseries.csv.partial"
        return _csv(path)

    @cached_property
    def fields(self) -> pd.DataFrame:
        """fields.csv: the EV and CM field totals at every step, and the
        amount delivered by doses so far (runs with snapshots)."""
        return _csv(self.path / "fields.csv")

    def dose_times(self) -> List[float]:
        """The times (h) of the doses: where ``fields.delivered_total``
        steps up, the dose fell at the sample before."""
        d = self.fields["delivered_total"].to_numpy()
        t = self.fields["time_h"].to_numpy()
        return [float(t[i]) for i in range(len(d) - 1) if d[i + 1] > d[i]]

    @cached_property
    def summary(self) -> Dict[str, Any]:
        """summary.json: the run's metrics (docs/outputs.md)."""
        return _json(self.path / "summary.json")

    @property
    def scenario(self) -> Dict[str, Any]:
        """The scenario as resolved (every key, with defaults)."""
        return self.manifest["scenario"]

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @cached_property
    def snapshots(self) -> Snapshots:
        """The snapshots (times, and each one's arrays by name)."""
        return Snapshots.of_run(self.path)


class Comparison(_Folder):
    """A comparison folder: ``runs`` (per-run metrics), ``effects`` (paired
    differences with 95% CIs and verdicts), ``verdicts``, ``timeseries``
    (every replicate of every arm), ``report`` and ``table``."""

    @cached_property
    def report(self) -> Dict[str, Any]:
        """comparison.json as written."""
        return _json(self.path / "comparison.json")

    @cached_property
    def runs(self) -> pd.DataFrame:
        """runs.csv: one row per run (arm, replicate, seed, metrics)."""
        return _csv(self.path / "runs.csv")

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """timeseries.csv: every run's time series, keyed by arm and replicate."""
        return _csv(self.path / "timeseries.csv")

    @cached_property
    def effects(self) -> pd.DataFrame:
        """One row per (arm, metric): the paired difference arm − control,
        its sd and 95% CI, and the arm's verdict."""
        rows = []
        for c in self.report["comparisons"]:
            for metric, p in c["metrics"].items():
                rows.append(
                    {"arm": c["arm"], "against": c["against"], "metric": metric, **p, "verdict": c["verdict"]}
                )
        return pd.DataFrame(rows)

    @property
    def verdicts(self) -> Dict[str, str]:
        """Each arm's verdict against the control."""
        return {c["arm"]: c["verdict"] for c in self.report["comparisons"]}

    @property
    def table(self) -> str:
        """table.txt: the table `senesim compare` prints."""
        return (self.path / "table.txt").read_text(encoding="utf-8")

    def __str__(self) -> str:
        return self.table


class Sweep(_Folder):
    """A sweep folder: ``results`` (one row per run), ``points`` (per point
    and arm: means, sds, CIs, paired effects and verdicts), ``record``
    (sweep.json), and each run by its id (``sweep.run("p00000-r000-treated")``)."""

    @cached_property
    def record(self) -> Dict[str, Any]:
        """sweep.json: the sweep as planned (axes, points, seeds)."""
        return _json(self.path / "sweep.json")

    @cached_property
    def results(self) -> pd.DataFrame:
        """results.csv: one row per run."""
        return _csv(self.path / "results.csv")

    @cached_property
    def points(self) -> pd.DataFrame:
        """points.csv: per point and arm, with verdicts (paired sweeps)."""
        return _csv(self.path / "points.csv")

    @property
    def run_ids(self) -> List[str]:
        return sorted(p.name for p in (self.path / "runs").iterdir() if p.is_dir())

    def run(self, run_id: str) -> Run:
        """One run of the sweep, by the id results.csv gives it."""
        return Run(self.path / "runs" / run_id)


def load(path: PathLike) -> Union[Run, Comparison, Sweep]:
    """Opens a folder written by senesim (``run``, ``compare`` or ``sweep``,
    from Python or the command line): a :class:`Run`, :class:`Comparison`
    or :class:`Sweep`."""
    p = Path(path)
    if not p.is_dir():
        raise FolderError(f"{p}: no such folder")
    if (p / "sweep.json").is_file():
        return Sweep(p)
    if (p / "comparison.json").is_file():
        return Comparison(p)
    if (p / "report.json").is_file():
        raise FolderError(f"{p}: a validation report: open {p / 'report.md'}")
    kind = None
    if (p / "manifest.json").is_file():
        kind = _json(p / "manifest.json").get("kind")
    if kind == "run":
        return Run(p)
    if kind in ("compare", "sweep"):
        raise FolderError(f"{p}: {kind} folder not finished (no tables yet): rerun its command to continue it")
    raise FolderError(f"{p}: not a senesim run, comparison or sweep folder")
