"""The compiled engine (PyO3). Use the functions of the ``senesim`` package,
which call these and read the folders they write."""

from os import PathLike
from pathlib import Path
from typing import Any, Mapping, Optional, Union

_Path = Union[str, PathLike[str]]
_Set = Optional[Mapping[str, Any]]

__version__: str

class Failure(Exception):
    """(kind, message, details): translated by senesim._errors."""

def run(
    scenario: Optional[_Path] = None,
    set: _Set = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    out: Optional[_Path] = None,
    plots: bool = True,
    force: bool = False,
    progress: bool = False,
) -> Path: ...
def resume(path: _Path, threads: Optional[int] = None, progress: bool = False) -> Path: ...
def compare(
    scenario: _Path,
    set: _Set = None,
    replicates: int = 8,
    threads: Optional[int] = None,
    out: Optional[_Path] = None,
    plots: bool = True,
    force: bool = False,
    progress: bool = False,
) -> Path: ...
def sweep(
    sweep: _Path,
    set: _Set = None,
    threads: Optional[int] = None,
    out: Optional[_Path] = None,
    shard: Optional[str] = None,
    plots: bool = True,
    force: bool = False,
    progress: bool = False,
) -> Path: ...
def check(scenario: Optional[_Path] = None, set: _Set = None, seed: Optional[int] = None) -> str: ...
