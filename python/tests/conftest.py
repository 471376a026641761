"""Shared set-up of the Python tests: the repository, the command-line
binary to compare with, and small runs (a 32 × 32 patch for a week)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

# A small version of a scenario, the same through `--set` and `set=`.
SMALL = {"grid.nx": 32, "grid.ny": 32, "run.days": 7}


def cli_sets(sets):
    out = []
    for k, v in sets.items():
        out += ["--set", f"{k}={v}"]
    return out


@pytest.fixture(scope="session")
def cli():
    """Runs the `senesim` binary ($SENESIM_BIN, or target/release/senesim)."""
    exe = Path(os.environ.get("SENESIM_BIN", ROOT / "target" / "release" / "senesim"))
    if not exe.is_file():
        pytest.skip(f"no senesim binary at {exe}: cargo build --release")

    def run(*args, check=True):
        p = subprocess.run([str(exe), *map(str, args)], cwd=ROOT, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"senesim {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
        return p

    return run
