"""Provenance: the one shape every loaded object carries, built from its registry entry and attached.

:func:`describe` builds it (what, where from, which file and checksum, licence, sources, caveat);
:func:`attach` puts it on the object (``.attrs["provenance"]`` of a DataFrame or dict,
``.graph["provenance"]`` of a graph and of each graph of a collection);
:func:`analysis.data.provenance` reads it back.
"""
from __future__ import annotations

import importlib.metadata

from . import registry
from .readers import READ_WITH  # the library a reader parses with, by format


def describe(e: dict, path_label: str, **found) -> dict:
    """The one provenance shape, from a descriptor (plus what the reader found while reading)."""
    pkg = e.get("x-package") or e.get("x-transcribed-from")
    package = None
    if pkg:
        package = registry.package_words(pkg)
        if "x-transcribed-from" in e:
            package += f", transcribed into data/{e['path']}"
        lib = READ_WITH.get(e.get("x-reader", {}).get("format"))
        if lib:
            package += f", read with {lib}=={importlib.metadata.version(lib)} (PyPI)"
    sources = [s.get("title", "") for s in e.get("sources", [])]
    keys = [s["x-source-key"] for s in e.get("sources", []) if s.get("x-source-key")]
    return {
        "name": e["name"],
        "title": e.get("title", e["name"]),
        "evidence_kind": e.get("x-evidence-kind"),
        "path": path_label,
        "sha256": e.get("hash", "").removeprefix("sha256:") or None,
        "package": package,
        "path_in_package": pkg["path"] if pkg else None,
        "licence": "; ".join(l.get("title") or l.get("name", "") for l in e.get("licenses", [])),
        "sources": sources,
        "original_source": " ".join(t if t.endswith(".") else f"{t}." for t in sources if t),
        "source_key": keys[0] if keys else None,
        "other_source_keys": keys[1:],
        "caveat": e.get("x-caveat") or e.get("description", ""),
        **e.get("x-notes", {}),
        **found,
    }


def attach(obj, prov: dict):
    """Attach ``prov`` to a loaded object (and to each network of a collection); return the object."""
    if hasattr(obj, "graph"):
        obj.graph["provenance"] = prov
    else:
        obj.attrs["provenance"] = prov
    for part in (obj.values() if isinstance(obj, dict) else ()):
        if hasattr(part, "graph"):  # each network of a collection carries the provenance too
            part.graph["provenance"] = dict(prov, title=f"{prov['title']}: {part.graph['name']}")
    return obj
