"""Release archive: one zip with the site, notebooks, data, ledger, handouts and an RO-Crate.

    python scripts/release.py [--html _build/html] [--handouts _build/pdf/chapters] [--out dist]
    python scripts/release.py --check dist/clusters-compendium-0.2.0.zip   # validate an archive
    python scripts/release.py --epoch   # the edition date as Unix time (SOURCE_DATE_EPOCH)

writes ``dist/<name>-<version>.zip`` (version and date from ``CITATION.cff``) holding

* ``site/``: the built HTML book (``make release`` builds it strictly, with the handouts);
* the notebooks with their outputs (``book/``), the ``analysis`` package they import, ``data/``
  with ``datapackage.json``, the stored values ledgers (``editions/``; the current one is
  ``site/values.csv``), the chapter handouts (``handouts/<chapter>.pdf``, when built),
  ``CITATION.cff``, the licences, ``requirements.lock``, ``environment.yml`` and the build files;
* ``ro-crate-metadata.json`` (RO-Crate 1.1, written with the ``rocrate`` library,
  ``scripts/crate.py``): every file with its type, licence and sha256, and each notebook's
  execution as a CreateAction (Process/Workflow Run Crate) from the dependency records
  ``analysis/data/recorder.py`` wrote while it ran (``_build/.jupyter_cache/deps/<notebook>.json``).

The archive is byte-reproducible: entries sorted, every timestamp the edition's date
(``date-released``), fixed permissions, no absolute paths. After writing it, the archive is
checked (:func:`check_archive`): every described file present with its sha256 and size, every
file described, and ``roc-validator`` passes offline at REQUIRED severity for RO-Crate 1.1 and for
the Process and Workflow Run Crate profiles the crate claims.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import crate  # noqa: E402  (scripts/crate.py)

#: The archive's file name stem: dist/<ARCHIVE_NAME>-<version>.zip
ARCHIVE_NAME = "clusters-compendium"
METADATA = "ro-crate-metadata.json"
#: Files of the repository copied as they are (when present).
REPO_FILES = ("CITATION.cff", ".zenodo.json", "LICENSE", "LICENSE-CONTENT.md", "README.md", "CHANGELOG.md",
              "ARCHITECTURE.md", "requirements.in", "requirements.lock", "environment.yml", "pyproject.toml",
              "_config.yml", "_toc.yml", "Makefile")
#: Folders of the repository and the files taken from each (glob patterns).
REPO_TREES = (("book", ("*.ipynb", "*.md")), ("analysis", ("*.py", "**/*.py")), ("data", ("**/*",)),
              ("editions", ("*/values.csv",)))
#: Permissions of every entry (a regular file, rw-r--r--).
FILE_MODE = 0o100644


class ReleaseError(ValueError):
    """Bad input for a release: names the file and what is wrong."""


def load_cff(root: Path) -> dict:
    path = root / "CITATION.cff"
    cff = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("title", "version", "date-released", "authors", "license"):
        if not cff.get(key):
            raise ReleaseError(f"{path}: field '{key}' is required for a release")
    return cff


def edition_time(cff: dict) -> tuple[int, int, int, int, int, int]:
    """The timestamp of every entry: midnight of the edition's date (``date-released``)."""
    try:
        day = dt.date.fromisoformat(str(cff["date-released"]))
    except ValueError as exc:
        raise ReleaseError(f"CITATION.cff: date-released {cff['date-released']!r} is not YYYY-MM-DD") from exc
    return (day.year, day.month, day.day, 0, 0, 0)


def archive_name(cff: dict) -> str:
    return f"{ARCHIVE_NAME}-{cff['version']}.zip"


# ---- what goes in ---------------------------------------------------------------------------------

def _tree(folder: Path, prefix: str) -> dict[str, Path]:
    return {f"{prefix}/{p.relative_to(folder).as_posix()}": p for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}


def collect(root: Path, html: Path, handouts: Path | None) -> dict[str, Path]:
    """Archive path -> source file, for everything the release holds (the crate metadata aside)."""
    if not (html / "index.html").is_file():
        raise ReleaseError(f"{html}: no built site (index.html missing): build it first (make release does)")
    files: dict[str, Path] = {}
    for name in REPO_FILES:
        if (root / name).is_file():
            files[name] = root / name
    for folder, patterns in REPO_TREES:
        for pattern in patterns:
            for p in sorted((root / folder).glob(pattern)):
                if p.is_file() and "__pycache__" not in p.parts:
                    files[p.relative_to(root).as_posix()] = p
    site = _tree(html, "site")
    site.pop("site/.buildinfo", None)  # Sphinx's incremental-build bookkeeping, not part of the book
    files.update(site)
    for stem, pdf in linked_handouts(html, handouts).items():
        files[f"handouts/{stem}.pdf"] = pdf
    for rel in files:
        if rel.startswith("/") or ".." in rel.split("/"):
            raise ReleaseError(f"{rel}: not a relative path inside the archive")
    return dict(sorted(files.items()))


