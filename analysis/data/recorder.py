"""What a notebook's execution depended on: record it while the kernel runs, compare it later.

The execution cache of Jupyter Book 1 (jupyter-cache) is keyed on a notebook's code cells only.
This module keys it on the inputs a notebook actually used as well:

* every ``analysis`` module it imported (from ``sys.modules``, hence transitively), by the sha256
  of its source;
* every dataset it read through :func:`analysis.data.load`: the resource's registry entry and the
  file(s) actually read, by sha256;
* other project files read outside ``data.load`` that are allowed there (the registry and the
  bibliography, ``_toc.yml``, the chapters' own ``.ipynb`` files for the Data sources page);
* ``requirements.lock``.

Recording is on only when ``COMPENDIUM_DEPS_RECORD`` names a manifest file (the book build,
``_ext/exec_deps.py``, sets it for each notebook's kernel); then a file under ``data/`` or
``.vendor/`` opened outside ``data.load`` is refused with :class:`UnrecordedInputError`. The
manifest (sorted JSON, no timestamps) is written after every cell and at exit. Recording prints
nothing and changes no output. :func:`stale_reasons` compares a manifest with the files as they
are now; the build drops the cache of every notebook it returns reasons for.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import sys
import threading
from contextlib import contextmanager, suppress
from functools import wraps
from pathlib import Path

from . import paths

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
    @contextmanager
    def loading(self, name: str):
        res = self.resources.setdefault(name, {"files": set(), "external": {}, "entry": None})
        self.stack.append(name)
        try:
            from . import registry

            with suppress(KeyError):  # an unknown name: load() raises the error that names it
                res["entry"] = entry_hash(registry.entry(name))
            yield
        finally:
            self.stack.pop()
        self.write()

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
                       "files": {f: sha256_file(self.root / f) for f in sorted(r["files"])} | dict(sorted(r["external"].items()))}
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


def recorded(load):
    """Decorator for ``data.load``: note the resource (and the files it reads) while recording."""
    @wraps(load)
    def wrapper(name, *args, **kwargs):
        if RECORDER is None:
            return load(name, *args, **kwargs)
        with RECORDER.loading(name):
            return load(name, *args, **kwargs)
    return wrapper


@contextmanager
def entry_read(name: str):
    """``registry.entry(name)`` outside data.load: that entry is the input, not the whole registry.

    (A page-kit lookup such as a table's primary key reads only the entry of a table the notebook
    has loaded; recording the whole registry would re-execute every chapter after any data change.)
    """
    if RECORDER is None or RECORDER.stack:
        yield
        return
    res = RECORDER.resources.setdefault(name, {"files": set(), "external": {}, "entry": None})
    RECORDER.stack.append(name)  # the registry read below is this entry's, not the whole file's
    try:
        yield res
    finally:
        RECORDER.stack.pop()
        if res["entry"] is None and not res["files"]:  # an unknown name: nothing was read
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


# ---- comparing a manifest with the files as they are now ------------------------------------------

def read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _registry_entries(root: Path) -> dict[str, dict]:
    pkg = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    return {e["name"]: e for e in list(pkg.get("resources", [])) + list(pkg.get("x-open-data", []))}


def _external_hash(root: Path, entries: dict, name: str, label: str) -> str | None:
    """Current sha256 of a package file read by ``name`` (label ``pkg==version:path``)."""
    from . import registry

    e = entries.get(name)
    if e is None or "x-package" not in e:
        return None
    pkg = e["x-package"]
    for rel in [pkg["path"], *[f.get("path") for f in pkg.get("extra_files", [])]]:
        path, lab = registry.local_file(pkg, rel)
        if lab == label:
            return sha256_file(path)
    return None


def stale_reasons(manifest: dict | None, root: Path | None = None, entries: dict | None = None) -> list[str]:
    """Why the execution recorded in ``manifest`` is out of date (empty list: it is current)."""
    root = Path(root or paths.ROOT)
    if manifest is None:
        return ["no record of its inputs"]
    entries = _registry_entries(root) if entries is None else entries
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
