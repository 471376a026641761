"""Executes the example notebooks (examples/notebooks/*.ipynb) with
nbclient, from their own folder; exits non-zero if a cell fails. Run by
.ci/run. Usage: python python/tests/run_notebooks.py [NOTEBOOK ...]"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]

paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
for path in paths:
    t0 = time.monotonic()
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    print(f"{path.relative_to(ROOT)}: every cell ran ({time.monotonic() - t0:.0f} s)")
