"""What a notebook's execution depended on, recorded while its kernel runs.

The execution cache of Jupyter Book 1 (jupyter-cache) is keyed on a notebook's code cells only.
This module keys it on the inputs a notebook actually used as well:

* every ``analysis`` module it imported (from ``sys.modules``, hence transitively), by the sha256
  of its source;
* every dataset it read through :func:`analysis.data.load`: the resource's registry entry and the
  file(s) actually read, by sha256; a table read only for the ids a foreign key must name (a
  content check of another table), by the sha256 of those ids;
* other project files read outside ``data.load`` that are allowed there (the registry and the
  bibliography, ``_toc.yml``, the chapters' own ``.ipynb`` files for the Data sources page);
* ``requirements.lock``.

Recording is on only when ``COMPENDIUM_DEPS_RECORD`` names a manifest file (the book build,
``_ext/exec_deps.py``, sets it for each notebook's kernel); then a file under ``data/`` or
``.vendor/`` opened outside ``data.load`` is refused with :class:`UnrecordedInputError`. The
manifest (sorted JSON, no timestamps) is written after every cell and at exit. Recording prints
nothing and changes no output. ``analysis.build.staleness`` compares a manifest with the files as
they are now; the build drops the cache of every notebook it returns reasons for. This module
imports no other module of ``analysis.data``: the door hands it what it resolved.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import sys
import threading
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

from .. import paths

ENV = "COMPENDIUM_DEPS_RECORD"
LOCK = "requirements.lock"
#: Folders whose files only ``data.load`` may read.
GUARDED = ("data", ".vendor")
#: Files under GUARDED that analysis code may read outside ``data.load`` (recorded as files).
ALLOWED_OUTSIDE_LOAD = ("data/datapackage.json", "data/references.bib")
#: Project folders whose files are never recorded as inputs (environment, build, history).
UNRECORDED = (".venv", "_build", ".git", "node_modules", "analysis")


class UnrecordedInputError(PermissionError):
    """A data file was opened outside ``analysis.data.load``, so no execution cache could key on it."""


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def keys_hash(keys) -> str:
    """sha256 of a set of key values (sorted, one a line): what a foreign-key check compared with."""
    return hashlib.sha256("\n".join(sorted(set(map(str, keys)))).encode()).hexdigest()


def entry_hash(entry: dict) -> str:
    """sha256 of a registry entry as canonical JSON (its schema, checks, hash of the file...)."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def relative(path, root: Path | None = None) -> str | None:
    """``path`` relative to the project root (posix), or None when it lies outside it."""
    root = Path(root or paths.ROOT)
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return None


# ---- the recorder (one per kernel) ----------------------------------------------------------------

class Recorder:
    def __init__(self, manifest: Path, root: Path):
        self.manifest = Path(manifest)
        self.root = Path(root)
        self.stack: list[str] = []          # names of the data.load calls in progress
        self.resources: dict[str, dict] = {}
        self.files: set[str] = set()        # project files read outside data.load
        self.local = threading.local()      # re-entrancy guard for the audit hook
        self.last = None

    # files --------------------------------------------------------------------------------------
    def opened(self, path) -> None:
        if getattr(self.local, "busy", False) or isinstance(path, int):
            return
        try:
            path = os.fsdecode(path)
        except TypeError:
            return
        rel = relative(path, self.root)
        if rel is None or rel.split("/", 1)[0] in UNRECORDED or os.path.isdir(path):
            return
        if self.stack:
            if rel == ALLOWED_OUTSIDE_LOAD[0]:
                return  # the registry: each loaded resource's own entry is recorded instead
            for name in self.stack:
                self.resources[name]["files"].add(rel)
            return
        if rel.split("/", 1)[0] in GUARDED and rel not in ALLOWED_OUTSIDE_LOAD:
            raise UnrecordedInputError(
                f"{rel} was opened outside analysis.data.load: a notebook's data must come through "
                "data.load(name) (registered in data/datapackage.json), so that its execution cache "
                "is keyed on it")
        self.files.add(rel)

    def note_file(self, label: str, raw: bytes) -> None:
        """A registry package's file read inside data.load (PyPI files sit in .venv, not recorded)."""
        for name in self.stack:
            self.resources[name]["external"][label] = hashlib.sha256(raw).hexdigest()

    # loads --------------------------------------------------------------------------------------
    def resource(self, name: str) -> dict:
        return self.resources.setdefault(name, {"files": set(), "external": {}, "keys": {}, "entry": None})

    @contextmanager
    def loading(self, name: str, entry: dict):
        self.resource(name)["entry"] = entry_hash(entry)
        self.stack.append(name)
        try:
            yield
        finally:
            self.stack.pop()
        self.write()

    def note_keys(self, ref: str, keys) -> None:
        """The loads in progress compared with these key values (``ref``: ``<resource>.<column>``)."""
        for name in self.stack:
            self.resource(name)["keys"][ref] = keys_hash(keys)

    # manifest -----------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        self.local.busy = True
        try:
            modules = {}
            for name, mod in list(sys.modules.items()):
                if name == "analysis" or name.startswith("analysis."):
                    rel = relative(getattr(mod, "__file__", None) or "", self.root)
                    if rel and rel.endswith(".py"):
                        modules[rel] = sha256_file(self.root / rel)
            resources = {
                name: {"entry": r["entry"],
                       "files": {f: sha256_file(self.root / f) for f in sorted(r["files"])} | dict(sorted(r["external"].items())),
                       **({"keys": dict(sorted(r["keys"].items()))} if r.get("keys") else {})}
                for name, r in sorted(self.resources.items())}
            return {
                "modules": dict(sorted(modules.items())),
                "resources": resources,
                "files": {f: sha256_file(self.root / f) for f in sorted(self.files)},
                "lock": {LOCK: sha256_file(self.root / LOCK)},
            }
        finally:
            self.local.busy = False

    def write(self) -> None:
        snap = self.snapshot()
        if snap == self.last:
            return
        self.local.busy = True
        try:
            self.manifest.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.manifest.with_suffix(".tmp")
            tmp.write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            tmp.replace(self.manifest)
            self.last = snap
        finally:
            self.local.busy = False


