"""A clone is self-contained: no tracked file points to material outside the repository."""
import re
import subprocess
from pathlib import Path

from analysis import paths

OUTSIDE = re.compile(r"/work/|\.\./shared\b|\bshared/reference/")


def test_no_tracked_file_points_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=paths.ROOT, capture_output=True, text=True,
                           check=True).stdout.split("\n")
    hits = []
    for rel in filter(None, files):
        path = paths.ROOT / rel
        if path.suffix not in {".py", ".yml", ".yaml", ".bib", ".md", ".toml", ".sh", ".cfg", ".json", ".ipynb", ".cff"} \
                and path.name != "Makefile":
            continue
        if not path.is_file() or path == Path(__file__):  # this file names the patterns
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                hits.append(f"{rel}:{i}: {line.strip()[:120]}")
    assert not hits, "\n".join(hits)
