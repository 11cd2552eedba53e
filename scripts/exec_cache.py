"""Which notebooks the next `make book` would execute, and why (nothing is built or removed).

    python scripts/exec_cache.py            # or: make book-status

A notebook executes when jupyter-cache holds no execution of its current code cells (new, edited,
or never executed), or when an input recorded at its last execution changed
(``analysis/data/recorder.py``, compared by ``analysis/build/staleness.py``; the build drops that cached execution, ``_ext/exec_deps.py``).
Exit code 0 either way: this is a report, not a check.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

import nbformat  # noqa: E402
import yaml  # noqa: E402

import exec_deps  # noqa: E402
from analysis.build import site as _site  # noqa: E402

CACHE = ROOT / "_build" / ".jupyter_cache"


def kernel_aliases() -> dict:
    """The kernel renaming the build applies before hashing (``nb_kernel_rgx_aliases``)."""
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return (cfg.get("sphinx", {}).get("config", {}) or {}).get("nb_kernel_rgx_aliases", {}) or {}


def code_cached(path: Path, cache_dir: Path) -> bool:
    """Does jupyter-cache hold an execution of this notebook's current code cells?"""
    if not (cache_dir / "global.db").exists():
        return False
    from jupyter_cache import get_cache

    nb = nbformat.read(path, as_version=4)
    name = nb.metadata.get("kernelspec", {}).get("name")
    for rgx, alias in kernel_aliases().items():
        if name is not None and re.fullmatch(rgx, name):
            nb.metadata["kernelspec"]["name"] = alias
            break
    try:
        get_cache(str(cache_dir)).match_cache_notebook(nb)
        return True
    except KeyError:
        return False


def status(cache_dir: Path = CACHE) -> dict[str, str | None]:
    """notebook stem -> why it would execute (None: its cached execution is current)."""
    nbs = {p.stem: p for p in _site.notebooks()}
    stale = exec_deps.invalidate(cache_dir, nbs, dry_run=True)
    out = {}
    for stem, path in nbs.items():
        if stem in stale:
            out[stem] = "; ".join(stale[stem])
        elif not code_cached(path, cache_dir):
            out[stem] = "no cached execution of its current code cells"
        else:
            out[stem] = None
    return out


def main() -> int:
    st = status()
    for stem, why in st.items():
        print(f"{stem}: {'up to date' if why is None else 'would execute: ' + why}")
    n = sum(why is not None for why in st.values())
    print(f">> {n} of {len(st)} notebooks would execute on the next `make book`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