def linked_handouts(html: Path, handouts: Path | None) -> dict[str, Path]:
    """The chapter handouts that exist, each checked to be the one the site links (same bytes)."""
    if handouts is None or not handouts.is_dir():
        return {}
    found = {p.stem: p for p in sorted(handouts.glob("*.pdf"))}
    served = {p.name: p for p in (html / "_downloads").rglob("*.pdf")} if (html / "_downloads").is_dir() else {}
    for stem, pdf in found.items():
        copy = served.get(pdf.name)
        if copy is None or copy.read_bytes() != pdf.read_bytes():
            raise ReleaseError(f"{pdf}: the site in {html} does not link this handout (or links an older one): "
                               "build the site after the handouts (make release does)")
    return found


# ---- the archive ----------------------------------------------------------------------------------

def zip_bytes(entries: dict[str, bytes], when: tuple[int, ...]) -> bytes:
    """A zip of ``entries`` (sorted by name), every entry dated ``when`` with mode 0644: byte-stable."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permissions below are read as such
            info.external_attr = FILE_MODE << 16
            zf.writestr(info, entries[name], compresslevel=9)
    return buf.getvalue()


def build(root: Path, html: Path, handouts: Path | None, deps: Path, out: Path) -> Path:
    """Write the archive into ``out``; return its path. Raises ReleaseError on bad input."""
    cff = load_cff(root)
    files = collect(root, html, handouts)
    content = {name: path.read_bytes() for name, path in files.items()}
    metadata = crate.crate_metadata(root, cff, content, deps)
    content[METADATA] = (json.dumps(metadata, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    for name, data in content.items():
        if str(root).encode() in data:
            raise ReleaseError(f"{name}: contains the absolute path of this checkout ({root}); "
                               "the archive must not depend on where it was built")
    out.mkdir(parents=True, exist_ok=True)
    target = out / archive_name(cff)
    target.write_bytes(zip_bytes(content, edition_time(cff)))
    return target


# ---- checks ---------------------------------------------------------------------------------------

def integrity_problems(folder: Path) -> list[str]:
    """Crate against payload: every File entity present, sha256 and size right; every file described."""
    meta = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    graph = {e["@id"]: e for e in meta["@graph"]}
    problems = []
    described = set()
    for eid, e in sorted(graph.items()):
        types = e["@type"] if isinstance(e["@type"], list) else [e["@type"]]
        if "File" not in types:
            continue
        described.add(eid)
        path = folder / eid
        if not path.is_file():
            problems.append(f"{eid}: described in {METADATA} but missing from the archive")
            continue
        data = path.read_bytes()
        if e.get("sha256") != hashlib.sha256(data).hexdigest():
            problems.append(f"{eid}: sha256 in {METADATA} is {e.get('sha256')}, the file's is "
                            f"{hashlib.sha256(data).hexdigest()}")
        if str(e.get("contentSize")) != str(len(data)):
            problems.append(f"{eid}: contentSize in {METADATA} is {e.get('contentSize')}, the file has {len(data)} bytes")
        if not e.get("license") or not e.get("encodingFormat"):
            problems.append(f"{eid}: no license or encodingFormat in {METADATA}")
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != METADATA and rel not in described:
            problems.append(f"{rel}: in the archive but not described in {METADATA}")
    return problems


def check_archive(archive: Path) -> list[str]:
    """All problems of an archive: entry names, integrity, and roc-validator (REQUIRED level)."""
    problems = []
    with zipfile.ZipFile(archive) as zf, tempfile.TemporaryDirectory() as tmp:
        for info in zf.infolist():
            if info.filename.startswith("/") or ".." in info.filename.split("/"):
                problems.append(f"{archive.name}: entry {info.filename!r} is not a relative path")
        if problems:
            return problems
        zf.extractall(tmp)
        folder = Path(tmp)
        if not (folder / METADATA).is_file():
            return [f"{archive.name}: no {METADATA} at the top of the archive"]
        problems += integrity_problems(folder)
        problems += crate.validator_problems(folder, Path(tmp + "-http-cache"))
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    ap.add_argument("--handouts", type=Path, default=ROOT / "_build" / "pdf" / "chapters",
                    help="chapter handouts (included when present; the site must link them)")
    ap.add_argument("--deps", type=Path, default=ROOT / "_build" / ".jupyter_cache" / "deps",
                    help="the notebooks' dependency records (written by the HTML build)")
    ap.add_argument("--out", type=Path, default=ROOT / "dist")
    ap.add_argument("--check", type=Path, metavar="ZIP", help="only check an existing archive")
    ap.add_argument("--epoch", action="store_true",
                    help="print the edition date as Unix time (SOURCE_DATE_EPOCH for the handouts) and stop")
    args = ap.parse_args(argv)
    try:
        if args.epoch:
            when = dt.datetime(*edition_time(load_cff(args.root)), tzinfo=dt.timezone.utc)
            print(int(when.timestamp()))
            return 0
        target = args.check or build(args.root, args.html, args.handouts, args.deps, args.out)
        problems = check_archive(target)
    except (ReleaseError, crate.CrateError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(f"release: {target} failed its checks:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    with zipfile.ZipFile(target) as zf:
        n = len(zf.infolist())
        pdfs = sum(1 for i in zf.infolist() if i.filename.startswith("handouts/"))
    print(f"release: {target.relative_to(args.root) if target.is_relative_to(args.root) else target} "
          f"({n} files, {pdfs} chapter handouts; sha256 {hashlib.sha256(target.read_bytes()).hexdigest()}); "
          "valid for roc-validator (RO-Crate 1.1, Process and Workflow Run Crate; required), every sha256 checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
