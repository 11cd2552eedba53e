"""``{bench-provenance}``: say which commit the benchmark figures on the page belong to.

bench/report.json is committed after it is measured, so the book is normally built from a
later commit than the one measured. The directive compares the report's commit with the
commit being built and says so plainly: the same commit; an older commit whose changes
since then touch only bench/ (the report itself), so the figures describe this content;
or an older commit, naming it, how many files outside bench/ changed since, and whether
the measured tree had uncommitted changes.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


def _git(root: Path, *args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def provenance_text(root: Path) -> str:
    report = root / "bench" / "report.json"
    if not report.exists():
        return "No benchmark has been run for this book yet (`make bench`)."
    r = json.loads(report.read_text(encoding="utf-8"))
    measured = r.get("machine", {}).get("commit") or ""
    dirty = r.get("machine", {}).get("tracked_files_modified")
    head = _git(root, "rev-parse", "HEAD")
    when = r.get("date", "an unknown date")
    uncommitted = (" The measured tree also had uncommitted changes, so no commit holds exactly what was "
                   "measured.") if dirty else ""
    if not head:
        return f"These figures were measured on {when} at commit {measured[:12]}; this copy is not a git checkout, " \
               f"so it cannot be compared with the commit this page was built from.{uncommitted}"
    if measured == head:
        return f"These figures were measured on {when} at commit {measured[:12]}, the commit this page was built " \
               f"from.{uncommitted}"
    changed = _git(root, "diff", "--name-only", measured, head, "--", ".", ":(exclude)bench")
    if changed is None:
        return f"These figures belong to an older commit, {measured[:12]} (measured {when}), which is not in this " \
               f"checkout's history; this page was built from {head[:12]}.{uncommitted}"
    files = [f for f in changed.splitlines() if f]
    if not files:
        return f"These figures were measured on {when} at commit {measured[:12]}; this page was built from " \
               f"{head[:12]}, which differs from it only in bench/ (the report itself), so they describe this " \
               f"book's content.{uncommitted}"
    return f"These figures belong to an older commit, {measured[:12]} (measured {when}), not to {head[:12]}, " \
           f"the commit this page was built from: {len(files)} files outside bench/ have changed since, so " \
           f"the figures may not hold for this build. Run `make bench` to measure it.{uncommitted}"


class BenchProvenance(SphinxDirective):
    def run(self):
        text = provenance_text(Path(self.env.app.confdir))
        note = nodes.important()
        note += nodes.paragraph(text=text)
        return [note]


def setup(app):
    app.add_directive("bench-provenance", BenchProvenance)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
