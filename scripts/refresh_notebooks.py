"""Re-execute notebooks in place from a fresh kernel and store their outputs.

Deterministic: no per-cell timing metadata, kernel name normalised to python3,
execution counts from 1. Run through `make refresh` after an intended change;
`make test-nbval` then checks that a fresh run reproduces what is committed.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, kernel_name="python3", timeout=600, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    nbformat.write(nb, path)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        t = time.perf_counter()
        refresh(Path(arg))
        print(f"refreshed {arg} in {time.perf_counter() - t:.1f} s")
