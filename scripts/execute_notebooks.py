#!/usr/bin/env python
"""Execute the teaching notebooks and store them with their outputs (`make notebooks`).

Each notebook runs top to bottom in a fresh ``python3`` kernel (this interpreter's, see
tests/test_notebooks.py) that imports this checkout's ``sim``, from a scratch folder, so that
anything it writes stays out of the repository. The stored outputs are what a reader sees on a repository page; the tests re-execute
every notebook and fail when its stored outputs are no longer what it prints.

    .venv/bin/python scripts/execute_notebooks.py [NOTEBOOK ...]   # default: notebooks/*.ipynb
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # seconds a cell may take


def execute(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, executed (raises on any cell's error); the file is not changed."""
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with tempfile.TemporaryDirectory() as scratch:
        NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT, record_timing=False, coalesce_streams=True,
                       resources={"metadata": {"path": scratch}}).execute(env=env)
    return nb


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        nb = execute(path)
        nbformat.validate(nb)
        nbformat.write(nb, path)
        print(f"{path}: executed and stored")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
