"""senesim: senescence spread, SASP and MSC secretome treatments in tissue,
an agent-based simulator, from Python.

The functions run the engine of the ``senesim`` command line in this
process (the GIL released; Ctrl-C stops a run as it stops the command, its
folder resumable with :func:`resume`), write the same folder the command
would, byte for byte, and return it opened::

    import senesim
    r = senesim.run("scenarios/default.toml", set={"run.days": 3})
    r.timeseries.tail()          # pandas DataFrame
    r.summary["final_senescent_fraction"]
    r.snapshots[-1]["p16"]       # numpy array (ny, nx)

``set`` takes dotted keys to values, validated exactly as ``--set``:
``{"tissue.age": "young", "treatments.0.every_h": 72}``; a bad one raises
:class:`ScenarioError` (``.file``, ``.key``, ``.value``, ``.rule``) before
any work. Scenario keys and units: docs/scenario-reference.md; outputs:
docs/outputs.md; sweeps: docs/sweeps.md.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

from . import _senesim
from ._errors import (
    CheckpointError,
    FolderError,
    RunFailed,
    ScenarioError,
    SenesimError,
    UsageError,
    translated,
)
from ._results import Comparison, Run, Sweep, load
from ._snapshots import Snapshot, Snapshots, read_snapshot

__version__: str = _senesim.__version__

__all__ = [
    "run",
    "resume",
    "compare",
    "sweep",
    "check",
    "load",
    "read_snapshot",
    "Run",
    "Comparison",
    "Sweep",
    "Snapshot",
    "Snapshots",
    "SenesimError",
    "ScenarioError",
    "UsageError",
    "FolderError",
    "CheckpointError",
    "RunFailed",
    "__version__",
]

_Path = Union[str, "PathLike[str]"]


def _opt(p: Optional[_Path]) -> Optional[str]:
    return None if p is None else str(Path(p))


def _run_folder(scenario: Optional[_Path], resolved: Dict[str, Any]) -> Path:
    """``runs/<scenario file name>``, or, when that holds a run of another
    scenario or seed, the first of ``runs/<name>-2``, ``-3``, … that is free
    or holds this one: a notebook never overwrites an earlier result."""
    stem = Path(scenario).stem if scenario is not None else "default"
    n = 1
    while True:
        d = Path("runs") / (stem if n == 1 else f"{stem}-{n}")
        if not d.exists():
            return d
        try:
            m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
            if m.get("kind") == "run" and m.get("scenario") == resolved:
                return d
        except (OSError, ValueError):
            pass
        n += 1


@translated
def run(
    scenario: Optional[_Path] = None,
    *,
    set: Optional[Mapping[str, Any]] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    out: Optional[_Path] = None,
    plots: bool = True,
    force: bool = False,
    progress: bool = False,
) -> Run:
    """Runs a scenario, as ``senesim run`` does, and returns its folder.

    Args:
        scenario: a scenario file (TOML); None runs the built-in default
            (scenarios/default.toml: aged skin treated with young-MSC EVs).
        set: overrides, dotted key → value (``{"run.days": 3}``).
        seed: the run's seed (as ``--seed``); any seed senesim wrote.
        threads: worker threads (default: all cores); results do not
            depend on it.
        out: the output folder. Default: ``runs/<scenario file name>``,
            or ``runs/<name>-2``, ``-3``, … when that holds a run of another
            scenario or seed (the command line refuses such a folder; here
            an earlier result is kept and a free folder chosen).
        plots: draw ``plots/`` (time series, maps, phenotype.gif).
        force: replace a run of another scenario or seed in ``out``.
        progress: show a progress bar on a terminal.

    Returns:
        the :class:`Run` in ``out``.

    Raises:
        ScenarioError: the scenario or an override is invalid.
        FolderError: ``out`` is in use or holds something else.
        KeyboardInterrupt: stopped by Ctrl-C; ``resume(out)`` continues it.
    """
    if out is None:
        out = _run_folder(scenario, check(scenario, set=set, seed=seed))
    path = _senesim.run(_opt(scenario), set, seed, threads, _opt(out), plots, force, progress)
    return Run(path)


@translated
def resume(path: _Path, *, threads: Optional[int] = None, progress: bool = False) -> Run:
    """Continues an interrupted run (``senesim resume``); its outputs equal
    an uninterrupted run's, byte for byte."""
    return Run(_senesim.resume(str(Path(path)), threads, progress))


@translated
def compare(
    scenario: _Path,
    *,
    set: Optional[Mapping[str, Any]] = None,
    replicates: int = 8,
    threads: Optional[int] = None,
    out: Optional[_Path] = None,
    plots: bool = True,
    force: bool = False,
    progress: bool = False,
) -> Comparison:
    """Compares the scenario's treated arm (and its ``[[arms]]``) with the
    untreated control over paired replicates (``senesim compare``).

    Returns a :class:`Comparison`: ``.runs`` (per-run metrics), ``.effects``
    (paired differences with 95% CIs), ``.verdicts``. Rerunning the same
    call continues an interrupted comparison. Default ``out``:
    ``runs/<scenario file name>-compare``.
    """
    path = _senesim.compare(
        str(Path(scenario)), set, replicates, threads, _opt(out), plots, force, progress
    )
    return Comparison(path)


@translated
def sweep(
    sweep: _Path,
    *,
    set: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    out: Optional[_Path] = None,
    shard: Optional[str] = None,
    plots: bool = True,
    force: bool = False,
    progress: bool = False,
) -> Sweep:
    """Runs a parameter sweep (``senesim sweep``; docs/sweeps.md).

    ``set`` overrides keys of the base scenario at every point; ``shard``
    ("K/N") runs one of N disjoint slices. Rerunning continues an
    interrupted sweep (finished runs are kept). Returns a :class:`Sweep`:
    ``.results`` (per run), ``.points`` (per point and arm, with verdicts).
    Default ``out``: ``runs/<sweep file name>-sweep``.
    """
    path = _senesim.sweep(str(Path(sweep)), set, threads, _opt(out), shard, plots, force, progress)
    return Sweep(path)


@translated
def check(
    scenario: Optional[_Path] = None,
    *,
    set: Optional[Mapping[str, Any]] = None,
    seed: Optional[int] = None,
) -> Dict[str, Any]:
    """The scenario as resolved (every key, defaults filled in) and
    validated, as ``senesim check`` prints it; raises :class:`ScenarioError`."""
    return json.loads(_senesim.check(_opt(scenario), set, seed))