RECORDER: Recorder | None = None


def _audit(event: str, args) -> None:
    if event == "open" and RECORDER is not None:
        RECORDER.opened(args[0])


def start(manifest: str | os.PathLike | None = None) -> Recorder | None:
    """Start recording into ``manifest`` (default: ``$COMPENDIUM_DEPS_RECORD``); no-op when unset."""
    global RECORDER
    manifest = manifest or os.environ.get(ENV)
    if not manifest or RECORDER is not None:
        return RECORDER
    RECORDER = Recorder(Path(manifest), paths.ROOT)
    sys.addaudithook(_audit)  # cannot be removed; inert once RECORDER is None
    atexit.register(RECORDER.write)
    try:
        ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821  (defined in a kernel)
    except NameError:
        ip = None
    if ip is not None:
        ip.events.register("post_run_cell", lambda *_: RECORDER and RECORDER.write())
    RECORDER.write()
    return RECORDER


@contextmanager
def loading(name: str, entry: dict):
    """Around the reading in ``data.load``: the entry and every file read are inputs of ``name``."""
    if RECORDER is None:
        yield
        return
    with RECORDER.loading(name, entry):
        yield


@contextmanager
def keys_read(name: str, column: str):
    """Reading table ``name`` only for the values of ``column`` (the ids a foreign key must name):
    the loads in progress depend on those values, not on the file. Yields ``note(keys)``."""
    if RECORDER is None or not RECORDER.stack:
        yield lambda keys: None
        return
    rec, busy = RECORDER, getattr(RECORDER.local, "busy", False)
    rec.local.busy = True  # the files opened here are not inputs of the loads in progress
    try:
        yield lambda keys: rec.note_keys(f"{name}.{column}", keys)
    finally:
        rec.local.busy = busy


@contextmanager
def entry_read(name: str):
    """``registry.entry(name)`` outside data.load: that entry is the input, not the whole registry.

    (A page-kit lookup such as a table's primary key reads only the entry of a table the notebook
    has loaded; recording the whole registry would re-execute every chapter after any data change.)
    """
    if RECORDER is None or RECORDER.stack:
        yield
        return
    res = RECORDER.resource(name)
    RECORDER.stack.append(name)  # the registry read below is this entry's, not the whole file's
    try:
        yield res
    finally:
        RECORDER.stack.pop()
        if res["entry"] is None and not res["files"] and not res["keys"]:  # an unknown name: nothing was read
            del RECORDER.resources[name]
    RECORDER.write()


def registry_read(read):
    """Decorator for the (cached) registry reader: used outside data.load, the whole file is an input."""
    @wraps(read)
    def wrapper(*args, **kwargs):
        if RECORDER is not None and not RECORDER.stack:
            RECORDER.files.add(ALLOWED_OUTSIDE_LOAD[0])
        return read(*args, **kwargs)
    wrapper.cache_clear = getattr(read, "cache_clear", None)
    return wrapper


def note_file(label: str, raw: bytes) -> None:
    """Record a file outside the project read by data.load (e.g. inside a PyPI package)."""
    if RECORDER is not None:
        RECORDER.note_file(label, raw)
