"""Whether a notebook's recorded execution is out of date: its manifest against the files as they are now.

``analysis.data.recorder`` writes a manifest while a build kernel runs a notebook; the book
build (``_ext/exec_deps.py``) and ``make book-status`` (``scripts/exec_cache.py``) call
:func:`stale_reasons` and drop the cache of every notebook it returns reasons for. Build
plumbing: notebooks do not import it.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .. import paths
from ..data import registry
from ..data.recorder import entry_hash, keys_hash, sha256_file


def read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def registry_entries(root: Path) -> dict[str, dict]:
    pkg = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    return {e["name"]: e for e in list(pkg.get("resources", [])) + list(pkg.get("x-open-data", []))}


def _external_hash(root: Path, entries: dict, name: str, label: str) -> str | None:
    """Current sha256 of a package file read by ``name`` (label ``pkg==version:path``)."""
    e = entries.get(name)
    if e is None or "x-package" not in e:
        return None
    pkg = e["x-package"]
    for rel in [pkg["path"], *[f.get("path") for f in pkg.get("extra_files", [])]]:
        path, lab = registry.local_file(pkg, rel)
        if lab == label:
            return sha256_file(path)
    return None


def _current_keys(root: Path, entries: dict, table: str, column: str) -> str | None:
    """sha256 (:func:`keys_hash`) of the values of ``column`` in ``table``'s file as it is now."""
    e = entries.get(table)
    path = root / "data" / e["path"] if e is not None and "path" in e else None
    if path is None or not path.is_file():
        return None
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    if column not in (rows.fieldnames or []):
        return None
    return keys_hash(row[column].strip() for row in rows)


def stale_reasons(manifest: dict | None, root: Path | None = None, entries: dict | None = None) -> list[str]:
    """Why the execution recorded in ``manifest`` is out of date (empty list: it is current)."""
    root = Path(root or paths.ROOT)
    if manifest is None:
        return ["no record of its inputs"]
    entries = registry_entries(root) if entries is None else entries
    why = []
    for rel, sha in manifest.get("modules", {}).items():
        if sha256_file(root / rel) != sha:
            why.append(f"{rel} changed")
    for name, res in manifest.get("resources", {}).items():
        e = entries.get(name)
        if e is None:
            why.append(f"data resource '{name}' is no longer registered")
            continue
        changed = [f for f, sha in res.get("files", {}).items()
                   if (sha256_file(root / f) if ":" not in f else _external_hash(root, entries, name, f)) != sha]
        if changed:
            why.append(f"data resource '{name}' changed ({', '.join(changed)})")
        elif res.get("entry") is not None and entry_hash(e) != res["entry"]:
            why.append(f"data resource '{name}' changed (its entry in data/datapackage.json)")
        for ref, sha in res.get("keys", {}).items():
            table, _, column = ref.rpartition(".")
            if _current_keys(root, entries, table, column) != sha:
                why.append(f"data resource '{name}' changed (the {column} values of {table} it checks against)")
    for group in ("files", "lock"):
        for rel, sha in manifest.get(group, {}).items():
            if sha256_file(root / rel) != sha:
                why.append(f"{rel} changed")
    return why


def manifest_path(cache_dir: Path, notebook_stem: str) -> Path:
    """Where a notebook's manifest lives, beside the jupyter-cache database."""
    return Path(cache_dir) / "deps" / f"{notebook_stem}.json"


def short(sha: str | None) -> str:
    return (sha or "missing")[:8]
