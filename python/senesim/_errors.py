"""The exceptions senesim raises, and the translation of the engine's.

Every error of the engine carries the message the command line prints after
``error:``. A scenario error also says where: ``file`` (the scenario or sweep
file, or ``--set`` for a ``set=`` override), ``key`` (a dotted path, e.g.
``tissue.age``), ``value`` (as written) and ``rule`` (what the value must
satisfy). An interrupted run raises :class:`KeyboardInterrupt`, its folder
marked incomplete and resumable with :func:`senesim.resume`.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar

from . import _senesim

__all__ = [
    "SenesimError",
    "ScenarioError",
    "UsageError",
    "FolderError",
    "CheckpointError",
    "RunFailed",
]


class SenesimError(Exception):
    """Any error senesim reports. ``message`` is the text the command line
    prints after ``error:``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ScenarioError(SenesimError, ValueError):
    """A scenario (or sweep file, or ``set=`` override) that cannot be run,
    refused before any work starts.

    Attributes:
        file: the file that set the bad value, or ``"--set"`` for an override.
        key: the dotted key (``"tissue.age"``); None when the whole file is
            refused (unreadable, malformed TOML).
        value: the value as written; None when the whole file is refused.
        rule: the rule the value breaks.
    """

    def __init__(
        self,
        message: str,
        file: str,
        key: Optional[str],
        value: Optional[str],
        rule: str,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.key = key
        self.value = value
        self.rule = rule


class UsageError(SenesimError, ValueError):
    """An argument out of range (``threads=0``, ``replicates=1``, a bad
    ``shard``), or a comparison with nothing to compare."""


class FolderError(SenesimError):
    """An output folder that cannot be used now: in use by another process,
    holding another scenario's run (pass ``force=True``), or not a folder
    this operation can continue."""


class CheckpointError(SenesimError):
    """A checkpoint that cannot be resumed (damaged, foreign, of another
    version)."""


class RunFailed(SenesimError):
    """A run that failed while running: a numerical failure (its folder says
    at which step), or an output that could not be written."""


_CLASSES = {
    "usage": UsageError,
    "folder": FolderError,
    "checkpoint": CheckpointError,
    "run": RunFailed,
}

F = TypeVar("F", bound=Callable[..., Any])


def translated(f: F) -> F:
    """Calls ``f``, raising the engine's failures as the public classes."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except _senesim.Failure as e:
            kind, message, details = e.args
            if kind == "scenario":
                raise ScenarioError(
                    message,
                    details["file"],
                    details["key"],
                    details["value"],
                    details["rule"],
                ) from None
            raise _CLASSES.get(kind, SenesimError)(message) from None

    return wrapper  # type: ignore[return-value]
