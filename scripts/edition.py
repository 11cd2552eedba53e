"""Cut an edition: bump the version everywhere it is carried and store this build's values ledger.

    python scripts/edition.py 0.2.0 [--date 2026-12-24] [--ledger _build/html/values.csv]
    python scripts/edition.py --store-current [--replace]   # (re)store the current version's ledger

The version lives in CITATION.cff (``version``, ``date-released``: what the footer and every
citation block show; ``.zenodo.json`` is re-rendered from it) and pyproject.toml (the ``analysis``
package). The ledger of the built site
(``make book`` writes it) is copied to ``editions/<version>/values.csv``, and CHANGELOG.md gets a
heading for the new edition. Nothing is overwritten: an edition that is already stored is refused.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import zenodo  # noqa: E402  (scripts/zenodo.py)

VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


class EditionError(ValueError):
    """Bad input: names the file and what is wrong."""


def _replace_one(text: str, pattern: str, repl: str, where: str) -> str:
    new, n = re.subn(pattern, repl, text, count=1, flags=re.M)
    if n != 1:
        raise EditionError(f"{where}: no line matching {pattern!r} to update")
    return new


def current_version(root: Path) -> str:
    m = re.search(r'^version:\s*"?([^"\n]+)"?\s*$', (root / "CITATION.cff").read_text(encoding="utf-8"), re.M)
    if not m:
        raise EditionError(f"{root / 'CITATION.cff'}: no 'version' field")
    return m.group(1).strip()


def bump(root: Path, version: str, date: str) -> list[Path]:
    """Write the new version (and date) into every file that carries it; return the files."""
    cff, pyproject, changelog = root / "CITATION.cff", root / "pyproject.toml", root / "CHANGELOG.md"
    text = cff.read_text(encoding="utf-8")
    text = _replace_one(text, r'^version:.*$', f'version: "{version}"', str(cff))
    text = _replace_one(text, r'^date-released:.*$', f'date-released: "{date}"', str(cff))
    cff.write_text(text, encoding="utf-8")
    touched = [cff]
    if (root / zenodo.TARGET).exists():  # the deposit metadata is rendered from CITATION.cff
        touched.append(zenodo.write(root))
    if pyproject.exists():
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(_replace_one(text, r'^version\s*=.*$', f'version = "{version}"', str(pyproject)),
                             encoding="utf-8")
        touched.append(pyproject)
    if changelog.exists():
        text = changelog.read_text(encoding="utf-8")
        unreleased = re.search(r"^## Unreleased[ \t]*$", text, re.M)
        if unreleased:  # the words written while the edition was prepared become its entry
            text = text[:unreleased.start()] + f"## {version} — {date}" + text[unreleased.end():]
            changelog.write_text(text, encoding="utf-8")
            touched.append(changelog)
        elif not re.search(rf"^## {re.escape(version)}\b", text, re.M):
            heading = (f"## {version} — {date}\n\n- (Say in words what this edition changed; the number-by-number "
                       "account is the book's 'What changed between editions' page.)\n\n")
            m = re.search(r"^## ", text, re.M)
            text = text[:m.start()] + heading + text[m.start():] if m else text.rstrip() + "\n\n" + heading
            changelog.write_text(text, encoding="utf-8")
            touched.append(changelog)
    return touched


def store_ledger(root: Path, version: str, ledger: Path, replace: bool = False) -> Path:
    """Copy the built ledger to editions/<version>/values.csv (refused if stored, unless ``replace``)."""
    if not ledger.is_file():
        raise EditionError(f"{ledger}: no values ledger (run `make book` first)")
    header = ledger.read_text(encoding="utf-8").splitlines()[:1]
    if not header or not header[0].startswith("name,"):
        raise EditionError(f"{ledger}: not a values ledger (header {header[:1]})")
    target = root / "editions" / version / "values.csv"
    if target.exists() and not replace:
        raise EditionError(f"{target}: edition {version} is already stored (--replace to re-cut it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ledger, target)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("version", nargs="?", help="the new edition, x.y.z")
    ap.add_argument("--date", default=dt.date.today().isoformat(), help="release date (default today)")
    ap.add_argument("--ledger", type=Path, default=ROOT / "_build" / "html" / "values.csv")
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--store-current", action="store_true", help="only store the ledger of the current version")
    ap.add_argument("--replace", action="store_true",
                    help="with --store-current: overwrite the stored ledger (re-cut an unreleased edition)")
    args = ap.parse_args(argv)
    try:
        if args.store_current:
            print(store_ledger(args.root, current_version(args.root), args.ledger, args.replace))
            return 0
        if not args.version or not VERSION_RE.match(args.version):
            raise EditionError(f"VERSION must look like 1.2.3, got {args.version!r}")
        old = current_version(args.root)
        if args.version == old:
            raise EditionError(f"CITATION.cff: the version is already {old}")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", args.date):
            raise EditionError(f"--date must be YYYY-MM-DD, got {args.date!r}")
        target = args.root / "editions" / args.version / "values.csv"
        if target.exists():
            raise EditionError(f"{target}: edition {args.version} is already stored")
        # the ledger of this build becomes the new edition's (the version only changes the footer)
        stored = store_ledger(args.root, args.version, args.ledger)
        for path in bump(args.root, args.version, args.date):
            print(f"updated {path.relative_to(args.root)}")
        print(f"stored {stored.relative_to(args.root)}")
        print("next: rebuild (`make book`), write the CHANGELOG.md entry, commit and tag")
    except EditionError as exc:
        print(f"edition: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
